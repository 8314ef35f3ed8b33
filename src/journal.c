/* journal.c — the journal beside the plan. */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "util.h"

#define JOURNAL_MAX (1024 * 1024)

int
journal_read(const char *path, struct journal_entry **v, size_t *n,
    char **cause)
{
	char *data, *line, *save = NULL;
	unsigned lineno = 0;
	size_t len;

	*v = NULL;
	*n = 0;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if ((data = file_read(path, JOURNAL_MAX, &len, cause)) == NULL)
		return -1;
	for (line = strtok_r(data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char stage[16], at[24], ttl[16];
		uint64_t a, t;
		enum stage s;

		lineno++;
		if (line[0] == '#')
			continue;
		if (sscanf(line, "%15s %23s %15s", stage, at, ttl) != 3 ||
		    stage_parse(stage, &s) == -1 ||
		    parse_uint(at, 0, INT64_MAX, &a) == -1 ||
		    parse_uint(ttl, 0, 2147483647, &t) == -1) {
			*cause = xasprintf("%s:%u: not a journal entry (STAGE "
			    "EPOCH TTL)", path, lineno);
			free(*v);
			*v = NULL;
			*n = 0;
			free(data);
			return -1;
		}
		*v = xreallocarray(*v, *n + 1, sizeof **v);
		(*v)[(*n)++] = (struct journal_entry){ s, (time_t)a,
		    (uint32_t)t };
	}
	free(data);
	return 0;
}

const struct journal_entry *
journal_last(const struct journal_entry *v, size_t n, enum stage s)
{
	for (size_t i = n; i > 0; i--)
		if (v[i - 1].stage == s)
			return &v[i - 1];
	return NULL;
}

int
journal_append(const char *path, const struct journal_entry *e,
    char **cause)
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
	buf_add(&b, "# xmppcut apply: STAGE EPOCH TTL (the largest TTL of "
	    "the records the stage replaced)\n");
	for (size_t i = 0; i < n; i++)
		buf_addf(&b, "%s %lld %u\n", stage_name(v[i].stage),
		    (long long)v[i].at, (unsigned)v[i].ttl);
	buf_addf(&b, "%s %lld %u\n", stage_name(e->stage), (long long)e->at,
	    (unsigned)e->ttl);
	r = file_write_atomic(path, b.s, b.len, cause);
out:
	if (fd != -1)
		close(fd);	/* releases the lock */
	free(lock);
	free(v);
	buf_free(&b);
	return r;
}
