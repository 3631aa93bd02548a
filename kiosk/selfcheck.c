/*
 * The appraisal self-check (R15, Articles 4.3 and 18.9;
 * docs/architecture.md, "Self-check"): the machine checked item by item
 * against R1-R14 from what the kernel and the daemon say now, printed as a
 * pass/fail table, logged (selfcheck, with the failed items) and kept in
 * STATE/selfcheck for the next inspection export. Items that depend on the
 * packaging (kernel command line, sysctl) are read from /proc and fail
 * when not set: nothing is assumed.
 */
#include <glob.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/proto.h"
#include "common/text.h"
#include "daemon.h"
#include "handlers.h"
#include "policy.h"
#include "report.h"
#include "vault.h"

#define ITEMS_MAX	40
#define DETAIL_MAX	300

struct item {
	char	id[48];
	int	pass;
	char	detail[DETAIL_MAX];
};

struct check {
	struct session	*s;
	struct item	 v[ITEMS_MAX];
	size_t		 n;
};

static void
add(struct check *c, const char *id, int pass, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
add(struct check *c, const char *id, int pass, const char *fmt, ...)
{
	va_list ap;

	if (c->n == ITEMS_MAX)
		return;
	snprintf(c->v[c->n].id, sizeof(c->v[0].id), "%s", id);
	c->v[c->n].pass = pass;
	va_start(ap, fmt);
	vsnprintf(c->v[c->n].detail, DETAIL_MAX, fmt, ap);
	va_end(ap);
	c->n++;
}

/* The first line of a small /proc or /sys file, without its newline. */
static int
read_line(const char *path, char *out, size_t len)
{
	struct mkbuf *b = NULL;
	size_t n;

	out[0] = '\0';
	if (mkfs_read_file(path, 65536, &b) != 0)
		return -1;
	n = mkbuf_len(b) < len - 1 ? mkbuf_len(b) : len - 1;
	memcpy(out, mkbuf_ptr(b), n);
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	mkbuf_free(b);
	return 0;
}

static void
check_airgap(struct check *c)
{
	struct daemon *d = c->s->d;
	char reason[256];
	int v, lock;

	pthread_mutex_lock(&d->lock);
	v = d->net.violation;
	snprintf(reason, sizeof(reason), "%s", d->net.reason);
	lock = d->lockdown;
	pthread_mutex_unlock(&d->lock);
	add(c, "R1 air-gap", !v, "%s", v ? reason : "no non-loopback link up, "
	    "no address, no unblocked radio (last scan)");
	add(c, "R1 not-in-lockdown", !lock, "%s", lock ? "the machine is in "
	    "lockdown" : "the machine is not in lockdown");
}

static void
check_usb(struct check *c)
{
	struct daemon *d = c->s->d;
	char fail[256], v[16];
	glob_t g;
	size_t i, bad = 0;
	int running;

	pthread_mutex_lock(&d->lock);
	running = d->usb != NULL;
	snprintf(fail, sizeof(fail), "%s", d->usb_fail);
	pthread_mutex_unlock(&d->lock);
	add(c, "R2 usb-guard", running && fail[0] == '\0', "%s", fail[0] ?
	    fail : running ? "running: default deny, rules loaded" :
	    "not running");
	memset(&g, 0, sizeof(g));
	if (glob("/sys/bus/usb/devices/usb*/authorized_default", 0, NULL,
	    &g) != 0)
		g.gl_pathc = 0;
	for (i = 0; i < g.gl_pathc; i++)
		if (read_line(g.gl_pathv[i], v, sizeof(v)) != 0 ||
		    strcmp(v, "0") != 0)
			bad++;
	add(c, "R2 authorized_default", bad == 0, "%zu root hub(s), %zu with "
	    "authorized_default not 0%s", g.gl_pathc, bad, g.gl_pathc == 0 ?
	    " (no USB controller seen)" : "");
	globfree(&g);
}

/* The packaging's kernel settings (deploy/, issue 11), as /proc has them. */
static void
check_kernel(struct check *c)
{
	static const struct { const char *path, *want; } sys[] = {
		{ "/proc/sys/kernel/sysrq", "0" },
		{ "/proc/sys/kernel/kptr_restrict", "2" },
		{ "/proc/sys/kernel/dmesg_restrict", "1" },
		{ "/proc/sys/fs/suid_dumpable", "0" },
		{ "/proc/sys/kernel/unprivileged_bpf_disabled", "2" },
		{ "/proc/sys/net/ipv4/ip_forward", "0" },
	};
	char cmd[4096], v[64], id[48];
	size_t i;
	int ok;

	(void)read_line("/proc/cmdline", cmd, sizeof(cmd));
	ok = strstr(cmd, "usbcore.authorized_default=0") != NULL;
	add(c, "R2 kernel-cmdline", ok, "usbcore.authorized_default=0 %s",
	    ok ? "is set" : "is not on the kernel command line");
	for (i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
		snprintf(id, sizeof(id), "R14 sysctl %s", sys[i].path + 10);
		if (read_line(sys[i].path, v, sizeof(v)) != 0)
			snprintf(v, sizeof(v), "unreadable");
		ok = strcmp(v, sys[i].want) == 0 ||
		    (strcmp(sys[i].want, "2") == 0 && strcmp(v, "1") == 0 &&
		    strstr(sys[i].path, "bpf") != NULL);
		add(c, id, ok, "is %s, wants %s", v, sys[i].want);
	}
	ok = prctl(PR_GET_DUMPABLE) == 0;
	add(c, "R3 daemon-not-dumpable", ok, "PR_GET_DUMPABLE is %s", ok ?
	    "0" : "not 0");
}

static int
never_cancel(void *arg)
{
	(void)arg;
	return 0;
}

/* With the session's key every document is authenticated in full; without
 * one, each header is read (key block, epoch). */
static void
check_vault(struct check *c)
{
	struct session *s = c->s;
	struct vault_reader *rd;
	struct vault_doc doc;
	const uint8_t *mk;
	char **ids = NULL, first[80] = "";
	size_t n = 0, i, bad = 0;
	uint32_t epoch;
	int r, keyed = 0;

	if (vault_ids(s->d->vault, &ids, &n) != 0) {
		add(c, "R3 vault", 0, "cannot list the vault");
		return;
	}
	for (i = 0; i < n; i++) {
		if ((mk = session_key_get(s)) != NULL) {
			keyed = 1;
			r = vault_read_open(s->d->vault, mk, ids[i], &doc, &rd);
			session_key_put(s);
			if (r == 0) {
				r = vault_read_verify(rd, never_cancel, NULL);
				vault_read_close(rd);
			}
			mk_wipe(&doc, sizeof(doc));
		} else
			r = vault_key_epoch(s->d->vault, ids[i], &epoch);
		if (r != 0 && bad++ == 0)
			snprintf(first, sizeof(first), "%.32s: %s", ids[i],
			    mkerr_str(r));
	}
	vault_ids_free(ids, n);
	add(c, "R3 vault", bad == 0, "%zu document(s), %zu failing%s%s; %s", n,
	    bad, bad ? ", first " : "", first, keyed ? "each decrypted and "
	    "authenticated (AES-256-GCM)" : "headers only: this session holds "
	    "no vault key");
}

static void
check_log(struct check *c)
{
	struct report_counts rc;
	uint64_t head = UINT64_MAX;
	int r;

	r = report_collect(c->s->d, INT64_MIN, INT64_MAX, &rc, -1, &head);
	add(c, "R7 log", r == 0 && rc.damaged == 0, "%" PRIu64 " records to "
	    "seq %" PRIu64 ", %" PRIu64 " unreadable%s; the MAC chain needs K_0:"
	    " matverify checks it", rc.records, head, rc.damaged, r ? ", could "
	    "not read the log" : "");
}

static void
check_policy(struct check *c)
{
	const struct mkconf *k = &c->s->d->conf;

	add(c, "R6 password", k->password_min_length >= 8 &&
	    k->password_max_age_days <= 365, "at least %u characters with "
	    "lower, upper, digit, special (Article 8.9); expiry %u days",
	    k->password_min_length, k->password_max_age_days);
	add(c, "R6 lockout", k->max_failed_logins >= 1 &&
	    k->max_failed_logins <= 10, "locked %u minutes after %u failed "
	    "logins", k->lockout_minutes, k->max_failed_logins);
	add(c, "R6 idle-lock", k->idle_lock_minutes >= 1 &&
	    k->idle_lock_minutes <= 10, "screen locks after %u minutes idle "
	    "(at most 10, Article 8.7)", k->idle_lock_minutes);
}

/* Only local (USB) printers: CUPS's queues, where it is installed. */
static void
check_printers(struct check *c)
{
	struct mkbuf *b = NULL;
	char bad[160] = "", *line, *save = NULL, *text;
	size_t nq = 0, nbad = 0;

	if (mkfs_read_file("/etc/cups/printers.conf", 1u << 20, &b) != 0) {
		add(c, "R4 local-printers", 1, "no printer queue configured");
		return;
	}
	if ((text = calloc(1, mkbuf_len(b) + 1)) == NULL) {
		mkbuf_free(b);
		add(c, "R4 local-printers", 0, "out of memory");
		return;
	}
	memcpy(text, mkbuf_ptr(b), mkbuf_len(b));
	mkbuf_free(b);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "DeviceURI ", 10) != 0)
			continue;
		nq++;
		if (strncmp(line + 10, "usb:", 4) != 0 && nbad++ == 0)
			(void)mktext_escape(line + 10, strcspn(line + 10, ":"),
			    bad, sizeof(bad));
	}
	free(text);
	add(c, "R4 local-printers", nbad == 0, "%zu queue(s), %zu not USB%s%s",
	    nq, nbad, nbad ? ", first by " : "", bad);
}

