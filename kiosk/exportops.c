/*
 * The inspection export (R12, Articles 17.5 and 19; docs/architecture.md,
 * "Inspection export"; format in docs/formats.md). An inspector, with a
 * supervisor's approval, has the daemon write one ustar archive
 * (libarchive) to a path: every member is gathered by its own small
 * function below, hashed as it is written, and listed in MANIFEST, which is
 * signed with the device key (MANIFEST.sig) and written last. Kinds of
 * record the machine has none of (no repair yet, no copy register yet) are
 * listed as "none", never faked. matverify checks it offline.
 *
 * export.begin is logged before anything is read (so the export holds the
 * record of its own making); export or export.failed after. The archive is
 * written to PATH.part and renamed when complete and synced: a failed
 * export leaves no file that looks whole.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gcrypt.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "accounts.h"
#include "approval.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/proto.h"
#include "common/text.h"
#include "copyreg.h"
#include "crypto/auditlog.h"
#include "crypto/cry.h"
#include "crypto/expman.h"
#include "crypto/sign.h"
#include "daemon.h"
#include "handlers.h"
#include "media.h"
#include "policy.h"
#include "report.h"

#define EXPORT_OBJECT	"inspection"	/* what the approval names */
#define PATH_LEN	1024
#define SMALL_MAX	(8u << 20)
#define CHUNK		(1u << 20)

struct exw {
	struct daemon	*d;
	struct archive	*a;
	struct expman	 man;
	int64_t		 now;
	uint64_t	 bytes;
	char		 why[400];
};

/* ---- writing members ---- */

static int
exw_header(struct exw *w, const char *name, uint64_t size)
{
	struct archive_entry *e;
	int r = 0;

	if ((e = archive_entry_new()) == NULL)
		return MK_ERR_ALLOC;
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0444);
	archive_entry_set_mtime(e, (time_t)w->now, 0);
	if (archive_write_header(w->a, e) != ARCHIVE_OK) {
		snprintf(w->why, sizeof(w->why), "%s: %s", name,
		    archive_error_string(w->a));
		r = MK_ERR_IO;
	}
	archive_entry_free(e);
	return r;
}

static int
exw_data(struct exw *w, const char *name, const void *p, size_t n)
{
	if (n > 0 && archive_write_data(w->a, p, n) != (la_ssize_t)n) {
		snprintf(w->why, sizeof(w->why), "%s: %s", name,
		    archive_error_string(w->a));
		return MK_ERR_IO;
	}
	w->bytes += n;
	return 0;
}

static int
exw_mem(struct exw *w, const char *name, const void *p, size_t n)
{
	uint8_t sha[32];
	int r;

	cry_sha256(p, n, sha);
	if ((r = exw_header(w, name, n)) != 0 ||
	    (r = exw_data(w, name, p, n)) != 0)
		return r;
	return expman_add(&w->man, name, sha, n);
}

static int
exw_buf(struct exw *w, const char *name, const struct mkbuf *b)
{
	return exw_mem(w, name, mkbuf_ptr(b), mkbuf_len(b));
}

/* The first len bytes of fd from its start, streamed and hashed. */
static int
exw_fd(struct exw *w, const char *name, int fd, uint64_t len)
{
	gcry_md_hd_t md = NULL;
	uint64_t left = len;
	uint8_t *buf = NULL;
	size_t got;
	int r;

	if (lseek(fd, 0, SEEK_SET) != 0)
		return mkerr_from_errno(errno);
	if ((buf = malloc(CHUNK)) == NULL ||
	    gcry_md_open(&md, GCRY_MD_SHA256, 0) != 0) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	if ((r = exw_header(w, name, left)) != 0)
		goto out;
	while (left > 0 && r == 0) {
		r = mkfs_read_full(fd, buf, left < CHUNK ? (size_t)left : CHUNK,
		    &got);
		if (r == 0 && got == 0)
			r = MK_ERR_TRUNCATED;	/* cut while read */
		if (r == 0) {
			gcry_md_write(md, buf, got);
			r = exw_data(w, name, buf, got);
			left -= got;
		}
	}
	if (r == 0)
		r = expman_add(&w->man, name, gcry_md_read(md, GCRY_MD_SHA256),
		    len);
 out:
	if (r != 0 && w->why[0] == '\0')
		snprintf(w->why, sizeof(w->why), "%s: %s", name, mkerr_str(r));
	gcry_md_close(md);
	free(buf);
	return r;
}

