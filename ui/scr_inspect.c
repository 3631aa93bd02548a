/*
 * The inspector's screens (issue 10), reached from the home screen: the
 * log head as SEQ:HEX and as a QR code to photograph (LOG_HEAD), the
 * six-monthly and annual reports (REPORT) in a scrollable view, and the
 * self-check table (SELFCHECK). The daemon decides who may read reports
 * and the self-check; a refusal is shown with its reason.
 */
#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/proto.h"
#include "common/qrtext.h"
#include "ui.h"
#include "uilang.h"
#include "uitext.h"

/* The MAC digits shown and encoded: matverify --expect-head's form. */
#define HEAD_HEX	32

enum scr
ui_view_text(struct ui *u, const char *title, const char *text, size_t len)
{
	char **lines = NULL, *nl;
	const char *p;
	size_t n = 0, cap = 0, i;
	enum scr s;

	for (p = text; p != NULL && p <= text + len; p = nl) {
		size_t ll, esc;

		nl = memchr(p, '\n', (size_t)(text + len - p));
		ll = nl != NULL ? (size_t)(nl - p) : (size_t)(text + len - p);
		if (nl == NULL && ll == 0 && n > 0)
			break;
		if (n == cap) {
			char **nv;

			cap = cap == 0 ? 256 : cap * 2;
			if ((nv = reallocarray(lines, cap, sizeof(*nv))) ==
			    NULL)
				break;
			lines = nv;
		}
		esc = ll * 4 + 1;
		if ((lines[n] = malloc(esc)) == NULL)
			break;
		uitext_safe(p, ll, lines[n], esc);
		n++;
		if (nl != NULL)
			nl++;
	}
	s = ui_view(u, title, (const char *const *)lines, n);
	/* A document's lines are its plaintext: wiped, as the text is. */
	for (i = 0; i < n; i++) {
		mk_wipe(lines[i], strlen(lines[i]));
		free(lines[i]);
	}
	free(lines);
	return s;
}

/* ---- the log head ---- */

struct head {
	char		 text[128];	/* SEQ:HEX */
	uint64_t	 seq;
	struct mkbuf	*qr;
	time_t		 when;
};

static int
head_load(struct ui *u, struct head *h)
{
	struct uirec ok;
	const char *mac;
	int r;

	ud_start(u, MSG_LOG_HEAD);
	if ((r = ud_call(u, &ok)) != 0)
		return r;
	mac = uirec_get(&ok, F_MAC);
	if (!uirec_has(&ok, F_SEQ) || strlen(mac) < HEAD_HEX ||
	    strspn(mac, "0123456789abcdefABCDEF") < HEAD_HEX) {
		uirec_clear(&ok);
		u->err = MK_ERR_PROTOCOL;
		snprintf(u->errmsg, sizeof(u->errmsg), "%s",
		    mkerr_str(MK_ERR_PROTOCOL));
		return MK_ERR_PROTOCOL;
	}
	h->seq = uirec_num(&ok, F_SEQ, 0);
	snprintf(h->text, sizeof(h->text), "%" PRIu64 ":%.*s", h->seq,
	    HEAD_HEX, mac);
	uirec_clear(&ok);
	mkbuf_free(h->qr);
	if ((h->qr = mkbuf_new(1u << 16)) == NULL ||
	    qrtext_render(h->text, h->qr) != 0) {
		mkbuf_free(h->qr);
		h->qr = NULL;
	}
	h->when = time(NULL);
	return 0;
}

