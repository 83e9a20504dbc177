/* geo.h -- distance and the travel-time model (docs/ENGINE.md), and postcodes.
 *
 * "Distance" everywhere in Verwijs is vw_geo_km(): the great-circle
 * (haversine) distance on a sphere of radius 6371.0088 km between WGS84
 * (lat, lon) points in degrees. Travel time is vw_geo_minutes():
 * km x detour[mode] / speed_kmh[mode] x 60. Every exactness claim (index ==
 * brute force) is relative to these two functions, computed in double. */
#ifndef VW_GEO_H
#define VW_GEO_H

#include <stdbool.h>
#include <stddef.h>

#define VW_EARTH_RADIUS_KM 6371.0088

/* VW_MODE_COUNT modes have a model (below); transit has none and exists
 * only where a travel-time matrix is loaded (server/engine/traveltime.h). */
typedef enum {
    VW_MODE_CAR = 0, VW_MODE_BIKE = 1, VW_MODE_WALK = 2, VW_MODE_COUNT = 3,
    VW_MODE_TRANSIT = 3, VW_MODE_ALL = 4
} vw_mode;

typedef struct vw_travel_model {
    double detour[VW_MODE_COUNT];
    double speed_kmh[VW_MODE_COUNT];
} vw_travel_model;

void vw_travel_model_default(vw_travel_model *m); /* car 1.35@40, bike 1.25@15, walk 1.20@4.8 */
int vw_mode_parse(const char *s, size_t len, vw_mode *out); /* 0 ok, -1 unknown; incl. transit */
const char *vw_mode_name(vw_mode m);
/* The fastest a mode can go over the straight line, in km/h: car 130,
 * bike 40, walk 12, transit 200. A travel-time matrix row faster than this
 * (with half a minute of rounding slack: km / ((minutes + 0.5) / 60)) is
 * rejected at import. The one place these numbers live (docs/TRAVELTIMES.md). */
double vw_mode_ceiling_kmh(vw_mode m);
#define VW_MODE_ROUNDING_MIN 0.5

double vw_geo_km(double lat1, double lon1, double lat2, double lon2);
double vw_geo_minutes(const vw_travel_model *m, vw_mode mode, double km);
/* The largest distance whose travel time is <= minutes (for index pruning; the
 * final test is always vw_geo_minutes(...) <= minutes). */
double vw_geo_km_for_minutes(const vw_travel_model *m, vw_mode mode, double minutes);

/* The box a Dutch location must fall in (mainland and Wadden islands,
 * lat 50.70..53.70, lon 3.30..7.30). Rows outside are rejected by importers. */
bool vw_geo_in_nl(double lat, double lon);
#define VW_NL_LAT_MIN 50.70
#define VW_NL_LAT_MAX 53.70
#define VW_NL_LON_MIN 3.30
#define VW_NL_LON_MAX 7.30

/* Dutch postcode: 4 digits (1000..9999), optionally a space and 2 letters
 * (A-Z, case-insensitive; not SA, SD, SS). */
typedef struct vw_postcode {
    int pc4;
    char letters[3]; /* "" for PC4, else upper-case pair */
} vw_postcode;
int vw_postcode_parse(const char *s, size_t len, vw_postcode *out); /* 0 ok, -1 invalid */

/* Privacy: a loggable form of a location. Postcodes are cut to PC4, coordinates
 * rounded to 2 decimals (about 1 km). */
void vw_geo_redact_postcode(const vw_postcode *pc, char out[8]);
void vw_geo_redact_coords(double lat, double lon, char out[32]);

#endif
