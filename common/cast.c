#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cast.h"
#include "err.h"
#include "text.h"

static int
put_u(struct mkbuf *out, unsigned v)
{
	char e[8];

	snprintf(e, sizeof(e), "\\u%04x", v & 0xffff);
	return mkbuf_put(out, e, 6);
}

/* A JSON string of n bytes, quotes included. */
static int
put_string(struct mkbuf *out, const uint8_t *p, size_t n)
{
	size_t i = 0, len;
	uint32_t cp;
	int r;

	if ((r = mkbuf_put(out, "\"", 1)) != 0)
		return r;
	while (i < n) {
		if ((len = mktext_utf8_len(p + i, n - i, &cp)) == 0) {
			r = put_u(out, 0xdc00 | p[i]);
			len = 1;
		} else if (cp == '"')
			r = mkbuf_put(out, "\\\"", 2);
		else if (cp == '\\')
			r = mkbuf_put(out, "\\\\", 2);
		else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			r = put_u(out, cp);
		else
			r = mkbuf_put(out, p + i, len);
		if (r != 0)
			return r;
		i += len;
	}
	return mkbuf_put(out, "\"", 1);
}

int
cast_put_header(struct mkbuf *out, unsigned cols, unsigned rows,
    int64_t timestamp, const char *title)
{
	char head[128];
	int n, r;

	n = snprintf(head, sizeof(head), "{\"version\": 2, \"width\": %u, "
	    "\"height\": %u, \"timestamp\": %" PRId64 ", \"title\": ", cols,
	    rows, timestamp);
	if (n < 0 || (size_t)n >= sizeof(head))
		return MK_ERR_TOO_LARGE;
	if ((r = mkbuf_put(out, head, (size_t)n)) != 0 ||
	    (r = put_string(out, (const uint8_t *)title, strlen(title))) != 0)
		return r;
	return mkbuf_put(out, "}\n", 2);
}

int
cast_put_event(struct mkbuf *out, uint64_t t_us, char type, const void *data,
    size_t len)
{
	char head[64];
	int n, r;

	n = snprintf(head, sizeof(head), "[%" PRIu64 ".%06" PRIu64 ", \"%c\", ",
	    t_us / 1000000, t_us % 1000000, type);
	if (n < 0 || (size_t)n >= sizeof(head))
		return MK_ERR_TOO_LARGE;
	if ((r = mkbuf_put(out, head, (size_t)n)) != 0 ||
	    (r = put_string(out, data, len)) != 0)
		return r;
	return mkbuf_put(out, "]\n", 2);
}

/* ---- parsing ---- */

struct cur {
	const char	*p;
	size_t		 n, i;
};

static void
skip_ws(struct cur *c)
{
	while (c->i < c->n && (c->p[c->i] == ' ' || c->p[c->i] == '\t'))
		c->i++;
}

static int
expect(struct cur *c, char ch)
{
	skip_ws(c);
	if (c->i >= c->n || c->p[c->i] != ch)
		return MK_ERR_FORMAT;
	c->i++;
	return 0;
}

/* Seconds with up to 6 decimals (more are cut), into microseconds. */
static int
parse_time(struct cur *c, uint64_t *t_us)
{
	uint64_t s = 0, frac = 0, scale = 100000;
	size_t start;

	skip_ws(c);
	start = c->i;
	while (c->i < c->n && c->p[c->i] >= '0' && c->p[c->i] <= '9') {
		if (s > UINT64_MAX / 10000000)
			return MK_ERR_FORMAT;
		s = s * 10 + (uint64_t)(c->p[c->i++] - '0');
	}
	if (c->i == start)
		return MK_ERR_FORMAT;
	if (c->i < c->n && c->p[c->i] == '.') {
		c->i++;
		start = c->i;
		while (c->i < c->n && c->p[c->i] >= '0' && c->p[c->i] <= '9') {
			frac += (uint64_t)(c->p[c->i++] - '0') * scale;
			scale /= 10;
		}
		if (c->i == start)
			return MK_ERR_FORMAT;
	}
	*t_us = s * 1000000 + frac;
	return 0;
}

