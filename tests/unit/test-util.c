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

#include "dname.h"
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

	path = write_tmp("key \"x\" { algorithm hmac-sha256; };\n");
	assert_null(nsupdate_tsig_key(path, &cause));
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	unlink(path);
	free(path);

	path = write_tmp("key \"x\" { secret \"a\"; secret \"b\"; "
	    "algorithm hmac-sha256; };\n");
	assert_null(nsupdate_tsig_key(path, &cause));
	free(cause);
	cause = NULL;
	unlink(path);
	free(path);

	path = write_tmp("key \"x\" { algorithm hmac-sha256; secret \"a b\"; "
	    "};\n");
	assert_null(nsupdate_tsig_key(path, &cause));
	free(cause);
	cause = NULL;
	unlink(path);
	free(path);

	assert_null(nsupdate_tsig_key("/nonexistent", &cause));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_parse_hostport),
		cmocka_unit_test(test_dname),
		cmocka_unit_test(test_tsig_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
