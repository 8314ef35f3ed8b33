/* Unit tests of observations: what is compared between runs (per
 * endpoint, never "which target answered"), carrying untried endpoints
 * over, targets that moved, reachability lost; observations written and
 * read back (obsfile), monitor's state file, and the metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "obsfile.h"
#include "observe.h"
#include "probe.h"
#include "prom.h"
#include "state.h"

/* A partner probe with SRV targets a and b (priority 10, weight 50). */
static void
partner(struct probe_result *r, const char *domain)
{
	memset(r, 0, sizeof *r);
	r->domain = strdup(domain);
	r->answered = -1;
	r->srv_answered[0] = 1;
	strlist_add(&r->srv[0], "10 50 5269 a.twin.test.");
	strlist_add(&r->srv[0], "10 50 5269 b.twin.test.");
}

/* One attempt at target: reached the features (spki given) or refused. */
static void
attempt(struct probe_result *r, const char *target, const char *spki)
{
	struct probe_attempt *a;

	r->attempts = xreallocarray(r->attempts, r->nattempts + 1,
	    sizeof *r->attempts);
	a = &r->attempts[r->nattempts];
	memset(a, 0, sizeof *a);
	a->target = strdup(target);
	a->port = 5269;
	a->address = strdup("192.0.2.1");
	if (spki == NULL) {
		a->outcome = OUTCOME_FAILED;
		a->failure = F_CONNECT_FAILED;
	} else {
		a->outcome = OUTCOME_OK;
		a->tls = xcalloc(1, sizeof *a->tls);
		a->tls->version = strdup("TLSv1.3");
		a->tls->cipher = strdup("TLS_AES_256_GCM_SHA384");
		a->cert = xcalloc(1, sizeof *a->cert);
		strcpy(a->cert->spki_sha256, spki);
		a->cert->issuer = strdup("CN=CA");
		a->cert->not_after = 1800000000;
		a->cert->chain_not_after = 1800000000;
		a->has_features = 1;
		a->dialback = 1;
		r->reachable = 1;
		r->answered = (long)r->nattempts;
	}
	r->nattempts++;
}

static void
observe_one(struct observations *o, struct probe_result *r)
{
	memset(o, 0, sizeof *o);
	observe_probes(o, r, 1, OBS_PARTNER);
	probe_result_free(r);
}

static size_t
count_id(const struct findings *f, enum finding_id id)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += f->v[i].id == id;
	return n;
}

static void
test_random_target_is_no_change(void **state)
{
	struct probe_result r;
	struct observations o1, o2, keep = { 0 };
	struct changes ch = { 0 };
	struct findings f = { 0 };

	(void)state;
	partner(&r, "twin.test");
	attempt(&r, "a.twin.test", "aa");
	observe_one(&o1, &r);
	partner(&r, "twin.test");
	attempt(&r, "b.twin.test", "aa");
	observe_one(&o2, &r);
	observe_compare(&o1, &o2, &ch, &f);
	assert_int_equal(ch.n, 0);
	assert_int_equal(f.n, 0);
	/* monitor keeps both endpoints for the next run */
	observe_copy(&keep, &o2);
	observe_carry(&keep, &o1);
	assert_int_equal(observe_find(&keep, "twin.test")->nends, 2);
	changes_free(&ch);
	observations_free(&o1);
	observations_free(&o2);

	/* a later run on a: compared with a's facts, kept from run 1 */
	partner(&r, "twin.test");
	attempt(&r, "a.twin.test", "bb");
	observe_one(&o1, &r);
	observe_compare(&keep, &o1, &ch, &f);
	assert_int_equal(ch.n, 1);
	assert_string_equal(ch.v[0].what,
	    "a.twin.test:5269 starttls certificate spki_sha256");
	assert_string_equal(ch.v[0].before.v[0], "aa");
	assert_string_equal(ch.v[0].after.v[0], "bb");
	assert_int_equal(count_id(&f, F_CHANGED), 1);
	changes_free(&ch);
	findings_free(&f);
	observations_free(&o1);
	observations_free(&keep);
}

