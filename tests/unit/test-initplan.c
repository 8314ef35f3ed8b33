/* Unit tests of init's plan (initplan.c): today's records become
 * gateway sections in order of priority, then name; the plan file it
 * writes reads back as the same plan (with a new gateway filled in), and
 * its stage pre publishes exactly today's records with the TTL lowered;
 * what a plan cannot say is plan-inexpressible, once, and no plan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "initplan.h"
#include "stage.h"
#include "util.h"

/* A set of records of one type at owner, all with ttl. */
static struct rrset *
set(const char *owner, enum rrtype t, uint32_t ttl, const char *const *v)
{
	struct rrset *s = rrset_new(owner, t, NULL, 0);

	for (; *v != NULL; v++)
		assert_int_equal(rrset_add(s, ttl, *v), 0);
	return s;
}

#define SET(owner, t, ttl, ...) \
	set(owner, t, ttl, (const char *const []){ __VA_ARGS__, NULL })

/* Two domains, three gateways (in the records: the last one first),
 * direct TLS on two, one host with IPv6 and TTL 7200. */
struct fixture {
	struct rrset *srv[2][2], *addr[3][2];
	struct initplan_domain d[2];
	struct initplan_host h[3];
	struct initplan_in in;
};

static void
fixture(struct fixture *x)
{
	const char *dom[2] = { "a.example", "b.example" };

	memset(x, 0, sizeof *x);
	for (int i = 0; i < 2; i++) {
		char *o1 = xasprintf("_xmpp-server._tcp.%s", dom[i]);
		char *o2 = xasprintf("_xmpps-server._tcp.%s", dom[i]);

		x->srv[i][0] = SET(o1, RR_SRV, 1800,
		    "20 0 5300 gw3.other.example.",
		    "10 40 5269 gw2.a.example.", "10 60 5269 gw1.a.example.");
		x->srv[i][1] = SET(o2, RR_SRV, 1800,
		    "10 60 5270 gw1.a.example.", "10 40 5223 gw2.a.example.");
		x->d[i].name = dom[i];
		x->d[i].srv[0] = x->srv[i][0];
		x->d[i].srv[1] = x->srv[i][1];
		x->d[i].zone = "a.example";
		free(o1);
		free(o2);
	}
	x->addr[0][0] = SET("gw1.a.example", RR_A, 7200, "192.0.2.11");
	x->addr[0][1] = SET("gw1.a.example", RR_AAAA, 7200, "2001:db8::11");
	x->addr[1][0] = SET("gw2.a.example", RR_A, 1800, "192.0.2.12");
	x->addr[2][0] = SET("gw3.other.example", RR_A, 1800, "192.0.2.13");
	x->h[0].name = "gw1.a.example";
	x->h[1].name = "gw2.a.example";
	x->h[2].name = "gw3.other.example";
	x->h[2].zone = "other.example";
	for (int i = 0; i < 3; i++) {
		x->h[i].addr[0] = x->addr[i][0];
		x->h[i].addr[1] = x->addr[i][1];
	}
	x->in.domains = x->d;
	x->in.ndomains = 2;
	x->in.hosts = x->h;
	x->in.nhosts = 3;
	x->in.command = "xmppcut init a.example b.example";
	x->in.now = 1795000000;
}

static void
fixture_free(struct fixture *x)
{
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 2; k++)
			rrset_free(x->srv[i][k]);
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 2; k++)
			rrset_free(x->addr[i][k]);
}

