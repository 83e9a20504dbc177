/* t.h -- a minimal test harness: CHECK() records a failure with file:line and
 * carries on; T_DONE() prints "N passed, N failed" and returns the exit code. */
#ifndef VW_T_H
#define VW_T_H

#include <stdio.h>
#include <string.h>

static int t_pass, t_fail;

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (cond) {                                                                 \
            t_pass++;                                                               \
        } else {                                                                    \
            t_fail++;                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                           \
    } while (0)

#define CHECK_STR(a, b)                                                               \
    do {                                                                              \
        const char *t_a_ = (a), *t_b_ = (b);                                          \
        if (t_a_ && t_b_ && strcmp(t_a_, t_b_) == 0) {                                \
            t_pass++;                                                                 \
        } else {                                                                      \
            t_fail++;                                                                 \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s == \"%s\", expected \"%s\"\n", \
                    __FILE__, __LINE__, #a, t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)"); \
        }                                                                             \
    } while (0)

#define T_DONE()                                                   \
    (printf("%s: %d passed, %d failed\n", __FILE__, t_pass, t_fail), \
     t_fail ? 1 : 0)

#endif
