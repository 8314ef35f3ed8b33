/* Unit tests of what each stage publishes (stage_records, grouped by
 * zone) and of the nsupdate scripts' guards (nsupdate_script): every
 * message is refused unless the zone holds what the previous stage left. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nsupdate.h"
#include "plan.h"
#include "stage.h"
#include "zonefind.h"

static struct plan *
example_plan(void)
{
	const char *top = getenv("top_srcdir");
	char *path;
	struct findings f = { 0 };
	struct plan *p;

	if (asprintf(&path, "%s/zones/example.conf", top ? top : ".") < 0)
		return NULL;
	p = plan_load(path, &f);
	if (p == NULL)
		fail_msg("%s: %s", path, f.n ? f.v[0].message : "?");
	findings_free(&f);
	free(path);
	return p;
}

/* The zones of the example plan: its zone keys. */
static void
example_zones(const struct plan *p, struct zonemap *zm)
{
	struct zonefind_opts zo = { p->zones, p->nzones, NULL, NULL, 1000 };
	char *names[8], *cause = NULL;
	size_t n = 0;

	for (size_t i = 0; i < p->ndomains; i++)
		names[n++] = p->domains[i];
	for (size_t i = 0; i < p->ngateways; i++)
		names[n++] = p->gateways[i].host;
	assert_int_equal(zonefind(&zo, names, n, zm, &cause), 0);
}

static size_t
count(const struct rrlist *l, enum rrtype t, uint32_t ttl)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += l->v[i].type == t && l->v[i].ttl == ttl;
	return n;
}

static int
has(const struct rrlist *l, const char *owner, enum rrtype t,
    const char *rdata)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].owner, owner) == 0 && l->v[i].type == t &&
		    strcmp(l->v[i].rdata, rdata) == 0)
			return 1;
	return 0;
}

static void
test_records(void **state)
{
	struct plan *p = example_plan();
	struct rrlist l = { 0 };
	struct zonemap zm;
	char *cause = NULL;

	(void)state;
	example_zones(p, &zm);
	/* pre: the old gateway, cutover-ttl, no _xmpps-server */
	assert_int_equal(stage_records(p, STAGE_PRE, &zm, &l, &cause), 0);
	assert_int_equal(l.n, 4);
	assert_int_equal(count(&l, RR_SRV, 300), 2);
	assert_true(has(&l, "_xmpp-server._tcp.example.org", RR_SRV,
	    "0 0 5269 ocs-xmpp.example.com."));
	assert_true(has(&l, "ocs-xmpp.example.com", RR_AAAA, "2001:db8::5"));
	rrlist_free(&l);
	/* cutover: the new gateway with both services and TLSA, 300 */
	assert_int_equal(stage_records(p, STAGE_CUTOVER, &zm, &l, &cause),
	    0);
	assert_int_equal(l.n, 8);
	assert_int_equal(count(&l, RR_SRV, 300), 4);
	assert_int_equal(count(&l, RR_TLSA, 300), 2);
	assert_true(has(&l, "_xmpps-server._tcp.example.com", RR_SRV,
	    "10 0 5270 edge.example.com."));
	assert_true(has(&l, "_5270._tcp.edge.example.com", RR_TLSA,
	    "3 1 1 3128daecede18dcbc3ec4dea5849b36a01b5c1ce30b9d3bc05af648f9e97d72f"));
	rrlist_free(&l);
	/* final: the same records with ttl */
	assert_int_equal(stage_records(p, STAGE_FINAL, &zm, &l, &cause), 0);
	assert_int_equal(l.n, 8);
	assert_int_equal(count(&l, RR_SRV, 3600), 4);
	assert_int_equal(count(&l, RR_SRV, 300), 0);
	/* grouped by zone: example.com's records, then example.org's */
	for (size_t i = 1; i < l.n; i++)
		assert_true(strcmp(l.v[i - 1].zone, l.v[i].zone) <= 0);
	assert_string_equal(l.v[0].zone, "example.com");
	assert_string_equal(l.v[l.n - 1].zone, "example.org");
	rrlist_free(&l);
	/* rollback: the old gateway again, cutover-ttl */
	assert_int_equal(stage_records(p, STAGE_ROLLBACK, &zm, &l, &cause),
	    0);
	assert_int_equal(l.n, 4);
	assert_int_equal(count(&l, RR_SRV, 300), 2);
	rrlist_free(&l);
	assert_int_equal(stage_previous(STAGE_CUTOVER), STAGE_PRE);
	assert_int_equal(stage_previous(STAGE_FINAL), STAGE_CUTOVER);
	assert_int_equal(stage_role(STAGE_ROLLBACK), ROLE_OLD);
	assert_string_equal(zonemap_get(&zm, "edge.example.com"),
	    "example.com");
	/* a zone key holds every name under it, domains included */
	assert_string_equal(zonemap_get(&zm, "example.org"), "example.org");
	zonemap_free(&zm);
	plan_free(p);
}

