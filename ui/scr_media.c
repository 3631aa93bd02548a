/*
 * Registered media (issue 8): importing a file from a medium, copying a
 * document out to one, updating the virus signatures from one, and the
 * receiving workstations a transfer package is made for. The daemon
 * mounts the medium for each request and decides who may do what; the
 * console lists, asks and shows the answer or the refusal.
 *
 * File names come from the medium and are hostile: the daemon escapes
 * them in its listing (mktext_escape) and uirec escapes again whatever
 * is not clean, so a name is printed only as text.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/proto.h"
#include "ui.h"
#include "uilang.h"
#include "uitext.h"

/* Media and workstations offered as choices of a form. */
#define MEDIA_MAX	16
#define WS_MAX		64

/* The screen's own keys, then the navigation keys (ui_frame splits). */
static const char *
media_hints(const char *own)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s | %s", own, _(UI_NAV_HINTS));
	return buf;
}

/* A refusal of this file's requests, headlined in the person's
 * language; other codes as every screen shows them. POLICY here is the
 * classification's rule, not the password rules of ui_note_err. */
static void
media_err(struct ui *u, const char *what)
{
	const char *h;

	switch (u->err) {
	case MK_ERR_INFECTED:
		h = _("Malware found: the file is refused.");
		break;
	case MK_ERR_AVDB:
		h = _("The virus signature database is missing or does not "
		    "load.");
		break;
	case MK_ERR_MEDIUM:
		h = _("The medium is not registered for this or cannot be "
		    "used.");
		break;
	case MK_ERR_SIGNATURE:
		h = _("The transfer package is altered or comes from an "
		    "unregistered workstation.");
		break;
	case MK_ERR_NO_SPACE:
		h = _("The medium is full.");
		break;
	case MK_ERR_POLICY:
		h = _("The rules for this classification forbid it.");
		break;
	default:
		ui_note_err(u, what);
		return;
	}
	ui_note(u, 1, "%s: %s (%s)", what, h, u->errmsg);
}

/* A frame saying what the daemon is doing (mounting, scanning), shown
 * before a request that takes a while. */
static void
busy(struct ui *u, const char *title, const char *what)
{
	ui_frame(u, title, "");
	ui_putf(2, 2, COLS - 4, A_BOLD, "%s", what);
	refresh();
}

/* An infected file: the alarm stays on the screen, in the alarm colour,
 * until the person acknowledges it. */
static enum scr
alarm_screen(struct ui *u)
{
	struct uikey k;
	enum scr s = SCR_SAME;
	int y;

	u->note[0] = '\0';
	for (;;) {
		ui_frame(u, _("Malware alarm"), _("Enter acknowledge"));
		ui_put(2, 0, "", COLS, 1, ui_attr_alarm(u));
		ui_put(2, 2, _("ALARM: MALWARE ON THE MEDIUM"), COLS - 4, 0,
		    ui_attr_alarm(u));
		y = ui_wrap(4, 2, COLS - 4, LINES - 4, u->errmsg,
		    ui_attr_bad(u));
		ui_wrap(y + 1, 2, COLS - 4, LINES - 4, _("The file was not "
		    "imported. It is kept as evidence and a high-level "
		    "incident is open: tell a supervisor, and do not use this "
		    "medium again until it is checked."), A_BOLD);
		k = ui_key(u);
		if ((s = ui_event_screen(u, &k)) != SCR_SAME)
			break;
		if ((k.type == UK_CHAR && (k.ch == '\r' || k.ch == '\n' ||
		    k.ch == 27)) || (k.type == UK_FUNC && k.ch == KEY_ENTER))
			break;
	}
	media_err(u, _("Not imported"));
	return s;
}

/* ---- choosing a medium and a file on it ---- */

int
ui_is_medium(const struct uirec *d, int any_target)
{
	const char *p = uirec_get(d, F_IFACES);

	if ((!any_target && strcmp(uirec_get(d, F_TARGET), "allow") != 0) ||
	    uirec_get(d, F_SERIAL)[0] == '\0' ||
	    strcmp(uirec_get(d, F_SERIAL), "-") == 0 || *p == '\0')
		return 0;
	for (; *p != '\0'; p += strcspn(p, " "), p += strspn(p, " "))
		if (strncmp(p, "08:", 3) != 0)
			return 0;
	return 1;
}

