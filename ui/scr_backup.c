/*
 * Backups from the console (Article 10; issue 12's daemon side, kiosk/
 * backupops.c): the supervisor chooses a USB medium that is plugged in
 * and admitted, and makes a backup onto it (BACKUP with its SERIAL) or
 * runs the restore test on the backup it holds (BACKUP_VERIFY). The daemon
 * mounts the medium for the one request, only if it is registered for
 * backups; it decides who may (supervisors holding the vault key) and
 * says why not. On a kiosk this screen is the only way to make a backup.
 *
 * On a machine not yet provisioned, the wizard leads here too: a backup
 * restored from a medium (RESTORE with its SERIAL) with a supervisor's
 * password from the backup or the recovery code. The daemon admits the
 * chosen storage-only stick for the restore alone and mounts it
 * read-only.
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

static const int media_w[] = { 8, 24, 0 };

#define MEDIA_MAX	64

/* The storage devices the USB guard admitted (any present one when
 * blocked_too), with a serial: candidates for a backup medium (whether
 * one is registered for backups is the daemon's to say). Their indices
 * in all go to idx; returns how many. */
static size_t
storage_list(struct ui *u, struct uilist *all, size_t idx[MEDIA_MAX],
    int blocked_too)
{
	size_t i, n = 0;

	uilist_clear(all);
	ud_start(u, MSG_USB_LIST);
	if (ud_list(u, all, NULL) != 0) {
		ui_note_err(u, _("USB devices"));
		return 0;
	}
	for (i = 0; i < all->n && n < MEDIA_MAX; i++) {
		if (ui_is_medium(&all->v[i], blocked_too))
			idx[n++] = i;
	}
	return n;
}

/* The media list from row 6: a header, then the rows (the selected one
 * reversed), or none (the note says so). */
static void
draw_media(const struct uilist *l, const size_t *idx, size_t n, size_t sel,
    size_t top, int rows, const char *none)
{
	const char *h[] = { _("Port"), _("Serial"), _("Name") };
	size_t i;

	ui_cells(6, 1, A_UNDERLINE, media_w, h, 3);
	if (n == 0)
		ui_putf(7, 2, COLS - 4, A_NORMAL, "%s", none);
	for (i = 0; 7 + (int)i <= rows && top + i < n; i++) {
		const struct uirec *r = &l->v[idx[top + i]];
		const char *c[] = { uirec_get(r, F_PORT),
		    uirec_get(r, F_SERIAL), uirec_get(r, F_NAME) };

		ui_cells(7 + (int)i, 1, top + i == sel ? (int)A_REVERSE :
		    (int)A_NORMAL, media_w, c, 3);
	}
}

static enum scr
make_backup(struct ui *u, const struct uirec *m)
{
	char q[512];
	struct uirec ok;
	int r;

	snprintf(q, sizeof(q), _("Back up the vault, the log, the accounts "
	    "and the registers onto the medium %s (%s)? Only a medium "
	    "registered for backups is accepted."), uirec_get(m, F_SERIAL),
	    uirec_get(m, F_NAME));
	if ((r = ui_confirm(u, _("Make a backup"), q)) != 1)
		return r == 0 ? SCR_SAME : ui_form_exit(u, r);
	ui_frame(u, _("Make a backup"), "");
	ui_putf(2, 2, COLS - 4, A_BOLD, "%s", _("Backing up..."));
	refresh();
	ud_start(u, MSG_BACKUP);
	ud_add(u, F_SERIAL, uirec_get(m, F_SERIAL));
	if (ud_call(u, &ok) != 0) {
		ui_note_err(u, _("No backup made"));
		return u->lost ? SCR_RECONNECT : SCR_SAME;
	}
	ui_note(u, 0, _("Backup generation %s made: %s files, %s copied "
	    "(%s bytes). Run the restore test on it (t)."),
	    uirec_get(&ok, F_SEQ), uirec_get(&ok, F_TOTAL),
	    uirec_get(&ok, F_COUNT), uirec_get(&ok, F_SIZE));
	uirec_clear(&ok);
	return SCR_SAME;
}

static enum scr
restore_test(struct ui *u, const struct uirec *m)
{
	struct uilist l = { 0 };

	ui_frame(u, _("Restore test"), "");
	ui_putf(2, 2, COLS - 4, A_BOLD, "%s", _("Reading the whole backup "
	    "back and checking it..."));
	refresh();
	ud_start(u, MSG_BACKUP_VERIFY);
	ud_add(u, F_SERIAL, uirec_get(m, F_SERIAL));
	if (ud_list(u, &l, NULL) != 0) {
		uilist_clear(&l);
		u->note_bad = 1;
		ui_note_err(u, _("The restore test FAILED"));
		return u->lost ? SCR_RECONNECT : SCR_SAME;
	}
	ui_note(u, 0, "%s", _("The restore test passed."));
	return ui_view_entries(u, _("Restore test"), &l);
}