static void
head_draw(struct ui *u, const struct head *h)
{
	const char *p, *end, *nl;
	char line[1024], when[32];
	char hint[512];
	int rows, y = 1, qrw = 0, qrh = 0, x;

	snprintf(hint, sizeof(hint), "%s | %s", _("r read again  Esc back"),
	    _(UI_NAV_HINTS));
	rows = ui_frame(u, _("Log head"), hint);
	if (h->text[0] == '\0')
		return;
	uitext_time((uint64_t)h->when, when, sizeof(when));
	ui_putf(y++, 2, COLS - 4, A_BOLD, _("Log head at %s UTC: record %llu"),
	    when, (unsigned long long)h->seq);
	ui_putf(y++, 2, COLS - 4, ui_attr_title(u), "%s", h->text);
	if (h->qr == NULL) {
		ui_putf(y, 2, COLS - 4, ui_attr_bad(u), "%s",
		    _("The QR code cannot be drawn."));
		return;
	}
	p = (const char *)mkbuf_ptr(h->qr);
	end = p + mkbuf_len(h->qr);
	for (nl = p; nl < end; nl++)
		qrh += *nl == '\n';
	if ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL)
		qrw = (int)((nl - p) / 3);	/* 3-byte half blocks */
	/* The command line for matverify when there is room for it. */
	if (qrh <= rows - y)
		ui_putf(y++, 2, COLS - 4, A_DIM, "matverify --expect-head %s",
		    h->text);
	if (qrh > rows - y + 1 || qrw > COLS) {
		ui_putf(y, 2, COLS - 4, ui_attr_bad(u), "%s",
		    _("The terminal is too small for the QR code."));
		return;
	}
	x = (COLS - qrw) / 2;
	/* The code is drawn light on dark, as qrtext draws it: plain
	 * attributes on the terminal's dark background. */
	for (; p < end && y <= rows; p = nl + 1) {
		size_t ll;

		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		ll = (size_t)(nl - p);
		if (ll >= sizeof(line))
			ll = sizeof(line) - 1;
		memcpy(line, p, ll);
		line[ll] = '\0';
		ui_put(y++, x, line, qrw, 0, A_NORMAL);
	}
}

enum scr
scr_head(struct ui *u)
{
	struct head h;
	struct uikey k;
	enum scr s = SCR_SAME;
	int need = 1;

	memset(&h, 0, sizeof(h));
	while (s == SCR_SAME) {
		if (need) {
			if (head_load(u, &h) != 0) {
				ui_note_err(u, _("The log head"));
				if (u->lost) {
					s = SCR_RECONNECT;
					break;
				}
			}
			need = 0;
		}
		head_draw(u, &h);
		k = ui_key(u);
		if ((s = ui_nav(u, &k)) != SCR_SAME)
			break;
		if (u->lost)
			s = SCR_RECONNECT;
		else if (k.type == UK_CHAR && k.ch == 'r')
			need = 1;
		else if (k.type == UK_CHAR && (k.ch == 27 || k.ch == 'q'))
			s = SCR_HOME;
	}
	mkbuf_free(h.qr);
	return s;
}

/* ---- reports ---- */

static const char *const kinds[] = { "semiannual", "annual" };
static const char *const halves[] = { "1", "2" };

enum scr
scr_report(struct ui *u)
{
	static char year[16];
	const char *kshown[2], *hshown[2];
	struct uifield f[] = {
		{ _("Report"), NULL, 0, 0, kinds, kshown, 2, 0 },
		{ _("Year"), year, sizeof(year), 0, NULL, NULL, 0, 0 },
		{ _("Half-year (six-monthly only)"), NULL, 0, 0, halves,
		    hshown, 2, 0 },
	};
	struct uirec ok;
	char *text, title[256], *end;
	size_t len;
	unsigned long y;
	int r, cut;
	enum scr s;

	if (year[0] == '\0') {
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		snprintf(year, sizeof(year), "%d", tm.tm_year + 1900);
	}
	kshown[0] = _("six-monthly");
	kshown[1] = _("annual");
	hshown[0] = _("first (January-June)");
	hshown[1] = _("second (July-December)");
	r = ui_form(u, _("Report"), _("The report counts the log up to its "
	    "head; making it is logged."), f, 3);
	if (r != FORM_OK)
		return r == FORM_CANCEL ? SCR_HOME : ui_form_exit(u, r);
	y = strtoul(year, &end, 10);
	if (year[0] < '0' || year[0] > '9' || *end != '\0' || y < 2000 ||
	    y > 9999) {
		ui_note(u, 1, "%s", _("A year is written YYYY."));
		return SCR_HOME;
	}
	ud_start(u, MSG_REPORT);
	ud_add(u, F_KIND, kinds[f[0].choice]);
	ud_add_u64(u, F_YEAR, y);
	if (f[0].choice == 0)
		ud_add_u64(u, F_HALF, (uint64_t)f[2].choice + 1);
	ud_add(u, F_FORMAT, "text");
	if (ud_data(u, 4u << 20, &text, &len, &cut, &ok) != 0) {
		ui_note_err(u, _("The report"));
		return u->lost ? SCR_RECONNECT : SCR_HOME;
	}
	if (f[0].choice == 0)
		snprintf(title, sizeof(title), _("Six-monthly report %lu/%d, "
		    "to record %s"), y, f[2].choice + 1, uirec_get(&ok, F_SEQ));
	else
		snprintf(title, sizeof(title), _("Annual report %lu, to "
		    "record %s"), y, uirec_get(&ok, F_SEQ));
	uirec_clear(&ok);
	if (cut)
		ui_note(u, 1, "%s", _("Only the first 4 MiB are shown."));
	s = ui_view_text(u, title, text, len);
	free(text);
	return s == SCR_SAME ? SCR_HOME : s;
}

