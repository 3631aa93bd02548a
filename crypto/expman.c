/*
 * Inspection export manifest: format and bounded parser (expman.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "expman.h"

int
expman_path_ok(const char *path)
{
	size_t n = strlen(path), i;
	const char *c;

	if (n == 0 || n >= EXPMAN_PATH_MAX || path[0] == '/')
		return 0;
	for (i = 0; i < n; i++)
		if (path[i] < 0x21 || path[i] > 0x7e)
			return 0;
	for (c = path; c != NULL; c = strchr(c, '/')) {
		if (*c == '/')
			c++;
		if (*c == '/' || *c == '\0' || strncmp(c, "./", 2) == 0 ||
		    strcmp(c, ".") == 0 || strncmp(c, "../", 3) == 0 ||
		    strcmp(c, "..") == 0)
			return 0;
	}
	return 1;
}

int
expman_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= EXPMAN_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

int
expman_add(struct expman *m, const char *path, const uint8_t sha[32],
    uint64_t size)
{
	struct expman_member *nv;

	if (!expman_path_ok(path) || expman_find(m, path) != NULL)
		return MK_ERR_ARGUMENT;
	if (m->n == EXPMAN_MEMBERS_MAX)
		return MK_ERR_TOO_LARGE;
	if ((nv = realloc(m->m, (m->n + 1) * sizeof(*nv))) == NULL)
		return MK_ERR_ALLOC;
	m->m = nv;
	snprintf(nv[m->n].path, sizeof(nv[m->n].path), "%s", path);
	memcpy(nv[m->n].sha, sha, 32);
	nv[m->n].size = size;
	m->n++;
	return 0;
}

int
expman_add_none(struct expman *m, const char *kind)
{
	if (!expman_name_ok(kind))
		return MK_ERR_ARGUMENT;
	if (m->nnone == EXPMAN_NONE_MAX)
		return MK_ERR_TOO_LARGE;
	snprintf(m->none[m->nnone++], EXPMAN_NAME_MAX, "%s", kind);
	return 0;
}

int
expman_format(const struct expman *m, struct mkbuf *out)
{
	char key[65], mac[65], sha[65];
	size_t i;
	int r;

	if (!expman_name_ok(m->device_id) || !expman_name_ok(m->exporter) ||
	    !expman_name_ok(m->approver))
		return MK_ERR_ARGUMENT;
	mk_hex(m->device_key, 32, key);
	mk_hex(m->head_mac, 32, mac);
	if ((r = mkbuf_printf(out, "%s\ndevice-id %s\ndevice-key %s\ncreated %" PRId64
	    "\nexporter %s\napprover %s\nlog-head %" PRIu64 " %s\n",
	    EXPMAN_MAGIC, m->device_id, key, m->created, m->exporter,
	    m->approver, m->head_seq, mac)) != 0)
		return r;
	for (i = 0; i < m->n; i++) {
		mk_hex(m->m[i].sha, 32, sha);
		if ((r = mkbuf_printf(out, "member %s %" PRIu64 " %s\n", sha,
		    m->m[i].size, m->m[i].path)) != 0)
			return r;
	}
	for (i = 0; i < m->nnone; i++)
		if ((r = mkbuf_printf(out, "none %s\n", m->none[i])) != 0)
			return r;
	return 0;
}

static int
parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	*v = strtoull(s, &end, 10);
	return *end == '\0' ? 0 : -1;
}

static int
parse_name(const char *s, char out[EXPMAN_NAME_MAX])
{
	if (!expman_name_ok(s))
		return -1;
	snprintf(out, EXPMAN_NAME_MAX, "%s", s);
	return 0;
}

/* One line (NUL-terminated, no newline). */
static int
parse_line(char *l, struct expman *m)
{
	char *sp = strchr(l, ' '), *a, *b;
	uint8_t sha[32];
	uint64_t v;

	if (sp == NULL)
		return MK_ERR_FORMAT;
	*sp = '\0';
	a = sp + 1;
	if (strcmp(l, "device-id") == 0)
		return parse_name(a, m->device_id) ? MK_ERR_FORMAT : 0;
	if (strcmp(l, "device-key") == 0)
		return strlen(a) != 64 || mk_unhex(a, m->device_key, 32) ?
		    MK_ERR_FORMAT : 0;
	if (strcmp(l, "created") == 0)
		return parse_u64(a, &v) || v > INT64_MAX ? MK_ERR_FORMAT :
		    (m->created = (int64_t)v, 0);
	if (strcmp(l, "exporter") == 0)
		return parse_name(a, m->exporter) ? MK_ERR_FORMAT : 0;
	if (strcmp(l, "approver") == 0)
		return parse_name(a, m->approver) ? MK_ERR_FORMAT : 0;
	if (strcmp(l, "none") == 0)
		return expman_name_ok(a) ? expman_add_none(m, a) :
		    MK_ERR_FORMAT;
	if ((b = strchr(a, ' ')) == NULL)
		return MK_ERR_FORMAT;
	*b++ = '\0';
	if (strcmp(l, "log-head") == 0)
		return parse_u64(a, &m->head_seq) || strlen(b) != 64 ||
		    mk_unhex(b, m->head_mac, 32) ? MK_ERR_FORMAT : 0;
	if (strcmp(l, "member") != 0 || strlen(a) != 64 ||
	    mk_unhex(a, sha, 32) != 0 || (sp = strchr(b, ' ')) == NULL)
		return MK_ERR_FORMAT;
	*sp++ = '\0';
	if (parse_u64(b, &v) != 0 || !expman_path_ok(sp) ||
	    expman_find(m, sp) != NULL)
		return MK_ERR_FORMAT;
	return expman_add(m, sp, sha, v);
}

int
expman_parse(const char *text, size_t len, struct expman *m, size_t *line)
{
	char buf[EXPMAN_PATH_MAX + 200];
	size_t off = 0, n;
	const char *nl;
	int r = 0;

	memset(m, 0, sizeof(*m));
	*line = 0;
	if (len > EXPMAN_MAX)
		return MK_ERR_TOO_LARGE;
	while (off < len && r == 0) {
		(*line)++;
		if ((nl = memchr(text + off, '\n', len - off)) == NULL)
			return (expman_free(m), MK_ERR_FORMAT);
		n = (size_t)(nl - (text + off));
		if (n >= sizeof(buf) || memchr(text + off, '\0', n) != NULL)
			return (expman_free(m), MK_ERR_FORMAT);
		memcpy(buf, text + off, n);
		buf[n] = '\0';
		off += n + 1;
		if (*line == 1)
			r = strcmp(buf, EXPMAN_MAGIC) == 0 ? 0 :
			    strncmp(buf, "matkiosk-inspection-export ", 27) ?
			    MK_ERR_FORMAT : MK_ERR_VERSION;
		else
			r = parse_line(buf, m);
	}
	if (r == 0 && (m->device_id[0] == '\0' || m->exporter[0] == '\0' ||
	    m->approver[0] == '\0' || m->head_seq == 0)) {
		(*line)++;
		r = MK_ERR_FORMAT;
	}
	if (r != 0)
		expman_free(m);
	return r;
}

const struct expman_member *
expman_find(const struct expman *m, const char *path)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->m[i].path, path) == 0)
			return &m->m[i];
	return NULL;
}

void
expman_free(struct expman *m)
{
	free(m->m);
	m->m = NULL;
	m->n = 0;
}