/* Listening sockets of this network namespace besides the daemon's. */
static size_t
count_inet(const char *path, int udp)
{
	char line[512];
	size_t n = 0;
	unsigned st;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL)
		return 0;
	/* The first line is the column titles. */
	while (fgets(line, sizeof(line), f) != NULL)
		if (line[0] != ' ' || strstr(line, "local_address") != NULL)
			continue;
		else if (sscanf(line, "%*s %*s %*s %x", &st) == 1 &&
		    (udp || st == 0x0a))
			n++;
	fclose(f);
	return n;
}

static void
check_sockets(struct check *c)
{
	char line[1024], path[512], other[160] = "";
	unsigned long flags;
	size_t inet, unx = 0;
	FILE *f;

	inet = count_inet("/proc/net/tcp", 0) + count_inet("/proc/net/tcp6",
	    0) + count_inet("/proc/net/udp", 1) + count_inet("/proc/net/udp6",
	    1);
	if ((f = fopen("/proc/net/unix", "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			path[0] = '\0';
			if (strncmp(line, "Num", 3) == 0)
				continue;
			if (sscanf(line, "%*s %*s %*s %lx %*s %*s %*s %511s",
			    &flags, path) < 1 || !(flags & 0x10000))
				continue;
			if (strcmp(path, c->s->d->conf.socket) == 0)
				continue;
			if (unx++ == 0)
				(void)mktext_escape(path, strlen(path), other,
				    sizeof(other));
		}
		fclose(f);
	}
	add(c, "R14 listening-sockets", inet == 0 && unx == 0, "%zu TCP/UDP, "
	    "%zu other Unix socket(s) listening%s%s", inet, unx,
	    unx ? ", first " : "", other);
}

static void
check_backup(struct check *c)
{
	char st[300];

	backup_status(c->s->d, st, sizeof(st));
	add(c, "R9 backup", strstr(st, "OVERDUE") == NULL, "%s", st);
}

static int
save_and_log(struct check *c, size_t passed)
{
	struct session *s = c->s;
	char path[STATEDIR_PATH_MAX + 32], failed[600] = "", p[16], t[16];
	char text[ITEMS_MAX * (DETAIL_MAX + 64)], when[40];
	size_t i, o = 0, fo = 0;

	policy_format_time(daemon_now(), when, sizeof(when));
	o += (size_t)snprintf(text, sizeof(text), "self-check %s by %s: %zu of "
	    "%zu pass\n", when, s->acct.name, passed, c->n);
	for (i = 0; i < c->n && o < sizeof(text); i++) {
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%-4s %-34s "
		    "%s\n", c->v[i].pass ? "PASS" : "FAIL", c->v[i].id,
		    c->v[i].detail);
		if (!c->v[i].pass && fo < sizeof(failed))
			fo += (size_t)snprintf(failed + fo, sizeof(failed) - fo,
			    "%s%s", fo ? "," : "", c->v[i].id);
	}
	snprintf(p, sizeof(p), "%zu", passed);
	snprintf(t, sizeof(t), "%zu", c->n);
	{
		struct logkv kv[3] = { { "passed", p }, { "total", t },
		    { "failed", failed[0] ? failed : "-" } };

		if (session_log(s, passed == c->n ? LOG_SEV_INFO :
		    LOG_SEV_THAP, "selfcheck", "", 3, kv) != 0)
			return MK_ERR_LOG;
	}
	if (o >= sizeof(text))
		o = sizeof(text) - 1;
	if (mkfs_path(path, sizeof(path), "%s/selfcheck", s->d->sd.root) == 0)
		(void)mkfs_atomic_write(path, text, o, 0600);
	return 0;
}

