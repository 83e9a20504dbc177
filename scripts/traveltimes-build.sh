#!/usr/bin/env bash
# traveltimes-build.sh -- a PC4 x PC4 travel-time matrix from OpenStreetMap,
# routed by pgRouting (PostgreSQL + PostGIS + pgRouting, osm2pgrouting,
# osmium-tool; all Debian packages). No shortest-path code of our own:
# pgr_drivingDistance, bounded by --max-minutes, from a batch of origins at a
# time. Writes the CSV `verwijs import traveltimes FILE --mode MODE` reads.
#
#   scripts/traveltimes-build.sh --pbf netherlands-latest.osm.pbf \
#       --pc4 pc4_centroids.csv --mode car --out car.csv [--work DIR]
#       [--max-minutes 90] [--batch 25] [--pg-host H --pg-port P --pg-db D --pg-user U]
#
# Without --pg-*, a temporary PostgreSQL cluster is made in WORK/pg (run as
# the postgres user when this script runs as root), on a unix socket only,
# and stopped at the end. Resumable: the routing graph (WORK/MODE.graph.done)
# and every finished batch of origins (WORK/MODE/NNNNN.csv, written atomically)
# are kept; run the same command again after an interruption. --clean starts
# over. docs/TRAVELTIMES.md has the profiles, the time and disk for the whole
# country, and the ODbL attribution the results need.
set -euo pipefail

die() { echo "traveltimes-build: $*" >&2; exit 1; }
usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

PBF= PC4= MODE= OUT= WORK= MAXMIN=90 BATCH=25 CLEAN=0
PGHOST_= PGPORT_= PGDB_= PGUSER_=
while [ $# -gt 0 ]; do
    case "$1" in
    --pbf) PBF=$2; shift 2 ;;
    --pc4) PC4=$2; shift 2 ;;
    --mode) MODE=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --max-minutes) MAXMIN=$2; shift 2 ;;
    --batch) BATCH=$2; shift 2 ;;
    --pg-host) PGHOST_=$2; shift 2 ;;
    --pg-port) PGPORT_=$2; shift 2 ;;
    --pg-db) PGDB_=$2; shift 2 ;;
    --pg-user) PGUSER_=$2; shift 2 ;;
    --clean) CLEAN=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "traveltimes-build: unknown argument '$1'" >&2; usage 2 ;;
    esac
done
[ -n "$PBF" ] && [ -n "$PC4" ] && [ -n "$MODE" ] && [ -n "$OUT" ] ||
    { echo "traveltimes-build: --pbf, --pc4, --mode and --out are required" >&2; usage 2; }
[ -r "$PBF" ] || die "cannot read $PBF"
[ -r "$PC4" ] || die "cannot read $PC4"
case "$MODE" in car|bike|walk) ;; *) die "--mode must be car, bike or walk (transit needs timetables: import a matrix made elsewhere)" ;; esac
[[ "$MAXMIN" =~ ^[0-9]+$ ]] && [ "$MAXMIN" -ge 1 ] && [ "$MAXMIN" -le 600 ] || die "--max-minutes must be 1..600"
[[ "$BATCH" =~ ^[0-9]+$ ]] && [ "$BATCH" -ge 1 ] && [ "$BATCH" -le 1000 ] || die "--batch must be 1..1000"
for t in osmium osm2pgrouting psql; do
    command -v "$t" >/dev/null || die "$t not found (scripts/deps.sh installs osmium-tool, osm2pgrouting, postgresql-15-pgrouting)"
done

HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-$(dirname "$OUT")/traveltimes-work}
[ "$CLEAN" = 1 ] && rm -rf "$WORK"
mkdir -p "$WORK/$MODE"
WORK=$(cd "$WORK" && pwd)

# ---- the profile: which ways (osm2pgrouting mapconfig) and their speeds ----
# car: the way's maxspeed (OSM tag, else the class's in mapconfig-car.xml);
# bike 15 km/h and walk 4.8 km/h on every way they may use, both directions;
# ferries (route=ferry) at their own speed in every profile. The leg from a
# PC4 centroid to the nearest routable node is added at ACCESS_KMH.
case "$MODE" in
car)  CONF=$HERE/traveltimes/mapconfig-car.xml; ACCESS_KMH=30
      EDGES="SELECT gid AS id, source, target, cost_s AS cost, reverse_cost_s AS reverse_cost FROM ways" ;;
