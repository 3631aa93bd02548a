/*
 * The air-gap guard's reactions (R1, R8): lockdown, incidents, the evidence
 * snapshot of Article 14.1, and telling watching clients at once.
 *
 * Order matters in a lockdown: first every key is wiped (the generation is
 * bumped so that long work stops, then each session's master key), then the
 * plaintext workspace, and only then is the incident written to the log and
 * the register: the slow, durable part must not delay the protection.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/proto.h"
#include "crypto/cry.h"
#include "daemon.h"
#include "policy.h"
#include "usbguardd.h"
#include "incident.h"

#define LOCKDOWN_FILE_MAX 1024

const char *
daemon_state_name(int state)
{
	switch (state) {
	case MS_UNPROVISIONED:
		return "unprovisioned";
	case MS_SEALED:
		return "sealed";
	case MS_UNLOCKED:
		return "unlocked";
	default:
		return "lockdown";
	}
}

void
daemon_notify(struct daemon *d)
{
	uint64_t one = 1;

	if (write(d->notify_fd, &one, sizeof(one)) < 0)
		diag(LOG_WARNING, "notify: %s", strerror(errno));
}

/* Removes every file under the plaintext workspace (overwritten first:
 * the workspace is tmpfs in production, but need not be in a sandbox). */
void
guard_wipe_workdir(const char *dir)
{
	char path[2048];
	uint8_t zero[4096];
	struct dirent *de;
	struct stat st;
	off_t left;
	DIR *d;
	int fd;

	if ((d = opendir(dir)) == NULL)
		return;
	memset(zero, 0, sizeof(zero));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || mkfs_path(path, sizeof(path),
		    "%s/%s", dir, de->d_name) != 0)
			continue;
		if ((fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
			if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
				for (left = st.st_size; left > 0;
				    left -= (off_t)sizeof(zero))
					if (write(fd, zero, sizeof(zero)) < 0)
						break;
			close(fd);
		}
		unlink(path);
	}
	closedir(d);
}

int
guard_incident_locked(struct daemon *d, uint8_t level, const char *source,
    const char *reporter, const char *summary, uint32_t *id)
{
	char idtext[16], lv[16];
	int r;

	*id = 0;
	if (d->incidents == NULL)
		return MK_ERR_NOT_PROVISIONED;
	if ((r = incidents_open(d->incidents, level, source, reporter, summary,
	    (int64_t)time(NULL), id)) != 0)
		return r;
	snprintf(idtext, sizeof(idtext), "%" PRIu32, *id);
	snprintf(lv, sizeof(lv), "%s", incident_level_token(level));
	struct logkv kv[3] = { { "level", lv }, { "source", source },
	    { "summary", summary } };
	/* The log record is what counts; the register follows it. */
	if ((r = daemon_log_locked(d, level, reporter, "-", "incident.open",
	    idtext, 3, kv)) != 0)
		return r;
	return incidents_save(d->incidents, d->sd.incidents);
}

static int
persist_lockdown(struct daemon *d)
{
	char text[LOCKDOWN_FILE_MAX];
	int n;

	n = snprintf(text, sizeof(text), "since=%lld\nincident=%" PRIu32
	    "\nreason=%s\n", (long long)time(NULL), d->lockdown_incident,
	    d->lockdown_reason);
	if (n < 0 || (size_t)n >= sizeof(text))
		return MK_ERR_TOO_LARGE;
	return mkfs_atomic_write(d->sd.lockdown, text, (size_t)n, 0600);
}

/* ---- evidence (Article 14.1): the log and the system state, copied to
 * STATE/evidence/ID with a SHA-256 manifest, off the main thread ---- */

struct evidence_job {
	struct daemon	*d;
	uint32_t	 id;
	char		 netstate[8192];
};

static int
copy_file(const char *from, const char *to, uint8_t sha[32])
{
	struct mkbuf *b = NULL;
	int r;

	if ((r = mkfs_read_file(from, 256u << 20, &b)) != 0)
		return r;
	cry_sha256(mkbuf_ptr(b), mkbuf_len(b), sha);
	r = mkfs_atomic_write(to, mkbuf_ptr(b), mkbuf_len(b), 0600);
	mkbuf_free(b);
	return r;
}

static int
manifest_add(struct mkbuf *m, const char *name, const uint8_t sha[32])
{
	char hex[65];

	mk_hex(sha, 32, hex);
	if (mkbuf_put(m, hex, 64) != 0 || mkbuf_put(m, "  ", 2) != 0 ||
	    mkbuf_put(m, name, strlen(name)) != 0)
		return MK_ERR_TOO_LARGE;
	return mkbuf_put(m, "\n", 1);
}

