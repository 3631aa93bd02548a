/*
 * Media sanitization and decommissioning (Articles 6.4, 13.4; issue 12).
 * Each produces a certificate to print (what, when, who, method, result)
 * and is logged: sanitization before and after; decommissioning before,
 * since afterwards there is no log key left to write with.
 *
 * Decommissioning: the decision is logged and the log sealed with a signed
 * checkpoint; the whole log is exported (segments, a SHA-256 manifest
 * signed with the device key) and the copy read back; then the machine is
 * crypto-erased — every document's wrapped data key, every key slot and
 * grant (the master key exists nowhere else), the device key and the log
 * key are overwritten with zeros, synced and unlinked — and every other
 * file of the state is overwritten and removed. The daemon is then
 * unprovisioned.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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
#include "crypto/sign.h"
#include "daemon.h"
#include "handlers.h"
#include "keys.h"
#include "policy.h"
#include "sanitize.h"

#define CERT_MAX	4096

static void
now_text(char *out, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static int
send_cert(struct session *s, const char *state, const char *cert)
{
	int r;

	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_STATE, state)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_CERT, cert)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}

int
h_media_sanitize(struct session *s, const struct mkmsg *m)
{
	struct daemon *d = s->d;
	struct sanitize_target t;
	struct sanitize_result res;
	char dev[256], why[320] = "", size[24], start[40], end[40];
	char result[200], cert[CERT_MAX];
	int r;

	if (!s->authed ||
	    policy_may(s->acct.roles, ACT_MEDIA_SANITIZE) != MAY_YES)
		return reply_err(s, MK_ERR_DENIED, "only a supervisor or an IT "
		    "officer sanitizes media");
	if (mkmsg_str(m, F_PATH, dev, sizeof(dev)) != 0 ||
	    !mktext_is_clean(dev, strlen(dev)))
		return reply_err(s, MK_ERR_USAGE, "name the medium's device, "
		    "as /dev/sdb");
	if ((r = sanitize_check(dev, &t, why, sizeof(why))) != 0)
		return reply_err(s, r, why);
	snprintf(size, sizeof(size), "%" PRIu64, t.size);
	{
		struct logkv kv[3] = { { "device", t.name },
		    { "serial", t.serial }, { "bytes", size } };

		if (session_log(s, LOG_SEV_INFO, "media.sanitize.begin", t.name,
		    3, kv) != 0)
			return reply_err(s, MK_ERR_LOG, NULL);
	}
	now_text(start, sizeof(start));
	r = sanitize_run(&t, &res, NULL, NULL);
	now_text(end, sizeof(end));
	if (r == 0)
		snprintf(result, sizeof(result), "VERIFIED / ĐÃ XÁC MINH: "
		    "%" PRIu64 " bytes written, %" PRIu64 " read back equal",
		    res.written, res.verified);
	else
		snprintf(result, sizeof(result), "FAILED / KHÔNG ĐẠT at byte "
		    "%" PRIu64 ": %s", res.bad_offset, r == MK_ERR_AUTH ?
		    "the read-back differs from what was written" :
		    mkerr_str(r));
	{
		struct logkv kv[3] = { { "device", t.name },
		    { "serial", t.serial }, { "result", result } };

		session_log(s, r == 0 ? LOG_SEV_INFO : LOG_SEV_TRUNG_BINH,
		    "media.sanitize", t.name, 3, kv);
	}
	snprintf(cert, sizeof(cert),
	    "MATKIOSK - BIÊN BẢN XÓA DỮ LIỆU THIẾT BỊ LƯU TRỮ / "
	    "MEDIA SANITIZATION CERTIFICATE\n\n"
	    "machine: %s\n"
	    "medium: %s (%s%s), serial %s, %s bytes\n"
	    "method: one full pass of pseudorandom data (AES-256-CTR under "
	    "a fresh random key, never stored), synced, then read back from "
	    "the device and compared byte for byte\n"
	    "started: %s\nfinished: %s\n"
	    "by: %s (%s)\n"
	    "result: %s\n",
	    d->machine.device_id, t.path, t.name, t.usb ? ", USB" : ", loop",
	    t.serial, size, start, end, s->acct.name,
	    accounts_primary_role(s->acct.roles), result);
	return send_cert(s, r == 0 ? "ok" : "failed", cert);
}

/* Overwrites a file with zeros, syncs and removes it. */
static int
wipe_file(const char *path)
{
	static const uint8_t zero[65536];
	struct stat st;
	off_t off;
	size_t n;
	int fd, r = 0;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? 0 : mkerr_from_errno(errno);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		for (off = 0; off < st.st_size && r == 0; off += (off_t)n) {
			n = (size_t)(st.st_size - off) < sizeof(zero) ?
			    (size_t)(st.st_size - off) : sizeof(zero);
			if (pwrite(fd, zero, n, off) != (ssize_t)n)
				r = MK_ERR_IO;
		}
		if (r == 0 && fsync(fd) != 0)
			r = mkerr_from_errno(errno);
	}
	close(fd);
	if (unlink(path) != 0 && r == 0)
		r = mkerr_from_errno(errno);
	return r;
}

