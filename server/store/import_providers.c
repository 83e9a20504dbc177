/* import_providers.c -- importing the provider directory.
 *
 * Columns: id,name,discipline,expertise,lat,lon,postcode,city,networks,
 * accepting,online (required), address,phone,email,website and the
 * referrer's hours,languages,wheelchair,direct_access,wait_weeks,
 * wait_confirmed,agb,big (optional, import_attrs.c).
 * Replaces all providers and their memberships. A provider without lat/lon
 * is placed at its postcode's PC4 centroid (geocoded = 1). Registrations of
 * providers that are no longer in the file are deleted, with a warning that
 * says how many.
 *
 * Per-row work is kept to lookups in memory (PC4 table, sorted network ids,
 * a 64-entry tag set) and two prepared INSERTs, so a million rows import in
 * seconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geodata/geo.h"
#include "proto/vocab.h"
#include "server/engine/snapshot.h"
#include "import.h"

#define LIST_MAX 64 /* tags or networks of one provider */

enum {
    C_ID, C_NAME, C_DISC, C_EXP, C_LAT, C_LON, C_POSTCODE, C_CITY, C_NETS, C_ACC, C_ONLINE,
    C_ADDRESS, C_PHONE, C_EMAIL, C_WEBSITE, C_HOURS, C_LANG, C_WHEEL, C_DIRECT, C_WAIT,
    C_CONFIRMED, C_AGB, C_BIG, C_N
};
_Static_assert(C_N - C_HOURS == IMP_ATTR_COLS, "the attribute columns are contiguous");
static const imp_col cols[C_N] = {
    {"id", true},       {"name", true},     {"discipline", true}, {"expertise", true},
    {"lat", true},      {"lon", true},      {"postcode", true},   {"city", true},
    {"networks", true}, {"accepting", true}, {"online", true},    {"address", false},
    {"phone", false},   {"email", false},   {"website", false},   {"hours", false},
    {"languages", false}, {"wheelchair", false}, {"direct_access", false},
    {"wait_weeks", false}, {"wait_confirmed", false}, {"agb", false}, {"big", false}};
/* Longest accepted value per column (bytes); 0 = checked otherwise. */
static const size_t max_len[C_N] = {[C_NAME] = 256, [C_CITY] = 128, [C_ADDRESS] = 256,
                                    [C_PHONE] = 64,  [C_EMAIL] = 254, [C_WEBSITE] = 512};

typedef struct pc4_pt {
    double lat, lon;
    bool have;
} pc4_pt;

typedef struct prov_state {
    sqlite3_stmt *ins, *ins_mem;
    pc4_pt pc4[10000];
    char **nets; /* sorted network ids, owned */
    size_t nnets;
    imp_tagset tags;
    char expertise[LIST_MAX * 33 + 1]; /* the normalised ';'-joined list */
} prov_state;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_lookups(vw_imp *im, prov_state *s)
{
    sqlite3_stmt *q = NULL;
    size_t cap = 0;
    int rc = -1, step;
    if (imp_prepare(im, &q, "SELECT pc4, lat, lon FROM pc4") != 0)
        goto out;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        int pc = sqlite3_column_int(q, 0);
        if (pc >= 1000 && pc <= 9999)
            s->pc4[pc] = (pc4_pt){sqlite3_column_double(q, 1), sqlite3_column_double(q, 2), true};
    }
    if (step != SQLITE_DONE || sqlite3_finalize(q) != SQLITE_OK) {
        q = NULL;
        imp_db_error(im, "reading pc4");
        goto out;
    }
    if (imp_prepare(im, &q, "SELECT id FROM networks ORDER BY id") != 0)
        goto out;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if (s->nnets == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **p = realloc(s->nets, ncap * sizeof *p);
            if (p == NULL)
                goto oom;
            s->nets = p;
            cap = ncap;
        }
        if ((s->nets[s->nnets] = strdup((const char *)sqlite3_column_text(q, 0))) == NULL)
            goto oom;
        s->nnets++;
    }
    if (step != SQLITE_DONE) {
        imp_db_error(im, "reading networks");
        goto out;
    }
    rc = 0;
    goto out;
oom:
    vw_err_set(im->err, VW_E_INTERNAL, "out of memory");
out:
    sqlite3_finalize(q);
    return rc;
}

static int begin(vw_imp *im)
{
    prov_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return vw_err_set(im->err, VW_E_INTERNAL, "out of memory");
    im->state = s;
    imp_tagset_init(&s->tags);
    if (load_lookups(im, s) != 0)
        return -1;
    /* Registrations point at provider ids through a deferred foreign key:
     * they survive the delete; finish() drops those left without provider. */
    if (!im->apply && sqlite3_exec(im->db, "DELETE FROM memberships; DELETE FROM providers",
                                   NULL, NULL, NULL) != SQLITE_OK)
        return imp_db_error(im, "clearing providers");
    char sql[1536];
    if (imp_insert_sql(im, "providers", "id, name, discipline, expertise, lat, lon, address, "
                       "postcode, city, phone, email, website, accepting, online, geocoded, hours, "
                       "languages, wheelchair, direct_access, wait_weeks, wait_confirmed, agb, big",
                       23, sql, sizeof sql) != 0 || imp_prepare(im, &s->ins, sql) != 0)
        return -1;
    if (imp_insert_sql(im, "memberships", "provider_id, network_id", 2, sql, sizeof sql) != 0)
        return -1;
    return imp_prepare(im, &s->ins_mem, sql);
}

