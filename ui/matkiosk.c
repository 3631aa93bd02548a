/*
 * matkiosk: the ncurses console on the kiosk's terminal (DESIGN.md,
 * "Processes"). It runs unprivileged, holds no key and writes no state:
 * every action is a request to matkioskd over its socket, which serves it
 * because its user is in the client group (docs/architecture.md, "The
 * console").
 *
 *   matkiosk [-c FILE] [-x]
 *
 * -x lets Esc on the login screen leave the console (make run, tests); a
 * kiosk runs without it and has no way out.
 */
#include <curses.h>
#include <errno.h>
#include <linux/vt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/err.h"
#include "common/proto.h"
#include "ui.h"
#include "uilang.h"

static void
on_stop(int sig)
{
	(void)sig;
	ui_stop_requested = 1;
}

/* Interrupt, quit and suspend do nothing (the terminal is raw as well);
 * termination and hangup end the console with the terminal restored. */
static void
signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGTSTP, &sa, NULL);
	sigaction(SIGTTIN, &sa, NULL);
	sigaction(SIGTTOU, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Waits for the daemon, showing why; a kiosk waits forever. */
static enum scr
reconnect(struct ui *u)
{
	struct uilist st = { 0 };
	struct uikey k;
	enum scr s;

	for (;;) {
		if (ud_connect(u) == 0 && ud_status(u, &st) == 0) {
			s = strcmp(ud_status_get(&st, "state"),
			    "unprovisioned") == 0 ? SCR_WIZARD : SCR_LOGIN;
			uilist_clear(&st);
			if (u->lockdown)
				s = SCR_LOCKDOWN;
			return s;
		}
		uilist_clear(&st);
		ui_note(u, 1, _("Cannot reach the controller (matkioskd): %s. "
		    "Retrying."), u->errmsg);
		ui_frame(u, _("Waiting for the controller"), u->allow_exit ?
		    _("Esc leave") : "");
		k = ui_key(u);
		if (ui_stop_requested || (u->allow_exit && k.type == UK_CHAR && k.ch == 27))
			return SCR_QUIT;
	}
}

static enum scr
run(struct ui *u, enum scr s)
{
	switch (s) {
	case SCR_WIZARD: return scr_wizard(u);
	case SCR_LOGIN: return scr_login(u);
	case SCR_HOME: return scr_home(u);
	case SCR_DOCS: return scr_docs(u);
	case SCR_USB: return scr_usb(u);
	case SCR_ACCOUNTS: return scr_accounts(u);
	case SCR_LOG: return scr_log(u);
	case SCR_INCIDENTS: return scr_incidents(u);
	case SCR_PASSWD: return scr_passwd(u);
	case SCR_LOCK: return scr_lock(u);
	case SCR_LOCKDOWN: return scr_lockdown(u);
	case SCR_RECONNECT: return reconnect(u);
	case SCR_REPAIR_START: return scr_repair_start(u);
	default: return SCR_QUIT;
	}
}

/*
 * On a virtual terminal, no switching away from the console while it runs
 * (Alt-Fn, Ctrl-Alt-Fn): the packaging gives the console this one
 * capability (CAP_SYS_TTY_CONFIG). Elsewhere (a pty, tmux) there is nothing
 * to lock. The kernel undoes the lock when the console exits and systemd
 * starts it again.
 */
static void
vt_lock(int on)
{
	struct vt_stat st;

	if (ioctl(STDIN_FILENO, VT_GETSTATE, &st) != 0)
		return;
	if (ioctl(STDIN_FILENO, on ? VT_LOCKSWITCH : VT_UNLOCKSWITCH, 1) != 0 &&
	    on)
		fprintf(stderr, "matkiosk: cannot lock VT switching: %s\n",
		    strerror(errno));
}

static void
usage(void)
{
	fprintf(stderr, "usage: matkiosk [-c FILE] [-x]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct ui u;
	const char *conf = NULL;
	char err[512];
	enum scr s, prev = SCR_LOGIN;
	int ch;

	while ((ch = getopt(argc, argv, "c:x")) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'x': u.allow_exit = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (mkconf_load(conf, &u.conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "matkiosk: %s\n", err);
		return 1;
	}
	if (uilang_init(u.conf.language) != 0) {
		fprintf(stderr, "matkiosk: no UTF-8 locale (C.UTF-8)\n");
		return 1;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "matkiosk: needs a terminal\n");
		return 2;
	}
	signals();
	vt_lock(1);
	atexit(ui_stop);
	ui_start(&u);
	s = SCR_RECONNECT;
	while (s != SCR_QUIT && !ui_stop_requested) {
		enum scr next = run(&u, s);

		if (next == SCR_SAME)
			next = s == SCR_LOCKDOWN || s == SCR_LOCK ? prev : s;
		if (s != SCR_LOCK && s != SCR_LOCKDOWN)
			prev = s;
		/* A session's screens need a session. */
		if (!u.logged_in && next >= SCR_HOME && next <= SCR_INCIDENTS)
			next = SCR_LOGIN;
		if (u.lockdown && next != SCR_QUIT && next != SCR_RECONNECT)
			next = SCR_LOCKDOWN;
		s = next;
	}
	ud_disconnect(&u);
	ui_stop();
	vt_lock(0);
	return 0;
}
