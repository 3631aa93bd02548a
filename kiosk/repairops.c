/*
 * Supervised, recorded repair sessions (R5, Article 13.3; docs/
 * architecture.md, "Repair sessions").
 *
 * A repair starts only with two people's credentials in one request: a
 * supervisor's and a technician's, checked as logins are, with the roles
 * of kiosk/policy.c. The vault is sealed first (every session's key wiped,
 * the working copies wiped); then the daemon itself runs a shell on a
 * pseudo-terminal it owns and records it (kiosk/repair.h). The recorder
 * runs here, outside the technician's session, so the technician cannot
 * switch it off; if it cannot write, the shell is killed (as sudo does).
 *
 * The session's client thread runs the session: it relays the terminal to
 * the client (MSG_REPAIR_INPUT / OUTPUT), and checks at least every
 * POLL_MS for its end: the shell exits, a supervisor ends it, the time
 * limit, a lockdown (an air-gap violation is an incident of its own, made
 * by the guard, and ends the repair), the daemon stopping.
 *
 * One repair at a time: its state is the static `live` below.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/proto.h"
#include "common/text.h"
#include "crypto/auditlog.h"
#include "crypto/cry.h"
#include "daemon.h"
#include "handlers.h"
#include "keys.h"
#include "logidx.h"
#include "policy.h"
#include "repair.h"

#define POLL_MS		200
#define SEAL_WAIT_MS	3000
#define REASON_MAX	300
#define TEXT_MAX	2000	/* the minutes' texts (a log string is 4096) */
#define INFO_MAX	16384
#define REPAIR_SHELL	"/bin/bash"

static atomic_int sealed;
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int		active;
	uint32_t	id;
	int		end_req;
	char		end_by[ACCOUNT_NAME_MAX + 1];
} live;

int
repair_sealed(void)
{
	return atomic_load(&sealed);
}

void
repair_status(char *out, size_t outlen)
{
	pthread_mutex_lock(&live_lock);
	if (live.active)
		snprintf(out, outlen, "session %" PRIu32 " running (vault "
		    "sealed, recorded)", live.id);
	else
		snprintf(out, outlen, "-");
	pthread_mutex_unlock(&live_lock);
}

/* What STATE/repair/N.info says of a session (for listing; the log is
 * what proves it). */
struct rinfo {
	uint32_t	id;
	char		sup[ACCOUNT_NAME_MAX + 1];
	char		tech[ACCOUNT_NAME_MAX + 1];
	char		reason[REASON_MAX + 1];
	int64_t		started, ended, signed_at;
	uint64_t	limit, exitst, size, parts;
	char		end[32];
	char		sha[2 * REPAIR_HASH_LEN + 1];
	char		signed_by[ACCOUNT_NAME_MAX + 1];
	char		minutes_sha[2 * REPAIR_HASH_LEN + 1];
};

static int
rpath(const struct daemon *d, uint32_t id, const char *ext, char *out,
    size_t outlen)
{
	if (ext == NULL)
		return mkfs_path(out, outlen, "%s/repair", d->sd.root);
	return mkfs_path(out, outlen, "%s/repair/%" PRIu32 ".%s", d->sd.root,
	    id, ext);
}

static int
info_save(const struct daemon *d, const struct rinfo *ri)
{
	char path[STATEDIR_PATH_MAX + 64], text[INFO_MAX];
	int n;

	n = snprintf(text, sizeof(text), "id=%" PRIu32 "\nsupervisor=%s\n"
	    "technician=%s\nreason=%s\nstarted=%" PRId64 "\nlimit=%" PRIu64
	    "\nended=%" PRId64 "\nend=%s\nexit=%" PRIu64 "\nsize=%" PRIu64
	    "\nparts=%" PRIu64 "\nsha256=%s\nsigned-by=%s\nsigned-at=%" PRId64
	    "\nminutes-sha256=%s\n", ri->id, ri->sup, ri->tech, ri->reason,
	    ri->started, ri->limit, ri->ended, ri->end, ri->exitst, ri->size,
	    ri->parts, ri->sha, ri->signed_by, ri->signed_at,
	    ri->minutes_sha);
	if (n < 0 || (size_t)n >= sizeof(text))
		return MK_ERR_TOO_LARGE;
	if (rpath(d, ri->id, "info", path, sizeof(path)) != 0)
		return MK_ERR_TOO_LARGE;
	return mkfs_atomic_write(path, text, (size_t)n, 0600);
}

static void
info_field(struct rinfo *ri, const char *k, const char *v)
{
	if (strcmp(k, "supervisor") == 0)
		snprintf(ri->sup, sizeof(ri->sup), "%s", v);
	else if (strcmp(k, "technician") == 0)
		snprintf(ri->tech, sizeof(ri->tech), "%s", v);
	else if (strcmp(k, "reason") == 0)
		snprintf(ri->reason, sizeof(ri->reason), "%s", v);
	else if (strcmp(k, "started") == 0)
		ri->started = strtoll(v, NULL, 10);
	else if (strcmp(k, "limit") == 0)
		ri->limit = strtoull(v, NULL, 10);
	else if (strcmp(k, "ended") == 0)
		ri->ended = strtoll(v, NULL, 10);
	else if (strcmp(k, "end") == 0)
		snprintf(ri->end, sizeof(ri->end), "%s", v);
	else if (strcmp(k, "exit") == 0)
		ri->exitst = strtoull(v, NULL, 10);
	else if (strcmp(k, "size") == 0)
		ri->size = strtoull(v, NULL, 10);
	else if (strcmp(k, "parts") == 0)
		ri->parts = strtoull(v, NULL, 10);
	else if (strcmp(k, "sha256") == 0)
		snprintf(ri->sha, sizeof(ri->sha), "%s", v);
	else if (strcmp(k, "signed-by") == 0)
		snprintf(ri->signed_by, sizeof(ri->signed_by), "%s", v);
	else if (strcmp(k, "signed-at") == 0)
		ri->signed_at = strtoll(v, NULL, 10);
	else if (strcmp(k, "minutes-sha256") == 0)
		snprintf(ri->minutes_sha, sizeof(ri->minutes_sha), "%s", v);
}

static int
info_load(const struct daemon *d, uint32_t id, struct rinfo *ri)
{
	char path[STATEDIR_PATH_MAX + 64], *text, *line, *save, *eq;
	struct mkbuf *b = NULL;
	int r;

	memset(ri, 0, sizeof(*ri));
	ri->id = id;
	if ((r = rpath(d, id, "info", path, sizeof(path))) != 0 ||
	    (r = mkfs_read_file(path, INFO_MAX, &b)) != 0)
		return r == MK_ERR_SYSTEM ? MK_ERR_NOT_FOUND : r;
	if ((text = calloc(1, mkbuf_len(b) + 1)) == NULL) {
		mkbuf_free(b);
		return MK_ERR_ALLOC;
	}
	memcpy(text, mkbuf_ptr(b), mkbuf_len(b));
	mkbuf_free(b);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if ((eq = strchr(line, '=')) != NULL) {
			*eq = '\0';
			info_field(ri, line, eq + 1);
		}
	free(text);
	return 0;
}

/*
 * The next session number: one past the highest of STATE/repair and of
 * STATE/repair-seq, which keeps the last number given outside the
 * recordings' directory (that may be a medium of its own), so that a
 * number is never given twice: its parts in the log are found by it.
 */
