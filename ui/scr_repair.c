/*
 * Supervised repair sessions at the console (issue 9; docs/protocol.md,
 * "Repair sessions"): the start with a supervisor's and a technician's
 * passwords (from the login screen: it needs no login), the session's
 * terminal relayed over the request connection, the minutes signed by
 * the supervisor, and the recordings: listed, shown with their check
 * against the log, replayed through libvterm (uireplay.c), a running
 * session ended by a supervisor.
 */
#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/client.h"
#include "common/err.h"
#include "common/proto.h"
#include "ui.h"
#include "uilang.h"
#include "uireplay.h"
#include "uitext.h"

#define PLAY_MAX	(64u << 20)	/* the largest recording replayed */
#define SHOW_LINES	512

/* ---- names ---- */

/* The headline of a refusal of this screen, in the person's language;
 * others as every screen shows them (ui_note_err). */
static void
refusal(struct ui *u, const char *what)
{
	const char *h;

	switch (u->err) {
	case MK_ERR_TWO_PERSON:
		h = _("A repair needs two people: a supervisor and a "
		    "technician, each with their own password.");
		break;
	case MK_ERR_REPAIR_ACTIVE:
		h = _("Another repair session is in progress.");
		break;
	case MK_ERR_RECORDING:
		h = _("The recording does not match the audit log.");
		break;
	case MK_ERR_ORDER:
		h = _("The session is still running.");
		break;
	case MK_ERR_BUSY:
		h = _("A session would not give up the vault key: try again.");
		break;
	default:
		ui_note_err(u, what);
		return;
	}
	ui_note(u, 1, "%s: %s (%s)", what, h, u->errmsg);
}

/* How a session ended, as a sentence. */
static const char *
end_name(const char *t)
{
	if (strcmp(t, "exit") == 0)
		return _("the technician left the shell");
	if (strcmp(t, "supervisor") == 0)
		return _("a supervisor ended it");
	if (strcmp(t, "time-limit") == 0)
		return _("the time limit was reached");
	if (strcmp(t, "incident") == 0)
		return _("an incident (lockdown) ended it");
	if (strcmp(t, "record-failed") == 0)
		return _("the recording failed, so the shell was stopped");
	if (strcmp(t, "daemon-stopping") == 0)
		return _("the controller stopped");
	if (strcmp(t, "disconnected") == 0)
		return _("the terminal went away");
	return t;
}

/* A session's state in the list, short. */
static const char *
state_name(const char *t)
{
	static const char *const tok[] = { "running", "interrupted", "exit",
	    "supervisor", "time-limit", "incident", "record-failed",
	    "daemon-stopping", "disconnected", "failed" };
	const char *shown[] = { _("running"), _("interrupted"),
	    _("shell exited"), _("ended by supervisor"), _("time limit"),
	    _("incident"), _("recording failed"), _("controller stopped"),
	    _("disconnected"), _("failed to start") };
	size_t i;

	for (i = 0; i < sizeof(tok) / sizeof(tok[0]); i++)
		if (strcmp(t, tok[i]) == 0)
			return shown[i];
	return t;
}

static int
is_signed(const char *state)
{
	const char *c = strchr(state, ',');

	return c != NULL && strcmp(c, ",signed") == 0;
}

static int
is_over(const char *state)
{
	return strncmp(state, "running", 7) != 0;
}

/* A state of REPAIR_LIST or REPAIR_SHOW ("exit,signed") in words. */
static void
state_text(const char *state, char *out, size_t outlen)
{
	char name[64];

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(state, ","), state);
	if (!is_over(state))
		snprintf(out, outlen, "%s", state_name(name));
	else
		snprintf(out, outlen, is_signed(state) ? _("%s, signed") :
		    _("%s, not signed"), state_name(name));
}

/* ---- the session's terminal ---- */

static volatile sig_atomic_t resized;

static void
on_winch(int sig)
{
	(void)sig;
	resized = 1;
}

