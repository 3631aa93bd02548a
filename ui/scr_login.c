/*
 * The screens before and around a session: first-start provisioning,
 * login (with the reason for a refusal), the idle lock, the lockdown, the
 * password change.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/proto.h"
#include "ui.h"
#include "uilang.h"
#include "uitext.h"

/* Wipes the password fields of a form. */
static void
wipe(char *s, size_t n)
{
	mk_wipe(s, n);
}

/* The session is now the person's. */
static void
logged_in(struct ui *u, const char *user, struct uirec *ok)
{
	struct uilist st = { 0 };
	const char *v;

	u->logged_in = 1;
	snprintf(u->user, sizeof(u->user), "%s", user);
	snprintf(u->roles, sizeof(u->roles), "%s", uirec_get(ok, F_ROLES));
	if (u->roles[0] == '\0')
		snprintf(u->roles, sizeof(u->roles), "%s",
		    uirec_get(ok, F_ROLE));
	u->idle_min = u->conf.idle_lock_minutes;
	if (ud_status(u, &st) == 0 &&
	    (v = ud_status_get(&st, "idle-lock-minutes"))[0] != '\0')
		u->idle_min = (unsigned)strtoul(v, NULL, 10);
	uilist_clear(&st);
	u->last_key = time(NULL);
	ui_note(u, 0, _("Welcome, %s."), u->user);
}

/* AUTH; the refusal as a note in the person's language. */
static int
auth(struct ui *u, const char *user, const char *pw)
{
	struct uirec ok;
	char until[32];
	int r;

	ud_start(u, MSG_AUTH);
	ud_add(u, F_USER, user);
	ud_add(u, F_PASSWORD, pw);
	if ((r = ud_call(u, &ok)) == 0) {
		logged_in(u, user, &ok);
		uirec_clear(&ok);
		return 0;
	}
	if (r == MK_ERR_ACCT_LOCKED &&
	    uitext_until(u->errmsg, until, sizeof(until)) == 0)
		ui_note(u, 1, _("The account is locked after too many failed "
		    "logins, until %s (or until a supervisor unlocks it)."),
		    until);
	else if (r == MK_ERR_PW_CHANGE && strstr(u->errmsg, "expired"))
		ui_note(u, 1, "%s", _("The password has expired: choose a "
		    "new one."));
	else if (r == MK_ERR_PW_CHANGE)
		ui_note(u, 1, "%s", _("The password was set by someone else: "
		    "choose a new one."));
	else
		ui_note_err(u, _("Login refused"));
	return r;
}

enum scr
scr_wizard(struct ui *u)
{
	char user[33] = "", full[129] = "", pw[129] = "", pw2[129] = "";
	struct uifield f[] = {
		{ _("Supervisor account"), user, sizeof(user), 0, NULL, NULL,
		    0, 0 },
		{ _("Full name"), full, sizeof(full), 0, NULL, NULL, 0, 0 },
		{ _("Password"), pw, sizeof(pw), 1, NULL, NULL, 0, 0 },
		{ _("Password again"), pw2, sizeof(pw2), 1, NULL, NULL, 0, 0 },
	};
	struct uirec ok;
	const char *lines[64];
	char *cert = NULL, *p;
	size_t n = 0;
	int r;
	enum scr s;

	r = ui_form(u, _("Provisioning a new machine"), _("This machine is "
	    "not provisioned. Create the first supervisor's account. The "
	    "password needs at least 8 characters with lower case, upper "
	    "case, a digit and a special character. Esc: restore a backup "
	    "from a USB medium instead."), f, 4);
	if (r != FORM_OK) {
		wipe(pw, sizeof(pw));
		wipe(pw2, sizeof(pw2));
		return r == FORM_CANCEL ? scr_restore_backup(u) : ui_form_exit(u, r);
	}
	if (strcmp(pw, pw2) != 0) {
		wipe(pw, sizeof(pw));
		wipe(pw2, sizeof(pw2));
		ui_note(u, 1, "%s", _("The two passwords differ."));
		return SCR_WIZARD;
	}
	ud_start(u, MSG_INIT);
	ud_add(u, F_USER, user);
	if (full[0] != '\0')
		ud_add(u, F_FULLNAME, full);
	ud_add(u, F_PASSWORD, pw);
	r = ud_call(u, &ok);
	wipe(pw, sizeof(pw));
	wipe(pw2, sizeof(pw2));
	if (r != 0) {
		ui_note_err(u, _("Provisioning failed"));
		return u->lost ? SCR_RECONNECT : SCR_WIZARD;
	}
	/* The certificate and the recovery code, shown once. */
	lines[n++] = _("Write down the recovery code and keep it in the "
	    "agency's safe; give the sealing certificate to the inspecting "
	    "authority. Neither is shown again.");
	lines[n++] = "";
	lines[n++] = _("Recovery code:");
	lines[n++] = uirec_get(&ok, F_RECOVERY);
	lines[n++] = "";
	lines[n++] = _("Sealing certificate:");
	if ((cert = strdup(uirec_get(&ok, F_CERT))) != NULL) {
		/* The escaped text holds "\n" for its line breaks. */
		for (p = cert; n < 63 && p != NULL;) {
			char *nl = strstr(p, "\\n");

			lines[n++] = p;
			if (nl != NULL) {
				*nl = '\0';
				p = nl + 2;
			} else
				p = NULL;
		}
	}
	ui_note(u, 0, "%s", _("The machine is provisioned. Esc when done."));
	s = ui_view(u, _("Provisioning a new machine"), lines, n);
	if (cert != NULL) {
		mk_wipe(cert, strlen(cert));
		free(cert);
	}
	uirec_clear(&ok);
	ui_note(u, 0, "%s", _("Log in with the supervisor's account."));
	return s == SCR_SAME ? SCR_LOGIN : s;
}