static void
test_build(void **state)
{
	struct fixture x;
	struct findings f = { 0 };
	struct plan *p;

	(void)state;
	fixture(&x);
	p = initplan_build(&x.in, &f);
	assert_non_null(p);
	assert_int_equal(f.n, 0);
	assert_int_equal(p->ndomains, 2);
	assert_int_equal(p->ttl, 7200);
	assert_int_equal(p->cutover_ttl, 300);
	assert_int_equal(p->ngateways, 3);
	/* priority, then name */
	assert_string_equal(p->gateways[0].host, "gw1.a.example");
	assert_string_equal(p->gateways[1].host, "gw2.a.example");
	assert_string_equal(p->gateways[2].host, "gw3.other.example");
	assert_int_equal(p->gateways[0].weight, 60);
	assert_int_equal(p->gateways[1].weight, 40);
	assert_int_equal(p->gateways[2].priority, 20);
	assert_int_equal(p->gateways[2].port, 5300);
	assert_int_equal(p->gateways[0].direct_tls_port, 5270);
	assert_int_equal(p->gateways[1].direct_tls_port, 5223);
	assert_int_equal(p->gateways[2].direct_tls_port, 0);
	assert_int_equal(p->gateways[0].naddrs, 2);
	assert_string_equal(p->gateways[0].addrs[1].text, "2001:db8::11");
	for (size_t i = 0; i < p->ngateways; i++)
		assert_int_equal(p->gateways[i].role, ROLE_OLD);
	plan_free(p);
	fixture_free(&x);
}

static void
test_cutover_ttl(void **state)
{
	(void)state;
	assert_int_equal(initplan_cutover_ttl(3600), 300);
	assert_int_equal(initplan_cutover_ttl(300), 300);
	assert_int_equal(initplan_cutover_ttl(120), 120);
	assert_int_equal(initplan_cutover_ttl(0), 0);
}

/* ttl is the longest of today's TTLs (0 too), cutover-ttl at most the
 * shortest: stage pre never raises a TTL. */
static void
test_ttls(void **state)
{
	struct fixture x;
	struct findings f = { 0 };
	struct plan *p;

	(void)state;
	fixture(&x);
	x.addr[1][0]->ttl = x.addr[1][0]->ttl_max = 30;
	p = initplan_build(&x.in, &f);
	assert_non_null(p);
	assert_int_equal(p->ttl, 7200);
	assert_int_equal(p->cutover_ttl, 30);
	plan_free(p);
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 2; k++)
			x.srv[i][k]->ttl = x.srv[i][k]->ttl_max = 0;
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 2; k++)
			if (x.addr[i][k] != NULL)
				x.addr[i][k]->ttl = x.addr[i][k]->ttl_max = 0;
	p = initplan_build(&x.in, &f);
	assert_non_null(p);
	assert_int_equal(p->ttl, 0);
	assert_int_equal(p->cutover_ttl, 0);
	assert_int_equal(f.n, 0);
	plan_free(p);
	fixture_free(&x);
}

/* The text, with the new gateway filled in, read by the plan reader. */
static struct plan *
read_back(const char *text, char **path)
{
	char tmpl[] = "/tmp/test-initplan.XXXXXX";
	int fd = mkstemp(tmpl);
	FILE *fp;
	struct findings f = { 0 };
	struct plan *p;

	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fputs("[gateway new.a.example]\nrole = new\naddress = 192.0.2.20\n",
	    fp);
	fclose(fp);
	p = plan_load(tmpl, &f);
	if (p == NULL)
		fail_msg("%s:%u: %s", tmpl, f.n ? f.v[0].line : 0,
		    f.n ? f.v[0].message : "?");
	findings_free(&f);
	*path = xstrdup(tmpl);
	return p;
}