static void
test_carry_only_published(void **state)
{
	struct probe_result r;
	struct observations o1, o2;

	(void)state;
	partner(&r, "twin.test");
	attempt(&r, "gone.twin.test", "aa");	/* not in the SRV set */
	observe_one(&o1, &r);
	partner(&r, "twin.test");
	attempt(&r, "a.twin.test", "aa");
	observe_one(&o2, &r);
	observe_carry(&o2, &o1);
	assert_int_equal(observe_find(&o2, "twin.test")->nends, 1);
	observations_free(&o1);
	observations_free(&o2);
}

/* The state holds a, c and d (d served "old"); this run tried b and d (d
 * serves "new"): d must keep this run's facts, once. */
static void
test_carry_keeps_this_run(void **state)
{
	struct probe_result r;
	struct observations last, now;
	const struct observation *x;

	(void)state;
	partner(&r, "twin.test");
	strlist_add(&r.srv[0], "10 50 5269 c.twin.test.");
	strlist_add(&r.srv[0], "10 50 5269 d.twin.test.");
	attempt(&r, "a.twin.test", "aa");
	attempt(&r, "c.twin.test", NULL);
	attempt(&r, "d.twin.test", "old");
	observe_one(&last, &r);
	partner(&r, "twin.test");
	strlist_add(&r.srv[0], "10 50 5269 c.twin.test.");
	strlist_add(&r.srv[0], "10 50 5269 d.twin.test.");
	attempt(&r, "b.twin.test", NULL);
	attempt(&r, "d.twin.test", "new");
	observe_one(&now, &r);
	observe_carry(&now, &last);
	x = observe_find(&now, "twin.test");
	assert_int_equal(x->nends, 4);
	for (size_t i = 0; i < x->nends; i++) {
		if (i > 0)
			assert_true(strcmp(x->ends[i - 1].key, x->ends[i].key) <
			    0);
		if (strncmp(x->ends[i].key, "d.", 2) == 0)
			assert_string_equal(x->ends[i].spki, "new");
	}
	observations_free(&last);
	observations_free(&now);
}

static void
test_reachability_lost(void **state)
{
	struct probe_result r;
	struct observations o1, o2;
	struct changes ch = { 0 };
	struct findings f = { 0 };

	(void)state;
	partner(&r, "twin.test");
	attempt(&r, "a.twin.test", "aa");
	observe_one(&o1, &r);
	partner(&r, "twin.test");
	attempt(&r, "a.twin.test", NULL);
	attempt(&r, "b.twin.test", NULL);
	observe_one(&o2, &r);
	observe_compare(&o1, &o2, &ch, &f);
	assert_int_equal(count_id(&f, F_REACHABILITY_LOST), 1);
	assert_int_equal(f.v[0].severity, SEV_ERROR);
	/* and a's outcome moved: said as a change */
	assert_int_equal(count_id(&f, F_CHANGED), 1);
	assert_string_equal(ch.v[0].what, "reachable");
	assert_string_equal(ch.v[1].what, "a.twin.test:5269 starttls outcome");
	assert_string_equal(ch.v[1].after.v[0], "connect-failed");
	changes_free(&ch);
	findings_free(&f);
	/* the other way: back again is a warning, not an error */
	observe_compare(&o2, &o1, &ch, &f);
	assert_int_equal(count_id(&f, F_REACHABILITY_LOST), 0);
	assert_true(count_id(&f, F_CHANGED) >= 1);
	changes_free(&ch);
	findings_free(&f);
	observations_free(&o1);
	observations_free(&o2);
}