enum scr
scr_login(struct ui *u)
{
	char user[33] = "", pw[129] = "";
	struct uifield f[] = {
		{ _("Account"), user, sizeof(user), 0, NULL, NULL, 0, 0 },
		{ _("Password"), pw, sizeof(pw), 1, NULL, NULL, 0, 0 },
	};
	char intro[512];
	int r;

	if (u->lockdown)
		return SCR_LOCKDOWN;
	snprintf(intro, sizeof(intro), "%s%s%s", _("Log in with your account "
	    "and password. F8: English / tiếng Việt."), u->allow_exit ?
	    _(" Esc: leave the console.") : "",
	    _(" F2: a supervised repair session (a supervisor and a "
	    "technician)."));
	/* A repair needs no login: two people authenticate in its form. */
	u->form_key = KEY_F(2);
	r = ui_form(u, _("Login"), intro, f, 2);
	u->form_key = 0;
	if (r == FORM_KEY) {
		wipe(pw, sizeof(pw));
		return SCR_REPAIR_START;
	}
	if (r == FORM_CANCEL) {
		wipe(pw, sizeof(pw));
		return u->allow_exit ? SCR_QUIT : SCR_LOGIN;
	}
	if (r != FORM_OK) {
		wipe(pw, sizeof(pw));
		return ui_form_exit(u, r);
	}
	r = auth(u, user, pw);
	wipe(pw, sizeof(pw));
	if (r == 0)
		return SCR_HOME;
	if (r == MK_ERR_PW_CHANGE) {
		snprintf(u->user, sizeof(u->user), "%s", user);
		snprintf(u->pw_reason, sizeof(u->pw_reason), "%.255s", u->note);
		return SCR_PASSWD;
	}
	return u->lost ? SCR_RECONNECT : SCR_LOGIN;
}

enum scr
scr_lock(struct ui *u)
{
	char pw[129] = "", intro[512];
	struct uifield f[] = {
		{ _("Password"), pw, sizeof(pw), 1, NULL, NULL, 0, 0 },
	};
	int r;

	/* The daemon wipes the session's key at its own idle lock; a
	 * lock asked for here is the same: LOGOUT is not sent, AUTH of the
	 * same person resumes. */
	u->logged_in = 0;
	snprintf(intro, sizeof(intro), _("The screen is locked. %s, enter "
	    "your password to continue, or Esc to log out."), u->user);
	r = ui_form(u, _("Locked"), intro, f, 1);
	if (r == FORM_LOCKDOWN) {
		wipe(pw, sizeof(pw));
		return SCR_LOCKDOWN;
	}
	if (r != FORM_OK) {
		wipe(pw, sizeof(pw));
		if (r == FORM_CANCEL) {
			ud_start(u, MSG_LOGOUT);
			(void)ud_call(u, NULL);
			u->user[0] = '\0';
			return SCR_LOGIN;
		}
		return SCR_LOCK;
	}
	r = auth(u, u->user, pw);
	wipe(pw, sizeof(pw));
	return r == 0 ? SCR_HOME : (u->lost ? SCR_RECONNECT : SCR_LOCK);
}