int
h_selfcheck(struct session *s, const struct mkmsg *m)
{
	static __thread struct check c;
	size_t i, passed = 0;
	int r;

	(void)m;
	if (!s->authed || policy_may(s->acct.roles, ACT_LOG_READ) != MAY_YES)
		return reply_err(s, MK_ERR_DENIED, "the self-check is for a "
		    "supervisor, an IT officer or an inspector");
	if (!s->d->provisioned)
		return reply_err(s, MK_ERR_NOT_PROVISIONED, NULL);
	memset(&c, 0, sizeof(c));
	c.s = s;
	check_airgap(&c);
	check_usb(&c);
	check_kernel(&c);
	check_vault(&c);
	check_log(&c);
	check_policy(&c);
	check_printers(&c);
	check_sockets(&c);
	check_backup(&c);
	for (i = 0; i < c.n; i++)
		passed += (size_t)c.v[i].pass;
	if ((r = save_and_log(&c, passed)) != 0)
		return reply_err(s, r, "the self-check could not be logged");
	for (i = 0; i < c.n; i++) {
		if ((r = mkmsg_start(s->out, MSG_ENTRY)) != 0 ||
		    (r = mkmsg_add_str(s->out, F_KEY, c.v[i].id)) != 0 ||
		    (r = mkmsg_add_str(s->out, F_STATE, c.v[i].pass ? "pass" :
		    "fail")) != 0 ||
		    (r = mkmsg_add_str(s->out, F_VALUE, c.v[i].detail)) != 0 ||
		    (r = mkproto_send(s->fd, s->out)) != 0)
			return r;
	}
	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_COUNT, passed)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_TOTAL, c.n)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}
