/*
 * The screens of a session: home, documents, USB devices, accounts,
 * incidents. Each lists what the daemon answers and acts by requests.
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



/* The hint bar: the screen's own keys, then the navigation keys. */
static const char *
hints(const char *own)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s | %s", own, _(UI_NAV_HINTS));
	return buf;
}

void
ui_list_reload(struct ui *u, unsigned type, struct uilist *l,
    const char *what, size_t *sel)
{
	uilist_clear(l);
	ud_start(u, type);
	if (ud_list(u, l, NULL) != 0 && u->note[0] == '\0')
		ui_note_err(u, what);
	if (*sel >= l->n)
		*sel = 0;
}

/* ---- home ---- */

/* A status value without the escaped line break the daemon may end it
 * with. */
static const char *
value(const struct uilist *st, const char *key)
{
	static char buf[4][512];
	static int k;
	size_t n;
	char *b = buf[k++ % 4];

	snprintf(b, sizeof(buf[0]), "%s", ud_status_get(st, key));
	n = strlen(b);
	if (n >= 2 && strcmp(b + n - 2, "\\n") == 0)
		b[n - 2] = '\0';
	return b;
}

/* Columns of the USB device rows. */
static const int usb_w[] = { 7, 9, 10, 22, 0, 0 };

/* The open incidents, for those who may list them. */
static int
draw_incidents(struct ui *u, const struct uilist *inc, int y, int rows)
{
	size_t i;
	char when[32];

	for (i = 0; i < inc->n && y <= rows; i++) {
		const struct uirec *r = &inc->v[i];
		const char *c[] = { uirec_get(r, F_SEQ), when,
		    ui_level_name(uirec_get(r, F_LEVEL)),
		    uirec_get(r, F_MESSAGE) };
		static const int w[] = { 5, 16, 11, 0 };

		if (strcmp(uirec_get(r, F_STATE), "closed") == 0)
			continue;
		uitext_time(uirec_num(r, F_CREATED, 0), when, sizeof(when));
		ui_cells(y++, 2, ui_attr_bad(u), w, c, 4);
	}
	return y;
}

static int
draw_home(struct ui *u, struct uilist *st, struct uilist *usb,
    struct uilist *inc)
{
	const char *ag = value(st, "air-gap");
	const char *ld = value(st, "lockdown");
	int rows, y = 2, w = COLS - 4, ok;
	size_t i;
	char own[256];

	/* Repair sessions (scr_repair.c): their key on its own. */
	snprintf(own, sizeof(own), "%s  %s", _("h log head  p report  "
	    "k self-check  g copy register  e export  b backup  r refresh"),
	    _("m repairs"));
	rows = ui_frame(u, _("Home"), hints(own));
	ok = strncmp(ag, "clean", 5) == 0;
	ui_putf(y++, 2, w, ok ? ui_attr_good(u) : ui_attr_alarm(u),
	    "%s: %s", _("Air gap"), ok ? _("intact, no network link is up") :
	    _("VIOLATED"));
	ui_putf(y++, 4, w - 2, A_DIM, "%s", ag);
	ui_putf(y++, 2, w, A_NORMAL, "%s: %s", _("Network"),
	    value(st, "network"));
	ok = strcmp(ld, "-") == 0 || ld[0] == '\0';
	ui_putf(y++, 2, w, ok ? ui_attr_good(u) : ui_attr_alarm(u),
	    "%s: %s", _("Lockdown"), ok ? _("none") : ld);
	ui_putf(y++, 2, w, A_NORMAL, "%s: %s   %s: %s", _("Vault"),
	    value(st, "state"), _("Session"), value(st, "session"));
	ui_putf(y++, 2, w, strcmp(value(st, "open-incidents"), "0") == 0 ?
	    (int)A_NORMAL : ui_attr_bad(u), "%s: %s", _("Open incidents"),
	    value(st, "open-incidents"));
	ui_putf(y++, 2, w, A_NORMAL, "%s: %s", _("Audit log"),
	    value(st, "log"));
	/* Article 10: the daemon says OVERDUE past [backup] interval_days. */
	ok = strstr(value(st, "backup"), "OVERDUE") == NULL;
	ui_putf(y++, 2, w, ok ? (int)A_NORMAL : ui_attr_bad(u), "%s: %s%s",
	    _("Backup"), ok ? "" : _("OVERDUE, make a backup now. "),
	    value(st, "backup"));
	ui_putf(y++, 2, w, A_NORMAL, "%s: %s", _("USB guard"),
	    value(st, "usb-guard"));
	y++;
	ui_putf(y++, 2, w, A_BOLD, _("USB devices present (%zu):"), usb->n);
	for (i = 0; i < usb->n && y <= rows; i++) {
		const struct uirec *r = &usb->v[i];
		const char *t = uirec_get(r, F_TARGET);

		const char *c[] = { uirec_get(r, F_PORT), uirec_get(r,
		    F_DEVID), ui_target_name(t), uirec_get(r, F_REASON),
		    uirec_get(r, F_NAME) };

		ui_cells(y++, 2, strcmp(t, "allow") == 0 ? ui_attr_good(u) :
		    ui_attr_bad(u), usb_w, c, 5);
	}
	if (inc->n > 0 && y + 1 < rows) {
		ui_putf(++y, 2, w, A_BOLD, "%s:", _("Open incidents"));
		y = draw_incidents(u, inc, y + 1, rows);
	}
	return rows;
}

