/*
 * The terminal side of the console: ncursesw drawing, keys and events,
 * forms and views. Everything printed here is either a translated string
 * of the program or text already escaped (uirec, uitext_safe).
 */
#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/client.h"
#include "common/err.h"
#include "common/proto.h"
#include "ui.h"
#include "uilang.h"
#include "uitext.h"

enum { P_TITLE = 1, P_BAD, P_GOOD, P_ALARM };

volatile sig_atomic_t ui_stop_requested;

void
ui_start(struct ui *u)
{
	initscr();
	/* raw, not cbreak: Ctrl-C, Ctrl-Z and Ctrl-\ arrive as keys and
	 * raise no signal (they are ignored as well, see main). */
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	u->color = has_colors() && getenv("NO_COLOR") == NULL;
	if (u->color && start_color() == OK) {
		use_default_colors();
		init_pair(P_TITLE, COLOR_WHITE, COLOR_BLUE);
		init_pair(P_BAD, COLOR_RED, -1);
		init_pair(P_GOOD, COLOR_GREEN, -1);
		init_pair(P_ALARM, COLOR_WHITE, COLOR_RED);
	} else
		u->color = 0;
}

void
ui_stop(void)
{
	if (!isendwin())
		endwin();
}

/* Monochrome terminals get reverse video and bold instead of colours. */
int
ui_attr_title(struct ui *u)
{
	return u->color ? COLOR_PAIR(P_TITLE) | A_BOLD : A_REVERSE;
}

int
ui_attr_bad(struct ui *u)
{
	return u->color ? COLOR_PAIR(P_BAD) | A_BOLD : A_BOLD;
}

int
ui_attr_good(struct ui *u)
{
	return u->color ? COLOR_PAIR(P_GOOD) : A_NORMAL;
}

int
ui_attr_alarm(struct ui *u)
{
	return u->color ? COLOR_PAIR(P_ALARM) | A_BOLD : A_REVERSE | A_BOLD;
}

void
ui_put(int y, int x, const char *s, int cols, int pad, int attr)
{
	char buf[2048];

	if (cols <= 0 || y < 0 || y >= LINES)
		return;
	uitext_fit(s, (size_t)cols, pad, buf, sizeof(buf));
	attron(attr);
	mvaddstr(y, x, buf);
	attroff(attr);
}

void
ui_putf(int y, int x, int cols, int attr, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ui_put(y, x, buf, cols, 0, attr);
}

void
ui_cells(int y, int x, int attr, const int *w, const char *const *cell,
    int n)
{
	int i, cx = x;

	ui_put(y, x, "", COLS - x - 1, 1, attr);
	for (i = 0; i < n && cx < COLS - 1; i++) {
		int cw = i == n - 1 || cx + w[i] > COLS - 1 ? COLS - 1 - cx :
		    w[i];

		ui_put(y, cx, cell[i], cw, 0, attr);
		cx += cw + 1;
	}
}

int
ui_wrap(int y, int x, int cols, int maxy, const char *s, int attr)
{
	char line[2048];
	size_t len, next;

	while (*s != '\0' && y < maxy) {
		next = uitext_wrap(s, (size_t)cols, &len);
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, s, len);
		line[len] = '\0';
		ui_put(y++, x, line, cols, 0, attr);
		s += next;
	}
	return y;
}

void
ui_note(struct ui *u, int bad, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->note, sizeof(u->note), fmt, ap);
	va_end(ap);
	u->note_bad = bad;
}

/* The headline of a refusal in the person's language; the daemon's own
 * reason (English, escaped) follows it. */
static const char *
err_headline(int err)
{
	switch (err) {
	case MK_ERR_PASSWORD: return _("Wrong account name or password.");
	case MK_ERR_ACCT_LOCKED: return _("The account is locked.");
	case MK_ERR_DISABLED: return _("The account is disabled.");
	case MK_ERR_PW_CHANGE: return _("The password must be changed.");
	case MK_ERR_POLICY: return _("The new password does not meet the rules.");
	case MK_ERR_APPROVAL: return _("This needs a supervisor's approval.");
	case MK_ERR_DENIED: return _("Not permitted.");
	case MK_ERR_LOCKED: return _("Locked.");
	case MK_ERR_NOT_FOUND: return _("Not found.");
	case MK_ERR_EXISTS: return _("It exists already.");
	case MK_ERR_USAGE: return _("Invalid input.");
	case MK_ERR_LOG: return _("The audit log cannot be written: refused.");
	default: return _("Refused.");
	}
}