static int
next_id(const struct daemon *d, uint32_t *id)
{
	char dir[STATEDIR_PATH_MAX + 64], *end, text[16];
	struct mkbuf *b = NULL;
	struct dirent *de;
	unsigned long v;
	uint32_t max = 0;
	DIR *dp;
	int n;

	if (mkfs_path(dir, sizeof(dir), "%s/repair-seq", d->sd.root) != 0)
		return MK_ERR_TOO_LARGE;
	if (mkfs_read_file(dir, 15, &b) == 0) {
		n = snprintf(text, sizeof(text), "%.*s", (int)mkbuf_len(b),
		    (const char *)mkbuf_ptr(b));
		v = n > 0 ? strtoul(text, NULL, 10) : 0;
		max = v < UINT32_MAX ? (uint32_t)v : 0;
		mkbuf_free(b);
	}
	if (rpath(d, 0, NULL, dir, sizeof(dir)) == 0 &&
	    (dp = opendir(dir)) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			v = strtoul(de->d_name, &end, 10);
			if (end != de->d_name && *end == '.' &&
			    v < UINT32_MAX - 1 && v > max)
				max = (uint32_t)v;
		}
		closedir(dp);
	}
	*id = max + 1;
	n = snprintf(text, sizeof(text), "%" PRIu32 "\n", *id);
	if (mkfs_path(dir, sizeof(dir), "%s/repair-seq", d->sd.root) != 0)
		return MK_ERR_TOO_LARGE;
	return mkfs_atomic_write(dir, text, (size_t)n, 0600);
}

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Text a person typed for the minutes: valid UTF-8, line breaks allowed,
 * no other control character. */
static int
text_ok(const char *t)
{
	const char *p = t, *nl;

	if (*t == '\0' || strlen(t) > TEXT_MAX)
		return 0;
	for (;;) {
		nl = strchr(p, '\n');
		if (!mktext_is_clean(p, nl ? (size_t)(nl - p) : strlen(p)))
			return 0;
		if (nl == NULL)
			return 1;
		p = nl + 1;
	}
}

/* ---- starting: two people, the vault sealed ---- */

struct start {
	char	sup[ACCOUNT_NAME_MAX + 1];
	char	tech[ACCOUNT_NAME_MAX + 1];
	char	reason[REASON_MAX + 1];
	uint64_t rows, cols;
};

static int
refused(struct session *s, const struct start *st, int code, const char *why)
{
	struct logkv kv[4] = { { "supervisor", st->sup[0] ? st->sup : "-" },
	    { "technician", st->tech[0] ? st->tech : "-" },
	    { "reason", why }, { "peer", s->peer } };

	daemon_log(s->d, LOG_SEV_THAP, st->tech[0] ? st->tech : "-", "-",
	    "repair.refused", "", 4, kv);
	return reply_err(s, code, why);
}

static int
parse_start(const struct mkmsg *m, struct start *st, const char **why)
{
	memset(st, 0, sizeof(*st));
	st->rows = 24;
	st->cols = 80;
	if (mkmsg_str(m, F_TECH, st->tech, sizeof(st->tech)) != 0 ||
	    !mktext_valid_name(st->tech)) {
		st->tech[0] = '\0';
		*why = "the technician's account name is needed";
		return MK_ERR_TWO_PERSON;
	}
	if (mkmsg_str(m, F_USER, st->sup, sizeof(st->sup)) != 0 ||
	    !mktext_valid_name(st->sup) || mkmsg_get(m, F_PASSWORD) == NULL ||
	    mkmsg_get(m, F_TECH_PASSWORD) == NULL) {
		st->sup[0] = '\0';
		*why = "a repair needs two people: a supervisor unlocks it, a "
		    "technician works (both must give their passwords)";
		return MK_ERR_TWO_PERSON;
	}
	if (strcmp(st->sup, st->tech) == 0) {
		*why = "the supervisor and the technician must be two people";
		return MK_ERR_TWO_PERSON;
	}
	if (mkmsg_str(m, F_REPAIR_REASON, st->reason, sizeof(st->reason)) ||
	    st->reason[0] == '\0' || !mktext_is_clean(st->reason,
	    strlen(st->reason))) {
		*why = "give the reason for the repair (one line of text)";
		return MK_ERR_USAGE;
	}
	if ((mkmsg_get(m, F_ROWS) != NULL && (mkmsg_u64(m, F_ROWS, &st->rows) ||
	    st->rows < 1 || st->rows > 1000)) || (mkmsg_get(m, F_COLS) != NULL &&
	    (mkmsg_u64(m, F_COLS, &st->cols) || st->cols < 1 ||
	    st->cols > 1000))) {
		*why = "the terminal size must be 1 to 1000";
		return MK_ERR_USAGE;
	}
	return 0;
}

/* One person's password and role. want: ACT_APPROVE directly (the
 * supervisor), or ACT_REPAIR with an approval (the technician). */
static int
check_person(struct session *s, const struct mkmsg *m, uint8_t utag,
    uint8_t ptag, enum action act, int want, char *why, size_t whylen)
{
	char user[ACCOUNT_NAME_MAX + 1], *pw = NULL;
	struct account a;
	uint8_t *sk = NULL;
	int r;

	if (mkmsg_str(m, utag, user, sizeof(user)) != 0 ||
	    auth_read_password(m, ptag, &pw) != 0) {
		snprintf(why, whylen, "a name and password are needed");
		return MK_ERR_USAGE;
	}
	if ((sk = cry_secure_alloc(KEYS_LEN)) == NULL) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	if ((r = auth_check(s, user, pw, "repair", &a, sk, why,
	    whylen)) != 0 || (r = policy_password_due(&a, &s->d->conf,
	    daemon_now(), why, whylen)) != 0)
		goto out;
	if (policy_may(a.roles, act) != want) {
		snprintf(why, whylen, "%s is not a %s", user,
		    act == ACT_APPROVE ? "supervisor" : "technician");
		r = MK_ERR_DENIED;
	}
 out:
	auth_free_password(pw);
	cry_secure_free(sk, KEYS_LEN);
	return r;
}

/* Wipes every key and working copy; 0 once no session holds a key.
 * Sessions drop their key within a second (they look at the revocation
 * generation); long work stops at the lockdown generation. */
static int
seal_vault(struct session *s)
{
	struct daemon *d = s->d;
	int64_t until = daemon_mono_ms() + SEAL_WAIT_MS;

	atomic_store(&sealed, 1);
	atomic_fetch_add(&d->gen, 1);
	atomic_fetch_add(&d->revoke_gen, 1);
	session_wipe_key(s);
	guard_wipe_workdir(d->conf.work);
	while (atomic_load(&d->keyed) > 0 && daemon_mono_ms() < until)
		usleep(20 * 1000);
	return atomic_load(&d->keyed) > 0 ? MK_ERR_BUSY : 0;
}

static int
claim(uint32_t id)
{
	int r = 0;

	pthread_mutex_lock(&live_lock);
	if (live.active)
		r = MK_ERR_REPAIR_ACTIVE;
	else {
		memset(&live, 0, sizeof(live));
		live.active = 1;
		live.id = id;
	}
	pthread_mutex_unlock(&live_lock);
	return r;
}

static void
release(void)
{
	pthread_mutex_lock(&live_lock);
	memset(&live, 0, sizeof(live));
	pthread_mutex_unlock(&live_lock);
	atomic_store(&sealed, 0);
}

/* ---- the running session ---- */

