/*
 * Marking a PDF (the part of kiosk/printmark.h that needs poppler-glib and
 * cairo): each page of the document is drawn by poppler onto a new PDF
 * page of cairo's, in memory, and the marking is drawn over it.
 */
#include <stdio.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <poppler.h>

#include "common/buf.h"
#include "common/err.h"
#include "printmark.h"
#include "printpdf.h"

struct sink {
	struct mkbuf	*out;
	int		 err;
};

static cairo_status_t
sink_write(void *arg, const unsigned char *data, unsigned int len)
{
	struct sink *sk = arg;

	if (sk->err == 0)
		sk->err = mkbuf_put(sk->out, data, len);
	return sk->err == 0 ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* The marking over a page w x h points: top and bottom, in red, on a
 * white band so that the page beneath cannot hide it. */
static void
draw_marking(cairo_t *cr, double w, double h, const char *l1,
    const char *l2)
{
	const double size = 9, band = 2 * size + 8;

	cairo_save(cr);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_rectangle(cr, 0, 0, w, band);
	cairo_rectangle(cr, 0, h - band, w, band);
	cairo_fill(cr);
	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
	    CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, size);
	cairo_set_source_rgb(cr, 0.75, 0, 0);
	cairo_move_to(cr, 24, size + 3);
	cairo_show_text(cr, l1);
	cairo_move_to(cr, 24, 2 * size + 6);
	cairo_show_text(cr, l2);
	cairo_move_to(cr, 24, h - size - 3);
	cairo_show_text(cr, l2);
	cairo_move_to(cr, 24, h - 4);
	cairo_show_text(cr, l1);
	cairo_restore(cr);
}

static int
render_copies(PopplerDocument *doc, const struct printmark *m,
    cairo_surface_t *sf, cairo_t *cr, uint32_t *pages)
{
	char l1[160], l2[200];
	int np = poppler_document_get_n_pages(doc), j, r;
	PopplerPage *pg;
	double w, h;
	uint32_t i;

	for (i = 0; i < m->count; i++) {
		if ((r = printmark_lines(m, m->first + i, l1, sizeof(l1), l2,
		    sizeof(l2))) != 0)
			return r;
		for (j = 0; j < np; j++) {
			if ((pg = poppler_document_get_page(doc, j)) == NULL)
				return MK_ERR_FORMAT;
			poppler_page_get_size(pg, &w, &h);
			cairo_pdf_surface_set_size(sf, w, h);
			cairo_save(cr);
			poppler_page_render_for_printing(pg, cr);
			cairo_restore(cr);
			draw_marking(cr, w, h, l1, l2);
			cairo_show_page(cr);
			g_object_unref(pg);
			(*pages)++;
		}
	}
	return cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : MK_ERR_FORMAT;
}

int
printpdf_mark(const uint8_t *p, size_t n, const struct printmark *m,
    struct mkbuf *out, uint32_t *pages)
{
	struct sink sk = { out, 0 };
	PopplerDocument *doc = NULL;
	cairo_surface_t *sf = NULL;
	cairo_t *cr = NULL;
	GError *gerr = NULL;
	GBytes *bytes;
	int r;

	*pages = 0;
	if (n > INT32_MAX)
		return MK_ERR_TOO_LARGE;
	bytes = g_bytes_new_static(p, n);
	doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
	g_bytes_unref(bytes);
	if (doc == NULL || poppler_document_get_n_pages(doc) < 1) {
		r = MK_ERR_FORMAT;
		goto out;
	}
	sf = cairo_pdf_surface_create_for_stream(sink_write, &sk, 595, 842);
	cr = cairo_create(sf);
	r = render_copies(doc, m, sf, cr, pages);
	cairo_destroy(cr);
	cairo_surface_finish(sf);
	if (r == 0 && (sk.err != 0 ||
	    cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS))
		r = sk.err != 0 ? sk.err : MK_ERR_FORMAT;
	cairo_surface_destroy(sf);
out:
	if (gerr != NULL)
		g_error_free(gerr);
	if (doc != NULL)
		g_object_unref(doc);
	return r;
}
