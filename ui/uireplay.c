/*
 * The replay of a repair recording through libvterm (uireplay.h).
 *
 * Why an emulator and not the bytes: a recording holds whatever the
 * technician's programs wrote, escape sequences included (a window
 * title, a terminal answerback, a rewritten line, the contents of the
 * supervisor's screen in the console's own colours). Written raw, they
 * would act on the inspector's terminal. libvterm (the emulator neovim
 * uses) interprets them into cells of a virtual screen; the console then
 * draws each cell's characters, and only printable ones, with ncurses.
 * Nothing the emulator would answer goes anywhere.
 */
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vterm.h>

#include "common/buf.h"
#include "common/cast.h"
#include "ui.h"
#include "uilang.h"
#include "uireplay.h"
#include "uitext.h"

_Static_assert(VTERM_MAX_CHARS_PER_CELL <= UITEXT_CELL_MAX,
    "a libvterm cell fits uitext_cell");

#define DIM_MAX		1000	/* the protocol's largest terminal */

static const unsigned speeds[] = { 1, 2, 4, 8 };

struct replay {
	const uint8_t	*p;
	size_t		 len, off;	/* the next line */
	struct mkbuf	*data;		/* the next event's data */
	uint64_t	 t;		/* its time */
	char		 type;
	int		 have;		/* an event is waiting */
	int		 bad;		/* a line did not parse */
	VTerm		*vt;
	VTermScreen	*vs;
	unsigned	 rows, cols;
	uint64_t	 at;		/* the replay's position, us */
	int		 speed, paused;
};

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* A number after "key": in the header line, within 1..DIM_MAX. */
static unsigned
header_num(const char *h, size_t len, const char *key, unsigned def)
{
	char line[512], *p;
	unsigned long v;

	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	memcpy(line, h, len);
	line[len] = '\0';
	if ((p = strstr(line, key)) == NULL)
		return def;
	p += strlen(key);
	while (*p == ' ' || *p == ':')
		p++;
	v = strtoul(p, NULL, 10);
	return v >= 1 && v <= DIM_MAX ? (unsigned)v : def;
}

/* Loads the next event line into rp (rp->have 0 at the end). */
static void
next_event(struct replay *rp)
{
	const uint8_t *nl;
	size_t ll;

	rp->have = 0;
	while (rp->off < rp->len && !rp->bad) {
		nl = memchr(rp->p + rp->off, '\n', rp->len - rp->off);
		ll = nl != NULL ? (size_t)(nl - (rp->p + rp->off)) :
		    rp->len - rp->off;
		mkbuf_reset(rp->data);
		if (ll > 0 && cast_parse_event((const char *)rp->p + rp->off,
		    ll, &rp->t, &rp->type, rp->data) != 0)
			rp->bad = 1;
		rp->off += ll + 1;
		if (ll > 0 && !rp->bad) {
			rp->have = 1;
			return;
		}
	}
}

/* Feeds the waiting event to the emulator: output, or a resize. */
static void
feed(struct replay *rp)
{
	unsigned c, r;
	char sz[32];
	size_t n = mkbuf_len(rp->data);

	if (rp->type == 'o')
		vterm_input_write(rp->vt, (const char *)mkbuf_ptr(rp->data), n);
	else if (rp->type == 'r' && n < sizeof(sz)) {
		memcpy(sz, mkbuf_ptr(rp->data), n);
		sz[n] = '\0';
		if (sscanf(sz, "%ux%u", &c, &r) == 2 && c >= 1 &&
		    c <= DIM_MAX && r >= 1 && r <= DIM_MAX) {
			rp->cols = c;
			rp->rows = r;
			vterm_set_size(rp->vt, (int)r, (int)c);
		}
	}
	rp->at = rp->t > rp->at ? rp->t : rp->at;
	next_event(rp);
}

/* What the emulator would answer the program (device attributes, the
 * cursor position) is dropped: there is no program to answer. */
static void
discard(const char *s, size_t len, void *user)
{
	(void)s;
	(void)len;
	(void)user;
}

static int
replay_open(struct replay *rp, const uint8_t *cast, size_t len)
{
	const uint8_t *nl = memchr(cast, '\n', len);
	size_t hl = nl != NULL ? (size_t)(nl - cast) : len;

	memset(rp, 0, sizeof(*rp));
	rp->p = cast;
	rp->len = len;
	rp->off = nl != NULL ? hl + 1 : len;
	rp->cols = header_num((const char *)cast, hl, "\"width\"", 80);
	rp->rows = header_num((const char *)cast, hl, "\"height\"", 24);
	if ((rp->data = mkbuf_new(CAST_LINE_MAX)) == NULL ||
	    (rp->vt = vterm_new((int)rp->rows, (int)rp->cols)) == NULL) {
		mkbuf_free(rp->data);
		return -1;
	}
	vterm_set_utf8(rp->vt, 1);
	vterm_output_set_callback(rp->vt, discard, NULL);
	rp->vs = vterm_obtain_screen(rp->vt);
	vterm_screen_enable_altscreen(rp->vs, 1);
	vterm_screen_reset(rp->vs, 1);
	next_event(rp);
	return 0;
}