static int
snapshot(struct evidence_job *job, const char *dir, struct mkbuf *m)
{
	char from[2048], to[2048];
	uint8_t sha[32];
	struct dirent *de;
	DIR *ld;
	int r;

	cry_sha256(job->netstate, strlen(job->netstate), sha);
	if ((r = mkfs_path(to, sizeof(to), "%s/netstate.txt", dir)) != 0 ||
	    (r = mkfs_atomic_write(to, job->netstate, strlen(job->netstate),
	    0600)) != 0 || (r = manifest_add(m, "netstate.txt", sha)) != 0)
		return r;
	if ((ld = opendir(job->d->sd.log)) == NULL)
		return mkerr_from_errno(errno);
	while ((de = readdir(ld)) != NULL) {
		if (strstr(de->d_name, ".seg") == NULL)
			continue;
		if ((r = mkfs_path(from, sizeof(from), "%s/%s",
		    job->d->sd.log, de->d_name)) != 0 ||
		    (r = mkfs_path(to, sizeof(to), "%s/log-%s", dir,
		    de->d_name)) != 0 || (r = copy_file(from, to, sha)) != 0 ||
		    (r = manifest_add(m, to + strlen(dir) + 1, sha)) != 0)
			break;
	}
	closedir(ld);
	return r;
}

static void *
evidence_main(void *arg)
{
	struct evidence_job *job = arg;
	struct daemon *d = job->d;
	struct mkbuf *m = mkbuf_new(1 << 20);
	char dir[2048], path[2100], hex[65], idtext[16];
	uint8_t sha[32];
	int r = MK_ERR_ALLOC;

	snprintf(idtext, sizeof(idtext), "%" PRIu32, job->id);
	if (m != NULL && mkfs_path(dir, sizeof(dir), "%s/%s", d->sd.evidence,
	    idtext) == 0 && (mkdir(dir, 0700) == 0 || errno == EEXIST) &&
	    (r = snapshot(job, dir, m)) == 0 &&
	    (r = mkfs_path(path, sizeof(path), "%s/MANIFEST.sha256",
	    dir)) == 0)
		r = mkfs_atomic_write(path, mkbuf_ptr(m), mkbuf_len(m), 0600);
	if (m != NULL)
		cry_sha256(mkbuf_ptr(m), mkbuf_len(m), sha);
	mk_hex(sha, sizeof(sha), hex);
	struct logkv kv[2] = { { "manifest-sha256", r == 0 ? hex : "-" },
	    { "result", r == 0 ? "ok" : mkerr_str(r) } };
	daemon_log(d, r == 0 ? LOG_SEV_INFO : LOG_SEV_CAO, "system", "-",
	    "incident.evidence", idtext, 2, kv);
	mkbuf_free(m);
	free(job);
	atomic_fetch_sub(&d->evidence_running, 1);
	return NULL;
}

static void
start_evidence(struct daemon *d, uint32_t id)
{
	struct evidence_job *job;
	pthread_attr_t attr;
	pthread_t t;

	if ((job = calloc(1, sizeof(*job))) == NULL)
		return;
	job->d = d;
	job->id = id;
	netstate_format(&d->net, job->netstate, sizeof(job->netstate));
	atomic_fetch_add(&d->evidence_running, 1);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, evidence_main, job) != 0) {
		atomic_fetch_sub(&d->evidence_running, 1);
		free(job);
	}
	pthread_attr_destroy(&attr);
}

/* ---- lockdown ---- */

/* Returns 1 when the machine just entered lockdown. A violation already
 * recorded (the fast path and the rescan see the same link) is not logged
 * twice; a different one during a lockdown is. */
static int
record_violation(struct daemon *d, const char *reason, const char *source)
{
	struct logkv kv[1] = { { "reason", reason } };
	uint32_t id = 0;
	int first = !d->lockdown;

	if (!first && strcmp(d->lockdown_reason, reason) == 0)
		return 0;
	d->lockdown = 1;
	if (first)
		snprintf(d->lockdown_reason, sizeof(d->lockdown_reason), "%s",
		    reason);
	if (!d->provisioned)
		return first;
	daemon_log_locked(d, LOG_SEV_KHAN_CAP, "system", "-", source, "", 1,
	    kv);
	if (first && guard_incident_locked(d, LOG_SEV_KHAN_CAP, source,
	    "system", reason, &id) == 0) {
		d->lockdown_incident = id;
		start_evidence(d, id);
	}
	if (first && persist_lockdown(d) != 0)
		diag(LOG_CRIT, "cannot persist the lockdown state");
	return first;
}

