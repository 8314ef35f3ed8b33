/* finding.c — problems found in what is checked, as data. */
#include "finding.h"

#include <stdlib.h>
#include <string.h>

#define E SEVS_ERROR
#define W SEVS_WARNING
#define I SEVS_INFO

const struct finding_kind finding_kinds[F_COUNT] = {
	[F_PLAN_INVALID] = { "plan-invalid", E, 1,
	    "the plan cannot be used (exit 3)" },
	[F_FILE_UNREADABLE] = { "file-unreadable", E, 1,
	    "a zone, certificate, report or journal file cannot be read, or "
	    "holds no certificate, or (journal) a line that is no entry (exit "
	    "3)" },
	[F_REPORT_INVALID] = { "report-invalid", E, 1,
	    "(diff) a saved report is not JSON or not a report of check, "
	    "probe or monitor (exit 3)" },
	[F_TSIG_KEY_INVALID] = { "tsig-key-invalid", E, 1,
	    "the --tsig-key file cannot be read or is not a TSIG key (exit 3)" },
	[F_ZONE_UNKNOWN] = { "zone-unknown", E, 1,
	    "(generate, apply, init) the zone that holds a name of the plan "
	    "cannot be found "
	    "(no zone key, and neither --server nor the resolver answers its "
	    "SOA); (lint) no name of the plan lies in the zone files given "
	    "(exit 3)" },
	[F_CA_UNREADABLE] = { "ca-unreadable", E, 1,
	    "the --ca bundle cannot be read (exit 3)" },
	[F_RESOLVER_FAILED] = { "resolver-failed", E, 1,
	    "no resolver can be set up (an unreadable trust anchor, a bad "
	    "--resolver or --stub): the tool cannot judge (exit 3)" },
	[F_ZONE_PARSE_ERROR] = { "zone-parse-error", E, 0,
	    "a zone file line does not parse (file, line)" },
	[F_SRV_MISSING] = { "srv-missing", E, 0,
	    "a plan domain has no _xmpp-server._tcp SRV" },
	[F_SRV_TARGET_CNAME] = { "srv-target-cname", E, 0,
	    "an SRV target is an alias (RFC 2782)" },
	[F_SRV_TARGET_NO_ADDRESS] = { "srv-target-no-address", E, 0,
	    "an in-zone SRV target has no A/AAAA" },
	[F_SRV_TARGET_OUT_OF_ZONE] = { "srv-target-out-of-zone", I, 0,
	    "(lint) an SRV target lies outside the zones given: its addresses "
	    "cannot be checked offline" },
	[F_SRV_TARGET_DOT] = { "srv-target-dot", W, 0,
	    "the SRV says \"service not available\" (a sole \".\" target), or "
	    "\".\" stands among other targets" },
	[F_SRV_PORT_UNEXPECTED] = { "srv-port-unexpected", W, 0,
	    "the port differs from the plan (or from 5269/5270 without plan)" },
	[F_SRV_OWNER_MALFORMED] = { "srv-owner-malformed", W, 0,
	    "an SRV record at a misspelt XMPP service owner" },
	[F_SRV_PLAN_MISMATCH] = { "srv-plan-mismatch", E, 0,
	    "SRV targets or ports differ from the plan's stage" },
	[F_ADDRESS_PLAN_MISMATCH] = { "address-plan-mismatch", E, 0,
	    "a gateway's A/AAAA differ from the plan" },
	[F_TTL_INCONSISTENT] = { "ttl-inconsistent", W, 0,
	    "one RRset with different TTLs (RFC 2181 5.2)" },
	[F_TTL_ABOVE_CUTOVER] = { "ttl-above-cutover", W, 0,
	    "in pre, cutover or rollback, a TTL above cutover-ttl" },
	[F_XMPPS_INCONSISTENT] = { "xmpps-inconsistent", W, 0,
	    "_xmpps-server without _xmpp-server: partners without XEP-0368 "
	    "fall back to the domain's A/AAAA (different targets in the two "
	    "are fine: XEP-0368 mixes them)" },
	[F_TLSA_MISMATCH] = { "tlsa-mismatch", E, 0,
	    "no TLSA record matches the plan's certificate" },
	[F_TLSA_MISSING] = { "tlsa-missing", W, 0,
	    "the plan gives a certificate but no TLSA record is published for "
	    "it" },
	[F_DNSSEC_SIGNATURE_INVALID] = { "dnssec-signature-invalid", E, 0,
	    "an RRSIG in a signed zone fails, has expired, is not valid yet, "
	    "or is missing" },
	[F_CERT_NAME_MISMATCH] = { "cert-name-mismatch", E | W | I, 0,
	    "no DNS-ID, SRV-ID or XmppAddr (nor CN when there is none of "
	    "those) matches the domain (info when a DANE-EE record "
	    "authenticated the key)" },
	[F_CERT_EXPIRED] = { "cert-expired", E | W | I, 0,
	    "the certificate, an intermediate or the root has expired (info "
	    "under DANE-EE)" },
	[F_CERT_NOT_YET_VALID] = { "cert-not-yet-valid", E | W | I, 0,
	    "the certificate's validity period has not begun (info under "
	    "DANE-EE)" },
	[F_CERT_EXPIRES_SOON] = { "cert-expires-soon", W | I, 0,
	    "the certificate, an intermediate or the root expires within "
	    "--warn-days (default 21; info under DANE-EE)" },
	[F_CERT_UNTRUSTED] = { "cert-untrusted", E | I, 0,
	    "the chain does not verify against --ca or the system store "
	    "(info when a DANE-TA or DANE-EE record authenticated the peer)" },
	[F_CERT_NO_CLIENT_AUTH] = { "cert-no-client-auth", W, 0,
	    "the EKU lacks clientAuth: partners using SASL EXTERNAL or strict "
	    "dialback reject it" },
	[F_CERT_NO_SERVER_AUTH] = { "cert-no-server-auth", E | W | I, 0,
	    "the certificate's EKU lacks serverAuth: partners refuse it (info "
	    "under DANE)" },
	[F_CERT_CHAIN_ORDER] = { "cert-chain-order", W, 0,
	    "the certificate file starts with a CA certificate: the server's "
	    "own certificate must come first" },
	[F_CERT_WEAK_KEY] = { "cert-weak-key", W, 0,
	    "RSA below 2048 bits, EC below P-256, DSA, or a SHA-1 or MD5 "
	    "signature, in the certificate or an intermediate" },
	[F_CERT_KEY_MISMATCH] = { "cert-key-mismatch", E, 0,
	    "(check --connect) the gateway serves another key than the plan's "
	    "cert: its TLSA records would not match" },
	[F_CONNECT_NOT_PLANNED] = { "connect-not-planned", W, 0,
	    "(check --connect) the address is not a new gateway's in the plan "
	    "(the old gateway's, or none: a typo, an inside address), or the "
	    "port is not one the plan publishes for it: what the plan ties "
	    "to the new gateway was not checked there" },
	[F_DNS_FAILURE] = { "dns-failure", E, 0,
	    "SERVFAIL, a timeout or no answer from the resolver or an "
	    "authoritative server ((apply) a zone's primary cannot be found "
	    "or read: nothing is sent)" },
	[F_DNSSEC_BOGUS] = { "dnssec-bogus", E, 0,
	    "DNSSEC validation failed (the resolver's reason in the message)" },
	[F_DNSSEC_INSECURE] = { "dnssec-insecure", I, 0,
	    "the SRV answer is not signed: DANE cannot apply" },
	[F_TRUST_ANCHOR_MISSING] = { "trust-anchor-missing", W, 0,
	    "no DNSSEC trust anchor (--trust-anchor, or the system's root "
	    "anchor): no answer can be judged secure, DANE cannot apply" },
	[F_SRV_POINTS_OLD] = { "srv-points-old", E, 0,
	    "the live SRV still names an old gateway when new is expected (or "
	    "the reverse)" },
	[F_NS_INCONSISTENT] = { "ns-inconsistent", E, 0,
	    "the zone's authoritative servers do not all serve the same "
	    "records: the change has not reached them all" },
	[F_NS_UNREACHABLE] = { "ns-unreachable", W, 0,
	    "an authoritative server of the zone has no address or does not "
	    "answer: propagation not verified there" },
	[F_NS_LAME] = { "ns-lame", E, 0,
	    "a server named by the zone's NS records answers, but not for the "
	    "zone (REFUSED, SERVFAIL, no authority): resolvers that ask it "
	    "fail or retry" },
	[F_CACHE_STALE] = { "cache-stale", I | E, 0,
	    "the resolver answers from its cache what the zone's servers no "
	    "longer serve: caches may hold it until the time named (an "
	    "error for init: no plan from such records)" },
	[F_CONNECT_FAILED] = { "connect-failed", E, 0,
	    "no address of any target accepted TCP, or no target has an "
	    "address" },
	[F_STARTTLS_MISSING] = { "starttls-missing", E, 0,
	    "the stream offers no STARTTLS" },
	[F_TLS_FAILED] = { "tls-failed", E, 0,
	    "the TLS handshake failed, or STARTTLS was answered with "
	    "<failure/>" },
	[F_TLS_VERSION_OLD] = { "tls-version-old", W, 0,
	    "TLS below 1.2 was negotiated" },
	[F_STREAM_ERROR] = { "stream-error", E, 0,
	    "the peer sent a stream error (condition and text in the "
	    "message)" },
	[F_STREAM_INVALID] = { "stream-invalid", E, 0,
	    "the peer sent something that is not a valid XMPP stream, or "
	    "closed it early" },
	[F_DANE_MISMATCH] = { "dane-mismatch", E, 0,
	    "DNSSEC-secure TLSA records exist and the certificate matches "
	    "none" },
	[F_NO_AUTH_METHOD] = { "no-auth-method", W, 0,
	    "after TLS, neither dialback nor SASL EXTERNAL is offered" },
	[F_TIMEOUT] = { "timeout", E, 0,
	    "a step did not finish within --timeout, or a probe within "
	    "--max-time" },
	[F_CHANGED] = { "changed", W, 0,
	    "(monitor, diff) an observation changed since the last run" },
	[F_REACHABILITY_LOST] = { "reachability-lost", E, 0,
	    "(monitor, diff) reachable before, unreachable now" },
	[F_STATE_RESET] = { "state-reset", W | I, 0,
	    "(monitor) the state file was empty, truncated or corrupt: a fresh "
	    "baseline was written (info: it was missing, on the first run)" },
	[F_STATE_LOCKED] = { "state-locked", E, 1,
	    "(monitor) another run holds the state file's lock (exit 3)" },
	[F_STATE_WRITE_FAILED] = { "state-write-failed", E, 1,
	    "(monitor) the state file, (apply) the journal, cannot be locked, "
	    "read or written (exit 3)" },
	[F_METRICS_WRITE_FAILED] = { "metrics-write-failed", E, 1,
	    "(monitor) the --prom metrics file cannot be written (exit 3)" },
	[F_ZONE_UNEXPECTED_STATE] = { "zone-unexpected-state", E, 0,
	    "(apply) a zone holds neither the stage's records nor what the "
	    "previous stage left: nothing is sent" },
	[F_UPDATE_REFUSED] = { "update-refused", E, 0,
	    "(apply) the server refused or did not answer the UPDATE for a "
	    "zone (rcode in the message), or the zone does not hold the stage "
	    "after it (within --timeout), or it was held back: its SRV would "
	    "name a host whose zone was not updated" },
	[F_TTL_WAIT] = { "ttl-wait", E | W, 0,
	    "(apply) cutover before the replaced records' TTL has passed since "
	    "pre, or while a name server does not serve pre yet (a warning "
	    "with --force, or without a journal entry)" },
	[F_TOOL_FAILED] = { "tool-failed", E, 1,
	    "the tool ran out of a local resource (memory, descriptors) and "
	    "could not judge (exit 3)" },
	[F_PLAN_INEXPRESSIBLE] = { "plan-inexpressible", E, 0,
	    "(init) today's records cannot be written as one plan whose stage "
	    "pre republishes them as they are (a \".\" target, a host with "
	    "two ports, priorities or weights, a host only in _xmpps-server, "
	    "an aliased SRV owner, domains that name different gateways): no "
	    "plan is printed" },
};

