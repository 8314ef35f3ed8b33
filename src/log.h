/* log.h — diagnostics on stderr. Results never go through here: only the
 * report module writes stdout. */
#ifndef XMPPCUT_LOG_H
#define XMPPCUT_LOG_H

#include "util.h"

/* 0 = quiet (-q: errors only), 1 = normal, 2 = verbose (-v), 3 = debug. */
void log_set_level(int level);
int log_level(void);

void log_error(const char *fmt, ...) PRINTFLIKE(1, 2);
void log_warn(const char *fmt, ...) PRINTFLIKE(1, 2);
void log_info(const char *fmt, ...) PRINTFLIKE(1, 2);
void log_debug(const char *fmt, ...) PRINTFLIKE(1, 2);

#endif
