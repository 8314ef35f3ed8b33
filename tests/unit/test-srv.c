/* Unit tests of the SRV order (RFC 2782 usage rules): priorities
 * ascending whatever the input order, weights chosen in proportion,
 * weight 0 first in the running sum, every record placed once. The
 * random numbers come from a seeded generator: the tests repeat. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "srv.h"

static unsigned long
lcg(void *arg, unsigned long bound)
{
	uint64_t *s = arg;

	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned long)((*s >> 33) % (bound + 1));
}

static unsigned long
always_zero(void *arg, unsigned long bound)
{
	(void)arg;
	(void)bound;
	return 0;
}

static unsigned long
always_top(void *arg, unsigned long bound)
{
	(void)arg;
	return bound;
}

static void
assert_permutation(const size_t *order, size_t n)
{
	int seen[64] = { 0 };

	for (size_t i = 0; i < n; i++) {
		assert_true(order[i] < n);
		assert_false(seen[order[i]]);
		seen[order[i]] = 1;
	}
}

static void
test_priority_order(void **state)
{
	/* given highest priority value first: the order must reverse it */
	const struct srv_weight v[] = { { 30, 5 }, { 20, 0 }, { 20, 7 },
		{ 10, 1 }, { 10, 0 }, { 0, 100 } };
	size_t n = sizeof v / sizeof *v, order[6];

	(void)state;
	for (uint64_t seed = 1; seed <= 200; seed++) {
		uint64_t s = seed;

		srv_order(v, n, order, lcg, &s);
		assert_permutation(order, n);
		assert_int_equal(order[0], 5);		/* priority 0 */
		assert_int_equal(order[n - 1], 0);	/* priority 30 */
		for (size_t i = 1; i < n; i++)
			assert_true(v[order[i - 1]].priority <=
			    v[order[i]].priority);
	}
}

static void
test_weights(void **state)
{
	/* 90 against 10: the first pick follows the weights */
	const struct srv_weight v[] = { { 10, 10 }, { 10, 90 } };
	size_t order[2], heavy = 0, trials = 10000;
	uint64_t s = 42;

	(void)state;
	for (size_t t = 0; t < trials; t++) {
		srv_order(v, 2, order, lcg, &s);
		assert_permutation(order, 2);
		heavy += order[0] == 1;
	}
	/* expected 90/100 (r in [0, 100]: 11 of 101 values pick the light
	 * one) */
	assert_true(heavy > trials * 85 / 100);
	assert_true(heavy < trials * 94 / 100);
}

static void
test_zero_weight(void **state)
{
	/* RFC 2782: weight 0 first in the running sum, so it is picked
	 * only when the random number is 0 */
	const struct srv_weight v[] = { { 5, 10 }, { 5, 0 } };
	size_t order[2], zero_first = 0, trials = 11000;
	uint64_t s = 7;

	(void)state;
	srv_order(v, 2, order, always_zero, NULL);
	assert_int_equal(order[0], 1);
	srv_order(v, 2, order, always_top, NULL);
	assert_int_equal(order[0], 0);
	for (size_t t = 0; t < trials; t++) {
		srv_order(v, 2, order, lcg, &s);
		zero_first += order[0] == 1;
	}
	assert_true(zero_first > trials / 11 / 2);	/* about 1 in 11 */
	assert_true(zero_first < trials / 11 * 2);
}

static void
test_all_zero_and_empty(void **state)
{
	const struct srv_weight v[] = { { 1, 0 }, { 1, 0 }, { 1, 0 } };
	size_t order[3];

	(void)state;
	srv_order(v, 3, order, always_top, NULL);
	assert_permutation(order, 3);
	srv_order(v, 0, order, always_top, NULL);	/* nothing to do */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priority_order),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_zero_weight),
		cmocka_unit_test(test_all_zero_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