void
ui_note_err(struct ui *u, const char *what)
{
	ui_note(u, 1, "%s%s%s (%s)", what != NULL ? what : "",
	    what != NULL ? ": " : "", err_headline(u->err), u->errmsg);
}

/* Own keys on two lines (LINES - 3 and - 2), broken between key groups
 * (two spaces apart), never inside one. */
static void
hint_lines(const char *own, int attr)
{
	char line[2][512], group[512];
	const char *p = own, *sep;
	size_t len, used[2] = { 0, 0 };
	int l = 0;

	line[0][0] = line[1][0] = '\0';
	while (*p != '\0') {
		sep = strstr(p, "  ");
		len = sep != NULL ? (size_t)(sep - p) : strlen(p);
		if (len >= sizeof(group))
			len = sizeof(group) - 1;
		memcpy(group, p, len);
		group[len] = '\0';
		if (l == 0 && used[0] > 0 && uitext_width(line[0]) + 2 +
		    uitext_width(group) > (size_t)COLS)
			l = 1;
		if (used[l] + len + 3 < sizeof(line[l])) {
			if (used[l] > 0) {
				memcpy(line[l] + used[l], "  ", 2);
				used[l] += 2;
			}
			memcpy(line[l] + used[l], group, len);
			used[l] += len;
			line[l][used[l]] = '\0';
		}
		p = sep != NULL ? sep : p + strlen(p);
		p += strspn(p, " ");
	}
	ui_put(LINES - 3, 0, line[0], COLS, 1, attr);
	ui_put(LINES - 2, 0, line[1], COLS, 1, attr);
}

int
ui_frame(struct ui *u, const char *title, const char *hints)
{
	char right[160], own[512];
	const char *bar;
	size_t len;
	int rows, wide;

	erase();
	if (u->logged_in)
		snprintf(right, sizeof(right), " %s [%s] ", u->user,
		    uilang_get());
	else
		snprintf(right, sizeof(right), " [%s] ", uilang_get());
	ui_put(0, 0, "", COLS, 1, ui_attr_title(u));
	ui_putf(0, 0, COLS, ui_attr_title(u), " matkiosk — %s", title);
	ui_put(0, COLS - (int)uitext_width(right), right,
	    (int)uitext_width(right), 0, ui_attr_title(u));
	if (u->lockdown)
		ui_put(0, COLS / 2, _(" LOCKDOWN "), COLS / 4, 0,
		    ui_attr_alarm(u));
	/* The screen's own keys, then (after " | ") the navigation keys.
	 * Own keys wider than the terminal take two lines, the message
	 * line one. */
	own[0] = '\0';
	if ((bar = strstr(hints, " | ")) != NULL) {
		len = (size_t)(bar - hints) < sizeof(own) - 1 ?
		    (size_t)(bar - hints) : sizeof(own) - 1;
		memcpy(own, hints, len);
		own[len] = '\0';
	}
	wide = uitext_width(own) > (size_t)COLS;
	if (u->note[0] != '\0')
		ui_wrap(LINES - 4, 0, COLS, wide ? LINES - 3 : LINES - 2,
		    u->note, u->note_bad ? ui_attr_bad(u) : ui_attr_good(u));
	if (bar != NULL) {
		if (wide)
			hint_lines(own, A_BOLD);
		else
			ui_put(LINES - 2, 0, own, COLS, 1, A_BOLD);
		ui_put(LINES - 1, 0, bar + 3, COLS, 1, ui_attr_title(u));
	} else
		ui_put(LINES - 1, 0, hints, COLS, 1, ui_attr_title(u));
	rows = LINES - 5;
	return rows < 1 ? 1 : rows;
}

/* ---- keys and events ---- */

