/*
 * Marking printed copies (docs/architecture.md, "Printing"): every copy
 * carries "Bản sao số k/n" and "BẢN SAO BÍ MẬT NHÀ NƯỚC" with the date and
 * the classification, on every page. Plain text gets marking lines; a PDF
 * is re-drawn page by page (poppler-glib) onto a new PDF (cairo) with the
 * marking over it. Everything stays in memory: the output goes to CUPS
 * from the buffer, never through a file.
 */
#ifndef MATKIOSK_PRINTMARK_H
#define MATKIOSK_PRINTMARK_H

#include <stddef.h>
#include <stdint.h>

struct mkbuf;

#define PRINTMARK_DOC_MAX	(64u << 20)	/* a document to mark */
#define PRINTMARK_OUT_MAX	(512u << 20)	/* all its marked copies */

#define PRINTMARK_OTHER		0	/* cannot be marked */
#define PRINTMARK_TEXT		1	/* UTF-8 text */
#define PRINTMARK_PDF		2

struct printmark {
	uint32_t	first;		/* number of the first copy, from 1 */
	uint32_t	count;		/* copies in this job */
	uint32_t	total;		/* n of "k/n": copies approved */
	int64_t		when;		/* seconds since the epoch */
	int		cls;		/* DOCFMT_* */
	char		doc[40];	/* document id */
};

/* What a document is: "%PDF-" at its start, or UTF-8 text without
 * control characters other than tab, newline, carriage return and form
 * feed; anything else cannot be marked. */
int printmark_detect(const uint8_t *p, size_t n);
/* The MIME type CUPS is told for the output of a kind. */
const char *printmark_mime(int kind);
/* "BẢN SAO BÍ MẬT NHÀ NƯỚC - TỐI MẬT" and "Bản sao số 2/3 - ngày
 * 06/12/2026 - tài liệu ID" for copy k. */
int printmark_lines(const struct printmark *m, uint32_t k, char *l1,
    size_t l1len, char *l2, size_t l2len);
/* The copies m asks for of the text p, marked, appended to out. */
int printmark_text(const uint8_t *p, size_t n, const struct printmark *m,
    struct mkbuf *out);
/* PDF: kiosk/printpdf.h. */

#endif /* MATKIOSK_PRINTMARK_H */
