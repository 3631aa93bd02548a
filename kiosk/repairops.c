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
 * One repair at a time: its state is the static `live` below. Ending one
 * from another connection, the minutes, listing and replay are in
 * kiosk/repairview.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdatomic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
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

uint32_t
repair_live_id(void)
{
	uint32_t id;

	pthread_mutex_lock(&live_lock);
	id = live.active ? live.id : 0;
	pthread_mutex_unlock(&live_lock);
	return id;
}

int
repair_end_request(uint32_t id, const char *by)
{
	int r = MK_ERR_NOT_FOUND;

	pthread_mutex_lock(&live_lock);
	if (live.active && live.id == id) {
		live.end_req = 1;
		snprintf(live.end_by, sizeof(live.end_by), "%s", by);
		r = 0;
	}
	pthread_mutex_unlock(&live_lock);
	return r;
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
	if (repair_file(d->sd.root, 0, NULL, dir, sizeof(dir)) == 0 &&
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

/* ---- starting: two people, the vault sealed ---- */

struct start {
	char	sup[ACCOUNT_NAME_MAX + 1];
	char	tech[ACCOUNT_NAME_MAX + 1];
	char	reason[REPAIR_REASON_MAX + 1];
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

int
repair_check_person(struct session *s, const struct mkmsg *m, uint8_t utag,
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
	struct repair_info	 ri;
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

/* A line on the session's terminal from between fork and exec. */
static void
child_say(const char *msg)
{
	ssize_t n = write(STDERR_FILENO, msg, strlen(msg));

	(void)n;
}

/*
 * The shell is the first process of a PID namespace of its own, with its
 * own /proc and its own mount table (mounts from outside still show
 * inside; the technician's do not leak out): when it ends, the kernel
 * kills whatever else runs in the namespace, so nothing the technician
 * started goes on after the session, even a process that left the
 * terminal's session (setsid, nohup, daemonising). ps inside shows the
 * session's processes only; the machine's services are reached through
 * systemctl as usual.
 *
 * The forked child stays outside as the shell's parent: it ignores the
 * terminal's signals, waits for the shell and exits with its status; if
 * the daemon kills it, the shell gets SIGKILL (PR_SET_PDEATHSIG) and the
 * namespace goes with it.
 *
 * The shell reads no startup file: its environment is exactly this one,
 * and nothing from the machine's home directories runs before the
 * recorded prompt. Only async-signal-safe calls between fork and exec.
 */
static void __attribute__((noreturn))
shell(char *const envp[])
{
	char *const argv[] = { "bash", "--noprofile", "--norc", "-i", NULL };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    NULL) != 0) {
		child_say("matkiosk: cannot give the repair shell its own "
		    "/proc\r\n");
		_exit(125);
	}
	if (chdir("/root") != 0 && chdir("/") != 0)
		_exit(126);
	execve(REPAIR_SHELL, argv, envp);
	_exit(127);
}

static void __attribute__((noreturn))
child(char *const envp[])
{
	static const int ignored[] = { SIGHUP, SIGINT, SIGQUIT, SIGTSTP,
	    SIGTTIN, SIGTTOU, SIGTERM, SIGPIPE };
	sigset_t none;
	pid_t pid;
	size_t i;
	int sig, st;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	close_range(3, ~0u, 0);
	if (unshare(CLONE_NEWPID | CLONE_NEWNS) != 0) {
		child_say("matkiosk: cannot give the repair shell a process "
		    "namespace\r\n");
		_exit(125);
	}
	if ((pid = fork()) < 0)
		_exit(125);
	if (pid == 0)
		shell(envp);
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			_exit(125);
	if (WIFSIGNALED(st)) {
		signal(WTERMSIG(st), SIG_DFL);
		kill(getpid(), WTERMSIG(st));
	}
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 125);
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
		if (rn->d->stopping)
			set_end(rn, "daemon-stopping", "the daemon is stopping");
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
	if ((r = repair_info_save(rn->d->sd.root, &rn->ri)) != 0)
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

	if ((r = repair_file(rn->d->sd.root, 0, NULL, dir, sizeof(dir))) != 0 ||
	    (mkdir(dir, 0700) != 0 && errno != EEXIST) ||
	    (r = repair_file(rn->d->sd.root, rn->ri.id, "cast", path, sizeof(path))) != 0)
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
	    (r = repair_info_save(s->d->sd.root, &rn->ri)) != 0)
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
	if ((r = repair_check_person(s, m, F_USER, F_PASSWORD, ACT_APPROVE, MAY_YES,
	    w, sizeof(w))) != 0 || (r = repair_check_person(s, m, F_TECH,
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

