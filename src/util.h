/* util.h — memory, strings and bounded number parsing used everywhere. */
#ifndef XMPPCUT_UTIL_H
#define XMPPCUT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sys/socket.h>

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

/* A list of strings, owned. Initialise with {0}. */
struct strlist {
	char **v;
	size_t n;
};

/* Append a copy of s. */
void strlist_add(struct strlist *l, const char *s);
/* Append s, taking it over (s was newly allocated). */
void strlist_take(struct strlist *l, char *s);
/* 1 when s is in the list. */
int strlist_has(const struct strlist *l, const char *s);
/* Sort (strcmp order) and drop duplicates. */
void strlist_sort_unique(struct strlist *l);
/* 1 when both hold the same strings in the same order. */
int strlist_equal(const struct strlist *a, const struct strlist *b);
/* A copy of src appended to dst. */
void strlist_append(struct strlist *dst, const struct strlist *src);
/* "a, b, c" (or none when empty), newly allocated. */
char *strlist_join(const struct strlist *l, const char *sep,
    const char *none);
void strlist_free(struct strlist *l);

/* Parse a whole decimal string into [min, max]. 0 on success, -1 otherwise.
 * No sign, no blanks, no trailing characters. */
int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Sort n strings in place (strcmp order); v may be NULL when n is 0. */
void sort_strings(char **v, size_t n);

/* A copy safe to print on one line of a terminal or a Nagios status:
 * control characters (line breaks included) as \n, \r, \t or \xNN,
 * Unicode controls that reorder or hide text (bidirectional overrides and
 * isolates, line and paragraph separators, C1 controls) as \u{XXXX},
 * and bytes that are not UTF-8 as \xNN. Newly allocated. */
char *str_escape(const char *s);
/* 1 when s is well-formed UTF-8. */
int str_utf8_valid(const char *s);
/* s itself when it is well-formed UTF-8, else str_escape(s) and s freed:
 * text from outside that must stay valid in JSON. */
char *str_utf8_clean(char *s);

/* Lowercase ASCII copy, newly allocated. */
char *str_lower(const char *s);

/* Read a whole file of at most max bytes; NUL-terminated, newly allocated.
 * Returns NULL and sets *cause (newly allocated) on failure. */
char *file_read(const char *path, size_t max, size_t *len, char **cause);

/* msg without a leading "subject: " (a cause that names the file a
 * finding names already); msg itself otherwise. */
const char *without_subject(const char *msg, const char *subject);

/* Write data to path atomically: temp file in the same folder, fsync,
 * rename. 0 on success; -1 with *cause set. */
int file_write_atomic(const char *path, const char *data, size_t len,
    char **cause);

/* The socket address of an IPv4 or IPv6 address in presentation form and
 * a port: 0, or -1 when addr is not an address. */
int sockaddr_from(const char *addr, unsigned port, struct sockaddr_storage *ss,
    socklen_t *len);

/* Monotonic time in milliseconds. */
uint64_t now_ms(void);

/* Split "HOST[SEP PORT]" (an IPv6 address in brackets when sep is ':',
 * e.g. "[2001:db8::1]:5269"). *host is newly allocated; *port keeps its
 * value when no port is given. 0 on success, -1 when malformed. */
int parse_hostport(const char *s, char sep, char **host, unsigned *port);
/* "HOST:PORT", an IPv6 address in brackets ("[::1]:5269"), as
 * parse_hostport reads it back. Newly allocated. */
char *hostport(const char *host, unsigned port);

/* An endpoint given on the command line: an IP address (IPv4 or IPv6),
 * optionally with a port after sep: "ADDR@PORT" for DNS servers
 * (--server, --resolver, --stub), "ADDR:PORT" or "[IPV6]:PORT" for
 * --connect. *addr is newly allocated, in normal form (2001:db8::1);
 * *port keeps its value when none is given. 0, or -1 (nothing allocated)
 * when it is not one. */
int parse_endpoint(const char *s, char sep, char **addr, unsigned *port);

/* A point in time for --now: "@EPOCH", "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS"
 * (optionally with a trailing Z; always UTC) or "YYYYMMDDHHMMSS" (as in
 * RRSIGs). 0 on success, -1 when malformed. */
int parse_time(const char *s, time_t *out);

#endif