static int
hex4(struct cur *c, uint32_t *v)
{
	int k, ch;

	if (c->n - c->i < 4)
		return MK_ERR_FORMAT;
	*v = 0;
	for (k = 0; k < 4; k++) {
		ch = (unsigned char)c->p[c->i++];
		*v <<= 4;
		if (ch >= '0' && ch <= '9')
			*v |= (uint32_t)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			*v |= (uint32_t)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			*v |= (uint32_t)(ch - 'A' + 10);
		else
			return MK_ERR_FORMAT;
	}
	return 0;
}

static int
put_utf8(struct mkbuf *out, uint32_t cp)
{
	uint8_t b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | (cp >> 6));
		b[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | (cp >> 12));
		b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | (cp >> 18));
		b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return mkbuf_put(out, b, n);
}

/* \uXXXX (the backslash and u read): a character, a surrogate pair, or
 * an escaped byte \udc80..\udcff. */
static int
parse_u(struct cur *c, struct mkbuf *out)
{
	uint32_t v, lo;
	uint8_t byte;
	int r;

	if ((r = hex4(c, &v)) != 0)
		return r;
	if (v >= 0xdc80 && v <= 0xdcff) {
		byte = (uint8_t)(v & 0xff);
		return mkbuf_put(out, &byte, 1);
	}
	if (v >= 0xd800 && v <= 0xdbff) {
		if (c->n - c->i < 2 || c->p[c->i] != '\\' ||
		    c->p[c->i + 1] != 'u')
			return MK_ERR_FORMAT;
		c->i += 2;
		if ((r = hex4(c, &lo)) != 0)
			return r;
		if (lo < 0xdc00 || lo > 0xdfff)
			return MK_ERR_FORMAT;
		v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
	} else if (v >= 0xdc00 && v <= 0xdfff)
		return MK_ERR_FORMAT;
	return put_utf8(out, v);
}

static int
parse_escape(struct cur *c, struct mkbuf *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *k;
	char ch;

	if (c->i >= c->n)
		return MK_ERR_FORMAT;
	ch = c->p[c->i++];
	if (ch == 'u')
		return parse_u(c, out);
	if (ch == '\0' || (k = strchr(from, ch)) == NULL)
		return MK_ERR_FORMAT;
	return mkbuf_put(out, &to[k - from], 1);
}

static int
parse_string(struct cur *c, struct mkbuf *out)
{
	uint32_t cp;
	size_t len;
	int r;

	if ((r = expect(c, '"')) != 0)
		return r;
	while (c->i < c->n) {
		unsigned char ch = (unsigned char)c->p[c->i];

		if (ch == '"') {
			c->i++;
			return 0;
		}
		if (ch == '\\') {
			c->i++;
			r = parse_escape(c, out);
		} else if (ch < 0x20) {
			return MK_ERR_FORMAT;
		} else {
			len = mktext_utf8_len((const uint8_t *)c->p + c->i,
			    c->n - c->i, &cp);
			if (len == 0)
				return MK_ERR_FORMAT;
			r = mkbuf_put(out, c->p + c->i, len);
			c->i += len;
		}
		if (r != 0)
			return r;
	}
	return MK_ERR_FORMAT;
}

int
cast_parse_event(const char *line, size_t len, uint64_t *t_us, char *type,
    struct mkbuf *data)
{
	struct cur c = { line, len, 0 };
	int r;

	if (len > CAST_LINE_MAX)
		return MK_ERR_TOO_LARGE;
	if ((r = expect(&c, '[')) != 0 || (r = parse_time(&c, t_us)) != 0 ||
	    (r = expect(&c, ',')) != 0 || (r = expect(&c, '"')) != 0)
		return r;
	if (c.n - c.i < 2 || c.p[c.i + 1] != '"' ||
	    strchr("oir", c.p[c.i]) == NULL || c.p[c.i] == '\0')
		return MK_ERR_FORMAT;
	*type = c.p[c.i];
	c.i += 2;
	if ((r = expect(&c, ',')) != 0 || (r = parse_string(&c, data)) != 0 ||
	    (r = expect(&c, ']')) != 0)
		return r;
	skip_ws(&c);
	return c.i == c.n ? 0 : MK_ERR_TRAILING;
}