/* The first len bytes of a file whose first len bytes no longer change
 * (a sealed segment, the open one up to the head); len UINT64_MAX: the
 * whole file. */
static int
exw_file(struct exw *w, const char *name, const char *path, uint64_t len)
{
	struct stat st;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return mkerr_from_errno(errno);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		r = MK_ERR_FORMAT;
	else if (len != UINT64_MAX && len > (uint64_t)st.st_size)
		r = MK_ERR_TRUNCATED;
	else
		r = exw_fd(w, name, fd, len == UINT64_MAX ?
		    (uint64_t)st.st_size : len);
	close(fd);
	return r;
}

/* A state file read whole, or "none" for kind when it does not exist. */
static int
exw_state_file(struct exw *w, const char *name, const char *path,
    const char *kind)
{
	struct mkbuf *b = NULL;
	int r;

	if ((r = mkfs_read_file(path, SMALL_MAX, &b)) == MK_ERR_NOT_FOUND)
		return kind != NULL ? expman_add_none(&w->man, kind) : 0;
	if (r != 0) {
		snprintf(w->why, sizeof(w->why), "%s: %s", name, mkerr_str(r));
		return r;
	}
	r = exw_buf(w, name, b);
	mkbuf_free(b);
	return r;
}

/* ---- the members, one kind each ---- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in dir, sorted, that pass keep (NULL: every regular name not
 * starting with '.'); *n of them, freed with free_names. */
