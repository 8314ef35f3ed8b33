/* Unit tests of what each stage publishes (stage_records, grouped by
 * zone), of the nsupdate scripts' guards (nsupdate_script): every
 * message is refused unless the zone holds what the previous stage left
 * and no name it sets is an alias, and of apply's journal and TSIG keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "journal.h"
#include "nsupdate.h"
#include "plan.h"
#include "update.h"
#include "stage.h"
#include "zonefind.h"

/* The plan at rel (from the source tree's top), or the test fails. */
static struct plan *
load_plan(const char *rel)
{
	const char *top = getenv("top_srcdir");
	char *path;
	struct findings f = { 0 };
	struct plan *p;

	if (asprintf(&path, "%s/%s", top ? top : ".", rel) < 0)
		return NULL;
	p = plan_load(path, &f);
	if (p == NULL)
		fail_msg("%s: %s", path, f.n ? f.v[0].message : "?");
	findings_free(&f);
	free(path);
	return p;
}

static struct plan *
example_plan(void)
{
	return load_plan("zones/example.conf");
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

/* The cutover's messages for p, its zones from its zone keys (zm is
 * filled, for the caller to free). */
static void
cutover_messages(const struct plan *p, struct zonemap *zm, struct upd_set *u)
{
	char *cause = NULL;

	example_zones(p, zm);
	assert_int_equal(nsupdate_messages(p, STAGE_CUTOVER, zm, u, &cause),
	    0);
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

/* The messages for zone in a script, each from "zone Z." to "send",
 * joined (a split zone has two), or NULL. */
static char *
message(const char *script, const char *zone)
{
	char *key, *start, *end, *out = NULL;
	size_t len = 0;

	if (asprintf(&key, "\nzone %s.\n", zone) < 0)
		return NULL;
	for (start = strstr(script, key); start != NULL &&
	    (end = strstr(start, "\nsend\n")) != NULL;
	    start = strstr(end, key)) {
		size_t n = (size_t)(end - start);

		out = realloc(out, len + n + 1);
		assert_non_null(out);
		memcpy(out + len, start, n);
		len += n;
		out[len] = '\0';
	}
	free(key);
	return out;
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
	/* no name it sets may be an alias: a server drops an addition at a
	 * CNAME without a word (RFC 2136 3.4.2.2) */
	assert_non_null(strstr(m, "prereq nxrrset _xmpp-server._tcp.example.com. "
	    "IN CNAME\n"));
	assert_non_null(strstr(m, "prereq nxrrset edge.example.com. IN CNAME\n"));
	assert_non_null(strstr(m, "prereq nxrrset _5269._tcp.edge.example.com. "
	    "IN CNAME\n"));
	/* the new host: pre did not publish it, nothing to guard on in its
	 * hosts message; the SRV message after it (example.com is split:
	 * example.org's SRV names edge too) is refused unless edge holds
	 * the stage's records */
	assert_non_null(strstr(m, "prereq yxrrset edge.example.com. IN A "
	    "192.0.2.10\n"));
	assert_true(strstr(m, "update add edge.example.com. ") <
	    strstr(m, "prereq yxrrset edge.example.com."));
	assert_true(strstr(m, "prereq yxrrset edge.example.com.") <
	    strstr(m, "update add _xmpp-server._tcp.example.com. "));
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
	/* the TLSA cutover wrote, guarded too: a rotated certificate's
	 * record is not overwritten with the plan's stale hash */
	assert_non_null(strstr(m, "prereq yxrrset _5269._tcp.edge.example.com. "
	    "IN TLSA 3 1 1 "));
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

/* The typed messages: every one has prerequisites; pre's TTLs ride on
 * cutover's value prerequisites (for apply; not on the wire). */
static void
test_messages(void **state)
{
	struct plan *p = example_plan();
	struct zonemap zm;
	struct upd_set u;
	char *cause = NULL;
	int exact = 0;

	(void)state;
	example_zones(p, &zm);
	for (enum stage s = STAGE_PRE; s <= STAGE_ROLLBACK; s++) {
		assert_int_equal(nsupdate_messages(p, s, &zm, &u, &cause), 0);
		for (size_t i = 0; i < u.n; i++) {
			assert_true(u.v[i].nprereq > 0);
			for (size_t k = 0; s == STAGE_CUTOVER &&
			    k < u.v[i].nprereq; k++)
				if (u.v[i].v[k].kind == UPD_PREREQ_EXACT) {
					assert_int_equal(u.v[i].v[k].ttl,
					    p->cutover_ttl);
					exact++;
				}
		}
		upd_set_free(&u);
	}
	assert_true(exact >= 2);
	zonemap_free(&zm);
	plan_free(p);
}

/* How many of m's prerequisites its zone's hosts part makes true. */
static size_t
after(const struct upd_msg *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nprereq; i++)
		n += m->v[i].after != 0;
	return n;
}

/* What message m sets: 1 when it adds an SRV, 2 when it adds an
 * address, 3 both. */
static int
sets(const struct upd_msg *m)
{
	int what = 0;

	for (size_t i = m->nprereq; i < m->n; i++)
		if (m->v[i].kind == UPD_ADD)
			what |= m->v[i].type == RR_SRV ? 1 : m->v[i].type ==
			    RR_A || m->v[i].type == RR_AAAA ? 2 : 0;
	return what;
}

/* The zones holding the stage's hosts are sent first: a domain's zone
 * that holds the new gateway before another domain's zone whose SRV
 * names it, whatever their names' order. */
static void
test_message_order(void **state)
{
	struct zonemap zm;
	struct upd_set u;
	struct plan *p;
	char *cause = NULL;

	(void)state;
	p = load_plan("tests/plans/good-host-in-other-zone.conf");
	cutover_messages(p, &zm, &u);
	/* one zone holds a domain and the new host, which example.com's SRV
	 * names too: its host first, guarded by the host alone (a hand
	 * change to its SRV cannot keep the host away), then its SRV, then
	 * example.com */
	assert_int_equal(u.n, 3);
	assert_string_equal(u.v[0].zone, "example.org");
	assert_int_equal(u.v[0].part, UPD_HOSTS);
	assert_int_equal(sets(&u.v[0]), 2);
	for (size_t k = 0; k < u.v[0].nprereq; k++)
		assert_null(strstr(u.v[0].v[k].owner, "._tcp."));
	assert_string_equal(u.v[1].zone, "example.org");
	assert_int_equal(u.v[1].part, UPD_SRV);
	assert_int_equal(sets(&u.v[1]), 1);
	assert_true(upd_msg_guards_values(&u.v[1]));
	assert_string_equal(u.v[2].zone, "example.com");
	assert_int_equal(u.v[2].part, UPD_ALL);
	upd_set_free(&u);
	/* rollback: the old gateway's zone's host first, the same way */
	assert_int_equal(nsupdate_messages(p, STAGE_ROLLBACK, &zm, &u, &cause),
	    0);
	assert_int_equal(u.n, 3);
	assert_string_equal(u.v[0].zone, "example.com");
	assert_int_equal(u.v[0].part, UPD_HOSTS);
	assert_string_equal(u.v[1].zone, "example.com");
	assert_int_equal(u.v[1].part, UPD_SRV);
	assert_string_equal(u.v[2].zone, "example.org");
	upd_set_free(&u);
	zonemap_free(&zm);
	plan_free(p);
}

/* Two domain zones that each hold a new gateway both SRVs name: at
 * cutover every zone's hosts go out before any SRV; pre and final, whose
 * hosts are already published, and rollback, whose one old gateway lives
 * in one zone, keep one message a zone. */
static void
test_message_split(void **state)
{
	struct zonemap zm;
	struct upd_set u, z;
	struct plan *p;
	char *cause = NULL, *s, *m;
	struct nsupdate_opts o = { NULL, NULL, &zm };

	(void)state;
	p = load_plan("tests/plans/good-two-new-zones.conf");
	cutover_messages(p, &zm, &u);
	assert_int_equal(u.n, 4);
	assert_string_equal(u.v[0].zone, "example.com");
	assert_string_equal(u.v[1].zone, "example.org");
	assert_string_equal(u.v[2].zone, "example.com");
	assert_string_equal(u.v[3].zone, "example.org");
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(u.v[i].part, i < 2 ? UPD_HOSTS : UPD_SRV);
		assert_int_equal(sets(&u.v[i]), i < 2 ? 2 : 1);
		assert_true(u.v[i].nprereq > 0);
	}
	/* the hosts parts are guarded by their hosts alone (new: no
	 * alias), the SRV parts by what pre left: run out of order, the
	 * script changes no SRV record */
	for (size_t i = 0; i < 2; i++)
		for (size_t k = 0; k < u.v[i].nprereq; k++)
			assert_null(strstr(u.v[i].v[k].owner, "._tcp."));
	assert_true(upd_msg_guards_values(&u.v[2]));
	assert_true(upd_msg_guards_values(&u.v[3]));
	/* joined again, a zone each, for watching its servers: prerequisites
	 * of both parts before any update */
	upd_set_by_zone(&u, &z);
	assert_int_equal(z.n, 2);
	assert_string_equal(z.v[0].zone, "example.com");
	assert_string_equal(z.v[1].zone, "example.org");
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(z.v[i].part, UPD_ALL);
		assert_int_equal(sets(&z.v[i]), 3);
		/* the guards of both parts, but not the SRV part's on its
		 * hosts, which the hosts part makes true */
		assert_int_equal(z.v[i].nprereq, u.v[i].nprereq +
		    u.v[i + 2].nprereq - after(&u.v[i + 2]));
		assert_true(after(&u.v[i + 2]) > 0);
		assert_int_equal(after(&z.v[i]), 0);
		assert_int_equal(z.v[i].n, u.v[i].n + u.v[i + 2].n -
		    after(&u.v[i + 2]));
		for (size_t k = 0; k < z.v[i].n; k++)
			assert_true((k < z.v[i].nprereq) ==
			    (z.v[i].v[k].kind == UPD_PREREQ_EXACT ||
			    z.v[i].v[k].kind == UPD_PREREQ_ABSENT));
	}
	upd_set_free(&z);
	upd_set_free(&u);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(nsupdate_messages(p, k == 0 ? STAGE_PRE :
		    STAGE_FINAL, &zm, &u, &cause), 0);
		for (size_t i = 0; i < u.n; i++)
			assert_int_equal(u.v[i].part, UPD_ALL);
		upd_set_free(&u);
	}
	/* rollback: the one zone holding the old gateway is split, the
	 * other is one message */
	assert_int_equal(nsupdate_messages(p, STAGE_ROLLBACK, &zm, &u, &cause),
	    0);
	assert_int_equal(u.n, 3);
	assert_int_equal(u.v[0].part, UPD_HOSTS);
	assert_string_equal(u.v[0].zone, "example.com");
	assert_int_equal(u.v[1].part, UPD_SRV);
	assert_int_equal(u.v[2].part, UPD_ALL);
	upd_set_free(&u);
	/* the script says so */
	s = nsupdate_script(p, STAGE_CUTOVER, &o, &cause);
	assert_non_null(s);
	assert_non_null(strstr(s, "; after every zone's hosts."));
	m = message(s, "example.org");
	assert_non_null(m);
	assert_true(strstr(m, "update add xmpp.example.org. ") <
	    strstr(m, "update add _xmpp-server._tcp.example.org. "));
	free(m);
	assert_true(strstr(s, "update add xmpp.example.org. ") <
	    strstr(s, "update add _xmpp-server._tcp.example.com. "));
	free(s);
	zonemap_free(&zm);
	plan_free(p);
}

