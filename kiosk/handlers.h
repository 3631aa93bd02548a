/*
 * Request handlers of matkioskd. Each answers its request on the session's
 * socket (an OK, ENTRY or DATA frames, or an ERR with the reason) and
 * returns 0, or an error that ends the session: MK_ERR_PROTOCOL for a
 * violation, or the error of a failed send.
 */
#ifndef MATKIOSK_HANDLERS_H
#define MATKIOSK_HANDLERS_H

struct session;
struct mkmsg;

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

/* Replies shared by the handlers. */
int reply_err(struct session *s, int code, const char *message);
int reply_ok(struct session *s);
/* An ENTRY frame with one key and value. */
int add_entry(struct session *s, const char *key, const char *value);

#endif /* MATKIOSK_HANDLERS_H */
