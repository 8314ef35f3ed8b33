/* dnswire.c — DNS messages through ldns. */
#include "dnswire.h"

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "dname.h"
#include "log.h"
#include "util.h"

int
dnswire_type(enum rrtype t)
{
	switch (t) {
	case RR_SRV:
		return LDNS_RR_TYPE_SRV;
	case RR_A:
		return LDNS_RR_TYPE_A;
	case RR_AAAA:
		return LDNS_RR_TYPE_AAAA;
	case RR_TLSA:
		return LDNS_RR_TYPE_TLSA;
	case RR_CNAME:
		return LDNS_RR_TYPE_CNAME;
	case RR_NS:
		return LDNS_RR_TYPE_NS;
	case RR_SOA:
		return LDNS_RR_TYPE_SOA;
	}
	return 0;
}

unsigned char *
dnswire_query(const char *name, enum rrtype type, uint16_t id, int rd,
    size_t *len)
{
	char *fq = xasprintf("%s.", name);
	ldns_pkt *pkt = NULL;
	uint8_t *wire = NULL;
	unsigned char *out = NULL;

	if (ldns_pkt_query_new_frm_str(&pkt, fq[0] == '.' ? "." : fq,
	    (ldns_rr_type)dnswire_type(type), LDNS_RR_CLASS_IN,
	    rd ? LDNS_RD : 0) != LDNS_STATUS_OK)
		goto out;
	ldns_pkt_set_id(pkt, id);
	/* EDNS(0): answers up to 1232 bytes over UDP (larger ones come
	 * truncated, and the caller asks again over TCP); DO: a signed
	 * zone's signatures come along, so a server serving it unsigned is
	 * seen */
	ldns_pkt_set_edns_udp_size(pkt, 1232);
	ldns_pkt_set_edns_do(pkt, 1);
	if (ldns_pkt2wire(&wire, pkt, len) != LDNS_STATUS_OK)
		goto out;
	out = xmalloc(*len);
	memcpy(out, wire, *len);
out:
	free(wire);
	ldns_pkt_free(pkt);
	free(fq);
	return out;
}

/* 1 when rr's owner is owner (normalised). */
static int
owner_is(const ldns_rr *rr, const char *owner)
{
	char *o = ldns_rdf2str(ldns_rr_owner(rr));
	char *v = o ? dname_normalize(o) : xstrdup("");
	int is = strcmp(v, owner) == 0;

	free(o);
	free(v);
	return is;
}

/* The records of type at owner in a section, as an rrset (per-record
 * TTLs), or NULL. */
static struct rrset *
records(const ldns_rr_list *sec, enum rrtype type, const char *owner)
{
	struct rrset *s = NULL;

	for (size_t i = 0; i < ldns_rr_list_rr_count(sec); i++) {
		ldns_rr *rr = ldns_rr_list_rr(sec, i);
		struct buf b = { 0 };

		if ((int)ldns_rr_get_type(rr) != dnswire_type(type) ||
		    !owner_is(rr, owner))
			continue;
		for (size_t k = 0; k < ldns_rr_rd_count(rr); k++) {
			char *f = ldns_rdf2str(ldns_rr_rdf(rr, k));

			buf_addf(&b, "%s%s", k ? " " : "", f ? f : "");
			free(f);
		}
		if (s == NULL)
			s = rrset_new(owner, type, NULL, 0);
		if (rrset_add(s, ldns_rr_ttl(rr), b.s ? b.s : "") == -1)
			log_debug("%s %s: cannot read %s", owner,
			    rrtype_name(type), b.s);
		buf_free(&b);
	}
	return s;
}

/* 1 when a section holds an RRSIG over the records of type at owner. */
static int
covered(const ldns_rr_list *sec, enum rrtype type, const char *owner)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(sec); i++) {
		ldns_rr *rr = ldns_rr_list_rr(sec, i);
		const ldns_rdf *c;

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG &&
		    (c = ldns_rr_rrsig_typecovered(rr)) != NULL &&
		    (int)ldns_rdf2rr_type(c) == dnswire_type(type) &&
		    owner_is(rr, owner))
			return 1;
	}
	return 0;
}

int
dnswire_read(const unsigned char *wire, size_t len, enum rrtype type,
    const char *owner, int rrsig, struct dnswire_answer *out)
{
	ldns_pkt *pkt = NULL;
	ldns_rr *q;

	memset(out, 0, sizeof *out);
	if (ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK)
		return -1;
	out->id = ldns_pkt_id(pkt);
	out->rcode = ldns_pkt_get_rcode(pkt);
	out->aa = ldns_pkt_aa(pkt);
	out->tc = ldns_pkt_tc(pkt);
	if ((q = ldns_rr_list_rr(ldns_pkt_question(pkt), 0)) != NULL) {
		char *n = ldns_rdf2str(ldns_rr_owner(q));

		out->qname = n ? dname_normalize(n) : NULL;
		out->qtype = ldns_rr_get_type(q);
		free(n);
	}
	if (owner != NULL) {
		out->rrset = records(ldns_pkt_answer(pkt), type, owner);
		out->rrsig = rrsig && covered(ldns_pkt_answer(pkt), type,
		    owner);
	}
	ldns_pkt_free(pkt);
	return 0;
}

void
dnswire_answer_free(struct dnswire_answer *a)
{
	free(a->qname);
	rrset_free(a->rrset);
	memset(a, 0, sizeof *a);
}

const char *
dnswire_rcode_name(int rcode)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL",
		"NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
		"NXRRSET", "NOTAUTH", "NOTZONE" };

	return rcode >= 0 && rcode < 11 ? names[rcode] : "an error";
}
