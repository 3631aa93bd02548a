#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/text.h"
#include "crypto/logrec.h"
#include "incident.h"

#define INC_MAGIC	"MATKINCI"
#define INC_VERSION	1
#define INC_FILE_MAX	(INCIDENTS_MAX * 4700u + 64)

struct incidents {
	struct incident	*v;
	size_t		 n;
};

static const char *const level_tokens[] = {
	NULL, "thap", "trung-binh", "cao", "khan-cap" };

int
incident_level_parse(const char *token)
{
	int i;

	for (i = LOG_SEV_THAP; i <= LOG_SEV_KHAN_CAP; i++)
		if (strcmp(token, level_tokens[i]) == 0)
			return i;
	return 0;
}

const char *
incident_level_token(uint8_t level)
{
	return level >= LOG_SEV_THAP && level <= LOG_SEV_KHAN_CAP ?
	    level_tokens[level] : "?";
}

const char *
incident_state_name(uint8_t state)
{
	switch (state) {
	case INC_OPEN:
		return "open";
	case INC_HANDLED:
		return "handled";
	case INC_CLOSED:
		return "closed";
	default:
		return "?";
	}
}

void
incidents_free(struct incidents *r)
{
	if (r == NULL)
		return;
	free(r->v);
	free(r);
}

size_t
incidents_count(const struct incidents *r)
{
	return r->n;
}

const struct incident *
incidents_at(const struct incidents *r, size_t i)
{
	return i < r->n ? &r->v[i] : NULL;
}

const struct incident *
incidents_find(const struct incidents *r, uint32_t id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].id == id)
			return &r->v[i];
	return NULL;
}

size_t
incidents_open_count(const struct incidents *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		n += r->v[i].state != INC_CLOSED;
	return n;
}

static int
text_ok(const char *s, size_t max)
{
	return strlen(s) <= max && mktext_is_clean(s, strlen(s));
}

static int
push(struct incidents *r, const struct incident *inc)
{
	struct incident *nv;

	if (r->n >= INCIDENTS_MAX)
		return MK_ERR_TOO_LARGE;
	if ((nv = realloc(r->v, (r->n + 1) * sizeof(*nv))) == NULL)
		return MK_ERR_ALLOC;
	r->v = nv;
	r->v[r->n++] = *inc;
	return 0;
}

int
incidents_open(struct incidents *r, uint8_t level, const char *source,
    const char *reporter, const char *summary, int64_t now, uint32_t *id)
{
	struct incident inc;

	*id = 0;
	if (level < LOG_SEV_THAP || level > LOG_SEV_KHAN_CAP ||
	    !text_ok(source, sizeof(inc.source) - 1) ||
	    !text_ok(reporter, sizeof(inc.reporter) - 1) ||
	    !text_ok(summary, INCIDENT_SUMMARY_MAX))
		return MK_ERR_ARGUMENT;
	memset(&inc, 0, sizeof(inc));
	inc.id = r->n == 0 ? 1 : r->v[r->n - 1].id + 1;
	inc.level = level;
	inc.state = INC_OPEN;
	inc.opened = inc.updated = now;
	snprintf(inc.source, sizeof(inc.source), "%s", source);
	snprintf(inc.reporter, sizeof(inc.reporter), "%s", reporter);
	snprintf(inc.summary, sizeof(inc.summary), "%s", summary);
	*id = inc.id;
	return push(r, &inc);
}

int
incidents_update(struct incidents *r, uint32_t id, uint8_t state,
    const char *who, const char *note, int64_t now)
{
	struct incident *inc = (struct incident *)incidents_find(r, id);
	size_t len;
	int n;

	if (inc == NULL)
		return MK_ERR_NOT_FOUND;
	if (state < inc->state || state > INC_CLOSED ||
	    !text_ok(note, INCIDENT_SUMMARY_MAX))
		return MK_ERR_ARGUMENT;
	len = strlen(inc->notes);
	n = snprintf(inc->notes + len, sizeof(inc->notes) - len, "%s%s: %s",
	    len > 0 ? " | " : "", who, note);
	if (n < 0 || (size_t)n >= sizeof(inc->notes) - len) {
		inc->notes[len] = '\0';
		return MK_ERR_TOO_LARGE;
	}
	inc->state = state;
	inc->updated = now;
	return 0;
}