enum scr
scr_home(struct ui *u)
{
	struct uilist st = { 0 }, usb = { 0 }, inc = { 0 };
	struct uikey k;
	enum scr s = SCR_SAME;
	time_t last = 0;
	int reload = 1;

	while (s == SCR_SAME) {
		/* STATUS is cheap and unlogged: every few seconds. The USB
		 * list is logged (usb.list): on entry and on request. */
		if (reload || time(NULL) - last >= 3) {
			uilist_clear(&st);
			if (ud_status(u, &st) != 0 && u->lost)
				return SCR_RECONNECT;
			last = time(NULL);
		}
		if (reload) {
			uilist_clear(&usb);
			ud_start(u, MSG_USB_LIST);
			if (ud_list(u, &usb, NULL) != 0 &&
			    u->note[0] == '\0')
				ui_note_err(u, _("USB devices"));
			uilist_clear(&inc);
			if (ui_has_role(u, "supervisor") ||
			    ui_has_role(u, "it-officer")) {
				ud_start(u, MSG_INCIDENT_LIST);
				(void)ud_list(u, &inc, NULL);
			}
			reload = 0;
		}
		draw_home(u, &st, &usb, &inc);
		k = ui_key(u);
		if ((s = ui_nav(u, &k)) != SCR_SAME)
			break;
		if (k.type == UK_CHAR && k.ch == 'r')
			reload = 1;
		/* The inspection screens (scr_inspect.c). */
		if (k.type == UK_CHAR && k.ch == 'h')
			s = scr_head(u);
		if (k.type == UK_CHAR && k.ch == 'p')
			s = scr_report(u);
		if (k.type == UK_CHAR && k.ch == 'k')
			s = scr_selfcheck(u);
		if (k.type == UK_CHAR && k.ch == 'g')
			s = scr_register(u);
		if (k.type == UK_CHAR && k.ch == 'b')
			s = scr_backup(u);
		if (k.type == UK_CHAR && k.ch == 'e')
			s = scr_export(u);
		/* Repair sessions (scr_repair.c). */
		if (k.type == UK_CHAR && k.ch == 'm')
			s = scr_repairs(u);
		if (s == SCR_HOME) {
			s = SCR_SAME;
			reload = 1;
		}
		if (u->lost)
			s = SCR_RECONNECT;
	}
	uilist_clear(&st);
	uilist_clear(&usb);
	uilist_clear(&inc);
	return s;
}

/* ---- documents ---- */

static const char *const classes[] = { "mat", "toi-mat", "tuyet-mat" };
static const int doc_w[] = { 10, 16, 12, 0 };

static void
class_names(const char *shown[3])
{
	int i;

	for (i = 0; i < 3; i++)
		shown[i] = ui_class_name(classes[i]);
}

/* The document as escaped lines (it may hold terminal escapes), in the
 * viewer; its text and lines wiped after. */
