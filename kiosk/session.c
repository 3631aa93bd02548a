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
#include "policy.h"
#include "usbguardd.h"

/* A console may sit at its login screen for a long time; the idle lock of
 * accounts (at most 10 minutes) is enforced separately, per session. */
#define SESSION_IDLE_MS		(60 * 60 * 1000)
/* How soon an idle, logged-in session notices its account was disabled. */
#define REVOKE_CHECK_MS		1000

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
	if (s->mk != NULL && (s->key_epoch != atomic_load(&s->d->key_epoch) ||
	    repair_sealed())) {
		/* Rotated away, or the vault sealed for a repair: it opens
		 * nothing any more. */
		cry_secure_free(s->mk, 32);
		s->mk = NULL;
		atomic_fetch_sub(&s->d->keyed, 1);
	}
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

void
session_take_key(struct session *s, uint8_t *mk, uint32_t epoch)
{
	int lockdown;

	pthread_mutex_lock(&s->d->lock);
	lockdown = s->d->lockdown;
	pthread_mutex_lock(&s->klock);
	if (s->mk != NULL) {
		cry_secure_free(s->mk, 32);
		s->mk = NULL;
		atomic_fetch_sub(&s->d->keyed, 1);
	}
	if (lockdown || repair_sealed()) {
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
	s->locked = 0;
	memset(&s->acct, 0, sizeof(s->acct));
}

void
session_lock(struct session *s, const char *why)
{
	struct logkv kv[1] = { { "reason", why } };

	if (!s->authed || s->locked)
		return;
	session_wipe_key(s);
	s->locked = 1;
	session_log(s, LOG_SEV_INFO, "session.lock", s->acct.name, 1, kv);
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
	char	idle[16];
	char	backup[160];
	char	repair[96];
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
		backup_status(d, st->backup, sizeof(st->backup));
	}
	snprintf(st->fail, sizeof(st->fail), "%s", d->fail_reason);
	snprintf(st->idle, sizeof(st->idle), "%u", d->conf.idle_lock_minutes);
	pthread_mutex_unlock(&d->lock);
	repair_status(st->repair, sizeof(st->repair));
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
	    (r = add_entry(s, "session", !s->authed ? "-" : s->locked ?
	    "locked" : s->acct.name)) != 0 ||
	    (r = add_entry(s, "idle-lock-minutes", st.idle)) != 0 ||
	    (r = add_entry(s, "backup", st.provisioned ? st.backup :
	    "-")) != 0 ||
	    (r = add_entry(s, "usb-guard", st.usb)) != 0 ||
	    (r = add_entry(s, "repair", st.repair)) != 0)
		return r;
	return reply_ok(s);
}

/* What a locked session may still ask. */
static int
allowed_locked(uint16_t type)
{
	return type == MSG_HELLO || type == MSG_STATUS || type == MSG_AUTH ||
	    type == MSG_PASSWD || type == MSG_LOGOUT;
}

/* Polling for status does not keep a session awake; anything else the
 * person asks does. */
static int
is_activity(uint16_t type)
{
	return type != MSG_HELLO && type != MSG_STATUS;
}

/* The account may have changed since login (roles, disabled by a
 * supervisor): every request sees it as it is now. 0 to go on. */
static int
refresh_account(struct session *s)
{
	const struct account *a;
	int gone = 0;

	if (!s->authed)
		return 0;
	pthread_mutex_lock(&s->d->lock);
	a = s->d->accounts != NULL ? accounts_find(s->d->accounts,
	    s->acct.name) : NULL;
	if (a == NULL || (a->flags & ACCOUNT_DISABLED))
		gone = 1;
	else
		s->acct = *a;
	pthread_mutex_unlock(&s->d->lock);
	if (gone) {
		session_logout(s, "account disabled");
		return MK_ERR_DISABLED;
	}
	/* Roles that no longer hold a key keep none; nobody keeps one
	 * while the vault is sealed for a repair. */
	if (!(s->acct.roles & ROLES_KEYED) || repair_sealed())
		session_wipe_key(s);
	return 0;
}

/* A revocation since this session last looked: look now, so that a
 * disabled person's key leaves memory even if they send nothing. */
static void
check_revocation(struct session *s)
{
	unsigned g = atomic_load(&s->d->revoke_gen);

	if (g == s->revoke_seen)
		return;
	s->revoke_seen = g;
	(void)refresh_account(s);
}

