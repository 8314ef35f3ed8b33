/* state.c — monitor's state file. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define STATE_MAX (16 * 1024 * 1024)
#define STATE_VERSION 1

struct state {
	char *path;
	int lockfd;
};

struct state *
state_open(const char *path, int *busy, char **cause)
{
	char *lock = xasprintf("%s.lock", path);
	struct state *s;
	int fd;

	*busy = 0;
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		*cause = xasprintf("%s: %s", lock, strerror(errno));
		free(lock);
		return NULL;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		*busy = errno == EWOULDBLOCK;
		*cause = *busy ? xasprintf("another monitor run holds %s", lock)
		    : xasprintf("%s: %s", lock, strerror(errno));
		close(fd);
		free(lock);
		return NULL;
	}
	free(lock);
	s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	s->lockfd = fd;
	return s;
}

json_t *
state_read(struct state *s, enum state_read *how, char **why)
{
	json_error_t err;
	json_t *doc, *obs;
	char *data, *cause = NULL;
	size_t len;

	if (access(s->path, F_OK) != 0 && errno == ENOENT) {
		*how = STATE_MISSING;
		return NULL;
	}
	*how = STATE_BAD;
	if ((data = file_read(s->path, STATE_MAX, &len, &cause)) == NULL) {
		*why = cause;
		return NULL;
	}
	if (len == 0) {
		free(data);
		*why = xstrdup("the state file is empty");
		return NULL;
	}
	doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
	free(data);
	if (doc == NULL) {
		*why = xasprintf("the state file is not JSON (%s, line %d)",
		    err.text, err.line);
		return NULL;
	}
	obs = json_object_get(doc, "observations");
	if (json_integer_value(json_object_get(doc, "version")) !=
	    STATE_VERSION || !json_is_object(obs)) {
		json_decref(doc);
		*why = xstrdup("the state file is not xmppcut's");
		return NULL;
	}
	json_incref(obs);
	json_decref(doc);
	*how = STATE_OK;
	return obs;
}

int
state_write(struct state *s, const json_t *observations, char **cause)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	json_t *doc;
	char *text;
	int r;

	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	doc = json_pack("{s:i, s:s, s:O}", "version", STATE_VERSION,
	    "written", when, "observations", observations);
	text = json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(doc);
	if (text == NULL) {
		*cause = xstrdup("cannot encode the state");
		return -1;
	}
	r = file_write_atomic(s->path, text, strlen(text), cause);
	free(text);
	return r;
}

void
state_close(struct state *s)
{
	if (s == NULL)
		return;
	close(s->lockfd);	/* releases the lock */
	free(s->path);
	free(s);
}