static enum scr
view_doc(struct ui *u, const struct uirec *d)
{
	char *text, title[512];
	size_t len;
	int cut;
	enum scr s;

	if (ud_cat(u, uirec_get(d, F_ID), 8u << 20, &text, &len, &cut) != 0) {
		ui_note_err(u, _("The document cannot be opened"));
		return u->lost ? SCR_RECONNECT : SCR_SAME;
	}
	snprintf(title, sizeof(title), "%s — %s", uirec_get(d, F_TITLE),
	    ui_class_name(uirec_get(d, F_CLASS)));
	if (cut)
		ui_note(u, 1, "%s", _("Only the first 8 MiB are shown."));
	s = ui_view_text(u, title, text, len);
	mk_wipe(text, len);
	free(text);
	return s;
}

static enum scr
import_doc(struct ui *u)
{
	char path[1024] = "", title[256] = "", id[64];
	const char *shown[3];
	struct uifield f[] = {
		{ _("File (a path on this machine)"), path, sizeof(path), 0,
		    NULL, NULL, 0, 0 },
		{ _("Classification"), NULL, 0, 0, classes, shown, 3, 0 },
		{ _("Title"), title, sizeof(title), 0, NULL, NULL, 0, 0 },
	};
	int r;

	class_names(shown);
	r = ui_form(u, _("Import a document"), _("The file is encrypted into "
	    "the vault; the import is recorded in the audit log."), f, 3);
	if (r != FORM_OK)
		return ui_form_exit(u, r);
	if (ud_import(u, path, classes[f[1].choice], title, id,
	    sizeof(id)) != 0)
		ui_note_err(u, _("Import failed"));
	else
		ui_note(u, 0, _("Imported: %s"), id);
	return u->lost ? SCR_RECONNECT : SCR_SAME;
}

static enum scr
delete_doc(struct ui *u, const struct uirec *d)
{
	char q[768];
	int r;

	snprintf(q, sizeof(q), _("Delete the document \"%s\"? This is "
	    "recorded in the audit log."), uirec_get(d, F_TITLE));
	if ((r = ui_confirm(u, _("Delete a document"), q)) != 1)
		return ui_form_exit(u, r);
	ud_start(u, MSG_DOC_DELETE);
	ud_add(u, F_ID, uirec_get(d, F_ID));
	r = ud_call(u, NULL);
	if (r == MK_ERR_APPROVAL) {
		if ((r = ui_approve(u, "doc.delete", uirec_get(d, F_ID), 0,
		    0, NULL)) != FORM_OK)
			return ui_form_exit(u, r);
		ud_start(u, MSG_DOC_DELETE);
		ud_add(u, F_ID, uirec_get(d, F_ID));
		r = ud_call(u, NULL);
	}
	if (r != 0)
		ui_note_err(u, _("Not deleted"));
	else
		ui_note(u, 0, "%s", _("The document is deleted."));
	return u->lost ? SCR_RECONNECT : SCR_SAME;
}

