/*
 * The log screen: the audit log a screenful at a time, newest first,
 * filtered by event, severity, person and date (LOG_QUERY). A page is one
 * bounded request (docs/protocol.md, "Reading the log"), so paging costs
 * the same at record 10 as at record 500,000.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/proto.h"
#include "ui.h"
#include "uilang.h"
#include "uipage.h"
#include "uitext.h"

#define LOG_HINTS	N_("PgDn older  PgUp newer  Home newest  End oldest" \
			    "  Enter details  f filter")

static const char *const lv_tokens[] = { "", "thong-tin", "thap",
    "trung-binh", "cao", "khan-cap" };

/* Columns: seq, time, severity, person, event, the rest. */
static const int log_w[] = { 7, 16, 10, 10, 18, 0 };

struct logq {
	char	event[64], user[64], from[16], to[16];
	int	level;			/* index in lv_tokens */
	uint64_t tfrom, tto;
	int	have_from, have_to;
};

/* One request from the cursor; ENTRYs appended to l. */
static int
query(struct ui *u, const struct logq *q, const char *dir, int have_cursor,
    uint64_t cursor, unsigned limit, struct uilist *l, struct uirec *ok)
{
	ud_start(u, MSG_LOG_QUERY);
	ud_add(u, F_DIRECTION, dir);
	if (have_cursor)
		ud_add_u64(u, F_CURSOR, cursor);
	ud_add_u64(u, F_LIMIT, limit);
	if (q->event[0] != '\0')
		ud_add(u, F_EVENT, q->event);
	if (q->level > 0)
		ud_add(u, F_LEVEL, lv_tokens[q->level]);
	if (q->user[0] != '\0')
		ud_add(u, F_USER, q->user);
	if (q->have_from)
		ud_add_u64(u, F_FROM, q->tfrom);
	if (q->have_to)
		ud_add_u64(u, F_TO, q->tto);
	return ud_list(u, l, ok);
}

/* A page for the move: requests follow the daemon's cursor until the
 * page is full or the log ends (a rare filter may give short pages). */
static int
load(struct ui *u, const struct logq *q, struct uipage *pg,
    enum uipage_move mv, unsigned rows, struct uilist *page,
    uint64_t *total)
{
	struct uipage_req rq;
	struct uilist got = { 0 };
	struct uirec ok;
	int r, more = 0, tries;

	if (uipage_request(pg, mv, &rq) != 0)
		return 1;
	for (tries = 0; tries < 64 && got.n < rows; tries++) {
		r = query(u, q, rq.direction, rq.have_cursor, rq.cursor,
		    rows - (unsigned)got.n, &got, &ok);
		if (r != 0) {
			uilist_clear(&got);
			return r;
		}
		*total = uirec_num(&ok, F_TOTAL, *total);
		more = uirec_has(&ok, F_CURSOR);
		rq.have_cursor = 1;
		rq.cursor = uirec_num(&ok, F_CURSOR, 0);
		uirec_clear(&ok);
		if (!more)
			break;
	}
	if (got.n == 0 && mv != UIPAGE_HEAD && mv != UIPAGE_TAIL) {
		uipage_loaded(pg, mv, 0, 0, 0, more);
		uilist_clear(&got);
		return 1;
	}
	uilist_clear(page);
	*page = got;
	uipage_loaded(pg, mv, (unsigned)got.n, got.n ? uirec_num(&got.v[0],
	    F_SEQ, 0) : 0, got.n ? uirec_num(&got.v[got.n - 1], F_SEQ, 0) : 0,
	    more);
	/* Shown newest at the top. */
	if (uipage_reversed(mv) && page->n > 1) {
		size_t i;

		for (i = 0; i < page->n / 2; i++) {
			struct uirec t = page->v[i];

			page->v[i] = page->v[page->n - 1 - i];
			page->v[page->n - 1 - i] = t;
		}
	}
	return 0;
}