static int
term_write(const void *p, size_t n)
{
	const uint8_t *b = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(STDOUT_FILENO, b, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
send_input(struct ui *u, const void *p, size_t n)
{
	struct mkbuf *b = mkclient_out(u->c);
	int r;

	if ((r = mkmsg_start(b, MSG_REPAIR_INPUT)) != 0 ||
	    (r = mkmsg_add(b, F_DATA, p, n)) != 0)
		return r;
	return mkclient_send(u->c);
}

static int
send_size(struct ui *u)
{
	struct mkbuf *b = mkclient_out(u->c);
	struct winsize ws;
	int r;

	resized = 0;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 ||
	    ws.ws_col == 0)
		return 0;
	if ((r = mkmsg_start(b, MSG_REPAIR_RESIZE)) != 0 ||
	    (r = mkmsg_add_u64(b, F_ROWS, ws.ws_row)) != 0 ||
	    (r = mkmsg_add_u64(b, F_COLS, ws.ws_col)) != 0)
		return r;
	return mkclient_send(u->c);
}

struct ending {
	char	state[32];
	char	msg[1024];	/* escaped */
};

/* A frame from the daemon: 1 at the end, 0 to go on, -1 on failure. The
 * shell's output goes to the terminal as it is: this is the technician's
 * own terminal (the replay never does this). A notice is ours, escaped. */
static int
from_daemon(struct ui *u, struct ending *e)
{
	const struct mkfield *f;
	struct mkmsg m;
	char esc[1024], line[1200];
	int n;

	if (mkclient_recv(u->c, &m) != 0)
		return -1;
	f = mkmsg_get(&m, m.type == MSG_REPAIR_OUTPUT ? F_DATA : F_MESSAGE);
	if (m.type == MSG_REPAIR_OUTPUT)
		return f == NULL || term_write(f->p, f->len) == 0 ? 0 : -1;
	uitext_safe(f != NULL ? f->p : (const uint8_t *)"", f != NULL ?
	    f->len : 0, esc, sizeof(esc));
	if (m.type == MSG_REPAIR_NOTICE) {
		n = snprintf(line, sizeof(line), "\r\n\033[7m[matkiosk] %s"
		    "\033[0m\r\n", esc);
		if (n > 0 && (size_t)n < sizeof(line))
			(void)term_write(line, (size_t)n);
		return 0;
	}
	if (m.type != MSG_REPAIR_EXIT || mkmsg_str(&m, F_STATE, e->state,
	    sizeof(e->state)) != 0)
		return -1;
	snprintf(e->msg, sizeof(e->msg), "%s", esc);
	return 1;
}

/* Relays until the end: 0, -1 (the connection failed), or -2 (the
 * console is told to stop or its terminal hung up). */
static int
relay(struct ui *u, struct ending *e)
{
	struct pollfd pfd[2];
	uint8_t buf[4096];
	ssize_t n;
	int r;

	for (;;) {
		if (ui_stop_requested)
			return -2;
		if (resized && send_size(u) != 0)
			return -1;
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = mkclient_fd(u->c);
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, 1000) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			if ((r = from_daemon(u, e)) != 0)
				return r > 0 ? 0 : -1;
		}
		if (pfd[0].revents & POLLIN) {
			if ((n = read(STDIN_FILENO, buf, sizeof(buf))) < 0 &&
			    errno == EINTR)
				continue;
			if (n <= 0)
				return -2;
			/* Ctrl-C and the like are bytes for the shell. */
			if (send_input(u, buf, (size_t)n) != 0)
				return -1;
		} else if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			return -2;
	}
}

/* Leaves curses for the session's terminal and comes back to it. */
static int
session(struct ui *u, struct ending *e)
{
	struct termios saved, raw;
	struct sigaction sa, old;
	struct winsize ws;
	int r, tty;

	def_prog_mode();
	endwin();
	(void)term_write("\033[H\033[2J", 7);
	if ((tty = tcgetattr(STDIN_FILENO, &saved) == 0)) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, &old);
	resized = 0;
	r = relay(u, e);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	sigaction(SIGWINCH, &old, NULL);
	if (r == -2)
		exit(0);	/* as ui_key: the daemon ends the session */
	reset_prog_mode();
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0 && (ws.ws_row != LINES || ws.ws_col != COLS))
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	refresh();
	if (r != 0) {
		u->lost = 1;
		u->err = MK_ERR_CLOSED;
		snprintf(u->errmsg, sizeof(u->errmsg), "%s",
		    mkerr_str(MK_ERR_CLOSED));
	}
	return r;
}

/* ---- the minutes ---- */

/* Splits escaped text (uirec) at its escaped line breaks, in place; a
 * backslash always begins an escape, so "\\n" is no line break. */