enum scr
scr_docs(struct ui *u)
{
	struct uilist all = { 0 };
	const struct uirec **v = NULL;
	struct uikey k;
	size_t n = 0, sel = 0, top = 0, i;
	int rows, reload = 1, filter = -1;
	enum scr s = SCR_SAME;
	char when[32];

	while (s == SCR_SAME) {
		if (reload) {
			uilist_clear(&all);
			ud_start(u, MSG_DOC_LIST);
			if (ud_list(u, &all, NULL) != 0 &&
			    u->note[0] == '\0')
				ui_note_err(u, _("Documents"));
			free(v);
			v = calloc(all.n + 1, sizeof(*v));
			reload = 0;
			sel = top = 0;
		}
		for (n = 0, i = 0; v != NULL && i < all.n; i++)
			if (filter < 0 || strcmp(uirec_get(&all.v[i], F_CLASS),
			    classes[filter]) == 0)
				v[n++] = &all.v[i];
		if (sel >= n)
			sel = n > 0 ? n - 1 : 0;
		rows = ui_frame(u, _("Documents"), hints(_("Enter view  i import"
		    "  m USB  o copy out  d delete  p print  c filter  "
		    "r refresh"))) - 2;
		ui_putf(1, 1, COLS - 2, A_BOLD, "%s: %s   (%zu)", _("Showing"),
		    filter < 0 ? _("all classifications") :
		    ui_class_name(classes[filter]), n);
		{
			const char *c[] = { _("Classification"), _("Created"),
			    _("Author"), _("Title") };

			ui_cells(2, 1, A_UNDERLINE, doc_w, c, 4);
		}
		for (i = 0; i < (size_t)rows && top + i < n; i++) {
			const struct uirec *d = v[top + i];
			const char *c[4];

			uitext_time(uirec_num(d, F_CREATED, 0), when,
			    sizeof(when));
			c[0] = ui_class_name(uirec_get(d, F_CLASS));
			c[1] = when;
			c[2] = uirec_get(d, F_AUTHOR);
			c[3] = uirec_has(d, F_TITLE) ? uirec_get(d, F_TITLE) :
			    uirec_get(d, F_STATE);
			ui_cells(3 + (int)i, 1, top + i == sel ?
			    (int)A_REVERSE : (int)A_NORMAL, doc_w, c, 4);
		}
		k = ui_key(u);
		if ((s = ui_nav(u, &k)) != SCR_SAME)
			break;
		if (ui_list_key(&k, n, rows, &sel, &top))
			continue;
		if (k.type == UK_CHAR && k.ch == 'c') {
			filter = filter == 2 ? -1 : filter + 1;
			sel = top = 0;
		} else if (k.type == UK_CHAR && k.ch == 'r')
			reload = 1;
		else if (k.type == UK_CHAR && k.ch == 'i') {
			s = import_doc(u);
			reload = 1;
		} else if (n > 0 && k.type == UK_CHAR && k.ch == 'd') {
			s = delete_doc(u, v[sel]);
			reload = 1;
		} else if (n > 0 && k.type == UK_CHAR && k.ch == 'p') {
			s = ui_print_doc(u, v[sel]);
			reload = 1;
		} else if (k.type == UK_CHAR && k.ch == 'm') {
			/* Media (issue 8, scr_media.c). */
			s = ui_media_import(u, NULL);
			reload = 1;
		} else if (n > 0 && k.type == UK_CHAR && k.ch == 'o')
			s = ui_copy_out(u, v[sel]);
		else if (n > 0 && ((k.type == UK_CHAR && (k.ch == '\r' ||
		    k.ch == '\n')) || (k.type == UK_FUNC && k.ch == KEY_ENTER)))
			s = view_doc(u, v[sel]);
		if (u->lost)
			s = SCR_RECONNECT;
	}
	free(v);
	uilist_clear(&all);
	return s;
}

/* ---- USB ---- */

static const char *const directions[] = { "import", "export", "both",
    "backup" };

static enum scr
register_usb(struct ui *u, const struct uirec *d)
{
	char label[129] = "", owner[33], intro[512];
	const char *shown[4] = { NULL, NULL, NULL, NULL };
	struct uifield f[] = {
		{ _("Label"), label, sizeof(label), 0, NULL, NULL, 0, 0 },
		{ _("Owner (account)"), owner, sizeof(owner), 0, NULL, NULL,
		    0, 0 },
		{ _("Use"), NULL, 0, 0, directions, shown, 4, 0 },
	};
	int r;

	shown[0] = _("import");
	shown[1] = _("export");
	shown[2] = _("import and export");
	shown[3] = _("backups");
	snprintf(owner, sizeof(owner), "%.32s", u->user);
	snprintf(intro, sizeof(intro), _("Register the storage device %s "
	    "(%s, serial %s) on the whitelist."), uirec_get(d, F_PORT),
	    uirec_get(d, F_DEVID), uirec_get(d, F_SERIAL));
	r = ui_form(u, _("Register a USB device"), intro, f, 3);
	if (r != FORM_OK)
		return ui_form_exit(u, r);
	/* An IT officer registers with a supervisor's approval. */
	if (!ui_has_role(u, "supervisor") && (r = ui_approve(u,
	    "usb.register", uirec_get(d, F_PORT), 0, 0, NULL)) != FORM_OK)
		return ui_form_exit(u, r);
	ud_start(u, MSG_USB_REGISTER);
	ud_add(u, F_PORT, uirec_get(d, F_PORT));
	ud_add(u, F_LABEL, label);
	ud_add(u, F_OWNER, owner);
	ud_add(u, F_DIRECTION, directions[f[2].choice]);
	if (ud_call(u, NULL) != 0)
		ui_note_err(u, _("Not registered"));
	else
		ui_note(u, 0, "%s", _("The device is registered."));
	return u->lost ? SCR_RECONNECT : SCR_SAME;
}