/* A frame on the watch connection: a lockdown, or its end. */
static struct uikey
watch_event(struct ui *u)
{
	struct uikey k = { UK_TICK, 0 };
	struct mkmsg m;
	char state[32], msg[1024];

	if (mkclient_recv(u->watch, &m) != 0) {
		mkclient_close(u->watch);
		u->watch = NULL;
		u->lost = 1;
		return k;
	}
	if (m.type != MSG_EVENT || mkmsg_str(&m, F_STATE, state,
	    sizeof(state)) != 0)
		return k;
	if (strcmp(state, "lockdown") == 0) {
		const struct mkfield *f = mkmsg_get(&m, F_MESSAGE);

		uitext_safe(f != NULL ? f->p : (const uint8_t *)"",
		    f != NULL ? f->len : 0, msg, sizeof(msg));
		snprintf(u->lockdown_reason, sizeof(u->lockdown_reason),
		    "%s", msg);
		if (!u->lockdown)
			u->note[0] = '\0';
		u->lockdown = 1;
		k.type = UK_LOCKDOWN;
	} else if (u->lockdown) {
		u->lockdown = 0;
		k.type = UK_CLEARED;
	}
	return k;
}

struct uikey
ui_key(struct ui *u)
{
	return ui_key_wait(u, 1000);
}

struct uikey
ui_key_wait(struct ui *u, int ms)
{
	struct pollfd pfd[2];
	struct uikey k = { UK_TICK, 0 };
	int n = 1, r;

	refresh();
	pfd[0].fd = STDIN_FILENO;
	pfd[0].events = POLLIN;
	if (u->watch != NULL) {
		pfd[1].fd = mkclient_fd(u->watch);
		pfd[1].events = POLLIN;
		n = 2;
	}
	if (u->logged_in && u->idle_min > 0 &&
	    time(NULL) - u->last_key >= (time_t)u->idle_min * 60) {
		k.type = UK_IDLE;
		return k;
	}
	r = poll(pfd, (nfds_t)n, ms);
	if (ui_stop_requested || (r > 0 && (pfd[0].revents &
	    (POLLHUP | POLLERR | POLLNVAL))))
		exit(0);
	if (r < 0 && errno != EINTR)
		return k;
	if (n == 2 && r > 0 && (pfd[1].revents & (POLLIN | POLLHUP)))
		return watch_event(u);
	/* Also after EINTR: a SIGWINCH makes get_wch return KEY_RESIZE. */
	timeout(0);
	r = get_wch(&k.ch);
	timeout(-1);
	if (r == ERR)
		return k;
	u->last_key = time(NULL);
	if (r == KEY_CODE_YES) {
		k.type = UK_FUNC;
		if (k.ch == KEY_RESIZE)
			k.type = UK_REDRAW;
		else if (k.ch == KEY_F(8)) {
			uilang_set(strcmp(uilang_get(), "vi") == 0 ?
			    "en" : "vi");
			k.type = UK_LANG;
		}
		return k;
	}
	/* The kiosk has no way out: interrupt, suspend and quit keys are
	 * plain keys here and do nothing. */
	if (k.ch == 3 || k.ch == 26 || k.ch == 28) {
		k.type = UK_TICK;
		return k;
	}
	k.type = UK_CHAR;
	return k;
}

enum scr
ui_event_screen(struct ui *u, const struct uikey *k)
{
	if (k->type == UK_LOCKDOWN)
		return SCR_LOCKDOWN;
	if (k->type == UK_IDLE)
		return u->logged_in ? SCR_LOCK : SCR_SAME;
	if (u->lost)
		return SCR_RECONNECT;
	return SCR_SAME;
}

enum scr
ui_nav(struct ui *u, const struct uikey *k)
{
	enum scr s = ui_event_screen(u, k);

	/* A note stays until the next key on a list screen. */
	if (k->type == UK_CHAR || (k->type == UK_FUNC &&
	    k->ch != KEY_RESIZE))
		u->note[0] = '\0';
	if (s != SCR_SAME || k->type != UK_FUNC)
		return s;
	switch (k->ch) {
	case KEY_F(1): return SCR_HOME;
	case KEY_F(2): return SCR_DOCS;
	case KEY_F(3): return SCR_USB;
	case KEY_F(4): return SCR_ACCOUNTS;
	case KEY_F(5): return SCR_LOG;
	case KEY_F(6): return SCR_INCIDENTS;
	case KEY_F(7): return SCR_PASSWD;
	case KEY_F(9): return SCR_LOCK;
	case KEY_F(10):
		ud_start(u, MSG_LOGOUT);
		(void)ud_call(u, NULL);
		u->logged_in = 0;
		u->user[0] = '\0';
		ui_note(u, 0, "%s", _("Logged out."));
		return SCR_LOGIN;
	default:
		return SCR_SAME;
	}
}