static size_t
split_lines(char *s, const char **lines, size_t max)
{
	size_t n = 0;
	char *p = s;

	if (max == 0)
		return 0;
	lines[n++] = s;
	while (*p != '\0') {
		if (p[0] == '\\' && p[1] == 'n') {
			*p = '\0';
			p += 2;
			if (n == max)
				break;
			lines[n++] = p;
		} else
			p += p[0] == '\\' && p[1] != '\0' ? 2 : 1;
	}
	if (n > 1 && lines[n - 1][0] == '\0')
		n--;
	return n;
}

static enum scr
show_minutes(struct ui *u, const char *text)
{
	const char *lines[SHOW_LINES];
	char *copy;
	size_t n;
	enum scr s;

	if ((copy = strdup(text)) == NULL)
		return SCR_SAME;
	n = split_lines(copy, lines, SHOW_LINES);
	s = ui_view(u, _("Repair minutes (biên bản sửa chữa)"), lines, n);
	free(copy);
	return s;
}

/* The form of the minutes, until signed or left. */
static enum scr
signoff(struct ui *u, const char *seq, const char *who)
{
	char user[33], pw[129] = "", work[2001] = "", acct[2001] = "";
	char title[128];
	struct uifield f[] = {
		{ NULL, user, sizeof(user), 0, NULL, NULL, 0, 0 },
		{ NULL, pw, sizeof(pw), 1, NULL, NULL, 0, 0 },
		{ NULL, work, sizeof(work), 0, NULL, NULL, 0, 0 },
		{ NULL, acct, sizeof(acct), 0, NULL, NULL, 0, 0 },
	};
	struct uirec ok;
	enum scr s;
	int r;

	snprintf(user, sizeof(user), "%.32s", who);
	for (;;) {
		f[0].label = _("Supervisor");
		f[1].label = _("Password");
		f[2].label = _("What was done");
		f[3].label = _("The technician's account");
		snprintf(title, sizeof(title), _("Minutes of repair session %s"),
		    seq);
		r = ui_form(u, title, _("The supervisor who unlocked the "
		    "session signs the minutes with their password. Esc: sign "
		    "later (home, m)."), f, 4);
		if (r == FORM_AGAIN)
			continue;
		if (r != FORM_OK) {
			mk_wipe(pw, sizeof(pw));
			return r == FORM_CANCEL ? SCR_SAME : ui_form_exit(u, r);
		}
		ud_start(u, MSG_REPAIR_SIGNOFF);
		ud_add_u64(u, F_SEQ, strtoull(seq, NULL, 10));
		ud_add(u, F_USER, user);
		ud_add(u, F_PASSWORD, pw);
		ud_add(u, F_WORK, work);
		ud_add(u, F_TECH_ACCOUNT, acct);
		r = ud_call(u, &ok);
		mk_wipe(pw, sizeof(pw));
		if (r == 0)
			break;
		refusal(u, _("Minutes not signed"));
		if (u->lost)
			return SCR_RECONNECT;
		if (r != MK_ERR_PASSWORD && r != MK_ERR_DENIED &&
		    r != MK_ERR_USAGE)
			return SCR_SAME;
	}
	ui_note(u, 0, _("The minutes of repair session %s are signed and "
	    "logged."), seq);
	s = show_minutes(u, uirec_get(&ok, F_VALUE));
	uirec_clear(&ok);
	return s;
}

/* ---- the start ---- */

/* REPAIR_START; 0 and the session's number, or the refusal. */
static int
start(struct ui *u, const char *sup, const char *spw, const char *tech,
    const char *tpw, const char *reason, char *seq, size_t seqlen)
{
	struct uirec ok;
	int r;

	ud_start(u, MSG_REPAIR_START);
	/* No supervisor named, none is sent: the daemon refuses. */
	if (sup[0] != '\0') {
		ud_add(u, F_USER, sup);
		ud_add(u, F_PASSWORD, spw);
	}
	ud_add(u, F_TECH, tech);
	ud_add(u, F_TECH_PASSWORD, tpw);
	ud_add(u, F_REPAIR_REASON, reason);
	/* The session's terminal is the console's whole terminal. */
	ud_add_u64(u, F_ROWS, (uint64_t)LINES);
	ud_add_u64(u, F_COLS, (uint64_t)COLS);
	if ((r = ud_call(u, &ok)) != 0)
		return r;
	snprintf(seq, seqlen, "%s", uirec_get(&ok, F_SEQ));
	uirec_clear(&ok);
	return 0;
}

