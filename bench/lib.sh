# lib.sh -- what the bench scripts share (sourced, not run): the Release
# build in build-bench and a generated register in a work directory.
#   . "$src/bench/lib.sh"
#   bench_build SRC GEODATA          -> $B (build-bench, verwijsd verwijs vwload built)
#   bench_dataset GEODATA DIR N      -> DIR/db (N providers, verwijs gen --seed 42,
#                                       pc4, places, regions imported) and
#                                       DIR/queries.txt (vwload's 20,000 origins, seed 7)

bench_build() {
  B="$1/build-bench"
  cmake -S "$1" -B "$B" -DCMAKE_BUILD_TYPE=Release -DVW_GEODATA_DIR="$2" >/dev/null
  cmake --build "$B" -j"$(nproc)" --target verwijsd verwijs vwload >/dev/null
}

bench_dataset() {
  local geo="$1" dir="$2" n="$3" t
  "$B/verwijs" gen --geodata "$geo" --out "$dir" --providers "$n" --seed 42 2>/dev/null
  "$B/verwijs" import pc4 "$geo/pc4_centroids.csv" --db "$dir/db" --skip-invalid 2>/dev/null
  "$B/verwijs" import places "$geo/places_nl.csv" --db "$dir/db" --skip-invalid 2>/dev/null
  "$B/verwijs" import regions "$geo/gemeente_2015.geojson" --db "$dir/db" 2>/dev/null
  for t in networks providers registrations; do
    "$B/verwijs" import "$t" "$dir/$t.csv" --db "$dir/db" 2>/dev/null
  done
  "$B/vwload" --make-queries --geodata "$geo" --count 20000 --seed 7 > "$dir/queries.txt" 2>/dev/null
}
