/* geo.c -- haversine distance, the travel-time model, postcode syntax. */
#include "geo.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const mode_names[VW_MODE_ALL] = {"car", "bike", "walk", "transit"};
static const double mode_ceiling_kmh[VW_MODE_ALL] = {130.0, 40.0, 12.0, 200.0};

void vw_travel_model_default(vw_travel_model *m)
{
    m->detour[VW_MODE_CAR] = 1.35;
    m->speed_kmh[VW_MODE_CAR] = 40.0;
    m->detour[VW_MODE_BIKE] = 1.25;
    m->speed_kmh[VW_MODE_BIKE] = 15.0;
    m->detour[VW_MODE_WALK] = 1.20;
    m->speed_kmh[VW_MODE_WALK] = 4.8;
}

int vw_mode_parse(const char *s, size_t len, vw_mode *out)
{
    for (int i = 0; i < VW_MODE_ALL; i++) {
        if (strlen(mode_names[i]) == len && memcmp(mode_names[i], s, len) == 0) {
            *out = (vw_mode)i;
            return 0;
        }
    }
    return -1;
}

const char *vw_mode_name(vw_mode m)
{
    return (m >= 0 && m < VW_MODE_ALL) ? mode_names[m] : "?";
}

double vw_mode_ceiling_kmh(vw_mode m)
{
    return (m >= 0 && m < VW_MODE_ALL) ? mode_ceiling_kmh[m] : 0.0;
}

double vw_geo_km(double lat1, double lon1, double lat2, double lon2)
{
    const double rad = M_PI / 180.0;
    double dlat = (lat2 - lat1) * rad;
    double dlon = (lon2 - lon1) * rad;
    double s1 = sin(dlat * 0.5);
    double s2 = sin(dlon * 0.5);
    double h = s1 * s1 + cos(lat1 * rad) * cos(lat2 * rad) * s2 * s2;
    if (h > 1.0)
        h = 1.0;
    return 2.0 * VW_EARTH_RADIUS_KM * asin(sqrt(h));
}

double vw_geo_minutes(const vw_travel_model *m, vw_mode mode, double km)
{
    return km * m->detour[mode] / m->speed_kmh[mode] * 60.0;
}

double vw_geo_km_for_minutes(const vw_travel_model *m, vw_mode mode, double minutes)
{
    /* Slightly generous: pruning must never drop a point the exact test keeps. */
    return minutes / 60.0 * m->speed_kmh[mode] / m->detour[mode] * (1.0 + 1e-9) + 1e-9;
}

bool vw_geo_in_nl(double lat, double lon)
{
    return lat >= VW_NL_LAT_MIN && lat <= VW_NL_LAT_MAX && lon >= VW_NL_LON_MIN &&
           lon <= VW_NL_LON_MAX;
}

int vw_postcode_parse(const char *s, size_t len, vw_postcode *out)
{
    size_t i = 0;
    int pc4 = 0;
    if (len < 4 || len > 7)
        return -1;
    for (i = 0; i < 4; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        pc4 = pc4 * 10 + (s[i] - '0');
    }
    if (pc4 < 1000)
        return -1;
    out->pc4 = pc4;
    out->letters[0] = '\0';
    if (len == 4)
        return 0;
    if (s[i] == ' ')
        i++;
    if (len - i != 2)
        return -1;
    for (int k = 0; k < 2; k++) {
        unsigned char c = (unsigned char)s[i + (size_t)k];
        if (!isalpha(c))
            return -1;
        out->letters[k] = (char)toupper(c);
    }
    out->letters[2] = '\0';
    /* SA, SD and SS are never issued. */
    if (out->letters[0] == 'S' &&
        (out->letters[1] == 'A' || out->letters[1] == 'D' || out->letters[1] == 'S'))
        return -1;
    return 0;
}

void vw_geo_redact_postcode(const vw_postcode *pc, char out[8])
{
    snprintf(out, 8, "%04d", pc->pc4 % 10000);
}

void vw_geo_redact_coords(double lat, double lon, char out[32])
{
    snprintf(out, 32, "%.2f,%.2f", lat, lon);
}
