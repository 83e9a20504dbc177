/* import_net.c -- importing networks and registrations.
 *
 * networks: id,name,kind,status,certified_until,region. Replacing the set
 * must not orphan memberships: a network that providers in the database still
 * belong to cannot disappear (the file is rejected, naming them).
 *
 * registrations: provider_id,expertise,registry,valid_from,valid_until -- an
 * expertise held for a period (e.g. an NVPO registry entry). The provider
 * must exist; the tag counts toward the snapshot's VW_MAX_TAGS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/vocab.h"
#include "server/engine/snapshot.h"
#include "import.h"

#define NAME_MAX_LEN 256
#define SHORT_MAX_LEN 64

/* ---- networks -------------------------------------------------------------- */

enum { N_ID, N_NAME, N_KIND, N_STATUS, N_UNTIL, N_REGION, N_N };
static const imp_col net_cols[N_N] = {{"id", true},     {"name", true},
                                      {"kind", true},   {"status", true},
                                      {"certified_until", true}, {"region", true}};

typedef struct net_state {
    sqlite3_stmt *ins;
    int32_t today;
    bool warned_kind;
} net_state;

static int net_begin(vw_imp *im)
{
    net_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return vw_err_set(im->err, VW_E_INTERNAL, "out of memory");
    im->state = s;
    s->today = vw_date_today();
    /* memberships keep pointing at the ids; the deferred foreign key and
     * net_finish make sure every one of them comes back */
    if (!im->apply && sqlite3_exec(im->db, "DELETE FROM networks", NULL, NULL, NULL) != SQLITE_OK)
        return imp_db_error(im, "clearing networks");
    char sql[1024];
    if (imp_insert_sql(im, "networks", "id, name, kind, status, certified_until, region", 6, sql,
                       sizeof sql) != 0)
        return -1;
    return imp_prepare(im, &s->ins, sql);
}

static int net_row(vw_imp *im, char **f, size_t *len)
{
    net_state *s = im->state;
    int32_t until = VW_DATE_NONE;
    if (!vw_id_valid(f[N_ID], len[N_ID]))
        return imp_reject(im, "invalid network id \"%.64s\" (1..64 printable ASCII characters, "
                              "no spaces, ',' or ';')", f[N_ID]);
    if (len[N_NAME] == 0)
        return imp_reject(im, "network %s: name is empty", f[N_ID]);
    if (len[N_NAME] > NAME_MAX_LEN)
        return imp_reject(im, "network %s: name longer than %d bytes", f[N_ID], NAME_MAX_LEN);
    if (len[N_KIND] > SHORT_MAX_LEN)
        return imp_reject(im, "network %s: kind longer than %d bytes", f[N_ID], SHORT_MAX_LEN);
    if (len[N_KIND] && !vw_tag_valid(f[N_KIND], len[N_KIND]))
        return imp_reject(im, "network %s: kind \"%.32s\" is not a code (a-z 0-9 _ -, e.g. "
                              "oncologiezorgnetwerk, oncologienetwerk, palliatief)", f[N_ID],
                          f[N_KIND]);
    bool nvpo = len[N_KIND] == 0 || (len[N_KIND] == strlen(VW_NET_KIND_NVPO) &&
                                     memcmp(f[N_KIND], VW_NET_KIND_NVPO, len[N_KIND]) == 0);
    int status = vw_net_status_parse(f[N_STATUS], len[N_STATUS]);
    if (status < 0)
        return imp_reject(im, "network %s: status \"%.32s\" must be certified or forming",
                          f[N_ID], f[N_STATUS]);
    if (len[N_UNTIL] && vw_date_parse(f[N_UNTIL], len[N_UNTIL], &until) != 0)
        return imp_reject(im, "network %s: certified_until \"%.32s\" is not a date (YYYY-MM-DD)",
                          f[N_ID], f[N_UNTIL]);
    if (len[N_REGION] && vw_region_index(f[N_REGION], len[N_REGION]) < 0)
        return imp_reject(im, "network %s: unknown region \"%.32s\" (valid: noord, oost, midden, "
                              "noordwest, west, zuidwest, zuidoost, or empty)", f[N_ID], f[N_REGION]);
    for (int c = 0; c < N_N; c++)
        imp_bind_text(s->ins, c + 1, f[c], len[c], c == N_UNTIL || c == N_REGION);
    int rc = imp_step(s->ins);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return imp_reject(im, "duplicate network id %s", f[N_ID]);
    if (rc != SQLITE_DONE)
        return imp_db_error(im, "inserting a network");
    if (status == VW_NET_CERTIFIED && until == VW_DATE_NONE && nvpo)
        imp_warn(im, im->line, "network %s is certified without an end date", f[N_ID]);
    else if (status == VW_NET_CERTIFIED && until != VW_DATE_NONE && until < s->today)
        imp_warn(im, im->line, "network %s: certification ended on %s", f[N_ID], f[N_UNTIL]);
    if (len[N_KIND] && !vw_net_kind_known(f[N_KIND], len[N_KIND]) && !s->warned_kind) {
        s->warned_kind = true; /* once per file: data may use its own kinds */
        imp_warn(im, im->line, "network %s: kind \"%.32s\" is not one of oncologiezorgnetwerk, "
                               "oncologienetwerk, palliatief (kept; the NVPO criteria do not apply)",
                 f[N_ID], f[N_KIND]);
    }
    return 0;
}