/* Wipes every regular file of dir (one level of subdirectories too),
 * counting them; removes the subdirectories. */
static int
wipe_dir(const char *dir, int sub, unsigned *count)
{
	char path[STATEDIR_PATH_MAX + 300];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int r = 0, e;

	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : mkerr_from_errno(errno);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (mkfs_path(path, sizeof(path), "%s/%s", dir,
		    de->d_name) != 0 || lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && sub) {
			if ((e = wipe_dir(path, 0, count)) != 0 && r == 0)
				r = e;
			rmdir(path);
		} else if (!S_ISDIR(st.st_mode)) {
			if ((e = wipe_file(path)) != 0 && r == 0)
				r = e;
			else
				(*count)++;
		}
	}
	closedir(d);
	mkfs_fsync_dir(dir);
	return r;
}

/* The log, exported: segments, a sha256sum manifest and its signature;
 * each copy read back against the manifest. */
static int
export_log(struct daemon *d, const char *dir, char *manhex, char *why,
    size_t whylen)
{
	char out[1200], src[STATEDIR_PATH_MAX + 300], dst[1400];
	struct mkbuf *man = NULL;
	uint8_t sha[32], sha2[32], hash[32], sig[SIGN_SIG_LEN];
	char hex[65], line[400];
	struct dirent *de;
	uint64_t size;
	DIR *dd;
	int r = 0;

	if (mkfs_path(out, sizeof(out), "%s/final-log", dir) != 0)
		return MK_ERR_TOO_LARGE;
	if (mkdir(out, 0700) != 0) {
		r = mkerr_from_errno(errno);
		snprintf(why, whylen, "final-log in that directory: %s (it "
		    "must not exist yet)", mkerr_str(r));
		return r;
	}
	if ((man = mkbuf_new(1 << 20)) == NULL)
		return MK_ERR_ALLOC;
	if ((dd = opendir(d->sd.log)) == NULL) {
		mkbuf_free(man);
		return mkerr_from_errno(errno);
	}
	while ((de = readdir(dd)) != NULL && r == 0) {
		if (strstr(de->d_name, ".seg") == NULL || de->d_name[0] == '.')
			continue;
		if (mkfs_path(src, sizeof(src), "%s/%s", d->sd.log,
		    de->d_name) != 0 || mkfs_path(dst, sizeof(dst), "%s/%s",
		    out, de->d_name) != 0) {
			r = MK_ERR_TOO_LARGE;
			break;
		}
		if ((r = backup_copy_file(src, dst, sha, &size)) != 0 ||
		    (r = backup_hash_file(dst, sha2, &size)) != 0 ||
		    (memcmp(sha, sha2, 32) != 0 && (r = MK_ERR_IO) != 0)) {
			snprintf(why, whylen, "exporting %s: %s", de->d_name,
			    mkerr_str(r));
			break;
		}
		mk_hex(sha, 32, hex);
		snprintf(line, sizeof(line), "%s  %s\n", hex, de->d_name);
		r = mkbuf_put(man, line, strlen(line));
	}
	closedir(dd);
	if (r == 0) {
		cry_sha256(mkbuf_ptr(man), mkbuf_len(man), hash);
		mk_hex(hash, 32, manhex);
		if ((r = signkey_sign(d->devkey, hash, sizeof(hash), sig)) == 0 &&
		    (r = mkfs_path(dst, sizeof(dst), "%s/MANIFEST.sha256",
		    out)) == 0 &&
		    (r = backup_write_file(dst, mkbuf_ptr(man),
		    mkbuf_len(man))) == 0 &&
		    (r = mkfs_path(dst, sizeof(dst), "%s/MANIFEST.sha256.sig",
		    out)) == 0)
			r = backup_write_file(dst, sig, sizeof(sig));
		if (r != 0 && why[0] == '\0')
			snprintf(why, whylen, "writing the manifest: %s",
			    mkerr_str(r));
	}
	mkbuf_free(man);
	return r;
}