/* Takes a medium off the whitelist by its serial: the selected device's,
 * or one typed for a medium that is lost or broken (not plugged in). */
static enum scr
unregister_usb(struct ui *u, const struct uirec *d)
{
	char serial[129] = "";
	struct uifield f[] = {
		{ _("Serial"), serial, sizeof(serial), 0, NULL, NULL, 0, 0 },
	};
	int r;

	if (d != NULL)
		snprintf(serial, sizeof(serial), "%s", uirec_get(d, F_SERIAL));
	r = ui_form(u, _("Unregister a USB medium"), _("Take a medium off "
	    "the whitelist by its serial number, also one that is lost or "
	    "broken and not plugged in. It is blocked from then on."), f, 1);
	if (r != FORM_OK)
		return ui_form_exit(u, r);
	if (!ui_has_role(u, "supervisor") && (r = ui_approve(u,
	    "usb.register", serial, 0, 0, NULL)) != FORM_OK)
		return ui_form_exit(u, r);
	ud_start(u, MSG_USB_UNREGISTER);
	ud_add(u, F_SERIAL, serial);
	if (ud_call(u, NULL) != 0)
		ui_note_err(u, _("Not unregistered"));
	else
		ui_note(u, 0, "%s", _("The medium is off the whitelist."));
	return u->lost ? SCR_RECONNECT : SCR_SAME;
}

enum scr
scr_usb(struct ui *u)
{
	struct uilist l = { 0 };
	struct uikey k;
	size_t sel = 0, top = 0, i;
	int rows, reload = 1;
	enum scr s = SCR_SAME;

	while (s == SCR_SAME) {
		if (reload) {
			ui_list_reload(u, MSG_USB_LIST, &l, _("USB devices"), &sel);
			reload = 0;
		}
		rows = ui_frame(u, _("USB devices"), hints(_("g register  "
		    "x unregister  m import  a virus signatures  "
		    "w workstations  r refresh"))) - 1;
		{
			const char *c[] = { _("Port"), _("ID"), _("Decision"),
			    _("Reason"), _("Name / serial") };

			ui_cells(1, 1, A_UNDERLINE, usb_w, c, 5);
		}
		for (i = 0; i < (size_t)rows && top + i < l.n; i++) {
			const struct uirec *d = &l.v[top + i];
			char name[1024];
			const char *c[] = { uirec_get(d, F_PORT),
			    uirec_get(d, F_DEVID),
			    ui_target_name(uirec_get(d, F_TARGET)),
			    uirec_get(d, F_REASON), name };

			snprintf(name, sizeof(name), "%s / %s",
			    uirec_get(d, F_NAME), uirec_get(d, F_SERIAL));
			ui_cells(2 + (int)i, 1, top + i == sel ?
			    (int)A_REVERSE : (int)A_NORMAL, usb_w, c, 5);
		}
		k = ui_key(u);
		if ((s = ui_nav(u, &k)) != SCR_SAME)
			break;
		if (ui_list_key(&k, l.n, rows, &sel, &top))
			continue;
		if (k.type == UK_CHAR && k.ch == 'r')
			reload = 1;
		else if (l.n > 0 && k.type == UK_CHAR && k.ch == 'g') {
			s = register_usb(u, &l.v[sel]);
			reload = 1;
		} else if (k.type == UK_CHAR && k.ch == 'x') {
			s = unregister_usb(u, l.n > 0 ? &l.v[sel] : NULL);
			reload = 1;
		} else if (l.n > 0 && k.type == UK_CHAR && k.ch == 'm')
			/* Media (issue 8, scr_media.c). */
			s = ui_media_import(u, uirec_get(&l.v[sel], F_SERIAL));
		else if (l.n > 0 && k.type == UK_CHAR && k.ch == 'a')
			s = ui_av_update(u, uirec_get(&l.v[sel], F_SERIAL));
		else if (k.type == UK_CHAR && k.ch == 'w')
			s = scr_workstations(u);
		if (u->lost)
			s = SCR_RECONNECT;
	}
	uilist_clear(&l);
	return s;
}