static int
list_dir(const char *dir, int (*keep)(const char *), char ***out, size_t *n)
{
	struct dirent *de;
	char **v = NULL, **nv;
	DIR *dp;

	*out = NULL;
	*n = 0;
	if ((dp = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : mkerr_from_errno(errno);
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.' || (keep != NULL && !keep(de->d_name)))
			continue;
		if ((nv = realloc(v, (*n + 1) * sizeof(*v))) == NULL ||
		    (nv[*n] = strdup(de->d_name)) == NULL) {
			free(nv != NULL ? nv : v);
			closedir(dp);
			return MK_ERR_ALLOC;
		}
		v = nv;
		(*n)++;
	}
	closedir(dp);
	if (*n > 0)
		qsort(v, *n, sizeof(*v), cmp_str);
	*out = v;
	return 0;
}

static void
free_names(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
is_segment(const char *name)
{
	uint32_t segno;

	return logrec_segment_name(name, &segno);
}

static int
is_torn(const char *name)
{
	return strncmp(name, "torn-", 5) == 0;
}

/*
 * The log, streamed. Under d->lock, briefly, the head and the open
 * segment's size are taken together: appends happen under that lock, and
 * every byte up to the head is durable and never rewritten (a failed
 * append cuts back only what lies past it), so those bytes are read after
 * the lock is released and the export ends exactly at the head. Sealed
 * segments never change. No guard waits on the disk for an export.
 */
static int
gather_log(struct exw *w)
{
	struct daemon *d = w->d;
	char **names = NULL, name[64], path[PATH_LEN];
	uint64_t last = 0;
	struct stat st;
	size_t n = 0, i;
	int r;

	pthread_mutex_lock(&d->lock);
	r = list_dir(d->sd.log, is_segment, &names, &n);
	if (r == 0 && n > 0 && (r = mkfs_path(path, sizeof(path), "%s/%s",
	    d->sd.log, names[n - 1])) == 0)
		r = stat(path, &st) == 0 ? 0 : mkerr_from_errno(errno);
	if (r == 0 && n > 0) {
		last = (uint64_t)st.st_size;
		auditlog_head(d->log, &w->man.head_seq, w->man.head_mac);
	}
	pthread_mutex_unlock(&d->lock);
	for (i = 0; i < n && r == 0; i++) {
		snprintf(name, sizeof(name), "log/%s", names[i]);
		if ((r = mkfs_path(path, sizeof(path), "%s/%s", d->sd.log,
		    names[i])) == 0)
			r = exw_file(w, name, path, i + 1 == n ? last :
			    UINT64_MAX);
	}
	if (r == 0 && n == 0)
		r = MK_ERR_NOT_FOUND;
	if (r != 0 && w->why[0] == '\0')
		snprintf(w->why, sizeof(w->why), "log: %s", mkerr_str(r));
	free_names(names, n);
	names = NULL;
	/* Torn records cut at recovery are evidence too. */
	if (r == 0 && (r = list_dir(d->sd.log, is_torn, &names, &n)) == 0)
		for (i = 0; i < n && r == 0; i++) {
			snprintf(name, sizeof(name), "log-torn/%.50s", names[i]);
			if ((r = mkfs_path(path, sizeof(path), "%s/%s",
			    d->sd.log, names[i])) == 0)
				r = exw_state_file(w, name, path, NULL);
		}
	free_names(names, n);
	return r;
}

/* Repair recordings, their index and minutes (issue 9): STATE/repair/
 * holds N.cast, N.info and N.minutes; each is exported as repair/NAME.
 * The parts' hashes that prove a recording whole are in the log. */
static int
gather_repair(struct exw *w)
{
	char dir[PATH_LEN], path[PATH_LEN], name[200];
	struct stat st;
	char **files = NULL;
	size_t nf = 0, i;
	int r, added = 0;

	if (mkfs_path(dir, sizeof(dir), "%s/repair", w->d->sd.root) != 0)
		return MK_ERR_TOO_LARGE;
	if ((r = list_dir(dir, NULL, &files, &nf)) != 0)
		return r;
	for (i = 0; i < nf && r == 0; i++) {
		if (snprintf(name, sizeof(name), "repair/%s", files[i]) >=
		    (int)sizeof(name) || !expman_path_ok(name) ||
		    mkfs_path(path, sizeof(path), "%s/%s", dir, files[i]) != 0 ||
		    lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		r = exw_file(w, name, path, UINT64_MAX);
		added++;
	}
	free_names(files, nf);
	return r == 0 && added == 0 ? expman_add_none(&w->man, "repair") : r;
}

/* The copy register (issue 7), as matctl register gives it, from the log
 * up to the exported head: one CSV line per print or copy out, through an
 * unnamed file (a register can be larger than memory should hold). */
static int
put_line(int fd, const char *line)
{
	int r;

	if ((r = mkfs_write_all(fd, line, strlen(line))) != 0)
		return r;
	return mkfs_write_all(fd, "\r\n", 2);
}

static int
gather_copy_register(struct exw *w)
{
	struct copyreg *reg;
	struct stat st;
	char line[2048];
	uint64_t damaged = 0;
	size_t i;
	int fd = -1, r;

	if ((reg = copyreg_new(INT64_MIN, INT64_MAX)) == NULL)
		return MK_ERR_ALLOC;
	if ((r = copyreg_collect(w->d, w->man.head_seq, reg, &damaged)) != 0)
		goto out;
	if (copyreg_count(reg) == 0 && damaged == 0) {
		r = expman_add_none(&w->man, "copy-register");
		goto out;
	}
	if ((fd = open(w->d->sd.root, O_TMPFILE | O_RDWR | O_CLOEXEC,
	    0600)) < 0) {
		r = mkerr_from_errno(errno);
		goto out;
	}
	if ((r = copyreg_csv_header(line, sizeof(line))) == 0)
		r = put_line(fd, line);
	for (i = 0; i < copyreg_count(reg) && r == 0; i++)
		if ((r = copyreg_csv_line(copyreg_row(reg, i), line,
		    sizeof(line))) == 0)
			r = put_line(fd, line);
	if (r == 0 && damaged > 0) {
		snprintf(line, sizeof(line), "# %" PRIu64 " log records could "
		    "not be read", damaged);
		r = put_line(fd, line);
	}
	if (r == 0 && fstat(fd, &st) != 0)
		r = mkerr_from_errno(errno);
	if (r == 0)
		r = exw_fd(w, "registers/copy-register.csv", fd,
		    (uint64_t)st.st_size);
 out:
	if (r != 0 && w->why[0] == '\0')
		snprintf(w->why, sizeof(w->why), "copy register: %s",
		    mkerr_str(r));
	if (fd >= 0)
		close(fd);
	copyreg_free(reg);
	return r;
}

static int
gather_registers(struct exw *w)
{
	int r;

	if ((r = exw_state_file(w, "registers/incidents", w->d->sd.incidents,
	    "incidents")) != 0)
		return r;
	return gather_copy_register(w);
}

static int
gather_usb(struct exw *w, int decisions, uint64_t len)
{
	char path[PATH_LEN];
	int r;

	if (mkfs_path(path, sizeof(path), "%s/usb-registry",
	    w->d->sd.root) != 0)
		return MK_ERR_TOO_LARGE;
	if ((r = exw_state_file(w, "usb/registry", path, "usb-registry")) != 0 ||
	    (r = exw_state_file(w, "usb/rules", w->d->conf.usb_rules,
	    "usb-rules")) != 0)
		return r;
	return exw_fd(w, "usb/decisions.txt", decisions, len);
}

/* Accounts without secrets: no public key, no password history. */
static int
gather_accounts(struct exw *w)
{
	struct daemon *d = w->d;
	const struct account *a;
	struct mkbuf *b;
	char line[1024], roles[128], flags[128], full[4 * 64 + 1];
	size_t i;
	int n, r = 0;

	if ((b = mkbuf_new(SMALL_MAX)) == NULL)
		return MK_ERR_ALLOC;
	n = snprintf(line, sizeof(line), "# name roles flags created "
	    "password-set last-login disabled-at full-name\n");
	r = mkbuf_put(b, line, (size_t)n);
	pthread_mutex_lock(&d->lock);
	for (i = 0; r == 0 && i < accounts_count(d->accounts); i++) {
		a = accounts_at(d->accounts, i);
		accounts_roles_str(a->roles, roles, sizeof(roles));
		accounts_flags_str(a, w->now, flags, sizeof(flags));
		(void)mktext_escape(a->full_name, strlen(a->full_name), full,
		    sizeof(full));
		n = snprintf(line, sizeof(line), "%s %s %s %" PRId64 " %" PRId64
		    " %" PRId64 " %" PRId64 " %s\n", a->name, roles,
		    flags[0] ? flags : "-", a->created, a->pw_set, a->last_login,
		    a->disabled_at, full);
		r = n < 0 || (size_t)n >= sizeof(line) ? MK_ERR_TOO_LARGE :
		    mkbuf_put(b, line, (size_t)n);
	}
	pthread_mutex_unlock(&d->lock);
	if (r == 0)
		r = exw_buf(w, "accounts.txt", b);
	mkbuf_free(b);
	return r;
}

static int
gather_config(struct exw *w)
{
	if (w->d->conf.path[0] == '\0')
		return expman_add_none(&w->man, "config-file");
	return exw_state_file(w, "config/matkiosk.conf", w->d->conf.path,
	    "config-file");
}

static int
hash_file_hex(const char *path, char hex[65])
{
	struct mkbuf *b = NULL;
	uint8_t sha[32];
	int r;

	if ((r = mkfs_read_file(path, 64u << 20, &b)) != 0)
		return r;
	cry_sha256(mkbuf_ptr(b), mkbuf_len(b), sha);
	mkbuf_free(b);
	mk_hex(sha, 32, hex);
	return 0;
}

/* The software's identity: version and the installed binaries' hashes. */
static int
gather_software(struct exw *w)
{
	static const char *const progs[] = { "matkioskd", "matctl",
	    "matverify", "matkiosk" };
	char self[PATH_LEN], dir[PATH_LEN], path[PATH_LEN + 32], hex[65];
	char text[4096];
	size_t i, o;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0)
		return mkerr_from_errno(errno);
	self[n] = '\0';
	snprintf(dir, sizeof(dir), "%s", self);
	o = (size_t)snprintf(text, sizeof(text), "version %s\n",
	    MATKIOSK_VERSION);
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirname(dir), progs[i]);
		snprintf(dir, sizeof(dir), "%s", self);
		if (hash_file_hex(path, hex) != 0)
			snprintf(hex, sizeof(hex), "%s", "not-installed");
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s %s %s\n",
		    progs[i], hex, path);
		if (o >= sizeof(text))
			return MK_ERR_TOO_LARGE;
	}
	return exw_mem(w, "software.txt", text, o);
}