/* Memberships of providers in the database that point at networks the file
 * no longer has: reject the file, naming up to 10. */
static int net_finish(vw_imp *im)
{
    sqlite3_stmt *q = NULL;
    char names[300] = "";
    long count = 0;
    int rc = -1;
    if (imp_prepare(im, &q, "SELECT DISTINCT network_id FROM memberships WHERE network_id NOT IN "
                            "(SELECT id FROM networks) ORDER BY network_id") != 0)
        goto out;
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if (count < 10)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%.64s",
                     count ? ", " : "", (const char *)sqlite3_column_text(q, 0));
        count++;
    }
    if (step != SQLITE_DONE) {
        imp_db_error(im, "checking memberships");
        goto out;
    }
    rc = 0;
    if (count > 0)
        rc = imp_file_error(im, 0,
                            "%ld network(s) that providers still belong to are missing from "
                            "the file: %s%s (import providers without them first)",
                            count, names, count > 10 ? ", ..." : "");
out:
    sqlite3_finalize(q);
    return rc;
}

static void net_end(vw_imp *im)
{
    net_state *s = im->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->ins);
    free(s);
    im->state = NULL;
}

const imp_kind vw_imp_networks = {net_cols, N_N, net_begin, net_row, net_finish, net_end,
    .table = "networks", .key = "id",
    .compare = "id, name, kind, status, certified_until, region"};

/* ---- registrations ----------------------------------------------------------- */

enum { R_PROVIDER, R_TAG, R_REGISTRY, R_FROM, R_UNTIL, R_N };
static const imp_col reg_cols[R_N] = {{"provider_id", true},
                                      {"expertise", true},
                                      {"registry", true},
                                      {"valid_from", false},
                                      {"valid_until", false}};

typedef struct reg_state {
    sqlite3_stmt *ins, *exists;
    imp_tagset tags;
} reg_state;

/* The providers' tags count toward the same limit. */
static int load_provider_tags(vw_imp *im, reg_state *s)
{
    return imp_tags_seed(im, &s->tags, "SELECT DISTINCT expertise FROM providers");
}

