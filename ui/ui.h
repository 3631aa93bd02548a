/*
 * The console matkiosk: shared state of its screens, the terminal
 * helpers (uidraw.c), the daemon requests (uidaemon.c) and the screens
 * (scr_*.c). The console holds no key and writes no state: every action
 * is a request to matkioskd (docs/protocol.md).
 */
#ifndef MATKIOSK_UI_H
#define MATKIOSK_UI_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <wchar.h>

#include "common/conf.h"
#include "uirec.h"

enum scr {
	SCR_WIZARD, SCR_LOGIN, SCR_HOME, SCR_DOCS, SCR_USB, SCR_ACCOUNTS,
	SCR_LOG, SCR_INCIDENTS, SCR_PASSWD, SCR_LOCK, SCR_LOCKDOWN,
	SCR_RECONNECT, SCR_QUIT, SCR_SAME,
	SCR_REPAIR_START
};

struct mkclient;

struct ui {
	struct mkconf	 conf;
	struct mkclient	*c;		/* requests */
	struct mkclient	*watch;		/* pushed state changes */
	int		 allow_exit;	/* -x: F10 on the login screen quits */
	int		 logged_in;
	char		 user[64];
	char		 roles[128];
	int		 lockdown;
	char		 lockdown_reason[1024];
	int		 lost;		/* the daemon connection failed */
	time_t		 last_key;
	unsigned	 idle_min;
	int		 color;
	/* The last refusal: its code and the daemon's reason (escaped). */
	int		 err;
	char		 errmsg[1024];
	/* The message line under the screen. */
	char		 note[1024];
	int		 note_bad;
	/* Passed from the login screen to the password screen. */
	char		 pw_reason[256];
	/* A function key that ends ui_form with FORM_KEY (0: none). */
	int		 form_key;
};

/* The navigation keys of a session (ui_nav), as a hint bar. */
#define UI_NAV_HINTS	N_("F1 Home F2 Docs F3 USB F4 Users F5 Log " \
			"F6 Incid. F7 Passwd F8 Lang F9 Lock F10 Out")

/* ---- keys (uidraw.c) ---- */
enum uikey_type {
	UK_CHAR,	/* ch: a character */
	UK_FUNC,	/* ch: a KEY_* code */
	UK_LOCKDOWN,	/* the daemon announced a lockdown */
	UK_CLEARED,	/* the lockdown was cleared */
	UK_IDLE,	/* idle for the idle-lock time */
	UK_TICK,	/* a second went by */
	UK_REDRAW,	/* the terminal was resized */
	UK_LANG		/* the language was switched (F8) */
};
struct uikey {
	enum uikey_type	type;
	wint_t		ch;
};
/* Waits for a key or an event, at most a second. Ctrl-C, Ctrl-Z and
 * Ctrl-\ are swallowed; F8 switches the language (UK_LANG). After
 * SIGTERM or SIGHUP (ui_stop_requested), or when the terminal hangs up,
 * the console exits here, the terminal restored (atexit). */
struct uikey ui_key(struct ui *u);
/* As ui_key, waiting at most ms milliseconds (UK_TICK after them). */
struct uikey ui_key_wait(struct ui *u, int ms);
extern volatile sig_atomic_t ui_stop_requested;
/* The screen for an event key (UK_LOCKDOWN, UK_IDLE), else SCR_SAME. */
enum scr ui_event_screen(struct ui *u, const struct uikey *k);
/* The screen for a navigation key (F1-F10) of a logged-in person, else
 * SCR_SAME. */
enum scr ui_nav(struct ui *u, const struct uikey *k);

/* ---- drawing (uidraw.c) ---- */
void ui_start(struct ui *u);
void ui_stop(void);
/* Clears and draws the title line, the message line and the key hints;
 * returns the rows between them (from row 1). */
