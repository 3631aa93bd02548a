/*
 * libFuzzer target for what printing reads from outside: a document's
 * bytes (kiosk/printmark.c: is it text or PDF, and the text marking) and
 * log records turned into the copy register (kiosk/copyreg.c).
 *
 * The first byte chooses. Even: the rest is a document; it is classified,
 * and text is marked (two copies), which must hold the document whole.
 * Odd: the rest is a run of records, each a u16 length and a record body
 * as the log stores it (crypto/logrec.c parses it), fed to a register
 * whose rows are then written as CSV.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "crypto/docfmt.h"
#include "crypto/logrec.h"
#include "kiosk/copyreg.h"
#include "kiosk/printmark.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
document(const uint8_t *p, size_t n)
{
	struct printmark m = { 1, 2, 2, 1796560000, DOCFMT_MAT, "id" };
	struct mkbuf *b;

	if (printmark_detect(p, n) != PRINTMARK_TEXT)
		return;
	if ((b = mkbuf_new(4 * n + 4096)) == NULL)
		return;
	if (printmark_text(p, n, &m, b) != 0 || mkbuf_len(b) < 2 * n)
		abort();
	mkbuf_free(b);
}

static void
records(const uint8_t *p, size_t n)
{
	struct copyreg *r = copyreg_new(INT64_MIN, INT64_MAX);
	struct logrec rec;
	char line[2048];
	size_t len, i;

	if (r == NULL)
		return;
	while (n >= 2) {
		len = (size_t)p[0] << 8 | p[1];
		p += 2;
		n -= 2;
		if (len > n)
			break;
		if (logrec_parse(p, len, &rec) == 0 &&
		    copyreg_feed(r, &rec) != 0)
			break;
		p += len;
		n -= len;
	}
	for (i = 0; i < copyreg_count(r); i++) {
		const struct copyreg_row *w = copyreg_row(r, i);

		if (w->made > w->copies)
			abort();
		(void)copyreg_csv_line(w, line, sizeof(line));
	}
	copyreg_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		document(data + 1, size - 1);
	else
		records(data + 1, size - 1);
	return 0;
}