enum scr
scr_backup(struct ui *u)
{
	struct uilist st = { 0 }, l = { 0 };
	struct uikey k;
	size_t idx[MEDIA_MAX], n = 0, sel = 0, top = 0;
	int rows, reload = 1, w;
	enum scr s = SCR_SAME;

	while (s == SCR_SAME) {
		if (reload) {
			uilist_clear(&st);
			if (ud_status(u, &st) != 0 && u->lost)
				break;
			n = storage_list(u, &l, idx, 0);
			reload = 0;
			if (sel >= n)
				sel = top = 0;
		}
		rows = ui_frame(u, _("Backup"), _("b back up  t restore test  "
		    "r refresh  Esc back"));
		w = COLS - 4;
		ui_putf(2, 2, w, strstr(ud_status_get(&st, "backup"),
		    "OVERDUE") != NULL ? ui_attr_bad(u) : (int)A_NORMAL,
		    "%s: %s", _("Last backup"), ud_status_get(&st, "backup"));
		ui_wrap(3, 2, w, 5, _("Choose the medium registered for "
		    "backups (USB screen, use \"backups\"). It is mounted only "
		    "for the backup or the test, then unmounted."), A_DIM);
		draw_media(&l, idx, n, sel, top, rows, _("No admitted USB "
		    "storage device is plugged in."));
		k = ui_key(u);
		if ((s = ui_nav(u, &k)) != SCR_SAME)
			break;
		if (ui_list_key(&k, n, rows - 6, &sel, &top))
			continue;
		if (k.type == UK_CHAR && k.ch == 27)
			s = SCR_HOME;
		else if (k.type == UK_CHAR && k.ch == 'r')
			reload = 1;
		else if (n > 0 && k.type == UK_CHAR && k.ch == 'b') {
			s = make_backup(u, &l.v[idx[sel]]);
			reload = 1;
		} else if (n > 0 && k.type == UK_CHAR && k.ch == 't') {
			s = restore_test(u, &l.v[idx[sel]]);
			reload = 1;
		}
		if (u->lost)
			s = SCR_RECONNECT;
	}
	uilist_clear(&st);
	uilist_clear(&l);
	return u->lost ? SCR_RECONNECT : s;
}

/* ---- restore onto a new machine ---- */

static enum scr
restore_from(struct ui *u, const struct uirec *m)
{
	char who[33] = "", secret[129] = "", intro[512];
	struct uifield f[] = {
		{ _("Supervisor account (empty: recovery code)"), who,
		    sizeof(who), 0, NULL, NULL, 0, 0 },
		{ _("Password or recovery code"), secret, sizeof(secret), 1,
		    NULL, NULL, 0, 0 },
	};
	int r;

	snprintf(intro, sizeof(intro), _("Restore the backup on the medium "
	    "%s (%s): a supervisor of the backed-up machine gives their "
	    "password, or leave the account empty and give the recovery "
	    "code."), uirec_get(m, F_SERIAL), uirec_get(m, F_NAME));
	r = ui_form(u, _("Restore from a backup"), intro, f, 2);
	if (r != FORM_OK) {
		mk_wipe(secret, sizeof(secret));
		return r == FORM_CANCEL ? SCR_SAME : ui_form_exit(u, r);
	}
	ui_frame(u, _("Restore from a backup"), "");
	ui_putf(2, 2, COLS - 4, A_BOLD, "%s", _("Restoring..."));
	refresh();
	ud_start(u, MSG_RESTORE);
	ud_add(u, F_SERIAL, uirec_get(m, F_SERIAL));
	if (who[0] != '\0') {
		ud_add(u, F_USER, who);
		ud_add(u, F_PASSWORD, secret);
	} else
		ud_add(u, F_RECOVERY, secret);
	r = ud_call(u, NULL);
	mk_wipe(secret, sizeof(secret));
	if (r != 0) {
		ui_note_err(u, _("Not restored"));
		return u->lost ? SCR_RECONNECT : SCR_SAME;
	}
	ui_note(u, 0, "%s", _("The machine is restored from the backup: "
	    "log in as before."));
	return SCR_LOGIN;
}

enum scr
scr_restore_backup(struct ui *u)
{
	struct uilist l = { 0 };
	struct uikey k;
	size_t idx[MEDIA_MAX], n = 0, sel = 0, top = 0;
	int rows, reload = 1, w;
	enum scr s = SCR_SAME;

	while (s == SCR_SAME) {
		if (reload) {
			n = storage_list(u, &l, idx, 1);
			reload = 0;
			if (sel >= n)
				sel = top = 0;
		}
		rows = ui_frame(u, _("Restore from a backup"),
		    _("Enter restore  r refresh  Esc back to provisioning"));
		w = COLS - 4;
		ui_wrap(2, 2, w, 5, _("Plug in the medium holding the backup "
		    "and choose it. It is admitted for the restore alone, "
		    "read-only, and let go after."), A_NORMAL);
		draw_media(&l, idx, n, sel, top, rows, _("No USB storage "
		    "device is plugged in."));
		k = ui_key(u);
		if ((s = ui_event_screen(u, &k)) != SCR_SAME)
			break;
		if (k.type == UK_CHAR || k.type == UK_FUNC)
			u->note[0] = '\0';
		if (ui_list_key(&k, n, rows - 6, &sel, &top))
			continue;
		if (k.type == UK_CHAR && k.ch == 27)
			s = SCR_WIZARD;
		else if (k.type == UK_CHAR && k.ch == 'r')
			reload = 1;
		else if (n > 0 && k.type == UK_CHAR && (k.ch == '\n' ||
		    k.ch == '\r')) {
			s = restore_from(u, &l.v[idx[sel]]);
			reload = 1;
		}
		if (u->lost)
			s = SCR_RECONNECT;
	}
	uilist_clear(&l);
	return u->lost ? SCR_RECONNECT : s;
}