struct run {
	struct session	*s;
	struct daemon	*d;
	struct rinfo	 ri;
	struct recorder	*rec;
	int		 master;
	pid_t		 pid;
	int64_t		 t0_us;
	int64_t		 deadline_ms;
	int64_t		 pending_since_ms;	/* 0: nothing pending */
	unsigned	 warned;		/* thresholds passed */
	int		 shell_gone;
	char		 end[32];		/* why it ended: a token */
	char		 endmsg[320];
	uint32_t	 incident;
};

/* Warnings this long before the end (seconds). */
static const unsigned warn_at[] = { 600, 60, 10 };
#define NWARN (sizeof(warn_at) / sizeof(warn_at[0]))

static void
set_end(struct run *rn, const char *token, const char *msg)
{
	if (rn->end[0] != '\0')
		return;
	snprintf(rn->end, sizeof(rn->end), "%s", token);
	snprintf(rn->endmsg, sizeof(rn->endmsg), "%s", msg);
}

/*
 * The shell reads no startup file: its environment is exactly this one,
 * and nothing from the machine's home directories runs before the
 * recorded prompt. Only async-signal-safe calls between fork and exec.
 */
static void __attribute__((noreturn))
child(char *const envp[])
{
	char *const argv[] = { "bash", "--noprofile", "--norc", "-i", NULL };
	sigset_t none;
	int sig;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	close_range(3, ~0u, 0);
	if (chdir("/root") != 0 && chdir("/") != 0)
		_exit(126);
	execve(REPAIR_SHELL, argv, envp);
	_exit(127);
}

static int
log_part(struct run *rn, const struct repair_part *pt)
{
	char id[16], seq[24], off[24], len[24];
	char hash[2 * REPAIR_HASH_LEN + 1], prev[2 * REPAIR_HASH_LEN + 1];

	snprintf(id, sizeof(id), "%" PRIu32, rn->ri.id);
	snprintf(seq, sizeof(seq), "%" PRIu64, pt->seq);
	snprintf(off, sizeof(off), "%" PRIu64, pt->offset);
	snprintf(len, sizeof(len), "%" PRIu64, pt->len);
	mk_hex(pt->hash, REPAIR_HASH_LEN, hash);
	mk_hex(pt->prev, REPAIR_HASH_LEN, prev);
	struct logkv kv[5] = { { "seq", seq }, { "offset", off },
	    { "length", len }, { "hash", hash }, { "prev", prev } };
	return daemon_log(rn->d, LOG_SEV_INFO, "system", "-", "repair.part",
	    id, 5, kv);
}

/* Writes what is pending as a part and logs its hash. A failure ends the
 * session: nothing may go on unrecorded. */
static int
flush_part(struct run *rn)
{
	struct repair_part pt;
	char msg[200];
	int r;

	rn->pending_since_ms = 0;
	if ((r = recorder_flush(rn->rec, &pt)) == 0)
		return 0;
	if (r == 1 && (r = log_part(rn, &pt)) == 0)
		return 0;
	snprintf(msg, sizeof(msg), "the recording could not be %s: %s",
	    r == MK_ERR_LOG ? "logged" : "written", mkerr_str(r));
	set_end(rn, "record-failed", msg);
	return r;
}

static int
record(struct run *rn, char type, const void *p, size_t n)
{
	uint64_t t = (uint64_t)(mono_us() - rn->t0_us);
	int r;

	if ((r = recorder_add(rn->rec, t, type, p, n)) != 0) {
		set_end(rn, "record-failed", "the recording could not be "
		    "kept");
		return r;
	}
	if (rn->pending_since_ms == 0)
		rn->pending_since_ms = daemon_mono_ms();
	if (recorder_pending(rn->rec) >= REPAIR_PART_BYTES)
		return flush_part(rn);
	return 0;
}

static int
send_frame(struct run *rn, uint16_t type, uint8_t tag, const void *p,
    size_t n)
{
	int r;

	if ((r = mkmsg_start(rn->s->out, type)) != 0 ||
	    (r = mkmsg_add(rn->s->out, tag, p, n)) != 0 ||
	    (r = mkproto_send(rn->s->fd, rn->s->out)) != 0)
		set_end(rn, "disconnected", "the technician's terminal went "
		    "away");
	return r;
}

/* What the shell wrote: recorded first, then shown. */
static int
pump_output(struct run *rn)
{
	uint8_t buf[4096];
	ssize_t n;
	int r;

	n = read(rn->master, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		rn->shell_gone = 1;
		set_end(rn, "exit", "the technician ended the shell");
		return 1;
	}
	if ((r = record(rn, 'o', buf, (size_t)n)) != 0)
		return r;
	return send_frame(rn, MSG_REPAIR_OUTPUT, F_DATA, buf, (size_t)n);
}

/* A password prompt turns echo off and keeps the line discipline
 * (getpass, read -s, sudo); full-screen programs turn both off and echo
 * what they show themselves, so their keys are kept. */
static int
masked(int master)
{
	struct termios t;

	if (tcgetattr(master, &t) != 0)
		return 1;	/* unknown: mask rather than leak */
	return !(t.c_lflag & ECHO) && (t.c_lflag & ICANON);
}

static int
record_input(struct run *rn, const uint8_t *p, size_t n)
{
	uint8_t mask[8];
	size_t k = 0, i;

	if (!masked(rn->master))
		return record(rn, 'i', p, n);
	mask[k++] = '*';
	for (i = 0; i < n && k < sizeof(mask); i++)
		if (p[i] == '\r' || p[i] == '\n')
			mask[k++] = p[i];
	return record(rn, 'i', mask, k);
}

/* Writes keys to the shell; while its input queue is full, its output
 * is still read, so that neither side waits on the other. */
