/*
 * matkiosk-markpdf: marks the copies of a PDF for printing, in a process
 * of its own (docs/architecture.md, "Printing and the copy register").
 * Run by matkioskd (kiosk/printpdf.c) as
 *   matkiosk-markpdf FIRST COUNT TOTAL WHEN CLASS DOCID
 * with the PDF on standard input; writes the marked PDF to standard
 * output. Exit 0, 3 (the PDF does not open or has no page) or 1.
 *
 * It is the only program of the product that links poppler and cairo: a
 * hostile PDF meets poppler here, in a process that closed every
 * inherited descriptor, became nobody for good, may not gain privileges
 * and cannot write a file; and the daemon stays small.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <poppler.h>

#include "common/buf.h"
#include "common/err.h"
#include "kiosk/printmark.h"

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

static int
mark_pdf(const uint8_t *p, size_t n, const struct printmark *m,
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



#define HELPER_NOBODY	65534
#define HELPER_BAD_PDF	3

/* For good: no way back to root (OpenSSH uidswap.c, permanently_set_uid),
 * no new privileges, no core, no file written. */
static int
helper_confine(void)
{
	struct rlimit zero = { 0, 0 };

	if (close_range(3, ~0u, 0) != 0)
		return -1;
	if (getuid() == 0 || geteuid() == 0) {
		if (setgroups(0, NULL) != 0 ||
		    setresgid(HELPER_NOBODY, HELPER_NOBODY, HELPER_NOBODY) != 0 ||
		    setresuid(HELPER_NOBODY, HELPER_NOBODY, HELPER_NOBODY) != 0)
			return -1;
		if (setuid(0) != -1 || seteuid(0) != -1)
			return -1;
	}
	signal(SIGXFSZ, SIG_IGN);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 ||
	    setrlimit(RLIMIT_CORE, &zero) != 0 ||
	    setrlimit(RLIMIT_FSIZE, &zero) != 0)
		return -1;
	return 0;
}

static int
helper_args(int argc, char **argv, struct printmark *m)
{
	unsigned long v[5];
	char *end;
	int i;

	if (argc != 6)
		return -1;
	memset(m, 0, sizeof(*m));
	for (i = 0; i < 5; i++) {
		v[i] = strtoul(argv[i], &end, 10);
		if (argv[i][0] < '0' || argv[i][0] > '9' || *end != '\0')
			return -1;
	}
	if (v[1] == 0 || v[1] > 100 || v[2] > 100 || v[0] == 0 ||
	    v[0] + v[1] - 1 > v[2] || v[4] > 3)
		return -1;
	m->first = (uint32_t)v[0];
	m->count = (uint32_t)v[1];
	m->total = (uint32_t)v[2];
	m->when = (int64_t)v[3];
	m->cls = (int)v[4];
	return snprintf(m->doc, sizeof(m->doc), "%s", argv[5]) <
	    (int)sizeof(m->doc) ? 0 : -1;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct mkbuf *in = NULL, *out = NULL;
	struct printmark m;
	uint8_t buf[65536];
	uint32_t pages;
	ssize_t n;
	int r = 1;

	if (helper_confine() != 0 || helper_args(argc - 1, argv + 1, &m) != 0)
		_exit(1);
	if ((in = mkbuf_new(PRINTMARK_DOC_MAX)) == NULL ||
	    (out = mkbuf_new(PRINTMARK_OUT_MAX)) == NULL)
		goto done;
	while ((n = read(0, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || mkbuf_put(in, buf, (size_t)n) != 0)
			goto done;
	}
	if (mark_pdf(mkbuf_ptr(in), mkbuf_len(in), &m, out, &pages) != 0) {
		r = HELPER_BAD_PDF;
		goto done;
	}
	r = write_all(1, mkbuf_ptr(out), mkbuf_len(out)) == 0 ? 0 : 1;
done:
	mk_wipe(buf, sizeof(buf));
	mkbuf_free(in);
	mkbuf_free(out);
	/* _exit: what fontconfig and glib keep until exit is the kernel's
	 * to free, not a leak. */
	_exit(r);
}

