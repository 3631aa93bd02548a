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

/*
 * The same, in a helper process: the daemon's own program run again
 * (/proc/self/exe PRINTPDF_HELPER_ARG ...), which holds no key (a new
 * program image), closes every inherited descriptor, becomes nobody for
 * good, may not gain privileges or write any file, and gets the PDF on a
 * pipe and gives the marked PDF back on another. A hostile PDF then meets
 * poppler in a process that has nothing to steal. At most
 * PRINTPDF_HELPER_MS; MK_ERR_FORMAT when the helper finds the PDF bad,
 * MK_ERR_TIMEOUT, MK_ERR_SYSTEM.
 */
#define PRINTPDF_HELPER_ARG	"--mark-pdf"
#define PRINTPDF_HELPER_MS	60000
int printpdf_mark_isolated(const uint8_t *p, size_t n,
    const struct printmark *m, struct mkbuf *out);
/* The helper's main: argv after PRINTPDF_HELPER_ARG is FIRST COUNT TOTAL
 * WHEN CLASS DOCID. Exit 0, 3 (a bad PDF) or 1. */
int printpdf_helper_main(int argc, char **argv);

#endif /* MATKIOSK_PRINTPDF_H */