static int
write_input(struct run *rn, const uint8_t *p, size_t n)
{
	struct pollfd pfd;
	ssize_t w;

	while (n > 0) {
		pfd.fd = rn->master;
		pfd.events = POLLOUT | POLLIN;
		if (poll(&pfd, 1, POLL_MS) < 0 && errno != EINTR)
			return MK_ERR_SYSTEM;
		if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) &&
		    pump_output(rn) != 0)
			return MK_ERR_CLOSED;
		if (!(pfd.revents & POLLOUT))
			continue;
		if ((w = write(rn->master, p, n)) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return MK_ERR_SYSTEM;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
resize(struct run *rn, const struct mkmsg *m)
{
	struct winsize ws;
	uint64_t rows, cols;
	char text[32];

	if (mkmsg_u64(m, F_ROWS, &rows) != 0 || mkmsg_u64(m, F_COLS,
	    &cols) != 0 || rows < 1 || rows > 1000 || cols < 1 || cols > 1000)
		return MK_ERR_PROTOCOL;
	memset(&ws, 0, sizeof(ws));
	ws.ws_row = (unsigned short)rows;
	ws.ws_col = (unsigned short)cols;
	ioctl(rn->master, TIOCSWINSZ, &ws);
	snprintf(text, sizeof(text), "%" PRIu64 "x%" PRIu64, cols, rows);
	return record(rn, 'r', text, strlen(text));
}

/* One frame from the client. Non-zero ends the session. */
static int
take_input(struct run *rn)
{
	const struct mkfield *f;
	struct mkmsg m;
	int r;

	r = mkproto_recv(rn->s->fd, rn->s->in, &m, 0);
	if (r == MK_ERR_TIMEOUT)
		return 0;
	if (r != 0) {
		set_end(rn, "disconnected", "the technician's terminal went "
		    "away");
		return r;
	}
	if (m.type == MSG_REPAIR_RESIZE)
		r = resize(rn, &m);
	else if (m.type == MSG_REPAIR_INPUT &&
	    (f = mkmsg_get(&m, F_DATA)) != NULL && f->len <= PROTO_DATA_MAX) {
		if ((r = record_input(rn, f->p, f->len)) == 0)
			r = write_input(rn, f->p, f->len);
	} else
		r = MK_ERR_PROTOCOL;
	if (r == MK_ERR_PROTOCOL)
		set_end(rn, "disconnected", "protocol violation by the client");
	else if (r != 0)
		set_end(rn, "disconnected", "the shell's terminal failed");
	return r;
}

static void
warn(struct run *rn, unsigned left)
{
	char msg[200], id[16], sec[16];

	if (left >= 60)
		snprintf(msg, sizeof(msg), "Phiên sửa chữa sẽ kết thúc sau %u "
		    "phút / the repair session ends in %u minutes", left / 60,
		    left / 60);
	else
		snprintf(msg, sizeof(msg), "Phiên sửa chữa sẽ kết thúc sau %u "
		    "giây / the repair session ends in %u seconds", left, left);
	snprintf(id, sizeof(id), "%" PRIu32, rn->ri.id);
	snprintf(sec, sizeof(sec), "%u", left);
	struct logkv kv[1] = { { "seconds-left", sec } };
	daemon_log(rn->d, LOG_SEV_INFO, "system", "-", "repair.warning", id,
	    1, kv);
	send_frame(rn, MSG_REPAIR_NOTICE, F_MESSAGE, msg, strlen(msg));
}

/* The ends that do not come from the terminal. 1 when it must end. */
static int
check_end(struct run *rn)
{
	struct daemon *d = rn->d;
	int64_t now = daemon_mono_ms(), left;
	char msg[320];
	int ld;

	pthread_mutex_lock(&d->lock);
	ld = d->lockdown;
	rn->incident = d->lockdown_incident;
	snprintf(msg, sizeof(msg), "lockdown: %s (incident %" PRIu32 ")",
	    d->lockdown_reason, d->lockdown_incident);
	pthread_mutex_unlock(&d->lock);
	if (ld)
		set_end(rn, "incident", msg);
	pthread_mutex_lock(&live_lock);
	if (live.end_req) {
		snprintf(msg, sizeof(msg), "ended by the supervisor %s",
		    live.end_by);
		set_end(rn, "supervisor", msg);
	}
	pthread_mutex_unlock(&live_lock);
	if (d->stopping)
		set_end(rn, "daemon-stopping", "the daemon is stopping");
	if (now >= rn->deadline_ms)
		set_end(rn, "time-limit", "the time limit was reached");
	if (rn->end[0] != '\0')
		return 1;
	left = (rn->deadline_ms - now + 999) / 1000;
	while (rn->warned < NWARN && left <= warn_at[rn->warned]) {
		if (rn->warned + 1 == NWARN ||
		    left > warn_at[rn->warned + 1])
			warn(rn, (unsigned)left);
		rn->warned++;
	}
	return 0;
}

static int
poll_timeout(const struct run *rn)
{
	int64_t now = daemon_mono_ms(), t = POLL_MS;

	if (rn->pending_since_ms != 0 &&
	    rn->pending_since_ms + REPAIR_PART_MS - now < t)
		t = rn->pending_since_ms + REPAIR_PART_MS - now;
	if (rn->deadline_ms - now < t)
		t = rn->deadline_ms - now;
	return t < 0 ? 0 : (int)t;
}

static void
run_loop(struct run *rn)
{
	struct pollfd pfd[2];

	while (!check_end(rn)) {
		pfd[0].fd = rn->s->fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = rn->master;
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, poll_timeout(rn)) < 0 && errno != EINTR) {
			set_end(rn, "failed", "poll failed");
			return;
		}
		if ((pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    pump_output(rn) != 0)
			return;
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    take_input(rn) != 0)
			return;
		if (rn->pending_since_ms != 0 && daemon_mono_ms() >=
		    rn->pending_since_ms + REPAIR_PART_MS &&
		    flush_part(rn) != 0)
			return;
	}
}

/* Kills every process of the terminal's session (the shell's session id
 * is its pid), so that nothing the technician started goes on. */
