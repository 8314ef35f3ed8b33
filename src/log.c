/* log.c — diagnostics on stderr. */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>

static int level = 1;

void
log_set_level(int l)
{
	level = l;
}

int
log_level(void)
{
	return level;
}

static void vlog(int, const char *, const char *, va_list) PRINTFLIKE(3, 0);

/* One line on stderr; what a peer sent cannot break it (str_escape). */
static void
vlog(int min, const char *prefix, const char *fmt, va_list ap)
{
	char *msg, *safe;

	if (level < min)
		return;
	msg = xvasprintf(fmt, ap);
	safe = str_escape(msg);
	fprintf(stderr, "xmppcut: %s%s\n", prefix, safe);
	free(safe);
	free(msg);
}

#define LOGFN(name, min, prefix)                 \
	void name(const char *fmt, ...)          \
	{                                        \
		va_list ap;                      \
		va_start(ap, fmt);               \
		vlog(min, prefix, fmt, ap);      \
		va_end(ap);                      \
	}

LOGFN(log_error, 0, "")
LOGFN(log_warn, 1, "warning: ")
LOGFN(log_info, 2, "")
LOGFN(log_debug, 3, "debug: ")
