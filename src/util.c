/* util.c — memory, strings and bounded number parsing used everywhere. */
#include "util.h"

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
