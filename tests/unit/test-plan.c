/* Unit tests of the plan parser: the example plan and the good plans load
 * with the right values; every bad plan under tests/plans/ is refused with
 * a plan-invalid finding at the line marked "; <- plan-invalid". */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"

static char *
srcpath(const char *rel)
{
	const char *top = getenv("top_srcdir");

	return xasprintf("%s/%s", top ? top : ".", rel);
}

static void
test_example_plan(void **state)
{
	char *path = srcpath("zones/example.conf");
	struct findings f = { 0 };
	struct plan *p = plan_load(path, &f);
	const struct gateway *old, *new;

	(void)state;
	assert_non_null(p);
	assert_int_equal(f.n, 0);
	assert_int_equal(p->ndomains, 2);
	assert_string_equal(p->domains[0], "example.com");
	assert_string_equal(p->domains[1], "example.org");
	assert_int_equal(p->ttl, 3600);
	assert_int_equal(p->cutover_ttl, 300);
	assert_string_equal(p->from, "example.com");
	assert_int_equal(p->ngateways, 2);
	old = &p->gateways[0];
	new = &p->gateways[1];
	assert_string_equal(old->host, "ocs-xmpp.example.com");
	assert_int_equal(old->role, ROLE_OLD);
	assert_int_equal(old->naddrs, 2);
	assert_int_equal(old->port, 5269);
	assert_int_equal(old->direct_tls_port, 0);
	assert_null(old->cert);
	assert_string_equal(new->host, "edge.example.com");
	assert_int_equal(new->role, ROLE_NEW);
	assert_string_equal(new->addrs[1].text, "2001:db8::10");
	assert_int_equal(new->priority, 10);
	assert_int_equal(new->weight, 0);
	assert_int_equal(new->direct_tls_port, 5270);
	assert_non_null(strstr(new->cert, "zones/edge.example.com.pem"));
	assert_int_equal(p->npartners, 2);
	assert_string_equal(p->partners[1], "partner.example.net");
	plan_free(p);
	findings_free(&f);
	free(path);
}

static void
test_good_indented(void **state)
{
	char *path = srcpath("tests/plans/good-indented.conf");
	struct findings f = { 0 };
	struct plan *p = plan_load(path, &f);

	(void)state;
	assert_non_null(p);
	assert_int_equal(p->ttl, 600);
	assert_int_equal(p->cutover_ttl, 60);
	assert_int_equal(p->gateways[0].naddrs, 2);
	/* IPv6 is normalised, names are lowercased without the dot */
	assert_string_equal(p->gateways[0].addrs[1].text, "2001:db8::10");
	assert_int_equal(p->npartners, 2);
	assert_string_equal(p->partners[1], "partner.example.net");
	assert_int_equal(p->gateways[0].port, PLAN_DEFAULT_PORT);
	plan_free(p);
	findings_free(&f);
	free(path);
}

static void
test_good_long_name(void **state)
{
	char *path = srcpath("tests/plans/good-long-gateway-name.conf");
	struct findings f = { 0 };
	struct plan *p = plan_load(path, &f);

	(void)state;
	assert_non_null(p);
	assert_string_equal(p->gateways[0].host,
	    "gateway-with-a-long-name.federation.eu-west-1.example.com");
	assert_int_equal(p->ttl, PLAN_DEFAULT_TTL);
	assert_int_equal(p->cutover_ttl, PLAN_DEFAULT_CUTOVER_TTL);
	plan_free(p);
	findings_free(&f);
	free(path);
}

static void
test_missing_file(void **state)
{
	struct findings f = { 0 };

	(void)state;
	assert_null(plan_load("/nonexistent/xmppcut.conf", &f));
	assert_int_equal(f.n, 1);
	assert_int_equal(f.v[0].id, F_PLAN_INVALID);
	assert_int_equal(f.v[0].severity, SEV_ERROR);
	findings_free(&f);
}

/* The line of the "; <- plan-invalid" marker, or 0 (lines are short). */
static unsigned
marked_line(const char *path)
{
	char line[4096];
	unsigned n = 0, found = 0;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof line, fp) != NULL) {
		n++;
		if (strstr(line, "; <- plan-invalid") != NULL)
			found = n;
	}
	fclose(fp);
	return found;
}

static void
test_bad_plans(void **state)
{
	char *dir = srcpath("tests/plans");
	struct dirent *de;
	size_t count = 0;
	DIR *d;

	(void)state;
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		struct findings f = { 0 };
		char *path;
		unsigned want;
		int found = 0;

		if (strncmp(de->d_name, "bad-", 4) != 0)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		want = marked_line(path);
		print_message("%s: expect plan-invalid at line %u\n",
		    de->d_name, want);
		assert_true(want > 0);
		assert_null(plan_load(path, &f));
		assert_true(f.n > 0);
		for (size_t i = 0; i < f.n; i++) {
			assert_int_equal(f.v[i].id, F_PLAN_INVALID);
			assert_string_equal(f.v[i].file, path);
			if (f.v[i].line == want)
				found = 1;
		}
		if (!found)
			fail_msg("%s: no finding at line %u (first: line %u: "
			    "%s)", de->d_name, want, f.v[0].line,
			    f.v[0].message);
		findings_free(&f);
		free(path);
		count++;
	}
	closedir(d);
	free(dir);
	assert_true(count >= 15);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_plan),
		cmocka_unit_test(test_good_indented),
		cmocka_unit_test(test_good_long_name),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_bad_plans),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