int ui_frame(struct ui *u, const char *title, const char *hints);
/* Text at (y, x), cut to cols columns (padded when pad). */
void ui_put(int y, int x, const char *s, int cols, int pad, int attr);
void ui_putf(int y, int x, int cols, int attr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* A row of n cells at x, each cut or padded to its width in columns (not
 * bytes: Vietnamese names line up), one space apart; the last cell takes
 * the rest of the line. The whole row gets attr. */
void ui_cells(int y, int x, int attr, const int *w, const char *const *cell,
    int n);
/* Word-wrapped text from row y; returns the next free row. */
int ui_wrap(int y, int x, int cols, int maxy, const char *s, int attr);
void ui_note(struct ui *u, int bad, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The last refusal (u->err, u->errmsg) as a note in the language. */
void ui_note_err(struct ui *u, const char *what);
int ui_attr_bad(struct ui *u);
int ui_attr_good(struct ui *u);
int ui_attr_title(struct ui *u);
int ui_attr_alarm(struct ui *u);

/* A form: fields edited in turn (Tab/arrows), Enter on the last submits,
 * Esc cancels. */
struct uifield {
	const char		*label;		/* translated */
	char			*buf;		/* UTF-8, edited in place */
	size_t			 size;
	int			 secret;
	const char *const	*choices;	/* a fixed set (Left/Right) */
	const char *const	*shown;		/* translated names of choices */
	int			 nchoices;
	int			 choice;
};
enum { FORM_AGAIN = -4, FORM_CLEARED = -3, FORM_LOCKDOWN = -2, FORM_IDLE = -1, FORM_CANCEL = 0, FORM_OK = 1 };
#define FORM_KEY	(-5)	/* ui_form: u->form_key was pressed */
int ui_form(struct ui *u, const char *title, const char *intro,
    struct uifield *f, int n);
/* Enter: 1, Esc: 0, or FORM_LOCKDOWN/FORM_IDLE. */
int ui_confirm(struct ui *u, const char *title, const char *question);
/* The screen after an interrupted form. */
enum scr ui_form_exit(struct ui *u, int r);
/* A scrollable, wrapped view of lines (already escaped); Esc leaves. */
enum scr ui_view(struct ui *u, const char *title, const char *const *lines,
    size_t n);
/* As ui_view, line i drawn with attr[i] (attr may be NULL). */
enum scr ui_view_attr(struct ui *u, const char *title,
    const char *const *lines, const int *attr, size_t n);
/* ENTRY {KEY, VALUE} records (a SHOW's answer) as "KEY: VALUE" lines in
 * ui_view; l is cleared. */
enum scr ui_view_entries(struct ui *u, const char *title, struct uilist *l);
/* A list screen's listing (type's ENTRY records) read again into l; a
 * refusal is the note (unless one is shown); *sel kept in range. */
void ui_list_reload(struct ui *u, unsigned type, struct uilist *l,
    const char *what, size_t *sel);
/* List navigation: moves *sel (and *top) for an arrow or page key; 1 if
 * the key was one. */
int ui_list_key(const struct uikey *k, size_t n, int rows, size_t *sel,
    size_t *top);

/* Names shown for daemon tokens. */
const char *ui_class_name(const char *token);
const char *ui_level_name(const char *token);
const char *ui_target_name(const char *token);
int ui_has_role(const struct ui *u, const char *role);

/* ---- daemon requests (uidaemon.c) ---- */
int ud_connect(struct ui *u);
void ud_disconnect(struct ui *u);
/* Starts a request; add fields; then ud_call or ud_list. */
void ud_start(struct ui *u, unsigned type);
void ud_add(struct ui *u, unsigned tag, const char *s);
void ud_add_u64(struct ui *u, unsigned tag, uint64_t v);
/* Sends and waits for OK (ok filled if not NULL) or ERR (u->err,
 * u->errmsg). Returns 0 or the error code. */
int ud_call(struct ui *u, struct uirec *ok);
/* As ud_call, collecting the ENTRY frames before the OK. */
int ud_list(struct ui *u, struct uilist *l, struct uirec *ok);
/* STATUS as a list of KEY/VALUE records; val of key into out. */
int ud_status(struct ui *u, struct uilist *l);
const char *ud_status_get(const struct uilist *l, const char *key);
/* DOC_IMPORT of a local file. */
int ud_import(struct ui *u, const char *path, const char *cls,
    const char *title, char *id, size_t idlen);
/* DOC_CAT into *out (at most max bytes kept; *cut set if there was
 * more). The caller wipes and frees *out. */
int ud_cat(struct ui *u, const char *id, size_t max, char **out,
    size_t *len, int *cut);
/* Sends the started request and collects its DATA frames into *out (at
 * most max bytes kept, *cut set if there was more; NUL-terminated) until
 * OK (ok filled if not NULL) or ERR. The caller wipes and frees *out. */
int ud_data(struct ui *u, size_t max, char **out, size_t *len, int *cut,
    struct uirec *ok);

/* ---- screens ---- */
enum scr scr_wizard(struct ui *u);
enum scr scr_login(struct ui *u);
enum scr scr_lock(struct ui *u);
enum scr scr_lockdown(struct ui *u);
enum scr scr_passwd(struct ui *u);
enum scr scr_home(struct ui *u);
enum scr scr_docs(struct ui *u);
enum scr scr_usb(struct ui *u);
enum scr scr_accounts(struct ui *u);
enum scr scr_incidents(struct ui *u);
enum scr scr_log(struct ui *u);
/* Log head (QR), reports, self-check (issue 10; scr_inspect.c). */
enum scr scr_head(struct ui *u);
enum scr scr_report(struct ui *u);
enum scr scr_selfcheck(struct ui *u);
/* The inspection export onto a medium registered for export (issue 10;
 * scr_inspect.c). */
enum scr scr_export(struct ui *u);
/* The copy register (issue 7; scr_inspect.c). */
enum scr scr_register(struct ui *u);
/* Backups onto a registered medium and the restore test (scr_backup.c). */
enum scr scr_backup(struct ui *u);
/* Restoring a backup from a medium onto an unprovisioned machine (from
 * the provisioning wizard's Esc). */
enum scr scr_restore_backup(struct ui *u);
/* Prints a document (a DOC_LIST record) from the documents screen. */
enum scr ui_print_doc(struct ui *u, const struct uirec *d);
/* Text from outside (UTF-8, '\n' lines) escaped line by line and shown
 * in ui_view; the lines are wiped after (a document's plaintext). */
enum scr ui_view_text(struct ui *u, const char *title, const char *text,
    size_t len);
/* A supervisor's approval typed at this console (uiapprove.c): APPROVE
 * {action, object, COUNT, UNTIL}, count and until left out when 0; intro
 * NULL names the action and object. FORM_OK once the daemon granted it;
 * a refusal is the note and FORM_CANCEL; else the form's answer. */
int ui_approve(struct ui *u, const char *action, const char *object,
    uint64_t count, uint64_t until, const char *intro);
/* Registered media (issue 8; scr_media.c): import a file from a medium,
 * update the virus signatures from one (serial NULL: the person chooses
 * the medium first), copy a document (a DOC_LIST record) out, and the
 * receiving workstations (reached from the USB screen). */
enum scr ui_media_import(struct ui *u, const char *serial);
/* A USB_LIST record that can be a medium: allowed (or, any_target, any
 * decision), with a serial, nothing but mass storage (class 08). The
 * daemon checks the rest. */
int ui_is_medium(const struct uirec *d, int any_target);
/* A medium chosen among those plugged in and allowed: FORM_OK with its
 * serial in serial, else the form's answer (FORM_CANCEL with a note if
 * there is none). */
int ui_pick_medium(struct ui *u, const char *title, char *serial,
    size_t len);
enum scr ui_av_update(struct ui *u, const char *serial);
enum scr ui_copy_out(struct ui *u, const struct uirec *d);
enum scr scr_workstations(struct ui *u);
/* Supervised repair sessions (issue 9; scr_repair.c): the start with two
 * people (no login needed), the session's terminal, the minutes, the
 * recordings (a supervisor, IT officer or inspector). */
enum scr scr_repair_start(struct ui *u);
enum scr scr_repairs(struct ui *u);

#endif /* MATKIOSK_UI_H */