static void
kill_session(pid_t sid, int sig)
{
	char path[64], buf[512], *p;
	struct dirent *de;
	long pid, sess;
	ssize_t n;
	DIR *dp;
	int fd;

	kill(-sid, sig);
	if ((dp = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		if ((pid = strtol(de->d_name, &p, 10)) <= 0 || *p != '\0' ||
		    snprintf(path, sizeof(path), "/proc/%ld/stat", pid) < 0 ||
		    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		/* pid (comm) state ppid pgrp session ... */
		if ((p = strrchr(buf, ')')) != NULL &&
		    sscanf(p + 1, " %*c %*d %*d %ld", &sess) == 1 &&
		    sess == (long)sid)
			kill((pid_t)pid, sig);
	}
	closedir(dp);
}

static void
stop_shell(struct run *rn)
{
	siginfo_t si;
	int status = 0, i;

	if (!rn->shell_gone) {
		/* A shell that failed to be recorded, or an incident, is
		 * killed at once; otherwise it is hung up first. */
		int hard = strcmp(rn->end, "record-failed") == 0 ||
		    strcmp(rn->end, "incident") == 0;

		kill_session(rn->pid, hard ? SIGKILL : SIGHUP);
		for (i = 0; i < 20 && !hard; i++) {
			memset(&si, 0, sizeof(si));
			if (waitid(P_PID, (id_t)rn->pid, &si, WEXITED |
			    WNOHANG | WNOWAIT) == 0 && si.si_pid == rn->pid)
				break;
			usleep(50 * 1000);
		}
	}
	/* The shell is not reaped yet (its pid cannot be reused): whatever
	 * else runs in its session goes too. */
	kill_session(rn->pid, SIGKILL);
	while (waitpid(rn->pid, &status, 0) < 0 && errno == EINTR)
		;
	rn->ri.exitst = (uint64_t)status;
}

/* What the shell wrote before it went is recorded and shown too. */
static void
drain(struct run *rn)
{
	uint8_t buf[4096];
	ssize_t n;
	int i;

	if (strcmp(rn->end, "record-failed") == 0)
		return;
	for (i = 0; i < 256; i++) {
		if ((n = read(rn->master, buf, sizeof(buf))) <= 0)
			return;
		if (record(rn, 'o', buf, (size_t)n) != 0 ||
		    (strcmp(rn->end, "disconnected") != 0 && send_frame(rn,
		    MSG_REPAIR_OUTPUT, F_DATA, buf, (size_t)n) != 0))
			return;
	}
}

/* The end: the rest of the output recorded, the last part written, the
 * end logged, the client told. */
static int
finish(struct run *rn)
{
	uint8_t last[REPAIR_HASH_LEN];
	char id[16], size[24], parts[24], st[24], dur[24], inc[16];
	uint8_t sev;
	int r;

	if (rn->rec != NULL && strcmp(rn->end, "record-failed") != 0)
		(void)flush_part(rn);
	recorder_state(rn->rec, &rn->ri.size, &rn->ri.parts, last);
	mk_hex(last, REPAIR_HASH_LEN, rn->ri.sha);
	rn->ri.ended = daemon_now();
	snprintf(rn->ri.end, sizeof(rn->ri.end), "%s", rn->end);
	snprintf(id, sizeof(id), "%" PRIu32, rn->ri.id);
	snprintf(size, sizeof(size), "%" PRIu64, rn->ri.size);
	snprintf(parts, sizeof(parts), "%" PRIu64, rn->ri.parts);
	snprintf(st, sizeof(st), "%" PRIu64, rn->ri.exitst);
	snprintf(dur, sizeof(dur), "%" PRId64, rn->ri.ended - rn->ri.started);
	snprintf(inc, sizeof(inc), "%" PRIu32, rn->incident);
	sev = strcmp(rn->end, "exit") == 0 || strcmp(rn->end, "supervisor") == 0
	    ? LOG_SEV_INFO : strcmp(rn->end, "time-limit") == 0 ? LOG_SEV_THAP :
	    LOG_SEV_CAO;
	struct logkv kv[8] = { { "end", rn->end }, { "why", rn->endmsg },
	    { "exit-status", st }, { "seconds", dur }, { "size", size },
	    { "parts", parts }, { "sha256", rn->ri.sha }, { "incident", inc } };
	daemon_log(rn->d, sev, "system", "-", "repair.end", id,
	    rn->incident ? 8 : 7, kv);
	if ((r = info_save(rn->d, &rn->ri)) != 0)
		diag(LOG_ERR, "repair %s: cannot save its record: %s", id,
		    mkerr_str(r));
	if ((r = mkmsg_start(rn->s->out, MSG_REPAIR_EXIT)) != 0 ||
	    (r = mkmsg_add_str(rn->s->out, F_STATE, rn->end)) != 0 ||
	    (r = mkmsg_add_u64(rn->s->out, F_EXIT, rn->ri.exitst)) != 0 ||
	    (r = mkmsg_add_str(rn->s->out, F_MESSAGE, rn->endmsg)) != 0)
		return r;
	if (strcmp(rn->end, "disconnected") == 0)
		return MK_ERR_CLOSED;
	return mkproto_send(rn->s->fd, rn->s->out);
}

static int
open_recording(struct run *rn, const struct start *st)
{
	char dir[STATEDIR_PATH_MAX + 64], path[STATEDIR_PATH_MAX + 64];
	char title[96];
	int r;

	if ((r = rpath(rn->d, 0, NULL, dir, sizeof(dir))) != 0 ||
	    (mkdir(dir, 0700) != 0 && errno != EEXIST) ||
	    (r = rpath(rn->d, rn->ri.id, "cast", path, sizeof(path))) != 0)
		return r != 0 ? r : mkerr_from_errno(errno);
	snprintf(title, sizeof(title), "matkiosk repair %" PRIu32 " (%s, %s)",
	    rn->ri.id, st->sup, st->tech);
	return recorder_open(path, rn->ri.id, (unsigned)st->cols,
	    (unsigned)st->rows, rn->ri.started, title, &rn->rec);
}

static int
spawn(struct run *rn, const struct start *st)
{
	struct winsize ws;
	int fl;

	char idenv[40], ps1[64];
	char *envp[] = { "HOME=/root", "PATH=/usr/local/sbin:/usr/local/bin:"
	    "/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm-256color",
	    "SHELL=" REPAIR_SHELL, "LANG=C.UTF-8", "HISTFILE=/dev/null",
	    idenv, ps1, NULL };

	snprintf(idenv, sizeof(idenv), "MATKIOSK_REPAIR=%" PRIu32, rn->ri.id);
	snprintf(ps1, sizeof(ps1), "PS1=[repair %" PRIu32 "] \\w# ",
	    rn->ri.id);
	memset(&ws, 0, sizeof(ws));
	ws.ws_row = (unsigned short)st->rows;
	ws.ws_col = (unsigned short)st->cols;
	rn->pid = forkpty(&rn->master, NULL, NULL, &ws);
	if (rn->pid < 0)
		return mkerr_from_errno(errno);
	if (rn->pid == 0)
		child(envp);
	if ((fl = fcntl(rn->master, F_GETFL)) < 0 ||
	    fcntl(rn->master, F_SETFL, fl | O_NONBLOCK) != 0 ||
	    fcntl(rn->master, F_SETFD, FD_CLOEXEC) != 0)
		return mkerr_from_errno(errno);
	return 0;
}

/* Logged before anything happens; the session's number is claimed. */
static int
begin(struct session *s, const struct start *st, struct run *rn,
    char *why, size_t whylen)
{
	struct daemon *d = s->d;
	char id[16], lim[32];
	int r, ld;

	pthread_mutex_lock(&d->lock);
	ld = d->lockdown;
	pthread_mutex_unlock(&d->lock);
	if (ld) {
		snprintf(why, whylen, "the machine is in lockdown");
		return MK_ERR_LOCKED;
	}
	if ((r = claim(0)) != 0) {
		snprintf(why, whylen, "another repair session is in progress");
		return r;
	}
	if ((r = next_id(d, &rn->ri.id)) != 0) {
		release();
		snprintf(why, whylen, "cannot number the session: %s",
		    mkerr_str(r));
		return r;
	}
	pthread_mutex_lock(&live_lock);
	live.id = rn->ri.id;
	pthread_mutex_unlock(&live_lock);
	snprintf(rn->ri.sup, sizeof(rn->ri.sup), "%s", st->sup);
	snprintf(rn->ri.tech, sizeof(rn->ri.tech), "%s", st->tech);
	snprintf(rn->ri.reason, sizeof(rn->ri.reason), "%s", st->reason);
	rn->ri.started = daemon_now();
	rn->ri.limit = d->conf.repair_test_limit_seconds != 0 ?
	    d->conf.repair_test_limit_seconds :
	    (uint64_t)d->conf.repair_limit_minutes * 60;
	snprintf(id, sizeof(id), "%" PRIu32, rn->ri.id);
	snprintf(lim, sizeof(lim), "%" PRIu64 "s%s", rn->ri.limit,
	    d->conf.repair_test_limit_seconds != 0 ? " (test clock)" : "");
	struct logkv kv[5] = { { "supervisor", st->sup },
	    { "technician", st->tech }, { "reason", st->reason },
	    { "limit", lim }, { "peer", s->peer } };
	if ((r = daemon_log(d, LOG_SEV_CAO, st->sup, "supervisor",
	    "repair.start", id, 5, kv)) != 0) {
		release();
		snprintf(why, whylen, "the log cannot be written");
		return r;
	}
	return 0;
}

static int
start_session(struct session *s, const struct start *st, struct run *rn)
{
	char why[200], id[16];
	struct timeval tv = { 5, 0 };
	int r;

	if ((r = seal_vault(s)) != 0)
		snprintf(why, sizeof(why), "a session would not give up the "
		    "vault key");
	else if ((r = open_recording(rn, st)) != 0 ||
	    (r = info_save(s->d, &rn->ri)) != 0)
		snprintf(why, sizeof(why), "cannot create the recording: %s",
		    mkerr_str(r));
	else if ((r = spawn(rn, st)) != 0)
		snprintf(why, sizeof(why), "cannot start the shell: %s",
		    mkerr_str(r));
	if (r != 0) {
		snprintf(id, sizeof(id), "%" PRIu32, rn->ri.id);
		struct logkv kv[2] = { { "end", "failed" }, { "why", why } };
		daemon_log(s->d, LOG_SEV_CAO, "system", "-", "repair.end", id,
		    2, kv);
		if (rn->pid > 0) {
			kill_session(rn->pid, SIGKILL);
			while (waitpid(rn->pid, NULL, 0) < 0 && errno == EINTR)
				;
			rn->pid = -1;
		}
		if (rn->master >= 0)
			close(rn->master);
		rn->master = -1;
		recorder_free(rn->rec);
		rn->rec = NULL;
		release();
		return reply_err(s, r, why);
	}
	struct logkv kv[2] = { { "keys", "wiped" },
	    { "working-copies", "wiped" } };
	snprintf(id, sizeof(id), "%" PRIu32, rn->ri.id);
	daemon_log(s->d, LOG_SEV_INFO, "system", "-", "repair.seal", id, 2, kv);
	/* A client that stops reading must not stall the session's clock. */
	setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	rn->t0_us = mono_us();
	rn->deadline_ms = daemon_mono_ms() + (int64_t)rn->ri.limit * 1000;
	while (rn->warned < NWARN && warn_at[rn->warned] >= rn->ri.limit)
		rn->warned++;
	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_SEQ, rn->ri.id)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_LIMIT_SECONDS, rn->ri.limit)) != 0 ||
	    (r = mkproto_send(s->fd, s->out)) != 0)
		set_end(rn, "disconnected", "the technician's terminal went "
		    "away");
	return 0;
}

