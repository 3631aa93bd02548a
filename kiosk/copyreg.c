#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/text.h"
#include "copyreg.h"

struct copyreg {
	struct copyreg_row	*v;
	size_t			 n, cap;
	uint64_t		 numbered;	/* begin records seen */
	int64_t			 from_us, to_us;
};

struct copyreg *
copyreg_new(int64_t from_us, int64_t to_us)
{
	struct copyreg *r = calloc(1, sizeof(*r));

	if (r != NULL) {
		r->from_us = from_us;
		r->to_us = to_us;
	}
	return r;
}

void
copyreg_free(struct copyreg *r)
{
	if (r == NULL)
		return;
	free(r->v);
	free(r);
}

size_t
copyreg_count(const struct copyreg *r)
{
	return r->n;
}

const struct copyreg_row *
copyreg_row(const struct copyreg *r, size_t i)
{
	return i < r->n ? &r->v[i] : NULL;
}

/* The escaped value of a log string; "" when absent. */
static void
put(char *out, size_t outlen, const struct logstr *s)
{
	if (s == NULL || s->len == 0) {
		out[0] = '\0';
		return;
	}
	/* A value too long for the row is cut, never dropped. */
	if (mktext_escape(s->p, s->len, out, outlen) != 0)
		out[outlen - 1] = '\0';
}

static void
put_field(char *out, size_t outlen, const struct logrec *rec,
    const char *key)
{
	put(out, outlen, logrec_field(rec, key));
}

/* A decimal field, 0 when absent or not a number. */
static uint64_t
num_field(const struct logrec *rec, const char *key)
{
	const struct logstr *s = logrec_field(rec, key);
	uint64_t v = 0;
	size_t i;

	if (s == NULL || s->len == 0 || s->len > 19)
		return 0;
	for (i = 0; i < s->len; i++) {
		if (s->p[i] < '0' || s->p[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(s->p[i] - '0');
	}
	return v;
}

/* "print" for print.begin etc., with the suffix after the dot. */
static const char *
kind_of(const struct logrec *rec, const char **suffix)
{
	static const char *kinds[] = { "print", "copy" };
	size_t i, k;

	for (i = 0; i < 2; i++) {
		k = strlen(kinds[i]);
		if (rec->event.len > k + 1 &&
		    memcmp(rec->event.p, kinds[i], k) == 0 &&
		    rec->event.p[k] == '.') {
			*suffix = (const char *)rec->event.p + k + 1;
			return kinds[i];
		}
	}
	return NULL;
}

static int
suffix_is(const struct logrec *rec, const char *suffix, const char *want)
{
	size_t n = rec->event.len - (size_t)(suffix -
	    (const char *)rec->event.p);

	return n == strlen(want) && memcmp(suffix, want, n) == 0;
}

static int
add_begin(struct copyreg *r, const struct logrec *rec, const char *kind)
{
	struct copyreg_row *row;
	uint64_t copies;

	r->numbered++;
	if (rec->wall_us < r->from_us || rec->wall_us >= r->to_us)
		return 0;
	if (r->n == COPYREG_ROWS_MAX)
		return MK_ERR_TOO_LARGE;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct copyreg_row *v = realloc(r->v, cap * sizeof(*v));

		if (v == NULL)
			return MK_ERR_ALLOC;
		r->v = v;
		r->cap = cap;
	}
	row = &r->v[r->n++];
	memset(row, 0, sizeof(*row));
	row->number = r->numbered;
	row->intent = rec->seq;
	row->when = rec->wall_us / 1000000;
	snprintf(row->kind, sizeof(row->kind), "%s", kind);
	put(row->doc, sizeof(row->doc), &rec->object);
	put(row->person, sizeof(row->person), &rec->actor);
	put_field(row->cls, sizeof(row->cls), rec, "class");
	put_field(row->copy_type, sizeof(row->copy_type), rec, "copy_type");
	put_field(row->approver, sizeof(row->approver), rec, "approver");
	put_field(row->dest, sizeof(row->dest), rec, "dest");
	copies = num_field(rec, "copies");
	row->copies = copies > UINT32_MAX ? UINT32_MAX : (uint32_t)copies;
	snprintf(row->outcome, sizeof(row->outcome), "pending");
	return 0;
}

/* The row of intent seq (rows are in ascending intent order). */
static struct copyreg_row *
find(struct copyreg *r, uint64_t intent)
{
	size_t lo = 0, hi = r->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r->v[mid].intent == intent)
			return &r->v[mid];
		if (r->v[mid].intent < intent)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void
add_outcome(struct copyreg *r, const struct logrec *rec, const char *kind,
    int done)
{
	struct copyreg_row *row;
	uint64_t made;

	if ((row = find(r, num_field(rec, "intent"))) == NULL ||
	    strcmp(row->kind, kind) != 0 ||
	    strcmp(row->outcome, "pending") != 0)
		return;
	/* Only the person who began it can end it: a record by anyone else
	 * naming this intent is not its outcome. */
	if (!logstr_eq(&rec->actor, row->person))
		return;
	snprintf(row->outcome, sizeof(row->outcome), "%s",
	    done ? "done" : "failed");
	made = done ? num_field(rec, "copies") : 0;
	row->made = made > row->copies ? row->copies : (uint32_t)made;
	put_field(row->reason, sizeof(row->reason), rec, "reason");
	put_field(row->job, sizeof(row->job), rec, "job");
	put_field(row->pages, sizeof(row->pages), rec, "pages");
}

int
copyreg_feed(struct copyreg *r, const struct logrec *rec)
{
	const char *kind, *suffix;

	if (rec->kind != LOGREC_EVENT ||
	    (kind = kind_of(rec, &suffix)) == NULL)
		return 0;
	if (suffix_is(rec, suffix, "begin"))
		return add_begin(r, rec, kind);
	if (suffix_is(rec, suffix, "done"))
		add_outcome(r, rec, kind, 1);
	else if (suffix_is(rec, suffix, "failed"))
		add_outcome(r, rec, kind, 0);
	return 0;
}

const char *
copyreg_class_name(const char *token)
{
	if (strcmp(token, "mat") == 0)
		return "Mật";
	if (strcmp(token, "toi-mat") == 0)
		return "Tối mật";
	if (strcmp(token, "tuyet-mat") == 0)
		return "Tuyệt mật";
	return token;
}

int
copyreg_csv_header(char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "number,date,document,class,copy_type,"
	    "copies,made,approver,person,dest,outcome,reason,intent,job,"
	    "pages");

	return n < 0 || (size_t)n >= outlen ? MK_ERR_TOO_LARGE : 0;
}

