/* dnswire.h — DNS messages through ldns: the question a query asks, and
 * the records of one type at one owner in an answer. Shared by the
 * resolver (libunbound's answer packets) and nsquery (a server asked
 * directly); no DNS wire code of our own. */
#ifndef XMPPCUT_DNSWIRE_H
#define XMPPCUT_DNSWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "rrset.h"

/* The RR type number of t. */
int dnswire_type(enum rrtype t);

/* A query for name/type (class IN) with this id, recursion desired or
 * not, EDNS(0) with a 1232-byte UDP size, in wire format: newly
 * allocated, *len set; NULL when name is not a domain name. */
unsigned char *dnswire_query(const char *name, enum rrtype type,
    uint16_t id, int rd, size_t *len);

/* What an answer message says. */
struct dnswire_answer {
	uint16_t id;
	int rcode;		/* LDNS_RCODE_* */
	int aa, tc;		/* authoritative, truncated */
	char *qname;		/* the question's name, normalised, or NULL */
	int qtype;
	struct rrset *rrset;	/* records of the type at the owner */
	int rrsig;		/* an RRSIG covering them came along */
};

/* Read an answer message: 0, or -1 when it is not one. With owner
 * non-NULL, the records of type at owner go to out->rrset (NULL when
 * none), with their own TTLs, and with rrsig, out->rrsig says whether an
 * RRSIG covering them came along (asked with DO: nsquery). Free with
 * dnswire_answer_free(). */
int dnswire_read(const unsigned char *wire, size_t len, enum rrtype type,
    const char *owner, int rrsig, struct dnswire_answer *out);
void dnswire_answer_free(struct dnswire_answer *a);

/* "REFUSED", "SERVFAIL", ...: static. */
const char *dnswire_rcode_name(int rcode);

#endif