bike) CONF=$HERE/traveltimes/mapconfig-bike.xml; ACCESS_KMH=15
      EDGES="SELECT gid AS id, source, target, CASE WHEN tag_id = 501 THEN abs(cost_s) ELSE length_m / (15 / 3.6) END AS cost, CASE WHEN tag_id = 501 THEN abs(cost_s) ELSE length_m / (15 / 3.6) END AS reverse_cost FROM ways" ;;
walk) CONF=$HERE/traveltimes/mapconfig-walk.xml; ACCESS_KMH=4.8
      EDGES="SELECT gid AS id, source, target, CASE WHEN tag_id = 501 THEN abs(cost_s) ELSE length_m / (4.8 / 3.6) END AS cost, CASE WHEN tag_id = 501 THEN abs(cost_s) ELSE length_m / (4.8 / 3.6) END AS reverse_cost FROM ways" ;;
esac
[ -r "$CONF" ] || die "missing $CONF"

# ---- PostgreSQL ---------------------------------------------------------------
OWN_PG=0
if [ -z "$PGHOST_" ]; then
    OWN_PG=1
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -x "$PGBIN/initdb" ] || die "no PostgreSQL server found (postgresql-15)"
    AS=()
    if [ "$(id -u)" = 0 ]; then AS=(runuser -u postgres --); fi
    PGDIR=$WORK/pg
    mkdir -p "$PGDIR/sock"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$PGDIR"
    if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
        "${AS[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -U postgres --auth=trust -E UTF8 \
            >"$WORK/initdb.log" 2>&1 || die "initdb failed: $WORK/initdb.log"
    fi
    PGHOST_=$PGDIR/sock PGPORT_=55432 PGDB_=traveltimes PGUSER_=postgres
    "${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w \
        -o "-k $PGHOST_ -p $PGPORT_ -c listen_addresses= -c fsync=off" start >/dev/null ||
        die "PostgreSQL did not start: $PGDIR/server.log"
    trap '"${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true' EXIT
fi
PGDB_=${PGDB_:-traveltimes} PGUSER_=${PGUSER_:-postgres} PGPORT_=${PGPORT_:-5432}
export PGHOST=$PGHOST_ PGPORT=$PGPORT_ PGUSER=$PGUSER_
DB=${PGDB_}_$MODE
psql -qAt -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
    psql -q -d postgres -c "CREATE DATABASE $DB" >/dev/null
q() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
q -c "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pgrouting;" >/dev/null 2>&1 ||
    die "cannot create the postgis and pgrouting extensions in $DB"