int
h_repair_start(struct session *s, const struct mkmsg *m)
{
	struct timeval tv = { 0, 0 };
	struct start st;
	struct run *rn;
	const char *why = NULL;
	char w[320];
	int r;

	if ((r = parse_start(m, &st, &why)) != 0)
		return refused(s, &st, r, why);
	if ((r = check_person(s, m, F_USER, F_PASSWORD, ACT_APPROVE, MAY_YES,
	    w, sizeof(w))) != 0 || (r = check_person(s, m, F_TECH,
	    F_TECH_PASSWORD, ACT_REPAIR, MAY_WITH_APPROVAL, w,
	    sizeof(w))) != 0)
		return refused(s, &st, r, w);
	if ((rn = calloc(1, sizeof(*rn))) == NULL)
		return reply_err(s, MK_ERR_ALLOC, NULL);
	rn->s = s;
	rn->d = s->d;
	rn->master = -1;
	if ((r = begin(s, &st, rn, w, sizeof(w))) != 0) {
		free(rn);
		return refused(s, &st, r, w);
	}
	if ((r = start_session(s, &st, rn)) != 0 || rn->pid <= 0) {
		free(rn);
		return r;
	}
	if (rn->end[0] == '\0')
		run_loop(rn);
	stop_shell(rn);
	drain(rn);
	close(rn->master);
	r = finish(rn);
	recorder_free(rn->rec);
	release();
	setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	free(rn);
	return r;
}

/* ---- a supervisor ends it; the minutes signed ---- */

static int
may_supervise(struct session *s)
{
	return s->authed && policy_may(s->acct.roles, ACT_APPROVE) == MAY_YES;
}

int
h_repair_end(struct session *s, const struct mkmsg *m)
{
	char id[16];
	uint64_t seq;
	int r = 0;

	if (!may_supervise(s))
		return reply_err(s, MK_ERR_DENIED, "only a supervisor, logged "
		    "in, ends a repair session");
	if (mkmsg_u64(m, F_SEQ, &seq) != 0)
		return reply_err(s, MK_ERR_USAGE, "which session?");
	snprintf(id, sizeof(id), "%" PRIu64, seq);
	pthread_mutex_lock(&live_lock);
	if (!live.active || live.id != seq)
		r = MK_ERR_NOT_FOUND;
	else if (session_log(s, LOG_SEV_INFO, "repair.end-request", id, 0,
	    NULL) != 0)
		r = MK_ERR_LOG;
	else {
		live.end_req = 1;
		snprintf(live.end_by, sizeof(live.end_by), "%s", s->acct.name);
	}
	pthread_mutex_unlock(&live_lock);
	if (r != 0)
		return reply_err(s, r, r == MK_ERR_NOT_FOUND ? "no such repair "
		    "session is running" : NULL);
	return reply_ok(s);
}

/* The repair minutes (biên bản sửa chữa), as signed. */
static int
minutes_text(const struct rinfo *ri, const char *signer, int64_t now,
    const char *work, const char *account, char *out, size_t outlen)
{
	char t0[40], t1[40], t2[40];
	int n;

	policy_format_time(ri->started, t0, sizeof(t0));
	policy_format_time(ri->ended, t1, sizeof(t1));
	policy_format_time(now, t2, sizeof(t2));
	n = snprintf(out, outlen, "BIÊN BẢN SỬA CHỮA / REPAIR MINUTES\n"
	    "Phiên / session: %" PRIu32 "\n"
	    "Thủ trưởng giám sát / supervisor: %s\n"
	    "Kỹ thuật viên / technician: %s\n"
	    "Lý do / reason: %s\n"
	    "Bắt đầu / started: %s\n"
	    "Kết thúc / ended: %s (%s)\n"
	    "Bản ghi / recording: %" PRIu32 ".cast, %" PRIu64 " bytes, %"
	    PRIu64 " parts, sha256 %s\n"
	    "Công việc đã làm / work done:\n%s\n"
	    "Tường trình của kỹ thuật viên / the technician's account:\n%s\n"
	    "Ký xác nhận / signed off by: %s, %s\n", ri->id, ri->sup,
	    ri->tech, ri->reason, t0, t1, ri->end, ri->id, ri->size,
	    ri->parts, ri->sha, work, account, signer, t2);
	return n < 0 || (size_t)n >= outlen ? MK_ERR_TOO_LARGE : 0;
}

struct signoff {
	uint64_t	seq;
	char		user[ACCOUNT_NAME_MAX + 1];
	char		work[TEXT_MAX + 1];
	char		account[TEXT_MAX + 1];
	char		minutes[3 * TEXT_MAX + 2048];
};

static int
signoff_check(struct session *s, const struct mkmsg *m, struct signoff *so,
    struct rinfo *ri, char *why, size_t whylen)
{
	int r;

	if (mkmsg_u64(m, F_SEQ, &so->seq) != 0 || so->seq > UINT32_MAX ||
	    mkmsg_str(m, F_USER, so->user, sizeof(so->user)) != 0 ||
	    mkmsg_str(m, F_WORK, so->work, sizeof(so->work)) != 0 ||
	    mkmsg_str(m, F_TECH_ACCOUNT, so->account,
	    sizeof(so->account)) != 0 || !text_ok(so->work) ||
	    !text_ok(so->account)) {
		snprintf(why, whylen, "the minutes need the session, what was "
		    "done and the technician's account (text, at most %d "
		    "bytes each)", TEXT_MAX);
		return MK_ERR_USAGE;
	}
	if ((r = info_load(s->d, (uint32_t)so->seq, ri)) != 0) {
		snprintf(why, whylen, "no such repair session");
		return MK_ERR_NOT_FOUND;
	}
	if (ri->end[0] == '\0') {
		snprintf(why, whylen, "the session has not ended");
		return MK_ERR_ORDER;
	}
	if (ri->signed_by[0] != '\0') {
		snprintf(why, whylen, "the minutes were signed by %s already",
		    ri->signed_by);
		return MK_ERR_EXISTS;
	}
	if (strcmp(so->user, ri->sup) != 0) {
		snprintf(why, whylen, "the minutes are signed by the supervisor "
		    "who unlocked the session, %s", ri->sup);
		return MK_ERR_DENIED;
	}
	return check_person(s, m, F_USER, F_PASSWORD, ACT_APPROVE, MAY_YES,
	    why, whylen);
}

