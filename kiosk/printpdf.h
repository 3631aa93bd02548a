/*
 * PDF marking (poppler-glib renders, cairo writes): docs/architecture.md,
 * "Printing". Kept apart from kiosk/printmark.c, which needs no library
 * and is fuzzed on its own.
 */
#ifndef MATKIOSK_PRINTPDF_H
#define MATKIOSK_PRINTPDF_H

#include <stddef.h>
#include <stdint.h>

struct mkbuf;
struct printmark;

/* The copies m asks for of the PDF p, every page marked, appended to out
 * as one PDF; *pages gets the pages written. MK_ERR_FORMAT for a PDF that
 * does not open or has no page. */
int printpdf_mark(const uint8_t *p, size_t n, const struct printmark *m,
    struct mkbuf *out, uint32_t *pages);

#endif /* MATKIOSK_PRINTPDF_H */
