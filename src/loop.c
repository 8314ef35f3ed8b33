/* loop.c — one event loop (epoll) for everything that waits. A wakeup
 * costs what happened, not the number of descriptors watched: 500 probes
 * at once stay cheap. */
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

struct watch {
	int fd;
	short events;
	int active;
	uint32_t gen;		/* tells a slot's new watch from its old */
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
	int ep;
	struct watch *w;
	size_t nw, capw, nactive;
	struct timer *t;
	size_t nt, capt;
};

struct loop *
loop_new(char **cause)
{
	struct loop *l = xcalloc(1, sizeof(struct loop));

	if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		*cause = xasprintf("epoll: %s", strerror(errno));
		free(l);
		return NULL;
	}
	return l;
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	close(l->ep);
	free(l->w);
	free(l->t);
	free(l);
}

static struct epoll_event
ev_of(const struct watch *w, size_t i)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof ev);
	/* poll and epoll share these bits on Linux */
	ev.events = (uint32_t)(w->events & (POLLIN | POLLOUT));
	ev.data.u64 = (uint64_t)w->gen << 32 | (uint64_t)i;
	return ev;
}

int
loop_watch(struct loop *l, int fd, short events, loop_fd_fn fn, void *arg)
{
	struct epoll_event ev;
	uint32_t gen;
	size_t i;

	for (i = 0; i < l->nw && l->w[i].active; i++)
		;
	if (i == l->nw) {
		grow(&l->w, &l->capw, l->nw + 1, sizeof *l->w);
		l->w[l->nw++].gen = 0;
	}
	gen = l->w[i].gen + 1;
	l->w[i] = (struct watch){ fd, events, 1, gen, fn, arg };
	ev = ev_of(&l->w[i], i);
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) == -1)
		log_error("epoll_ctl add %d: %s", fd, strerror(errno));
	l->nactive++;
	return (int)i;
}

void
loop_rewatch(struct loop *l, int h, short events)
{
	struct epoll_event ev;

	if (h < 0 || (size_t)h >= l->nw || !l->w[h].active ||
	    l->w[h].events == events)
		return;
	l->w[h].events = events;
	ev = ev_of(&l->w[h], (size_t)h);
	epoll_ctl(l->ep, EPOLL_CTL_MOD, l->w[h].fd, &ev);
}

void
loop_unwatch(struct loop *l, int h)
{
	if (h < 0 || (size_t)h >= l->nw || !l->w[h].active)
		return;
	/* before the owner closes it */
	epoll_ctl(l->ep, EPOLL_CTL_DEL, l->w[h].fd, NULL);
	l->w[h].active = 0;
	l->nactive--;
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
	struct epoll_event ev[256];

	for (;;) {
		int timeout = run_timers(l), n;

		if (l->nactive == 0 && timeout < 0)
			return;
		n = epoll_wait(l->ep, ev, (int)(sizeof ev / sizeof *ev),
		    timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("epoll_wait: %s", strerror(errno));
			return;
		}
		for (int k = 0; k < n; k++) {
			size_t i = (size_t)(ev[k].data.u64 & 0xffffffffu);
			uint32_t gen = (uint32_t)(ev[k].data.u64 >> 32);
			struct watch *w;

			if (i >= l->nw)
				continue;
			w = &l->w[i];
			/* a callback may have dropped or replaced it */
			if (w->active && w->gen == gen)
				w->fn(w->arg, (int)ev[k].events);
		}
	}
}