static int
parse_one(struct mkrd *rd, struct incident *inc)
{
	uint64_t opened, updated;
	int e;

	memset(inc, 0, sizeof(*inc));
	if ((e = mkrd_u32(rd, &inc->id)) != 0 ||
	    (e = mkrd_u8(rd, &inc->level)) != 0 ||
	    (e = mkrd_u8(rd, &inc->state)) != 0 ||
	    (e = mkrd_u64(rd, &opened)) != 0 ||
	    (e = mkrd_u64(rd, &updated)) != 0 ||
	    (e = mkrd_cstr(rd, inc->source, sizeof(inc->source))) != 0 ||
	    (e = mkrd_cstr(rd, inc->reporter, sizeof(inc->reporter))) != 0 ||
	    (e = mkrd_cstr(rd, inc->summary, sizeof(inc->summary))) != 0 ||
	    (e = mkrd_cstr(rd, inc->notes, sizeof(inc->notes))) != 0)
		return e;
	inc->opened = (int64_t)opened;
	inc->updated = (int64_t)updated;
	if (inc->level < LOG_SEV_THAP || inc->level > LOG_SEV_KHAN_CAP ||
	    inc->state > INC_CLOSED)
		return MK_ERR_FORMAT;
	return 0;
}

int
incidents_load(const char *path, struct incidents **out)
{
	struct incidents *r;
	struct incident inc;
	struct mkbuf *b = NULL;
	const uint8_t *magic;
	struct mkrd rd;
	uint16_t version;
	uint32_t count, i;
	int e;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return MK_ERR_ALLOC;
	if ((e = mkfs_read_file(path, INC_FILE_MAX, &b)) != 0) {
		if (e == MK_ERR_NOT_FOUND) {
			*out = r;
			return 0;
		}
		goto out;
	}
	mkrd_init(&rd, mkbuf_ptr(b), mkbuf_len(b));
	if ((e = mkrd_bytes(&rd, 8, &magic)) != 0 ||
	    (e = mkrd_u16(&rd, &version)) != 0 ||
	    (e = mkrd_u32(&rd, &count)) != 0)
		goto out;
	if (memcmp(magic, INC_MAGIC, 8) != 0 || version != INC_VERSION ||
	    count > INCIDENTS_MAX) {
		e = MK_ERR_FORMAT;
		goto out;
	}
	for (i = 0; i < count; i++)
		if ((e = parse_one(&rd, &inc)) != 0 || (e = push(r, &inc)) != 0)
			goto out;
	e = mkrd_left(&rd) == 0 ? 0 : MK_ERR_TRAILING;
 out:
	mkbuf_free(b);
	if (e == 0)
		*out = r;
	else
		incidents_free(r);
	return e;
}

static int
put_one(struct mkbuf *b, const struct incident *inc)
{
	int e;

	if ((e = mkbuf_put_u32(b, inc->id)) != 0 ||
	    (e = mkbuf_put_u8(b, inc->level)) != 0 ||
	    (e = mkbuf_put_u8(b, inc->state)) != 0 ||
	    (e = mkbuf_put_u64(b, (uint64_t)inc->opened)) != 0 ||
	    (e = mkbuf_put_u64(b, (uint64_t)inc->updated)) != 0 ||
	    (e = mkbuf_put_cstr(b, inc->source)) != 0 ||
	    (e = mkbuf_put_cstr(b, inc->reporter)) != 0 ||
	    (e = mkbuf_put_cstr(b, inc->summary)) != 0)
		return e;
	return mkbuf_put_cstr(b, inc->notes);
}

int
incidents_save(const struct incidents *r, const char *path)
{
	struct mkbuf *b;
	size_t i;
	int e;

	if ((b = mkbuf_new(INC_FILE_MAX)) == NULL)
		return MK_ERR_ALLOC;
	if ((e = mkbuf_put(b, INC_MAGIC, 8)) != 0 ||
	    (e = mkbuf_put_u16(b, INC_VERSION)) != 0 ||
	    (e = mkbuf_put_u32(b, (uint32_t)r->n)) != 0)
		goto out;
	for (i = 0; i < r->n; i++)
		if ((e = put_one(b, &r->v[i])) != 0)
			goto out;
	e = mkfs_atomic_write(path, mkbuf_ptr(b), mkbuf_len(b), 0600);
 out:
	mkbuf_free(b);
	return e;
}
