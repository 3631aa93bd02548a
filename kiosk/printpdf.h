/*
 * PDF marking (docs/architecture.md, "Printing and the copy register"):
 * poppler draws each page onto a new PDF of cairo's with the marking over
 * it. That happens in matkiosk-markpdf (kiosk/markpdf/), the only program
 * that links poppler and cairo: a hostile PDF meets poppler in a process
 * that holds nothing, and the daemon stays small.
 */
#ifndef MATKIOSK_PRINTPDF_H
#define MATKIOSK_PRINTPDF_H

#include <stddef.h>
#include <stdint.h>

struct mkbuf;
struct printmark;

/*
 * The copies m asks for of the PDF p, every page marked, appended to out
 * as one PDF, made by PRINTPDF_HELPER (in the directory of the daemon's
 * own program). The helper closes every inherited descriptor, becomes
 * nobody for good, may not gain privileges and cannot write a file; it
 * gets the PDF on a pipe and gives the marked PDF back on another, within
 * PRINTPDF_HELPER_MS. MK_ERR_FORMAT when it finds the PDF bad (does not
 * open, no page), MK_ERR_TIMEOUT, MK_ERR_SYSTEM.
 */
#define PRINTPDF_HELPER		"matkiosk-markpdf"
#define PRINTPDF_HELPER_MS	60000
int printpdf_mark_isolated(const uint8_t *p, size_t n,
    const struct printmark *m, struct mkbuf *out);

#endif /* MATKIOSK_PRINTPDF_H */