static int
gather_selfcheck(struct exw *w)
{
	char path[PATH_LEN];

	if (mkfs_path(path, sizeof(path), "%s/selfcheck", w->d->sd.root) != 0)
		return MK_ERR_TOO_LARGE;
	return exw_state_file(w, "selfcheck.txt", path, "selfcheck");
}

static int
gather_machine(struct exw *w)
{
	return exw_state_file(w, "machine", w->d->sd.machine, NULL);
}

/* The readable report over the whole log, and the USB decisions, which
 * can be many (a line per device plugged in years): they go through an
 * unnamed file in the state directory, not memory. */
static int
gather_report(struct exw *w, const char *exporter)
{
	struct report_counts c;
	struct report_meta m;
	struct mkbuf *out = NULL;
	struct stat st;
	uint64_t head;
	int r, usb = -1;

	memset(&m, 0, sizeof(m));
	m.kind = REPORT_ALL;
	m.from = 0;
	m.to = w->now + 1;
	m.device_id = w->d->machine.device_id;
	m.made_by = exporter;
	m.made_at = w->now;
	if ((out = mkbuf_new(1u << 20)) == NULL) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	if ((usb = open(w->d->sd.root, O_TMPFILE | O_RDWR | O_CLOEXEC,
	    0600)) < 0) {
		r = mkerr_from_errno(errno);
		goto out;
	}
	/* Up to the head the exported log ends at, no further. */
	head = w->man.head_seq;
	if ((r = report_collect(w->d, INT64_MIN, INT64_MAX, &c, usb,
	    &head)) != 0)
		goto out;
	if (fstat(usb, &st) != 0) {
		r = mkerr_from_errno(errno);
		goto out;
	}
	m.head_seq = head;
	m.from = c.first_us / 1000000;
	if ((r = gather_usb(w, usb, (uint64_t)st.st_size)) != 0 ||
	    (r = report_format(&c, &m, 0, out)) != 0 ||
	    (r = exw_buf(w, "report.txt", out)) != 0)
		goto out;
	mkbuf_reset(out);
	if ((r = report_format(&c, &m, 1, out)) == 0)
		r = exw_buf(w, "report.html", out);
 out:
	if (r != 0 && w->why[0] == '\0')
		snprintf(w->why, sizeof(w->why), "report: %s", mkerr_str(r));
	if (usb >= 0)
		close(usb);
	mkbuf_free(out);
	return r;
}