static void
replay_close(struct replay *rp)
{
	if (rp->vt != NULL)
		vterm_free(rp->vt);
	mkbuf_free(rp->data);
	memset(rp, 0, sizeof(*rp));
}

/* One cell as ncurses draws it: its characters if uitext_cell finds
 * them printable, in the columns the emulator gave them, else '?'. */
static void
draw_cell(int y, int x, const VTermScreenCell *c)
{
	wchar_t wc[UITEXT_CELL_MAX + 1];
	cchar_t cc;
	attr_t a = A_NORMAL;
	size_t n;

	for (n = 0; n < VTERM_MAX_CHARS_PER_CELL && c->chars[n] != 0; n++)
		;
	(void)uitext_cell(c->chars, n, c->width, wc);
	if (c->attrs.bold)
		a |= A_BOLD;
	if (c->attrs.underline)
		a |= A_UNDERLINE;
	if (c->attrs.reverse)
		a |= A_REVERSE;
	if (setcchar(&cc, wc, a, 0, NULL) == OK)
		mvadd_wch(y, x, &cc);
}

/* The virtual screen in rows 2..LINES-3, cut to the terminal (the rows
 * around the cursor kept) or framed by a line where it is smaller. */
static void
draw_screen(const struct replay *rp)
{
	VTermScreenCell cell;
	VTermPos pos, cur;
	int area = LINES - 4, w, h, top = 0, y, x;

	if (area < 1)
		return;
	vterm_state_get_cursorpos(vterm_obtain_state(rp->vt), &cur);
	h = (int)rp->rows < area ? (int)rp->rows : area;
	w = (int)rp->cols < COLS ? (int)rp->cols : COLS;
	if (cur.row >= area)
		top = cur.row - area + 1;
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			pos.row = top + y;
			pos.col = x;
			if (vterm_screen_get_cell(rp->vs, pos, &cell) == 0 ||
			    cell.chars[0] == (uint32_t)-1)
				continue;
			if (cell.width == 2 && x + 1 >= w)
				break;
			draw_cell(2 + y, x, &cell);
		}
		if (w < COLS)
			mvaddch(2 + y, w, ACS_VLINE);
	}
	if (h < area) {
		mvhline(2 + h, 0, ACS_HLINE, w);
		if (w < COLS)
			mvaddch(2 + h, w, ACS_LRCORNER);
	}
}

static void
draw(struct ui *u, const char *title, const struct replay *rp)
{
	char st[256];

	u->note[0] = '\0';
	ui_frame(u, title, _("Space pause  + - speed  e end  Esc back"));
	snprintf(st, sizeof(st), _("%u×%u  %ux  %u:%02u  %s"), rp->cols,
	    rp->rows, speeds[rp->speed], (unsigned)(rp->at / 60000000),
	    (unsigned)(rp->at / 1000000 % 60), rp->bad ?
	    _("a line of the recording does not parse: replay stopped") :
	    !rp->have ? _("end of the recording") : rp->paused ?
	    _("paused") : _("playing"));
	ui_put(1, 0, st, COLS, 1, rp->bad ? ui_attr_alarm(u) : (int)A_BOLD);
	draw_screen(rp);
}

/* A key: 1 to leave. */
static int
replay_key(struct replay *rp, const struct uikey *k)
{
	if (k->type == UK_CHAR && (k->ch == 27 || k->ch == 'q'))
		return 1;
	if (k->type == UK_CHAR && (k->ch == ' ' || k->ch == 'p'))
		rp->paused = !rp->paused;
	else if (k->type == UK_CHAR && k->ch == '+' && rp->speed < 3)
		rp->speed++;
	else if (k->type == UK_CHAR && k->ch == '-' && rp->speed > 0)
		rp->speed--;
	else if ((k->type == UK_CHAR && k->ch == 'e') ||
	    (k->type == UK_FUNC && k->ch == KEY_END))
		while (rp->have)
			feed(rp);
	return 0;
}

/* How long to wait for a key: until the next event is due, at most a
 * second. */
static int
wait_ms(const struct replay *rp)
{
	uint64_t d;

	if (!rp->have || rp->paused || rp->bad)
		return 1000;
	d = rp->t > rp->at ? (rp->t - rp->at) / speeds[rp->speed] / 1000 : 0;
	return d < 1000 ? (int)d + 1 : 1000;
}

enum scr
uireplay_run(struct ui *u, const char *title, const uint8_t *cast,
    size_t len)
{
	struct replay rp;
	struct uikey k;
	enum scr s = SCR_SAME;
	uint64_t last, now;

	if (replay_open(&rp, cast, len) != 0) {
		ui_note(u, 1, "%s", _("Out of memory."));
		return SCR_SAME;
	}
	last = mono_us();
	for (;;) {
		now = mono_us();
		if (!rp.paused && rp.have)
			rp.at += (now - last) * speeds[rp.speed];
		last = now;
		while (rp.have && rp.t <= rp.at)
			feed(&rp);
		draw(u, title, &rp);
		k = ui_key_wait(u, wait_ms(&rp));
		if ((s = ui_event_screen(u, &k)) != SCR_SAME ||
		    replay_key(&rp, &k))
			break;
	}
	replay_close(&rp);
	return s;
}
