/* finding.c — problems found in what is checked, as data. */
#include "finding.h"

#include <stdlib.h>
#include <string.h>

static void vadd(struct findings *, enum severity, const char *,
    const char *, unsigned, const char *, const char *, va_list)
    PRINTFLIKE(7, 0);

static void
vadd(struct findings *f, enum severity sev, const char *id, const char *file,
    unsigned line, const char *subject, const char *fmt, va_list ap)
{
	struct finding *x;

	grow(&f->v, &f->cap, f->n + 1, sizeof *f->v);
	x = &f->v[f->n++];
	x->id = xstrdup(id);
	x->severity = sev;
	x->subject = subject ? xstrdup(subject) : NULL;
	x->message = xvasprintf(fmt, ap);
	x->file = file ? xstrdup(file) : NULL;
	x->line = line;
}

void
findings_add(struct findings *f, enum severity sev, const char *id,
    const char *subject, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(f, sev, id, NULL, 0, subject, fmt, ap);
	va_end(ap);
}

void
findings_add_at(struct findings *f, enum severity sev, const char *id,
    const char *file, unsigned line, const char *subject, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(f, sev, id, file, line, subject, fmt, ap);
	va_end(ap);
}

void
findings_move(struct findings *dst, struct findings *src)
{
	grow(&dst->v, &dst->cap, dst->n + src->n, sizeof *dst->v);
	if (src->n > 0)
		memcpy(dst->v + dst->n, src->v, src->n * sizeof *src->v);
	dst->n += src->n;
	free(src->v);
	src->v = NULL;
	src->n = src->cap = 0;
}

void
findings_sort(struct findings *f)
{
	/* insertion sort: stable, and lists are short or nearly sorted */
	for (size_t i = 1; i < f->n; i++) {
		struct finding x = f->v[i];
		size_t k = i;

		while (k > 0) {
			const struct finding *y = &f->v[k - 1];
			int c;

			if (y->file == NULL || x.file == NULL)
				c = (y->file == NULL) - (x.file == NULL);
			else if ((c = strcmp(y->file, x.file)) == 0)
				c = y->line > x.line;
			if (c <= 0)
				break;
			f->v[k] = f->v[k - 1];
			k--;
		}
		f->v[k] = x;
	}
}

size_t
findings_count(const struct findings *f, enum severity sev)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].severity == sev)
			n++;
	return n;
}

long
findings_find(const struct findings *f, const char *id)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].id, id) == 0)
			return (long)i;
	return -1;
}

void
findings_free(struct findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].id);
		free(f->v[i].subject);
		free(f->v[i].message);
		free(f->v[i].file);
	}
	free(f->v);
	f->v = NULL;
	f->n = f->cap = 0;
}

const char *
severity_name(enum severity sev)
{
	switch (sev) {
	case SEV_ERROR:
		return "error";
	case SEV_WARNING:
		return "warning";
	default:
		return "info";
	}
}
