#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "common/err.h"
#include "crypto/auditlog.h"
#include "crypto/sign.h"
#include "daemon.h"
#include "incident.h"
#include "logidx.h"
#include "vault.h"

static int diag_foreground;

void
diag_init(int foreground)
{
	diag_foreground = foreground;
	if (!foreground)
		openlog("matkioskd", LOG_PID, LOG_DAEMON);
}

void
diag(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (diag_foreground) {
		fputs("matkioskd: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else
		vsyslog(prio, fmt, ap);
	va_end(ap);
}

int
daemon_log_locked(struct daemon *d, uint8_t severity, const char *actor,
    const char *role, const char *event, const char *object, size_t nfields,
    const struct logkv *fields)
{
	return daemon_log_seq_locked(d, severity, actor, role, event, object,
	    nfields, fields, NULL);
}

int
daemon_log_seq_locked(struct daemon *d, uint8_t severity, const char *actor,
    const char *role, const char *event, const char *object, size_t nfields,
    const struct logkv *fields, uint64_t *seq)
{
	struct logev ev = {
		.severity = severity, .actor = actor, .role = role,
		.event = event, .object = object != NULL ? object : "",
		.nfields = nfields, .fields = fields,
	};
	int r;

	if (d->log == NULL)
		return MK_ERR_NOT_PROVISIONED;
	if ((r = auditlog_append(d->log, &ev, seq)) != 0) {
		/* Fail closed: nothing that must be logged may happen now. */
		snprintf(d->fail_reason, sizeof(d->fail_reason),
		    "audit log cannot be written: %s", mkerr_str(r));
		diag(LOG_CRIT, "%s (event %s)", d->fail_reason, event);
		return MK_ERR_LOG;
	}
	d->fail_reason[0] = '\0';
	return 0;
}

int
daemon_log(struct daemon *d, uint8_t severity, const char *actor,
    const char *role, const char *event, const char *object, size_t nfields,
    const struct logkv *fields)
{
	int r;

	pthread_mutex_lock(&d->lock);
	r = daemon_log_locked(d, severity, actor, role, event, object,
	    nfields, fields);
	pthread_mutex_unlock(&d->lock);
	return r;
}

int
session_log(struct session *s, uint8_t severity, const char *event,
    const char *object, size_t nfields, const struct logkv *fields)
{
	return session_log_seq(s, severity, event, object, nfields, fields,
	    NULL);
}

int
session_log_seq(struct session *s, uint8_t severity, const char *event,
    const char *object, size_t nfields, const struct logkv *fields,
    uint64_t *seq)
{
	const char *actor = s->authed ? s->acct.name : "-";
	const char *role = s->authed ?
	    accounts_primary_role(s->acct.roles) : "-";
	int r;

	pthread_mutex_lock(&s->d->lock);
	r = daemon_log_seq_locked(s->d, severity, actor, role, event, object,
	    nfields, fields, seq);
	pthread_mutex_unlock(&s->d->lock);
	return r;
}

static int
log_recovery(struct daemon *d, const struct auditlog_recovery *rec,
    unsigned removed)
{
	char bytes[32], count[32];
	struct logkv kv[3];
	int r = 0;

	if (rec->torn) {
		snprintf(bytes, sizeof(bytes), "%llu",
		    (unsigned long long)rec->torn_bytes);
		kv[0] = (struct logkv){ "cut-bytes", bytes };
		kv[1] = (struct logkv){ "kept-in", rec->torn_file };
		r = daemon_log_locked(d, LOG_SEV_TRUNG_BINH, "system", "-",
		    "log.recovered", "", 2, kv);
		diag(LOG_WARNING, "audit log: torn last record cut (%s bytes, "
		    "kept in %s)", bytes, rec->torn_file);
	}
	if (r == 0 && removed > 0) {
		snprintf(count, sizeof(count), "%u", removed);
		kv[0] = (struct logkv){ "removed", count };
		r = daemon_log_locked(d, LOG_SEV_THAP, "system", "-",
		    "vault.cleanup", "", 1, kv);
	}
	return r;
}

int64_t
daemon_now(void)
{
	return (int64_t)time(NULL);
}

int64_t
daemon_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The log viewer's index (kiosk/logidx.h) starts on the segment the log
 * was just opened from. Only a cache: if it cannot be made now, the first
 * query makes it. */
static void
open_logidx(struct daemon *d)
{
	uint64_t head;

	if (d->logidx != NULL || logidx_new(d->sd.log, &d->logidx) != 0)
		return;
	auditlog_head(d->log, &head, NULL);
	(void)logidx_prepare(d->logidx, head);
}

int
daemon_open_state(struct daemon *d, char *why, size_t whylen)
{
	struct auditlog_recovery rec;
	unsigned removed = 0;
	int r;

	memset(&rec, 0, sizeof(rec));
	if ((r = machine_load(d->sd.machine, &d->machine)) != 0) {
		snprintf(why, whylen, "%s: %s", d->sd.machine, mkerr_str(r));
		return r;
	}
	if ((r = signkey_load(d->sd.devkey, &d->devkey)) != 0) {
		snprintf(why, whylen, "%s: %s", d->sd.devkey, mkerr_str(r));
		return r;
	}
	if ((r = auditlog_open(d->sd.log, d->sd.logkey, d->devkey, &d->log,
	    &rec)) != 0) {
		snprintf(why, whylen, "audit log %s: %s", d->sd.log,
		    mkerr_str(r));
		return r;
	}
	atomic_store(&d->key_epoch, d->machine.key_epoch);
	if ((r = accounts_load(d->sd.accounts, &d->accounts)) != 0) {
		snprintf(why, whylen, "%s: %s", d->sd.accounts, mkerr_str(r));
		return r;
	}
	if ((r = incidents_load(d->sd.incidents, &d->incidents)) != 0) {
		snprintf(why, whylen, "%s: %s", d->sd.incidents, mkerr_str(r));
		return r;
	}
	if ((r = vault_open(d->sd.vault, &d->vault)) != 0 ||
	    (r = vault_cleanup(d->vault, &removed)) != 0) {
		snprintf(why, whylen, "%s: %s", d->sd.vault, mkerr_str(r));
		return r;
	}
	d->provisioned = 1;
	open_logidx(d);
	if ((r = log_recovery(d, &rec, removed)) != 0)
		snprintf(why, whylen, "audit log: %s", mkerr_str(r));
	return r;
}

void
daemon_close_state(struct daemon *d)
{
	auditlog_free(d->log);
	d->log = NULL;
	signkey_free(d->devkey);
	d->devkey = NULL;
	accounts_free(d->accounts);
	d->accounts = NULL;
	vault_free(d->vault);
	d->vault = NULL;
	incidents_free(d->incidents);
	d->incidents = NULL;
	logidx_free(d->logidx);
	d->logidx = NULL;
	d->provisioned = 0;
	atomic_store(&d->key_epoch, 0);
}