static int
filter_form(struct ui *u, struct logq *q)
{
	const char *shown[6];
	struct uifield f[] = {
		{ _("Event (or prefix ending in .)"), q->event,
		    sizeof(q->event), 0, NULL, NULL, 0, 0 },
		{ _("Lowest severity"), NULL, 0, 0, lv_tokens, shown, 6,
		    q->level },
		{ _("Person (account)"), q->user, sizeof(q->user), 0, NULL,
		    NULL, 0, 0 },
		{ _("From date (YYYY-MM-DD)"), q->from, sizeof(q->from), 0,
		    NULL, NULL, 0, 0 },
		{ _("Before date (YYYY-MM-DD)"), q->to, sizeof(q->to), 0,
		    NULL, NULL, 0, 0 },
	};
	int i, r;

	shown[0] = _("any");
	for (i = 1; i < 6; i++)
		shown[i] = ui_level_name(lv_tokens[i]);
	r = ui_form(u, _("Filter the log"), _("Empty fields match "
	    "everything."), f, 5);
	if (r != FORM_OK)
		return r;
	q->level = f[1].choice;
	q->have_from = q->from[0] != '\0';
	q->have_to = q->to[0] != '\0';
	if ((q->have_from && uitext_parse_date(q->from, &q->tfrom) != 0) ||
	    (q->have_to && uitext_parse_date(q->to, &q->tto) != 0)) {
		ui_note(u, 1, "%s", _("A date is written YYYY-MM-DD."));
		q->have_from = q->have_to = 0;
		q->from[0] = q->to[0] = '\0';
	}
	return FORM_OK;
}

static enum scr
details(struct ui *u, const struct uirec *r)
{
	char l[9][1200], when[32];
	const char *lines[9];
	int i;

	uitext_time(uirec_num(r, F_CREATED, 0), when, sizeof(when));
	snprintf(l[0], sizeof(l[0]), "%s: %s", _("Record"),
	    uirec_get(r, F_SEQ));
	snprintf(l[1], sizeof(l[1]), "%s: %s UTC", _("Time"), when);
	snprintf(l[2], sizeof(l[2]), "%s: %s", _("Severity"),
	    ui_level_name(uirec_get(r, F_LEVEL)));
	snprintf(l[3], sizeof(l[3]), "%s: %s (%s)", _("Person"),
	    uirec_get(r, F_USER), uirec_get(r, F_ROLE));
	snprintf(l[4], sizeof(l[4]), "%s: %s", _("Event"),
	    uirec_get(r, F_EVENT));
	snprintf(l[5], sizeof(l[5]), "%s: %s", _("Object"),
	    uirec_get(r, F_OBJECT));
	snprintf(l[6], sizeof(l[6]), "%s: %s", _("State"),
	    uirec_get(r, F_STATE));
	snprintf(l[7], sizeof(l[7]), "%s:", _("Fields"));
	snprintf(l[8], sizeof(l[8]), "%s", uirec_get(r, F_MESSAGE));
	for (i = 0; i < 9; i++)
		lines[i] = l[i];
	return ui_view(u, _("Log record"), lines, 9);
}

