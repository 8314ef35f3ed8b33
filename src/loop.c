/* loop.c — one event loop (poll) for everything that waits. */
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

struct watch {
	int fd;
	short events;
	int active;
	loop_fd_fn fn;
	void *arg;
};

struct timer {
	uint64_t at;
	int active;
	loop_timer_fn fn;
	void *arg;
};

struct loop {
	struct watch *w;
	size_t nw, capw;
	struct timer *t;
	size_t nt, capt;
	struct pollfd *pfd;
	int *pidx;
	size_t cappfd;
};

struct loop *
loop_new(void)
{
	return xcalloc(1, sizeof(struct loop));
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	free(l->w);
	free(l->t);
	free(l->pfd);
	free(l->pidx);
	free(l);
}

int
loop_watch(struct loop *l, int fd, short events, loop_fd_fn fn, void *arg)
{
	size_t i;

	for (i = 0; i < l->nw && l->w[i].active; i++)
		;
	if (i == l->nw) {
		grow(&l->w, &l->capw, l->nw + 1, sizeof *l->w);
		l->nw++;
	}
	l->w[i] = (struct watch){ fd, events, 1, fn, arg };
	return (int)i;
}

void
loop_rewatch(struct loop *l, int h, short events)
{
	if (h >= 0 && (size_t)h < l->nw)
		l->w[h].events = events;
}

void
loop_unwatch(struct loop *l, int h)
{
	if (h >= 0 && (size_t)h < l->nw)
		l->w[h].active = 0;
}

int
loop_timer(struct loop *l, uint64_t ms, loop_timer_fn fn, void *arg)
{
	size_t i;

	for (i = 0; i < l->nt && l->t[i].active; i++)
		;
	if (i == l->nt) {
		grow(&l->t, &l->capt, l->nt + 1, sizeof *l->t);
		l->nt++;
	}
	l->t[i] = (struct timer){ now_ms() + ms, 1, fn, arg };
	return (int)i;
}

void
loop_cancel(struct loop *l, int h)
{
	if (h >= 0 && (size_t)h < l->nt)
		l->t[h].active = 0;
}

/* Fire the timers that are due; returns the ms to the next one, or -1. */
static int
run_timers(struct loop *l)
{
	uint64_t now = now_ms(), next = UINT64_MAX;

	for (size_t i = 0; i < l->nt; i++) {
		if (!l->t[i].active)
			continue;
		if (l->t[i].at <= now) {
			l->t[i].active = 0;
			l->t[i].fn(l->t[i].arg);
			now = now_ms();
		}
	}
	for (size_t i = 0; i < l->nt; i++)
		if (l->t[i].active && l->t[i].at < next)
			next = l->t[i].at;
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now > 60000 ? 60000 :
	    next - now);
}

void
loop_run(struct loop *l)
{
	for (;;) {
		int timeout = run_timers(l), n;
		size_t np = 0;

		for (size_t i = 0; i < l->nw; i++) {
			if (!l->w[i].active)
				continue;
			if (np == l->cappfd) {
				size_t cap = l->cappfd;

				grow(&l->pfd, &cap, np + 1, sizeof *l->pfd);
				l->pidx = xreallocarray(l->pidx, cap,
				    sizeof *l->pidx);
				l->cappfd = cap;
			}
			l->pfd[np] = (struct pollfd){ l->w[i].fd,
			    l->w[i].events, 0 };
			l->pidx[np++] = (int)i;
		}
		if (np == 0 && timeout < 0)
			return;
		n = poll(l->pfd, np, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			return;
		}
		for (size_t k = 0; n > 0 && k < np; k++) {
			struct watch *w;

			if (l->pfd[k].revents == 0)
				continue;
			w = &l->w[l->pidx[k]];
			/* a callback may have dropped or replaced it */
			if (w->active && w->fd == l->pfd[k].fd)
				w->fn(w->arg, l->pfd[k].revents);
		}
	}
}