static int reject_discipline(vw_imp *im, const char *d)
{
    char valid[400] = "";
    for (int i = 0; i < VW_D_COUNT; i++)
        snprintf(valid + strlen(valid), sizeof valid - strlen(valid), "%s%s", i ? ", " : "",
                 vw_discipline_name(i));
    return imp_reject(im, "unknown discipline \"%.40s\" (valid: %s)", d, valid);
}

/* Split and check the tag list; fills tags[], returns the count or -1 (rejected). */
static int parse_tags(vw_imp *im, char *f, size_t len, char **tags, size_t *tlen)
{
    size_t pos = 0, n = 0, il;
    char *item;
    while (imp_list_next(f, len, &pos, &item, &il)) {
        if (!vw_tag_valid(item, il))
            return imp_reject(im, "invalid expertise tag \"%.40s\" (1..32 of a-z 0-9 _ -, "
                                  "starting with a letter)", item), -1;
        bool dup = false;
        for (size_t j = 0; j < n && !dup; j++)
            dup = tlen[j] == il && memcmp(tags[j], item, il) == 0;
        if (dup)
            continue;
        if (n == LIST_MAX)
            return imp_reject(im, "more than %d expertise tags", LIST_MAX), -1;
        tags[n] = item;
        tlen[n++] = il;
    }
    return (int)n;
}

static bool network_known(const prov_state *s, const char *id)
{
    return bsearch(&id, s->nets, s->nnets, sizeof *s->nets, cmp_str) != NULL;
}

