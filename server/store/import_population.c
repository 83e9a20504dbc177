/* import_population.c -- the CBS population per PC4
 * (pc4,population[,age_65_plus][,households];
 * ../shared/geodata-nl/pc4_population_2022.csv). Where loaded it weighs the
 * PC4 demand points of coverage instead of the places rule (docs/GEOGRAPHY.md).
 *
 * CBS writes -99997 for a value kept secret for privacy: stored as NULL
 * (unknown), never as 0 or a negative count. Errors: a pc4 that is not 4
 * digits 1000..9999 or appears twice, a count that is neither a whole number
 * 0..50,000,000 nor -99997, more people aged 65+ than people. Warnings: a PC4
 * with people but no centroid in the pc4 table (it cannot be a demand
 * point), and, once for the file, the centroids without a population row and
 * the count of secret values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

#define COUNT_MAX 50000000LL
#define CBS_SECRET (-99997LL)
#define LIST_SHOWN 10

enum { C_PC4, C_POP, C_AGE65, C_HH, C_N };
static const imp_col cols[C_N] = {
    {"pc4", true}, {"population", true}, {"age_65_plus", false}, {"households", false}};

typedef struct pop_state {
    sqlite3_stmt *ins;
    bool centroid[10000];  /* in the pc4 table */
    bool seen[10000];      /* in this file */
    long secret, unplaced, unplaced_people;
} pop_state;

static int begin(vw_imp *im)
{
    pop_state *s = calloc(1, sizeof *s);
    sqlite3_stmt *q = NULL;
    int step;
    if (s == NULL)
        return vw_err_set(im->err, VW_E_INTERNAL, "out of memory");
    im->state = s;
    if (imp_prepare(im, &q, "SELECT pc4 FROM pc4") != 0)
        return -1;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        int pc = sqlite3_column_int(q, 0);
        if (pc >= 1000 && pc <= 9999)
            s->centroid[pc] = true;
    }
    sqlite3_finalize(q);
    if (step != SQLITE_DONE)
        return imp_db_error(im, "reading pc4");
    if (sqlite3_exec(im->db, "DELETE FROM pc4_population", NULL, NULL, NULL) != SQLITE_OK)
        return imp_db_error(im, "clearing the population");
    return imp_prepare(im, &s->ins, "INSERT INTO pc4_population(pc4, population, age_65_plus, "
                                    "households) VALUES (?, ?, ?, ?)");
}

/* A count 0..COUNT_MAX, or CBS's secret code (-> -1); empty (optional
 * column) -> -1 too. 0 ok, -1 invalid. */
static int parse_count(const char *s, size_t len, bool *secret, long long *out)
{
    long long v = 0;
    *secret = false;
    *out = -1;
    if (len == 0)
        return 0;
    if (len == 6 && memcmp(s, "-99997", 6) == 0) {
        *secret = true;
        return 0;
    }
    if (len > 9)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v > COUNT_MAX)
        return -1;
    *out = v;
    return 0;
}

static void bind_count(sqlite3_stmt *q, int i, long long v)
{
    if (v < 0)
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_int64(q, i, v);
}

static int row(vw_imp *im, char **f, size_t *len)
{
    static const char *const what[C_N] = {"pc4", "population", "age_65_plus", "households"};
    pop_state *s = im->state;
    long long v[C_N];
    bool secret;
    if (len[C_PC4] != 4 || strspn(f[C_PC4], "0123456789") != 4 || f[C_PC4][0] == '0')
        return imp_reject(im, "pc4 \"%.8s\" is not 4 digits 1000..9999", f[C_PC4]);
    int pc = atoi(f[C_PC4]);
    if (s->seen[pc])
        return imp_reject(im, "duplicate pc4 %d", pc);
    if (len[C_POP] == 0)
        return imp_reject(im, "population is empty (CBS writes -99997 for a secret value)");
    for (int c = C_POP; c < C_N; c++) {
        if (parse_count(f[c], len[c], &secret, &v[c]) != 0)
            return imp_reject(im, "%s \"%.12s\" is not a whole number 0..%lld or -99997 "
                                  "(secret)", what[c], f[c], COUNT_MAX);
        s->secret += secret;
    }
    if (v[C_POP] >= 0 && v[C_AGE65] > v[C_POP])
        return imp_reject(im, "age_65_plus %lld is more than population %lld", v[C_AGE65],
                          v[C_POP]);
    s->seen[pc] = true;
    if (!s->centroid[pc] && v[C_POP] > 0) {
        s->unplaced++;
        s->unplaced_people += (long)v[C_POP];
        imp_warn(im, im->line, "pc4 %d has %lld people but no centroid in the pc4 table: not a "
                               "demand point", pc, v[C_POP]);
    }
    sqlite3_bind_int(s->ins, 1, pc);
    for (int c = C_POP; c < C_N; c++)
        bind_count(s->ins, c + 1, v[c]);
    if (imp_step(s->ins) != SQLITE_DONE)
        return imp_db_error(im, "inserting a population row");
    return 0;
}

static int finish(vw_imp *im)
{
    pop_state *s = im->state;
    char list[LIST_SHOWN * 6 + 8] = "";
    long missing = 0;
    for (int pc = 1000; pc <= 9999; pc++) {
        if (!s->centroid[pc] || s->seen[pc])
            continue;
        if (missing++ < LIST_SHOWN)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%d", missing > 1 ? " " : "",
                     pc);
    }
    if (missing > 0)
        imp_warn(im, 0, "%ld PC4 centroid(s) have no population row (%s%s): they weigh 0", missing,
                 list, missing > LIST_SHOWN ? " ..." : "");
    if (s->unplaced > 0)
        imp_warn(im, 0, "%ld PC4(s) with %ld people have no centroid: their people are not "
                        "demand points", s->unplaced, s->unplaced_people);
    if (s->secret > 0)
        imp_warn(im, 0, "%ld value(s) kept secret by CBS (-99997): stored as unknown, weigh 0",
                 s->secret);
    return 0;
}

static void end(vw_imp *im)
{
    pop_state *s = im->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->ins);
    free(s);
    im->state = NULL;
}

const imp_kind vw_imp_population = {cols, C_N, begin, row, finish, end,
    .table = "pc4_population", .key = "pc4", .compare = "*"};