static int
gather_all(struct exw *w, const char *exporter)
{
	int r;

	if ((r = gather_log(w)) != 0 ||
	    (r = gather_machine(w)) != 0 ||
	    (r = gather_repair(w)) != 0 ||
	    (r = gather_registers(w)) != 0 ||
	    (r = gather_accounts(w)) != 0 ||
	    (r = gather_config(w)) != 0 ||
	    (r = gather_software(w)) != 0 ||
	    (r = gather_selfcheck(w)) != 0)
		return r;
	return gather_report(w, exporter);
}

/* MANIFEST and its signature, last. */
static int
write_manifest(struct exw *w, char hashhex[65])
{
	struct daemon *d = w->d;
	struct mkbuf *b;
	uint8_t hash[32], sig[SIGN_SIG_LEN];
	int r;

	if ((b = mkbuf_new(EXPMAN_MAX)) == NULL)
		return MK_ERR_ALLOC;
	if ((r = expman_format(&w->man, b)) != 0)
		goto out;
	cry_sha256(mkbuf_ptr(b), mkbuf_len(b), hash);
	mk_hex(hash, 32, hashhex);
	pthread_mutex_lock(&d->lock);
	r = d->devkey != NULL ? signkey_sign(d->devkey, hash, 32, sig) :
	    MK_ERR_NOT_PROVISIONED;
	pthread_mutex_unlock(&d->lock);
	if (r != 0 || (r = exw_header(w, "MANIFEST", mkbuf_len(b))) != 0 ||
	    (r = exw_data(w, "MANIFEST", mkbuf_ptr(b), mkbuf_len(b))) != 0 ||
	    (r = exw_header(w, "MANIFEST.sig", sizeof(sig))) != 0)
		goto out;
	r = exw_data(w, "MANIFEST.sig", sig, sizeof(sig));
 out:
	mkbuf_free(b);
	return r;
}

/* ---- the request ---- */

/* PATH: a new file in an existing directory, or an existing directory,
 * in which a name is made. */