enum scr
scr_repair_start(struct ui *u)
{
	char sup[33] = "", spw[129] = "", tech[33] = "", tpw[129] = "";
	char reason[301] = "", seq[24];
	struct uifield f[] = {
		{ _("Supervisor"), sup, sizeof(sup), 0, NULL, NULL, 0, 0 },
		{ _("Supervisor's password"), spw, sizeof(spw), 1, NULL, NULL,
		    0, 0 },
		{ _("Technician"), tech, sizeof(tech), 0, NULL, NULL, 0, 0 },
		{ _("Technician's password"), tpw, sizeof(tpw), 1, NULL, NULL,
		    0, 0 },
		{ _("Reason"), reason, sizeof(reason), 0, NULL, NULL, 0, 0 },
	};
	struct ending e;
	int r;

	r = ui_form(u, _("Repair session"), _("A repair needs a supervisor "
	    "and a technician, each with their password, and a reason. The "
	    "vault is sealed first; the session is recorded. Esc: back."),
	    f, 5);
	if (r != FORM_OK) {
		mk_wipe(spw, sizeof(spw));
		mk_wipe(tpw, sizeof(tpw));
		if (r == FORM_CANCEL)
			return u->logged_in ? SCR_HOME : SCR_LOGIN;
		return r == FORM_LOCKDOWN || r == FORM_IDLE ?
		    ui_form_exit(u, r) : SCR_SAME;
	}
	r = start(u, sup, spw, tech, tpw, reason, seq, sizeof(seq));
	mk_wipe(spw, sizeof(spw));
	mk_wipe(tpw, sizeof(tpw));
	if (r != 0) {
		refusal(u, _("Repair refused"));
		return u->lost ? SCR_RECONNECT : SCR_SAME;
	}
	memset(&e, 0, sizeof(e));
	if (session(u, &e) != 0)
		return SCR_RECONNECT;
	ui_note(u, strcmp(e.state, "exit") != 0 && strcmp(e.state,
	    "supervisor") != 0, _("Repair session %s ended: %s (%s)."), seq,
	    end_name(e.state), e.msg);
	(void)signoff(u, seq, sup);
	return u->lost ? SCR_RECONNECT : (u->logged_in ? SCR_HOME : SCR_LOGIN);
}

/* ---- the recordings ---- */

static const char *
show_label(const char *key)
{
	static const char *const keys[] = { "state", "supervisor",
	    "technician", "reason", "started", "ended", "recording",
	    "verified", "signed-by", "minutes" };
	const char *shown[] = { _("State"), _("Supervisor"), _("Technician"),
	    _("Reason"), _("Started"), _("Ended"), _("Recording"),
	    _("Check against the log"), _("Signed off by"), _("Minutes") };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i]) == 0)
			return shown[i];
	return key;
}

struct shown {
	const char	*line[SHOW_LINES];
	int		 attr[SHOW_LINES];
	char		*own[SHOW_LINES];
	size_t		 n, nown;
};

static void
shown_add(struct shown *v, const char *line, int attr)
{
	if (v->n < SHOW_LINES) {
		v->line[v->n] = line;
		v->attr[v->n++] = attr;
	}
}

/* A KEY/VALUE of REPAIR_SHOW as lines: the check in alarm colour when
 * it failed, the minutes line by line. */
static void
shown_entry(struct ui *u, struct shown *v, const struct uirec *r)
{
	const char *key = uirec_get(r, F_KEY), *val = uirec_get(r, F_VALUE);
	const char *ml[SHOW_LINES];
	char *s, st[128];
	size_t i, n, len;
	int attr = A_NORMAL;

	if (v->nown == SHOW_LINES)
		return;
	if (strcmp(key, "minutes") == 0) {
		shown_add(v, _("Minutes:"), A_BOLD);
		if ((s = v->own[v->nown++] = strdup(val)) == NULL)
			return;
		n = split_lines(s, ml, SHOW_LINES);
		for (i = 0; i < n; i++)
			shown_add(v, ml[i], A_NORMAL);
		return;
	}
	if (strcmp(key, "state") == 0) {
		state_text(val, st, sizeof(st));
		val = st;
	}
	if (strcmp(key, "verified") == 0)
		attr = strncmp(val, "ok", 2) == 0 ? ui_attr_good(u) :
		    ui_attr_alarm(u);
	len = strlen(show_label(key)) + strlen(val) + 3;
	if ((s = v->own[v->nown++] = malloc(len)) == NULL)
		return;
	snprintf(s, len, "%s: %s", show_label(key), val);
	shown_add(v, s, attr);
}

