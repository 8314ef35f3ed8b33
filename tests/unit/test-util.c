/* Unit tests of the small helpers: bounded numbers, host:port, domain
 * names, TSIG key files, stage records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cert.h"
#include "dname.h"
#include "rrset.h"
#include "nsupdate.h"
#include "util.h"

static void
test_parse_uint(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_uint("5269", 1, 65535, &v), 0);
	assert_int_equal(v, 5269);
	assert_int_equal(parse_uint("0", 1, 65535, &v), -1);
	assert_int_equal(parse_uint("65536", 1, 65535, &v), -1);
	assert_int_equal(parse_uint("-1", 0, 65535, &v), -1);
	assert_int_equal(parse_uint("+1", 0, 65535, &v), -1);
	assert_int_equal(parse_uint(" 1", 0, 65535, &v), -1);
	assert_int_equal(parse_uint("1 ", 0, 65535, &v), -1);
	assert_int_equal(parse_uint("", 0, 65535, &v), -1);
	assert_int_equal(parse_uint("99999999999999999999999", 0,
	    UINT64_MAX, &v), -1);
	assert_int_equal(parse_uint("2147483647", 0, 2147483647, &v), 0);
}

static void
test_parse_hostport(void **state)
{
	char *h = NULL;
	unsigned port = 53;

	(void)state;
	assert_int_equal(parse_hostport("127.0.0.1@5353", '@', &h, &port), 0);
	assert_string_equal(h, "127.0.0.1");
	assert_int_equal(port, 5353);
	free(h);
	port = 53;
	assert_int_equal(parse_hostport("::1", '@', &h, &port), 0);
	assert_string_equal(h, "::1");
	assert_int_equal(port, 53);
	free(h);
	assert_int_equal(parse_hostport("::1@853", '@', &h, &port), 0);
	assert_int_equal(port, 853);
	free(h);
	port = 5269;
	assert_int_equal(parse_hostport("192.0.2.1:5270", ':', &h, &port), 0);
	assert_string_equal(h, "192.0.2.1");
	assert_int_equal(port, 5270);
	free(h);
	port = 5269;
	assert_int_equal(parse_hostport("2001:db8::1", ':', &h, &port), 0);
	assert_string_equal(h, "2001:db8::1");
	assert_int_equal(port, 5269);
	free(h);
	assert_int_equal(parse_hostport("[2001:db8::1]:5270", ':', &h, &port),
	    0);
	assert_string_equal(h, "2001:db8::1");
	assert_int_equal(port, 5270);
	free(h);
	assert_int_equal(parse_hostport("[2001:db8::1", ':', &h, &port), -1);
	assert_int_equal(parse_hostport("[2001:db8::1]x", ':', &h, &port), -1);
	assert_int_equal(parse_hostport("host@0", '@', &h, &port), -1);
	assert_int_equal(parse_hostport("host@x", '@', &h, &port), -1);
	assert_int_equal(parse_hostport("@53", '@', &h, &port), -1);
	/* and back: what parse_hostport reads */
	h = hostport("2001:db8::1", 5270);
	assert_string_equal(h, "[2001:db8::1]:5270");
	free(h);
	h = hostport("new.example.test", 5269);
	assert_string_equal(h, "new.example.test:5269");
	free(h);
}

static void
test_dname(void **state)
{
	const char *why;
	char *n;
	char long_label[70];

	(void)state;
	assert_int_equal(dname_check("example.com", &why), 0);
	assert_int_equal(dname_check("example.com.", &why), 0);
	assert_int_equal(dname_check("xn--bcher-kva.example", &why), 0);
	assert_int_equal(dname_check("", &why), -1);
	assert_int_equal(dname_check(".", &why), -1);
	assert_int_equal(dname_check("a..b", &why), -1);
	assert_int_equal(dname_check("-a.b", &why), -1);
	assert_int_equal(dname_check("a-.b", &why), -1);
	assert_int_equal(dname_check("a_b.c", &why), -1);
	assert_int_equal(dname_check("a b", &why), -1);
	memset(long_label, 'a', 64);
	strcpy(long_label + 64, ".com");
	assert_int_equal(dname_check(long_label, &why), -1);
	n = dname_normalize("Edge.Example.COM.");
	assert_string_equal(n, "edge.example.com");
	free(n);
	assert_true(dname_is_under("a.example.com", "example.com"));
	assert_true(dname_is_under("example.com", "example.com"));
	assert_false(dname_is_under("aexample.com", "example.com"));
	assert_false(dname_is_under("com", "example.com"));
	assert_string_equal(dname_parent("edge.example.com"), "example.com");
	assert_string_equal(dname_parent("com"), "");
}

