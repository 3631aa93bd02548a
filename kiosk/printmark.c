#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/err.h"
#include "crypto/docfmt.h"
#include "printmark.h"

/* One UTF-8 sequence at p (n bytes left): its length, 0 if invalid. */
static size_t
utf8_len(const uint8_t *p, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		c = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		c = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
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
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
}

int
printmark_detect(const uint8_t *p, size_t n)
{
	size_t i = 0, l;

	if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return PRINTMARK_PDF;
	while (i < n) {
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
		    p[i] != '\r' && p[i] != '\f')
			return PRINTMARK_OTHER;
		if (p[i] == 0x7f || (l = utf8_len(p + i, n - i)) == 0)
			return PRINTMARK_OTHER;
		i += l;
	}
	return PRINTMARK_TEXT;
}

const char *
printmark_mime(int kind)
{
	switch (kind) {
	case PRINTMARK_TEXT:
		return "text/plain;charset=utf-8";
	case PRINTMARK_PDF:
		return "application/pdf";
	default:
		return "application/octet-stream";
	}
}

static const char *
class_upper(int cls)
{
	switch (cls) {
	case DOCFMT_MAT:
		return "MẬT";
	case DOCFMT_TOI_MAT:
		return "TỐI MẬT";
	case DOCFMT_TUYET_MAT:
		return "TUYỆT MẬT";
	default:
		return "?";
	}
}

int
printmark_lines(const struct printmark *m, uint32_t k, char *l1,
    size_t l1len, char *l2, size_t l2len)
{
	char date[16];
	struct tm tm;
	time_t t = (time_t)m->when;
	int a, b;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%d/%m/%Y", &tm) == 0)
		return MK_ERR_INTERNAL;
	a = snprintf(l1, l1len, "BẢN SAO BÍ MẬT NHÀ NƯỚC - %s",
	    class_upper(m->cls));
	b = snprintf(l2, l2len, "Bản sao số %u/%u - ngày %s - tài liệu %s",
	    k, m->total, date, m->doc);
	if (a < 0 || (size_t)a >= l1len || b < 0 || (size_t)b >= l2len)
		return MK_ERR_TOO_LARGE;
	return 0;
}

int
printmark_text(const uint8_t *p, size_t n, const struct printmark *m,
    struct mkbuf *out)
{
	char l1[160], l2[200];
	uint32_t i, k;
	int r;

	for (i = 0; i < m->count; i++) {
		k = m->first + i;
		if ((r = printmark_lines(m, k, l1, sizeof(l1), l2,
		    sizeof(l2))) != 0)
			return r;
		/* The marking heads and ends each copy; copies are apart by
		 * a form feed, so each starts on its own sheet. */
		if ((i > 0 && (r = mkbuf_put(out, "\f", 1)) != 0) ||
		    (r = mkbuf_put(out, l1, strlen(l1))) != 0 ||
		    (r = mkbuf_put(out, "\n", 1)) != 0 ||
		    (r = mkbuf_put(out, l2, strlen(l2))) != 0 ||
		    (r = mkbuf_put(out, "\n\n", 2)) != 0 ||
		    (r = mkbuf_put(out, p, n)) != 0 ||
		    (n > 0 && p[n - 1] != '\n' &&
		    (r = mkbuf_put(out, "\n", 1)) != 0) ||
		    (r = mkbuf_put(out, "\n", 1)) != 0 ||
		    (r = mkbuf_put(out, l2, strlen(l2))) != 0 ||
		    (r = mkbuf_put(out, "\n", 1)) != 0 ||
		    (r = mkbuf_put(out, l1, strlen(l1))) != 0 ||
		    (r = mkbuf_put(out, "\n", 1)) != 0)
			return r;
	}
	return 0;
}