static char *
temp_file_n(const char *text, size_t len)
{
	char *path = strdup("/tmp/xmppcut-unit.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static char *
temp_file(const char *text)
{
	return temp_file_n(text, strlen(text));
}

static int
journal_reads_n(const char *text, size_t len, size_t *n)
{
	char *path = temp_file_n(text, len), *cause = NULL;
	struct journal_entry *v = NULL;
	int r = journal_read(path, &v, n, &cause);

	journal_free(v, *n);
	free(cause);
	unlink(path);
	free(path);
	return r;
}

static int
journal_reads(const char *text, size_t *n)
{
	return journal_reads_n(text, strlen(text), n);
}

/* The plan in text, or the test fails. */
static struct plan *
plan_from_text(const char *text)
{
	char *path = temp_file(text);
	struct findings f = { 0 };
	struct plan *p = plan_load(path, &f);

	if (p == NULL)
		fail_msg("%s", f.n ? f.v[0].message : "?");
	findings_free(&f);
	unlink(path);
	free(path);
	return p;
}

/* No split when no zone holds a host that may not resolve yet: host
 * names the previous stage published (a name moving to a new address) or
 * kept outside the plan (address = external) do not count. One that
 * does, named by another zone's SRV, is split, and goes first. */
static void
test_message_no_split(void **state)
{
	static const char *const plans[] = {
	    "[plan]\ndomain = example.com\ndomain = example.org\n"
	    "zone = example.com\nzone = example.org\n"
	    "[gateway xmpp.example.com]\nrole = old\naddress = 192.0.2.5\n"
	    "weight = 50\n"
	    "[gateway xmpp.example.org]\nrole = old\naddress = 192.0.2.6\n"
	    "weight = 50\n"
	    "[gateway xmpp.example.com]\nrole = new\naddress = 192.0.2.10\n"
	    "weight = 50\n"
	    "[gateway xmpp.example.org]\nrole = new\naddress = 192.0.2.11\n"
	    "weight = 50\n",
	    "[plan]\ndomain = example.com\ndomain = example.org\n"
	    "zone = example.com\nzone = example.org\n"
	    "[gateway old.example.com]\nrole = old\naddress = 192.0.2.5\n"
	    "[gateway xmpp.example.com]\nrole = new\naddress = external\n"
	    "weight = 50\n"
	    "[gateway xmpp.example.org]\nrole = new\naddress = external\n"
	    "weight = 50\n",
	    "[plan]\ndomain = example.com\ndomain = example.org\n"
	    "zone = example.com\nzone = example.org\n"
	    "[gateway old.example.com]\nrole = old\naddress = 192.0.2.5\n"
	    "[gateway gw.example.com]\nrole = new\naddress = external\n"
	    "weight = 50\n"
	    "[gateway xmpp.example.org]\nrole = new\naddress = 192.0.2.11\n"
	    "weight = 50\n",
	};

	(void)state;
	for (size_t k = 0; k < 3; k++) {
		struct plan *p = plan_from_text(plans[k]);
		struct zonemap zm;
		struct upd_set u;

		cutover_messages(p, &zm, &u);
		assert_int_equal(u.n, k < 2 ? 2 : 3);
		for (size_t i = 0; i < u.n; i++)
			assert_int_equal(u.v[i].part, k < 2 ? UPD_ALL : i == 0 ?
			    UPD_HOSTS : i == 1 ? UPD_ALL : UPD_SRV);
		/* the zone whose host may not resolve yet: its host goes
		 * first, before example.com, whose SRV names that host */
		if (k == 2) {
			assert_string_equal(u.v[0].zone, "example.org");
			assert_string_equal(u.v[1].zone, "example.com");
			assert_string_equal(u.v[2].zone, "example.org");
		}
		upd_set_free(&u);
		zonemap_free(&zm);
		plan_free(p);
	}
	/* one zone alone, its new host in it: one message, atomic */
	{
		struct plan *p = plan_from_text("[plan]\ndomain = example.com\n"
		    "zone = example.com\n"
		    "[gateway old.example.com]\nrole = old\n"
		    "address = 192.0.2.5\n"
		    "[gateway new.example.com]\nrole = new\n"
		    "address = 192.0.2.10\n");
		struct zonemap zm;
		struct upd_set u;

		cutover_messages(p, &zm, &u);
		assert_int_equal(u.n, 1);
		assert_int_equal(u.v[0].part, UPD_ALL);
		assert_int_equal(sets(&u.v[0]), 3);
		upd_set_free(&u);
		zonemap_free(&zm);
		plan_free(p);
	}
}

/* A gateway with external addresses and a certificate: its zone's
 * message first publishes its TLSA, so an SRV must not name it before --
 * with another zone's new host, both zones are split. */
static void
test_message_split_tlsa(void **state)
{
	const char *top = getenv("top_srcdir");
	char *text;
	struct zonemap zm;
	struct upd_set u;
	struct plan *p;

	(void)state;
	assert_true(asprintf(&text, "[plan]\ndomain = example.com\n"
	    "domain = example.org\nzone = example.com\nzone = example.org\n"
	    "[gateway old.example.com]\nrole = old\naddress = 192.0.2.5\n"
	    "[gateway gw.example.com]\nrole = new\naddress = external\n"
	    "cert = %s/zones/edge.example.com.pem\nweight = 50\n"
	    "[gateway xmpp.example.org]\nrole = new\naddress = 192.0.2.11\n"
	    "weight = 50\n", top ? top : ".") > 0);
	p = plan_from_text(text);
	cutover_messages(p, &zm, &u);
	assert_int_equal(u.n, 4);
	assert_string_equal(u.v[0].zone, "example.com");
	assert_int_equal(u.v[0].part, UPD_HOSTS);
	/* TLSA only: the addresses are kept elsewhere */
	for (size_t i = u.v[0].nprereq; i < u.v[0].n; i++)
		assert_int_equal(u.v[0].v[i].type, RR_TLSA);
	assert_int_equal(u.v[1].part, UPD_HOSTS);
	assert_int_equal(u.v[2].part, UPD_SRV);
	assert_int_equal(u.v[3].part, UPD_SRV);
	upd_set_free(&u);
	zonemap_free(&zm);
	plan_free(p);
	free(text);
}

static void
test_journal(void **state)
{
	char *path = temp_file(""), *cause = NULL;
	char com[] = "example.com", org[] = "example.org";
	struct journal_entry e[2] = {
		{ STAGE_PRE, com, 1700000000, 86400, J_SERVED },
		{ STAGE_PRE, org, 1700000100, 3600, J_SERVED },
	}, *v = NULL;
	const struct journal_entry *last;
	size_t n = 0;

	(void)state;
	assert_int_equal(journal_append(path, e, 2, &cause), 0);
	assert_int_equal(journal_append(path, e + 1, 1, &cause), 0);
	assert_int_equal(journal_read(path, &v, &n, &cause), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].kind, J_SERVED);
	journal_free(v, n);
	/* a refused update's entry taken back (one of two equal ones), and
	 * none when there is none; a line without a kind is read as sent */
	e[1].kind = J_SENT;
	assert_int_equal(journal_append(path, e + 1, 1, &cause), 0);
	assert_int_equal(journal_withdraw(path, e + 1, &cause), 0);
	assert_int_equal(journal_withdraw(path, e + 1, &cause), 0);
	assert_int_equal(journal_read(path, &v, &n, &cause), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[2].kind, J_SERVED);
	/* per zone: example.com's day is not hidden by example.org */
	last = journal_last(v, n, STAGE_PRE, "example.com");
	assert_non_null(last);
	assert_int_equal(last->ttl, 86400);
	assert_null(journal_last(v, n, STAGE_CUTOVER, "example.com"));
	assert_null(journal_last(v, n, STAGE_PRE, "example.net"));
	journal_free(v, n);
	unlink(path);
	free(path);
	path = temp_file("pre example.com 1 2\n");
	assert_int_equal(journal_read(path, &v, &n, &cause), 0);
	assert_int_equal(v[0].kind, J_SENT);
	journal_free(v, n);
	unlink(path);
	free(path);

	assert_int_equal(journal_reads("# comment\n\npre example.com 1 2\n",
	    &n), 0);
	assert_int_equal(n, 1);
	/* the kinds; a line without one (an older journal) is served */
	assert_int_equal(journal_reads("pre example.com 1 2 sent\n"
	    "pre example.com 3 2 partial\npre example.com 4 2 served\n", &n),
	    0);
	assert_int_equal(n, 3);
	assert_int_equal(journal_reads("pre example.com 1 2 sent x\n", &n),
	    -1);
	assert_int_equal(journal_reads("pre example.com 1 2 Sent\n", &n), -1);
	/* the old format, trailing junk, an epoch that would overflow, a
	 * NUL byte, a bad zone, a TTL out of range */
	assert_int_equal(journal_reads("pre 1700000000 3600\n", &n), -1);
	assert_int_equal(journal_reads("pre example.com 1 2 x\n", &n), -1);
	assert_int_equal(journal_reads("pre example.com "
	    "9223372036854775807 3600\n", &n), -1);
	assert_int_equal(journal_reads_n("pre example.com 1 2\n\0pre\n", 26,
	    &n), -1);
	assert_int_equal(journal_reads("pre exa..mple.com 1 2\n", &n), -1);
	assert_int_equal(journal_reads("pre example.com 1 4294967295\n", &n),
	    -1);
	assert_int_equal(journal_reads("later example.com 1 2\n", &n), -1);
}

static void
key_loads(const char *text, int ok)
{
	char *path = temp_file(text), *cause = NULL;
	struct upd_key *k = update_key_load(path, &cause);

	if (ok && k == NULL)
		fail_msg("%s: %s", text, cause);
	if (!ok && k != NULL)
		fail_msg("%s: loaded", text);
	update_key_free(k);
	free(cause);
	unlink(path);
	free(path);
}

/* ldns signs with MD5 only by its wire name and misspells SHA-384. */
static void
test_tsig_keys(void **state)
{
	(void)state;
	key_loads("key \"k.\" { algorithm hmac-md5; secret \"c2VjcmV0\"; };",
	    1);
	key_loads("key \"k\" { algorithm HMAC-SHA256; secret \"c2VjcmV0\"; };",
	    1);
	key_loads("hmac-sha512:k:c2VjcmV0", 1);
	key_loads("hmac-sha1:k:c2VjcmV0", 1);
	key_loads("key \"k\" { algorithm hmac-sha384; secret \"c2VjcmV0\"; };",
	    0);
	key_loads("hmac-sha224:k:c2VjcmV0", 0);
	key_loads("hmac-sha256:k:", 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_nsupdate),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_message_order),
		cmocka_unit_test(test_message_split),
		cmocka_unit_test(test_message_no_split),
		cmocka_unit_test(test_message_split_tlsa),
		cmocka_unit_test(test_journal),
		cmocka_unit_test(test_tsig_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