int
h_repair_signoff(struct session *s, const struct mkmsg *m)
{
	char why[320], id[16], path[STATEDIR_PATH_MAX + 64];
	char hex[2 * REPAIR_HASH_LEN + 1];
	uint8_t h[REPAIR_HASH_LEN];
	struct signoff *so;
	struct rinfo ri;
	int64_t now = daemon_now();
	int r;

	if ((so = calloc(1, sizeof(*so))) == NULL)
		return reply_err(s, MK_ERR_ALLOC, NULL);
	if ((r = signoff_check(s, m, so, &ri, why, sizeof(why))) != 0 ||
	    (r = minutes_text(&ri, so->user, now, so->work, so->account,
	    so->minutes, sizeof(so->minutes))) != 0) {
		r = reply_err(s, r, r == MK_ERR_TOO_LARGE ? NULL : why);
		goto out;
	}
	cry_sha256(so->minutes, strlen(so->minutes), h);
	mk_hex(h, sizeof(h), hex);
	snprintf(id, sizeof(id), "%" PRIu32, ri.id);
	struct logkv kv[4] = { { "work", so->work },
	    { "technician-account", so->account },
	    { "recording-sha256", ri.sha }, { "minutes-sha256", hex } };
	/* The log holds the minutes' texts: the file is a copy. */
	if ((r = daemon_log(s->d, LOG_SEV_INFO, so->user, "supervisor",
	    "repair.signoff", id, 4, kv)) != 0) {
		r = reply_err(s, MK_ERR_LOG, NULL);
		goto out;
	}
	snprintf(ri.signed_by, sizeof(ri.signed_by), "%s", so->user);
	ri.signed_at = now;
	snprintf(ri.minutes_sha, sizeof(ri.minutes_sha), "%s", hex);
	if ((r = rpath(s->d, ri.id, "minutes", path, sizeof(path))) != 0 ||
	    (r = mkfs_atomic_write(path, so->minutes, strlen(so->minutes),
	    0600)) != 0 || (r = info_save(s->d, &ri)) != 0) {
		r = reply_err(s, r, "signed and logged, but the minutes file "
		    "could not be written");
		goto out;
	}
	if ((r = mkmsg_start(s->out, MSG_OK)) == 0 &&
	    (r = mkmsg_add_str(s->out, F_VALUE, so->minutes)) == 0)
		r = mkproto_send(s->fd, s->out);
 out:
	free(so);
	return r;
}

/* ---- reading: list, show (with the recording checked against the log),
 * play ---- */

static int
may_read(struct session *s)
{
	return s->authed && policy_may(s->acct.roles, ACT_LOG_READ) == MAY_YES;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The sessions recorded, in order (at most max). */
static size_t
list_ids(const struct daemon *d, uint32_t *ids, size_t max)
{
	char dir[STATEDIR_PATH_MAX + 64], *end;
	struct dirent *de;
	unsigned long v;
	size_t n = 0;
	DIR *dp;

	if (rpath(d, 0, NULL, dir, sizeof(dir)) != 0 ||
	    (dp = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(dp)) != NULL && n < max) {
		v = strtoul(de->d_name, &end, 10);
		if (end != de->d_name && strcmp(end, ".info") == 0 &&
		    v > 0 && v <= UINT32_MAX)
			ids[n++] = (uint32_t)v;
	}
	closedir(dp);
	qsort(ids, n, sizeof(*ids), cmp_u32);
	return n;
}

static const char *
state_of(const struct rinfo *ri, char *buf, size_t len)
{
	pthread_mutex_lock(&live_lock);
	if (live.active && live.id == ri->id)
		snprintf(buf, len, "running");
	else if (ri->end[0] == '\0')
		snprintf(buf, len, "interrupted");
	else
		snprintf(buf, len, "%s%s", ri->end, ri->signed_by[0] ?
		    ",signed" : "");
	pthread_mutex_unlock(&live_lock);
	return buf;
}

static int
send_info(struct session *s, const struct rinfo *ri)
{
	char state[48];
	int r;

	if ((r = mkmsg_start(s->out, MSG_ENTRY)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_SEQ, ri->id)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_STATE, state_of(ri, state,
	    sizeof(state)))) != 0 ||
	    (r = mkmsg_add_str(s->out, F_SUPERVISOR, ri->sup)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_TECH, ri->tech)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_CREATED, (uint64_t)ri->started)) ||
	    (r = mkmsg_add_str(s->out, F_REPAIR_REASON, ri->reason)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_SIZE, ri->size)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}

int
h_repair_list(struct session *s, const struct mkmsg *m)
{
	uint32_t *ids;
	struct rinfo ri;
	size_t n, i;
	int r = 0;

	(void)m;
	if (!may_read(s))
		return reply_err(s, MK_ERR_DENIED, "supervisors, IT officers "
		    "and inspectors see repair sessions");
	if ((ids = calloc(4096, sizeof(*ids))) == NULL)
		return reply_err(s, MK_ERR_ALLOC, NULL);
	n = list_ids(s->d, ids, 4096);
	for (i = 0; i < n && r == 0; i++)
		if (info_load(s->d, ids[i], &ri) == 0)
			r = send_info(s, &ri);
	free(ids);
	return r != 0 ? r : reply_ok(s);
}

/* The parts the log holds for a session. */
struct gather {
	char			 id[16];
	struct repair_part	*v;
	size_t			 n, cap;
	int			 err;
};

static int
field_u64(const struct logrec *rec, const char *key, uint64_t *v)
{
	const struct logstr *f = logrec_field(rec, key);
	char buf[24], *end;

	if (f == NULL || f->len == 0 || f->len >= sizeof(buf))
		return MK_ERR_FORMAT;
	memcpy(buf, f->p, f->len);
	buf[f->len] = '\0';
	*v = strtoull(buf, &end, 10);
	return *end == '\0' ? 0 : MK_ERR_FORMAT;
}

static int
field_hash(const struct logrec *rec, const char *key, uint8_t *out)
{
	const struct logstr *f = logrec_field(rec, key);
	char buf[2 * REPAIR_HASH_LEN + 1];

	if (f == NULL || f->len != 2 * REPAIR_HASH_LEN)
		return MK_ERR_FORMAT;
	memcpy(buf, f->p, f->len);
	buf[f->len] = '\0';
	return mk_unhex(buf, out, REPAIR_HASH_LEN);
}

static int
gather_cb(const struct logidx_item *it, void *arg)
{
	struct gather *g = arg;
	struct repair_part *nv, pt;

	if (it->kind != LOGIDX_RECORD || !logstr_eq(&it->rec->object, g->id))
		return 0;
	if (field_u64(it->rec, "seq", &pt.seq) != 0 ||
	    field_u64(it->rec, "offset", &pt.offset) != 0 ||
	    field_u64(it->rec, "length", &pt.len) != 0 ||
	    field_hash(it->rec, "hash", pt.hash) != 0 ||
	    field_hash(it->rec, "prev", pt.prev) != 0)
		return 0;	/* not one of ours: verification will miss it */
	if (g->n == g->cap) {
		if (g->cap >= REPAIR_PARTS_MAX) {
			g->err = MK_ERR_TOO_LARGE;
			return g->err;
		}
		g->cap = g->cap ? 2 * g->cap : 64;
		if ((nv = realloc(g->v, g->cap * sizeof(*nv))) == NULL) {
			g->err = MK_ERR_ALLOC;
			return g->err;
		}
		g->v = nv;
	}
	g->v[g->n++] = pt;
	return 0;
}