static int
dispatch(struct session *s, const struct mkmsg *m)
{
	int r;

	if ((r = refresh_account(s)) != 0)
		return reply_err(s, r, "this account was disabled: the session "
		    "has ended");
	if (s->authed && s->locked && !allowed_locked(m->type))
		return reply_err(s, MK_ERR_LOCKED, "the session is locked: "
		    "enter the password again");
	if (is_activity(m->type))
		s->last_active_ms = daemon_mono_ms();
	switch (m->type) {
	case MSG_HELLO:
		return h_hello(s, m);
	case MSG_AUTH:
		return h_auth(s, m);
	case MSG_PASSWD:
		return h_passwd(s, m);
	case MSG_LOGOUT:
		return h_logout(s, m);
	case MSG_ACCOUNT_LIST:
		return h_account_list(s, m);
	case MSG_ACCOUNT_ADD:
		return h_account_add(s, m);
	case MSG_ACCOUNT_SET:
		return h_account_set(s, m);
	case MSG_ACCOUNT_DISABLE:
		return h_account_disable(s, m);
	case MSG_ACCOUNT_ENABLE:
	case MSG_ACCOUNT_RESET:
		return h_account_reset(s, m);
	case MSG_ACCOUNT_UNLOCK:
		return h_account_unlock(s, m);
	case MSG_KEY_ROTATE:
		return h_key_rotate(s, m);
	case MSG_APPROVE:
		return h_approve(s, m);
	case MSG_APPROVAL_LIST:
		return h_approval_list(s, m);
	case MSG_BACKUP:
		return h_backup(s, m);
	case MSG_BACKUP_VERIFY:
		return h_backup_verify(s, m);
	case MSG_RESTORE:
		return h_restore(s, m);
	case MSG_MEDIA_SANITIZE:
		return h_media_sanitize(s, m);
	case MSG_DECOMMISSION:
		return h_decommission(s, m);
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
	case MSG_EXPORT:
		return h_export(s, m);
	case MSG_LOG_HEAD:
		return h_log_head(s, m);
	case MSG_REPORT:
		return h_report(s, m);
	case MSG_SELFCHECK:
		return h_selfcheck(s, m);
	case MSG_PRINT:
		return h_print(s, m);
	case MSG_REGISTER:
		return h_register(s, m);
	case MSG_REPAIR_START:
		return h_repair_start(s, m);
	case MSG_REPAIR_END:
		return h_repair_end(s, m);
	case MSG_REPAIR_SIGNOFF:
		return h_repair_signoff(s, m);
	case MSG_REPAIR_LIST:
		return h_repair_list(s, m);
	case MSG_REPAIR_SHOW:
		return h_repair_show(s, m);
	case MSG_REPAIR_PLAY:
		return h_repair_play(s, m);
	case MSG_DOC_IMPORT:
		return h_doc_import(s, m);
	case MSG_DOC_LIST:
		return h_doc_list(s, m);
	case MSG_DOC_CAT:
		return h_doc_cat(s, m);
	case MSG_DOC_DELETE:
		return h_doc_delete(s, m);
	/* Media import, copy-out, signatures (kiosk/mediaops.c). */
	case MSG_MEDIA_LIST:
		return h_media_list(s, m);
	case MSG_MEDIA_IMPORT:
		return h_media_import(s, m);
	case MSG_COPY_OUT:
		return h_copy_out(s, m);
	case MSG_AV_UPDATE:
		return h_av_update(s, m);
	case MSG_WS_SELF:
		return h_ws_self(s, m);
	case MSG_WS_ADD:
		return h_ws_add(s, m);
	case MSG_WS_LIST:
		return h_ws_list(s, m);
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
	s->last_active_ms = daemon_mono_ms();
	s->revoke_seen = atomic_load(&s->d->revoke_gen);
	for (;;) {
		int64_t wait = SESSION_IDLE_MS, left;

		check_revocation(s);
		if (s->authed && !s->locked) {
			left = policy_idle_left_ms(s->last_active_ms,
			    daemon_mono_ms(), &s->d->conf);
			if (left == 0) {
				session_lock(s, "idle");
				continue;
			}
			if (left < wait)
				wait = left;
			if (wait > REVOKE_CHECK_MS)
				wait = REVOKE_CHECK_MS;
		}
		r = mkproto_recv(s->fd, s->in, &m, (int)wait);
		if (r == MK_ERR_CLOSED || s->d->stopping)
			break;
		if (r == MK_ERR_TIMEOUT && s->authed && !s->locked)
			continue;	/* the idle lock, at the loop's top */
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