/* ---- self-check ---- */

enum scr
scr_selfcheck(struct ui *u)
{
	struct uilist l = { 0 };
	struct uirec ok;
	char **lines;
	size_t i, n = 0;
	enum scr s;

	ui_frame(u, _("Self-check"), "");
	ui_putf(2, 2, COLS - 4, A_BOLD, "%s", _("Checking..."));
	refresh();
	ud_start(u, MSG_SELFCHECK);
	if (ud_list(u, &l, &ok) != 0) {
		uilist_clear(&l);
		ui_note_err(u, _("The self-check"));
		return u->lost ? SCR_RECONNECT : SCR_HOME;
	}
	if ((lines = calloc(l.n + 2, sizeof(*lines))) == NULL) {
		uilist_clear(&l);
		uirec_clear(&ok);
		return SCR_HOME;
	}
	if (asprintf(&lines[n], _("%s of %s items pass."),
	    uirec_get(&ok, F_COUNT), uirec_get(&ok, F_TOTAL)) >= 0)
		n++;
	for (i = 0; i < l.n; i++) {
		const struct uirec *r = &l.v[i];
		int pass = strcmp(uirec_get(r, F_STATE), "pass") == 0;

		if (asprintf(&lines[n], "[%s] %s: %s", pass ? _("PASS") :
		    _("FAIL"), uirec_get(r, F_KEY), uirec_get(r, F_VALUE)) >= 0)
			n++;
	}
	uirec_clear(&ok);
	uilist_clear(&l);
	s = ui_view(u, _("Self-check"), (const char *const *)lines, n);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return s == SCR_SAME ? SCR_HOME : s;
}

/* ---- the copy register (issue 7) ---- */

static const char *
copy_type_name(const char *t)
{
	if (strcmp(t, "print") == 0)
		return _("printed");
	if (strcmp(t, "transfer-package") == 0)
		return _("transfer package");
	if (strcmp(t, "plaintext") == 0)
		return _("plaintext copy");
	return t;
}

static const char *
copy_state_name(const char *t)
{
	if (strcmp(t, "done") == 0)
		return _("done");
	if (strcmp(t, "failed") == 0)
		return _("failed");
	if (strcmp(t, "pending") == 0)
		return _("pending");
	if (strcmp(t, "completed") == 0)
		return _("completed");
	return t;
}