static int
gather_parts(struct daemon *d, uint32_t id, struct gather *g)
{
	struct logidx_query q;
	struct logidx_page pg;
	uint64_t head = 0;
	int r = 0;

	memset(g, 0, sizeof(*g));
	snprintf(g->id, sizeof(g->id), "%" PRIu32, id);
	pthread_mutex_lock(&d->lock);
	if (!d->provisioned || d->log == NULL)
		r = MK_ERR_NOT_PROVISIONED;
	else if (d->logidx == NULL)
		r = logidx_new(d->sd.log, &d->logidx);
	if (r == 0)
		auditlog_head(d->log, &head, NULL);
	pthread_mutex_unlock(&d->lock);
	memset(&q, 0, sizeof(q));
	q.newer = 1;
	q.limit = LOGIDX_LIMIT_MAX;
	q.event = "repair.part";
	q.min_severity = LOG_SEV_INFO;
	q.from_us = INT64_MIN;
	q.to_us = INT64_MAX;
	while (r == 0) {
		r = logidx_query(d->logidx, head, &q, gather_cb, g, &pg);
		if (r != 0 || !pg.more)
			break;
		q.cursor = pg.next;
	}
	return g->err != 0 ? g->err : r;
}

/* Checks session id's recording against the log; fn gets its bytes. */
static int
verify(struct session *s, uint32_t id, repair_part_fn fn, void *arg,
    size_t *nparts, char *why, size_t whylen)
{
	char path[STATEDIR_PATH_MAX + 64];
	struct gather g;
	int fd = -1, r;

	*nparts = 0;
	if ((r = gather_parts(s->d, id, &g)) != 0) {
		snprintf(why, whylen, "the log cannot be read: %s",
		    mkerr_str(r));
		goto out;
	}
	if ((r = rpath(s->d, id, "cast", path, sizeof(path))) != 0 ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(why, whylen, "the recording is missing");
		r = MK_ERR_RECORDING;
		goto out;
	}
	*nparts = g.n;
	r = repair_verify(fd, id, g.v, g.n, fn, arg, why, whylen);
 out:
	if (fd >= 0)
		close(fd);
	free(g.v);
	return r;
}

static int
read_seq(struct session *s, const struct mkmsg *m, struct rinfo *ri)
{
	uint64_t seq;

	if (mkmsg_u64(m, F_SEQ, &seq) != 0 || seq == 0 || seq > UINT32_MAX)
		return MK_ERR_USAGE;
	return info_load(s->d, (uint32_t)seq, ri) == 0 ? 0 : MK_ERR_NOT_FOUND;
}

static int
viewed(struct session *s, const struct rinfo *ri, const char *how)
{
	char id[16];
	struct logkv kv[1] = { { "how", how } };

	snprintf(id, sizeof(id), "%" PRIu32, ri->id);
	return session_log(s, LOG_SEV_INFO, "repair.view", id, 1, kv);
}

static int
show_entries(struct session *s, const struct rinfo *ri, const char *check)
{
	char t[40], t2[40], buf[96], state[48];
	int r;

	policy_format_time(ri->started, t, sizeof(t));
	policy_format_time(ri->ended, t2, sizeof(t2));
	snprintf(buf, sizeof(buf), "%" PRIu64 " bytes, %" PRIu64 " parts",
	    ri->size, ri->parts);
	if ((r = add_entry(s, "state", state_of(ri, state,
	    sizeof(state)))) != 0 ||
	    (r = add_entry(s, "supervisor", ri->sup)) != 0 ||
	    (r = add_entry(s, "technician", ri->tech)) != 0 ||
	    (r = add_entry(s, "reason", ri->reason)) != 0 ||
	    (r = add_entry(s, "started", t)) != 0 ||
	    (r = add_entry(s, "ended", ri->end[0] ? t2 : "-")) != 0 ||
	    (r = add_entry(s, "recording", ri->end[0] ? buf : "-")) != 0 ||
	    (r = add_entry(s, "sha256", ri->sha[0] ? ri->sha : "-")) != 0 ||
	    (r = add_entry(s, "verified", check)) != 0 ||
	    (r = add_entry(s, "signed-by", ri->signed_by[0] ? ri->signed_by :
	    "-")) != 0)
		return r;
	return 0;
}

int
h_repair_show(struct session *s, const struct mkmsg *m)
{
	char why[320], check[400], path[STATEDIR_PATH_MAX + 64];
	struct mkbuf *minutes = NULL;
	struct rinfo ri;
	size_t n;
	int r;

	if (!may_read(s))
		return reply_err(s, MK_ERR_DENIED, "supervisors, IT officers "
		    "and inspectors see repair sessions");
	if ((r = read_seq(s, m, &ri)) != 0)
		return reply_err(s, r, "no such repair session");
	if (viewed(s, &ri, "show") != 0)
		return reply_err(s, MK_ERR_LOG, NULL);
	if ((r = verify(s, ri.id, NULL, NULL, &n, why, sizeof(why))) == 0)
		snprintf(check, sizeof(check), "ok: %zu parts match the log",
		    n);
	else
		snprintf(check, sizeof(check), "FAILED: %s", why);
	if ((r = show_entries(s, &ri, check)) != 0)
		return r;
	if (ri.signed_by[0] != '\0' && rpath(s->d, ri.id, "minutes", path,
	    sizeof(path)) == 0 && mkfs_read_file(path, 3 * TEXT_MAX + 2048,
	    &minutes) == 0 && mkbuf_put_u8(minutes, 0) == 0)
		r = add_entry(s, "minutes", (const char *)mkbuf_ptr(minutes));
	mkbuf_free(minutes);
	return r != 0 ? r : reply_ok(s);
}

/* Play: the recording goes out part by part as each checks out. */
struct player {
	struct session	*s;
};

static int
play_part(const uint8_t *p, size_t len, void *arg)
{
	struct player *pl = arg;
	size_t off, k;
	int r;

	for (off = 0; off < len; off += k) {
		k = len - off > PROTO_DATA_MAX ? PROTO_DATA_MAX : len - off;
		if ((r = mkmsg_start(pl->s->out, MSG_DATA)) != 0 ||
		    (r = mkmsg_add(pl->s->out, F_DATA, p + off, k)) != 0 ||
		    (r = mkproto_send(pl->s->fd, pl->s->out)) != 0)
			return r;
	}
	return 0;
}

int
h_repair_play(struct session *s, const struct mkmsg *m)
{
	struct player pl = { s };
	char why[320];
	struct rinfo ri;
	size_t n;
	int r;

	if (!may_read(s))
		return reply_err(s, MK_ERR_DENIED, "supervisors, IT officers "
		    "and inspectors replay repair sessions");
	if ((r = read_seq(s, m, &ri)) != 0)
		return reply_err(s, r, "no such repair session");
	/* Checked whole before a byte is shown, then again as it goes. */
	if ((r = verify(s, ri.id, NULL, NULL, &n, why, sizeof(why))) != 0)
		return reply_err(s, r, why);
	if (viewed(s, &ri, "play") != 0)
		return reply_err(s, MK_ERR_LOG, NULL);
	r = verify(s, ri.id, play_part, &pl, &n, why, sizeof(why));
	if (r == MK_ERR_RECORDING)
		return reply_err(s, r, why);
	return r != 0 ? r : reply_ok(s);
}