static void
test_targets_moved(void **state)
{
	struct probe_result r;
	struct observations o1, o2;
	struct changes ch = { 0 };
	struct findings f = { 0 };

	(void)state;
	partner(&r, "twin.test");
	attempt(&r, "a.twin.test", "aa");
	observe_one(&o1, &r);
	partner(&r, "twin.test");
	strlist_free(&r.srv[0]);
	strlist_add(&r.srv[0], "0 0 5269 new.twin.test.");
	attempt(&r, "new.twin.test", "cc");
	observe_one(&o2, &r);
	observe_compare(&o1, &o2, &ch, &f);
	assert_int_equal(ch.n, 2);
	assert_string_equal(ch.v[0].what, "srv");
	assert_true(ch.v[0].list);
	assert_string_equal(ch.v[1].what, "certificate spki_sha256");
	changes_free(&ch);
	findings_free(&f);
	observations_free(&o1);
	observations_free(&o2);
}

static void
test_presence(void **state)
{
	struct probe_result r;
	struct observations o1, none = { 0 };
	struct changes ch = { 0 };
	struct findings f = { 0 };

	(void)state;
	partner(&r, "twin.test");
	attempt(&r, "a.twin.test", "aa");
	observe_one(&o1, &r);
	observe_compare(&none, &o1, &ch, &f);
	assert_int_equal(ch.n, 1);
	assert_string_equal(ch.v[0].what, "presence");
	assert_string_equal(ch.v[0].after.v[0], "present");
	changes_free(&ch);
	observe_compare(&o1, &o1, &ch, &f);
	assert_int_equal(ch.n, 0);
	findings_free(&f);
	observations_free(&o1);
}

static void
test_obsfile(void **state)
{
	struct probe_result r;
	struct observations o1, back;
	struct changes ch = { 0 };
	struct findings f = { 0 };
	char *text, *why = NULL;

	(void)state;
	partner(&r, "twin.test");
	attempt(&r, "a.twin.test", "aa");
	attempt(&r, "b.twin.test", NULL);
	observe_one(&o1, &r);
	text = obsfile_state_text(&o1);
	assert_non_null(text);
	assert_int_equal(obsfile_parse(text, strlen(text), OBSFILE_STATE,
	    &back, &why), 0);
	observe_compare(&o1, &back, &ch, &f);
	assert_int_equal(ch.n, 0);	/* what is written reads back */
	assert_int_equal(observe_find(&back, "twin.test")->nends, 2);
	observations_free(&back);
	/* not a report: refused as one, taken as a state */
	assert_int_equal(obsfile_parse(text, strlen(text), OBSFILE_REPORT,
	    &back, &why), -1);
	assert_non_null(strstr(why, "not an xmppcut report"));
	free(why);
	why = NULL;
	assert_int_equal(obsfile_parse(text, strlen(text), OBSFILE_ANY,
	    &back, &why), 0);
	observations_free(&back);
	free(text);
	observations_free(&o1);

	/* every wrong shape has its reason */
	{
		static const struct {
			const char *doc, *why;
		} bad[] = {
			{ "", "empty" },
			{ "[1]", "not a JSON object" },
			{ "{\"version\": 2, \"observations\": {}}", "version" },
			{ "{\"version\": 1, \"observations\": 3}", "\"observations\"" },
			{ "{\"version\": 1, \"observations\": {\"x\": 1}}", "not an object" },
			{ "{\"version\": 1, \"observations\": {\"x\": {\"kind\": \"planet\"}}}", "\"kind\"" },
			{ "{\"version\": 1, \"observations\": {\"x\": {\"kind\": \"probe\", \"srv\": [1]}}}", "\"srv\"" },
			{ "{\"version\": 1, \"observations\": {\"x\": {\"kind\": \"probe\", \"reachable\": 1}}}", "\"reachable\"" },
			{ "{\"version\": 1, \"observations\": {\"x\": {\"kind\": \"probe\", \"endpoints\": {\"e\": {\"tls\": 1e308}}}}}", "\"tls\"" },
			{ "{\"version\": 1, \"observations\": {\"x\": {\"kind\": \"probe\", \"endpoints\": {\"e\": {}}}}}", "no \"outcome\"" },
			{ "{\"version\": 1, \"observations\": {\"x\": {\"kind\": \"probe\", \"endpoints\": {\"e\": {\"outcome\": \"ok\", \"certificate\": []}}}}}", "\"certificate\"" },
			{ "{\"command\": \"generate\", \"findings\": []}", "neither" },
			{ "{\"command\": \"probe\", \"findings\": []}", "no observations" },
		};

		for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
			assert_int_equal(obsfile_parse(bad[i].doc,
			    strlen(bad[i].doc), OBSFILE_ANY, &back, &why), -1);
			if (strstr(why, bad[i].why) == NULL)
				fail_msg("%s: \"%s\" does not say %s",
				    bad[i].doc, why, bad[i].why);
			assert_int_equal(back.n, 0);
			free(why);
			why = NULL;
		}
	}
}

