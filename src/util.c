/* util.c — memory, strings and bounded number parsing used everywhere. */
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void
oom(void)
{
	fputs("xmppcut: out of memory\n", stderr);
	exit(3);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		oom();
	p = realloc(p, n * size != 0 ? n * size : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		oom();
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		oom();
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void
grow(void *vp, size_t *cap, size_t need, size_t sz)
{
	void **v = vp;
	size_t n = *cap ? *cap : 8;

	if (need <= *cap)
		return;
	/* doubling while small, then by half: big arrays waste less */
	while (n < need)
		n = n < 65536 ? n * 2 : n + n / 2;
	*v = xreallocarray(*v, n, sz);
	*cap = n;
}

void
buf_add(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	grow(&b->s, &b->cap, b->len + n + 1, 1);
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	buf_add(b, s);
	free(s);
}

char *
buf_take(struct buf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void
buf_free(struct buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

int
parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
sort_strings(char **v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, strp_cmp);
}

void
strlist_take(struct strlist *l, char *s)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = s;
}

void
strlist_add(struct strlist *l, const char *s)
{
	strlist_take(l, xstrdup(s));
}

int
strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

void
strlist_sort_unique(struct strlist *l)
{
	size_t k = 0;

	sort_strings(l->v, l->n);
	for (size_t i = 0; i < l->n; i++) {
		if (k > 0 && strcmp(l->v[k - 1], l->v[i]) == 0)
			free(l->v[i]);
		else
			l->v[k++] = l->v[i];
	}
	l->n = k;
}

int
strlist_equal(const struct strlist *a, const struct strlist *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

void
strlist_append(struct strlist *dst, const struct strlist *src)
{
	for (size_t i = 0; i < src->n; i++)
		strlist_add(dst, src->v[i]);
}

char *
strlist_join(const struct strlist *l, const char *sep, const char *none)
{
	struct buf b = { 0 };

	if (l->n == 0)
		return xstrdup(none);
	for (size_t i = 0; i < l->n; i++)
		buf_addf(&b, "%s%s", i ? sep : "", l->v[i]);
	return buf_take(&b);
}

void
strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The length of a valid UTF-8 sequence at s and its code point, or 0. */
static size_t
utf8_seq(const unsigned char *s, unsigned long *cp)
{
	size_t n;
	unsigned long c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond Unicode */
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

/* Code points that reorder, hide or break text on a terminal. */
static int
dangerous_cp(unsigned long c)
{
	return (c >= 0x80 && c <= 0x9f) ||	/* C1 controls */
	    c == 0x061c || c == 0x200e || c == 0x200f ||	/* marks */
	    (c >= 0x202a && c <= 0x202e) ||	/* embeddings, overrides */
	    (c >= 0x2066 && c <= 0x2069) ||	/* isolates */
	    c == 0x2028 || c == 0x2029;		/* line, paragraph sep. */
}

/* n bytes of s at the end of b */
static void
buf_addn(struct buf *b, const char *s, size_t n)
{
	grow(&b->s, &b->cap, b->len + n + 1, 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

char *
str_escape(const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	struct buf b = { 0 };
	char e[32];

	buf_addn(&b, "", 0);
	/* safe characters are copied a run at a time, not one by one: this
	 * escapes every line of a report */
	while (*p != '\0') {
		unsigned long cp;
		size_t n = utf8_seq(p, &cp);
		const char *esc = NULL;

		if (n == 0) {
			snprintf(e, sizeof e, "\\x%02x", *p);
			esc = e;
			n = 1;
		} else if (cp == '\n') {
			esc = "\\n";
		} else if (cp == '\r') {
			esc = "\\r";
		} else if (cp == '\t') {
			esc = "\\t";
		} else if (cp < 0x20 || cp == 0x7f) {
			snprintf(e, sizeof e, "\\x%02lx", cp);
			esc = e;
		} else if (dangerous_cp(cp)) {
			snprintf(e, sizeof e, "\\u{%04lX}", cp);
			esc = e;
		}
		if (esc != NULL) {
			buf_addn(&b, (const char *)run, (size_t)(p - run));
			buf_addn(&b, esc, strlen(esc));
			run = p + n;
		}
		p += n;
	}
	buf_addn(&b, (const char *)run, (size_t)(p - run));
	return buf_take(&b);
}

int
str_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t n;

	for (; *p != '\0'; p += n)
		if ((n = utf8_seq(p, &cp)) == 0)
			return 0;
	return 1;
}

char *
str_utf8_clean(char *s)
{
	char *e;

	if (s == NULL || str_utf8_valid(s))
		return s;
	e = str_escape(s);
	free(s);
	return e;
}

char *
str_lower(const char *s)
{
	char *p = xstrdup(s);

	for (char *q = p; *q != '\0'; q++)
		*q = (char)tolower((unsigned char)*q);
	return p;
}

char *
file_read(const char *path, size_t max, size_t *len, char **cause)
{
	struct buf b = { 0 };
	char chunk[8192];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return NULL;
	}
	grow(&b.s, &b.cap, 1, 1);
	b.s[0] = '\0';
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (b.len + n > max) {
			*cause = xasprintf("%s: larger than %zu bytes", path,
			    max);
			goto fail;
		}
		grow(&b.s, &b.cap, b.len + n + 1, 1);
		memcpy(b.s + b.len, chunk, n);
		b.len += n;
		b.s[b.len] = '\0';
	}
	if (ferror(f)) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	if (len != NULL)
		*len = b.len;
	return b.s;
fail:
	fclose(f);
	buf_free(&b);
	return NULL;
}

/* The rename must survive a crash too: sync the folder (best effort). */
static void
dir_sync(const char *path)
{
	char *copy = xstrdup(path), *slash = strrchr(copy, '/');
	int fd;

	if (slash == copy)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	if ((fd = open(slash ? copy : ".", O_RDONLY | O_DIRECTORY)) != -1) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int
file_write_atomic(const char *path, const char *data, size_t len,
    char **cause)
{
	char *tmp = xasprintf("%s.tmp.XXXXXX", path);
	size_t off = 0;
	int fd;

	if ((fd = mkstemp(tmp)) == -1) {
		*cause = xasprintf("%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += (size_t)w;
	}
	if (fchmod(fd, 0644) == -1 || fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	dir_sync(path);
	free(tmp);
	return 0;
fail:
	*cause = xasprintf("%s: %s", path, strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
parse_hostport(const char *s, char sep, char **host, unsigned *port)
{
	const char *p, *end;
	uint64_t v;

	if (sep == ':' && s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL || end == s + 1)
			return -1;
		p = end[1] == ':' ? end + 2 : NULL;
		if (end[1] != '\0' && p == NULL)
			return -1;
		s++;
	} else {
		const char *at = strrchr(s, sep);

		/* "2001:db8::1" alone is an address, not host:port */
		if (sep == ':' && at != NULL && strchr(s, ':') != at)
			at = NULL;
		end = at ? at : s + strlen(s);
		p = at ? at + 1 : NULL;
	}
	if (end == s)
		return -1;
	if (p != NULL) {
		if (parse_uint(p, 1, 65535, &v) == -1)
			return -1;
		*port = (unsigned)v;
	}
	*host = xstrndup(s, (size_t)(end - s));
	return 0;
}

int
sockaddr_from(const char *addr, unsigned port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof *s6;
	} else if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof *s4;
	} else
		return -1;
	return 0;
}

char *
hostport(const char *host, unsigned port)
{
	return xasprintf(strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
}

int
parse_endpoint(const char *s, char sep, char **addr, unsigned *port)
{
	unsigned char bin[16];
	char text[INET6_ADDRSTRLEN], *host;
	unsigned p = *port;
	int af = AF_INET;

	if (parse_hostport(s, sep, &host, &p) == -1)
		return -1;
	if (inet_pton(AF_INET, host, bin) != 1 &&
	    inet_pton((af = AF_INET6), host, bin) != 1) {
		free(host);
		return -1;
	}
	free(host);
	inet_ntop(af, bin, text, sizeof text);
	*addr = xstrdup(text);
	*port = p;
	return 0;
}

int
parse_time(const char *s, time_t *out)
{
	static const char *const formats[] = {
		"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
		"%Y-%m-%d", "%Y%m%d%H%M%S",
	};
	uint64_t v;
	struct tm tm;
	const char *end;

	if (s[0] == '@') {
		if (parse_uint(s + 1, 0, (uint64_t)INT64_MAX / 2, &v) == -1)
			return -1;
		*out = (time_t)v;
		return 0;
	}
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
		memset(&tm, 0, sizeof tm);
		end = strptime(s, formats[i], &tm);
		if (end != NULL && *end == '\0') {
			*out = timegm(&tm);
			return 0;
		}
	}
	return -1;
}

const char *
without_subject(const char *msg, const char *subject)
{
	size_t n = strlen(subject);

	return strncmp(msg, subject, n) == 0 && msg[n] == ':' &&
	    msg[n + 1] == ' ' ? msg + n + 2 : msg;
}
