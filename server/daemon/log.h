/* log.h -- leveled logging to stderr, one write per line, ISO time.
 * Callers pass only privacy-safe text (PC4, coordinates rounded to 2 decimals). */
#ifndef VW_DAEMON_LOG_H
#define VW_DAEMON_LOG_H

typedef enum { VW_LOG_ERROR, VW_LOG_WARN, VW_LOG_INFO, VW_LOG_DEBUG } vw_log_level;

void vw_log_set_level(vw_log_level l);
int vw_log_level_parse(const char *s, vw_log_level *out);
int vw_log_enabled(vw_log_level l);
void vw_log(vw_log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
