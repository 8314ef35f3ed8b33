/* loop.h — one event loop (epoll) for everything that waits: libunbound's
 * descriptor, connects, TLS handshakes, streams, and their deadlines. */
#ifndef XMPPCUT_LOOP_H
#define XMPPCUT_LOOP_H

#include <stdint.h>

struct loop;

/* Called with the poll revents of the descriptor. */
typedef void (*loop_fd_fn)(void *arg, int revents);
typedef void (*loop_timer_fn)(void *arg);

/* Newly allocated; free with loop_free(). NULL with *cause (free it)
 * when the kernel gives no epoll descriptor. */
struct loop *loop_new(char **cause);
void loop_free(struct loop *l);

/* Watch fd for events (POLLIN, POLLOUT). Returns a handle. Callbacks may
 * add, change and remove watches and timers. */
int loop_watch(struct loop *l, int fd, short events, loop_fd_fn fn,
    void *arg);
void loop_rewatch(struct loop *l, int handle, short events);
void loop_unwatch(struct loop *l, int handle);

/* Call fn once, ms milliseconds from now. Returns a handle. */
int loop_timer(struct loop *l, uint64_t ms, loop_timer_fn fn, void *arg);
void loop_cancel(struct loop *l, int handle);

/* Run until nothing is watched and no timer is pending. */
void loop_run(struct loop *l);

#endif
