/*
 * Backup, restore test and restore (Article 10; docs/architecture.md,
 * "Backup and restore").
 *
 * A backup is a directory (on a medium registered for backup, once media
 * are mounted by the daemon; today any directory the daemon can write):
 * content-addressed objects (DIR/objects/XX/SHA256), so that an increment
 * copies only what is new and every older generation stays whole, plus per
 * generation a manifest (signed with the device key) and the sealed
 * secrets (device key and log key, under the vault master key). Only a
 * supervisor holding the vault key backs up or tests a backup; a restore
 * needs a supervisor's password or the recovery code.
 *
 * Consistency: documents and sealed log segments do not change; what does
 * (the open log segment with its key, accounts, registers) is read under
 * d->lock in one step, and key files under d->keys_lock, so the copy is a
 * state the machine was in.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "backup.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/proto.h"
#include "common/text.h"
#include "crypto/auditlog.h"
#include "crypto/cry.h"
#include "crypto/keyslot.h"
#include "crypto/seal.h"
#include "crypto/sign.h"
#include "daemon.h"
#include "handlers.h"
#include "media.h"
#include "keys.h"
#include "policy.h"
#include "vault.h"

#define DIR_MAX		1024
#define SMALL_MAX	(8 * 1024 * 1024)	/* accounts, registers */
#define SEGMENT_MAX	(256 * 1024 * 1024)

struct item {
	char		 rel[BACKUP_PATH_MAX];
	char		 abs[STATEDIR_PATH_MAX + 300];
	struct mkbuf	*mem;		/* read under the lock, or NULL */
};

struct plan {
	struct item	*v;
	size_t		 n, cap;
};

