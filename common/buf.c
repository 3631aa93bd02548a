#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "err.h"

struct mkbuf {
	uint8_t	*d;
	size_t	 len;
	size_t	 alloc;
	size_t	 max;
};

struct mkbuf *
mkbuf_new(size_t max)
{
	struct mkbuf *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->max = max;
	return b;
}

void
mkbuf_free(struct mkbuf *b)
{
	if (b == NULL)
		return;
	if (b->d != NULL) {
		mk_wipe(b->d, b->alloc);
		free(b->d);
	}
	free(b);
}

void
mkbuf_reset(struct mkbuf *b)
{
	if (b->d != NULL)
		mk_wipe(b->d, b->len);
	b->len = 0;
}

const uint8_t *
mkbuf_ptr(const struct mkbuf *b)
{
	return b->d;
}

uint8_t *
mkbuf_mutable_ptr(struct mkbuf *b)
{
	return b->d;
}

size_t
mkbuf_len(const struct mkbuf *b)
{
	return b->len;
}

int
mkbuf_truncate(struct mkbuf *b, size_t len)
{
	if (len > b->len)
		return MK_ERR_ARGUMENT;
	if (b->d != NULL)
		mk_wipe(b->d + len, b->len - len);
	b->len = len;
	return 0;
}

/* Grows by reallocating into fresh memory so that no copy of the old
 * contents is left unwiped in freed heap. */
static int
grow(struct mkbuf *b, size_t need)
{
	size_t nalloc;
	uint8_t *nd;

	if (need <= b->alloc)
		return 0;
	nalloc = b->alloc < 256 ? 256 : b->alloc;
	while (nalloc < need)
		nalloc *= 2;
	if (nalloc > b->max)
		nalloc = b->max;
	if ((nd = malloc(nalloc)) == NULL)
		return MK_ERR_ALLOC;
	if (b->d != NULL) {
		memcpy(nd, b->d, b->len);
		mk_wipe(b->d, b->alloc);
		free(b->d);
	}
	b->d = nd;
	b->alloc = nalloc;
	return 0;
}

int
mkbuf_reserve(struct mkbuf *b, size_t n, uint8_t **dst)
{
	int r;

	*dst = NULL;
	if (n > b->max || b->len > b->max - n)
		return MK_ERR_TOO_LARGE;
	if ((r = grow(b, b->len + n)) != 0)
		return r;
	*dst = b->d + b->len;
	b->len += n;
	return 0;
}

int
mkbuf_vprintf(struct mkbuf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	uint8_t *dst;
	int n, r;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return MK_ERR_FORMAT;
	/* Room for vsnprintf's NUL, which is cut off again. */
	if ((r = mkbuf_reserve(b, (size_t)n + 1, &dst)) != 0)
		return r;
	vsnprintf((char *)dst, (size_t)n + 1, fmt, ap);
	return mkbuf_truncate(b, mkbuf_len(b) - 1);
}

