#!/usr/bin/env python3
"""agree.py -- do verwijsd, Redis GEOSEARCH and PostGIS answer the same?

    python3 bench/agree.py --queries Q --verwijs CLI --vport P --rport P --pgport P
                           [--sample 100] [--json FILE]

Takes every (N/sample)-th origin of the benchmark's query list (line i is
origin i of PostgreSQL's origins table) and asks each system for its k
nearest: verwijsd through the CLI (`verwijs match ... --json`, origin = the
PC4, whose centroid is the query's lat/lon), Redis with the GEOSEARCH the
records script runs (ids in distance order), PostGIS with bench_match(i).
Counts origins where the ordered id lists are identical, where only the
set agrees (a tie in distance ordered differently), and where they differ;
and checks PostGIS's rows against the query itself (discipline, tag, km <=
radius, at most k). Distances: verwijsd haversine on R = 6371.0088 km,
PostGIS geography with use_spheroid = false (R = 6371008.8 m), Redis
haversine on R = 6372797.56 m (0.03% longer, so a provider within 2 m of
the radius can fall out of Redis's answer only). Exit 1 when PostGIS breaks
the filter or a system's list is not a prefix-consistent match."""
import argparse
import json
import subprocess
import sys


def run(cmd, stdin=None):
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=True).stdout


def main():
    ap = argparse.ArgumentParser()
    for a in ("--queries", "--verwijs", "--vport", "--rport", "--pgport"):
        ap.add_argument(a, required=True)
    ap.add_argument("--sample", type=int, default=100)
    ap.add_argument("--json")
    o = ap.parse_args()
    qs = [line.strip().split(",") for line in open(o.queries) if line.strip()]
    step = max(1, len(qs) // o.sample)
    picks = list(range(1, len(qs) + 1, step))[: o.sample]
    sql = ("SELECT o.id, coalesce(string_agg(b.id || ':' || b.km || ':' || b.discipline || ':' || "
           "(o.expertise IS NULL OR o.expertise = ANY(b.expertise)) || ':' || "
           "(b.km * 1000 <= o.radius_m), ',' ORDER BY b.km, b.id), '') "
           "FROM origins o LEFT JOIN LATERAL bench_match(o.id) b ON true "
           "WHERE o.id IN (%s) GROUP BY o.id" % ",".join(map(str, picks)))
    pg = {}
    for line in run(["psql", "-X", "-At", "-h", "127.0.0.1", "-p", o.pgport, "-U", "postgres",
                     "-c", sql]).splitlines():
        i, rows = line.split("|", 1)
        pg[int(i)] = [r.split(":") for r in rows.split(",") if r]
    same = set_only = differ = bad_pg = 0
    examples = []
    for i in picks:
        pc4, lat, lon, disc, exp, minutes, km, k = qs[i - 1]
        cmd = [o.verwijs, "--server", "127.0.0.1:" + o.vport, "match", "--near", pc4,
               "--discipline", disc, "--within", minutes, "--limit", k, "--json"]
        if exp:
            cmd[-1:-1] = ["--expertise", exp]
        v = [p["id"] for p in json.loads(run(cmd))["providers"]]
        key = "geo:%s%s" % (disc, ":" + exp if exp else "")
        r = run(["redis-cli", "-p", o.rport, "GEOSEARCH", key, "FROMLONLAT", lon, lat,
                 "BYRADIUS", km, "km", "ASC", "COUNT", k]).split()
        rows = pg.get(i, [])
        p = [row[0] for row in rows]
        if len(rows) > int(k) or any(row[2] != disc or row[3] != "true" or row[4] != "true"
                                     for row in rows):
            bad_pg += 1
        if v == p == r:
            same += 1
        elif set(v) == set(p) == set(r):
            set_only += 1
        else:
            differ += 1
            if len(examples) < 3:
                examples.append({"origin": i, "verwijs": v, "postgis": p, "redis": r})
    res = {"origins": len(picks), "identical": same, "same_set_other_order": set_only,
           "different": differ, "postgis_filter_violations": bad_pg, "examples": examples}
    print("agreement on %d origins: identical %d, same set %d, different %d; "
          "PostGIS rows breaking the filter: %d" % (len(picks), same, set_only, differ, bad_pg))
    for e in examples:
        print("  differs at origin %d: %s" % (e["origin"], json.dumps(e)))
    if o.json:
        with open(o.json, "w") as f:
            json.dump(res, f)
    return 1 if bad_pg else 0


if __name__ == "__main__":
    sys.exit(main())