# ---- the routing graph (once per mode) ----------------------------------------
if [ ! -f "$WORK/$MODE.graph.done" ]; then
    echo "traveltimes-build: $MODE: filtering and converting $(basename "$PBF")" >&2
    osmium tags-filter --overwrite -o "$WORK/ways.osm.pbf" "$PBF" w/highway w/route=ferry \
        >/dev/null 2>&1 || die "osmium tags-filter failed"
    osmium cat --overwrite -o "$WORK/ways.osm" "$WORK/ways.osm.pbf" >/dev/null 2>&1 ||
        die "osmium cat failed"
    echo "traveltimes-build: $MODE: osm2pgrouting (the road graph)" >&2
    osm2pgrouting --f "$WORK/ways.osm" --conf "$CONF" --dbname "$DB" --username "$PGUSER" \
        --host "$PGHOST" --port "$PGPORT" --clean >"$WORK/$MODE.osm2pgrouting.log" 2>&1 ||
        die "osm2pgrouting failed: $WORK/$MODE.osm2pgrouting.log"
    rm -f "$WORK/ways.osm"
    # PC4 centroids snapped to the nearest node of the graph.
    # the centroids file of `verwijs import pc4`: pc4,place,lat,lon with a header
    q -c "SET client_min_messages = warning; DROP TABLE IF EXISTS pc4; CREATE TABLE pc4(pc4 int PRIMARY KEY, place text, lat float8,
          lon float8, vid bigint, access_s float8);"
    q -c "\\copy pc4(pc4, place, lat, lon) FROM STDIN WITH (FORMAT csv, HEADER true)" <"$PC4"
    # Only nodes of the largest connected part of the graph: a centroid
    # snapped to a stray piece (a car park's service road) would reach nothing.
    q -c "DROP TABLE IF EXISTS main_nodes;
          CREATE TABLE main_nodes AS
            WITH c AS (SELECT * FROM pgr_connectedComponents(
                         'SELECT gid AS id, source, target, 1 AS cost, 1 AS reverse_cost FROM ways')),
                 big AS (SELECT component FROM c GROUP BY component
                         ORDER BY count(*) DESC, component LIMIT 1)
            SELECT v.id, v.the_geom FROM ways_vertices_pgr v JOIN c ON c.node = v.id
            WHERE c.component = (SELECT component FROM big);
          CREATE INDEX ON main_nodes USING gist(the_geom);"
    q -c "UPDATE pc4 SET vid = n.id, access_s = n.d / ($ACCESS_KMH / 3.6)
          FROM pc4 p CROSS JOIN LATERAL (
            SELECT v.id, ST_DistanceSphere(v.the_geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)) AS d
            FROM main_nodes v
            ORDER BY v.the_geom <-> ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) LIMIT 1) n
          WHERE pc4.pc4 = p.pc4;
          CREATE INDEX ON pc4(vid);"
    touch "$WORK/$MODE.graph.done"
fi

# ---- routing, one batch of origins at a time ----------------------------------
mapfile -t ORIGINS < <(q -c "SELECT pc4 FROM pc4 WHERE vid IS NOT NULL ORDER BY pc4")
N=${#ORIGINS[@]}
[ "$N" -gt 0 ] || die "no PC4 centroid could be placed on the $MODE graph"
MAXS=$((MAXMIN * 60))
start=$(date +%s) done_now=0
for ((i = 0; i < N; i += BATCH)); do
    chunk=$(printf '%s/%s/%05d.csv' "$WORK" "$MODE" "$i")
    [ -f "$chunk" ] && continue
    list=$(IFS=,; echo "${ORIGINS[*]:i:BATCH}")
    # from_v is the origin's node; every PC4 on that node is an origin of it.
    q -F, -c "WITH o AS (SELECT pc4, vid, access_s FROM pc4 WHERE pc4 IN ($list)),
              dd AS (SELECT * FROM pgr_drivingDistance(\$\$$EDGES\$\$,
                       (SELECT array_agg(DISTINCT vid) FROM o), $MAXS, directed => true))
              SELECT o.pc4, d.pc4, round(((dd.agg_cost + o.access_s + d.access_s) / 60)::numeric, 1)
              FROM dd JOIN o ON o.vid = dd.from_v JOIN pc4 d ON d.vid = dd.node
              WHERE o.pc4 <> d.pc4 AND dd.agg_cost + o.access_s + d.access_s <= $MAXS
              ORDER BY 1, 2" >"$chunk.tmp"
    mv "$chunk.tmp" "$chunk"
    done_now=$((done_now + 1))
    el=$(( $(date +%s) - start ))
    left=$(( (N - i - BATCH) > 0 ? (N - i - BATCH) : 0 ))
    eta=$(( done_now > 0 ? el * left / (done_now * BATCH) : 0 ))
    printf 'traveltimes-build: %s: origins %d/%d, %ds elapsed, about %ds left\n' \
        "$MODE" $((i + BATCH < N ? i + BATCH : N)) "$N" "$el" "$eta" >&2
done

# ---- the matrix: every batch, one header, written atomically -------------------
{
    echo "from_pc4,to_pc4,minutes"
    cat "$WORK/$MODE"/*.csv
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "traveltimes-build: $MODE: wrote $(($(wc -l <"$OUT") - 1)) pairs from $N origins to $OUT" >&2