static enum scr
show(struct ui *u, const char *seq)
{
	struct uilist l = { 0 };
	struct shown *v;
	char title[128];
	size_t i;
	enum scr s = SCR_SAME;

	ud_start(u, MSG_REPAIR_SHOW);
	ud_add_u64(u, F_SEQ, strtoull(seq, NULL, 10));
	if (ud_list(u, &l, NULL) != 0 || (v = calloc(1, sizeof(*v))) ==
	    NULL) {
		refusal(u, _("Repair session"));
		uilist_clear(&l);
		return u->lost ? SCR_RECONNECT : SCR_SAME;
	}
	for (i = 0; i < l.n; i++)
		shown_entry(u, v, &l.v[i]);
	snprintf(title, sizeof(title), _("Repair session %s"), seq);
	s = ui_view_attr(u, title, v->line, v->attr, v->n);
	for (i = 0; i < v->nown; i++)
		free(v->own[i]);
	free(v);
	uilist_clear(&l);
	return s;
}

/* The alarm of an altered recording: nothing of it is shown. */
static enum scr
alarm_screen(struct ui *u, const char *title)
{
	char what[2048];
	struct uikey k;
	enum scr s;
	int y;

	snprintf(what, sizeof(what), "%s (%s)", _("ALARM: the recording does "
	    "not match the audit log; it was changed after it was recorded. "
	    "It is not replayed."), u->errmsg);
	for (;;) {
		ui_frame(u, title, _("Esc back"));
		for (y = 2; y < 9 && y < LINES - 4; y++)
			ui_put(y, 2, "", COLS - 4, 1, ui_attr_alarm(u));
		ui_wrap(3, 4, COLS - 8, 8 < LINES - 4 ? 8 : LINES - 4, what,
		    ui_attr_alarm(u));
		k = ui_key(u);
		if ((s = ui_event_screen(u, &k)) != SCR_SAME)
			return s;
		if (k.type == UK_CHAR && (k.ch == 27 || k.ch == 'q'))
			return SCR_SAME;
	}
}

static enum scr
play(struct ui *u, const char *seq)
{
	char title[128], *cast;
	size_t len;
	int cut, r;
	enum scr s = SCR_SAME;

	snprintf(title, sizeof(title), _("Replay of repair session %s"), seq);
	ui_frame(u, title, "");
	ui_putf(2, 2, COLS - 4, A_BOLD, "%s", _("Checking the recording "
	    "against the log..."));
	refresh();
	ud_start(u, MSG_REPAIR_PLAY);
	ud_add_u64(u, F_SEQ, strtoull(seq, NULL, 10));
	/* Nothing is replayed before the whole file has checked out. */
	r = ud_data(u, PLAY_MAX, &cast, &len, &cut, NULL);
	if (r == MK_ERR_RECORDING) {
		refusal(u, _("Not replayed"));
		return alarm_screen(u, title);
	}
	if (r != 0) {
		refusal(u, _("Not replayed"));
		return u->lost ? SCR_RECONNECT : SCR_SAME;
	}
	if (cut)
		ui_note(u, 1, "%s", _("The recording is too large to replay "
		    "here."));
	else
		s = uireplay_run(u, title, (const uint8_t *)cast, len);
	mk_wipe(cast, len);
	free(cast);
	return s;
}

static enum scr
end_session(struct ui *u, const char *seq)
{
	char q[256];
	int r;

	snprintf(q, sizeof(q), _("End repair session %s now? The shell is "
	    "stopped and the end is logged."), seq);
	if ((r = ui_confirm(u, _("End a repair session"), q)) != 1)
		return r < 0 ? ui_form_exit(u, r) : SCR_SAME;
	ud_start(u, MSG_REPAIR_END);
	ud_add_u64(u, F_SEQ, strtoull(seq, NULL, 10));
	if (ud_call(u, NULL) != 0)
		refusal(u, _("Not ended"));
	else
		ui_note(u, 0, _("Repair session %s was ended."), seq);
	return u->lost ? SCR_RECONNECT : SCR_SAME;
}

/* "123 KiB" */
static void
size_text(uint64_t n, char *out, size_t outlen)
{
	if (n < 10240)
		snprintf(out, outlen, "%llu B", (unsigned long long)n);
	else if (n < 10240ull * 1024)
		snprintf(out, outlen, "%llu KiB", (unsigned long long)n >> 10);
	else
		snprintf(out, outlen, "%llu MiB", (unsigned long long)n >> 20);
}