static int row(vw_imp *im, char **f, size_t *len)
{
    prov_state *s = im->state;
    char *tags[LIST_MAX], *nets[LIST_MAX], *item, pcbuf[8] = "";
    size_t tlen[LIST_MAX], il, pos = 0, nnet = 0;
    const char *dupnet = NULL;
    double lat = 0, lon = 0;
    bool acc, onl, geocoded = false;
    vw_postcode pc;
    imp_attrs attrs;

    if (!vw_id_valid(f[C_ID], len[C_ID]))
        return imp_reject(im, "invalid id \"%.64s\" (1..64 printable ASCII characters, no "
                              "spaces, ',' or ';')", f[C_ID]);
    if (len[C_NAME] == 0)
        return imp_reject(im, "name is empty");
    for (int c = 0; c < C_N; c++)
        if (max_len[c] && len[c] > max_len[c])
            return imp_reject(im, "%s longer than %zu bytes", cols[c].name, max_len[c]);
    int disc = vw_discipline_parse(f[C_DISC], len[C_DISC]);
    if (disc < 0)
        return reject_discipline(im, f[C_DISC]);
    int ntags = parse_tags(im, f[C_EXP], len[C_EXP], tags, tlen);
    if (ntags < 0)
        return 1;
    if (len[C_POSTCODE]) {
        if (vw_postcode_parse(f[C_POSTCODE], len[C_POSTCODE], &pc) != 0)
            return imp_reject(im, "postcode is not a Dutch postcode (4 digits 1000..9999, "
                                  "optionally 2 letters)");
        snprintf(pcbuf, sizeof pcbuf, pc.letters[0] ? "%04d %s" : "%04d", pc.pc4, pc.letters);
    }
    if (len[C_LAT] == 0 && len[C_LON] == 0) {
        if (!pcbuf[0])
            return imp_reject(im, "no location: lat and lon are empty and there is no postcode");
        if (!s->pc4[pc.pc4].have)
            return imp_reject(im, "lat/lon empty and postcode %04d is not in the pc4 table",
                              pc.pc4);
        lat = s->pc4[pc.pc4].lat;
        lon = s->pc4[pc.pc4].lon;
        geocoded = true;
    } else if (len[C_LAT] == 0 || len[C_LON] == 0) {
        return imp_reject(im, "lat and lon must both be given or both be empty");
    } else {
        if (imp_parse_point(im, f[C_LAT], len[C_LAT], f[C_LON], len[C_LON], &lat, &lon) != 0)
            return 1;
    }
    while (imp_list_next(f[C_NETS], len[C_NETS], &pos, &item, &il)) {
        if (!vw_id_valid(item, il) || !network_known(s, item))
            return imp_reject(im, "unknown network \"%.64s\"", item);
        bool dup = false;
        for (size_t j = 0; j < nnet && !dup; j++)
            dup = strcmp(nets[j], item) == 0;
        if (dup) {
            dupnet = item;
            continue;
        }
        if (nnet == LIST_MAX)
            return imp_reject(im, "more than %d networks", LIST_MAX);
        nets[nnet++] = item;
    }
    if (imp_parse_bool(f[C_ACC], len[C_ACC], &acc) != 0)
        return imp_reject(im, "accepting \"%.16s\" is not a boolean (0/1, true/false, yes/no, "
                              "ja/nee)", f[C_ACC]);
    if (imp_parse_bool(f[C_ONLINE], len[C_ONLINE], &onl) != 0)
        return imp_reject(im, "online \"%.16s\" is not a boolean (0/1, true/false, yes/no, "
                              "ja/nee)", f[C_ONLINE]);
    if (imp_attrs_parse(im, disc, f + C_HOURS, len + C_HOURS, &attrs) != 0)
        return 1;

    /* valid: account for the tags, then store */
    size_t elen = 0;
    for (int i = 0; i < ntags; i++) {
        bool added;
        int bit = imp_tag_account(im, &s->tags, tags[i], tlen[i], &added);
        if (bit < 0)
            return imp_file_error(im, im->line,
                                  "more than %d distinct expertise tags (base and data); "
                                  "\"%s\" is one too many", VW_MAX_TAGS, tags[i]);
        if (bit >= VW_BASE_TAG_COUNT && !s->tags.warned[bit]) {
            s->tags.warned[bit] = true;
            imp_warn(im, im->line, "expertise \"%s\" is not a base tag (kept as a data tag)",
                     tags[i]);
        }
        if (i)
            s->expertise[elen++] = ';';
        memcpy(s->expertise + elen, tags[i], tlen[i]);
        elen += tlen[i];
    }
    sqlite3_stmt *q = s->ins;
    imp_bind_text(q, 1, f[C_ID], len[C_ID], false);
    imp_bind_text(q, 2, f[C_NAME], len[C_NAME], false);
    imp_bind_text(q, 3, f[C_DISC], len[C_DISC], false);
    imp_bind_text(q, 4, s->expertise, elen, false);
    sqlite3_bind_double(q, 5, lat);
    sqlite3_bind_double(q, 6, lon);
    imp_bind_text(q, 7, f[C_ADDRESS], len[C_ADDRESS], true);
    imp_bind_text(q, 8, pcbuf, strlen(pcbuf), true);
    imp_bind_text(q, 9, f[C_CITY], len[C_CITY], true);
    imp_bind_text(q, 10, f[C_PHONE], len[C_PHONE], true);
    imp_bind_text(q, 11, f[C_EMAIL], len[C_EMAIL], true);
    imp_bind_text(q, 12, f[C_WEBSITE], len[C_WEBSITE], true);
    sqlite3_bind_int(q, 13, acc);
    sqlite3_bind_int(q, 14, onl);
    sqlite3_bind_int(q, 15, geocoded);
    imp_attrs_bind(q, 16, &attrs);
    int rc = imp_step(q);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return imp_reject(im, "duplicate provider id %s", f[C_ID]);
    if (rc != SQLITE_DONE)
        return imp_db_error(im, "inserting a provider");
    for (size_t j = 0; j < nnet; j++) {
        imp_bind_text(s->ins_mem, 1, f[C_ID], len[C_ID], false);
        imp_bind_text(s->ins_mem, 2, nets[j], strlen(nets[j]), false);
        if (imp_step(s->ins_mem) != SQLITE_DONE)
            return imp_db_error(im, "inserting a membership");
    }
    if (dupnet)
        imp_warn(im, im->line, "provider %s lists network %s more than once", f[C_ID], dupnet);
    if (geocoded)
        im->res->rows_geocoded++;
    return 0;
}

static int finish(vw_imp *im)
{
    prov_state *s = im->state;
    sqlite3_stmt *q = NULL;
    int rc = -1, step;
    if (sqlite3_exec(im->db, "DELETE FROM registrations WHERE provider_id NOT IN "
                             "(SELECT id FROM providers)", NULL, NULL, NULL) != SQLITE_OK)
        return imp_db_error(im, "deleting orphaned registrations");
    long gone = (long)sqlite3_changes(im->db);
    if (gone > 0)
        imp_warn(im, 0, "%ld registration(s) of providers no longer in the file were deleted",
                 gone);
    if (imp_prepare(im, &q, "SELECT DISTINCT tag FROM registrations") != 0)
        goto out;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(q, 0);
        bool added;
        if (t && imp_tagset_add(&s->tags, t, strlen(t), &added) < 0) {
            rc = imp_file_error(im, 0, "more than %d distinct expertise tags with the "
                                       "registrations' tags (\"%s\" is one too many)",
                                VW_MAX_TAGS, t);
            goto out;
        }
    }
    if (step != SQLITE_DONE) {
        imp_db_error(im, "reading registration tags");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(q);
    return rc;
}

static void end(vw_imp *im)
{
    prov_state *s = im->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->ins);
    sqlite3_finalize(s->ins_mem);
    for (size_t i = 0; i < s->nnets; i++)
        free(s->nets[i]);
    free(s->nets);
    free(s);
    im->state = NULL;
}

const imp_kind vw_imp_providers = {cols, C_N, begin, row, finish, end,
    .table = "providers", .key = "id",
    .compare = "id, name, discipline, expertise, lat, lon, address, postcode, city, phone, "
               "email, website, accepting, online, geocoded, hours, languages, wheelchair, "
               "direct_access, wait_weeks, wait_confirmed, agb, big"};