static int
count_docs(struct daemon *d)
{
	struct dirent *de;
	DIR *dd;
	int n = 0;

	if ((dd = opendir(d->sd.vault)) == NULL)
		return 0;
	while ((de = readdir(dd)) != NULL)
		if (strstr(de->d_name, ".mkd") != NULL)
			n++;
	closedir(dd);
	return n;
}

int
h_decommission(struct session *s, const struct mkmsg *m)
{
	struct daemon *d = s->d;
	char dir[1024], why[320] = "", *pw = NULL, head[48], docs[16];
	char manhex[65] = "", start[40], cert[CERT_MAX], nk[16], nf[16];
	uint8_t mac[LOGREC_MAC_LEN], *sk = NULL;
	struct account acct;
	unsigned keys = 0, files = 0;
	uint64_t seq;
	struct stat st;
	int r, e;

	if (!s->authed ||
	    policy_may(s->acct.roles, ACT_DECOMMISSION) != MAY_YES)
		return reply_err(s, MK_ERR_DENIED, "only a supervisor "
		    "decommissions the machine");
	if (mkmsg_str(m, F_PATH, dir, sizeof(dir)) != 0 || dir[0] != '/' ||
	    !mktext_is_clean(dir, strlen(dir)) || stat(dir, &st) != 0 ||
	    !S_ISDIR(st.st_mode))
		return reply_err(s, MK_ERR_USAGE, "name an existing directory "
		    "for the final log");
	if (auth_read_password(m, F_PASSWORD, &pw) != 0)
		return reply_err(s, MK_ERR_USAGE, "decommissioning asks for the "
		    "supervisor's password again");
	if ((sk = cry_secure_alloc(KEYS_LEN)) == NULL) {
		r = reply_err(s, MK_ERR_ALLOC, NULL);
		goto out;
	}
	if ((r = auth_check(s, s->acct.name, pw, "decommission", &acct, sk,
	    why, sizeof(why))) != 0) {
		r = reply_err(s, r, why);
		goto out;
	}
	now_text(start, sizeof(start));
	pthread_mutex_lock(&d->keys_lock);
	pthread_rwlock_wrlock(&d->vault_rw);
	pthread_mutex_lock(&d->lock);
	snprintf(docs, sizeof(docs), "%d", count_docs(d));
	{
		struct logkv kv[2] = { { "documents", docs },
		    { "final-log", dir } };

		r = daemon_log_locked(d, LOG_SEV_CAO, s->acct.name,
		    "supervisor", "machine.decommission",
		    d->machine.device_id, 2, kv);
	}
	if (r == 0)
		r = auditlog_checkpoint(d->log);
	if (r != 0) {
		snprintf(why, sizeof(why), "the decision cannot be logged: "
		    "nothing was erased");
		goto unlock;
	}
	auditlog_head(d->log, &seq, mac);
	snprintf(head, sizeof(head), "%" PRIu64 ":", seq);
	mk_hex(mac, 8, head + strlen(head));
	if ((r = export_log(d, dir, manhex, why, sizeof(why))) != 0) {
		/* Nothing erased: the machine stays as it was. */
		goto unlock;
	}
	/* Crypto-erase first: the keys, then the rest. */
	e = wipe_dir(d->sd.grants, 0, &keys);
	if ((r = wipe_dir(d->sd.slots, 0, &keys)) == 0)
		r = e;
	if ((e = wipe_file(d->sd.devkey)) == 0)
		keys++;
	else if (r == 0)
		r = e;
	if ((e = wipe_file(d->sd.logkey)) == 0)
		keys++;
	else if (r == 0)
		r = e;
	daemon_close_state(d);
	atomic_fetch_add(&d->revoke_gen, 1);
	e = wipe_dir(d->sd.vault, 0, &files);
	if (r == 0)
		r = e;
	wipe_dir(d->sd.log, 0, &files);
	wipe_dir(d->sd.evidence, 1, &files);
	{
		const char *small[] = { d->sd.accounts, d->sd.incidents,
		    d->sd.lockdown, d->sd.backup, d->sd.machine };
		char reg[STATEDIR_PATH_MAX + 32];
		size_t i;

		for (i = 0; i < sizeof(small) / sizeof(small[0]); i++)
			if (wipe_file(small[i]) == 0)
				files++;
		if (mkfs_path(reg, sizeof(reg), "%s/usb-registry",
		    d->sd.root) == 0 && wipe_file(reg) == 0)
			files++;
	}
	mkfs_fsync_dir(d->sd.root);
	d->lockdown = 0;
 unlock:
	pthread_mutex_unlock(&d->lock);
	pthread_rwlock_unlock(&d->vault_rw);
	pthread_mutex_unlock(&d->keys_lock);
	if (r != 0 && manhex[0] == '\0') {
		r = reply_err(s, r, why[0] ? why : NULL);
		goto out;
	}
	session_wipe_key(s);
	snprintf(nk, sizeof(nk), "%u", keys);
	snprintf(nf, sizeof(nf), "%u", files);
	snprintf(cert, sizeof(cert),
	    "MATKIOSK - BIÊN BẢN THANH LÝ THIẾT BỊ / DECOMMISSIONING "
	    "CERTIFICATE\n\n"
	    "machine: %s\n"
	    "started: %s\n"
	    "by: %s (supervisor)\n"
	    "final log: exported to %s/final-log, head %s, manifest "
	    "SHA-256 %s (signed with the device key); its last record is "
	    "machine.decommission\n"
	    "method: crypto-erase - every key slot and vault-key grant (the "
	    "master key is kept nowhere else), the device key and the log key "
	    "overwritten with zeros, synced and removed (%s key files); then "
	    "%s files (%s documents, the log, registers, accounts) "
	    "overwritten with zeros and removed\n"
	    "result: %s\n"
	    "note: flash media may keep old blocks out of reach of any "
	    "overwrite; without the keys above they are ciphertext only. "
	    "Destroy or sanitize the disk physically as Article 13.4 requires "
	    "before disposal.\n",
	    d->machine.device_id, start, s->acct.name, dir, head, manhex, nk,
	    nf, docs, r == 0 ? "DONE / ĐÃ HOÀN THÀNH" : "INCOMPLETE / CHƯA "
	    "HOÀN THÀNH (some files could not be wiped; see the daemon's "
	    "messages)");
	diag(3, "machine decommissioned by %s; final log in %s/final-log",
	    s->acct.name, dir);
	s->authed = 0;
	memset(&s->acct, 0, sizeof(s->acct));
	r = send_cert(s, r == 0 ? "ok" : "incomplete", cert);
 out:
	auth_free_password(pw);
	cry_secure_free(sk, KEYS_LEN);
	return r;
}