struct media {
	struct uilist	 l;
	const char	*serial[MEDIA_MAX];
	const char	*shown[MEDIA_MAX];
	char		 text[MEDIA_MAX][320];
	int		 n;
};

/* The media plugged in, as choices; -1 (the note says why) if none. */
static int
media_load(struct ui *u, struct media *m)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	ud_start(u, MSG_USB_LIST);
	if (ud_list(u, &m->l, NULL) != 0) {
		ui_note_err(u, _("USB devices"));
		return -1;
	}
	for (i = 0; i < m->l.n && m->n < MEDIA_MAX; i++) {
		const struct uirec *d = &m->l.v[i];

		if (!ui_is_medium(d, 0))
			continue;
		snprintf(m->text[m->n], sizeof(m->text[0]), "%s / %s",
		    uirec_get(d, F_NAME), uirec_get(d, F_SERIAL));
		m->serial[m->n] = uirec_get(d, F_SERIAL);
		m->shown[m->n] = m->text[m->n];
		m->n++;
	}
	if (m->n == 0) {
		ui_note(u, 1, "%s", _("No USB storage device is plugged in "
		    "and allowed."));
		return -1;
	}
	return 0;
}

static const int file_w[] = { 12, 0 };

static void
draw_files(struct ui *u, const char *title, const char *serial,
    const struct uilist *l, size_t sel, size_t top, int rows)
{
	const char *head[] = { _("Size (bytes)"), _("File") };
	size_t i;

	ui_frame(u, title, media_hints(_("↑↓ choose  Enter take this file  "
	    "Esc back")));
	ui_putf(1, 1, COLS - 2, A_BOLD, _("Medium %s: %zu files"), serial,
	    l->n);
	ui_cells(2, 1, A_UNDERLINE, file_w, head, 2);
	for (i = 0; i < (size_t)rows && top + i < l->n; i++) {
		const struct uirec *e = &l->v[top + i];
		const char *c[] = { uirec_get(e, F_SIZE),
		    uirec_get(e, F_MPATH) };

		ui_cells(3 + (int)i, 1, top + i == sel ? (int)A_REVERSE :
		    (int)A_NORMAL, file_w, c, 2);
	}
}

/* The medium's files (MEDIA_LIST) in a list; Enter takes one into path
 * as the daemon listed it (escaped). FORM_OK, FORM_CANCEL (Esc, or a
 * refusal: the note says why), FORM_LOCKDOWN or FORM_IDLE. */
static int
pick_file(struct ui *u, const char *title, const char *serial, char *path,
    size_t pathlen)
{
	struct uilist l = { 0 };
	struct uikey k;
	size_t sel = 0, top = 0;
	int r = FORM_CANCEL, rows;

	busy(u, title, _("Reading the medium..."));
	ud_start(u, MSG_MEDIA_LIST);
	ud_add(u, F_SERIAL, serial);
	if (ud_list(u, &l, NULL) != 0) {
		media_err(u, _("The medium cannot be read"));
		uilist_clear(&l);
		return FORM_CANCEL;
	}
	if (l.n == 0)
		ui_note(u, 1, "%s", _("The medium holds no file."));
	while (l.n > 0) {
		rows = LINES - 8 > 1 ? LINES - 8 : 1;
		draw_files(u, title, serial, &l, sel, top, rows);
		k = ui_key(u);
		if (k.type == UK_LOCKDOWN || k.type == UK_IDLE) {
			r = k.type == UK_IDLE ? FORM_IDLE : FORM_LOCKDOWN;
			break;
		}
		if (u->lost)
			break;
		if (k.type == UK_CHAR || k.type == UK_FUNC)
			u->note[0] = '\0';
		if (ui_list_key(&k, l.n, rows, &sel, &top))
			continue;
		if (k.type == UK_CHAR && k.ch == 27)
			break;
		if ((k.type == UK_CHAR && (k.ch == '\r' || k.ch == '\n')) ||
		    (k.type == UK_FUNC && k.ch == KEY_ENTER)) {
			snprintf(path, pathlen, "%s", uirec_get(&l.v[sel],
			    F_MPATH));
			r = FORM_OK;
			break;
		}
	}
	uilist_clear(&l);
	return r;
}

/* Chooses a file on the medium serial and unescapes it into path.
 * FORM_OK, or as pick_file (a name that cannot be asked for is
 * FORM_CANCEL with a note). */