enum scr
scr_register(struct ui *u)
{
	static char from[16], to[16];
	struct uifield f[] = {
		{ _("From date (YYYY-MM-DD)"), from, sizeof(from), 0, NULL,
		    NULL, 0, 0 },
		{ _("Before date (YYYY-MM-DD)"), to, sizeof(to), 0, NULL,
		    NULL, 0, 0 },
	};
	struct uilist l = { 0 };
	struct uirec ok;
	uint64_t tf = 0, tt = 0;
	char **lines, when[32];
	size_t i, n = 0;
	enum scr s;
	int r;

	r = ui_form(u, _("Copy register"), _("Empty fields match "
	    "everything."), f, 2);
	if (r != FORM_OK)
		return r == FORM_CANCEL ? SCR_HOME : ui_form_exit(u, r);
	if ((from[0] != '\0' && uitext_parse_date(from, &tf) != 0) ||
	    (to[0] != '\0' && uitext_parse_date(to, &tt) != 0)) {
		ui_note(u, 1, "%s", _("A date is written YYYY-MM-DD."));
		return SCR_HOME;
	}
	ud_start(u, MSG_REGISTER);
	if (from[0] != '\0')
		ud_add_u64(u, F_FROM, tf);
	if (to[0] != '\0')
		ud_add_u64(u, F_TO, tt);
	if (ud_list(u, &l, &ok) != 0) {
		uilist_clear(&l);
		ui_note_err(u, _("The copy register"));
		return u->lost ? SCR_RECONNECT : SCR_HOME;
	}
	if ((lines = calloc(l.n + 3, sizeof(*lines))) == NULL) {
		uilist_clear(&l);
		uirec_clear(&ok);
		return SCR_HOME;
	}
	if (asprintf(&lines[n], _("%zu copies in the register (%s to %s)."),
	    l.n, from[0] ? from : "…", to[0] ? to : "…") >= 0)
		n++;
	if (uirec_num(&ok, F_COUNT, 0) > 0 && asprintf(&lines[n],
	    _("%s log records could not be read."), uirec_get(&ok, F_COUNT))
	    >= 0)
		n++;
	for (i = 0; i < l.n; i++) {
		const struct uirec *e = &l.v[i];

		uitext_time(uirec_num(e, F_CREATED, 0), when, sizeof(when));
		if (asprintf(&lines[n], _("No. %s  %s  %s  %s, %s of %s "
		    "copies  by %s, approved by %s  to %s  %s %s  document %s"),
		    uirec_get(e, F_SEQ), when, ui_class_name(uirec_get(e,
		    F_CLASS)), copy_type_name(uirec_get(e, F_COPY_TYPE)),
		    uirec_get(e, F_MADE), uirec_get(e, F_COUNT),
		    uirec_get(e, F_USER), *uirec_get(e, F_APPROVER) ?
		    uirec_get(e, F_APPROVER) : "-", uirec_get(e, F_DEST),
		    copy_state_name(uirec_get(e, F_STATE)),
		    uirec_get(e, F_MESSAGE), uirec_get(e, F_ID)) >= 0)
			n++;
	}
	uirec_clear(&ok);
	uilist_clear(&l);
	s = ui_view(u, _("Copy register"), (const char *const *)lines, n);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return s == SCR_SAME ? SCR_HOME : s;
}

/* ---- printing a document (issue 7) ---- */

static int
print_send(struct ui *u, const char *id, const char *queue, uint64_t copies,
    struct uirec *ok)
{
	ud_start(u, MSG_PRINT);
	ud_add(u, F_ID, id);
	ud_add(u, F_PRINTER, queue);
	ud_add_u64(u, F_COUNT, copies);
	return ud_call(u, ok);
}

enum scr
ui_print_doc(struct ui *u, const struct uirec *d)
{
	char queue[128] = "";
	char copies[8] = "1", *end, intro[768];
	struct uifield f[] = {
		{ _("Printer queue"), queue, sizeof(queue), 0, NULL, NULL,
		    0, 0 },
		{ _("Copies"), copies, sizeof(copies), 0, NULL, NULL, 0, 0 },
	};
	const char *id = uirec_get(d, F_ID);
	struct uirec ok;
	unsigned long n;
	int r;

	snprintf(intro, sizeof(intro), _("Print \"%s\" (%s). Every copy is "
	    "entered in the copy register."), uirec_get(d, F_TITLE),
	    ui_class_name(uirec_get(d, F_CLASS)));
	if ((r = ui_form(u, _("Print a document"), intro, f, 2)) != FORM_OK)
		return ui_form_exit(u, r);
	n = strtoul(copies, &end, 10);
	if (copies[0] < '1' || copies[0] > '9' || *end != '\0' || n > 99) {
		ui_note(u, 1, "%s", _("Copies: a number from 1 to 99."));
		return SCR_SAME;
	}
	r = print_send(u, id, queue, n, &ok);
	if (r == MK_ERR_APPROVAL) {
		/* With the copies and 30 minutes' validity, as matctl
		 * print --approver asks it. */
		if ((r = ui_approve(u, "print", id, n,
		    (uint64_t)time(NULL) + 30 * 60, _("This print needs a "
		    "supervisor's approval: the supervisor types their "
		    "password here."))) != FORM_OK)
			return u->lost ? SCR_RECONNECT : ui_form_exit(u, r);
		r = print_send(u, id, queue, n, &ok);
	}
	if (r != 0) {
		ui_note_err(u, _("Not printed"));
		return u->lost ? SCR_RECONNECT : SCR_SAME;
	}
	ui_note(u, strcmp(uirec_get(&ok, F_STATE), "completed") != 0,
	    _("Printed: %s of %lu copies (%s), log record %s."),
	    uirec_get(&ok, F_MADE), n, copy_state_name(uirec_get(&ok,
	    F_STATE)),
	    uirec_get(&ok, F_SEQ));
	uirec_clear(&ok);
	return SCR_SAME;
}

