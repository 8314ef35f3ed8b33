/* state.c — monitor's state file. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "obsfile.h"
#include "util.h"

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

enum state_read
state_read(struct state *s, struct observations *o, char **why)
{
	int unreadable;

	memset(o, 0, sizeof *o);
	if (access(s->path, F_OK) != 0 && errno == ENOENT)
		return STATE_MISSING;
	if (obsfile_read(s->path, OBSFILE_STATE, o, &unreadable, why) == -1)
		return unreadable ? STATE_UNREADABLE : STATE_BAD;
	return STATE_OK;
}

int
state_write(struct state *s, const struct observations *o, char **cause)
{
	char *text = obsfile_state_text(o);
	int r;

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