static int
choose_file(struct ui *u, const char *title, const char *serial, char *path,
    size_t pathlen)
{
	char esc[4400];
	int r;

	if ((r = pick_file(u, title, serial, esc, sizeof(esc))) != FORM_OK)
		return r;
	if (uitext_unescape_name(esc, path, pathlen) != 0) {
		ui_note(u, 1, _("\"%s\": the name holds control characters or "
		    "is not valid text, so the file cannot be taken."), esc);
		return FORM_CANCEL;
	}
	return FORM_OK;
}

/* The screen after an interrupted or refused step. */
static enum scr
media_exit(struct ui *u, int r)
{
	return u->lost ? SCR_RECONNECT : ui_form_exit(u, r);
}

/* ---- import ---- */

/* The last choice sends no CLASS: a transfer package carries its own. */
static const char *const imp_classes[] = { "mat", "toi-mat", "tuyet-mat",
    "" };

static const char *
import_type_name(const char *t)
{
	if (strcmp(t, "transfer-package") == 0)
		return _("transfer package");
	if (strcmp(t, "file") == 0)
		return _("plain file");
	return t;
}

static int
import_form(struct ui *u, const char *serial, const char *path,
    struct uifield *cls, char *title, size_t titlelen)
{
	char intro[1400], shown_path[4400];
	const char *shown[4], *base = strrchr(path, '/');
	struct uifield f[] = {
		{ _("Classification"), NULL, 0, 0, imp_classes, shown, 4, 0 },
		{ _("Title"), title, titlelen, 0, NULL, NULL, 0, 0 },
	};
	size_t n = strlen(path);
	int i;

