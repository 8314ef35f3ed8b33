/* Unit tests of the record checks (dnscheck.c) over records in memory:
 * each RFC rule gives its finding and nothing else, a clean domain none,
 * and against a plan's stage the wrong gateway is named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dname.h"
#include "dnscheck.h"

/* A record source over a list of "OWNER TYPE TTL RDATA" lines; names
 * under example.com are in scope. */
struct mem {
	struct rrset *v[32];
	size_t n;
};

static enum rrtype
type_of(const char *s)
{
	static const char *const names[] = { "SRV", "A", "AAAA", "TLSA",
		"CNAME", "NS", "SOA" };

	for (int i = 0; i < 7; i++)
		if (strcmp(s, names[i]) == 0)
			return (enum rrtype)i;
	fail_msg("type %s", s);
	return RR_A;
}

static void
load(struct mem *m, const char *const *lines)
{
	memset(m, 0, sizeof *m);
	for (; *lines != NULL; lines++) {
		char owner[128], type[8];
		unsigned ttl;
		int off = 0;
		struct rrset *s = NULL;

		assert_int_equal(sscanf(*lines, "%127s %7s %u %n", owner, type,
		    &ttl, &off), 3);
		for (size_t i = 0; i < m->n; i++)
			if (strcmp(m->v[i]->owner, owner) == 0 &&
			    m->v[i]->type == type_of(type))
				s = m->v[i];
		if (s == NULL)
			s = m->v[m->n++] = rrset_new(owner, type_of(type),
			    NULL, 0);
		assert_int_equal(rrset_add(s, ttl, *lines + off), 0);
	}
}

static struct rrset *
mem_get(void *ctx, const char *owner, enum rrtype type)
{
	struct mem *m = ctx;

	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i]->owner, owner) == 0 &&
		    m->v[i]->type == type)
			return rrset_clone(m->v[i]);
	return NULL;
}

static int
mem_in_scope(void *ctx, const char *name)
{
	(void)ctx;
	return dname_is_under(name, "example.com");
}

static void
mem_free(struct mem *m)
{
	for (size_t i = 0; i < m->n; i++)
		rrset_free(m->v[i]);
}

/* The ids found for example.com, as "id,id,...". */
static char *
check(const char *const *lines, const struct plan *p, enum stage stage,
    int live)
{
	struct mem m;
	struct rrsource src = { mem_get, mem_in_scope, NULL, &m, NULL, NULL };
	struct findings f = { 0 };
	struct dnscheck c;
	char buf[512] = "";

	load(&m, lines);
	memset(&c, 0, sizeof c);
	c.src = &src;
	c.plan = p;
	c.have_stage = p != NULL;
	c.stage = stage;
	c.live = live;
	c.f = &f;
	dnscheck_domain(&c, "example.com");
	if (p != NULL) {
		char *cause = NULL;

		assert_int_equal(dnscheck_gateways(&c, &cause), 0);
	}
	for (size_t i = 0; i < f.n; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s",
		    i ? "," : "", finding_name(f.v[i].id));
	findings_free(&f);
	mem_free(&m);
	return strdup(buf);
}

#define EXPECT(want, ...) do {						\
	const char *const l_[] = { __VA_ARGS__, NULL };			\
	char *got_ = check(l_, NULL, STAGE_FINAL, 0);			\
	if (strcmp(got_, want) != 0)					\
		fail_msg("%s: got \"%s\", want \"%s\"", l_[0], got_, want); \
	free(got_);							\
} while (0)

static void
test_rfc_rules(void **state)
{
	(void)state;
	EXPECT("", "_xmpp-server._tcp.example.com SRV 300 0 0 5269 xmpp.example.com.",
	    "xmpp.example.com A 300 192.0.2.1");
	EXPECT("srv-target-cname",
	    "_xmpp-server._tcp.example.com SRV 300 0 0 5269 alias.example.com.",
	    "alias.example.com CNAME 300 xmpp.example.com.",
	    "xmpp.example.com A 300 192.0.2.1");
	EXPECT("srv-target-no-address",
	    "_xmpp-server._tcp.example.com SRV 300 0 0 5269 nohost.example.com.");
	EXPECT("srv-target-out-of-zone",
	    "_xmpp-server._tcp.example.com SRV 300 0 0 5269 xmpp.example.net.");
	EXPECT("srv-target-dot", "_xmpp-server._tcp.example.com SRV 300 0 0 0 .");
	EXPECT("srv-port-unexpected",
	    "_xmpp-server._tcp.example.com SRV 300 0 0 5222 xmpp.example.com.",
	    "xmpp.example.com A 300 192.0.2.1");
	EXPECT("ttl-inconsistent",
	    "_xmpp-server._tcp.example.com SRV 300 0 0 5269 a.example.com.",
	    "_xmpp-server._tcp.example.com SRV 600 0 0 5269 b.example.com.",
	    "a.example.com A 300 192.0.2.1", "b.example.com A 300 192.0.2.2");
	EXPECT("xmpps-inconsistent",
	    "_xmpps-server._tcp.example.com SRV 300 0 0 5270 xmpp.example.com.",
	    "xmpp.example.com A 300 192.0.2.1");
}