#undef E
#undef W
#undef I

const char *
finding_name(enum finding_id id)
{
	return (unsigned)id < F_COUNT ? finding_kinds[id].name : "unknown";
}

int
finding_lookup(const char *name)
{
	for (int i = 0; i < F_COUNT; i++)
		if (strcmp(finding_kinds[i].name, name) == 0)
			return i;
	return -1;
}

static void vadd(struct findings *, enum severity, enum finding_id,
    const char *, unsigned, const char *, const char *, va_list)
    PRINTFLIKE(7, 0);

static void
vadd(struct findings *f, enum severity sev, enum finding_id id,
    const char *file,
    unsigned line, const char *subject, const char *fmt, va_list ap)
{
	struct finding *x;

	grow(&f->v, &f->cap, f->n + 1, sizeof *f->v);
	x = &f->v[f->n++];
	x->id = id;
	x->severity = sev;
	x->subject = subject ? xstrdup(subject) : NULL;
	x->message = xvasprintf(fmt, ap);
	x->file = file ? xstrdup(file) : NULL;
	x->line = line;
}

void
findings_add(struct findings *f, enum severity sev, enum finding_id id,
    const char *subject, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(f, sev, id, NULL, 0, subject, fmt, ap);
	va_end(ap);
}

void
findings_add_at(struct findings *f, enum severity sev,
    enum finding_id id, const char *file, unsigned line, const char *subject, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(f, sev, id, file, line, subject, fmt, ap);
	va_end(ap);
}