int
ui_list_key(const struct uikey *k, size_t n, int rows, size_t *sel,
    size_t *top)
{
	size_t page = rows > 1 ? (size_t)rows : 1;

	if (k->type != UK_FUNC)
		return 0;
	switch (k->ch) {
	case KEY_UP: if (*sel > 0) (*sel)--; break;
	case KEY_DOWN: if (*sel + 1 < n) (*sel)++; break;
	case KEY_PPAGE: *sel = *sel > page ? *sel - page : 0; break;
	case KEY_NPAGE: *sel = n == 0 ? 0 :
	    (*sel + page < n ? *sel + page : n - 1); break;
	case KEY_HOME: *sel = 0; break;
	case KEY_END: *sel = n > 0 ? n - 1 : 0; break;
	default: return 0;
	}
	if (*sel < *top)
		*top = *sel;
	if (*sel >= *top + page)
		*top = *sel - page + 1;
	return 1;
}

/* ---- forms ---- */

/* Removes the last UTF-8 character of s. */
static void
backspace(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && ((unsigned char)s[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0)
		n--;
	memset(s + n, 0, strlen(s + n));
}

static void
append(char *s, size_t size, wint_t ch)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t n, len = strlen(s);

	/* Controls never enter a field (nothing typed can carry an escape
	 * sequence to the daemon or back to a terminal). */
	if (ch < 0x20 || (ch >= 0x7f && ch < 0xa0))
		return;
	memset(&st, 0, sizeof(st));
	n = wcrtomb(mb, (wchar_t)ch, &st);
	if (n == (size_t)-1 || len + n + 1 > size)
		return;
	memcpy(s + len, mb, n);
	s[len + n] = '\0';
}

static void
draw_form(struct ui *u, const char *title, const char *intro,
    struct uifield *f, int n, int cur)
{
	char shown[512], stars[130];
	int i, y, lw = 0, w;

	ui_frame(u, title, _("Tab/↑↓ field  ←→ choice  Enter OK  Esc cancel  "
	    "F8 language"));
	y = 2;
	if (u->lockdown) {
		ui_put(1, 0, "", COLS, 1, ui_attr_alarm(u));
		ui_put(1, 2, _("LOCKDOWN — the machine is locked"), COLS - 4,
		    0, ui_attr_alarm(u));
		y = 3;
	}
	y = ui_wrap(y, 2, COLS - 4, LINES - 4, intro, A_NORMAL) + 1;
	for (i = 0; i < n; i++)
		if ((w = (int)uitext_width(f[i].label)) > lw)
			lw = w;
	if (lw > COLS / 2)
		lw = COLS / 2;
	for (i = 0; i < n && y < LINES - 3; i++, y += 2) {
		ui_put(y, 2, f[i].label, lw, 0, i == cur ? A_BOLD : A_NORMAL);
		if (f[i].choices != NULL)
			snprintf(shown, sizeof(shown), "< %s >",
			    f[i].shown[f[i].choice]);
		else if (f[i].secret) {
			w = (int)uitext_width(f[i].buf);
			if (w > 128)
				w = 128;
			memset(stars, '*', (size_t)w);
			stars[w] = '\0';
			snprintf(shown, sizeof(shown), "%s", stars);
		} else {
			/* The field being typed in shows its end (a 64-digit
			 * key is wider than the field at 80 columns). */
			const char *p = f[i].buf;

			while (i == cur && *p != '\0' &&
			    uitext_width(p) > (size_t)(COLS - lw - 7)) {
				p++;
				while (((unsigned char)*p & 0xc0) == 0x80)
					p++;
			}
			snprintf(shown, sizeof(shown), "%s", p);
		}
		ui_put(y, lw + 4, shown, COLS - lw - 6, 1,
		    i == cur ? A_UNDERLINE | A_BOLD : A_UNDERLINE);
	}
}