static void
test_state(void **state)
{
	char dir[] = "/tmp/xmppcut-unit.XXXXXX", path[64], *why = NULL;
	struct observations o = { 0 }, back;
	struct probe_result r;
	struct state *st, *other;
	int busy;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/state.json", dir);
	st = state_open(path, &busy, &why);
	assert_non_null(st);
	other = state_open(path, &busy, &why);	/* the lock is held */
	assert_null(other);
	assert_true(busy);
	free(why);
	why = NULL;
	assert_int_equal(state_read(st, &back, &why), STATE_MISSING);
	partner(&r, "twin.test");
	attempt(&r, "a.twin.test", "aa");
	observe_one(&o, &r);
	assert_int_equal(state_write(st, &o, &why), 0);
	assert_int_equal(state_read(st, &back, &why), STATE_OK);
	assert_int_equal(back.n, 1);
	observations_free(&back);
	f = fopen(path, "w");
	fputs("{\"version\": 1, \"observ", f);	/* cut short */
	fclose(f);
	assert_int_equal(state_read(st, &back, &why), STATE_BAD);
	assert_non_null(strstr(why, "not JSON"));
	free(why);
	state_close(st);
	observations_free(&o);
	unlink(path);
	snprintf(path, sizeof path, "%s/state.json.lock", dir);
	unlink(path);
	rmdir(dir);
}

static void
test_metrics(void **state)
{
	struct probe_result r[2];
	struct prom_run pr;
	char *m;

	(void)state;
	partner(&r[0], "twin.test");
	attempt(&r[0], "a.twin.test", "aa");
	partner(&r[1], "down.test");
	attempt(&r[1], "a.twin.test", NULL);
	memset(&pr, 0, sizeof pr);
	pr.status = 2;
	pr.errors = 1;
	pr.partners = r;
	pr.npartners = 2;
	m = prom_metrics(&pr);
	assert_non_null(strstr(m, "\nxmppcut_up 1\n"));
	assert_non_null(strstr(m, "\nxmppcut_status 2\n"));
	assert_non_null(strstr(m, "xmppcut_findings{severity=\"errors\"} 1\n"));
	assert_non_null(strstr(m, "xmppcut_reachable{kind=\"partner\",name=\"twin.test\"} 1\n"));
	assert_non_null(strstr(m, "xmppcut_reachable{kind=\"partner\",name=\"down.test\"} 0\n"));
	assert_non_null(strstr(m, "xmppcut_cert_expiry_timestamp_seconds{kind=\"partner\",name=\"twin.test\"} 1800000000\n"));
	assert_null(strstr(m, "xmppcut_cert_expiry_timestamp_seconds{kind=\"partner\",name=\"down.test\"}"));
	free(m);
	/* a run that could not do its job still writes the file: up 0 */
	memset(&pr, 0, sizeof pr);
	pr.status = 3;
	m = prom_metrics(&pr);
	assert_non_null(strstr(m, "\nxmppcut_up 0\n"));
	free(m);
	probe_result_free(&r[0]);
	probe_result_free(&r[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_target_is_no_change),
		cmocka_unit_test(test_carry_only_published),
		cmocka_unit_test(test_carry_keeps_this_run),
		cmocka_unit_test(test_reachability_lost),
		cmocka_unit_test(test_targets_moved),
		cmocka_unit_test(test_presence),
		cmocka_unit_test(test_obsfile),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_metrics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
