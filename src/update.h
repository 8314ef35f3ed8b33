/* update.h — RFC 2136 UPDATE through ldns: one zone's message (the
 * typed operations of nsupdate.h, the same the script holds), TSIG-signed
 * when a key is given, sent to a server over TCP, and the server's
 * answer. */
#ifndef XMPPCUT_UPDATE_H
#define XMPPCUT_UPDATE_H

#include "nsupdate.h"

/* Send m to the server at addr (an IP address) and port, signed with the
 * key of a --tsig-key file (NULL: unsigned), within timeout_ms. 0 with
 * *rcode the server's answer (0 NOERROR; dnswire_rcode_name() names the
 * others), or -1 with *cause (free it) when no answer came. */
int update_send(const struct upd_msg *m, const char *addr, unsigned port,
    const char *tsig_file, unsigned timeout_ms, int *rcode, char **cause);

#endif
