/*
 * QR code for a terminal (qrtext.h).
 */
#include <qrencode.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "qrtext.h"

#define QUIET	2

/* 1 for a light module (drawn), including the quiet zone. */
static int
light(const QRcode *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return 1;
	return !(q->data[y * q->width + x] & 1);
}

int
qrtext_render(const char *text, struct mkbuf *out)
{
	static const char *const cell[4] = { " ", "\xe2\x96\x84", /* ▄ */
	    "\xe2\x96\x80", /* ▀ */ "\xe2\x96\x88" /* █ */ };
	QRcode *q;
	int x, y, r = 0;

	if ((q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8,
	    1)) == NULL)
		return MK_ERR_ARGUMENT;
	for (y = -QUIET; y < q->width + QUIET && r == 0; y += 2) {
		for (x = -QUIET; x < q->width + QUIET && r == 0; x++) {
			const char *c = cell[light(q, x, y) * 2 +
			    light(q, x, y + 1)];

			r = mkbuf_put(out, c, strlen(c));
		}
		if (r == 0)
			r = mkbuf_put(out, "\n", 1);
	}
	QRcode_free(q);
	return r;
}