static int
draw_list(struct ui *u, const struct uilist *l, size_t sel, size_t top)
{
	static const int narrow[] = { 3, 24, 8, 8, 16, 6, 0 };
	static const int wide[] = { 4, 30, 16, 16, 16, 9, 0 };
	const int *w = COLS >= 120 ? wide : narrow;
	char hint[512], st[128], when[32], size[32];
	const char *head[] = { _("No."), _("State"), _("Supervisor"),
	    _("Technician"), _("Started"), _("Size"), _("Reason") };
	int rows, y;
	size_t i;

	snprintf(hint, sizeof(hint), "%s | %s", _("Enter show  p replay  "
	    "k sign  e end  r refresh  Esc back"), _(UI_NAV_HINTS));
	rows = ui_frame(u, _("Repair sessions"), hint);
	ui_cells(1, 1, A_BOLD, w, head, 7);
	if (l->n == 0)
		ui_put(3, 2, _("No repair session yet."), COLS - 4, 0, A_DIM);
	for (i = top, y = 2; i < l->n && y <= rows; i++, y++) {
		const struct uirec *r = &l->v[i];
		const char *c[] = { uirec_get(r, F_SEQ), st, uirec_get(r,
		    F_SUPERVISOR), uirec_get(r, F_TECH), when, size,
		    uirec_get(r, F_REPAIR_REASON) };
		const char *state = uirec_get(r, F_STATE);

		state_text(state, st, sizeof(st));
		uitext_time(uirec_num(r, F_CREATED, 0), when, sizeof(when));
		size_text(uirec_num(r, F_SIZE, 0), size, sizeof(size));
		ui_cells(y, 1, (i == sel ? A_REVERSE : 0) | (!is_over(state) ?
		    ui_attr_bad(u) : 0), w, c, 7);
	}
	return rows - 1;
}

static int
any_running(const struct uilist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!is_over(uirec_get(&l->v[i], F_STATE)))
			return 1;
	return 0;
}

/* A key of the list on the selected session. */
static enum scr
list_action(struct ui *u, const struct uirec *r, wint_t ch)
{
	const char *seq = uirec_get(r, F_SEQ), *state = uirec_get(r, F_STATE);

	switch (ch) {
	case '\r': case '\n': case 's':
		return show(u, seq);
	case 'p':
		return play(u, seq);
	case 'e':
		if (is_over(state)) {
			ui_note(u, 1, "%s", _("This session is not running."));
			return SCR_SAME;
		}
		return end_session(u, seq);
	case 'k':
		if (!is_over(state))
			ui_note(u, 1, "%s", _("The session is still running: "
			    "its minutes are signed once it has ended."));
		else if (is_signed(state))
			ui_note(u, 1, "%s", _("The minutes are signed "
			    "already."));
		else
			return signoff(u, seq, uirec_get(r, F_SUPERVISOR));
		return SCR_SAME;
	default:
		return SCR_SAME;
	}
}

enum scr
scr_repairs(struct ui *u)
{
	struct uilist l = { 0 };
	struct uikey k;
	size_t sel = 0, top = 0;
	enum scr s = SCR_SAME;
	time_t last = 0;
	int rows, reload = 1;

	while (s == SCR_SAME) {
		if (reload) {
			uilist_clear(&l);
			ud_start(u, MSG_REPAIR_LIST);
			if (ud_list(u, &l, NULL) != 0)
				refusal(u, _("Repair sessions"));
			if (u->lost)
				break;
			if (sel >= l.n)
				sel = l.n > 0 ? l.n - 1 : 0;
			last = time(NULL);
			reload = 0;
		}
		rows = draw_list(u, &l, sel, top);
		k = ui_key(u);
		if ((s = ui_nav(u, &k)) != SCR_SAME)
			break;
		/* A running session's end shows without a key. */
		if (k.type == UK_TICK && any_running(&l) &&
		    time(NULL) - last >= 2)
			reload = 1;
		if (ui_list_key(&k, l.n, rows, &sel, &top) ||
		    k.type != UK_CHAR)
			continue;
		if (k.ch == 27) {
			s = SCR_HOME;
			break;
		}
		reload = 1;
		if (l.n > 0 && k.ch != 'r')
			s = list_action(u, &l.v[sel], k.ch);
	}
	uilist_clear(&l);
	return u->lost ? SCR_RECONNECT : s;
}