/* The message for zone in a script, from "zone Z." to "send". */
static char *
message(const char *script, const char *zone)
{
	char *key, *start, *end;

	if (asprintf(&key, "\nzone %s.\n", zone) < 0)
		return NULL;
	start = strstr(script, key);
	free(key);
	if (start == NULL)
		return NULL;
	end = strstr(start, "\nsend\n");
	return end ? strndup(start, (size_t)(end - start)) : NULL;
}

static void
test_nsupdate(void **state)
{
	struct plan *p = example_plan();
	struct zonemap zm;
	struct nsupdate_opts o = { "192.0.2.53", "/etc/tsig.key", &zm };
	char *cause = NULL, *s, *m;

	(void)state;
	example_zones(p, &zm);
	s = nsupdate_script(p, STAGE_CUTOVER, &o, &cause);
	assert_non_null(s);
	assert_non_null(strstr(s, "server 192.0.2.53 53\n"));
	/* the key is named, never copied in */
	assert_non_null(strstr(s, ";   nsupdate -k /etc/tsig.key SCRIPT\n"));
	assert_null(strstr(s, "\nkey "));
	m = message(s, "example.com");
	assert_non_null(m);
	/* guarded by what pre left, then the new records */
	assert_non_null(strstr(m, "prereq yxrrset _xmpp-server._tcp.example.com. "
	    "IN SRV 0 0 5269 ocs-xmpp.example.com.\n"));
	assert_non_null(strstr(m, "prereq nxrrset _xmpps-server._tcp.example.com. "
	    "IN SRV\n"));
	assert_non_null(strstr(m, "update add _xmpp-server._tcp.example.com. 300 "
	    "IN SRV 10 0 5269 edge.example.com.\n"));
	/* the guards come before every update */
	assert_true(strstr(m, "prereq") < strstr(m, "update"));
	free(m);
	m = message(s, "example.org");
	assert_non_null(m);
	assert_non_null(strstr(m, "prereq yxrrset _xmpp-server._tcp.example.org."));
	free(m);
	free(s);

	s = nsupdate_script(p, STAGE_FINAL, &o, &cause);
	m = message(s, "example.com");
	assert_non_null(strstr(m, "prereq yxrrset _xmpp-server._tcp.example.com. "
	    "IN SRV 10 0 5269 edge.example.com.\n"));
	assert_non_null(strstr(m, "prereq yxrrset edge.example.com. IN A "
	    "192.0.2.10\n"));
	assert_non_null(strstr(m, "3600 IN SRV 10 0 5269 edge.example.com."));
	free(m);
	free(s);

	s = nsupdate_script(p, STAGE_ROLLBACK, &o, &cause);
	m = message(s, "example.org");
	assert_non_null(strstr(m, "prereq yxrrset _xmpp-server._tcp.example.org. "
	    "IN SRV 10 0 5269 edge.example.com.\n"));
	assert_non_null(strstr(m, "update add _xmpp-server._tcp.example.org. 300 "
	    "IN SRV 0 0 5269 ocs-xmpp.example.com.\n"));
	free(m);
	free(s);
	zonemap_free(&zm);
	plan_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_nsupdate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
