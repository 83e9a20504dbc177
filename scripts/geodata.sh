#!/usr/bin/env bash
# geodata.sh -- find the open geodata directory (PC4 centroids, places, boundaries)
# and print its path; fail with instructions when it is missing. Sourced by the
# demo and test scripts. Override with VERWIJS_GEODATA=DIR.
vw_find_geodata() {
  local src="$1"
  local dir="${VERWIJS_GEODATA:-$src/../shared/geodata-nl}"
  if [ ! -f "$dir/pc4_centroids.csv" ] || [ ! -f "$dir/places_nl.csv" ]; then
    cat >&2 <<MSG
error: open geodata not found in '$dir'.
Verwijs needs a directory with:
  pc4_centroids.csv   pc4,place,lat,lon        (one point per 4-digit postcode)
  places_nl.csv       name,lat,lon,population,geonameid
  provincie_2015.geojson, coropgebied_2015.geojson, gemeente_2015.geojson (WGS84 boundaries)
Official equivalents: CBS "Postcode-4 statistieken" (PC4 areas; take centroids),
CBS/PDOK "Gebiedsindelingen" (provinces, COROP areas, municipalities; convert to
WGS84 GeoJSON with ogr2ogr -t_srs EPSG:4326), GeoNames NL (places with population).
Point VERWIJS_GEODATA at that directory and run again.
MSG
    return 1
  fi
  (cd "$dir" && pwd)
}
