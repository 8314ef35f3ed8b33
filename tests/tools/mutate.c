/* mutate — a JSON document with a few of its values broken, for testing
 * the readers of saved reports and state files (tests/integration/
 * readers.sh). Deterministic: the same SEED gives the same mutant.
 *
 *   mutate SEED <in.json >out.json
 *
 * One to three mutations, each on a node picked at random: a value
 * replaced by one of another type or an extreme one (null, true, 0, -1,
 * 2^63-1, 1e308, "", a 5000-character string, line breaks and U+202E,
 * {}, [], a mixed list), a member deleted, or a stray member added. One
 * mutant in ten is also cut short at a random byte. */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;

static uint64_t
next(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static size_t
pick(size_t n)
{
	return n ? (size_t)(next() % n) : 0;
}

/* Every node but the root, with its parent and its key or index. */
struct node {
	json_t *parent;
	const char *key;
	size_t index;
};

static struct node nodes[100000];
static size_t nnodes;

static void
collect(json_t *v)
{
	const char *key;
	json_t *c;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, c) {
			if (nnodes < sizeof nodes / sizeof *nodes)
				nodes[nnodes++] = (struct node){ v, key, 0 };
			collect(c);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) {
			if (nnodes < sizeof nodes / sizeof *nodes)
				nodes[nnodes++] = (struct node){ v, NULL, i };
			collect(c);
		}
	}
}

static json_t *
odd_value(void)
{
	static char long_text[5001];

	switch (pick(11)) {
	case 0:
		return json_null();
	case 1:
		return json_true();
	case 2:
		return json_integer(0);
	case 3:
		return json_integer(-1);
	case 4:
		return json_integer(INT64_MAX);
	case 5:
		return json_real(1e308);
	case 6:
		return json_string("");
	case 7:
		memset(long_text, 'x', sizeof long_text - 1);
		return json_string(long_text);
	case 8:
		return json_string("line\nXMPPCUT OK - forged\xe2\x80\xae");
	case 9:
		return json_object();
	default:
		return json_pack("[n, i, s, {}]", 1, "x");
	}
}

static void
mutate_one(json_t *root)
{
	struct node n;

	nnodes = 0;
	collect(root);
	if (nnodes == 0)
		return;
	n = nodes[pick(nnodes)];
	switch (pick(4)) {
	case 0:		/* delete */
		if (n.key != NULL)
			json_object_del(n.parent, n.key);
		else
			json_array_remove(n.parent, n.index);
		break;
	case 1:		/* a stray member or element beside it */
		if (n.key != NULL)
			json_object_set_new(n.parent, "stray", odd_value());
		else
			json_array_append_new(n.parent, odd_value());
		break;
	default:	/* replace */
		if (n.key != NULL)
			json_object_set_new(n.parent, n.key, odd_value());
		else
			json_array_set_new(n.parent, n.index, odd_value());
		break;
	}
}

int
main(int argc, char **argv)
{
	json_error_t err;
	json_t *doc;
	char *end, *text;
	size_t len;
	int rounds;

	errno = 0;
	if (argc != 2 || (state = strtoull(argv[1], &end, 10)) == 0 ||
	    *end != '\0' || errno != 0) {
		fputs("usage: mutate SEED (1 or more) <in.json >out.json\n",
		    stderr);
		return 2;
	}
	state = state * 0x9e3779b97f4a7c15ULL + 1;
	if ((doc = json_loadf(stdin, 0, &err)) == NULL) {
		fprintf(stderr, "mutate: %s\n", err.text);
		return 2;
	}
	rounds = 1 + (int)pick(3);
	for (int i = 0; i < rounds; i++)
		mutate_one(doc);
	text = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(doc);
	if (text == NULL)
		return 2;
	len = strlen(text);
	if (pick(10) == 0)
		len = pick(len);	/* cut short */
	fwrite(text, 1, len, stdout);
	free(text);
	return 0;
}