/* ---- accounts ---- */

static const int acct_w[] = { 12, 22, 18, 16, 0 };
static const char *const role_sets[] = { "drafter", "supervisor",
    "it-officer", "supervisor,it-officer", "technician", "inspector" };

static enum scr
add_account(struct ui *u)
{
	char user[33] = "", full[129] = "", pw[129] = "";
	const char *shown[6];
	struct uifield f[] = {
		{ _("Account"), user, sizeof(user), 0, NULL, NULL, 0, 0 },
		{ _("Full name"), full, sizeof(full), 0, NULL, NULL, 0, 0 },
		{ _("Roles"), NULL, 0, 0, role_sets, shown, 6, 0 },
		{ _("Temporary password"), pw, sizeof(pw), 1, NULL, NULL, 0,
		    0 },
	};
	int r;

	shown[0] = _("drafter");
	shown[1] = _("supervisor");
	shown[2] = _("IT officer");
	shown[3] = _("supervisor and IT officer");
	shown[4] = _("repair technician");
	shown[5] = _("police inspector");
	r = ui_form(u, _("Add an account"), _("The person chooses their own "
	    "password at the first login."), f, 4);
	if (r == FORM_OK) {
		ud_start(u, MSG_ACCOUNT_ADD);
		ud_add(u, F_USER, user);
		if (full[0] != '\0')
			ud_add(u, F_FULLNAME, full);
		ud_add(u, F_ROLES, role_sets[f[2].choice]);
		ud_add(u, F_PASSWORD, pw);
		if (ud_call(u, NULL) != 0)
			ui_note_err(u, _("Account not added"));
		else
			ui_note(u, 0, _("Account %s added."), user);
	}
	mk_wipe(pw, sizeof(pw));
	if (r < 0)
		return ui_form_exit(u, r);
	return u->lost ? SCR_RECONNECT : SCR_SAME;
}

/* Unlock, reset (temporary password) or disable the account. */
static enum scr
account_action(struct ui *u, const struct uirec *a, wint_t key)
{
	char pw[129] = "", reason[256] = "";
	struct uifield fp[] = { { _("Temporary password"), pw, sizeof(pw), 1,
	    NULL, NULL, 0, 0 } };
	struct uifield fr[] = { { _("Reason"), reason, sizeof(reason), 0,
	    NULL, NULL, 0, 0 } };
	const char *user = uirec_get(a, F_USER);
	int r = FORM_OK;

	if (key == 'u') {
		ud_start(u, MSG_ACCOUNT_UNLOCK);
		ud_add(u, F_USER, user);
	} else if (key == 's') {
		if ((r = ui_form(u, _("Reset a password"), user, fp, 1)) ==
		    FORM_OK) {
			ud_start(u, MSG_ACCOUNT_RESET);
			ud_add(u, F_USER, user);
			ud_add(u, F_PASSWORD, pw);
		}
	} else {
		if ((r = ui_form(u, _("Disable an account"), user, fr, 1)) ==
		    FORM_OK) {
			ud_start(u, MSG_ACCOUNT_DISABLE);
			ud_add(u, F_USER, user);
			ud_add(u, F_REASON, reason);
		}
	}
	if (r == FORM_OK) {
		if (ud_call(u, NULL) != 0)
			ui_note_err(u, user);
		else
			ui_note(u, 0, _("Done: %s."), user);
	}
	mk_wipe(pw, sizeof(pw));
	if (r < 0)
		return ui_form_exit(u, r);
	return u->lost ? SCR_RECONNECT : SCR_SAME;
}

