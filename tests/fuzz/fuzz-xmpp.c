/* Fuzz the XMPP stream parser the way a peer feeds it: in chunks whose
 * sizes the input chooses, restarting after <proceed/> as a probe does. */
#include <string.h>

#include "fuzz.h"
#include "xmpp.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xmpp *x;
	size_t off = 1, chunk;

	if (size < 1 || size > 128 * 1024)
		return 0;
	chunk = (size_t)data[0] % 64 + 1;
	x = xmpp_new();
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		enum xmpp_state s = xmpp_feed(x, (const char *)data + off, n);

		if (s == XMPP_PROCEED)
			xmpp_restart(x);
		else if (s == XMPP_FEATURES || s == XMPP_STREAM_ERROR) {
			(void)xmpp_features(x)->nmechanisms;
			(void)strlen(xmpp_why(x));
		}
		off += n;
	}
	xmpp_free(x);
	return 0;
}