int
ui_form(struct ui *u, const char *title, const char *intro,
    struct uifield *f, int n)
{
	struct uikey k;
	int cur = 0;

	for (;;) {
		draw_form(u, title, intro, f, n, cur);
		k = ui_key(u);
		if (k.type == UK_LOCKDOWN)
			return FORM_LOCKDOWN;
		if (k.type == UK_IDLE)
			return FORM_IDLE;
		if (k.type == UK_CLEARED)
			return FORM_CLEARED;
		/* The labels were translated when the form was made. */
		if (k.type == UK_LANG)
			return FORM_AGAIN;
		if (k.type == UK_CHAR) {
			if (k.ch == 27)
				return FORM_CANCEL;
			if (k.ch == '\t')
				cur = (cur + 1) % n;
			else if (k.ch == '\r' || k.ch == '\n') {
				if (cur == n - 1)
					return FORM_OK;
				cur++;
			} else if (k.ch == 127 || k.ch == 8) {
				if (f[cur].choices == NULL)
					backspace(f[cur].buf);
			} else if (f[cur].choices == NULL)
				append(f[cur].buf, f[cur].size, k.ch);
			continue;
		}
		if (k.type != UK_FUNC)
			continue;
		if (u->form_key != 0 && k.ch == (wint_t)u->form_key)
			return FORM_KEY;
		switch (k.ch) {
		case KEY_DOWN: cur = (cur + 1) % n; break;
		case KEY_UP: case KEY_BTAB: cur = (cur + n - 1) % n; break;
		case KEY_ENTER:
			if (cur == n - 1)
				return FORM_OK;
			cur++;
			break;
		case KEY_BACKSPACE:
			if (f[cur].choices == NULL)
				backspace(f[cur].buf);
			break;
		case KEY_LEFT: case KEY_RIGHT:
			if (f[cur].choices != NULL)
				f[cur].choice = (f[cur].choice +
				    (k.ch == KEY_LEFT ? f[cur].nchoices - 1 : 1)) %
				    f[cur].nchoices;
			break;
		default:
			break;
		}
	}
}

enum scr
ui_form_exit(struct ui *u, int r)
{
	(void)u;
	if (r == FORM_LOCKDOWN)
		return SCR_LOCKDOWN;
	if (r == FORM_IDLE)
		return SCR_LOCK;
	return SCR_SAME;
}

int
ui_confirm(struct ui *u, const char *title, const char *question)
{
	struct uikey k;

	for (;;) {
		ui_frame(u, title, _("Enter yes  Esc no"));
		ui_wrap(3, 2, COLS - 4, LINES - 4, question, A_BOLD);
		k = ui_key(u);
		if (k.type == UK_LOCKDOWN)
			return FORM_LOCKDOWN;
		if (k.type == UK_IDLE)
			return FORM_IDLE;
		if (k.type == UK_CHAR && (k.ch == '\r' || k.ch == '\n'))
			return 1;
		if (k.type == UK_FUNC && k.ch == KEY_ENTER)
			return 1;
		if (k.type == UK_CHAR && k.ch == 27)
			return 0;
	}
}

/* ---- views ---- */

struct vline {
	size_t	line, off, len;
};

/* The display lines of lines wrapped to cols; *n gets their number. */
static struct vline *
layout(const char *const *lines, size_t n, size_t cols, size_t *nv)
{
	struct vline *v = NULL, *nvp;
	size_t cap = 0, i, off, len, next;

	*nv = 0;
	for (i = 0; i < n; i++) {
		off = 0;
		do {
			next = uitext_wrap(lines[i] + off, cols, &len);
			if (*nv == cap) {
				cap = cap == 0 ? 256 : cap * 2;
				if ((nvp = reallocarray(v, cap,
				    sizeof(*v))) == NULL) {
					free(v);
					*nv = 0;
					return NULL;
				}
				v = nvp;
			}
			v[*nv].line = i;
			v[*nv].off = off;
			v[*nv].len = len;
			(*nv)++;
			off += next;
		} while (lines[i][off] != '\0');
	}
	return v;
}

