/* srv.c — the order in which a server tries SRV targets (RFC 2782). */
#include "srv.h"

#include <stdlib.h>

struct item {
	size_t index;
	unsigned priority, weight;
};

/* By priority, and within one, records of weight 0 first (RFC 2782: "all
 * those with weight 0 are placed at the beginning of the list"); then
 * the index, so that the result depends on the random numbers alone. */
static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	if ((x->weight != 0) != (y->weight != 0))
		return (x->weight != 0) - (y->weight != 0);
	return x->index < y->index ? -1 : x->index > y->index;
}

void
srv_order(const struct srv_weight *v, size_t n, size_t *order,
    srv_random_fn rnd, void *arg)
{
	struct item *it = calloc(n ? n : 1, sizeof *it);
	size_t i = 0;

	if (it == NULL) {	/* no memory: the priority order alone */
		for (size_t k = 0; k < n; k++)
			order[k] = k;
		return;
	}
	for (size_t k = 0; k < n; k++)
		it[k] = (struct item){ k, v[k].priority, v[k].weight };
	qsort(it, n, sizeof *it, item_cmp);
	while (i < n) {
		size_t end = i;

		while (end < n && it[end].priority == it[i].priority)
			end++;
		/* Place [i, end): the sum of the weights not placed yet, a
		 * number in [0, sum], and the first record whose running sum
		 * reaches it. */
		for (size_t k = i; k < end; k++) {
			unsigned long sum = 0, run = 0, r;
			size_t pick = end - 1;

			for (size_t j = k; j < end; j++)
				sum += it[j].weight;
			r = rnd(arg, sum);
			for (size_t j = k; j < end; j++) {
				run += it[j].weight;
				if (run >= r) {
					pick = j;
					break;
				}
			}
			if (pick != k) {
				struct item t = it[pick];

				/* keep the rest in order: zeros stay first */
				for (size_t j = pick; j > k; j--)
					it[j] = it[j - 1];
				it[k] = t;
			}
			order[k] = it[k].index;
		}
		i = end;
	}
	free(it);
}