/* ---- the inspection export onto a medium (issue 10) ---- */

static int
export_send(struct ui *u, const char *serial, struct uirec *ok)
{
	ud_start(u, MSG_EXPORT);
	ud_add(u, F_SERIAL, serial);
	return ud_call(u, ok);
}

enum scr
scr_export(struct ui *u)
{
	char serial[320] = "", q[768], *lines[8];
	struct uirec ok;
	size_t n = 0, i;
	enum scr s;
	int r;

	if ((r = ui_pick_medium(u, _("Inspection export"), serial,
	    sizeof(serial))) != FORM_OK)
		return r == FORM_CANCEL ? SCR_HOME : ui_form_exit(u, r);
	snprintf(q, sizeof(q), _("Export the audit log, the registers, the "
	    "repair recordings and the report, signed by this machine, onto "
	    "the medium %s? Only a medium registered for export is "
	    "accepted; a supervisor approves the export here."), serial);
	if ((r = ui_confirm(u, _("Inspection export"), q)) != 1)
		return r == 0 ? SCR_HOME : ui_form_exit(u, r);
	r = export_send(u, serial, &ok);
	if (r == MK_ERR_APPROVAL) {
		if ((r = ui_approve(u, "export.inspection", "inspection", 1,
		    (uint64_t)time(NULL) + 30 * 60, _("An inspection export "
		    "needs a supervisor's approval: the supervisor types their "
		    "password here."))) != FORM_OK)
			return u->lost ? SCR_RECONNECT : r == FORM_CANCEL ?
			    SCR_HOME : ui_form_exit(u, r);
		ui_frame(u, _("Inspection export"), "");
		ui_putf(2, 2, COLS - 4, A_BOLD, "%s", _("Exporting..."));
		refresh();
		r = export_send(u, serial, &ok);
	}
	if (r != 0) {
		ui_note_err(u, _("Not exported"));
		return u->lost ? SCR_RECONNECT : SCR_HOME;
	}
	if (asprintf(&lines[n], "%s", _("The export is on the medium. Check "
	    "it on the inspection computer with the sealing certificate's "
	    "key:")) >= 0)
		n++;
	if (asprintf(&lines[n], "  %s", uirec_get(&ok, F_PATH)) >= 0)
		n++;
	if (asprintf(&lines[n], _("  %s members, %s bytes"),
	    uirec_get(&ok, F_COUNT), uirec_get(&ok, F_SIZE)) >= 0)
		n++;
	if (asprintf(&lines[n], _("  log head %s:%.32s"), uirec_get(&ok, F_SEQ),
	    uirec_get(&ok, F_MAC)) >= 0)
		n++;
	if (asprintf(&lines[n], "  matverify --key K0 --expect-head %s:%.32s "
	    "FILE", uirec_get(&ok, F_SEQ), uirec_get(&ok, F_MAC)) >= 0)
		n++;
	if (asprintf(&lines[n], _("  manifest SHA-256 %s"),
	    uirec_get(&ok, F_HASH)) >= 0)
		n++;
	uirec_clear(&ok);
	ui_note(u, 0, "%s", _("Exported."));
	s = ui_view(u, _("Inspection export"), (const char *const *)lines, n);
	for (i = 0; i < n; i++)
		free(lines[i]);
	return s == SCR_SAME ? SCR_HOME : s;
}