/* Appends s as one CSV field, quoted when it must be. */
static int
csv_add(char *out, size_t outlen, size_t *at, const char *s, int first)
{
	int quote = strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ';
	const char *p;

	if (*at + strlen(s) * 2 + 4 >= outlen)
		return MK_ERR_TOO_LARGE;
	if (!first)
		out[(*at)++] = ',';
	if (quote)
		out[(*at)++] = '"';
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			out[(*at)++] = '"';
		out[(*at)++] = *p;
	}
	if (quote)
		out[(*at)++] = '"';
	out[*at] = '\0';
	return 0;
}

int
copyreg_csv_line(const struct copyreg_row *row, char *out, size_t outlen)
{
	char num[24], date[32], copies[16], made[16], intent[24];
	const char *f[15];
	struct tm tm;
	time_t t = (time_t)row->when;
	size_t at = 0, i;
	int r;

	snprintf(num, sizeof(num), "%" PRIu64, row->number);
	snprintf(intent, sizeof(intent), "%" PRIu64, row->intent);
	snprintf(copies, sizeof(copies), "%u", row->copies);
	snprintf(made, sizeof(made), "%u", row->made);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(date, sizeof(date), "-");
	f[0] = num; f[1] = date; f[2] = row->doc; f[3] = row->cls;
	f[4] = row->copy_type; f[5] = copies; f[6] = made;
	f[7] = row->approver; f[8] = row->person; f[9] = row->dest;
	f[10] = row->outcome; f[11] = row->reason; f[12] = intent;
	f[13] = row->job; f[14] = row->pages;
	if (outlen == 0)
		return MK_ERR_TOO_LARGE;
	out[0] = '\0';
	for (i = 0; i < 15; i++)
		if ((r = csv_add(out, outlen, &at, f[i], i == 0)) != 0)
			return r;
	return 0;
}