static void
plan_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		mkbuf_free(p->v[i].mem);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static int
plan_add(struct plan *p, const char *rel, const char *abs)
{
	struct item *nv;
	size_t cap;

	if (!backup_path_ok(rel))
		return 0;	/* a name we would not restore: skip it */
	if (p->n == p->cap) {
		cap = p->cap ? 2 * p->cap : 256;
		if ((nv = realloc(p->v, cap * sizeof(*nv))) == NULL)
			return MK_ERR_ALLOC;
		p->v = nv;
		p->cap = cap;
	}
	memset(&p->v[p->n], 0, sizeof(p->v[0]));
	if (mkfs_path(p->v[p->n].rel, sizeof(p->v[0].rel), "%s", rel) != 0 ||
	    mkfs_path(p->v[p->n].abs, sizeof(p->v[0].abs), "%s", abs) != 0)
		return MK_ERR_TOO_LARGE;
	p->n++;
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir (not starting with '.'), sorted, as rel/NAME;
 * with sub, every regular file one directory down too. */
static int
plan_dir(struct plan *p, const char *dir, const char *rel, int sub)
{
	char **names = NULL, **nn, abs[STATEDIR_PATH_MAX + 300];
	char r2[BACKUP_PATH_MAX + 300];
	struct dirent *de;
	struct stat st;
	size_t n = 0, i;
	DIR *d;
	int r = 0;

	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : mkerr_from_errno(errno);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((nn = realloc(names, (n + 1) * sizeof(*nn))) == NULL ||
		    (nn[n] = strdup(de->d_name)) == NULL) {
			if (nn != NULL)
				names = nn;
			r = MK_ERR_ALLOC;
			break;
		}
		names = nn;
		n++;
	}
	closedir(d);
	if (r == 0 && n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n && r == 0; i++) {
		if (mkfs_path(abs, sizeof(abs), "%s/%s", dir, names[i]) != 0 ||
		    snprintf(r2, sizeof(r2), "%s/%s", rel, names[i]) < 0 ||
		    lstat(abs, &st) != 0)
			continue;
		if (S_ISREG(st.st_mode))
			r = plan_add(p, r2, abs);
		else if (S_ISDIR(st.st_mode) && sub)
			r = plan_dir(p, abs, r2, 0);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

static int
read_small(const char *path, size_t max, struct mkbuf **out)
{
	int r = mkfs_read_file(path, max, out);

	return r;
}

/*
 * What the backup holds. The log's last segment, its key, and the small
 * state files are read into memory under d->lock, together: a state the
 * machine was in. Returns the device key, log key and transfer key files
 * (the last if there is one) in sec.
 */
static int
make_plan(struct daemon *d, struct plan *p, struct backup_secrets *sec,
    uint64_t *seq, char machex[17])
{
	static const char *const small[] = { "accounts", "machine",
	    "incidents", "usb-registry", "lockdown", "workstations",
	    "repair-seq" };
	char abs[STATEDIR_PATH_MAX + 300];
	uint8_t mac[LOGREC_MAC_LEN];
	size_t i, last = SIZE_MAX;
	int r;

	memset(sec, 0, sizeof(*sec));
	if ((r = plan_dir(p, d->sd.vault, "vault", 0)) != 0 ||
	    (r = plan_dir(p, d->sd.slots, "keys/slots", 0)) != 0 ||
	    (r = plan_dir(p, d->sd.grants, "keys/grants", 0)) != 0 ||
	    (r = plan_dir(p, d->sd.evidence, "evidence", 1)) != 0)
		return r;
	/* Repair recordings, their index and minutes (issue 9), and files
	 * refused as infected (issue 8): evidence too. */
	if (mkfs_path(abs, sizeof(abs), "%s/repair", d->sd.root) != 0 ||
	    (r = plan_dir(p, abs, "repair", 0)) != 0 ||
	    mkfs_path(abs, sizeof(abs), "%s/quarantine", d->sd.root) != 0 ||
	    (r = plan_dir(p, abs, "quarantine", 1)) != 0)
		return r == 0 ? MK_ERR_TOO_LARGE : r;
	/* The vault's leftovers of an import in progress are not kept. */
	for (i = 0; i < p->n; i++)
		if (strncmp(p->v[i].rel, "vault/", 6) == 0 &&
		    strstr(p->v[i].rel, ".mkd") == NULL)
			p->v[i].rel[0] = '\0';
	if (d->conf.path[0] != '\0' &&
	    (r = plan_add(p, "config/matkiosk.conf", d->conf.path)) != 0)
		return r;
	if (access(d->conf.usb_rules, F_OK) == 0 &&
	    (r = plan_add(p, "config/usb.rules", d->conf.usb_rules)) != 0)
		return r;

	pthread_mutex_lock(&d->lock);
	if ((r = plan_dir(p, d->sd.log, "log", 0)) != 0)
		goto unlock;
	for (i = 0; i < p->n; i++)
		if (strncmp(p->v[i].rel, "log/", 4) == 0 &&
		    strstr(p->v[i].rel, ".seg") != NULL)
			last = i;
	if (last != SIZE_MAX &&
	    (r = read_small(p->v[last].abs, SEGMENT_MAX,
	    &p->v[last].mem)) != 0)
		goto unlock;
	for (i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		if (mkfs_path(abs, sizeof(abs), "%s/%s", d->sd.root,
		    small[i]) != 0 || access(abs, F_OK) != 0)
			continue;
		if ((r = plan_add(p, small[i], abs)) != 0 ||
		    (r = read_small(abs, SMALL_MAX, &p->v[p->n - 1].mem)) != 0)
			goto unlock;
	}
	if ((r = read_small(d->sd.devkey, 65536, &sec->devkey)) != 0 ||
	    (r = read_small(d->sd.logkey, 65536, &sec->logkey)) != 0 ||
	    (r = mkfs_path(abs, sizeof(abs), "%s/xfer.key", d->sd.root)) != 0)
		goto unlock;
	/* The transfer key is made at its first use (kiosk/mediaops.c,
	 * under d->lock as here): packages on their way to this machine
	 * need it after a restore. */
	if ((r = read_small(abs, 4096, &sec->xferkey)) == MK_ERR_NOT_FOUND)
		r = 0;
	auditlog_head(d->log, seq, mac);
	mk_hex(mac, 8, machex);
 unlock:
	pthread_mutex_unlock(&d->lock);
	return r;
}

static int
object_path(const char *dir, const uint8_t sha[32], char *out, size_t len)
{
	char hex[65];

	mk_hex(sha, 32, hex);
	return mkfs_path(out, len, "%s/objects/%.2s/%s", dir, hex, hex);
}

static int
object_present(const char *dir, const uint8_t sha[32], uint64_t size)
{
	char path[DIR_MAX + 200];
	struct stat st;

	return object_path(dir, sha, path, sizeof(path)) == 0 &&
	    lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size == size;
}

/* Stores one item as an object unless an object of its content is there;
 * *copied says whether bytes were written. */
static int
store(const char *dir, const struct item *it, uint8_t sha[32],
    uint64_t *size, int *copied)
{
	char tmp[DIR_MAX + 200], dst[DIR_MAX + 200];
	uint8_t sha2[32];
	int r;

	*copied = 0;
	if (it->mem != NULL) {
		cry_sha256(mkbuf_ptr(it->mem), mkbuf_len(it->mem), sha);
		*size = mkbuf_len(it->mem);
		if (object_present(dir, sha, *size))
			return 0;
		if ((r = object_path(dir, sha, dst, sizeof(dst))) != 0 ||
		    (r = backup_write_file(dst, mkbuf_ptr(it->mem),
		    mkbuf_len(it->mem))) != 0)
			return r;
		*copied = 1;
		return 0;
	}
	if ((r = backup_hash_file(it->abs, sha, size)) != 0)
		return r;
	if (object_present(dir, sha, *size))
		return 0;
	if ((r = mkfs_path(tmp, sizeof(tmp), "%s/objects/incoming", dir)) != 0 ||
	    (r = backup_copy_file(it->abs, tmp, sha2, size)) != 0)
		return r;
	/* Changed between the two reads: it is stored as copied. */
	memcpy(sha, sha2, 32);
	if ((r = object_path(dir, sha, dst, sizeof(dst))) != 0 ||
	    (r = backup_make_parents(dst)) != 0)
		return r;
	if (rename(tmp, dst) != 0)
		return mkerr_from_errno(errno);
	*copied = 1;
	return 0;
}

/* The newest generation of a backup directory: 0 if none. */
static int
read_latest(const char *dir, uint32_t *gen)
{
	char path[DIR_MAX + 32], text[16];
	struct mkbuf *b = NULL;
	unsigned long v;
	char *end;
	int r;

	*gen = 0;
	if (mkfs_path(path, sizeof(path), "%s/LATEST", dir) != 0)
		return MK_ERR_TOO_LARGE;
	if ((r = mkfs_read_file(path, sizeof(text) - 1, &b)) != 0)
		return r == MK_ERR_NOT_FOUND ? 0 : r;
	memcpy(text, mkbuf_ptr(b), mkbuf_len(b));
	text[mkbuf_len(b)] = '\0';
	mkbuf_free(b);
	v = strtoul(text, &end, 10);
	if (end == text || (*end != '\n' && *end != '\0') || v == 0 ||
	    v > UINT32_MAX)
		return MK_ERR_FORMAT;
	*gen = (uint32_t)v;
	return 0;
}

/* Reads and checks generation gen's manifest: its signature with pub (if
 * pub is not NULL). */
static int
load_manifest(const char *dir, uint32_t gen, const uint8_t *pub,
    struct backup_manifest *m, char *why, size_t whylen)
{
	char path[DIR_MAX + 64];
	struct mkbuf *b = NULL, *sig = NULL;
	uint8_t hash[32];
	size_t line;
	int r;

	if ((r = mkfs_path(path, sizeof(path), "%s/manifest.%" PRIu32, dir,
	    gen)) != 0 ||
	    (r = mkfs_read_file(path, BACKUP_MANIFEST_MAX, &b)) != 0) {
		snprintf(why, whylen, "manifest.%" PRIu32 ": %s", gen,
		    mkerr_str(r));
		return r;
	}
	if ((r = backup_manifest_parse((const char *)mkbuf_ptr(b),
	    mkbuf_len(b), m, &line)) != 0 || m->generation != gen) {
		snprintf(why, whylen, "manifest.%" PRIu32 " line %zu: %s",
		    gen, line, r ? mkerr_str(r) : "wrong generation");
		r = r ? r : MK_ERR_FORMAT;
		goto out;
	}
	if (pub != NULL) {
		cry_sha256(mkbuf_ptr(b), mkbuf_len(b), hash);
		if ((r = mkfs_path(path, sizeof(path), "%s/manifest.%" PRIu32
		    ".sig", dir, gen)) != 0 ||
		    (r = mkfs_read_file(path, SIGN_SIG_LEN, &sig)) != 0 ||
		    mkbuf_len(sig) != SIGN_SIG_LEN ||
		    (r = sign_verify(pub, hash, sizeof(hash),
		    mkbuf_ptr(sig))) != 0) {
			r = r ? r : MK_ERR_SIGNATURE;
			snprintf(why, whylen, "manifest.%" PRIu32 " is not "
			    "signed by this machine's device key", gen);
		}
	}
 out:
	mkbuf_free(b);
	mkbuf_free(sig);
	if (r != 0)
		backup_manifest_free(m);
	return r;
}

/* An absolute, clean path to a directory that exists. */
static int
read_dir_field(const struct mkmsg *m, char *dir, size_t len)
{
	struct stat st;

	if (mkmsg_str(m, F_PATH, dir, len) != 0 || dir[0] != '/' ||
	    !mktext_is_clean(dir, strlen(dir)) || strstr(dir, "/../") != NULL ||
	    stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return MK_ERR_USAGE;
	return 0;
}

/*
 * Where a backup goes or is read: F_PATH, a directory; or F_SERIAL, a
 * medium registered for backups (STATE/usb-registry, direction
 * "backup"), checked and mounted by kiosk/media.c (read-write, nosuid,
 * nodev, noexec) for this one request: the backup is its directory
 * matkiosk-backup/. med->mounted says whether to media_close it.
 */
static int
backup_target(struct session *s, const struct mkmsg *msg, char *dir,
    size_t len, struct medium *med, char *why, size_t whylen)
{
	char serial[MEDIA_SERIAL_MAX];

	memset(med, 0, sizeof(*med));
	if (mkmsg_get(msg, F_SERIAL) == NULL) {
		if (read_dir_field(msg, dir, len) != 0) {
			snprintf(why, whylen, "an absolute path to an existing "
			    "directory, or the serial of a medium registered "
			    "for backups");
			return MK_ERR_USAGE;
		}
		return 0;
	}
	if (mkmsg_str(msg, F_SERIAL, serial, sizeof(serial)) != 0 ||
	    serial[0] == '\0' || !mktext_is_clean(serial, strlen(serial))) {
		snprintf(why, whylen, "the medium's serial is missing or not "
		    "clean text");
		return MK_ERR_USAGE;
	}
	if (media_open(s->d, serial, MEDIA_BACKUP, med, why, whylen) != 0)
		return MK_ERR_MEDIUM;
	if (mkfs_path(dir, len, "%s/matkiosk-backup", med->mnt) != 0 ||
	    (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
		snprintf(why, whylen, "cannot make matkiosk-backup/ on the "
		    "medium: %s", strerror(errno));
		media_close(med);
		return MK_ERR_MEDIUM;
	}
	return 0;
}

static void
save_state(struct daemon *d, const char *key, const char *value)
{
	char text[1024] = "", line[300], out[2048];
	struct mkbuf *b = NULL;
	char *l, *save = NULL;
	size_t o = 0;

	if (mkfs_read_file(d->sd.backup, sizeof(text) - 1, &b) == 0) {
		memcpy(text, mkbuf_ptr(b), mkbuf_len(b));
		text[mkbuf_len(b)] = '\0';
		mkbuf_free(b);
	}
	out[0] = '\0';
	for (l = strtok_r(text, "\n", &save); l != NULL;
	    l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, key, strlen(key)) == 0 &&
		    l[strlen(key)] == '=')
			continue;
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s\n", l);
		if (o >= sizeof(out))
			return;
	}
	snprintf(line, sizeof(line), "%s=%s\n", key, value);
	if (o + strlen(line) >= sizeof(out))
		return;
	memcpy(out + o, line, strlen(line) + 1);
	mkfs_atomic_write(d->sd.backup, out, strlen(out), 0600);
}

void
backup_status(struct daemon *d, char *out, size_t outlen)
{
	char text[1024] = "", *p;
	struct mkbuf *b = NULL;
	long long last = 0, test = 0;
	char result[32] = "-", when[40], twhen[40];
	int64_t now = daemon_now();

	if (mkfs_read_file(d->sd.backup, sizeof(text) - 1, &b) == 0) {
		memcpy(text, mkbuf_ptr(b), mkbuf_len(b));
		text[mkbuf_len(b)] = '\0';
		mkbuf_free(b);
	}
	if ((p = strstr(text, "last-backup=")) != NULL)
		last = strtoll(p + 12, NULL, 10);
	if ((p = strstr(text, "last-test=")) != NULL)
		test = strtoll(p + 10, NULL, 10);
	if ((p = strstr(text, "last-test-result=")) != NULL)
		sscanf(p + 17, "%31[a-z]", result);
	policy_format_time(last, when, sizeof(when));
	policy_format_time(test, twhen, sizeof(twhen));
	snprintf(out, outlen, "%s%s; restore test: %s%s%s",
	    last == 0 ? "never backed up" : when,
	    last == 0 || now - last > (int64_t)d->conf.backup_interval_days *
	    86400 ? " (OVERDUE)" : "", test == 0 ? "never" : result,
	    test == 0 ? "" : " on ", test == 0 ? "" : twhen);
}

static int
may_backup(struct session *s)
{
	const uint8_t *mk;

	if (!s->authed || policy_may(s->acct.roles, ACT_BACKUP) != MAY_YES)
		return reply_err(s, MK_ERR_DENIED, "only a supervisor backs up "
		    "and tests backups") == 0 ? MK_ERR_DENIED : MK_ERR_CLOSED;
	if ((mk = session_key_get(s)) == NULL)
		return reply_err(s, MK_ERR_LOCKED, "this session holds no vault "
		    "key: log in again") == 0 ? MK_ERR_LOCKED : MK_ERR_CLOSED;
	session_key_put(s);
	return 0;
}

static int
refused(int r)
{
	return r == MK_ERR_CLOSED ? r : 0;
}

/* Writes generation gen: objects, secrets, manifest, signature, LATEST. */
static int
write_backup(struct session *s, const char *dir, uint32_t gen,
    struct backup_manifest *m, uint64_t *copied, uint64_t *bytes,
    char *why, size_t whylen)
{
	struct daemon *d = s->d;
	struct plan p = { 0 };
	struct backup_secrets secrets = { NULL, NULL, NULL };
	struct mkbuf *sec = NULL, *man = NULL;
	char path[DIR_MAX + 64], text[16];
	uint8_t sha[32], hash[32], sig[SIGN_SIG_LEN];
	const uint8_t *mk;
	uint64_t size;
	size_t i;
	int r, c;

	*copied = *bytes = 0;
	pthread_mutex_lock(&d->keys_lock);
	r = make_plan(d, &p, &secrets, &m->log_seq, m->log_mac);
	if (r == 0 && (mk = session_key_get(s)) != NULL) {
		m->key_epoch = s->key_epoch;
		if ((sec = mkbuf_new(256 * 1024)) == NULL)
			r = MK_ERR_ALLOC;
		else
			r = backup_seal_secrets(mk, m->key_epoch, m->device_id,
			    gen, &secrets, sec);
		session_key_put(s);
	} else if (r == 0)
		r = MK_ERR_LOCKED;
	if (r != 0) {
		pthread_mutex_unlock(&d->keys_lock);
		snprintf(why, whylen, "cannot read the state: %s",
		    mkerr_str(r));
		goto out;
	}
	for (i = 0; i < p.n && r == 0; i++) {
		if (p.v[i].rel[0] == '\0')
			continue;
		if ((r = store(dir, &p.v[i], sha, &size, &c)) != 0) {
			snprintf(why, whylen, "%s: %s", p.v[i].rel,
			    mkerr_str(r));
			break;
		}
		*copied += (uint64_t)c;
		*bytes += c ? size : 0;
		r = backup_manifest_add(m, p.v[i].rel, sha, size);
	}
	pthread_mutex_unlock(&d->keys_lock);
	if (r != 0)
		goto out;
	if ((man = mkbuf_new(BACKUP_MANIFEST_MAX)) == NULL) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	if ((r = backup_manifest_format(m, man)) != 0)
		goto out;
	cry_sha256(mkbuf_ptr(man), mkbuf_len(man), hash);
	pthread_mutex_lock(&d->lock);
	r = signkey_sign(d->devkey, hash, sizeof(hash), sig);
	pthread_mutex_unlock(&d->lock);
	if (r != 0)
		goto out;
	snprintf(text, sizeof(text), "%" PRIu32 "\n", gen);
	if ((r = mkfs_path(path, sizeof(path), "%s/secrets.%" PRIu32, dir,
	    gen)) != 0 ||
	    (r = backup_write_file(path, mkbuf_ptr(sec), mkbuf_len(sec))) != 0 ||
	    (r = mkfs_path(path, sizeof(path), "%s/manifest.%" PRIu32, dir,
	    gen)) != 0 ||
	    (r = backup_write_file(path, mkbuf_ptr(man), mkbuf_len(man))) != 0 ||
	    (r = mkfs_path(path, sizeof(path), "%s/manifest.%" PRIu32 ".sig",
	    dir, gen)) != 0 ||
	    (r = backup_write_file(path, sig, sizeof(sig))) != 0 ||
	    (r = mkfs_path(path, sizeof(path), "%s/LATEST", dir)) != 0 ||
	    (r = backup_write_file(path, text, strlen(text))) != 0)
		snprintf(why, whylen, "cannot write the backup: %s",
		    mkerr_str(r));
 out:
	plan_free(&p);
	backup_secrets_free(&secrets);
	mkbuf_free(sec);
	mkbuf_free(man);
	return r;
}

static int backup_into(struct session *s, const char *dir,
    const char *where);

int
h_backup(struct session *s, const struct mkmsg *msg)
{
	struct medium med;
	char dir[DIR_MAX], why[512] = "", where[MEDIA_SERIAL_MAX + 8];
	int r;

	if ((r = may_backup(s)) != 0)
		return refused(r);
	if ((r = backup_target(s, msg, dir, sizeof(dir), &med, why,
	    sizeof(why))) != 0)
		return reply_err(s, r, why);
	if (med.mounted)
		snprintf(where, sizeof(where), "medium %s", med.serial);
	r = backup_into(s, dir, med.mounted ? where : dir);
	if (med.mounted)
		media_close(&med);
	return r;
}

static int
backup_into(struct session *s, const char *dir, const char *where)
{
	struct daemon *d = s->d;
	struct backup_manifest prev, m;
	char why[512] = "", g[16], c[24], n[24], head[48];
	uint64_t copied = 0, bytes = 0;
	uint32_t gen;
	int r;

	memset(&m, 0, sizeof(m));
	memset(&prev, 0, sizeof(prev));
	if ((r = read_latest(dir, &gen)) != 0)
		return reply_err(s, r, "LATEST in that directory is damaged");
	if (gen > 0 && load_manifest(dir, gen, NULL, &prev, why,
	    sizeof(why)) == 0) {
		if (strcmp(prev.device_id, d->machine.device_id) != 0) {
			backup_manifest_free(&prev);
			return reply_err(s, MK_ERR_EXISTS, "that directory holds "
			    "another machine's backup");
		}
		backup_manifest_free(&prev);
	}
	gen++;
	snprintf(g, sizeof(g), "%" PRIu32, gen);
	{
		struct logkv kv[2] = { { "path", where }, { "generation", g } };

		if (session_log(s, LOG_SEV_INFO, "backup.begin", where, 2,
		    kv) != 0)
			return reply_err(s, MK_ERR_LOG, NULL);
	}
	snprintf(m.device_id, sizeof(m.device_id), "%s", d->machine.device_id);
	m.generation = gen;
	m.created = daemon_now();
	r = write_backup(s, dir, gen, &m, &copied, &bytes, why, sizeof(why));
	snprintf(c, sizeof(c), "%" PRIu64, copied);
	snprintf(n, sizeof(n), "%zu", m.n);
	snprintf(head, sizeof(head), "%" PRIu64 ":%s", m.log_seq, m.log_mac);
	if (r != 0) {
		struct logkv kv[2] = { { "generation", g }, { "error", why } };

		session_log(s, LOG_SEV_TRUNG_BINH, "backup.failed", where, 2, kv);
		backup_manifest_free(&m);
		return reply_err(s, r, why);
	}
	{
		struct logkv kv[5] = { { "generation", g }, { "files", n },
		    { "copied", c }, { "log-head", head }, { "path", where } };
		char now[24];

		session_log(s, LOG_SEV_INFO, "backup", where, 5, kv);
		snprintf(now, sizeof(now), "%" PRId64, m.created);
		pthread_mutex_lock(&d->lock);
		save_state(d, "last-backup", now);
		save_state(d, "last-backup-generation", g);
		pthread_mutex_unlock(&d->lock);
	}
	if ((r = mkmsg_start(s->out, MSG_OK)) == 0 &&
	    (r = mkmsg_add_u64(s->out, F_SEQ, gen)) == 0 &&
	    (r = mkmsg_add_u64(s->out, F_COUNT, copied)) == 0 &&
	    (r = mkmsg_add_u64(s->out, F_TOTAL, m.n)) == 0 &&
	    (r = mkmsg_add_u64(s->out, F_SIZE, bytes)) == 0)
		r = mkproto_send(s->fd, s->out);
	backup_manifest_free(&m);
	return r;
}

/* Every object hashes to its name and has its size: 0, or the first file
 * that does not, named in why. */
static int
check_objects(const char *dir, const struct backup_manifest *m, char *why,
    size_t whylen)
{
	char path[DIR_MAX + 200];
	uint8_t sha[32];
	uint64_t size;
	size_t i;
	int r;

	for (i = 0; i < m->n; i++) {
		if ((r = object_path(dir, m->f[i].sha, path, sizeof(path))) != 0)
			return r;
		r = backup_hash_file(path, sha, &size);
		if (r == 0 && (size != m->f[i].size ||
		    memcmp(sha, m->f[i].sha, 32) != 0))
			r = MK_ERR_AUTH;
		if (r != 0) {
			snprintf(why, whylen, "%s: %s", m->f[i].path,
			    r == MK_ERR_AUTH ? "its content differs from the "
			    "manifest (altered or damaged)" : mkerr_str(r));
			return r;
		}
	}
	return 0;
}

static int
never_cancel(void *arg)
{
	(void)arg;
	return 0;
}

/* Decrypts and authenticates every document of the backup with mk. */
static int
check_documents(struct session *s, const char *dir,
    const struct backup_manifest *m, unsigned *docs, char *why,
    size_t whylen)
{
	char path[DIR_MAX + 200], id[VAULT_ID_HEX + 1], tmpdir[DIR_MAX + 40];
	char lnk[DIR_MAX + 100];
	struct vault *v = NULL;
	struct vault_reader *rd;
	struct vault_doc doc;
	const uint8_t *mk;
	size_t i;
	int r = 0;

	*docs = 0;
	/* The vault API reads ID.mkd from a directory: one holding a link to
	 * each object in turn. */
	if (mkfs_path(tmpdir, sizeof(tmpdir), "%s/objects/.check", dir) != 0)
		return MK_ERR_TOO_LARGE;
	mkdir(tmpdir, 0700);
	if ((r = vault_open(tmpdir, &v)) != 0)
		return r;
	for (i = 0; i < m->n && r == 0; i++) {
		if (strncmp(m->f[i].path, "vault/", 6) != 0 ||
		    strlen(m->f[i].path) != 6 + VAULT_ID_HEX + 4)
			continue;
		memcpy(id, m->f[i].path + 6, VAULT_ID_HEX);
		id[VAULT_ID_HEX] = '\0';
		/* The vault opens with O_NOFOLLOW: a hard link, not a
		 * symbolic one. */
		if (object_path(dir, m->f[i].sha, path, sizeof(path)) != 0 ||
		    mkfs_path(lnk, sizeof(lnk), "%s/%s.mkd", tmpdir, id) != 0) {
			r = MK_ERR_TOO_LARGE;
			break;
		}
		unlink(lnk);
		if (link(path, lnk) != 0) {
			r = mkerr_from_errno(errno);
			snprintf(why, whylen, "%s: %s", m->f[i].path,
			    mkerr_str(r));
			break;
		}
		if ((mk = session_key_get(s)) == NULL) {
			r = MK_ERR_LOCKED;
			snprintf(why, whylen, "the vault key was wiped");
			unlink(lnk);
			break;
		}
		r = vault_read_open(v, mk, id, &doc, &rd);
		session_key_put(s);
		if (r == 0) {
			r = vault_read_verify(rd, never_cancel, NULL);
			vault_read_close(rd);
		}
		mk_wipe(&doc, sizeof(doc));
		unlink(lnk);
		if (r != 0)
			snprintf(why, whylen, "%s: does not decrypt: %s",
			    m->f[i].path, mkerr_str(r));
		else
			(*docs)++;
	}
	vault_free(v);
	rmdir(tmpdir);
	return r;
}

/* The backup's log segments against the live log: sealed ones identical,
 * the last a prefix of the live one. */
static int
check_log(struct daemon *d, const char *dir, const struct backup_manifest *m,
    unsigned *segs, char *why, size_t whylen)
{
	char live[STATEDIR_PATH_MAX + 64], obj[DIR_MAX + 200];
	struct mkbuf *a = NULL, *b = NULL;
	size_t i;
	int r = 0;

	*segs = 0;
	for (i = 0; i < m->n && r == 0; i++) {
		if (strncmp(m->f[i].path, "log/", 4) != 0)
			continue;
		if (mkfs_path(live, sizeof(live), "%s/%s", d->sd.log,
		    m->f[i].path + 4) != 0 ||
		    object_path(dir, m->f[i].sha, obj, sizeof(obj)) != 0)
			return MK_ERR_TOO_LARGE;
		pthread_mutex_lock(&d->lock);
		r = mkfs_read_file(live, SEGMENT_MAX, &a);
		pthread_mutex_unlock(&d->lock);
		if (r == 0)
			r = mkfs_read_file(obj, SEGMENT_MAX, &b);
		if (r == 0 && (mkbuf_len(b) > mkbuf_len(a) ||
		    memcmp(mkbuf_ptr(a), mkbuf_ptr(b), mkbuf_len(b)) != 0))
			r = MK_ERR_AUTH;
		if (r != 0)
			snprintf(why, whylen, "%s: %s", m->f[i].path,
			    r == MK_ERR_AUTH ? "differs from the machine's log" :
			    mkerr_str(r));
		else
			(*segs)++;
		mkbuf_free(a);
		mkbuf_free(b);
		a = b = NULL;
	}
	return r;
}

static int backup_verify_in(struct session *s, const char *dir);

int
h_backup_verify(struct session *s, const struct mkmsg *msg)
{
	struct medium med;
	char dir[DIR_MAX], why[512] = "";
	int r;

	if ((r = may_backup(s)) != 0)
		return refused(r);
	if ((r = backup_target(s, msg, dir, sizeof(dir), &med, why,
	    sizeof(why))) != 0)
		return reply_err(s, r, why);
	r = backup_verify_in(s, dir);
	if (med.mounted)
		media_close(&med);
	return r;
}

static int
backup_verify_in(struct session *s, const char *dir)
{
	struct daemon *d = s->d;
	struct backup_manifest m;
	struct backup_secrets secrets = { NULL, NULL, NULL };
	struct mkbuf *sec = NULL;
	char why[512] = "", path[DIR_MAX + 64], g[16], v[64];
	uint8_t pub[SIGN_PUBLIC_LEN];
	const uint8_t *mk;
	unsigned docs = 0, segs = 0;
	uint32_t gen, epoch;
	int r;

	if ((r = read_latest(dir, &gen)) != 0 || gen == 0)
		return reply_err(s, r ? r : MK_ERR_NOT_FOUND, "no backup there "
		    "(LATEST missing or damaged)");
	pthread_mutex_lock(&d->lock);
	signkey_public(d->devkey, pub);
	pthread_mutex_unlock(&d->lock);
	snprintf(g, sizeof(g), "%" PRIu32, gen);
	if ((r = load_manifest(dir, gen, pub, &m, why, sizeof(why))) != 0)
		goto done;
	if (strcmp(m.device_id, d->machine.device_id) != 0) {
		r = MK_ERR_FORMAT;
		snprintf(why, sizeof(why), "the backup is of another machine");
		goto done_m;
	}
	if ((r = check_objects(dir, &m, why, sizeof(why))) != 0)
		goto done_m;
	if (m.key_epoch != s->key_epoch) {
		r = MK_ERR_LOCKED;
		snprintf(why, sizeof(why), "the backup's vault key is of epoch "
		    "%" PRIu32 ", the machine's %" PRIu32 " (rotated since): "
		    "make a new backup", m.key_epoch, s->key_epoch);
		goto done_m;
	}
	if ((r = check_documents(s, dir, &m, &docs, why, sizeof(why))) != 0 ||
	    (r = check_log(d, dir, &m, &segs, why, sizeof(why))) != 0)
		goto done_m;
	if ((r = mkfs_path(path, sizeof(path), "%s/secrets.%" PRIu32, dir,
	    gen)) != 0 || (r = mkfs_read_file(path, 1 << 20, &sec)) != 0) {
		snprintf(why, sizeof(why), "secrets.%s: %s", g, mkerr_str(r));
		goto done_m;
	}
	if ((mk = session_key_get(s)) == NULL)
		r = MK_ERR_LOCKED;
	else {
		r = backup_open_secrets(mk, m.device_id, gen, mkbuf_ptr(sec),
		    mkbuf_len(sec), &secrets, &epoch);
		session_key_put(s);
		if (r == 0 && secrets.xferkey != NULL &&
		    mkbuf_len(secrets.xferkey) != SEAL_KEY_LEN)
			r = MK_ERR_FORMAT;
	}
	if (r != 0)
		snprintf(why, sizeof(why), "secrets.%s do not open: %s", g,
		    mkerr_str(r));
 done_m:
	backup_manifest_free(&m);
 done:
	mkbuf_free(sec);
	backup_secrets_free(&secrets);
	{
		char nd[16], ns[16], now[24];
		struct logkv kv[5] = { { "generation", g },
		    { "result", r == 0 ? "ok" : "failed" }, { "documents", nd },
		    { "log-segments", ns }, { "reason", why } };

		snprintf(nd, sizeof(nd), "%u", docs);
		snprintf(ns, sizeof(ns), "%u", segs);
		session_log(s, r == 0 ? LOG_SEV_INFO : LOG_SEV_TRUNG_BINH,
		    "backup.verify", dir, r == 0 ? 4 : 5, kv);
		snprintf(now, sizeof(now), "%" PRId64, daemon_now());
		pthread_mutex_lock(&d->lock);
		save_state(d, "last-test", now);
		save_state(d, "last-test-result", r == 0 ? "ok" : "failed");
		pthread_mutex_unlock(&d->lock);
		if (r != 0)
			return reply_err(s, r, why);
		snprintf(v, sizeof(v), "%u documents decrypted and checked",
		    docs);
		if ((r = add_entry(s, "generation", g)) != 0 ||
		    (r = add_entry(s, "documents", v)) != 0)
			return r;
		snprintf(v, sizeof(v), "%u segments, identical to this "
		    "machine's log", segs);
		if ((r = add_entry(s, "log", v)) != 0 ||
		    (r = add_entry(s, "manifest", "signed by this machine; "
		    "every file matches")) != 0 ||
		    (r = add_entry(s, "result", "ok")) != 0)
			return r;
	}
	return reply_ok(s);
}

/* The recovery code as typed: groups, dashes, spaces, any case. */
static void
recovery_normalise(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *in != '\0' && o + 1 < outlen; in++) {
		if (*in == '-' || *in == ' ')
			continue;
		out[o++] = (*in >= 'a' && *in <= 'z') ? (char)(*in - 32) : *in;
	}
	out[o] = '\0';
}

static int
read_object(const char *dir, const struct backup_manifest *m,
    const char *path, size_t max, struct mkbuf **out)
{
	const struct backup_file *f = backup_manifest_find(m, path);
	char obj[DIR_MAX + 200];
	int r;

	if (f == NULL)
		return MK_ERR_NOT_FOUND;
	if ((r = object_path(dir, f->sha, obj, sizeof(obj))) != 0)
		return r;
	return mkfs_read_file(obj, max, out);
}

/* The master key of the backup, from label's slot and grant in it. */
static int
open_backup_key(const char *dir, const struct backup_manifest *m,
    const char *label, const char *secret, uint8_t *mk, char *why,
    size_t whylen)
{
	struct mkbuf *slot = NULL, *grant = NULL;
	char path[BACKUP_PATH_MAX];
	uint8_t *sk = NULL;
	uint32_t epoch;
	size_t i;
	int r;

	snprintf(path, sizeof(path), "keys/slots/%s.slot", label);
	if ((r = read_object(dir, m, path, KEYSLOT_LEN, &slot)) != 0) {
		snprintf(why, whylen, "the backup holds no key slot for %s",
		    label);
		return r == MK_ERR_NOT_FOUND ? MK_ERR_PASSWORD : r;
	}
	snprintf(path, sizeof(path), "keys/grants/%s.grant", label);
	if ((r = read_object(dir, m, path, 2 * SEAL_GRANT_LEN, &grant)) != 0) {
		snprintf(why, whylen, "the backup holds no vault key for %s",
		    label);
		goto out;
	}
	if ((sk = cry_secure_alloc(KEYS_LEN)) == NULL) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	if (mkbuf_len(slot) != KEYSLOT_LEN ||
	    (r = keyslot_unwrap(label, secret, strlen(secret), mkbuf_ptr(slot),
	    sk, &epoch)) != 0) {
		r = r ? r : MK_ERR_FORMAT;
		snprintf(why, whylen, r == MK_ERR_PASSWORD ? "wrong account "
		    "name, password or recovery code" : "the key slot in the "
		    "backup is damaged");
		goto out;
	}
	r = MK_ERR_NOT_FOUND;
	for (i = 0; i + SEAL_GRANT_LEN <= mkbuf_len(grant); i += SEAL_GRANT_LEN)
		if (seal_open(label, sk, mkbuf_ptr(grant) + i, mk, &epoch) == 0 &&
		    epoch == m->key_epoch) {
			r = 0;
			break;
		}
	if (r != 0)
		snprintf(why, whylen, "the backup's grant for %s does not open",
		    label);
 out:
	cry_secure_free(sk, KEYS_LEN);
	mkbuf_free(slot);
	mkbuf_free(grant);
	return r;
}

/* Where a backed-up file goes back: its place in the state, the USB rules
 * to the configured path; the configuration itself is not replaced. */
static int
restore_target(struct daemon *d, const char *rel, char *out, size_t len)
{
	if (strcmp(rel, "config/usb.rules") == 0)
		return mkfs_path(out, len, "%s", d->conf.usb_rules);
	if (strncmp(rel, "config/", 7) == 0)
		return MK_ERR_NOT_FOUND;
	return mkfs_path(out, len, "%s/%s", d->sd.root, rel);
}

static int
restore_files(struct daemon *d, const char *dir,
    const struct backup_manifest *m, char *why, size_t whylen)
{
	char obj[DIR_MAX + 200], dst[STATEDIR_PATH_MAX + 200];
	uint8_t sha[32];
	uint64_t size;
	size_t i;
	int r, pass;

	/* The machine file last: until it is there, the machine is not
	 * provisioned and a restore cut short is simply done again. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < m->n; i++) {
			if ((strcmp(m->f[i].path, "machine") == 0) != pass)
				continue;
			if (restore_target(d, m->f[i].path, dst,
			    sizeof(dst)) != 0)
				continue;
			if ((r = object_path(dir, m->f[i].sha, obj,
			    sizeof(obj))) != 0 ||
			    (r = backup_copy_file(obj, dst, sha, &size)) != 0 ||
			    (memcmp(sha, m->f[i].sha, 32) != 0 &&
			    (r = MK_ERR_AUTH) != 0)) {
				snprintf(why, whylen, "%s: %s", m->f[i].path,
				    mkerr_str(r));
				return r;
			}
			chmod(dst, 0600);
		}
	}
	return 0;
}

/* The person restoring must have been an active supervisor. */
static int
check_supervisor(const char *dir, const struct backup_manifest *m,
    const char *user, char *why, size_t whylen)
{
	const struct backup_file *f = backup_manifest_find(m, "accounts");
	const struct account *a;
	struct accounts *accts = NULL;
	char obj[DIR_MAX + 200];
	int r;

	if (f == NULL || object_path(dir, f->sha, obj, sizeof(obj)) != 0 ||
	    (r = accounts_load(obj, &accts)) != 0) {
		snprintf(why, whylen, "the backup's accounts do not load");
		return MK_ERR_FORMAT;
	}
	a = accounts_find(accts, user);
	r = a != NULL && (a->roles & ROLE_SUPERVISOR) &&
	    !(a->flags & ACCOUNT_DISABLED) ? 0 : MK_ERR_DENIED;
	accounts_free(accts);
	if (r != 0)
		snprintf(why, whylen, "%s is not an active supervisor in the "
		    "backup", user);
	return r;
}

/* The workstation's transfer key as it was (none in a backup made before
 * the machine first needed one). Under d->lock. */
static int
restore_xfer_key(struct daemon *d, const struct mkbuf *key)
{
	char path[STATEDIR_PATH_MAX + 16];
	int r;

	if (key == NULL)
		return 0;
	if ((r = mkfs_path(path, sizeof(path), "%s/xfer.key",
	    d->sd.root)) != 0)
		return r;
	return mkfs_atomic_write(path, mkbuf_ptr(key), mkbuf_len(key), 0600);
}

int
h_restore(struct session *s, const struct mkmsg *msg)
{
	struct daemon *d = s->d;
	struct backup_manifest m;
	struct backup_secrets secrets = { NULL, NULL, NULL };
	const struct mkbuf *dk, *lk;
	struct mkbuf *sec = NULL, *man = NULL;
	struct signkey *key = NULL;
	char dir[DIR_MAX], why[512] = "", user[ACCOUNT_NAME_MAX + 1] = "";
	char path[DIR_MAX + 64], label[ACCOUNT_NAME_MAX + 16], *secret = NULL;
	uint8_t *mk = NULL, pub[SIGN_PUBLIC_LEN], hash[32];
	struct mkbuf *sig = NULL;
	uint32_t gen = 0, epoch;
	int r, provisioned, recovery;
	struct medium med;
	char where[DIR_MAX + MEDIA_SERIAL_MAX + 96], serial[MEDIA_SERIAL_MAX];

	memset(&m, 0, sizeof(m));
	memset(&med, 0, sizeof(med));
	pthread_mutex_lock(&d->lock);
	provisioned = d->provisioned;
	pthread_mutex_unlock(&d->lock);
	if (provisioned)
		return reply_err(s, MK_ERR_PROVISIONED, "this machine is "
		    "provisioned: a backup is restored onto a fresh "
		    "installation");
	/* From a USB medium (its matkiosk-backup/, as BACKUP writes it):
	 * admitted and mounted read-only for this restore alone. */
	if (mkmsg_get(msg, F_SERIAL) != NULL) {
		if (mkmsg_str(msg, F_SERIAL, serial, sizeof(serial)) != 0 ||
		    serial[0] == '\0' ||
		    !mktext_is_clean(serial, strlen(serial)))
			return reply_err(s, MK_ERR_USAGE, "the medium's serial "
			    "is missing or not clean text");
		if ((r = media_open_restore(d, serial, &med, why,
		    sizeof(why))) != 0)
			return reply_err(s, r, why);
		if (mkfs_path(dir, sizeof(dir), "%s/matkiosk-backup",
		    med.mnt) != 0) {
			media_close(&med);
			return reply_err(s, MK_ERR_INTERNAL, NULL);
		}
		why[0] = '\0';
		snprintf(where, sizeof(where), "medium %s (%s)", serial,
		    med.port);
	} else if (read_dir_field(msg, dir, sizeof(dir)) != 0)
		return reply_err(s, MK_ERR_USAGE, "the restore needs an "
		    "absolute path to a backup directory, or a medium's "
		    "serial");
	else
		snprintf(where, sizeof(where), "%s", dir);
	recovery = mkmsg_get(msg, F_RECOVERY) != NULL;
	if ((secret = cry_secure_alloc(1100)) == NULL ||
	    (mk = cry_secure_alloc(KEYS_LEN)) == NULL) {
		r = reply_err(s, MK_ERR_ALLOC, NULL);
		goto out;
	}
	if (recovery) {
		char code[128];

		if (mkmsg_str(msg, F_RECOVERY, code, sizeof(code)) != 0) {
			r = reply_err(s, MK_ERR_USAGE, "recovery code too long");
			goto out;
		}
		recovery_normalise(code, secret, 1100);
		mk_wipe(code, sizeof(code));
		snprintf(label, sizeof(label), "%s", KEYS_RECOVERY_LABEL);
	} else if (mkmsg_str(msg, F_USER, user, sizeof(user)) != 0 ||
	    !mktext_valid_name(user) ||
	    mkmsg_str(msg, F_PASSWORD, secret, 1100) != 0) {
		r = reply_err(s, MK_ERR_USAGE, "a supervisor's name and "
		    "password, or the recovery code, are needed");
		goto out;
	} else
		snprintf(label, sizeof(label), "%s", user);
	if ((r = read_latest(dir, &gen)) != 0 || gen == 0) {
		r = reply_err(s, r ? r : MK_ERR_NOT_FOUND, "no backup there");
		goto out;
	}
	if ((r = load_manifest(dir, gen, NULL, &m, why, sizeof(why))) != 0 ||
	    (r = check_objects(dir, &m, why, sizeof(why))) != 0 ||
	    (!recovery && (r = check_supervisor(dir, &m, user, why,
	    sizeof(why))) != 0) ||
	    (r = open_backup_key(dir, &m, label, secret, mk, why,
	    sizeof(why))) != 0) {
		r = reply_err(s, r, why);
		goto out;
	}
	if ((r = mkfs_path(path, sizeof(path), "%s/secrets.%" PRIu32, dir,
	    gen)) != 0 || (r = mkfs_read_file(path, 1 << 20, &sec)) != 0 ||
	    (r = backup_open_secrets(mk, m.device_id, gen, mkbuf_ptr(sec),
	    mkbuf_len(sec), &secrets, &epoch)) != 0 ||
	    (secrets.xferkey != NULL &&
	    mkbuf_len(secrets.xferkey) != SEAL_KEY_LEN && (r = MK_ERR_FORMAT))) {
		r = reply_err(s, r, "the backup's sealed secrets do not open");
		goto out;
	}
	dk = secrets.devkey;
	lk = secrets.logkey;
	/* The manifest must be the machine's own: signed by the device key
	 * the backup carries. */
	if ((r = mkfs_atomic_write(d->sd.devkey, mkbuf_ptr(dk), mkbuf_len(dk),
	    0600)) != 0 || (r = signkey_load(d->sd.devkey, &key)) != 0) {
		r = reply_err(s, r, "cannot write the device key");
		goto out;
	}
	signkey_public(key, pub);
	if ((r = mkfs_path(path, sizeof(path), "%s/manifest.%" PRIu32, dir,
	    gen)) != 0 || (r = mkfs_read_file(path, BACKUP_MANIFEST_MAX,
	    &man)) != 0 ||
	    (r = mkfs_path(path, sizeof(path), "%s/manifest.%" PRIu32 ".sig",
	    dir, gen)) != 0 || (r = mkfs_read_file(path, SIGN_SIG_LEN,
	    &sig)) != 0 || mkbuf_len(sig) != SIGN_SIG_LEN) {
		unlink(d->sd.devkey);
		r = reply_err(s, r ? r : MK_ERR_FORMAT, "the manifest's "
		    "signature is missing");
		goto out;
	}
	cry_sha256(mkbuf_ptr(man), mkbuf_len(man), hash);
	if ((r = sign_verify(pub, hash, sizeof(hash), mkbuf_ptr(sig))) != 0) {
		unlink(d->sd.devkey);
		r = reply_err(s, r, "the manifest is not signed by the backed-up "
		    "machine's device key");
		goto out;
	}
	pthread_mutex_lock(&d->lock);
	if (d->provisioned)
		r = MK_ERR_PROVISIONED;
	else if ((r = mkfs_atomic_write(d->sd.logkey, mkbuf_ptr(lk),
	    mkbuf_len(lk), 0600)) != 0 ||
	    (r = restore_xfer_key(d, secrets.xferkey)) != 0 ||
	    (r = restore_files(d, dir, &m, why, sizeof(why))) != 0 ||
	    (r = daemon_open_state(d, why, sizeof(why))) != 0)
		daemon_close_state(d);
	if (r == 0) {
		char g[16], head[48];
		struct logkv kv[3] = { { "generation", g },
		    { "backup-log-head", head }, { "path", where } };

		snprintf(g, sizeof(g), "%" PRIu32, gen);
		snprintf(head, sizeof(head), "%" PRIu64 ":%s", m.log_seq,
		    m.log_mac);
		r = daemon_log_locked(d, LOG_SEV_TRUNG_BINH, recovery ?
		    "recovery-code" : user, recovery ? "-" : "supervisor",
		    "machine.restore", m.device_id, 3, kv);
	}
	pthread_mutex_unlock(&d->lock);
	if (r != 0) {
		r = reply_err(s, r, why[0] ? why : NULL);
		goto out;
	}
	r = reply_ok(s);
 out:
	if (med.mounted || med.restore != NULL)
		media_close(&med);
	backup_manifest_free(&m);
	mkbuf_free(sec);
	backup_secrets_free(&secrets);
	mkbuf_free(man);
	mkbuf_free(sig);
	signkey_free(key);
	cry_secure_free(secret, 1100);
	cry_secure_free(mk, KEYS_LEN);
	return r;
}