int
mkbuf_printf(struct mkbuf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = mkbuf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

int
mkbuf_put(struct mkbuf *b, const void *p, size_t n)
{
	uint8_t *dst;
	int r;

	if ((r = mkbuf_reserve(b, n, &dst)) != 0)
		return r;
	if (n > 0)
		memcpy(dst, p, n);
	return 0;
}

int
mkbuf_put_u8(struct mkbuf *b, uint8_t v)
{
	return mkbuf_put(b, &v, 1);
}

int
mkbuf_put_u16(struct mkbuf *b, uint16_t v)
{
	uint8_t x[2];

	mk_put_be16(x, v);
	return mkbuf_put(b, x, sizeof(x));
}

int
mkbuf_put_u32(struct mkbuf *b, uint32_t v)
{
	uint8_t x[4];

	mk_put_be32(x, v);
	return mkbuf_put(b, x, sizeof(x));
}

int
mkbuf_put_u64(struct mkbuf *b, uint64_t v)
{
	uint8_t x[8];

	mk_put_be64(x, v);
	return mkbuf_put(b, x, sizeof(x));
}

int
mkbuf_put_bstr(struct mkbuf *b, const void *p, size_t n)
{
	int r;

	if (n > 0xffff)
		return MK_ERR_TOO_LARGE;
	if ((r = mkbuf_put_u16(b, (uint16_t)n)) != 0)
		return r;
	return mkbuf_put(b, p, n);
}

int
mkbuf_put_cstr(struct mkbuf *b, const char *s)
{
	return mkbuf_put_bstr(b, s, s == NULL ? 0 : strlen(s));
}

void
mkrd_init(struct mkrd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
}

size_t
mkrd_left(const struct mkrd *r)
{
	return r->len - r->off;
}

int
mkrd_bytes(struct mkrd *r, size_t n, const uint8_t **out)
{
	*out = NULL;
	if (n > mkrd_left(r))
		return MK_ERR_TRUNCATED;
	*out = r->p + r->off;
	r->off += n;
	return 0;
}

int
mkrd_u8(struct mkrd *r, uint8_t *v)
{
	const uint8_t *p;
	int e;

	if ((e = mkrd_bytes(r, 1, &p)) != 0)
		return e;
	*v = p[0];
	return 0;
}

int
mkrd_u16(struct mkrd *r, uint16_t *v)
{
	const uint8_t *p;
	int e;

	if ((e = mkrd_bytes(r, 2, &p)) != 0)
		return e;
	*v = mk_get_be16(p);
	return 0;
}

int
mkrd_u32(struct mkrd *r, uint32_t *v)
{
	const uint8_t *p;
	int e;

	if ((e = mkrd_bytes(r, 4, &p)) != 0)
		return e;
	*v = mk_get_be32(p);
	return 0;
}

int
mkrd_u64(struct mkrd *r, uint64_t *v)
{
	const uint8_t *p;
	int e;

	if ((e = mkrd_bytes(r, 8, &p)) != 0)
		return e;
	*v = mk_get_be64(p);
	return 0;
}

int
mkrd_bstr(struct mkrd *r, size_t max, const uint8_t **out, size_t *len)
{
	uint16_t n;
	int e;

	*out = NULL;
	*len = 0;
	if ((e = mkrd_u16(r, &n)) != 0)
		return e;
	if (n > max)
		return MK_ERR_TOO_LARGE;
	if ((e = mkrd_bytes(r, n, out)) != 0)
		return e;
	*len = n;
	return 0;
}

int
mkrd_cstr(struct mkrd *r, char *out, size_t size)
{
	const uint8_t *p;
	size_t len;
	int e;

	if (size == 0)
		return MK_ERR_ARGUMENT;
	out[0] = '\0';
	if ((e = mkrd_bstr(r, size - 1, &p, &len)) != 0)
		return e;
	if (memchr(p, '\0', len) != NULL)
		return MK_ERR_FORMAT;
	if (len > 0)
		memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

void
mk_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
mk_put_be32(uint8_t *p, uint32_t v)
{
	mk_put_be16(p, (uint16_t)(v >> 16));
	mk_put_be16(p + 2, (uint16_t)v);
}

void
mk_put_be64(uint8_t *p, uint64_t v)
{
	mk_put_be32(p, (uint32_t)(v >> 32));
	mk_put_be32(p + 4, (uint32_t)v);
}

uint16_t
mk_get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

uint32_t
mk_get_be32(const uint8_t *p)
{
	return ((uint32_t)mk_get_be16(p) << 16) | mk_get_be16(p + 2);
}

uint64_t
mk_get_be64(const uint8_t *p)
{
	return ((uint64_t)mk_get_be32(p) << 32) | mk_get_be32(p + 4);
}

void
mk_hex(const void *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[s[i] >> 4];
		out[2 * i + 1] = digits[s[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
mk_unhex(const char *s, void *out, size_t n)
{
	uint8_t *o = out;
	size_t i;
	int hi, lo;

	if (strlen(s) != 2 * n)
		return MK_ERR_FORMAT;
	for (i = 0; i < n; i++) {
		hi = hexval(s[2 * i]);
		lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return MK_ERR_FORMAT;
		o[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void
mk_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}
