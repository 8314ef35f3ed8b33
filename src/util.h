/* util.h — memory, strings and bounded number parsing used everywhere. */
#ifndef XMPPCUT_UTIL_H
#define XMPPCUT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))

/* Allocation that cannot fail: on out-of-memory they print and exit 3. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Newly allocated formatted string; free with free(). */
char *xasprintf(const char *fmt, ...) PRINTFLIKE(1, 2);
char *xvasprintf(const char *fmt, va_list ap) PRINTFLIKE(1, 0);

/* Grow *v (of *cap elements of size sz) so that it holds at least need. */
void grow(void *vp, size_t *cap, size_t need, size_t sz);

/* A growable string. Initialise with {0}; s is NUL-terminated once used. */
struct buf {
	char *s;
	size_t len, cap;
};
void buf_add(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...) PRINTFLIKE(2, 3);
/* Hands over the string (never NULL); the buf is reset. */
char *buf_take(struct buf *b);
void buf_free(struct buf *b);

/* Parse a whole decimal string into [min, max]. 0 on success, -1 otherwise.
 * No sign, no blanks, no trailing characters. */
int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Sort n strings in place (strcmp order); v may be NULL when n is 0. */
void sort_strings(char **v, size_t n);

/* Lowercase ASCII copy, newly allocated. */
char *str_lower(const char *s);

/* Read a whole file of at most max bytes; NUL-terminated, newly allocated.
 * Returns NULL and sets *cause (newly allocated) on failure. */
char *file_read(const char *path, size_t max, size_t *len, char **cause);

/* Write data to path atomically: temp file in the same folder, fsync,
 * rename. 0 on success; -1 with *cause set. */
int file_write_atomic(const char *path, const char *data, size_t len,
    char **cause);

/* Monotonic time in milliseconds. */
uint64_t now_ms(void);

/* Split "HOST[SEP PORT]" (an IPv6 address in brackets when sep is ':',
 * e.g. "[2001:db8::1]:5269"). *host is newly allocated; *port keeps its
 * value when no port is given. 0 on success, -1 when malformed. */
int parse_hostport(const char *s, char sep, char **host, unsigned *port);

/* A point in time for --now: "@EPOCH", "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS"
 * (optionally with a trailing Z; always UTC) or "YYYYMMDDHHMMSS" (as in
 * RRSIGs). 0 on success, -1 when malformed. */
int parse_time(const char *s, time_t *out);

#endif