enum scr
scr_accounts(struct ui *u)
{
	struct uilist l = { 0 };
	struct uikey k;
	size_t sel = 0, top = 0, i;
	int rows, reload = 1;
	enum scr s = SCR_SAME;
	char when[32];

	while (s == SCR_SAME) {
		if (reload) {
			ui_list_reload(u, MSG_ACCOUNT_LIST, &l, _("Accounts"), &sel);
			reload = 0;
		}
		rows = ui_frame(u, _("Accounts"), hints(_("a add  u unlock  "
		    "s reset password  x disable  r refresh"))) - 1;
		{
			const char *c[] = { _("Account"), _("Full name"),
			    _("Roles"), _("Last login"), _("State") };

			ui_cells(1, 1, A_UNDERLINE, acct_w, c, 5);
		}
		for (i = 0; i < (size_t)rows && top + i < l.n; i++) {
			const struct uirec *a = &l.v[top + i];
			const char *c[] = { uirec_get(a, F_USER),
			    uirec_get(a, F_FULLNAME), uirec_get(a, F_ROLES),
			    when, uirec_get(a, F_FLAGS) };

			uitext_time(uirec_num(a, F_LASTLOGIN, 0), when,
			    sizeof(when));
			if (uirec_num(a, F_LASTLOGIN, 0) == 0)
				snprintf(when, sizeof(when), "-");
			ui_cells(2 + (int)i, 1, top + i == sel ?
			    (int)A_REVERSE : (int)A_NORMAL, acct_w, c, 5);
		}
		k = ui_key(u);
		if ((s = ui_nav(u, &k)) != SCR_SAME)
			break;
		if (ui_list_key(&k, l.n, rows, &sel, &top))
			continue;
		if (k.type == UK_CHAR && k.ch == 'r')
			reload = 1;
		else if (k.type == UK_CHAR && k.ch == 'a') {
			s = add_account(u);
			reload = 1;
		} else if (l.n > 0 && k.type == UK_CHAR && (k.ch == 'u' ||
		    k.ch == 's' || k.ch == 'x')) {
			s = account_action(u, &l.v[sel], k.ch);
			reload = 1;
		}
		if (u->lost)
			s = SCR_RECONNECT;
	}
	uilist_clear(&l);
	return s;
}

/* ---- incidents ---- */

static const int inc_w[] = { 5, 16, 11, 9, 0 };
static const char *const levels[] = { "thap", "trung-binh", "cao",
    "khan-cap" };

static enum scr
report_incident(struct ui *u)
{
	char text[512] = "";
	const char *shown[4];
	struct uifield f[] = {
		{ _("Level"), NULL, 0, 0, levels, shown, 4, 0 },
		{ _("What happened"), text, sizeof(text), 0, NULL, NULL, 0, 0 },
	};
	struct uirec ok;
	int r, i;

	for (i = 0; i < 4; i++)
		shown[i] = ui_level_name(levels[i]);
	r = ui_form(u, _("Report an incident"), _("The report is recorded "
	    "in the audit log and shown to the supervisors."), f, 2);
	if (r != FORM_OK)
		return ui_form_exit(u, r);
	ud_start(u, MSG_INCIDENT_REPORT);
	ud_add(u, F_LEVEL, levels[f[0].choice]);
	ud_add(u, F_MESSAGE, text);
	if (ud_call(u, &ok) != 0)
		ui_note_err(u, _("Not reported"));
	else {
		ui_note(u, 0, _("Incident %s reported."), uirec_get(&ok, F_SEQ));
		uirec_clear(&ok);
	}
	return u->lost ? SCR_RECONNECT : SCR_SAME;
}

static const char *
inc_state_name(const char *t)
{
	if (strcmp(t, "open") == 0)
		return _("open");
	if (strcmp(t, "handled") == 0)
		return _("handled");
	if (strcmp(t, "closed") == 0)
		return _("closed");
	return t;
}

/* The incident's whole report (INCIDENT_SHOW) in the viewer. */
static enum scr
show_incident(struct ui *u, const struct uirec *inc)
{
	struct uilist l = { 0 };
	char title[128];

	ud_start(u, MSG_INCIDENT_SHOW);
	ud_add_u64(u, F_SEQ, uirec_num(inc, F_SEQ, 0));
	if (ud_list(u, &l, NULL) != 0) {
		uilist_clear(&l);
		ui_note_err(u, _("The incident"));
		return u->lost ? SCR_RECONNECT : SCR_SAME;
	}
	snprintf(title, sizeof(title), _("Incident %s"),
	    uirec_get(inc, F_SEQ));
	return ui_view_entries(u, title, &l);
}

