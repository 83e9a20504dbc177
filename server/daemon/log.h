/* log.h -- leveled logging to stderr, one write per line, ISO time.
 * Callers pass only privacy-safe text (PC4, coordinates rounded to 2 decimals).
 * vw_log() is a macro: below the level it is one load and compare, and its
 * arguments are not evaluated (bench/logbench.c measures it). */
#ifndef VW_DAEMON_LOG_H
#define VW_DAEMON_LOG_H

typedef enum { VW_LOG_ERROR, VW_LOG_WARN, VW_LOG_INFO, VW_LOG_DEBUG } vw_log_level;

/* The level: set once at start-up, before threads; read-only afterwards. */
extern vw_log_level vw_log_threshold;

void vw_log_set_level(vw_log_level l);
int vw_log_level_parse(const char *s, vw_log_level *out);
static inline int vw_log_enabled(vw_log_level l)
{
    return l <= vw_log_threshold;
}
/* Formats and writes one line (checks the level again; call vw_log). */
void vw_log_emit(vw_log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define vw_log(l, ...) (vw_log_enabled(l) ? vw_log_emit((l), __VA_ARGS__) : (void)0)

#endif
