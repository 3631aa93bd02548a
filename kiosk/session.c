/*
 * A client session: reads requests, checks who may make them, and hands
 * them to the handlers. Every refusal is answered with an error frame and a
 * reason; a frame that does not decode, or a message out of place, is a
 * protocol violation: it is logged and the client disconnected.
 */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/proto.h"
#include "common/text.h"
#include "crypto/auditlog.h"
#include "crypto/cry.h"
#include "crypto/keyslot.h"
#include "daemon.h"
#include "handlers.h"
#include "incident.h"
#include "usbguardd.h"

/* A console may sit at its login screen for a long time; the idle lock of
 * accounts (at most 10 minutes) is enforced separately, per session. */
#define SESSION_IDLE_MS		(60 * 60 * 1000)
#define PASSWORD_MAX		1024

int
reply_err(struct session *s, int code, const char *message)
{
	return mkproto_send_err(s->fd, code, message != NULL ? message :
	    mkerr_str(code));
}

int
reply_ok(struct session *s)
{
	return mkproto_send_simple(s->fd, MSG_OK);
}

void
session_wipe_key(struct session *s)
{
	pthread_mutex_lock(&s->klock);
	if (s->mk != NULL) {
		cry_secure_free(s->mk, 32);
		s->mk = NULL;
		atomic_fetch_sub(&s->d->keyed, 1);
	}
	pthread_mutex_unlock(&s->klock);
}

const uint8_t *
session_key_get(struct session *s)
{
	pthread_mutex_lock(&s->klock);
	if (s->mk == NULL) {
		pthread_mutex_unlock(&s->klock);
		return NULL;
	}
	return s->mk;
}

void
session_key_put(struct session *s)
{
	pthread_mutex_unlock(&s->klock);
}

/* Hands the key to the session, unless the machine went into lockdown
 * meanwhile: then it is wiped at once. */
static void
session_take_key(struct session *s, uint8_t *mk, uint32_t epoch)
{
	int lockdown;

	pthread_mutex_lock(&s->d->lock);
	lockdown = s->d->lockdown;
	pthread_mutex_lock(&s->klock);
	if (lockdown) {
		cry_secure_free(mk, 32);
	} else {
		s->mk = mk;
		s->key_epoch = epoch;
		atomic_fetch_add(&s->d->keyed, 1);
	}
	pthread_mutex_unlock(&s->klock);
	pthread_mutex_unlock(&s->d->lock);
}

void
session_logout(struct session *s, const char *why)
{
	struct logkv kv[1] = { { "reason", why } };

	if (!s->authed)
		return;
	session_wipe_key(s);
	session_log(s, LOG_SEV_INFO, "auth.logout", s->acct.name, 1, kv);
	s->authed = 0;
	memset(&s->acct, 0, sizeof(s->acct));
}

static int
h_hello(struct session *s, const struct mkmsg *m)
{
	int r, provisioned;

	(void)m;
	pthread_mutex_lock(&s->d->lock);
	provisioned = s->d->provisioned;
	pthread_mutex_unlock(&s->d->lock);
	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_VERSION, PROTO_VERSION)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_STATE, provisioned ? "provisioned" :
	    "unprovisioned")) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}

static int
auth_fail(struct session *s, const char *user, const char *why)
{
	struct logkv kv[2] = { { "reason", why }, { "peer", s->peer } };

	if (session_log(s, LOG_SEV_THAP, "auth.fail", user, 2, kv) != 0)
		return reply_err(s, MK_ERR_LOG, NULL);
	return reply_err(s, MK_ERR_PASSWORD, NULL);
}

/* Reads the person's slot and unwraps the master key with the password. */
static int
unlock_slot(struct session *s, const char *user, const char *pw,
    uint8_t *mk, uint32_t *epoch)
{
	struct mkbuf *slot = NULL;
	char path[STATEDIR_PATH_MAX + 64];
	int r;

	if ((r = statedir_slot_path(&s->d->sd, user, path, sizeof(path))) != 0)
		return r;
	if ((r = mkfs_read_file(path, KEYSLOT_LEN, &slot)) != 0)
		return r;
	if (mkbuf_len(slot) != KEYSLOT_LEN)
		r = MK_ERR_FORMAT;
	else
		r = keyslot_unwrap(user, pw, strlen(pw), mkbuf_ptr(slot), mk,
		    epoch);
	mkbuf_free(slot);
	return r;
}

static int
find_account(struct session *s, const char *user, struct account *acct)
{
	const struct account *a;
	int r = MK_ERR_NOT_FOUND;

	pthread_mutex_lock(&s->d->lock);
	if (!s->d->provisioned)
		r = MK_ERR_NOT_PROVISIONED;
	else if ((a = accounts_find(s->d->accounts, user)) != NULL) {
		*acct = *a;
		r = 0;
	}
	pthread_mutex_unlock(&s->d->lock);
	return r;
}