static int
target_path(struct daemon *d, const struct mkmsg *m, int64_t now, char *out,
    size_t len)
{
	char p[PATH_LEN], when[32];
	struct stat st;
	struct tm tm;
	time_t t = (time_t)now;

	if (mkmsg_str(m, F_PATH, p, sizeof(p)) != 0 || p[0] != '/' ||
	    !mktext_is_clean(p, strlen(p)) || strstr(p, "/../") != NULL ||
	    strstr(p, "/./") != NULL)
		return MK_ERR_USAGE;
	if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
		return mkfs_path(out, len, "%s/matkiosk-export-%.8s-%s.tar", p,
		    d->machine.device_id, when) ? MK_ERR_TOO_LARGE : 0;
	}
	if (lstat(p, &st) == 0)
		return MK_ERR_EXISTS;
	return mkfs_path(out, len, "%s", p) ? MK_ERR_TOO_LARGE : 0;
}

/* The approver of this person's export approval, read before it is used. */
static void
find_approver(struct session *s, char *out, size_t len)
{
	struct approval v[32];
	size_t n, i;

	snprintf(out, len, "%s", "-");
	pthread_mutex_lock(&s->d->lock);
	n = approvals_list(s->d->approvals, daemon_now(), v, 32);
	pthread_mutex_unlock(&s->d->lock);
	for (i = 0; i < n && i < 32; i++)
		if (strcmp(v[i].requester, s->acct.name) == 0 &&
		    strcmp(v[i].action, "export.inspection") == 0 &&
		    strcmp(v[i].object, EXPORT_OBJECT) == 0) {
			snprintf(out, len, "%s", v[i].approver);
			return;
		}
}

static int
write_archive(struct exw *w, const char *path, const char *exporter,
    char hashhex[65])
{
	char part[PATH_LEN + 8], dir[PATH_LEN];
	int fd, r;

	if (mkfs_path(part, sizeof(part), "%s.part", path) != 0)
		return MK_ERR_TOO_LARGE;
	if ((fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0) {
		r = mkerr_from_errno(errno);
		snprintf(w->why, sizeof(w->why), "cannot create the archive: %s",
		    strerror(errno));
		return r;
	}
	if ((w->a = archive_write_new()) == NULL ||
	    archive_write_set_format_ustar(w->a) != ARCHIVE_OK ||
	    archive_write_open_fd(w->a, fd) != ARCHIVE_OK)
		r = MK_ERR_ALLOC;
	else if ((r = gather_all(w, exporter)) == 0 &&
	    (r = write_manifest(w, hashhex)) == 0 &&
	    archive_write_close(w->a) != ARCHIVE_OK)
		r = MK_ERR_IO;
	archive_write_free(w->a);
	w->a = NULL;
	if (r == 0 && fsync(fd) != 0)
		r = mkerr_from_errno(errno);
	close(fd);
	snprintf(dir, sizeof(dir), "%s", path);
	if (r == 0 && rename(part, path) != 0)
		r = mkerr_from_errno(errno);
	if (r == 0)
		(void)mkfs_fsync_dir(dirname(dir));
	if (r != 0)
		unlink(part);
	if (r != 0 && w->why[0] == '\0')
		snprintf(w->why, sizeof(w->why), "%s", mkerr_str(r));
	return r;
}

static int
reply_export(struct session *s, const char *path, const struct exw *w,
    const char *hashhex)
{
	char mac[65];
	int r;

	mk_hex(w->man.head_mac, 32, mac);
	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_PATH, path)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_SEQ, w->man.head_seq)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_MAC, mac)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_COUNT, w->man.n + 2)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_SIZE, w->bytes)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_HASH, hashhex)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}

static void
log_outcome(struct session *s, const char *path, struct exw *w, int r,
    const char *hashhex)
{
	char seq[24], n[24];

	snprintf(seq, sizeof(seq), "%" PRIu64, w->man.head_seq);
	snprintf(n, sizeof(n), "%zu", w->man.n + 2);
	if (r != 0) {
		struct logkv kv[1] = { { "error", w->why } };

		(void)session_log(s, LOG_SEV_TRUNG_BINH, "export.failed", path,
		    1, kv);
	} else {
		struct logkv kv[3] = { { "manifest-sha256", hashhex },
		    { "log-head", seq }, { "members", n } };

		(void)session_log(s, LOG_SEV_INFO, "export", path, 3, kv);
	}
}

/* The export onto a USB medium registered for export (issue 8's
 * kiosk/media.c mounts it read-write for this request): a new file at
 * its root; shown names it for the log and the reply. */
