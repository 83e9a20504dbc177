/* vocab.h -- the domain vocabulary (docs/VOCABULARY.md): discipline codes, the base
 * expertise tags, network status, and the syntax of tags and ids. These are
 * the codes used on the wire and in the interchange files. */
#ifndef VW_VOCAB_H
#define VW_VOCAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h" /* vw_date_today: dates below are days, "today" is a Dutch one */

enum {
    VW_D_FYSIOTHERAPEUT,
    VW_D_OEFENTHERAPEUT,
    VW_D_ERGOTHERAPEUT,
    VW_D_DIETIST,
    VW_D_LOGOPEDIST,
    VW_D_PSYCHOLOOG,
    VW_D_MAATSCHAPPELIJK_WERKER,
    VW_D_SEKSUOLOOG,
    VW_D_HUIDTHERAPEUT,
    VW_D_GEESTELIJK_VERZORGER,
    VW_D_ONCOLOGIEVERPLEEGKUNDIGE,
    VW_D_HUISARTS,
    VW_D_POC,
    VW_D_INLOOPHUIS,
    VW_D_BEDRIJFSARTS,
    VW_D_COUNT
};

/* Bitmask of the psychosocial disciplines (network criteria, docs/VOCABULARY.md). */
#define VW_D_PSYCHOSOCIAL_MASK                                                  \
    ((1u << VW_D_PSYCHOLOOG) | (1u << VW_D_MAATSCHAPPELIJK_WERKER) |            \
     (1u << VW_D_GEESTELIJK_VERZORGER) | (1u << VW_D_SEKSUOLOOG) | (1u << VW_D_POC))

/* Discipline code -> index, or -1 when unknown. `s` need not be NUL-terminated. */
int vw_discipline_parse(const char *s, size_t len);
const char *vw_discipline_name(int d); /* NULL when out of range */

/* The base expertise tags; data may add more (see vw_tag_valid). */
#define VW_BASE_TAG_COUNT 10
extern const char *const vw_base_tags[VW_BASE_TAG_COUNT];

/* A tag or code: 1..32 chars of [a-z0-9_-], starting with a letter. */
bool vw_tag_valid(const char *s, size_t len);
/* An id (provider, network): 1..64 printable ASCII chars, no spaces, no ';' or ','. */
bool vw_id_valid(const char *s, size_t len);

enum { VW_NET_FORMING = 0, VW_NET_CERTIFIED = 1 };
int vw_net_status_parse(const char *s, size_t len); /* -1 when unknown */
const char *vw_net_status_name(int status);

/* Network kinds. The vocabulary is open (any vw_tag_valid code imports, with
 * a warning when it is not one of these); the NVPO criteria and audit apply
 * to oncologiezorgnetwerk only (and to an empty kind: data from before kinds
 * were told apart). */
#define VW_NET_KIND_NVPO "oncologiezorgnetwerk"  /* NVPO-certified first-line networks */
#define VW_NET_KIND_HOSPITAL "oncologienetwerk"  /* hospital / medical-technical networks */
#define VW_NET_KIND_PALLIATIVE "palliatief"      /* palliative care networks */
#define VW_NET_KIND_COUNT 3
extern const char *const vw_net_kinds[VW_NET_KIND_COUNT];
bool vw_net_kind_known(const char *s, size_t len);
/* Do the NVPO criteria apply to a network of this kind (NULL = "")? */
bool vw_net_kind_nvpo(const char *kind);

/* Dates are days since 1970-01-01 (UTC, proleptic Gregorian). */
#define VW_DATE_NONE INT32_MIN
int vw_date_parse(const char *s, size_t len, int32_t *days); /* YYYY-MM-DD, 0 ok / -1 */
void vw_date_format(int32_t days, char out[11]);
int32_t vw_date_from_ymd(int y, int m, int d); /* a valid civil date */
/* "today": vw_date_today() in clock.h (the Dutch day, not the UTC one) */

#endif