static void
test_text_reads_back(void **state)
{
	struct fixture x;
	struct findings f = { 0 };
	struct plan *p, *q;
	char *text, *path, *line, *save = NULL;

	(void)state;
	fixture(&x);
	p = initplan_build(&x.in, &f);
	assert_non_null(p);
	p->zones = xcalloc(2, sizeof *p->zones);
	p->zones[p->nzones++] = xstrdup("a.example");
	p->zones[p->nzones++] = xstrdup("other.example");
	text = initplan_text(&x.in, p);
	q = read_back(text, &path);
	assert_int_equal(q->ndomains, p->ndomains);
	for (size_t i = 0; i < p->ndomains; i++)
		assert_string_equal(q->domains[i], p->domains[i]);
	assert_int_equal(q->nzones, 2);
	assert_string_equal(q->zones[1], "other.example");
	assert_int_equal(q->ttl, p->ttl);
	assert_int_equal(q->cutover_ttl, p->cutover_ttl);
	assert_int_equal(q->ngateways, p->ngateways + 1);
	for (size_t i = 0; i < p->ngateways; i++) {
		const struct gateway *a = &p->gateways[i], *b = &q->gateways[i];

		assert_string_equal(a->host, b->host);
		assert_int_equal(b->role, ROLE_OLD);
		assert_int_equal(a->port, b->port);
		assert_int_equal(a->priority, b->priority);
		assert_int_equal(a->weight, b->weight);
		assert_int_equal(a->direct_tls_port, b->direct_tls_port);
		assert_int_equal(a->naddrs, b->naddrs);
		for (size_t k = 0; k < a->naddrs; k++)
			assert_string_equal(a->addrs[k].text, b->addrs[k].text);
	}
	/* another zone than the domains': address = external is offered */
	assert_non_null(strstr(text, "\n; gw3.other.example is in zone "
	    "other.example"));
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		assert_true(strlen(line) <= INITPLAN_LINE_MAX);
	unlink(path);
	free(path);
	free(text);
	plan_free(q);
	plan_free(p);
	fixture_free(&x);
}

/* Stage pre of the plan: exactly the fixture's records, TTL 300. */
static void
test_pre_is_today(void **state)
{
	struct fixture x;
	struct findings f = { 0 };
	struct plan *p, *q;
	struct rrlist l = { 0 };
	struct strlist want = { 0 }, got = { 0 };
	char *text, *path, *cause = NULL;

	(void)state;
	fixture(&x);
	p = initplan_build(&x.in, &f);
	assert_non_null(p);
	text = initplan_text(&x.in, p);
	q = read_back(text, &path);
	assert_int_equal(stage_records(q, STAGE_PRE, NULL, &l, &cause), 0);
	for (size_t i = 0; i < l.n; i++) {
		assert_int_equal(l.v[i].ttl, 300);
		strlist_take(&got, xasprintf("%s %s %s", l.v[i].owner,
		    rrtype_name(l.v[i].type), l.v[i].rdata));
	}
	for (int d = 0; d < 2; d++)
		for (int k = 0; k < 2; k++)
			for (size_t i = 0; i < x.srv[d][k]->n; i++)
				strlist_take(&want, xasprintf("%s SRV %s",
				    x.srv[d][k]->owner, x.srv[d][k]->rdata[i]));
	for (int h = 0; h < 3; h++)
		for (int k = 0; k < 2; k++)
			for (size_t i = 0; x.addr[h][k] != NULL &&
			    i < x.addr[h][k]->n; i++)
				strlist_take(&want, xasprintf("%s %s %s",
				    x.addr[h][k]->owner, k ? "AAAA" : "A",
				    x.addr[h][k]->rdata[i]));
	strlist_sort_unique(&want);
	strlist_sort_unique(&got);
	if (!strlist_equal(&want, &got)) {
		char *a = strlist_join(&want, "\n", ""), *b = strlist_join(&got,
		    "\n", "");

		fail_msg("today:\n%s\npre:\n%s", a, b);
	}
	unlink(path);
	free(path);
	free(text);
	rrlist_free(&l);
	strlist_free(&want);
	strlist_free(&got);
	plan_free(q);
	plan_free(p);
	fixture_free(&x);
}

