/*
 * Request handlers of matkioskd. Each answers its request on the session's
 * socket (an OK, ENTRY or DATA frames, or an ERR with the reason) and
 * returns 0, or an error that ends the session: MK_ERR_PROTOCOL for a
 * violation, or the error of a failed send.
 */
#ifndef MATKIOSK_HANDLERS_H
#define MATKIOSK_HANDLERS_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

struct session;
struct mkmsg;
struct daemon;

int h_backup(struct session *s, const struct mkmsg *m);
int h_backup_verify(struct session *s, const struct mkmsg *m);
int h_restore(struct session *s, const struct mkmsg *m);
int h_media_sanitize(struct session *s, const struct mkmsg *m);
int h_decommission(struct session *s, const struct mkmsg *m);
/* "2026-11-25 10:00 UTC; restore test: ok on ..." or "never backed up
 * (OVERDUE) ...", for status. */
void backup_status(struct daemon *d, char *out, size_t outlen);

int h_auth(struct session *s, const struct mkmsg *m);
int h_passwd(struct session *s, const struct mkmsg *m);
int h_logout(struct session *s, const struct mkmsg *m);
int h_account_list(struct session *s, const struct mkmsg *m);
int h_account_add(struct session *s, const struct mkmsg *m);
int h_account_set(struct session *s, const struct mkmsg *m);
int h_account_disable(struct session *s, const struct mkmsg *m);
int h_account_reset(struct session *s, const struct mkmsg *m);
int h_account_unlock(struct session *s, const struct mkmsg *m);
int h_key_rotate(struct session *s, const struct mkmsg *m);
int h_approve(struct session *s, const struct mkmsg *m);
int h_approval_list(struct session *s, const struct mkmsg *m);

/*
 * 0 when the session may do act on object now: its roles allow it, or it
 * uses n of an approval given to it for exactly that (logged as
 * approval.use). Otherwise MK_ERR_DENIED or MK_ERR_APPROVAL with why for
 * the person; the caller answers.
 */
int approval_require(struct session *s, enum action act, const char *object,
    uint32_t n, char *why, size_t whylen);

int h_init(struct session *s, const struct mkmsg *m);
int h_doc_import(struct session *s, const struct mkmsg *m);
int h_doc_list(struct session *s, const struct mkmsg *m);
int h_doc_cat(struct session *s, const struct mkmsg *m);
int h_doc_delete(struct session *s, const struct mkmsg *m);

int h_watch(struct session *s, const struct mkmsg *m);
int h_lockdown_clear(struct session *s, const struct mkmsg *m);
int h_incident_list(struct session *s, const struct mkmsg *m);
int h_incident_show(struct session *s, const struct mkmsg *m);
int h_incident_report(struct session *s, const struct mkmsg *m);
int h_incident_update(struct session *s, const struct mkmsg *m);

int h_usb_list(struct session *s, const struct mkmsg *m);
int h_usb_register(struct session *s, const struct mkmsg *m);
int h_usb_unregister(struct session *s, const struct mkmsg *m);

int h_log_query(struct session *s, const struct mkmsg *m);

/* Inspection export, log head, reports, self-check (issue 10). */
struct report_counts;
struct mkbuf;
int h_export(struct session *s, const struct mkmsg *m);
int h_log_head(struct session *s, const struct mkmsg *m);
int h_report(struct session *s, const struct mkmsg *m);
int h_selfcheck(struct session *s, const struct mkmsg *m);
/* Counts the records of wall time [from_us, to_us) up to *head or the log
 * head, whichever is lower (*head becomes it); with usb >= 0, one line per
 * usb.decision is written to it. */
int report_collect(struct daemon *d, int64_t from_us, int64_t to_us,
    struct report_counts *c, int usb, uint64_t *head);
/* Printing and the copy register (kiosk/printops.c). */
int h_print(struct session *s, const struct mkmsg *m);
int h_register(struct session *s, const struct mkmsg *m);
struct copyreg;
/* Feeds reg every record of the log up to head (or the log's head, if
 * lower), oldest first; *damaged counts records that could not be read.
 * For the inspection export. */
int copyreg_collect(struct daemon *d, uint64_t head, struct copyreg *reg,
    uint64_t *damaged);
/* Media import, copy-out, signature updates, receiving workstations
 * (kiosk/mediaops.c). */
int h_media_list(struct session *s, const struct mkmsg *m);
int h_media_import(struct session *s, const struct mkmsg *m);
int h_copy_out(struct session *s, const struct mkmsg *m);
int h_av_update(struct session *s, const struct mkmsg *m);
int h_ws_self(struct session *s, const struct mkmsg *m);
int h_ws_add(struct session *s, const struct mkmsg *m);
int h_ws_list(struct session *s, const struct mkmsg *m);
/* Supervised repair sessions (kiosk/repairops.c). */
int h_repair_start(struct session *s, const struct mkmsg *m);
int h_repair_end(struct session *s, const struct mkmsg *m);
int h_repair_signoff(struct session *s, const struct mkmsg *m);
int h_repair_list(struct session *s, const struct mkmsg *m);
int h_repair_show(struct session *s, const struct mkmsg *m);
int h_repair_play(struct session *s, const struct mkmsg *m);
/* 1 while a repair session holds the vault sealed: no session may hold
 * or take the vault key (any thread). */
int repair_sealed(void);
/* "session 3 running (...)" or "-", for status. */
void repair_status(char *out, size_t outlen);
/* The running session's number, or 0. */
uint32_t repair_live_id(void);
/* Asks the running session id to end (by a supervisor); MK_ERR_NOT_FOUND
 * if it is not running. */
int repair_end_request(uint32_t id, const char *by);
/* One person's name (utag) and password (ptag) checked as a login is, and
 * policy_may(their roles, act) == want: the supervisor (ACT_APPROVE,
 * MAY_YES) or the technician (ACT_REPAIR, MAY_WITH_APPROVAL). */
int repair_check_person(struct session *s, const struct mkmsg *m,
    uint8_t utag, uint8_t ptag, enum action act, int want, char *why,
    size_t whylen);

/* Replies shared by the handlers. */
int reply_err(struct session *s, int code, const char *message);
int reply_ok(struct session *s);
/* An ENTRY frame with one key and value. */
int add_entry(struct session *s, const char *key, const char *value);

#endif /* MATKIOSK_HANDLERS_H */