static int
h_auth(struct session *s, const struct mkmsg *m)
{
	char user[ACCOUNT_NAME_MAX + 1], *pw = NULL, esc[160];
	struct account acct;
	uint32_t epoch;
	uint8_t *mk = NULL;
	int r;

	session_logout(s, "new login");
	if ((pw = cry_secure_alloc(PASSWORD_MAX + 1)) == NULL ||
	    (mk = cry_secure_alloc(32)) == NULL) {
		r = reply_err(s, MK_ERR_ALLOC, NULL);
		goto out;
	}
	if (mkmsg_str(m, F_USER, user, sizeof(user)) != 0 ||
	    !mktext_valid_name(user)) {
		mktext_escape(mkmsg_get(m, F_USER) ? mkmsg_get(m, F_USER)->p :
		    (const uint8_t *)"", mkmsg_get(m, F_USER) ?
		    mkmsg_get(m, F_USER)->len : 0, esc, sizeof(esc));
		r = auth_fail(s, esc, "invalid account name");
		goto out;
	}
	if (mkmsg_str(m, F_PASSWORD, pw, PASSWORD_MAX + 1) != 0) {
		r = auth_fail(s, user, "missing or oversized password");
		goto out;
	}
	if ((r = find_account(s, user, &acct)) != 0) {
		r = r == MK_ERR_NOT_PROVISIONED ? reply_err(s, r, NULL) :
		    auth_fail(s, user, "no such account");
		goto out;
	}
	if (acct.flags & ACCOUNT_DISABLED) {
		r = auth_fail(s, user, "account disabled");
		goto out;
	}
	if ((r = unlock_slot(s, user, pw, mk, &epoch)) != 0) {
		r = auth_fail(s, user, r == MK_ERR_PASSWORD ? "wrong password" :
		    mkerr_str(r));
		goto out;
	}
	s->acct = acct;
	s->authed = 1;
	/* In lockdown a person may still authenticate (a supervisor must, to
	 * clear it), but no key is kept. */
	session_take_key(s, mk, epoch);
	mk = NULL;
	{
		struct logkv kv[1] = { { "peer", s->peer } };

		if (session_log(s, LOG_SEV_INFO, "auth.login", user, 1,
		    kv) != 0) {
			session_logout(s, "log failure");
			r = reply_err(s, MK_ERR_LOG, NULL);
			goto out;
		}
	}
	if ((r = mkmsg_start(s->out, MSG_OK)) == 0 &&
	    (r = mkmsg_add_str(s->out, F_ROLE,
	    accounts_primary_role(acct.roles))) == 0)
		r = mkproto_send(s->fd, s->out);
 out:
	cry_secure_free(pw, PASSWORD_MAX + 1);
	cry_secure_free(mk, 32);
	return r;
}

int
add_entry(struct session *s, const char *key, const char *value)
{
	int r;

	if ((r = mkmsg_start(s->out, MSG_ENTRY)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_KEY, key)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_VALUE, value)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}

struct status {
	int	provisioned;
	int	state;
	char	device_id[33];
	char	head[96];
	char	fail[256];
	char	lockdown[256];
	char	airgap[300];
	char	net[4096];
	char	incidents[32];
	char	usb[512];
};

static void
gather_status(struct daemon *d, struct status *st)
{
	uint8_t mac[LOGREC_MAC_LEN];
	char hex[2 * LOGREC_MAC_LEN + 1];
	uint64_t seq;

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&d->lock);
	st->provisioned = d->provisioned;
	st->state = daemon_state_locked(d);
	snprintf(st->lockdown, sizeof(st->lockdown), "%s", d->lockdown ?
	    d->lockdown_reason : "-");
	if (snprintf(st->airgap, sizeof(st->airgap), "%s%s",
	    d->ng == NULL ? "NOT RUNNING" : d->net.violation ? "VIOLATION: " :
	    "clean (no link up, no address, no radio unblocked)",
	    d->ng != NULL && d->net.violation ? d->net.reason : "") < 0)
		st->airgap[0] = '\0';
	netstate_format(&d->net, st->net, sizeof(st->net));
	usbd_status_locked(d, st->usb, sizeof(st->usb));
	snprintf(st->incidents, sizeof(st->incidents), "%zu",
	    d->incidents != NULL ? incidents_open_count(d->incidents) : 0);
	if (d->provisioned) {
		snprintf(st->device_id, sizeof(st->device_id), "%s",
		    d->machine.device_id);
		auditlog_head(d->log, &seq, mac);
		mk_hex(mac, 8, hex);
		snprintf(st->head, sizeof(st->head), "%" PRIu64 ":%s", seq,
		    hex);
	}
	snprintf(st->fail, sizeof(st->fail), "%s", d->fail_reason);
	pthread_mutex_unlock(&d->lock);
}

