/* srv.h — the order in which a server tries SRV targets (RFC 2782, "Usage
 * rules"; RFC 6120 §3.2.1): ascending priority, and within a priority a
 * weighted random choice, repeated until every record is placed. Pure
 * logic: the random numbers come from the caller. */
#ifndef XMPPCUT_SRV_H
#define XMPPCUT_SRV_H

#include <stddef.h>

struct srv_weight {
	unsigned priority, weight;
};

/* A uniformly random number in [0, bound]. */
typedef unsigned long (*srv_random_fn)(void *arg, unsigned long bound);

/* order[0..n) receives the indexes of v in the order to try them. */
void srv_order(const struct srv_weight *v, size_t n, size_t *order,
    srv_random_fn rnd, void *arg);

#endif