void
guard_lockdown(struct daemon *d, const char *reason, const char *source)
{
	struct session *s;
	int first;

	atomic_fetch_add(&d->gen, 1);
	for (s = d->live; s != NULL; s = s->next)
		session_wipe_key(s);
	guard_wipe_workdir(d->conf.work);
	pthread_mutex_lock(&d->lock);
	first = record_violation(d, reason, source);
	pthread_mutex_unlock(&d->lock);
	if (!first)
		return;
	diag(LOG_CRIT, "LOCKDOWN: %s", reason);
	guard_push_state(d);
}

int
daemon_state_locked(struct daemon *d)
{
	if (d->lockdown)
		return MS_LOCKDOWN;
	if (!d->provisioned)
		return MS_UNPROVISIONED;
	return atomic_load(&d->keyed) > 0 ? MS_UNLOCKED : MS_SEALED;
}

/* Sends without blocking: a watcher that does not read its events is cut
 * off rather than allowed to stall the guard. */
static void
push_one(struct session *s, const uint8_t *p, size_t len)
{
	ssize_t w = send(s->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (w != (ssize_t)len)
		shutdown(s->fd, SHUT_RDWR);
}

void
guard_push_state(struct daemon *d)
{
	struct mkbuf *b = mkbuf_new(1024);
	struct session *s;
	char reason[256];
	int state;

	if (b == NULL)
		return;
	pthread_mutex_lock(&d->lock);
	state = daemon_state_locked(d);
	snprintf(reason, sizeof(reason), "%s", d->lockdown ?
	    d->lockdown_reason : "");
	pthread_mutex_unlock(&d->lock);
	if (mkmsg_start(b, MSG_EVENT) == 0 &&
	    mkmsg_add_str(b, F_STATE, daemon_state_name(state)) == 0 &&
	    mkmsg_add_str(b, F_MESSAGE, reason) == 0) {
		mk_put_be32(mkbuf_mutable_ptr(b), (uint32_t)mkbuf_len(b) - 4);
		for (s = d->live; s != NULL; s = s->next)
			if (atomic_load(&s->watching) && !atomic_load(&s->done))
				push_one(s, mkbuf_ptr(b), mkbuf_len(b));
	}
	mkbuf_free(b);
}

static void
load_lockdown(struct daemon *d)
{
	struct mkbuf *b = NULL;
	const char *p;
	size_t len;

	if (mkfs_read_file(d->sd.lockdown, LOCKDOWN_FILE_MAX, &b) != 0)
		return;
	d->lockdown = 1;
	snprintf(d->lockdown_reason, sizeof(d->lockdown_reason),
	    "lockdown persisted from before the restart");
	len = mkbuf_len(b);
	p = memmem(mkbuf_ptr(b), len, "reason=", 7);
	if (p != NULL) {
		p += 7;
		len = len - (size_t)(p - (const char *)mkbuf_ptr(b));
		snprintf(d->lockdown_reason, sizeof(d->lockdown_reason),
		    "%.*s", (int)strcspn(p, "\n") < (int)len ?
		    (int)strcspn(p, "\n") : (int)len, p);
	}
	mkbuf_free(b);
}

int
guard_start(struct daemon *d)
{
	int r;

	if (d->provisioned)
		load_lockdown(d);
	if ((r = netguard_open("/sys", &d->ng)) != 0) {
		guard_lockdown(d, "air-gap guard unavailable: cannot open "
		    "rtnetlink", "airgap.guard-failed");
		return r;
	}
	pthread_mutex_lock(&d->lock);
	r = netguard_scan(d->ng, &d->net);
	pthread_mutex_unlock(&d->lock);
	if (r != 0)
		guard_lockdown(d, "air-gap guard: the first scan failed",
		    "airgap.guard-failed");
	else if (d->net.violation)
		guard_lockdown(d, d->net.reason, "airgap.violation");
	return 0;
}

void
guard_on_event(struct daemon *d)
{
	char reason[256] = "";
	struct netstate st;
	int violation, changed, r;

	if (d->ng == NULL)
		return;
	r = netguard_read(d->ng, &violation, &changed, reason,
	    sizeof(reason));
	if (r != 0) {
		guard_lockdown(d, "air-gap guard failed: rtnetlink read error",
		    "airgap.guard-failed");
		return;
	}
	/* The fast path: react to the event itself before any rescan. */
	if (violation)
		guard_lockdown(d, reason, "airgap.violation");
	if (!changed)
		return;
	if (netguard_scan(d->ng, &st) != 0) {
		guard_lockdown(d, "air-gap guard: scan failed",
		    "airgap.guard-failed");
		return;
	}
	pthread_mutex_lock(&d->lock);
	d->net = st;
	pthread_mutex_unlock(&d->lock);
	if (st.violation)
		guard_lockdown(d, st.reason, "airgap.violation");
}

/* Main thread. Pending link and address events are taken in first: one
 * that arrives after the clear must be a new one, not a stale message
 * about the violation being cleared. */
static void
do_clear(struct daemon *d, struct guard_clear_req *rq)
{
	struct netstate st;
	char id[16];
	int r;

	if (d->ng == NULL) {
		snprintf(rq->why, sizeof(rq->why), "the air-gap guard is not "
		    "running");
		rq->result = MK_ERR_LOCKED;
		return;
	}
	/* The USB guard must be able to do its job too: a lockdown it
	 * caused is not cleared while it still cannot. */
	if ((rq->result = usbd_check(d, rq->why, sizeof(rq->why))) != 0)
		return;
	guard_on_event(d);
	if ((r = netguard_scan(d->ng, &st)) != 0) {
		snprintf(rq->why, sizeof(rq->why), "cannot scan the network: "
		    "%s", mkerr_str(r));
		rq->result = r;
		return;
	}
	if (st.violation) {
		snprintf(rq->why, sizeof(rq->why), "the condition persists: %s",
		    st.reason);
		rq->result = MK_ERR_LOCKED;
		return;
	}
	pthread_mutex_lock(&d->lock);
	if (!d->lockdown) {
		snprintf(rq->why, sizeof(rq->why), "the machine is not in "
		    "lockdown");
		r = MK_ERR_USAGE;
		goto out;
	}
	snprintf(id, sizeof(id), "%" PRIu32, d->lockdown_incident);
	struct logkv kv[2] = { { "incident", id },
	    { "reason", d->lockdown_reason } };
	if ((r = daemon_log_locked(d, LOG_SEV_CAO, rq->s->acct.name,
	    "supervisor", "lockdown.clear", "", 2, kv)) == 0 &&
	    (unlink(d->sd.lockdown) == 0 || errno == ENOENT)) {
		d->lockdown = 0;
		d->lockdown_reason[0] = '\0';
		d->lockdown_incident = 0;
		d->net = st;
	} else if (r == 0)
		r = mkerr_from_errno(errno);
	if (r != 0)
		snprintf(rq->why, sizeof(rq->why), "%s", mkerr_str(r));
 out:
	pthread_mutex_unlock(&d->lock);
	rq->result = r;
}

int
guard_clear(struct daemon *d, struct session *s, char *why, size_t whylen)
{
	struct guard_clear_req rq;

	if (policy_may(s->acct.roles, ACT_LOCKDOWN_CLEAR) != MAY_YES) {
		snprintf(why, whylen, "only a supervisor may clear a lockdown");
		return MK_ERR_DENIED;
	}
	memset(&rq, 0, sizeof(rq));
	rq.s = s;
	pthread_mutex_lock(&d->lock);
	while (d->clear_req != NULL && !d->stopping)
		pthread_cond_wait(&d->clear_cond, &d->lock);
	if (d->stopping) {
		pthread_mutex_unlock(&d->lock);
		snprintf(why, whylen, "the daemon is stopping");
		return MK_ERR_CLOSED;
	}
	d->clear_req = &rq;
	pthread_mutex_unlock(&d->lock);
	daemon_notify(d);
	pthread_mutex_lock(&d->lock);
	while (!rq.done)
		pthread_cond_wait(&d->clear_cond, &d->lock);
	pthread_mutex_unlock(&d->lock);
	snprintf(why, whylen, "%s", rq.why);
	return rq.result;
}

void
guard_on_notify(struct daemon *d)
{
	struct guard_clear_req *rq;
	uint64_t v;

	if (read(d->notify_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&d->lock);
	rq = d->clear_req;
	pthread_mutex_unlock(&d->lock);
	if (rq != NULL) {
		do_clear(d, rq);
		pthread_mutex_lock(&d->lock);
		rq->done = 1;
		d->clear_req = NULL;
		pthread_cond_broadcast(&d->clear_cond);
		pthread_mutex_unlock(&d->lock);
	}
	guard_push_state(d);
}
