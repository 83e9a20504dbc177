/* problems.h -- the table that maps a patient's problems (the Lastmeter
 * problem list) to the disciplines and expertise that treat them, in order of
 * preference. The daemon carries a built-in copy of server/engine/problems.csv and
 * may load a replacement (config key problems_file). Immutable once loaded. */
#ifndef VW_PROBLEMS_H
#define VW_PROBLEMS_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/vw_err.h"

#define VW_PROBLEM_MAX_OPTIONS 6
#define VW_PROBLEM_CODE_MAX 32
#define VW_PROBLEM_LABEL_MAX 96
#define VW_PROBLEMS_MAX 256

typedef enum {
    VW_CAT_PRAKTISCH,
    VW_CAT_SOCIAAL,
    VW_CAT_EMOTIONEEL,
    VW_CAT_SPIRITUEEL,
    VW_CAT_LICHAMELIJK,
    VW_CAT_COUNT
} vw_problem_category;

typedef struct vw_problem_option {
    int discipline;                          /* VW_D_* */
    char expertise[VW_PROBLEM_CODE_MAX + 1]; /* "" = no expertise required */
} vw_problem_option;

typedef struct vw_problem {
    char code[VW_PROBLEM_CODE_MAX + 1];
    char label[VW_PROBLEM_LABEL_MAX + 1];
    vw_problem_category category;
    int n_options;
    vw_problem_option options[VW_PROBLEM_MAX_OPTIONS]; /* rank 1 first */
} vw_problem;

typedef struct vw_problems vw_problems;

/* Parse a problems table from `len` bytes of CSV (see server/engine/problems.csv for
 * the format). `name` is used in messages ("file:line: reason"). Errors:
 * code "invalid" naming the first bad line. */
vw_problems *vw_problems_parse(const char *csv, size_t len, const char *name, vw_err *err);
/* The table compiled into the binary from server/problems.csv. */
vw_problems *vw_problems_builtin(vw_err *err);
/* Read and parse a file (bounded to 1 MiB). */
vw_problems *vw_problems_load_file(const char *path, vw_err *err);
void vw_problems_free(vw_problems *p);

int vw_problems_count(const vw_problems *p);
const vw_problem *vw_problems_get(const vw_problems *p, int i);
int vw_problems_find(const vw_problems *p, const char *code, size_t len); /* -1 */
const char *vw_problem_category_name(vw_problem_category c);

#endif
