/* Unit tests of the XMPP stream parser: real features, every way a peer
 * can go wrong, and bytes fed one at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"
#include "xmpp.h"

#define HDR "<?xml version='1.0'?><stream:stream xmlns='jabber:server' " \
	"xmlns:stream='http://etherx.jabber.org/streams' from='example.test' " \
	"id='x' version='1.0'>"
#define TLS "urn:ietf:params:xml:ns:xmpp-tls"

static enum xmpp_state
feed(struct xmpp *x, const char *s)
{
	return xmpp_feed(x, s, strlen(s));
}

static void
test_features(void **state)
{
	struct xmpp *x = xmpp_new();
	const struct xmpp_features *f;

	(void)state;
	assert_int_equal(feed(x, HDR), XMPP_OPENED);
	assert_string_equal(xmpp_stream_from(x), "example.test");
	assert_string_equal(xmpp_stream_version(x), "1.0");
	assert_int_equal(feed(x, "<stream:features><starttls xmlns='" TLS
	    "'><required/></starttls><dialback xmlns='urn:xmpp:features:"
	    "dialback'/></stream:features>"), XMPP_FEATURES);
	f = xmpp_features(x);
	assert_true(f->starttls);
	assert_true(f->starttls_required);
	assert_true(f->dialback);
	assert_int_equal(feed(x, "<proceed xmlns='" TLS "'/>"), XMPP_PROCEED);
	xmpp_restart(x);
	assert_int_equal(xmpp_state(x), XMPP_WAITING);
	assert_int_equal(feed(x, HDR "<stream:features><mechanisms xmlns="
	    "'urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>EXTERNAL"
	    "</mechanism></mechanisms></stream:features>"), XMPP_FEATURES);
	f = xmpp_features(x);
	assert_false(f->starttls);
	assert_int_equal(f->nmechanisms, 1);
	assert_string_equal(f->mechanisms[0], "EXTERNAL");
	assert_int_equal(feed(x, "</stream:stream>"), XMPP_CLOSED);
	xmpp_free(x);
}

static void
test_no_prefix_and_bytewise(void **state)
{
	const char *s = "<stream xmlns='http://etherx.jabber.org/streams'>"
	    "<features><starttls xmlns='" TLS "'/></features>";
	struct xmpp *x = xmpp_new();
	enum xmpp_state st = XMPP_WAITING;

	(void)state;
	for (size_t i = 0; s[i] != '\0'; i++)
		st = xmpp_feed(x, s + i, 1);
	assert_int_equal(st, XMPP_FEATURES);
	assert_true(xmpp_features(x)->starttls);
	xmpp_free(x);
}

static void
check_invalid(const char *data, const char *why)
{
	struct xmpp *x = xmpp_new();

	assert_int_equal(feed(x, data), XMPP_INVALID);
	if (strstr(xmpp_why(x), why) == NULL)
		fail_msg("'%s' does not say '%s'", xmpp_why(x), why);
	xmpp_free(x);
}

static void
test_invalid(void **state)
{
	struct buf b = { 0 };

	(void)state;
	check_invalid("HTTP/1.1 400 Bad Request\r\n\r\n", "not XML");
	check_invalid("<html><body/></html>", "<html>");
	check_invalid("<!DOCTYPE lol [<!ENTITY a 'aaaa'>]><stream:stream/>",
	    "DTD");
	check_invalid(HDR "<!-- hi -->", "comment");
	check_invalid(HDR "<?php x?>", "processing instruction");
	buf_add(&b, HDR);
	for (int i = 0; i < 20; i++)
		buf_add(&b, "<a>");
	check_invalid(b.s, "deeper");
	buf_free(&b);
	buf_add(&b, HDR "<stream:features>");
	while (b.len < XMPP_MAX_STREAM_BYTES + 10)
		buf_add(&b, "<dialback xmlns='urn:xmpp:features:dialback'/>");
	check_invalid(b.s, "bytes");
	buf_free(&b);
	buf_add(&b, HDR "<x");
	for (int i = 0; i < 40; i++)
		buf_addf(&b, " a%d='1'", i);
	buf_add(&b, "/>");
	check_invalid(b.s, "attributes");
	buf_free(&b);
}

static void
test_stream_error(void **state)
{
	struct xmpp *x = xmpp_new();

	(void)state;
	assert_int_equal(feed(x, HDR "<stream:error><host-unknown xmlns="
	    "'urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:"
	    "params:xml:ns:xmpp-streams'>no</text></stream:error>"),
	    XMPP_STREAM_ERROR);
	assert_string_equal(xmpp_why(x), "host-unknown");
	/* nothing after a stream error changes it */
	assert_int_equal(feed(x, "garbage"), XMPP_STREAM_ERROR);
	xmpp_free(x);

	x = xmpp_new();
	assert_int_equal(feed(x, HDR "<failure xmlns='" TLS "'/>"),
	    XMPP_FAILURE);
	xmpp_free(x);
}

static void
test_open(void **state)
{
	char *s = xmpp_stream_open("example.test", "from.test");

	(void)state;
	assert_non_null(strstr(s, "to='example.test' from='from.test'"));
	free(s);
	s = xmpp_stream_open("example.test", NULL);
	assert_null(strstr(s, "from="));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_no_prefix_and_bytewise),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_stream_error),
		cmocka_unit_test(test_open),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
