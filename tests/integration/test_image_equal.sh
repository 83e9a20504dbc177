#!/usr/bin/env bash
# test_image_equal.sh -- a snapshot read from its image equals the database's
# (itest_image.c: every field of the read API, random matches against each
# other and brute force, damaged images refused), on databases with every
# part an image is completed with: regions and places, the CBS population,
# and travel-time matrices (car, bike); and without them.
. "$(dirname "$0")/lib.sh"
need_geodata
G="$VW_GEODATA"
IT="$VW_BIN/itest_image"
Q=600; X=25
[ "${VW_SANITIZED:-0}" = 1 ] && { Q=150; X=10; }

gen_db 4000 18
expect_exit 0 "itest_image: pc4, networks, providers, registrations" \
  "$IT" --db "$DB" --image "$T/a.img" --queries "$Q" --damage "$X"
tail -1 "$T/out"

expect_exit 0 "import places" "$V" import places "$G/places_nl.csv" --db "$DB" --skip-invalid
expect_exit 0 "import regions" "$V" import regions "$G/gemeente_2015.geojson" --db "$DB"
expect_exit 0 "import population" "$V" import population "$G/pc4_population_2022.csv" --db "$DB"
python3 "$VW_SRC/tests/integration/tt_check.py" gen "$G/pc4_centroids.csv" "$T" 3
expect_exit 0 "import the car matrix" "$V" import traveltimes "$T/car.csv" --mode car --db "$DB"
expect_exit 0 "import the bike matrix" "$V" import traveltimes "$T/bike.csv" --mode bike --db "$DB"
expect_exit 0 "itest_image: + regions, places, population, car and bike matrices" \
  "$IT" --db "$DB" --image "$T/b.img" --queries "$Q" --damage "$X"
tail -1 "$T/out"
finish
