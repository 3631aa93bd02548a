#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "text.h"

size_t
mktext_utf8_len(const uint8_t *p, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

static int
is_control(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
	    c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f ||
	    c == 0x061c;
}

static const char *
short_escape(uint32_t c)
{
	switch (c) {
	case '\n':
		return "\\n";
	case '\t':
		return "\\t";
	case '\r':
		return "\\r";
	case '\\':
		return "\\\\";
	default:
		return NULL;
	}
}

int
mktext_escape(const void *src, size_t n, char *out, size_t outlen)
{
	const uint8_t *p = src;
	char tmp[8];
	const char *piece;
	size_t i = 0, o = 0, len, plen;
	uint32_t c;

	if (outlen == 0)
		return MK_ERR_ARGUMENT;
	while (i < n) {
		len = mktext_utf8_len(p + i, n - i, &c);
		if (len == 0 || is_control(c) || c == '\\') {
			if ((piece = len == 1 ? short_escape(c) : NULL) == NULL) {
				/* Bidi and line-separator controls are escaped
				 * byte by byte so nothing can reorder the line. */
				snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
				piece = tmp;
			}
			plen = strlen(piece);
			len = 1;
		} else {
			piece = (const char *)p + i;
			plen = len;
		}
		if (o + plen >= outlen) {
			out[o] = '\0';
			return MK_ERR_TOO_LARGE;
		}
		memcpy(out + o, piece, plen);
		o += plen;
		i += len;
	}
	out[o] = '\0';
	return 0;
}

int
mktext_is_clean(const void *src, size_t n)
{
	const uint8_t *p = src;
	size_t i = 0, len;
	uint32_t c;

	while (i < n) {
		if ((len = mktext_utf8_len(p + i, n - i, &c)) == 0 ||
		    is_control(c))
			return 0;
		i += len;
	}
	return 1;
}

int
mktext_valid_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 32 || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	}
	return 1;
}