static void
test_against_plan(void **state)
{
	const char *top = getenv("top_srcdir");
	struct findings f = { 0 };
	struct plan *p;
	char *path, *got;
	const char *const old[] = {
		"_xmpp-server._tcp.example.com SRV 300 0 0 5269 ocs-xmpp.example.com.",
		"ocs-xmpp.example.com A 300 192.0.2.5", NULL };
	const char *const cut[] = {
		"_xmpp-server._tcp.example.com SRV 300 10 0 5269 edge.example.com.",
		"_xmpps-server._tcp.example.com SRV 300 10 0 5270 edge.example.com.",
		"edge.example.com A 300 192.0.2.10",
		"edge.example.com AAAA 300 2001:db8::10",
		"_5269._tcp.edge.example.com TLSA 300 3 1 1 3128daecede18dcbc3ec4dea5849b36a01b5c1ce30b9d3bc05af648f9e97d72f",
		"_5270._tcp.edge.example.com TLSA 300 3 1 1 3128daecede18dcbc3ec4dea5849b36a01b5c1ce30b9d3bc05af648f9e97d72f",
		NULL };

	(void)state;
	assert_true(asprintf(&path, "%s/zones/example.conf", top ? top : ".")
	    > 0);
	p = plan_load(path, &f);
	assert_non_null(p);
	got = check(cut, p, STAGE_CUTOVER, 0);
	assert_string_equal(got, "");
	free(got);
	/* the old gateway where the new one is expected */
	got = check(old, p, STAGE_CUTOVER, 0);
	assert_non_null(strstr(got, "srv-plan-mismatch"));
	free(got);
	got = check(old, p, STAGE_CUTOVER, 1);
	assert_non_null(strstr(got, "srv-points-old"));
	free(got);
	/* and the reverse: the old ones expected */
	got = check(old, p, STAGE_CURRENT, 1);
	assert_null(strstr(got, "srv-points-old"));
	free(got);
	got = check(cut, p, STAGE_CURRENT, 1);
	assert_non_null(strstr(got, "srv-points-old"));
	free(got);
	plan_free(p);
	free(path);
}

static struct plan *
test_plan(const char *name)
{
	const char *top = getenv("top_srcdir");
	struct findings f = { 0 };
	struct plan *p;
	char *path;

	assert_true(asprintf(&path, "%s/tests/plans/%s", top ? top : ".",
	    name) > 0);
	p = plan_load(path, &f);
	assert_non_null(p);
	findings_free(&f);
	free(path);
	return p;
}

/* A host name shared by old and new (the name moves to a new address):
 * the SRV is the same in both; the address tells them apart. */
static void
test_same_host(void **state)
{
	struct plan *p = test_plan("good-same-host.conf");
	const char *const before[] = {
		"_xmpp-server._tcp.example.com SRV 300 0 0 5269 xmpp.example.com.",
		"xmpp.example.com A 300 192.0.2.5", NULL };
	const char *const after[] = {
		"_xmpp-server._tcp.example.com SRV 300 0 0 5269 xmpp.example.com.",
		"xmpp.example.com A 300 192.0.2.10", NULL };
	char *got;

	(void)state;
	got = check(after, p, STAGE_CUTOVER, 1);
	assert_string_equal(got, "");
	free(got);
	got = check(before, p, STAGE_PRE, 1);
	assert_string_equal(got, "");
	free(got);
	/* the new stage expected, the old address served: named as such,
	 * and the SRV is not said to point at the old gateway */
	got = check(before, p, STAGE_CUTOVER, 1);
	assert_string_equal(got, "address-plan-mismatch");
	free(got);
	plan_free(p);
}

/* address = external: the host's addresses are not the plan's to
 * compare. */
static void
test_external(void **state)
{
	struct plan *p = test_plan("good-external.conf");
	const char *const cut[] = {
		"_xmpp-server._tcp.example.com SRV 300 0 0 5269 edge.example.com.",
		"edge.example.com A 300 198.51.100.7", NULL };
	char *got;

	(void)state;
	got = check(cut, p, STAGE_CUTOVER, 1);
	assert_string_equal(got, "");
	free(got);
	plan_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_rules),
		cmocka_unit_test(test_against_plan),
		cmocka_unit_test(test_same_host),
		cmocka_unit_test(test_external),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
