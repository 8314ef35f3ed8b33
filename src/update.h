/* update.h — RFC 2136 UPDATE through ldns: one zone's message (the
 * typed operations of nsupdate.h, the same the script holds), TSIG-signed
 * when a key is given, sent to a server over TCP, and the server's
 * answer. */
#ifndef XMPPCUT_UPDATE_H
#define XMPPCUT_UPDATE_H

#include "nsupdate.h"

/* A TSIG key ready to sign with. */
struct upd_key;

/* Read a --tsig-key file (nsupdate_tsig_key's formats) and sign a test
 * message with it, so that a key that cannot be used is said before
 * anything is sent. NULL with *cause (free it). */
struct upd_key *update_key_load(const char *path, char **cause);
void update_key_free(struct upd_key *k);

enum upd_outcome {
	UPD_NOT_SENT,		/* nothing left this machine */
	UPD_NO_ANSWER,		/* sent (maybe partly): the server may have
				 * applied it, but no answer that can be
				 * trusted came back */
	UPD_ANSWERED,		/* *rcode holds the server's answer */
};

/* Send m to the server at addr (an IP address) and port, signed with key
 * (NULL: unsigned), within timeout_ms. The answer must be to this request
 * and, when signed, carry a TSIG that verifies. UPD_ANSWERED with *rcode
 * (0 NOERROR; dnswire_rcode_name() names the others), else *cause (free
 * it). */
enum upd_outcome update_send(const struct upd_msg *m, const char *addr,
    unsigned port, const struct upd_key *key, unsigned timeout_ms,
    int *rcode, char **cause);

#endif