static int reg_begin(vw_imp *im)
{
    reg_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return vw_err_set(im->err, VW_E_INTERNAL, "out of memory");
    im->state = s;
    imp_tagset_init(&s->tags);
    /* apply: the tags of the database are read only when a new one appears
     * (imp_tag_account) */
    if (!im->apply) {
        if (sqlite3_exec(im->db, "DELETE FROM registrations", NULL, NULL, NULL) != SQLITE_OK)
            return imp_db_error(im, "clearing registrations");
        if (load_provider_tags(im, s) != 0)
            return -1;
    }
    if (imp_prepare(im, &s->exists, "SELECT 1 FROM providers WHERE id = ?") != 0)
        return -1;
    char sql[1024];
    if (imp_insert_sql(im, "registrations", "provider_id, tag, registry, valid_from, valid_until",
                       5, sql, sizeof sql) != 0)
        return -1;
    return imp_prepare(im, &s->ins, sql);
}

static int reg_row(vw_imp *im, char **f, size_t *len)
{
    reg_state *s = im->state;
    int32_t from = VW_DATE_NONE, until = VW_DATE_NONE;
    if (!vw_id_valid(f[R_PROVIDER], len[R_PROVIDER]))
        return imp_reject(im, "invalid provider_id \"%.64s\"", f[R_PROVIDER]);
    if (!vw_tag_valid(f[R_TAG], len[R_TAG]))
        return imp_reject(im, "invalid expertise tag \"%.40s\" (1..32 of a-z 0-9 _ -, starting "
                              "with a letter)", f[R_TAG]);
    if (len[R_REGISTRY] == 0)
        return imp_reject(im, "registry is empty");
    if (len[R_REGISTRY] > SHORT_MAX_LEN)
        return imp_reject(im, "registry longer than %d bytes", SHORT_MAX_LEN);
    if (len[R_FROM] && vw_date_parse(f[R_FROM], len[R_FROM], &from) != 0)
        return imp_reject(im, "valid_from \"%.32s\" is not a date (YYYY-MM-DD)", f[R_FROM]);
    if (len[R_UNTIL] && vw_date_parse(f[R_UNTIL], len[R_UNTIL], &until) != 0)
        return imp_reject(im, "valid_until \"%.32s\" is not a date (YYYY-MM-DD)", f[R_UNTIL]);
    if (from != VW_DATE_NONE && until != VW_DATE_NONE && from > until)
        return imp_reject(im, "valid_from %s is after valid_until %s", f[R_FROM], f[R_UNTIL]);
    imp_bind_text(s->exists, 1, f[R_PROVIDER], len[R_PROVIDER], false);
    int step = sqlite3_step(s->exists);
    sqlite3_reset(s->exists);
    if (step == SQLITE_DONE)
        return imp_reject(im, "unknown provider %s", f[R_PROVIDER]);
    if (step != SQLITE_ROW)
        return imp_db_error(im, "looking up a provider");
    bool added;
    int bit = imp_tag_account(im, &s->tags, f[R_TAG], len[R_TAG], &added);
    if (bit < 0)
        return imp_file_error(im, im->line,
                              "more than %d distinct expertise tags (base, providers and "
                              "registrations); \"%s\" is one too many", VW_MAX_TAGS, f[R_TAG]);
    if (bit >= VW_BASE_TAG_COUNT && !s->tags.warned[bit]) {
        s->tags.warned[bit] = true;
        imp_warn(im, im->line, "expertise \"%s\" is not a base tag (kept as a data tag)",
                 f[R_TAG]);
    }
    for (int c = 0; c < R_N; c++)
        imp_bind_text(s->ins, c + 1, f[c], len[c], c == R_FROM || c == R_UNTIL);
    if (imp_step(s->ins) != SQLITE_DONE)
        return imp_db_error(im, "inserting a registration");
    return 0;
}

static int reg_finish(vw_imp *im) { return 0; }

static void reg_end(vw_imp *im)
{
    reg_state *s = im->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->ins);
    sqlite3_finalize(s->exists);
    free(s);
    im->state = NULL;
}

const imp_kind vw_imp_registrations = {
    reg_cols, R_N, reg_begin, reg_row, reg_finish, reg_end, .table = "registrations",
    .key = "provider_id || char(31) || tag || char(31) || registry",
    .compare = "provider_id, tag, registry, valid_from, valid_until"};
