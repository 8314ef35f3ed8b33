/* dname.c — domain names as the plan and the records use them. */
#include "dname.h"

#include <ctype.h>
#include <string.h>

#include "util.h"

int
dname_check(const char *name, const char **why)
{
	size_t len = strlen(name), label = 0;
	const char *p;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0) {
		*why = "empty name";
		return -1;
	}
	if (len > 253) {
		*why = "longer than 253 characters";
		return -1;
	}
	for (p = name; p < name + len; p++) {
		if (*p == '.') {
			if (label == 0) {
				*why = "empty label";
				return -1;
			}
			if (p[-1] == '-') {
				*why = "a label ends with a hyphen";
				return -1;
			}
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-') {
			*why = "only letters, digits, hyphens and dots are "
			    "allowed (use the A-label form of IDNs)";
			return -1;
		}
		if (label == 0 && *p == '-') {
			*why = "a label starts with a hyphen";
			return -1;
		}
		if (++label > 63) {
			*why = "a label is longer than 63 characters";
			return -1;
		}
	}
	if (p[-1] == '-') {
		*why = "a label ends with a hyphen";
		return -1;
	}
	return 0;
}

char *
dname_normalize(const char *name)
{
	char *s = str_lower(name);
	size_t len = strlen(s);

	if (len > 0 && s[len - 1] == '.')
		s[len - 1] = '\0';
	return s;
}

int
dname_is_under(const char *name, const char *zone)
{
	size_t n = strlen(name), z = strlen(zone);

	if (z == 0)
		return 1;
	if (n == z)
		return strcmp(name, zone) == 0;
	return n > z && name[n - z - 1] == '.' &&
	    strcmp(name + n - z, zone) == 0;
}

const char *
dname_parent(const char *name)
{
	const char *dot = strchr(name, '.');

	return dot ? dot + 1 : "";
}