static int
h_status(struct session *s, const struct mkmsg *m)
{
	struct status st;
	int r;

	(void)m;
	gather_status(s->d, &st);
	if ((r = add_entry(s, "version", MATKIOSK_VERSION)) != 0 ||
	    (r = add_entry(s, "state", daemon_state_name(st.state))) != 0 ||
	    (r = add_entry(s, "lockdown", st.lockdown)) != 0 ||
	    (r = add_entry(s, "air-gap", st.airgap)) != 0 ||
	    (r = add_entry(s, "network", st.net)) != 0 ||
	    (r = add_entry(s, "open-incidents", st.incidents)) != 0 ||
	    (r = add_entry(s, "device-id", st.provisioned ? st.device_id :
	    "-")) != 0 ||
	    (r = add_entry(s, "log", st.fail[0] != '\0' ? st.fail :
	    st.provisioned ? "writable" : "-")) != 0 ||
	    (r = add_entry(s, "log-head", st.provisioned ? st.head :
	    "-")) != 0 ||
	    (r = add_entry(s, "session", s->authed ? s->acct.name :
	    "-")) != 0 ||
	    (r = add_entry(s, "usb-guard", st.usb)) != 0)
		return r;
	return reply_ok(s);
}

static int
dispatch(struct session *s, const struct mkmsg *m)
{
	switch (m->type) {
	case MSG_HELLO:
		return h_hello(s, m);
	case MSG_AUTH:
		return h_auth(s, m);
	case MSG_INIT:
		return h_init(s, m);
	case MSG_STATUS:
		return h_status(s, m);
	case MSG_WATCH:
		return h_watch(s, m);
	case MSG_LOCKDOWN_CLEAR:
		return h_lockdown_clear(s, m);
	case MSG_INCIDENT_LIST:
		return h_incident_list(s, m);
	case MSG_INCIDENT_SHOW:
		return h_incident_show(s, m);
	case MSG_INCIDENT_REPORT:
		return h_incident_report(s, m);
	case MSG_INCIDENT_UPDATE:
		return h_incident_update(s, m);
	case MSG_USB_LIST:
		return h_usb_list(s, m);
	case MSG_USB_REGISTER:
		return h_usb_register(s, m);
	case MSG_USB_UNREGISTER:
		return h_usb_unregister(s, m);
	case MSG_LOG_QUERY:
		return h_log_query(s, m);
	case MSG_DOC_IMPORT:
		return h_doc_import(s, m);
	case MSG_DOC_LIST:
		return h_doc_list(s, m);
	case MSG_DOC_CAT:
		return h_doc_cat(s, m);
	case MSG_DOC_DELETE:
		return h_doc_delete(s, m);
	default:
		return MK_ERR_PROTOCOL;
	}
}

static void
log_violation(struct session *s, int err)
{
	struct logkv kv[2] = { { "peer", s->peer }, { "error",
	    mkerr_str(err) } };

	diag(LOG_WARNING, "client %s: protocol violation: %s; disconnected",
	    s->peer, mkerr_str(err));
	pthread_mutex_lock(&s->d->lock);
	if (s->d->provisioned)
		daemon_log_locked(s->d, LOG_SEV_TRUNG_BINH, s->authed ?
		    s->acct.name : "-", "-", "ipc.violation", "", 2, kv);
	pthread_mutex_unlock(&s->d->lock);
}

/* Tells a refused peer why, then reads what it sent until it closes (or
 * two seconds pass): closing with unread data would reset the connection
 * and lose the reason on the way. */
static void
refuse_peer(struct session *s)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	char sink[4096];
	int i;

	mkproto_send_err(s->fd, MK_ERR_DENIED, s->refused);
	shutdown(s->fd, SHUT_WR);
	for (i = 0; i < 20 && poll(&pfd, 1, 100) >= 0; i++)
		if ((pfd.revents & POLLIN) &&
		    recv(s->fd, sink, sizeof(sink), 0) <= 0)
			break;
}

void
session_serve(struct session *s)
{
	struct mkmsg m;
	int r;

	if (s->refused != NULL) {
		refuse_peer(s);
		return;
	}

	s->in = mkbuf_new(PROTO_FRAME_MAX + 4);
	s->out = mkbuf_new(PROTO_FRAME_MAX + 4);
	if (s->in == NULL || s->out == NULL)
		goto out;
	for (;;) {
		r = mkproto_recv(s->fd, s->in, &m, SESSION_IDLE_MS);
		if (r == MK_ERR_CLOSED || s->d->stopping)
			break;
		if (r == 0)
			r = dispatch(s, &m);
		if (r == 0 && atomic_load(&s->watching)) {
			/* From now on only the main thread writes here; this
			 * thread only waits for the client to go. */
			while (mkproto_recv(s->fd, s->in, &m, -1) == 0)
				;
			break;
		}
		if (r == MK_ERR_PROTOCOL || r == MK_ERR_TOO_LARGE ||
		    r == MK_ERR_TRUNCATED || r == MK_ERR_TIMEOUT) {
			log_violation(s, r);
			break;
		}
		if (r != 0)
			break;
	}
 out:
	session_logout(s, "disconnected");
	mkbuf_free(s->in);
	mkbuf_free(s->out);
	s->in = s->out = NULL;
}
