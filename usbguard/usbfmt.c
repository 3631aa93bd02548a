#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/text.h"
#include "usbfmt.h"

void
usbfmt_init(struct usbfmt *f, char *buf, size_t cap)
{
	f->p = buf;
	f->cap = cap;
	f->len = 0;
	f->err = cap == 0 ? MK_ERR_ARGUMENT : 0;
	if (cap > 0)
		buf[0] = '\0';
}

/* Appends n bytes whole or not at all: a piece is an escape sequence or a
 * field, and half of one would mislead whoever reads the cut line. */
static void
put_bytes(struct usbfmt *f, const char *s, size_t n)
{
	if (f->err != 0)
		return;
	if (n >= f->cap - f->len) {
		f->err = MK_ERR_TOO_LARGE;
		return;
	}
	memcpy(f->p + f->len, s, n);
	f->len += n;
	f->p[f->len] = '\0';
}

void
usbfmt_put(struct usbfmt *f, const char *s)
{
	put_bytes(f, s, strlen(s));
}

void
usbfmt_printf(struct usbfmt *f, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= sizeof(tmp)) {
		if (f->err == 0)
			f->err = MK_ERR_TOO_LARGE;
		return;
	}
	put_bytes(f, tmp, (size_t)r);
}

/* Room for n more bytes and the NUL; else the field is left out whole. */
static int
room(struct usbfmt *f, size_t n)
{
	if (f->err != 0)
		return 0;
	if (n >= f->cap - f->len) {
		f->err = MK_ERR_TOO_LARGE;
		return 0;
	}
	return 1;
}

void
usbfmt_put_text(struct usbfmt *f, const void *p, size_t n)
{
	char tmp[4 * USBFMT_TEXT_MAX + 1];
	size_t i, need = 2;
	int r;

	if (n > USBFMT_TEXT_MAX) {
		if (f->err == 0)
			f->err = MK_ERR_ARGUMENT;
		return;
	}
	/* 4 output bytes per input byte is mktext_escape's worst case. */
	if ((r = mktext_escape(p, n, tmp, sizeof(tmp))) != 0) {
		if (f->err == 0)
			f->err = r;
		return;
	}
	for (i = 0; tmp[i] != '\0'; i++)
		need += tmp[i] == '"' ? 4 : 1;
	if (!room(f, need))
		return;
	put_bytes(f, "\"", 1);
	for (i = 0; tmp[i] != '\0'; i++) {
		if (tmp[i] == '"')
			put_bytes(f, "\\x22", 4);
		else
			put_bytes(f, tmp + i, 1);
	}
	put_bytes(f, "\"", 1);
}

static int
rule_plain(uint8_t c)
{
	return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
}

void
usbfmt_put_rule_string(struct usbfmt *f, const void *src, size_t n)
{
	static const char hexdigits[] = "0123456789abcdef";
	const uint8_t *p = src;
	char esc[4];
	size_t i, need = 2;

	for (i = 0; i < n; i++)
		need += rule_plain(p[i]) ? 1 : p[i] == '"' || p[i] == '\\' ?
		    2 : 4;
	if (!room(f, need))
		return;
	put_bytes(f, "\"", 1);
	for (i = 0; i < n; i++) {
		if (rule_plain(p[i])) {
			put_bytes(f, (const char *)p + i, 1);
		} else if (p[i] == '"' || p[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)p[i];
			put_bytes(f, esc, 2);
		} else {
			/* Exactly what USBGuard's escapeString writes, so
			 * a rule we print reads the same in both. */
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hexdigits[p[i] >> 4];
			esc[3] = hexdigits[p[i] & 0x0f];
			put_bytes(f, esc, 4);
		}
	}
	put_bytes(f, "\"", 1);
}

int
usbfmt_done(const struct usbfmt *f)
{
	return f->err;
}