static int
medium_target(struct daemon *d, const struct mkmsg *m, int64_t now,
    struct medium *med, char *path, size_t len, char *shown,
    size_t shownlen, char *why, size_t whylen)
{
	char serial[MEDIA_SERIAL_MAX], when[32];
	struct stat st;
	struct tm tm;
	time_t t = (time_t)now;
	int r;

	if (mkmsg_str(m, F_SERIAL, serial, sizeof(serial)) != 0 ||
	    serial[0] == '\0' || !mktext_is_clean(serial, strlen(serial))) {
		snprintf(why, whylen, "the medium's serial is missing or not "
		    "clean text");
		return MK_ERR_USAGE;
	}
	if ((r = media_open(d, serial, MEDIA_EXPORT, med, why, whylen)) != 0)
		return r;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(why, whylen, "that file exists already on the medium: an "
	    "export never overwrites");
	if (mkfs_path(path, len, "%s/matkiosk-export-%.8s-%s.tar", med->mnt,
	    d->machine.device_id, when) != 0)
		r = MK_ERR_TOO_LARGE;
	else if (lstat(path, &st) == 0)
		r = MK_ERR_EXISTS;
	if (r != 0) {
		media_close(med);
		return r;
	}
	snprintf(shown, shownlen, "medium %s: %s", serial,
	    path + strlen(med->mnt) + 1);
	return 0;
}

static int
export_to(struct session *s, const char *path, const char *shown,
    int64_t now)
{
	struct daemon *d = s->d;
	static struct exw zero;
	struct exw w = zero;
	char why[300], approver[64], hashhex[65] = "";
	int r;

	w.d = d;
	w.now = now;
	find_approver(s, approver, sizeof(approver));
	if ((r = approval_require(s, ACT_EXPORT_INSPECTION, EXPORT_OBJECT, 1,
	    why, sizeof(why))) != 0)
		return reply_err(s, r, why);
	{
		struct logkv kv[1] = { { "approver", approver } };

		if (session_log(s, LOG_SEV_INFO, "export.begin", shown, 1,
		    kv) != 0)
			return reply_err(s, MK_ERR_LOG, NULL);
	}
	snprintf(w.man.device_id, sizeof(w.man.device_id), "%s",
	    d->machine.device_id);
	snprintf(w.man.exporter, sizeof(w.man.exporter), "%s", s->acct.name);
	snprintf(w.man.approver, sizeof(w.man.approver), "%s",
	    expman_name_ok(approver) ? approver : "none");
	w.man.created = w.now;
	pthread_mutex_lock(&d->lock);
	if (d->devkey != NULL)
		signkey_public(d->devkey, w.man.device_key);
	pthread_mutex_unlock(&d->lock);
	r = write_archive(&w, path, s->acct.name, hashhex);
	log_outcome(s, shown, &w, r, hashhex);
	if (r == 0)
		r = reply_export(s, shown, &w, hashhex);
	else
		r = reply_err(s, r, w.why);
	expman_free(&w.man);
	return r;
}

int
h_export(struct session *s, const struct mkmsg *m)
{
	struct daemon *d = s->d;
	char path[PATH_LEN], shown[PATH_LEN + MEDIA_SERIAL_MAX + 16];
	char why[400];
	struct medium med;
	int64_t now = daemon_now();
	int r;

	if (!s->authed)
		return reply_err(s, MK_ERR_DENIED, "log in first");
	if (!d->provisioned)
		return reply_err(s, MK_ERR_NOT_PROVISIONED, NULL);
	memset(&med, 0, sizeof(med));
	if (mkmsg_get(m, F_SERIAL) != NULL) {
		if ((r = medium_target(d, m, now, &med, path, sizeof(path),
		    shown, sizeof(shown), why, sizeof(why))) != 0)
			return reply_err(s, r, why);
	} else if ((r = target_path(d, m, now, path, sizeof(path))) != 0)
		return reply_err(s, r, r == MK_ERR_EXISTS ? "that file exists "
		    "already: an export never overwrites" : "the export needs "
		    "an absolute path: a new file, or a directory; or the "
		    "serial of a medium registered for export");
	else
		snprintf(shown, sizeof(shown), "%s", path);
	r = export_to(s, path, shown, now);
	if (med.mounted)
		media_close(&med);
	return r;
}