static void
draw(struct ui *u, const struct logq *q, const struct uilist *page,
    size_t sel, uint64_t total, int rows)
{
	char when[32], filt[256];
	size_t i;

	snprintf(filt, sizeof(filt), "%s%s%s%s%s%s%s%s", q->event,
	    q->event[0] ? " " : "", q->level ? lv_tokens[q->level] : "",
	    q->level ? " " : "", q->user, q->user[0] ? " " : "", q->from,
	    q->to[0] ? q->to : "");
	ui_putf(1, 1, COLS - 2, A_BOLD, _("%llu records in the log; filter: "
	    "%s"), (unsigned long long)total, filt[0] ? filt : _("none"));
	{
		const char *c[] = { "#", _("Time"), _("Severity"), _("Person"),
		    _("Event"), _("Object / fields") };

		ui_cells(2, 1, A_UNDERLINE, log_w, c, 6);
	}
	for (i = 0; i < (size_t)rows && i < page->n; i++) {
		const struct uirec *r = &page->v[i];
		const char *lv = uirec_get(r, F_LEVEL);
		char rest[2048];
		const char *c[] = { uirec_get(r, F_SEQ), when,
		    ui_level_name(lv), uirec_get(r, F_USER),
		    uirec_get(r, F_EVENT), rest };

		uitext_time(uirec_num(r, F_CREATED, 0), when, sizeof(when));
		snprintf(rest, sizeof(rest), "%s%s%s", uirec_get(r, F_OBJECT),
		    *uirec_get(r, F_OBJECT) != '\0' ? "  " : "",
		    uirec_get(r, F_MESSAGE));
		ui_cells(3 + (int)i, 1, i == sel ? (int)A_REVERSE :
		    (strcmp(lv, "cao") == 0 || strcmp(lv, "khan-cap") == 0 ?
		    ui_attr_bad(u) : (int)A_NORMAL), log_w, c, 6);
	}
}

enum scr
scr_log(struct ui *u)
{
	struct logq q;
	struct uipage pg;
	struct uilist page = { 0 };
	struct uikey k;
	enum uipage_move mv = UIPAGE_HEAD;
	enum scr s = SCR_SAME;
	uint64_t total = 0;
	size_t sel = 0;
	int rows = LINES - 7, r, need = 1;
	char own[512];

	memset(&q, 0, sizeof(q));
	memset(&pg, 0, sizeof(pg));
	while (s == SCR_SAME) {
		if (need) {
			r = load(u, &q, &pg, mv, (unsigned)(rows > 0 ? rows : 1),
			    &page, &total);
			if (r < 0)
				ui_note_err(u, _("The log"));
			/* Back at the newest end with a short page: fill it. */
			if (r == 0 && mv == UIPAGE_NEWER && pg.at_head &&
			    page.n < (size_t)rows)
				(void)load(u, &q, &pg, UIPAGE_HEAD,
				    (unsigned)rows, &page, &total);
			need = 0;
			if (sel >= page.n)
				sel = page.n > 0 ? page.n - 1 : 0;
		}
		snprintf(own, sizeof(own), "%s | %s", _(LOG_HINTS),
		    _(UI_NAV_HINTS));
		rows = ui_frame(u, _("Audit log"), own) - 2;
		draw(u, &q, &page, sel, total, rows);
		k = ui_key(u);
		if ((s = ui_nav(u, &k)) != SCR_SAME)
			break;
		if (u->lost) {
			s = SCR_RECONNECT;
			break;
		}
		if (k.type == UK_REDRAW) {
			rows = LINES - 7;
			mv = UIPAGE_HEAD;
			need = 1;
		} else if (k.type == UK_FUNC) {
			switch (k.ch) {
			case KEY_NPAGE: mv = UIPAGE_OLDER; need = 1; break;
			case KEY_PPAGE: mv = UIPAGE_NEWER; need = 1; break;
			case KEY_HOME: mv = UIPAGE_HEAD; need = 1; break;
			case KEY_END: mv = UIPAGE_TAIL; need = 1; break;
			case KEY_UP: if (sel > 0) sel--; break;
			case KEY_DOWN: if (sel + 1 < page.n) sel++; break;
			case KEY_ENTER:
				if (page.n > 0)
					s = details(u, &page.v[sel]);
				break;
			default: break;
			}
			if (need && (k.ch == KEY_NPAGE || k.ch == KEY_PPAGE))
				sel = 0;
		} else if (k.type == UK_CHAR && (k.ch == '\r' || k.ch == '\n')) {
			if (page.n > 0)
				s = details(u, &page.v[sel]);
		} else if (k.type == UK_CHAR && k.ch == 'f') {
			r = filter_form(u, &q);
			if (r < 0)
				s = ui_form_exit(u, r);
			mv = UIPAGE_HEAD;
			need = 1;
		}
	}
	uilist_clear(&page);
	return s;
}