enum scr
scr_lockdown(struct ui *u)
{
	char user[33] = "", pw[129] = "", intro[1536];
	struct uifield f[] = {
		{ _("Supervisor"), user, sizeof(user), 0, NULL, NULL, 0, 0 },
		{ _("Password"), pw, sizeof(pw), 1, NULL, NULL, 0, 0 },
	};
	int r;

	if (!u->lockdown)
		return u->logged_in ? SCR_HOME : SCR_LOGIN;
	u->logged_in = 0;
	snprintf(intro, sizeof(intro), _("LOCKDOWN: the machine is locked "
	    "and documents are sealed. Reason: %s. A supervisor clears the "
	    "lockdown once the cause is removed."), u->lockdown_reason);
	r = ui_form(u, _("Lockdown"), intro, f, 2);
	if (r != FORM_OK) {
		wipe(pw, sizeof(pw));
		return SCR_LOCKDOWN;
	}
	r = auth(u, user, pw);
	wipe(pw, sizeof(pw));
	if (r != 0)
		return u->lost ? SCR_RECONNECT : SCR_LOCKDOWN;
	ud_start(u, MSG_LOCKDOWN_CLEAR);
	if (ud_call(u, NULL) != 0) {
		ui_note_err(u, _("The lockdown stays"));
		/* The supervisor's session does not outlive the attempt. */
		ud_start(u, MSG_LOGOUT);
		(void)ud_call(u, NULL);
		u->logged_in = 0;
		return u->lost ? SCR_RECONNECT : SCR_LOCKDOWN;
	}
	u->lockdown = 0;
	ui_note(u, 0, "%s", _("The lockdown is cleared."));
	return SCR_HOME;
}

enum scr
scr_passwd(struct ui *u)
{
	char user[33], pw[129] = "", npw[129] = "", npw2[129] = "";
	struct uifield f[] = {
		{ _("Account"), user, sizeof(user), 0, NULL, NULL, 0, 0 },
		{ _("Current password"), pw, sizeof(pw), 1, NULL, NULL, 0, 0 },
		{ _("New password"), npw, sizeof(npw), 1, NULL, NULL, 0, 0 },
		{ _("New password again"), npw2, sizeof(npw2), 1, NULL, NULL,
		    0, 0 },
	};
	char intro[512];
	struct uirec ok;
	int r, was = u->logged_in;

	snprintf(user, sizeof(user), "%.32s", u->user);
	snprintf(intro, sizeof(intro), "%s %s", u->pw_reason, _("At least 8 "
	    "characters with lower case, upper case, a digit and a special "
	    "character; not one of your last passwords."));
	u->pw_reason[0] = '\0';
	r = ui_form(u, _("Change password"), intro, f, 4);
	if (r == FORM_OK && strcmp(npw, npw2) != 0) {
		ui_note(u, 1, "%s", _("The two new passwords differ."));
		r = FORM_CANCEL;
	} else if (r == FORM_OK) {
		ud_start(u, MSG_PASSWD);
		ud_add(u, F_USER, user);
		ud_add(u, F_PASSWORD, pw);
		ud_add(u, F_NEWPASSWORD, npw);
		if (ud_call(u, &ok) == 0) {
			logged_in(u, user, &ok);
			uirec_clear(&ok);
			ui_note(u, 0, "%s", _("The password is changed."));
		} else
			ui_note_err(u, _("Password not changed"));
	}
	wipe(pw, sizeof(pw));
	wipe(npw, sizeof(npw));
	wipe(npw2, sizeof(npw2));
	if (r < 0)
		return ui_form_exit(u, r);
	if (u->lost)
		return SCR_RECONNECT;
	return u->logged_in ? SCR_HOME : (was ? SCR_HOME : SCR_LOGIN);
}
