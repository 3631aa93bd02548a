#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/proto.h"
#include "uirec.h"
#include "uitext.h"

/* The fields that are u64 numbers (docs/protocol.md). */
static int
is_number(uint8_t tag)
{
	switch (tag) {
	case F_VERSION: case F_CODE: case F_SIZE: case F_CREATED:
	case F_SEQ: case F_COUNT: case F_UNTIL: case F_PWSET:
	case F_LASTLOGIN: case F_CURSOR: case F_LIMIT: case F_FROM:
	case F_TO: case F_TOTAL: case F_SCANNED:
	/* The copy register (issue 7). */
	case F_MADE: case F_INTENT:
		return 1;
	default:
		return 0;
	}
}

/* Text of one field: a number in decimal, or the bytes escaped. */
static char *
field_text(const struct mkfield *f)
{
	size_t cap;
	char *s;

	if (is_number(f->tag) && f->len == 8) {
		if ((s = malloc(24)) != NULL)
			snprintf(s, 24, "%" PRIu64, mk_get_be64(f->p));
		return s;
	}
	/* Escaping at most quadruples the bytes ("\xNN"). */
	cap = (size_t)f->len * 4 + 1;
	if ((s = malloc(cap)) != NULL)
		uitext_safe(f->p, f->len, s, cap);
	return s;
}

int
uirec_from_msg(const struct mkmsg *m, struct uirec *r)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < m->nfields && r->n < UIREC_FIELDS; i++) {
		if (m->f[i].tag == F_DATA || m->f[i].tag == F_PASSWORD)
			continue;
		if ((r->val[r->n] = field_text(&m->f[i])) == NULL) {
			uirec_clear(r);
			return MK_ERR_ALLOC;
		}
		r->tag[r->n++] = m->f[i].tag;
	}
	return 0;
}

const char *
uirec_get(const struct uirec *r, uint8_t tag)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->tag[i] == tag)
			return r->val[i];
	return "";
}

int
uirec_has(const struct uirec *r, uint8_t tag)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->tag[i] == tag)
			return 1;
	return 0;
}

uint64_t
uirec_num(const struct uirec *r, uint8_t tag, uint64_t def)
{
	const char *s;
	char *end;
	uint64_t v;

	if (!is_number(tag) || !uirec_has(r, tag))
		return def;
	s = uirec_get(r, tag);
	v = strtoull(s, &end, 10);
	return (*s == '\0' || *end != '\0') ? def : v;
}

void
uirec_clear(struct uirec *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		if (r->val[i] != NULL)
			mk_wipe(r->val[i], strlen(r->val[i]));
		free(r->val[i]);
	}
	memset(r, 0, sizeof(*r));
}

int
uilist_add(struct uilist *l, const struct mkmsg *m)
{
	struct uirec *nv;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap == 0 ? 32 : l->cap * 2;
		if ((nv = reallocarray(l->v, cap, sizeof(*nv))) == NULL)
			return MK_ERR_ALLOC;
		l->v = nv;
		l->cap = cap;
	}
	if (uirec_from_msg(m, &l->v[l->n]) != 0)
		return MK_ERR_ALLOC;
	l->n++;
	return 0;
}

void
uilist_clear(struct uilist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		uirec_clear(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