enum scr
ui_view(struct ui *u, const char *title, const char *const *lines,
    size_t n)
{
	return ui_view_attr(u, title, lines, NULL, n);
}

enum scr
ui_view_attr(struct ui *u, const char *title, const char *const *lines,
    const int *attr, size_t n)
{
	struct vline *v = NULL;
	struct uikey k;
	size_t nv = 0, top = 0, i, page;
	char buf[2048];
	int rows, relayout = 1;
	enum scr s = SCR_SAME;

	for (;;) {
		rows = ui_frame(u, title, _("↑↓ PgUp PgDn Home End scroll  "
		    "Esc back"));
		if (relayout) {
			free(v);
			v = layout(lines, n, (size_t)COLS - 1, &nv);
			relayout = 0;
		}
		page = (size_t)rows;
		for (i = 0; i < page && top + i < nv; i++) {
			struct vline *l = &v[top + i];
			size_t len = l->len < sizeof(buf) - 1 ? l->len :
			    sizeof(buf) - 1;

			memcpy(buf, lines[l->line] + l->off, len);
			buf[len] = '\0';
			ui_put(1 + (int)i, 0, buf, COLS - 1, 0,
			    attr != NULL ? attr[l->line] : (int)A_NORMAL);
		}
		ui_putf(LINES - 2, 0, COLS, A_DIM, "%zu/%zu",
		    nv == 0 ? 0 : top + 1, nv);
		k = ui_key(u);
		if ((s = ui_event_screen(u, &k)) != SCR_SAME)
			break;
		if (k.type == UK_REDRAW || k.type == UK_LANG)
			relayout = 1;
		if (k.type == UK_CHAR && (k.ch == 27 || k.ch == 'q'))
			break;
		if (k.type != UK_FUNC)
			continue;
		switch (k.ch) {
		case KEY_UP: if (top > 0) top--; break;
		case KEY_DOWN: if (top + page < nv) top++; break;
		case KEY_PPAGE: top = top > page ? top - page : 0; break;
		case KEY_NPAGE:
			if (top + page < nv)
				top += page;
			break;
		case KEY_HOME: top = 0; break;
		case KEY_END: top = nv > page ? nv - page : 0; break;
		default: break;
		}
	}
	free(v);
	return s;
}

/* ---- names of daemon tokens ---- */

const char *
ui_class_name(const char *t)
{
	if (strcmp(t, "mat") == 0) return _("Confidential (Mật)");
	if (strcmp(t, "toi-mat") == 0) return _("Secret (Tối mật)");
	if (strcmp(t, "tuyet-mat") == 0) return _("Top secret (Tuyệt mật)");
	return t;
}

const char *
ui_level_name(const char *t)
{
	if (strcmp(t, "thong-tin") == 0) return _("Information");
	if (strcmp(t, "thap") == 0) return _("Low");
	if (strcmp(t, "trung-binh") == 0) return _("Medium");
	if (strcmp(t, "cao") == 0) return _("High");
	if (strcmp(t, "khan-cap") == 0) return _("Emergency");
	return t;
}

const char *
ui_target_name(const char *t)
{
	if (strcmp(t, "allow") == 0) return _("allowed");
	if (strcmp(t, "block") == 0) return _("blocked");
	if (strcmp(t, "reject") == 0) return _("rejected");
	return t;
}

int
ui_has_role(const struct ui *u, const char *role)
{
	size_t n = strlen(role);
	const char *p = u->roles;

	while ((p = strstr(p, role)) != NULL) {
		if ((p == u->roles || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ','))
			return 1;
		p += n;
	}
	return 0;
}

enum scr
ui_view_entries(struct ui *u, const char *title, struct uilist *l)
{
	char **lines;
	size_t i, n = 0;
	enum scr s;

	if ((lines = calloc(l->n + 1, sizeof(*lines))) == NULL) {
		uilist_clear(l);
		return SCR_SAME;
	}
	for (i = 0; i < l->n; i++)
		if (asprintf(&lines[n], "%s: %s", uirec_get(&l->v[i], F_KEY),
		    uirec_get(&l->v[i], F_VALUE)) >= 0)
			n++;
	uilist_clear(l);
	s = ui_view(u, title, (const char *const *)lines, n);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return s;
}
