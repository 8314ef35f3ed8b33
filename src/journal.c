/* journal.c — the journal beside the plan. */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "dname.h"
#include "util.h"

#define JOURNAL_MAX (1024 * 1024)

void
journal_free(struct journal_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].zone);
	free(v);
}

static const char *const kind_names[] = { "sent", "served", "partial" };

/* One line: STAGE ZONE EPOCH TTL [KIND], nothing after. 0, or -1. */
static int
entry_parse(const char *line, struct journal_entry *e)
{
	char stage[16], zone[256], at[24], ttl[16], kind[16] = "sent";
	const char *why;
	uint64_t a, t;
	int end = -1, got;

	got = sscanf(line, "%15s %255s %23s %15s %n%15s %n", stage, zone, at,
	    ttl, &end, kind, &end);
	if ((got != 4 && got != 5) || end < 0 || line[end] != '\0')
		return -1;
	for (e->kind = J_SENT; e->kind <= J_PARTIAL; e->kind++)
		if (strcmp(kind, kind_names[e->kind]) == 0)
			break;
	if (e->kind > J_PARTIAL ||
	    stage_parse(stage, &e->stage) == -1 ||
	    dname_check(zone, &why) == -1 ||
	    parse_uint(at, 0, JOURNAL_EPOCH_MAX, &a) == -1 ||
	    parse_uint(ttl, 0, 2147483647, &t) == -1)
		return -1;
	e->zone = dname_normalize(zone);
	e->at = (time_t)a;
	e->ttl = (uint32_t)t;
	return 0;
}

int
journal_read(const char *path, struct journal_entry **v, size_t *n,
    char **cause)
{
	char *data, *line, *next;
	unsigned lineno = 0;
	size_t len;

	*v = NULL;
	*n = 0;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if ((data = file_read(path, JOURNAL_MAX, &len, cause)) == NULL)
		return -1;
	if (strlen(data) != len) {
		*cause = xasprintf("%s: holds a NUL byte: not a journal", path);
		free(data);
		return -1;
	}
	for (line = data; *line != '\0'; line = next) {
		char *nl = strchr(line, '\n');
		struct journal_entry e;

		next = nl != NULL ? nl + 1 : line + strlen(line);
		if (nl != NULL)
			*nl = '\0';
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (entry_parse(line, &e) == -1) {
			*cause = xasprintf("%s:%u: not a journal entry (STAGE "
			    "ZONE EPOCH TTL [sent|served|partial])", path,
			    lineno);
			journal_free(*v, *n);
			*v = NULL;
			*n = 0;
			free(data);
			return -1;
		}
		*v = xreallocarray(*v, *n + 1, sizeof **v);
		(*v)[(*n)++] = e;
	}
	free(data);
	return 0;
}

const struct journal_entry *
journal_last(const struct journal_entry *v, size_t n, enum stage s,
    const char *zone)
{
	for (size_t i = n; i > 0; i--)
		if (v[i - 1].stage == s && strcmp(v[i - 1].zone, zone) == 0)
			return &v[i - 1];
	return NULL;
}

static void
entry_add(struct buf *b, const struct journal_entry *e)
{
	buf_addf(b, "%s %s %lld %u %s\n", stage_name(e->stage), e->zone,
	    (long long)e->at, (unsigned)e->ttl, kind_names[e->kind]);
}

static int
same_entry(const struct journal_entry *a, const struct journal_entry *b)
{
	return a->stage == b->stage && strcmp(a->zone, b->zone) == 0 &&
	    a->at == b->at && a->ttl == b->ttl && a->kind == b->kind;
}

/* Under the lock: the entries, less the last one equal to *drop (when
 * drop), and ne more, written whole. */
static int
journal_rewrite(const char *path, const struct journal_entry *e, size_t ne,
    const struct journal_entry *drop, char **cause)
{
	char *lock = xasprintf("%s.lock", path);
	struct journal_entry *v = NULL;
	struct buf b = { 0 };
	size_t n = 0;
	int fd, r = -1;

	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1 || flock(fd, LOCK_EX) == -1) {
		*cause = xasprintf("%s: %s", lock, strerror(errno));
		goto out;
	}
	if (journal_read(path, &v, &n, cause) == -1)
		goto out;
	if (drop != NULL)
		for (size_t i = n; i > 0; i--)
			if (same_entry(&v[i - 1], drop)) {
				free(v[i - 1].zone);
				memmove(&v[i - 1], &v[i], (n - i) * sizeof *v);
				n--;
				break;
			}
	buf_add(&b, "# xmppcut apply: STAGE ZONE EPOCH TTL KIND (the largest "
	    "TTL of the records the stage replaced in the zone; sent, served "
	    "by every name server, or partial: not by all)\n");
	for (size_t i = 0; i < n; i++)
		entry_add(&b, &v[i]);
	for (size_t i = 0; i < ne; i++)
		entry_add(&b, &e[i]);
	r = file_write_atomic(path, b.s, b.len, cause);
out:
	if (fd != -1)
		close(fd);	/* releases the lock */
	free(lock);
	journal_free(v, n);
	buf_free(&b);
	return r;
}

int
journal_append(const char *path, const struct journal_entry *e, size_t ne,
    char **cause)
{
	return journal_rewrite(path, e, ne, NULL, cause);
}

int
journal_withdraw(const char *path, const struct journal_entry *e,
    char **cause)
{
	return journal_rewrite(path, NULL, 0, e, cause);
}
