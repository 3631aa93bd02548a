#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/text.h"
#include "crypto/docfmt.h"
#include "printmark.h"

int
printmark_detect(const uint8_t *p, size_t n)
{
	size_t i = 0, l;
	uint32_t cp;

	if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return PRINTMARK_PDF;
	while (i < n) {
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
		    p[i] != '\r' && p[i] != '\f')
			return PRINTMARK_OTHER;
		if (p[i] == 0x7f ||
		    (l = mktext_utf8_len(p + i, n - i, &cp)) == 0)
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