	for (i = 0; i < 3; i++)
		shown[i] = ui_class_name(imp_classes[i]);
	shown[3] = _("from the transfer package");
	if (n > 4 && strcmp(path + n - 4, ".mkx") == 0)
		f[0].choice = 3;
	/* The file's name as the title, cut at a character if long. */
	base = base != NULL ? base + 1 : path;
	if ((n = strlen(base)) >= titlelen) {
		n = titlelen - 1;
		while (n > 0 && ((unsigned char)base[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(title, base, n);
	title[n] = '\0';
	n = strlen(path);
	uitext_safe(path, n, shown_path, sizeof(shown_path));
	snprintf(intro, sizeof(intro), _("Import \"%s\" from medium %s. It "
	    "is scanned for malware, then encrypted into the vault. A "
	    "transfer package (.mkx) carries its classification: choose "
	    "\"from the transfer package\"; a plain file needs one."),
	    shown_path, serial);
	i = ui_form(u, _("Import from a medium"), intro, f, 2);
	cls->choice = f[0].choice;
	return i;
}

static enum scr
import_from(struct ui *u, const char *serial)
{
	struct uifield cls = { 0 };
	struct uirec ok;
	char path[4400], title[256];
	int r;

	if ((r = choose_file(u, _("Import from a medium"), serial, path,
	    sizeof(path))) != FORM_OK)
		return media_exit(u, r);
	if ((r = import_form(u, serial, path, &cls, title, sizeof(title))) !=
	    FORM_OK)
		return media_exit(u, r);
	busy(u, _("Import from a medium"), _("Copying and scanning the "
	    "file..."));
	ud_start(u, MSG_MEDIA_IMPORT);
	ud_add(u, F_SERIAL, serial);
	ud_add(u, F_MPATH, path);
	if (imp_classes[cls.choice][0] != '\0')
		ud_add(u, F_CLASS, imp_classes[cls.choice]);
	if (title[0] != '\0')
		ud_add(u, F_TITLE, title);
	if ((r = ud_call(u, &ok)) == MK_ERR_INFECTED)
		return alarm_screen(u);
	if (r != 0) {
		media_err(u, _("Not imported"));
		return u->lost ? SCR_RECONNECT : SCR_SAME;
	}
	ui_note(u, 0, _("Imported document %s (%s bytes, %s), SHA-256 %s."),
	    uirec_get(&ok, F_ID), uirec_get(&ok, F_SIZE),
	    import_type_name(uirec_get(&ok, F_STATE)),
	    uirec_get(&ok, F_PKGHASH));
	uirec_clear(&ok);
	return SCR_SAME;
}

/* A medium chosen among those plugged in (m filled, *which its index):
 * FORM_OK, or the form's answer (FORM_CANCEL with a note if there is
 * none). The caller clears m->l. */
static int
choose_medium(struct ui *u, const char *title, struct media *m, int *which)
{
	struct uifield f[1] = { { _("Storage medium"), NULL, 0, 0, NULL,
	    NULL, 0, 0 } };
	int r;

	if (media_load(u, m) != 0)
		return FORM_CANCEL;
	f[0].choices = m->serial;
	f[0].shown = m->shown;
	f[0].nchoices = m->n;
	r = ui_form(u, title, _("Choose the medium (←→)."), f, 1);
	*which = f[0].choice;
	return r;
}

int
ui_pick_medium(struct ui *u, const char *title, char *serial, size_t len)
{
	struct media m;
	int r, which;

	if ((r = choose_medium(u, title, &m, &which)) == FORM_OK)
		snprintf(serial, len, "%s", m.serial[which]);
	uilist_clear(&m.l);
	return r;
}

/* From a medium that is chosen first (serial NULL) or given. */
static enum scr
from_medium(struct ui *u, const char *serial, const char *title,
    enum scr (*fn)(struct ui *, const char *))
{
	struct media m;
	enum scr s;
	int r, which;

	if (serial != NULL)
		return fn(u, serial);
	if ((r = choose_medium(u, title, &m, &which)) == FORM_OK)
		s = fn(u, m.serial[which]);
	else
		s = media_exit(u, r);
	uilist_clear(&m.l);
	return s;
}

enum scr
ui_media_import(struct ui *u, const char *serial)
{
	return from_medium(u, serial, _("Import from a medium"),
	    import_from);
}

/* ---- signature updates ---- */

static enum scr
av_from(struct ui *u, const char *serial)
{
	char path[4400], q[1024], shown[4400];
	struct uirec ok;
	int r;

	if ((r = choose_file(u, _("Update the virus signatures"), serial,
	    path, sizeof(path))) != FORM_OK)
		return media_exit(u, r);
	uitext_safe(path, strlen(path), shown, sizeof(shown));
	snprintf(q, sizeof(q), _("Load the virus signatures from \"%s\" on "
	    "medium %s? If the file does not load, the signatures in use "
	    "stay."), shown, serial);
	if ((r = ui_confirm(u, _("Update the virus signatures"), q)) != 1)
		return media_exit(u, r);
	busy(u, _("Update the virus signatures"), _("Loading the "
	    "signatures..."));
	ud_start(u, MSG_AV_UPDATE);
	ud_add(u, F_SERIAL, serial);
	ud_add(u, F_MPATH, path);
	if (ud_call(u, &ok) != 0) {
		media_err(u, _("Signatures not updated"));
		return u->lost ? SCR_RECONNECT : SCR_SAME;
	}
	ui_note(u, 0, _("The virus signatures are updated: %s signatures."),
	    uirec_get(&ok, F_COUNT));
	uirec_clear(&ok);
	return SCR_SAME;
}

enum scr
ui_av_update(struct ui *u, const char *serial)
{
	return from_medium(u, serial, _("Update the virus signatures"),
	    av_from);
}

/* ---- copy-out ---- */

static const char *const copytypes[] = { "transfer-package", "plaintext" };

/* The receiving workstations as choices (at least one: "none"). */
struct wslist {
	struct uilist	 l;
	const char	*name[WS_MAX];
	int		 n;
};

static int
ws_load(struct ui *u, struct wslist *w)
{
	size_t i;

	memset(w, 0, sizeof(*w));
	ud_start(u, MSG_WS_LIST);
	if (ud_list(u, &w->l, NULL) != 0) {
		media_err(u, _("Receiving workstations"));
		return -1;
	}
	for (i = 0; i < w->l.n && w->n < WS_MAX; i++)
		w->name[w->n++] = uirec_get(&w->l.v[i], F_WORKSTATION);
	if (w->n == 0)
		w->name[w->n++] = _("(none registered)");
	return 0;
}

static int
copy_send(struct ui *u, const char *id, const char *serial, int plain,
    const char *ws, struct uirec *ok)
{
	ud_start(u, MSG_COPY_OUT);
	ud_add(u, F_ID, id);
	ud_add(u, F_SERIAL, serial);
	ud_add(u, F_COPYTYPE, copytypes[plain]);
	if (!plain)
		ud_add(u, F_WORKSTATION, ws);
	return ud_call(u, ok);
}

/* Sends the copy; on ERR APPROVAL a supervisor approves it at this
 * console (APPROVE copy-out, the document) and it is sent again, as
 * matctl copy-out after matctl approve. FORM_OK with ok filled, or a
 * form's answer (FORM_CANCEL with the note set). */
static int
copy_approved(struct ui *u, const char *id, const char *serial, int plain,
    const char *ws, struct uirec *ok)
{
	int r;

	busy(u, _("Copy out"), _("Writing and checking the copy..."));
	if ((r = copy_send(u, id, serial, plain, ws, ok)) == MK_ERR_APPROVAL &&
	    !u->lost) {
		u->note[0] = '\0';
		r = ui_approve(u, "copy-out", id, 0, 0, _("This copy needs a "
		    "supervisor's approval: the supervisor types their "
		    "password here."));
		if (r != FORM_OK) {
			/* Esc: the refusal itself; a wrong password has
			 * its own note already. */
			if (r == FORM_CANCEL && u->err == MK_ERR_APPROVAL)
				media_err(u, _("Not copied out"));
			return r;
		}
		busy(u, _("Copy out"), _("Writing and checking the copy..."));
		r = copy_send(u, id, serial, plain, ws, ok);
	}
	if (r != 0) {
		media_err(u, _("Not copied out"));
		return FORM_CANCEL;
	}
	return FORM_OK;
}

enum scr
ui_copy_out(struct ui *u, const struct uirec *d)
{
	struct media m;
	struct wslist w;
	const char *tshown[2];
	struct uifield f[] = {
		{ _("Storage medium"), NULL, 0, 0, NULL, NULL, 0, 0 },
		{ _("Copy"), NULL, 0, 0, copytypes, tshown, 2, 0 },
		{ _("Receiving workstation"), NULL, 0, 0, NULL, NULL, 0, 0 },
	};
	const char *id = uirec_get(d, F_ID);
	char intro[768];
	struct uirec ok;
	int r = FORM_CANCEL;

	memset(&w, 0, sizeof(w));
	if (media_load(u, &m) != 0 || ws_load(u, &w) != 0)
		goto out;
	f[0].choices = m.serial;
	f[0].shown = m.shown;
	f[0].nchoices = m.n;
	f[2].choices = f[2].shown = w.name;
	f[2].nchoices = w.n;
	tshown[0] = _("transfer package (encrypted)");
	tshown[1] = _("plaintext");
	snprintf(intro, sizeof(intro), _("Copy \"%s\" (%s) to a medium "
	    "registered for export. A transfer package can be opened only by "
	    "the receiving workstation. Every copy is entered in the copy "
	    "register."), uirec_get(d, F_TITLE),
	    ui_class_name(uirec_get(d, F_CLASS)));
	if ((r = ui_form(u, _("Copy out"), intro, f, 3)) != FORM_OK)
		goto out;
	if (f[1].choice == 0 && w.l.n == 0) {
		ui_note(u, 1, "%s", _("No receiving workstation is registered "
		    "(USB devices, w)."));
		r = FORM_CANCEL;
		goto out;
	}
	if ((r = copy_approved(u, id, m.serial[f[0].choice], f[1].choice,
	    w.name[f[2].choice], &ok)) == FORM_OK) {
		ui_note(u, 0, _("Copied out as %s (log record %s), SHA-256 "
		    "%s."), uirec_get(&ok, F_MPATH), uirec_get(&ok, F_SEQ),
		    uirec_get(&ok, F_PKGHASH));
		uirec_clear(&ok);
	}
 out:
	uilist_clear(&m.l);
	uilist_clear(&w.l);
	return media_exit(u, r);
}

/* ---- receiving workstations ---- */

static const int ws_w[] = { 16, 32, 0 };

static enum scr
ws_add(struct ui *u)
{
	char name[33] = "", sign[80] = "", xfer[80] = "";
	struct uifield f[] = {
		{ _("Name"), name, sizeof(name), 0, NULL, NULL, 0, 0 },
		{ _("Signing key"), sign, sizeof(sign), 0, NULL, NULL, 0, 0 },
		{ _("Transfer key"), xfer, sizeof(xfer), 0, NULL, NULL, 0,
		    0 },
	};
	int r;

	r = ui_form(u, _("Add a receiving workstation"), _("Type the two "
	    "keys (64 hexadecimal digits each) that the other workstation "
	    "shows on its own screen of receiving workstations."), f, 3);
	if (r != FORM_OK)
		return media_exit(u, r);
	ud_start(u, MSG_WS_ADD);
	ud_add(u, F_WORKSTATION, name);
	ud_add(u, F_SIGNPUB, sign);
	ud_add(u, F_XFERPUB, xfer);
	if (ud_call(u, NULL) != 0)
		media_err(u, _("Not added"));
	else
		ui_note(u, 0, _("Workstation %s added."), name);
	return u->lost ? SCR_RECONNECT : SCR_SAME;
}

static void
draw_ws(struct ui *u, const struct uirec *self, const struct uilist *l,
    size_t sel, size_t top, int rows)
{
	const char *head[] = { _("Name"), _("Signing key"),
	    _("Transfer key") };
	size_t i;

	ui_frame(u, _("Receiving workstations"), media_hints(_("a add  "
	    "Enter keys  r refresh  Esc back")));
	ui_putf(1, 1, COLS - 2, A_BOLD, "%s", _("This workstation's keys "
	    "(for the register of a sending workstation):"));
	ui_putf(2, 2, COLS - 2, A_NORMAL, "%s %s", _("Signing key:"),
	    uirec_get(self, F_SIGNPUB));
	ui_putf(3, 2, COLS - 2, A_NORMAL, "%s %s", _("Transfer key:"),
	    uirec_get(self, F_XFERPUB));
	ui_putf(5, 1, COLS - 2, A_BOLD, _("Receiving workstations registered "
	    "here (%zu):"), l->n);
	ui_cells(6, 1, A_UNDERLINE, ws_w, head, 3);
	for (i = 0; i < (size_t)rows && top + i < l->n; i++) {
		const struct uirec *e = &l->v[top + i];
		const char *c[] = { uirec_get(e, F_WORKSTATION),
		    uirec_get(e, F_SIGNPUB), uirec_get(e, F_XFERPUB) };

		ui_cells(7 + (int)i, 1, top + i == sel ? (int)A_REVERSE :
		    (int)A_NORMAL, ws_w, c, 3);
	}
}

/* A workstation's keys whole (the list cuts them on a narrow screen). */
static enum scr
ws_view(struct ui *u, const struct uirec *e)
{
	char l0[256], l1[256], l2[256];
	const char *lines[] = { l0, l1, l2 };

	snprintf(l0, sizeof(l0), "%s: %s", _("Name"),
	    uirec_get(e, F_WORKSTATION));
	snprintf(l1, sizeof(l1), "%s %s", _("Signing key:"),
	    uirec_get(e, F_SIGNPUB));
	snprintf(l2, sizeof(l2), "%s %s", _("Transfer key:"),
	    uirec_get(e, F_XFERPUB));
	return ui_view(u, _("Receiving workstations"), lines, 3);
}

static void
ws_reload(struct ui *u, struct uirec *self, struct uilist *l)
{
	uirec_clear(self);
	uilist_clear(l);
	ud_start(u, MSG_WS_SELF);
	if (ud_call(u, self) != 0) {
		media_err(u, _("This workstation's keys"));
		return;
	}
	ud_start(u, MSG_WS_LIST);
	if (ud_list(u, l, NULL) != 0)
		media_err(u, _("Receiving workstations"));
}

enum scr
scr_workstations(struct ui *u)
{
	struct uilist l = { 0 };
	struct uirec self = { 0 };
	struct uikey k;
	size_t sel = 0, top = 0;
	int rows, reload = 1;
	enum scr s = SCR_SAME;

	while (s == SCR_SAME) {
		if (reload) {
			ws_reload(u, &self, &l);
			reload = 0;
			sel = top = 0;
		}
		rows = LINES - 11 > 1 ? LINES - 11 : 1;
		draw_ws(u, &self, &l, sel, top, rows);
		k = ui_key(u);
		if ((s = ui_nav(u, &k)) != SCR_SAME)
			break;
		if (ui_list_key(&k, l.n, rows, &sel, &top))
			continue;
		if (k.type == UK_CHAR && (k.ch == 27 || k.ch == 'q'))
			break;
		if (k.type == UK_CHAR && k.ch == 'r')
			reload = 1;
		else if (k.type == UK_CHAR && k.ch == 'a') {
			s = ws_add(u);
			reload = 1;
		} else if (l.n > 0 && ((k.type == UK_CHAR && (k.ch == '\r' ||
		    k.ch == '\n')) || (k.type == UK_FUNC && k.ch == KEY_ENTER)))
			s = ws_view(u, &l.v[sel]);
		if (u->lost)
			s = SCR_RECONNECT;
	}
	uirec_clear(&self);
	uilist_clear(&l);
	return s;
}
