#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
#include <wctype.h>

#include "common/err.h"
#include "common/text.h"
#include "uitext.h"

/* One character of s: its bytes and columns. A byte that does not start
 * valid UTF-8 is one byte and one column. */
static size_t
next_char(const char *s, size_t *cols)
{
	mbstate_t st;
	wchar_t wc;
	size_t n;
	int w;

	memset(&st, 0, sizeof(st));
	n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*cols = 1;
		return 1;
	}
	w = wcwidth(wc);
	*cols = w < 0 ? 1 : (size_t)w;
	return n;
}

size_t
uitext_width(const char *s)
{
	size_t w = 0, c;

	while (*s != '\0') {
		s += next_char(s, &c);
		w += c;
	}
	return w;
}

size_t
uitext_fit(const char *s, size_t cols, int pad, char *out, size_t outlen)
{
	size_t used = 0, o = 0, n, c;

	while (*s != '\0') {
		n = next_char(s, &c);
		if (used + c > cols || o + n + 1 > outlen)
			break;
		memcpy(out + o, s, n);
		o += n;
		used += c;
		s += n;
	}
	while (pad && used < cols && o + 2 <= outlen) {
		out[o++] = ' ';
		used++;
	}
	out[o] = '\0';
	return used;
}

size_t
uitext_wrap(const char *s, size_t cols, size_t *linelen)
{
	size_t used = 0, off = 0, brk = 0, n, c;

	if (cols == 0)
		cols = 1;
	while (s[off] != '\0' && s[off] != '\n') {
		n = next_char(s + off, &c);
		if (used + c > cols)
			break;
		if (s[off] == ' ')
			brk = off;
		used += c;
		off += n;
	}
	if (s[off] == '\0' || s[off] == '\n') {
		*linelen = off;
		return s[off] == '\n' ? off + 1 : off;
	}
	if (brk == 0 && off == 0) {
		/* Not even one character fits: take it anyway. */
		off = next_char(s, &c);
		*linelen = off;
		return off;
	}
	if (brk > 0 || s[off] == ' ') {
		if (s[off] == ' ')
			brk = off;
		*linelen = brk;
		while (s[brk] == ' ')
			brk++;
		return brk;
	}
	*linelen = off;
	return off;
}

void
uitext_safe(const void *p, size_t n, char *out, size_t outlen)
{
	int r;

	/* Clean text is shown as it is: the daemon escapes device strings
	 * and log fields already, and escaping them again would show
	 * "\\x1b" for "\x1b". */
	if (mktext_is_clean(p, n) && n < outlen) {
		memcpy(out, p, n);
		out[n] = '\0';
		return;
	}
	r = mktext_escape(p, n, out, outlen);

	/* MK_ERR_TOO_LARGE leaves a cut but safe string. */
	if (r != 0 && r != MK_ERR_TOO_LARGE)
		snprintf(out, outlen, "?");
}

int
uitext_until(const char *msg, char *out, size_t outlen)
{
	const char *p = msg;
	unsigned y, mo, d, h, mi;
	int len = 0;

	while ((p = strstr(p, "until ")) != NULL) {
		p += 6;
		if (sscanf(p, "%4u-%2u-%2u %2u:%2u UTC%n", &y, &mo, &d, &h,
		    &mi, &len) == 5 && len == 20) {
			if ((size_t)snprintf(out, outlen, "%.20s", p) >= outlen)
				return -1;
			return 0;
		}
	}
	return -1;
}

int
uitext_parse_date(const char *s, uint64_t *t)
{
	struct tm tm;
	unsigned y, mo, d;
	int len = 0;
	time_t v;

	if (strlen(s) != 10 || sscanf(s, "%4u-%2u-%2u%n", &y, &mo, &d,
	    &len) != 3 || len != 10 || s[4] != '-' || s[7] != '-' ||
	    y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)mo - 1;
	tm.tm_mday = (int)d;
	if ((v = timegm(&tm)) == (time_t)-1 || tm.tm_mday != (int)d)
		return -1;	/* 2026-02-31 normalizes to March */
	*t = (uint64_t)v;
	return 0;
}

void
uitext_time(uint64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t > (uint64_t)INT64_MAX || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, outlen, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, outlen, "-");
}

int
uitext_unescape_name(const char *esc, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *esc != '\0'; esc++) {
		if (*esc == '\\' && *++esc != '\\')
			return -1;
		if (o + 1 >= outlen)
			return -1;
		out[o++] = *esc;
	}
	if (outlen == 0)
		return -1;
	out[o] = '\0';
	return 0;
}

/* One code point drawable as it is: printable, neither a control nor a
 * bidi or line-separator control (mktext_is_clean on its UTF-8). */
static int
drawable(uint32_t c)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t n;

	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ||
	    !iswprint((wint_t)c))
		return 0;
	memset(&st, 0, sizeof(st));
	n = wcrtomb(mb, (wchar_t)c, &st);
	return n != (size_t)-1 && mktext_is_clean(mb, n);
}

size_t
uitext_cell(const uint32_t *cp, size_t n, int width, wchar_t *out)
{
	size_t i;

	if (n == 0 || cp[0] == 0) {
		out[0] = L' ';
		out[1] = L'\0';
		return 1;
	}
	if (n > UITEXT_CELL_MAX)
		goto bad;
	for (i = 0; i < n; i++) {
		if (!drawable(cp[i]) ||
		    wcwidth((wchar_t)cp[i]) != (i == 0 ? width : 0))
			goto bad;
		out[i] = (wchar_t)cp[i];
	}
	out[n] = L'\0';
	return n;
 bad:
	out[0] = L'?';
	out[1] = L'\0';
	return 1;
}