/* One change to the fixture, and the message it must give. */
static void
refused(void (*change)(struct fixture *), const char *subject,
    const char *words)
{
	struct fixture x;
	struct findings f = { 0 };
	struct plan *p;

	fixture(&x);
	change(&x);
	p = initplan_build(&x.in, &f);
	assert_null(p);
	for (size_t i = 0; f.n != 1 && i < f.n; i++)
		print_message("%s: %s\n", f.v[i].subject, f.v[i].message);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.v[0].id, F_PLAN_INEXPRESSIBLE);
	assert_int_equal(f.v[0].severity, SEV_ERROR);
	assert_string_equal(f.v[0].subject, subject);
	if (strstr(f.v[0].message, words) == NULL)
		fail_msg("'%s' not in: %s", words, f.v[0].message);
	findings_free(&f);
	fixture_free(&x);
}

static void
to_dot(struct fixture *x)
{
	rrset_free(x->srv[1][0]);
	x->srv[1][0] = SET("_xmpp-server._tcp.b.example", RR_SRV, 1800,
	    "0 0 0 .");
	x->d[1].srv[0] = x->srv[1][0];
	x->d[1].srv[1] = NULL;
}

static void
twice(struct fixture *x)
{
	rrset_add(x->srv[0][0], 1800, "30 0 5299 gw1.a.example.");
}

static void
xmpps_alone(struct fixture *x)
{
	rrset_add(x->srv[0][1], 1800, "30 0 5270 gw4.a.example.");
}

static void
xmpps_priority(struct fixture *x)
{
	rrset_free(x->srv[0][1]);
	x->srv[0][1] = SET("_xmpps-server._tcp.a.example", RR_SRV, 1800,
	    "11 60 5270 gw1.a.example.");
	x->d[0].srv[1] = x->srv[0][1];
}

static void
xmpps_same_port(struct fixture *x)
{
	rrset_free(x->srv[0][1]);
	x->srv[0][1] = SET("_xmpps-server._tcp.a.example", RR_SRV, 1800,
	    "10 60 5269 gw1.a.example.");
	x->d[0].srv[1] = x->srv[0][1];
}

static void
aliased(struct fixture *x)
{
	x->d[0].alias[0] = "_xmpp-server._tcp.elsewhere.example";
}

static void
other_weight(struct fixture *x)
{
	rrset_free(x->srv[1][0]);
	x->srv[1][0] = SET("_xmpp-server._tcp.b.example", RR_SRV, 1800,
	    "20 1 5300 gw3.other.example.", "10 40 5269 gw2.a.example.",
	    "10 60 5269 gw1.a.example.");
	x->d[1].srv[0] = x->srv[1][0];
}

static void
no_address(struct fixture *x)
{
	x->h[2].addr[0] = NULL;
}

static void
port_zero(struct fixture *x)
{
	rrset_add(x->srv[0][0], 1800, "30 0 0 gw5.a.example.");
}

static void
no_srv(struct fixture *x)
{
	x->d[1].srv[0] = NULL;
	x->d[1].srv[1] = NULL;
}

static void
test_inexpressible(void **state)
{
	(void)state;
	refused(to_dot, "_xmpp-server._tcp.b.example", "target \".\"");
	refused(twice, "_xmpp-server._tcp.a.example", "names gw1.a.example "
	    "twice");
	refused(xmpps_alone, "_xmpps-server._tcp.a.example", "which "
	    "_xmpp-server._tcp.a.example does not");
	refused(xmpps_priority, "_xmpps-server._tcp.a.example", "priority "
	    "11 weight 60");
	refused(xmpps_same_port, "_xmpps-server._tcp.a.example", "another "
	    "port");
	refused(aliased, "_xmpp-server._tcp.a.example", "is an alias of "
	    "_xmpp-server._tcp.elsewhere.example");
	refused(other_weight, "b.example", "priority 20 weight 1");
	refused(no_address, "gw3.other.example", "no A or AAAA");
	refused(no_srv, "b.example", "no SRV records");
	refused(port_zero, "_xmpp-server._tcp.a.example", "on port 0");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_cutover_ttl),
		cmocka_unit_test(test_ttls),
		cmocka_unit_test(test_text_reads_back),
		cmocka_unit_test(test_pre_is_today),
		cmocka_unit_test(test_inexpressible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