void
findings_move(struct findings *dst, struct findings *src)
{
	grow(&dst->v, &dst->cap, dst->n + src->n, sizeof *dst->v);
	if (src->n > 0)
		memcpy(dst->v + dst->n, src->v, src->n * sizeof *src->v);
	dst->n += src->n;
	free(src->v);
	src->v = NULL;
	src->n = src->cap = 0;
}

void
findings_prefix(struct findings *f, const char *prefix)
{
	for (size_t i = 0; i < f->n; i++) {
		char *m = xasprintf("%s: %s", prefix, f->v[i].message);

		free(f->v[i].message);
		f->v[i].message = m;
	}
}

void
findings_sort(struct findings *f)
{
	/* insertion sort: stable, and lists are short or nearly sorted */
	for (size_t i = 1; i < f->n; i++) {
		struct finding x = f->v[i];
		size_t k = i;

		while (k > 0) {
			const struct finding *y = &f->v[k - 1];
			int c;

			if (y->file == NULL || x.file == NULL)
				c = (y->file == NULL) - (x.file == NULL);
			else if ((c = strcmp(y->file, x.file)) == 0)
				c = y->line > x.line;
			if (c <= 0)
				break;
			f->v[k] = f->v[k - 1];
			k--;
		}
		f->v[k] = x;
	}
}

size_t
findings_count(const struct findings *f, enum severity sev)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].severity == sev)
			n++;
	return n;
}

long
findings_find(const struct findings *f, enum finding_id id)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].id == id)
			return (long)i;
	return -1;
}

void
findings_free(struct findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].subject);
		free(f->v[i].message);
		free(f->v[i].file);
	}
	free(f->v);
	f->v = NULL;
	f->n = f->cap = 0;
}

const char *
severity_name(enum severity sev)
{
	switch (sev) {
	case SEV_ERROR:
		return "error";
	case SEV_WARNING:
		return "warning";
	default:
		return "info";
	}
}