/* Handles or closes an incident (Article 12), with a note of what was
 * done: forward only, the daemon says who may. */
static enum scr
update_incident(struct ui *u, const struct uirec *inc, const char *state)
{
	char note[512] = "", intro[768];
	struct uifield f[] = {
		{ _("What was done"), note, sizeof(note), 0, NULL, NULL, 0, 0 },
	};
	int r;

	snprintf(intro, sizeof(intro), strcmp(state, "closed") == 0 ?
	    _("Close incident %s (%s): %s") : _("Mark incident %s (%s) as "
	    "handled: %s"), uirec_get(inc, F_SEQ),
	    ui_level_name(uirec_get(inc, F_LEVEL)), uirec_get(inc, F_MESSAGE));
	r = ui_form(u, strcmp(state, "closed") == 0 ? _("Close an incident") :
	    _("Handle an incident"), intro, f, 1);
	if (r != FORM_OK)
		return ui_form_exit(u, r);
	ud_start(u, MSG_INCIDENT_UPDATE);
	ud_add_u64(u, F_SEQ, uirec_num(inc, F_SEQ, 0));
	ud_add(u, F_STATE, state);
	if (note[0] != '\0')
		ud_add(u, F_NOTE, note);
	if (ud_call(u, NULL) != 0)
		ui_note_err(u, _("Not changed"));
	else
		ui_note(u, 0, _("Incident %s is %s."), uirec_get(inc, F_SEQ),
		    inc_state_name(state));
	return u->lost ? SCR_RECONNECT : SCR_SAME;
}

enum scr
scr_incidents(struct ui *u)
{
	struct uilist l = { 0 };
	struct uikey k;
	size_t sel = 0, top = 0, i;
	int rows, reload = 1;
	enum scr s = SCR_SAME;
	char when[32];

	while (s == SCR_SAME) {
		if (reload) {
			ui_list_reload(u, MSG_INCIDENT_LIST, &l, _("Incidents"), &sel);
			reload = 0;
		}
		rows = ui_frame(u, _("Incidents"), hints(_("n report  "
		    "Enter details  h handled  c close  r refresh"))) - 1;
		{
			const char *c[] = { "#", _("Opened"), _("Level"),
			    _("State"), _("Summary") };

			ui_cells(1, 1, A_UNDERLINE, inc_w, c, 5);
		}
		for (i = 0; i < (size_t)rows && top + i < l.n; i++) {
			const struct uirec *r = &l.v[top + i];
			const char *lv = uirec_get(r, F_LEVEL);
			const char *c[] = { uirec_get(r, F_SEQ), when,
			    ui_level_name(lv),
			    inc_state_name(uirec_get(r, F_STATE)),
			    uirec_get(r, F_MESSAGE) };

			uitext_time(uirec_num(r, F_CREATED, 0), when,
			    sizeof(when));
			ui_cells(2 + (int)i, 1, top + i == sel ?
			    (int)A_REVERSE : (strcmp(lv, "khan-cap") == 0 ||
			    strcmp(lv, "cao") == 0 ? ui_attr_bad(u) :
			    (int)A_NORMAL), inc_w, c, 5);
		}
		k = ui_key(u);
		if ((s = ui_nav(u, &k)) != SCR_SAME)
			break;
		if (ui_list_key(&k, l.n, rows, &sel, &top))
			continue;
		if (k.type == UK_CHAR && k.ch == 'r')
			reload = 1;
		else if (k.type == UK_CHAR && k.ch == 'n') {
			s = report_incident(u);
			reload = 1;
		} else if (l.n > 0 && k.type == UK_CHAR && (k.ch == '\n' ||
		    k.ch == '\r'))
			s = show_incident(u, &l.v[sel]);
		else if (l.n > 0 && k.type == UK_CHAR && k.ch == 'h') {
			s = update_incident(u, &l.v[sel], "handled");
			reload = 1;
		} else if (l.n > 0 && k.type == UK_CHAR && k.ch == 'c') {
			s = update_incident(u, &l.v[sel], "closed");
			reload = 1;
		}
		if (u->lost)
			s = SCR_RECONNECT;
	}
	uilist_clear(&l);
	return s;
}