static char *
write_tmp(const char *text)
{
	char *path = xstrdup("/tmp/xmppcut-key.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void
test_tsig_key(void **state)
{
	char *path, *key, *cause = NULL;

	(void)state;
	path = write_tmp("# made by tsig-keygen\nkey \"upd.example.\" {\n"
	    "\talgorithm hmac-sha256;\n\tsecret \"c2VjcmV0c2VjcmV0\";\n};\n");
	key = nsupdate_tsig_key(path, &cause);
	assert_non_null(key);
	assert_string_equal(key, "hmac-sha256:upd.example. c2VjcmV0c2VjcmV0");
	free(key);
	unlink(path);
	free(path);

	path = write_tmp("hmac-sha512:k1:c2VjcmV0\n");
	key = nsupdate_tsig_key(path, &cause);
	assert_non_null(key);
	assert_string_equal(key, "hmac-sha512:k1 c2VjcmV0");
	free(key);
	unlink(path);
	free(path);

	/* no secret, two secrets, a secret that is two words; what nsupdate
	 * -k refuses too: two keys, no ';' after the '}', ddns-confgen's
	 * whole output, text after a one-line key */
	{
		static const char *const refused[] = {
		    "key \"x\" { algorithm hmac-sha256; };\n",
		    "key \"x\" { secret \"a\"; secret \"b\"; "
		    "algorithm hmac-sha256; };\n",
		    "key \"x\" { algorithm hmac-sha256; secret \"a b\"; };\n",
		    "key \"a\" { algorithm hmac-sha256; secret \"YQ==\"; };\n"
		    "key \"b\" { algorithm hmac-sha256; secret \"Yg==\"; };\n",
		    "key \"a\" { algorithm hmac-sha256; secret \"YQ==\"; }\n",
		    "# from ddns-confgen\nkey \"a\" { algorithm hmac-sha256; "
		    "secret \"YQ==\"; };\nupdate-policy {\n\tgrant a name "
		    "gw.example.com ANY;\n};\nnsupdate -k <keyfile>\n",
		    "hmac-sha256:a:YQ== b\n",
		    "key \"x\" { algorithm hmac-sha256; secret \"YQ==\"; };\n"
		    ";\n",
		};

		for (size_t i = 0; i < sizeof refused / sizeof *refused;
		    i++) {
			path = write_tmp(refused[i]);
			assert_null(nsupdate_tsig_key(path, &cause));
			assert_non_null(cause);
			free(cause);
			cause = NULL;
			unlink(path);
			free(path);
		}
	}
	/* a key followed by comments only is one key */
	path = write_tmp("key \"a\" { algorithm hmac-sha256; secret "
	    "\"YQ==\"; };\n# the end\n");
	key = nsupdate_tsig_key(path, &cause);
	assert_non_null(key);
	free(key);
	unlink(path);
	free(path);

	assert_null(nsupdate_tsig_key("/nonexistent", &cause));
	free(cause);
}

static void
test_dns_id(void **state)
{
	(void)state;
	assert_true(cert_dns_id_matches("example.com", "example.com"));
	assert_true(cert_dns_id_matches("Example.COM", "example.com"));
	assert_true(cert_dns_id_matches("*.example.com", "chat.example.com"));
	assert_false(cert_dns_id_matches("*.example.com", "example.com"));
	assert_false(cert_dns_id_matches("*.example.com", "a.b.example.com"));
	assert_false(cert_dns_id_matches("*.com", "example.com"));
	assert_false(cert_dns_id_matches("f*.example.com", "foo.example.com"));
	assert_false(cert_dns_id_matches("a.*.example.com", "a.b.example.com"));
	assert_false(cert_dns_id_matches("edge.example.com", "example.com"));
}

static void
test_rrset(void **state)
{
	struct rrset *s = rrset_new("_xmpp-server._tcp.Example.COM.", RR_SRV,
	    "f.zone", 3);

	(void)state;
	assert_string_equal(s->owner, "_xmpp-server._tcp.example.com");
	assert_int_equal(rrset_add(s, 300, "10 50 5269 Edge.Example.COM."), 0);
	assert_int_equal(rrset_add(s, 300, "10 50 5269 edge.example.com"), 0);
	assert_int_equal(s->n, 1);	/* the same value once */
	assert_false(s->ttl_mixed);
	assert_int_equal(rrset_add(s, 600, "20 0 5270 other.example.com."), 0);
	assert_true(s->ttl_mixed);
	assert_string_equal(s->rdata[0], "10 50 5269 edge.example.com.");
	assert_int_equal(s->srv[1].port, 5270);
	assert_int_equal(rrset_add(s, 300, "0 0 0 ."), 0);
	assert_string_equal(s->srv[2].target, "");
	assert_int_equal(rrset_add(s, 300, "1 2 65536 x."), -1);
	assert_int_equal(rrset_add(s, 300, "1 2 x."), -1);
	assert_int_equal(rrset_add(s, 300, "1 2 3 a b"), -1);
	rrset_free(s);

	s = rrset_new("h", RR_AAAA, NULL, 0);
	assert_int_equal(rrset_add(s, 1, "2001:DB8:0:0::10"), 0);
	assert_string_equal(s->rdata[0], "2001:db8::10");
	assert_int_equal(rrset_add(s, 1, "192.0.2.1"), -1);
	rrset_free(s);

	s = rrset_new("_5269._tcp.h", RR_TLSA, NULL, 0);
	assert_int_equal(rrset_add(s, 1, "3 1 1 AB CD ef"), 0);
	assert_string_equal(s->rdata[0], "3 1 1 abcdef");
	assert_int_equal(rrset_add(s, 1, "3 1 1 XY"), -1);
	rrset_free(s);

	{
		unsigned char d[4];
		unsigned u, sl, m;

		assert_int_equal(tlsa_parse("3 1 1 abcd", &u, &sl, &m, d, 4), 2);
		assert_int_equal(u, 3);
		assert_int_equal(d[0], 0xab);
		assert_int_equal(d[1], 0xcd);
		assert_int_equal(tlsa_parse("3 1 1 abc", &u, &sl, &m, d, 4), -1);
		assert_int_equal(tlsa_parse("3 1 1 zz", &u, &sl, &m, d, 4), -1);
		assert_int_equal(tlsa_parse("3 1 1 0102030405", &u, &sl, &m, d,
		    4), -1);
		assert_int_equal(tlsa_parse("x", &u, &sl, &m, d, 4), -1);
	}

	s = rrset_new("alias", RR_CNAME, NULL, 0);
	assert_int_equal(rrset_add(s, 1, "Edge.Example.com."), 0);
	assert_string_equal(s->target, "edge.example.com");
	rrset_free(s);
}

static void
test_parse_time(void **state)
{
	time_t t;

	(void)state;
	assert_int_equal(parse_time("2026-11-24", &t), 0);
	assert_int_equal(t, 1795478400);
	assert_int_equal(parse_time("2026-11-24T01:02:03Z", &t), 0);
	assert_int_equal(t, 1795478400 + 3723);
	assert_int_equal(parse_time("20261124010203", &t), 0);
	assert_int_equal(t, 1795478400 + 3723);
	assert_int_equal(parse_time("@86400", &t), 0);
	assert_int_equal(t, 86400);
	assert_int_equal(parse_time("yesterday", &t), -1);
	assert_int_equal(parse_time("2026-11-24x", &t), -1);
	assert_int_equal(parse_time("@-5", &t), -1);
}

static void
test_str_escape(void **state)
{
	static const char *const cases[][2] = {
		{ "", "" },
		{ "plain text, 100 ms", "plain text, 100 ms" },
		{ "a\nb\rc\td", "a\\nb\\rc\\td" },
		{ "\x01x\x1fy\x7f", "\\x01x\\x1fy\\x7f" },
		{ "bad \xff byte", "bad \\xff byte" },
		{ "cut \xe2\x80", "cut \\xe2\\x80" },
		{ "\xc2\x85" "C1", "\\u{0085}C1" },
		{ "x\xe2\x80\xae" "fdp.exe", "x\\u{202E}fdp.exe" },
		{ "caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80" },
		{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *e = str_escape(cases[i][0]);

		assert_string_equal(e, cases[i][1]);
		free(e);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_parse_hostport),
		cmocka_unit_test(test_dname),
		cmocka_unit_test(test_tsig_key),
		cmocka_unit_test(test_dns_id),
		cmocka_unit_test(test_rrset),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_str_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
