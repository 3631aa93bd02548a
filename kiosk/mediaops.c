/*
 * Media requests (issue 8): listing and importing files from a registered
 * medium (scanned with libclamav before use), copying a document out
 * (a transfer package for a named receiving workstation, or a plaintext
 * copy where policy and an approval allow), updating the scanner's
 * signatures from a medium, and the register of receiving workstations.
 * docs/architecture.md, "Media import and copy-out".
 *
 * Every import and copy-out is logged before it is carried out and its
 * outcome after (copy.begin, then copy.done or copy.failed with the
 * intent's sequence number: the copy register of issue 7 counts a copy as
 * made only with copy.done). Plaintext exists only in anonymous
 * (O_TMPFILE) files of the tmpfs workspace, which a killed daemon leaves
 * nowhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>
#include <gcrypt.h>

#include "approval.h"
#include "avscan.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/proto.h"
#include "common/text.h"
#include "crypto/auditlog.h"
#include "crypto/cry.h"
#include "crypto/docfmt.h"
#include "crypto/seal.h"
#include "crypto/sign.h"
#include "crypto/xferpkg.h"
#include "daemon.h"
#include "handlers.h"
#include "media.h"
#include "vault.h"

#define IO_CHUNK		65536
#define IMPORT_MAX		((uint64_t)AVSCAN_FILE_MAX)	/* one file */
#define AVDB_FILE_MAX		(UINT64_C(512) << 20)
#define WS_FILE_MAX		(256 * 1024)
#define WS_NAME_MAX		64
#define LIST_MAX		10000
#define LIST_DEPTH		8
#define PARTIAL_PREFIX		".matkiosk-partial-"

/* ---- small helpers ---- */

static int
refuse(struct session *s, int code, const char *why)
{
	int r = reply_err(s, code, why);

	return r;
}

/* Logged in, holding the key, not in lockdown, and allowed to work on
 * documents. */
static int
gate(struct session *s, char *why, size_t whylen)
{
	int locked;

	pthread_mutex_lock(&s->d->lock);
	locked = s->d->lockdown;
	pthread_mutex_unlock(&s->d->lock);
	snprintf(why, whylen, "machine in lockdown: a supervisor must clear "
	    "it");
	if (locked)
		return MK_ERR_LOCKED;
	snprintf(why, whylen, "log in first");
	if (!s->authed)
		return MK_ERR_DENIED;
	snprintf(why, whylen, "this account's roles give no access to "
	    "documents");
	if (policy_may(s->acct.roles, ACT_DOC_IMPORT) == MAY_NO)
		return MK_ERR_DENIED;
	snprintf(why, whylen, "this session holds no vault key: log in again");
	if (session_key_get(s) == NULL)
		return MK_ERR_LOCKED;
	session_key_put(s);
	return 0;
}

static int
cancelled(struct session *s, unsigned gen)
{
	return atomic_load(&s->d->gen) != gen;
}

/* An anonymous file in the tmpfs workspace: gone when closed, and left
 * nowhere by a killed daemon. */
static int
work_tmp(struct session *s)
{
	return open(s->d->conf.work, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
}

/* Copies in (from its current offset) to out until the end, hashing
 * (SHA-256) what passes; max bounds the length. Stops at a lockdown. */
static int
copy_hash(struct session *s, unsigned gen, int in, int out, uint64_t max,
    uint8_t sha[32], uint64_t *total)
{
	gcry_md_hd_t h;
	uint8_t *buf;
	ssize_t n;
	int r = 0;

	*total = 0;
	if ((buf = malloc(IO_CHUNK)) == NULL)
		return MK_ERR_ALLOC;
	if (gcry_md_open(&h, GCRY_MD_SHA256, 0) != 0) {
		free(buf);
		return MK_ERR_CRYPTO;
	}
	for (;;) {
		if (cancelled(s, gen)) {
			r = MK_ERR_LOCKED;
			break;
		}
		if ((n = read(in, buf, IO_CHUNK)) < 0) {
			if (errno == EINTR)
				continue;
			r = mkerr_from_errno(errno);
			break;
		}
		if (n == 0)
			break;
		if ((*total += (uint64_t)n) > max) {
			r = MK_ERR_TOO_LARGE;
			break;
		}
		gcry_md_write(h, buf, (size_t)n);
		if (out >= 0 && (r = mkfs_write_all(out, buf, (size_t)n)) != 0)
			break;
	}
	if (r == 0)
		memcpy(sha, gcry_md_read(h, GCRY_MD_SHA256), 32);
	gcry_md_close(h);
	mk_wipe(buf, IO_CHUNK);
	free(buf);
	return r;
}

static int
rewind_fd(int fd)
{
	return lseek(fd, 0, SEEK_SET) == 0 ? 0 : MK_ERR_IO;
}

/* ---- request fields ---- */

struct mreq {
	char	serial[MEDIA_SERIAL_MAX];
	char	path[1100];
	char	epath[4400];		/* escaped, for the log */
	char	cls[16];
	char	title[DOCFMT_TITLE_MAX + 1];
};

static int
read_medium_fields(const struct mkmsg *m, struct mreq *q, int need_path,
    const char **why)
{
	memset(q, 0, sizeof(*q));
	*why = "the medium's serial is missing";
	/* Registered serials are stored escaped: anything else (control
	 * characters, invalid UTF-8) names no medium and never reaches the
	 * log. */
	if (mkmsg_str(m, F_SERIAL, q->serial, sizeof(q->serial)) != 0 ||
	    q->serial[0] == '\0' ||
	    !mktext_is_clean(q->serial, strlen(q->serial)))
		return MK_ERR_USAGE;
	if (!need_path)
		return 0;
	*why = "the path on the medium must be relative, without . or .. "
	    "parts, of clean text";
	if (mkmsg_str(m, F_MPATH, q->path, sizeof(q->path)) != 0 ||
	    !media_path_ok(q->path))
		return MK_ERR_USAGE;
	mktext_escape(q->path, strlen(q->path), q->epath, sizeof(q->epath));
	return 0;
}

/* ---- listing ---- */

struct walk {
	struct session	*s;
	size_t		 count;
	int		 err;
};

static int
list_entry(struct walk *w, const char *rel, uint64_t size)
{
	char esc[4400];
	int r;

	/* Names from the medium are hostile: escaped before they reach a
	 * terminal (an import names a file by its unescaped path, which
	 * must be clean text). */
	mktext_escape(rel, strlen(rel), esc, sizeof(esc));
	if ((r = mkmsg_start(w->s->out, MSG_ENTRY)) != 0 ||
	    (r = mkmsg_add_str(w->s->out, F_MPATH, esc)) != 0 ||
	    (r = mkmsg_add_u64(w->s->out, F_SIZE, size)) != 0)
		return r;
	return mkproto_send(w->s->fd, w->s->out);
}

static void
walk_dir(struct walk *w, int dfd, const char *prefix, int depth)
{
	struct dirent *de;
	struct stat st;
	char rel[1100];
	DIR *dp;
	int fd;

	if ((dp = fdopendir(dfd)) == NULL) {
		close(dfd);
		return;
	}
	while (w->err == 0 && w->count < LIST_MAX &&
	    (de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strncmp(de->d_name, PARTIAL_PREFIX,
		    strlen(PARTIAL_PREFIX)) == 0)
			continue;
		if (snprintf(rel, sizeof(rel), "%s%s%s", prefix,
		    prefix[0] ? "/" : "", de->d_name) >= (int)sizeof(rel) ||
		    fstatat(dirfd(dp), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			w->count++;
			w->err = list_entry(w, rel, (uint64_t)st.st_size);
		} else if (S_ISDIR(st.st_mode) && depth < LIST_DEPTH &&
		    (fd = openat(dirfd(dp), de->d_name, O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0)
			walk_dir(w, fd, rel, depth + 1);
	}
	closedir(dp);
}

int
h_media_list(struct session *s, const struct mkmsg *m)
{
	struct medium med;
	struct mreq q;
	struct walk w = { s, 0, 0 };
	const char *why;
	char msg[320];
	int r, fd;

	if ((r = gate(s, msg, sizeof(msg))) != 0)
		return refuse(s, r, msg);
	if ((r = read_medium_fields(m, &q, 0, &why)) != 0)
		return refuse(s, r, why);
	struct logkv kv[1] = { { "serial", q.serial } };
	if (session_log(s, LOG_SEV_INFO, "media.list", "", 1, kv) != 0)
		return refuse(s, MK_ERR_LOG, NULL);
	if ((r = media_open(s->d, q.serial, MEDIA_IMPORT, &med, msg,
	    sizeof(msg))) != 0)
		return refuse(s, r, msg);
	if ((fd = open(med.mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
		walk_dir(&w, fd, "", 0);
	media_close(&med);
	if (w.err != 0)
		return w.err;
	return reply_ok(s);
}

/* ---- import ---- */

/* Encrypts the plaintext on fd into the vault; the id is known before
 * the body is written. No key rotation meanwhile (vault_rw). */
static int
vault_store(struct session *s, unsigned gen, int fd, int cls,
    const struct docfmt_meta *meta, char id[VAULT_ID_HEX + 1],
    uint64_t *size)
{
	struct vault_import *im = NULL;
	const uint8_t *mk;
	uint8_t *buf, sha[32];
	ssize_t n;
	int r;

	if ((buf = cry_secure_alloc(IO_CHUNK)) == NULL)
		return MK_ERR_ALLOC;
	pthread_rwlock_rdlock(&s->d->vault_rw);
	if ((mk = session_key_get(s)) == NULL) {
		r = MK_ERR_LOCKED;
		goto out;
	}
	r = vault_import_begin(s->d->vault, mk, s->key_epoch, cls, meta, &im);
	session_key_put(s);
	if (r != 0 || (r = rewind_fd(fd)) != 0)
		goto out;
	snprintf(id, VAULT_ID_HEX + 1, "%s", vault_import_id(im));
	while ((n = read(fd, buf, IO_CHUNK)) > 0 && r == 0)
		r = cancelled(s, gen) ? MK_ERR_LOCKED :
		    vault_import_write(im, buf, (size_t)n);
	if (r == 0 && n < 0)
		r = MK_ERR_IO;
	if (r == 0) {
		r = vault_import_commit(im, size, sha);
		im = NULL;
	}
out:
	vault_import_abort(im);
	pthread_rwlock_unlock(&s->d->vault_rw);
	cry_secure_free(buf, IO_CHUNK);
	return r;
}

/* Keeps the infected file as evidence (STATE/quarantine/SHA256, 0400,
 * never executed: the daemon only ever reads it). */
static void
quarantine(struct session *s, int fd, const char *hex, char *where,
    size_t wherelen)
{
	char dir[1300], path[1400];
	uint8_t sha[32];
	uint64_t n;
	int out;

	where[0] = '\0';
	if (mkfs_path(dir, sizeof(dir), "%s/quarantine", s->d->sd.root) != 0 ||
	    (mkdir(dir, 0700) != 0 && errno != EEXIST) ||
	    mkfs_path(path, sizeof(path), "%s/%s", dir, hex) != 0 ||
	    rewind_fd(fd) != 0)
		return;
	if ((out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0400)) < 0)
		return;
	if (copy_hash(s, atomic_load(&s->d->gen), fd, out, IMPORT_MAX, sha,
	    &n) == 0 && fsync(out) == 0)
		snprintf(where, wherelen, "%s", path);
	close(out);
}

static int
refuse_infected(struct session *s, const struct mreq *q, int fd,
    const char *hex, const char *vname, uint64_t intent)
{
	char where[1400], summary[1200], seq[24];
	uint32_t inc = 0;

	quarantine(s, fd, hex, where, sizeof(where));
	snprintf(seq, sizeof(seq), "%" PRIu64, intent);
	snprintf(summary, sizeof(summary), "malware %s in a file imported "
	    "from medium %.64s (%.128s), sha256 %s; refused, evidence kept",
	    vname, q->serial, q->epath, hex);
	struct logkv kv[6] = { { "intent", seq }, { "serial", q->serial },
	    { "path", q->epath }, { "sha256", hex }, { "malware", vname },
	    { "evidence", where } };
	session_log(s, LOG_SEV_CAO, "media.import.infected", "", 6, kv);
	pthread_mutex_lock(&s->d->lock);
	guard_incident_locked(s->d, LOG_SEV_CAO, "media.import.infected",
	    s->acct.name, summary, &inc);
	pthread_mutex_unlock(&s->d->lock);
	snprintf(summary, sizeof(summary), "the file holds malware (%s): it "
	    "was refused, and incident %u was opened", vname, inc);
	return refuse(s, MK_ERR_INFECTED, summary);
}

static void
avdb_path(const struct daemon *d, char *out, size_t outlen)
{
	if (mkfs_path(out, outlen, "%s/av", d->sd.root) != 0)
		out[0] = '\0';
}

static int receive_package(struct session *s, unsigned gen, int pkgfd,
    int *plainfd, int *cls, struct docfmt_meta *meta, char *sender,
    size_t senderlen, char *why, size_t whylen);

/* 1 when the file starts like a transfer package. */
static int
is_package(int fd)
{
	uint8_t head[8];

	return pread(fd, head, 8, 0) == 8 && memcmp(head, "MATKXFER", 8) == 0;
}

static int
import_failed(struct session *s, uint64_t intent, int code, const char *why)
{
	char seq[24];

	snprintf(seq, sizeof(seq), "%" PRIu64, intent);
	struct logkv kv[2] = { { "intent", seq }, { "reason", why } };
	session_log(s, LOG_SEV_THAP, "media.import.failed", "", 2, kv);
	return refuse(s, code, why);
}

/* Copies the file from the medium into an anonymous work file (read
 * once: what is scanned is what is stored), then unmounts. */
static int
fetch(struct session *s, unsigned gen, const struct mreq *q, int *tmp,
    uint8_t sha[32], uint64_t *size, char *why, size_t whylen)
{
	struct medium med;
	struct stat st;
	int r, fd = -1;

	*tmp = -1;
	if ((r = media_open(s->d, q->serial, MEDIA_IMPORT, &med, why,
	    whylen)) != 0)
		return r;
	snprintf(why, whylen, "no such file on the medium");
	if ((r = media_openat(&med, q->path, O_RDONLY, 0, &fd)) != 0)
		goto out;
	snprintf(why, whylen, "not a regular file, or too large");
	r = MK_ERR_USAGE;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > IMPORT_MAX)
		goto out;
	snprintf(why, whylen, "cannot copy the file into the workspace");
	if ((*tmp = work_tmp(s)) < 0) {
		r = mkerr_from_errno(errno);
		goto out;
	}
	r = copy_hash(s, gen, fd, *tmp, IMPORT_MAX, sha, size);
out:
	if (fd >= 0)
		close(fd);
	media_close(&med);
	if (r != 0 && *tmp >= 0) {
		close(*tmp);
		*tmp = -1;
	}
	return r;
}

static int
import_params(const struct mkmsg *m, struct mreq *q, const char **why)
{
	const char *base;
	int r;

	if ((r = read_medium_fields(m, q, 1, why)) != 0)
		return r;
	if (mkmsg_get(m, F_CLASS) != NULL &&
	    (mkmsg_str(m, F_CLASS, q->cls, sizeof(q->cls)) != 0 ||
	    docfmt_class_parse(q->cls) == 0)) {
		*why = "classification must be mat, toi-mat or tuyet-mat";
		return MK_ERR_USAGE;
	}
	if (mkmsg_get(m, F_TITLE) != NULL &&
	    (mkmsg_str(m, F_TITLE, q->title, sizeof(q->title)) != 0 ||
	    !mktext_is_clean(q->title, strlen(q->title)))) {
		*why = "title too long or holding control characters";
		return MK_ERR_USAGE;
	}
	if (q->title[0] == '\0') {
		base = strrchr(q->path, '/');
		if (snprintf(q->title, sizeof(q->title), "%s",
		    base != NULL ? base + 1 : q->path) >=
		    (int)sizeof(q->title))
			q->title[sizeof(q->title) - 1] = '\0';
	}
	return 0;
}

/* What the import stores: the file itself, or the document a transfer
 * package carries (verified, then decrypted). */
struct incoming {
	int			fd;		/* plaintext */
	int			cls;
	int			package;
	char			sender[WS_NAME_MAX + 1];
	struct docfmt_meta	meta;
};

static int
unpack(struct session *s, unsigned gen, const struct mreq *q, int tmp,
    struct incoming *in, char *why, size_t whylen)
{
	memset(&in->meta, 0, sizeof(in->meta));
	in->fd = -1;
	if (!(in->package = is_package(tmp))) {
		snprintf(why, whylen, "the classification (--class) must be "
		    "given for a file that is not a transfer package");
		if ((in->cls = docfmt_class_parse(q->cls)) == 0)
			return MK_ERR_USAGE;
		snprintf(in->meta.title, sizeof(in->meta.title), "%s",
		    q->title);
		snprintf(in->meta.author, sizeof(in->meta.author), "%s",
		    s->acct.name);
		in->meta.created = (int64_t)time(NULL);
		in->fd = dup(tmp);
		return in->fd < 0 ? MK_ERR_SYSTEM : 0;
	}
	return receive_package(s, gen, tmp, &in->fd, &in->cls, &in->meta,
	    in->sender, sizeof(in->sender), why, whylen);
}

static int
import_done(struct session *s, const struct mreq *q, const struct incoming *in,
    const char *id, uint64_t size, const char *hex, uint64_t intent)
{
	char seq[24], sz[24], plainhex[65];
	uint8_t psha[32];
	uint64_t n;
	int r;

	/* The plaintext's hash, which the sender's copy.begin also names. */
	if (in->package && rewind_fd(in->fd) == 0 && copy_hash(s,
	    atomic_load(&s->d->gen), in->fd, -1, IMPORT_MAX, psha, &n) == 0)
		mk_hex(psha, 32, plainhex);
	else
		snprintf(plainhex, sizeof(plainhex), "%s", hex);
	snprintf(seq, sizeof(seq), "%" PRIu64, intent);
	snprintf(sz, sizeof(sz), "%" PRIu64, size);
	struct logkv kv[9] = { { "intent", seq }, { "serial", q->serial },
	    { "path", q->epath }, { "class", docfmt_class_token(in->cls) },
	    { "size", sz }, { "sha256", plainhex },
	    { "type", in->package ? "transfer-package" : "file" },
	    { "file_sha256", hex }, { "sender", in->sender } };
	if (session_log(s, LOG_SEV_INFO, "media.import", id,
	    in->package ? 9 : 8, kv) != 0) {
		vault_delete(s->d->vault, id);
		return refuse(s, MK_ERR_LOG, NULL);
	}
	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_ID, id)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_SIZE, size)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_STATE, in->package ?
	    "transfer-package" : "file")) != 0 ||
	    (r = mkmsg_add_str(s->out, F_PKGHASH, hex)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}

static int
import_run(struct session *s, const struct mreq *q, unsigned gen)
{
	struct incoming in = { .fd = -1 };
	char why[400], hex[65], vname[AVSCAN_NAME_MAX * 4], db[1300];
	char id[VAULT_ID_HEX + 1];
	uint64_t intent = 0, size;
	uint8_t sha[32];
	int r, tmp = -1;

	avdb_path(s->d, db, sizeof(db));
	/* Write-ahead: the intent, before the medium is even read. */
	struct logkv kv[3] = { { "serial", q->serial }, { "path", q->epath },
	    { "class", q->cls[0] ? q->cls : "-" } };
	if (session_log_seq(s, LOG_SEV_INFO, "media.import.begin", "", 3, kv,
	    &intent) != 0)
		return refuse(s, MK_ERR_LOG, NULL);
	if ((r = fetch(s, gen, q, &tmp, sha, &size, why, sizeof(why))) != 0)
		return import_failed(s, intent, r, why);
	mk_hex(sha, 32, hex);
	if ((r = unpack(s, gen, q, tmp, &in, why, sizeof(why))) != 0) {
		close(tmp);
		return import_failed(s, intent, r, why);
	}
	/* Scanned before any use: the bytes that are then stored. */
	r = avscan_fd(db, s->d->conf.work, in.fd, vname, sizeof(vname), why,
	    sizeof(why));
	if (r == MK_ERR_INFECTED) {
		r = refuse_infected(s, q, in.fd, hex, vname, intent);
		goto out;
	}
	if (r != 0) {
		r = import_failed(s, intent, r, why);
		goto out;
	}
	if ((r = vault_store(s, gen, in.fd, in.cls, &in.meta, id,
	    &size)) != 0) {
		r = import_failed(s, intent, r, mkerr_str(r));
		goto out;
	}
	r = import_done(s, q, &in, id, size, hex, intent);
out:
	close(tmp);
	if (in.fd >= 0)
		close(in.fd);
	mk_wipe(&in.meta, sizeof(in.meta));
	return r;
}

int
h_media_import(struct session *s, const struct mkmsg *m)
{
	struct mreq q;
	const char *why;
	char msg[320];
	int r;

	if ((r = gate(s, msg, sizeof(msg))) != 0)
		return refuse(s, r, msg);
	if (policy_may(s->acct.roles, ACT_DOC_IMPORT) != MAY_YES)
		return refuse(s, MK_ERR_DENIED, "this account may not import");
	if ((r = import_params(m, &q, &why)) != 0)
		return refuse(s, r, why);
	return import_run(s, &q, atomic_load(&s->d->gen));
}

/* ---- workstations and this workstation's receiving key ---- */

struct ws {
	char	name[WS_NAME_MAX + 1];
	uint8_t	signpub[SIGN_PUBLIC_LEN];
	uint8_t	xferpub[SEAL_KEY_LEN];
};

static int
ws_path(const struct daemon *d, char *out, size_t outlen)
{
	return mkfs_path(out, outlen, "%s/workstations", d->sd.root);
}

/* Finds a registered workstation by name (name != NULL) or by its
 * signing key. */
static int
ws_find(struct daemon *d, const char *name, const uint8_t *signpub,
    struct ws *out)
{
	struct mkbuf *b = NULL;
	char path[1300], line[400], sh[65], xh[65];
	const char *p, *end, *nl;
	size_t len;
	int r;

	if ((r = ws_path(d, path, sizeof(path))) != 0)
		return r;
	pthread_mutex_lock(&d->lock);
	r = mkfs_read_file(path, WS_FILE_MAX, &b);
	pthread_mutex_unlock(&d->lock);
	if (r != 0)
		return MK_ERR_NOT_FOUND;
	p = (const char *)mkbuf_ptr(b);
	end = p + mkbuf_len(b);
	for (r = MK_ERR_NOT_FOUND; p < end && r != 0; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((len = (size_t)(nl - p)) >= sizeof(line))
			continue;
		memcpy(line, p, len);
		line[len] = '\0';
		if (sscanf(line, "%64[^\t]\t%64[0-9a-f]\t%64[0-9a-f]",
		    out->name, sh, xh) != 3 ||
		    mk_unhex(sh, out->signpub, SIGN_PUBLIC_LEN) != 0 ||
		    mk_unhex(xh, out->xferpub, SEAL_KEY_LEN) != 0)
			continue;
		if ((name != NULL && strcmp(name, out->name) == 0) ||
		    (signpub != NULL && memcmp(signpub, out->signpub,
		    SIGN_PUBLIC_LEN) == 0))
			r = 0;
	}
	mkbuf_free(b);
	return r;
}

/* This workstation's X25519 receiving key (STATE/xfer.key, made at
 * first use); sk is secure memory of SEAL_KEY_LEN bytes. */
static int
xfer_key(struct daemon *d, uint8_t *sk, uint8_t pk[SEAL_KEY_LEN])
{
	struct mkbuf *b = NULL;
	char path[1300];
	int r;

	if ((r = mkfs_path(path, sizeof(path), "%s/xfer.key",
	    d->sd.root)) != 0)
		return r;
	pthread_mutex_lock(&d->lock);
	if ((r = mkfs_read_file(path, SEAL_KEY_LEN, &b)) == 0 &&
	    mkbuf_len(b) == SEAL_KEY_LEN)
		memcpy(sk, mkbuf_ptr(b), SEAL_KEY_LEN);
	else if (r == MK_ERR_NOT_FOUND && (r = seal_keypair(sk, pk)) == 0)
		r = mkfs_atomic_write(path, sk, SEAL_KEY_LEN, 0600);
	else if (r == 0)
		r = MK_ERR_FORMAT;
	pthread_mutex_unlock(&d->lock);
	if (b != NULL)
		mk_wipe((void *)mkbuf_ptr(b), mkbuf_len(b));
	mkbuf_free(b);
	if (r == 0)
		r = seal_public(sk, pk);
	return r;
}

static int
ws_roles_ok(struct session *s)
{
	return s->authed && (s->acct.roles & (ROLE_SUPERVISOR |
	    ROLE_IT_OFFICER)) != 0;
}

int
h_ws_self(struct session *s, const struct mkmsg *m)
{
	uint8_t *sk, pk[SEAL_KEY_LEN], spub[SIGN_PUBLIC_LEN];
	char sh[65], xh[65];
	int r;

	(void)m;
	if (!s->authed || s->d->devkey == NULL)
		return refuse(s, MK_ERR_DENIED, "log in first");
	if ((sk = cry_secure_alloc(SEAL_KEY_LEN)) == NULL)
		return refuse(s, MK_ERR_ALLOC, NULL);
	r = xfer_key(s->d, sk, pk);
	cry_secure_free(sk, SEAL_KEY_LEN);
	if (r != 0)
		return refuse(s, r, "cannot make this workstation's receiving "
		    "key");
	signkey_public(s->d->devkey, spub);
	mk_hex(spub, sizeof(spub), sh);
	mk_hex(pk, sizeof(pk), xh);
	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_SIGNPUB, sh)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_XFERPUB, xh)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}

int
h_ws_add(struct session *s, const struct mkmsg *m)
{
	char name[WS_NAME_MAX + 2], sh[66], xh[66], path[1300], line[300];
	uint8_t k1[32], k2[32];
	struct ws old;
	struct mkbuf *b = NULL;
	int r;

	if (!ws_roles_ok(s))
		return refuse(s, MK_ERR_DENIED, "only a supervisor or an IT "
		    "officer registers workstations");
	if (mkmsg_str(m, F_WORKSTATION, name, sizeof(name)) != 0 ||
	    !mktext_valid_name(name) ||
	    mkmsg_str(m, F_SIGNPUB, sh, sizeof(sh)) != 0 ||
	    mkmsg_str(m, F_XFERPUB, xh, sizeof(xh)) != 0 ||
	    mk_unhex(sh, k1, 32) != 0 || mk_unhex(xh, k2, 32) != 0)
		return refuse(s, MK_ERR_USAGE, "a workstation name (as an "
		    "account name) and two keys of 64 hex digits");
	if (sign_public_key_suspect(k1))
		return refuse(s, MK_ERR_USAGE, "that signing key is not an "
		    "Ed25519 public key a workstation makes");
	if (ws_find(s->d, name, NULL, &old) == 0 ||
	    ws_find(s->d, NULL, k1, &old) == 0)
		return refuse(s, MK_ERR_EXISTS, "a workstation of this name "
		    "or key is registered already");
	struct logkv kv[2] = { { "signpub", sh }, { "xferpub", xh } };
	if (session_log(s, LOG_SEV_TRUNG_BINH, "workstation.add", name, 2,
	    kv) != 0)
		return refuse(s, MK_ERR_LOG, NULL);
	snprintf(line, sizeof(line), "%s\t%s\t%s\t%s\t%lld\n", name, sh, xh,
	    s->acct.name, (long long)time(NULL));
	pthread_mutex_lock(&s->d->lock);
	if ((r = ws_path(s->d, path, sizeof(path))) == 0 &&
	    ((r = mkfs_read_file(path, WS_FILE_MAX, &b)) == 0 ||
	    (r == MK_ERR_NOT_FOUND && (b = mkbuf_new(WS_FILE_MAX)) != NULL)) &&
	    (r = mkbuf_put(b, line, strlen(line))) == 0)
		r = mkfs_atomic_write(path, mkbuf_ptr(b), mkbuf_len(b), 0600);
	pthread_mutex_unlock(&s->d->lock);
	mkbuf_free(b);
	if (r != 0) {
		session_log(s, LOG_SEV_THAP, "workstation.add-failed", name, 0,
		    NULL);
		return refuse(s, r, "cannot write the workstation register");
	}
	return reply_ok(s);
}

int
h_ws_list(struct session *s, const struct mkmsg *m)
{
	struct mkbuf *b = NULL;
	char path[1300], line[400], name[WS_NAME_MAX + 1], sh[65], xh[65];
	const char *p, *end, *nl;
	size_t len;
	int r;

	(void)m;
	if (!s->authed)
		return refuse(s, MK_ERR_DENIED, "log in first");
	if ((r = ws_path(s->d, path, sizeof(path))) != 0)
		return refuse(s, r, NULL);
	pthread_mutex_lock(&s->d->lock);
	r = mkfs_read_file(path, WS_FILE_MAX, &b);
	pthread_mutex_unlock(&s->d->lock);
	if (r == MK_ERR_NOT_FOUND)
		return reply_ok(s);
	if (r != 0)
		return refuse(s, r, NULL);
	p = (const char *)mkbuf_ptr(b);
	end = p + mkbuf_len(b);
	for (r = 0; p < end && r == 0; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((len = (size_t)(nl - p)) >= sizeof(line))
			continue;
		memcpy(line, p, len);
		line[len] = '\0';
		if (sscanf(line, "%64[^\t]\t%64[0-9a-f]\t%64[0-9a-f]", name,
		    sh, xh) != 3)
			continue;
		if ((r = mkmsg_start(s->out, MSG_ENTRY)) == 0 &&
		    (r = mkmsg_add_str(s->out, F_WORKSTATION, name)) == 0 &&
		    (r = mkmsg_add_str(s->out, F_SIGNPUB, sh)) == 0 &&
		    (r = mkmsg_add_str(s->out, F_XFERPUB, xh)) == 0)
			r = mkproto_send(s->fd, s->out);
	}
	mkbuf_free(b);
	return r != 0 ? r : reply_ok(s);
}

/* ---- receiving a transfer package ---- */

/* Hashes len bytes of fd from off, copying them to out (if >= 0). */
static int
hash_range(int fd, uint64_t off, uint64_t len, int out, uint8_t sha[32])
{
	gcry_md_hd_t h;
	uint8_t *buf;
	ssize_t n;
	size_t want;
	int r = 0;

	if ((buf = malloc(IO_CHUNK)) == NULL)
		return MK_ERR_ALLOC;
	if (gcry_md_open(&h, GCRY_MD_SHA256, 0) != 0) {
		free(buf);
		return MK_ERR_CRYPTO;
	}
	while (len > 0 && r == 0) {
		want = len < IO_CHUNK ? (size_t)len : IO_CHUNK;
		if ((n = pread(fd, buf, want, (off_t)off)) <= 0) {
			r = MK_ERR_IO;
			break;
		}
		gcry_md_write(h, buf, (size_t)n);
		if (out >= 0)
			r = mkfs_write_all(out, buf, (size_t)n);
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	if (r == 0 && sha != NULL)
		memcpy(sha, gcry_md_read(h, GCRY_MD_SHA256), 32);
	gcry_md_close(h);
	free(buf);
	return r;
}

/* Checks the header, the sender (registered), the recipient (this
 * workstation) and the signature; *docfd gets the inner document. */
static int
package_check(struct session *s, int pkgfd, struct xferpkg_hdr *h,
    int *docfd, char *sender, size_t senderlen, char *why, size_t whylen)
{
	uint8_t hdr[XFERPKG_HDR_LEN], sig[XFERPKG_SIG_LEN], sha[32];
	uint8_t msg[XFERPKG_SIGMSG_LEN];
	struct stat st;
	struct ws w;
	int r;

	*docfd = -1;
	snprintf(why, whylen, "not a valid transfer package");
	if (fstat(pkgfd, &st) != 0 || pread(pkgfd, hdr, sizeof(hdr), 0) !=
	    (ssize_t)sizeof(hdr) || (r = xferpkg_header_parse(hdr,
	    sizeof(hdr), h)) != 0 || (uint64_t)st.st_size !=
	    XFERPKG_HDR_LEN + h->doc_len + XFERPKG_SIG_LEN)
		return MK_ERR_FORMAT;
	snprintf(why, whylen, "the package comes from a workstation that is "
	    "not registered here");
	if (ws_find(s->d, NULL, h->sender, &w) != 0)
		return MK_ERR_SIGNATURE;
	snprintf(sender, senderlen, "%s", w.name);
	snprintf(why, whylen, "the package's signature does not verify: it "
	    "was altered, or does not come from %s", w.name);
	if ((r = hash_range(pkgfd, 0, XFERPKG_HDR_LEN + h->doc_len, -1,
	    sha)) != 0 || pread(pkgfd, sig, sizeof(sig), (off_t)(
	    XFERPKG_HDR_LEN + h->doc_len)) != (ssize_t)sizeof(sig))
		return MK_ERR_FORMAT;
	xferpkg_sigmsg(sha, msg);
	if (sign_verify(h->sender, msg, sizeof(msg), sig) != 0)
		return MK_ERR_SIGNATURE;
	snprintf(why, whylen, "cannot unpack the package");
	if ((*docfd = work_tmp(s)) < 0)
		return MK_ERR_SYSTEM;
	return hash_range(pkgfd, XFERPKG_HDR_LEN, h->doc_len, *docfd, NULL);
}

static int
package_decrypt(struct session *s, int docfd, const uint8_t *pkey,
    int *plainfd, int *cls, struct docfmt_meta *meta)
{
	uint8_t head[DOCFMT_FIXED_LEN];
	struct docfmt_info info;
	uint64_t plen;
	int r;

	if (pread(docfd, head, sizeof(head), 0) != (ssize_t)sizeof(head))
		return MK_ERR_FORMAT;
	r = docfmt_parse_info(head, sizeof(head), &info);
	if (r != 0 && r != MK_ERR_TRUNCATED)
		return r;
	*cls = info.classification;
	if ((r = rewind_fd(docfd)) != 0 ||
	    (r = docfmt_verify_fd(pkey, docfd, meta, &plen)) != 0 ||
	    (r = rewind_fd(docfd)) != 0)
		return r;
	if ((*plainfd = work_tmp(s)) < 0)
		return MK_ERR_SYSTEM;
	return docfmt_decrypt_fd(pkey, docfd, *plainfd, meta);
}

static int
receive_package(struct session *s, unsigned gen, int pkgfd, int *plainfd,
    int *cls, struct docfmt_meta *meta, char *sender, size_t senderlen,
    char *why, size_t whylen)
{
	struct xferpkg_hdr h;
	uint8_t *sk = NULL, *pkey = NULL, pk[SEAL_KEY_LEN];
	int r, docfd = -1;

	(void)gen;
	*plainfd = -1;
	if ((r = package_check(s, pkgfd, &h, &docfd, sender, senderlen, why,
	    whylen)) != 0)
		goto out;
	r = MK_ERR_ALLOC;
	if ((sk = cry_secure_alloc(SEAL_KEY_LEN)) == NULL ||
	    (pkey = cry_secure_alloc(SEAL_KEY_LEN)) == NULL)
		goto out;
	snprintf(why, whylen, "the package is not addressed to this "
	    "workstation");
	if ((r = xfer_key(s->d, sk, pk)) != 0 || (r = memcmp(pk, h.recipient,
	    SEAL_KEY_LEN) != 0 ? MK_ERR_AUTH : 0) != 0 ||
	    (r = xferpkg_open_key(&h, sk, pkey)) != 0)
		goto out;
	snprintf(why, whylen, "the package's document does not decrypt");
	r = package_decrypt(s, docfd, pkey, plainfd, cls, meta);
out:
	cry_secure_free(sk, SEAL_KEY_LEN);
	cry_secure_free(pkey, SEAL_KEY_LEN);
	if (docfd >= 0)
		close(docfd);
	if (r != 0 && *plainfd >= 0) {
		close(*plainfd);
		*plainfd = -1;
	}
	return r;
}

/* ---- copy-out ---- */

struct cout {
	char	id[VAULT_ID_HEX + 2];
	char	serial[MEDIA_SERIAL_MAX];
	char	ws[WS_NAME_MAX + 2];
	int	plaintext;
	int	cls;
	char	approver[ACCOUNT_NAME_MAX + 1];
	char	sha[65];		/* plaintext */
	char	pkgsha[65];		/* what goes on the medium */
	char	name[128];		/* its name there */
	char	dest[MEDIA_SERIAL_MAX + WS_NAME_MAX + 2];
};

/*
 * Policy per classification (Article 13.2 and the law on state secrets:
 * copying needs the authority's approval). A transfer package of a Mật
 * document: drafters and supervisors directly. Anything else: a
 * supervisor on their own authority, a drafter with a supervisor's
 * approval for that document. A plaintext copy of a Tuyệt mật document:
 * never.
 */
static int
copy_policy(struct session *s, struct cout *c, char *why, size_t whylen)
{
	struct approval ap;
	int r;

	c->approver[0] = '\0';
	if (c->plaintext && c->cls == DOCFMT_TUYET_MAT) {
		snprintf(why, whylen, "a Tuyệt mật document is never copied "
		    "out in plaintext");
		return MK_ERR_POLICY;
	}
	if (!c->plaintext && c->cls == DOCFMT_MAT)
		return 0;
	if (s->acct.roles & ROLE_SUPERVISOR) {
		snprintf(c->approver, sizeof(c->approver), "%s", s->acct.name);
		return 0;
	}
	pthread_mutex_lock(&s->d->lock);
	r = approvals_use(s->d->approvals, s->acct.name, "copy-out", c->id, 1,
	    daemon_now(), &ap);
	if (r == 0) {
		struct logkv kv[2] = { { "action", "copy-out" },
		    { "approver", ap.approver } };
		if (daemon_log_locked(s->d, LOG_SEV_INFO, s->acct.name,
		    accounts_primary_role(s->acct.roles), "approval.use",
		    c->id, 2, kv) != 0)
			r = MK_ERR_LOG;
		snprintf(c->approver, sizeof(c->approver), "%s", ap.approver);
	}
	pthread_mutex_unlock(&s->d->lock);
	if (r != 0)
		snprintf(why, whylen, "copying document %s out needs a "
		    "supervisor's approval (copy-out) for this document; none "
		    "is left", c->id);
	return r == 0 ? 0 : MK_ERR_APPROVAL;
}

/* The document, verified whole, into an anonymous work file; its
 * classification, metadata and plaintext hash. */
static int
decrypt_doc(struct session *s, unsigned gen, struct cout *c, int *plainfd,
    struct docfmt_meta *meta)
{
	struct vault_reader *rd = NULL;
	struct vault_doc doc;
	const uint8_t *mk;
	uint8_t *buf = NULL, sha[32];
	gcry_md_hd_t h = NULL;
	size_t n;
	int r;

	*plainfd = -1;
	if ((mk = session_key_get(s)) == NULL)
		return MK_ERR_LOCKED;
	r = vault_read_open(s->d->vault, mk, c->id, &doc, &rd);
	session_key_put(s);
	if (r != 0)
		return r;
	c->cls = doc.classification;
	*meta = doc.meta;
	mk_wipe(&doc, sizeof(doc));
	if ((r = vault_read_verify(rd, NULL, NULL)) != 0)
		goto out;
	r = MK_ERR_ALLOC;
	if ((buf = cry_secure_alloc(DOCFMT_CHUNK)) == NULL ||
	    gcry_md_open(&h, GCRY_MD_SHA256, 0) != 0 ||
	    (*plainfd = work_tmp(s)) < 0)
		goto out;
	do {
		if ((r = cancelled(s, gen) ? MK_ERR_LOCKED :
		    vault_read_next(rd, buf, &n)) != 0)
			break;
		gcry_md_write(h, buf, n);
		r = mkfs_write_all(*plainfd, buf, n);
	} while (r == 0 && n > 0);
	if (r == 0) {
		memcpy(sha, gcry_md_read(h, GCRY_MD_SHA256), 32);
		mk_hex(sha, 32, c->sha);
	}
out:
	if (h != NULL)
		gcry_md_close(h);
	cry_secure_free(buf, DOCFMT_CHUNK);
	vault_read_close(rd);
	return r;
}

/* The transfer package for c->ws, built in the workspace. */
static int
build_package(struct session *s, const struct cout *c, int plainfd,
    const struct docfmt_meta *meta, int *pkgfd)
{
	uint8_t hdr[XFERPKG_HDR_LEN], spub[SIGN_PUBLIC_LEN], sha[32];
	uint8_t msg[XFERPKG_SIGMSG_LEN], sig[XFERPKG_SIG_LEN], *pkey;
	struct ws w;
	struct stat st;
	int r, docfd = -1;

	*pkgfd = -1;
	if ((r = ws_find(s->d, c->ws, NULL, &w)) != 0)
		return MK_ERR_NOT_FOUND;
	if ((pkey = cry_secure_alloc(SEAL_KEY_LEN)) == NULL)
		return MK_ERR_ALLOC;
	cry_random_key(pkey, SEAL_KEY_LEN);
	signkey_public(s->d->devkey, spub);
	r = MK_ERR_SYSTEM;
	if ((docfd = work_tmp(s)) < 0 || (*pkgfd = work_tmp(s)) < 0 ||
	    (r = rewind_fd(plainfd)) != 0 ||
	    (r = docfmt_encrypt_fd(pkey, 0, c->cls, meta, plainfd, docfd,
	    NULL)) != 0 || fstat(docfd, &st) != 0 ||
	    (r = xferpkg_header_build(spub, w.xferpub, pkey,
	    (uint64_t)st.st_size, hdr)) != 0 ||
	    (r = mkfs_write_all(*pkgfd, hdr, sizeof(hdr))) != 0 ||
	    (r = hash_range(docfd, 0, (uint64_t)st.st_size, *pkgfd,
	    NULL)) != 0 || (r = hash_range(*pkgfd, 0, XFERPKG_HDR_LEN +
	    (uint64_t)st.st_size, -1, sha)) != 0)
		goto out;
	xferpkg_sigmsg(sha, msg);
	pthread_mutex_lock(&s->d->lock);
	r = signkey_sign(s->d->devkey, msg, sizeof(msg), sig);
	pthread_mutex_unlock(&s->d->lock);
	if (r == 0)
		r = mkfs_write_all(*pkgfd, sig, sizeof(sig));
out:
	cry_secure_free(pkey, SEAL_KEY_LEN);
	if (docfd >= 0)
		close(docfd);
	if (r != 0 && *pkgfd >= 0) {
		close(*pkgfd);
		*pkgfd = -1;
	}
	return r;
}

/* Leftovers of a copy cut short (a killed daemon, a removed medium) are
 * removed at the next writable mount; their name says they are partial. */
static void
clean_partials(const struct medium *med)
{
	struct dirent *de;
	DIR *dp;

	if ((dp = opendir(med->mnt)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL)
		if (strncmp(de->d_name, PARTIAL_PREFIX,
		    strlen(PARTIAL_PREFIX)) == 0)
			unlinkat(dirfd(dp), de->d_name, 0);
	closedir(dp);
}

/* Writes src to the medium under a partial name, syncs, reads it back
 * and compares the hash, then gives it its final name. */
static int
write_out(struct session *s, unsigned gen, const struct medium *med,
    struct cout *c, int src, uint64_t intent, char *why, size_t whylen)
{
	char tmp[200], rb[65];
	uint8_t sha[32];
	uint64_t n;
	int r, fd = -1, root = -1;

	snprintf(tmp, sizeof(tmp), PARTIAL_PREFIX "%s-%" PRIu64, c->id,
	    intent);
	snprintf(why, whylen, "cannot write to the medium");
	if ((r = media_openat(med, tmp, O_WRONLY | O_CREAT | O_EXCL, 0600,
	    &fd)) != 0 || (r = rewind_fd(src)) != 0 ||
	    (r = copy_hash(s, gen, src, fd, UINT64_MAX, sha, &n)) != 0)
		goto fail;
	if (fsync(fd) != 0) {
		r = mkerr_from_errno(errno);
		goto fail;
	}
	close(fd);
	fd = -1;
	/* Read back what the medium now holds (not the page cache). */
	snprintf(why, whylen, "the copy read back from the medium differs");
	if ((r = media_openat(med, tmp, O_RDONLY, 0, &fd)) != 0)
		goto fail;
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if ((r = copy_hash(s, gen, fd, -1, UINT64_MAX, sha, &n)) != 0)
		goto fail;
	mk_hex(sha, 32, rb);
	if (strcmp(rb, c->pkgsha) != 0) {
		r = MK_ERR_IO;
		goto fail;
	}
	close(fd);
	fd = -1;
	snprintf(why, whylen, "cannot name the copy on the medium");
	if ((root = open(med->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    renameat2(root, tmp, root, c->name, RENAME_NOREPLACE) != 0 ||
	    fsync(root) != 0) {
		r = mkerr_from_errno(errno);
		goto fail;
	}
	close(root);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	if (root < 0)
		root = open(med->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root >= 0) {
		unlinkat(root, tmp, 0);
		close(root);
	}
	if (r == MK_ERR_NO_SPACE)
		snprintf(why, whylen, "the medium is full");
	return r;
}

static int
copy_params(const struct mkmsg *m, struct cout *c, const char **why)
{
	char type[32];

	memset(c, 0, sizeof(*c));
	*why = "a document id, a medium's serial, and a receiving "
	    "workstation or a plaintext copy";
	if (mkmsg_str(m, F_ID, c->id, sizeof(c->id)) != 0 ||
	    !vault_id_valid(c->id) ||
	    mkmsg_str(m, F_SERIAL, c->serial, sizeof(c->serial)) != 0 ||
	    c->serial[0] == '\0' ||
	    !mktext_is_clean(c->serial, strlen(c->serial)))
		return MK_ERR_USAGE;
	if (mkmsg_get(m, F_COPYTYPE) != NULL) {
		if (mkmsg_str(m, F_COPYTYPE, type, sizeof(type)) != 0 ||
		    (strcmp(type, "plaintext") != 0 &&
		    strcmp(type, "transfer-package") != 0))
			return MK_ERR_USAGE;
		c->plaintext = strcmp(type, "plaintext") == 0;
	}
	if (!c->plaintext && (mkmsg_str(m, F_WORKSTATION, c->ws,
	    sizeof(c->ws)) != 0 || !mktext_valid_name(c->ws)))
		return MK_ERR_USAGE;
	return 0;
}

static int
copy_outcome(struct session *s, struct cout *c, uint64_t intent, int r,
    const char *why)
{
	char seq[24];

	snprintf(seq, sizeof(seq), "%" PRIu64, intent);
	if (r != 0) {
		struct logkv kv[3] = { { "intent", seq }, { "copies", "0" },
		    { "reason", why } };
		session_log(s, LOG_SEV_THAP, "copy.failed", c->id, 3, kv);
		return refuse(s, r, why);
	}
	struct logkv kv[4] = { { "intent", seq }, { "copies", "1" },
	    { "file", c->name }, { "pkg_sha256", c->pkgsha } };
	if (session_log(s, LOG_SEV_INFO, "copy.done", c->id, 4, kv) != 0)
		return refuse(s, MK_ERR_LOG, "the copy was made but its outcome "
		    "could not be logged");
	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_MPATH, c->name)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_SEQ, intent)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_PKGHASH, c->pkgsha)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}

/* Logs the intent (write-ahead), then writes to the mounted medium. */
static int
copy_write(struct session *s, unsigned gen, struct cout *c, int outfd)
{
	struct medium med;
	char why[400], seq[24];
	uint64_t intent = 0, n;
	uint8_t sha[32];
	int r;

	if ((r = rewind_fd(outfd)) != 0 || (r = copy_hash(s, gen, outfd, -1,
	    UINT64_MAX, sha, &n)) != 0)
		return refuse(s, r, NULL);
	mk_hex(sha, 32, c->pkgsha);
	if ((r = media_open(s->d, c->serial, MEDIA_EXPORT, &med, why,
	    sizeof(why))) != 0)
		return refuse(s, r, why);
	clean_partials(&med);
	snprintf(c->dest, sizeof(c->dest), "%s%s%s", c->serial,
	    c->plaintext ? "" : "/", c->plaintext ? "" : c->ws);
	struct logkv kv[8] = { { "sha256", c->sha },
	    { "class", docfmt_class_token(c->cls) },
	    { "approver", c->approver }, { "dest", c->dest },
	    { "copies", "1" }, { "copy_type", c->plaintext ? "plaintext" :
	    "transfer-package" }, { "pkg_sha256", c->pkgsha },
	    { "size", seq } };
	snprintf(seq, sizeof(seq), "%" PRIu64, n);
	if (session_log_seq(s, LOG_SEV_INFO, "copy.begin", c->id, 8, kv,
	    &intent) != 0) {
		media_close(&med);
		return refuse(s, MK_ERR_LOG, NULL);
	}
	snprintf(c->name, sizeof(c->name), "%s-%" PRIu64 ".%s", c->id, intent,
	    c->plaintext ? "bin" : "mkx");
	r = write_out(s, gen, &med, c, outfd, intent, why, sizeof(why));
	media_close(&med);
	return copy_outcome(s, c, intent, r, why);
}

int
h_copy_out(struct session *s, const struct mkmsg *m)
{
	struct docfmt_meta meta;
	struct cout c;
	unsigned gen = atomic_load(&s->d->gen);
	const char *why;
	char msg[400];
	int r, plainfd = -1, pkgfd = -1;

	if ((r = gate(s, msg, sizeof(msg))) != 0)
		return refuse(s, r, msg);
	if (policy_may(s->acct.roles, ACT_COPY_OUT) == MAY_NO)
		return refuse(s, MK_ERR_DENIED, "this account may not copy "
		    "documents out");
	if ((r = copy_params(m, &c, &why)) != 0)
		return refuse(s, r, why);
	if ((r = decrypt_doc(s, gen, &c, &plainfd, &meta)) != 0) {
		r = refuse(s, r, "the document does not open");
		goto out;
	}
	if ((r = copy_policy(s, &c, msg, sizeof(msg))) != 0) {
		r = refuse(s, r, msg);
		goto out;
	}
	if (!c.plaintext && (r = build_package(s, &c, plainfd, &meta,
	    &pkgfd)) != 0) {
		r = refuse(s, r, r == MK_ERR_NOT_FOUND ? "no receiving "
		    "workstation of this name is registered" :
		    "cannot build the transfer package");
		goto out;
	}
	r = copy_write(s, gen, &c, c.plaintext ? plainfd : pkgfd);
out:
	mk_wipe(&meta, sizeof(meta));
	if (plainfd >= 0)
		close(plainfd);
	if (pkgfd >= 0)
		close(pkgfd);
	return r;
}

/* ---- signature updates ---- */

/* A ClamAV database file name: letters, digits, '.', '-', '_' and a
 * known extension. */
static int
avdb_name_ok(const char *name)
{
	static const char *const ext[] = { ".cvd", ".cld", ".cud", ".hdb",
	    ".hsb", ".ndb", ".ldb", ".mdb", ".msb", NULL };
	size_t i, n = strlen(name);

	if (n == 0 || n > 64 || name[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '.' ||
		    name[i] == '-' || name[i] == '_'))
			return 0;
	for (i = 0; ext[i] != NULL; i++)
		if (n > 4 && strcmp(name + n - 4, ext[i]) == 0)
			return 1;
	return 0;
}

/* Copies the file into a fresh STATE/av.new/NAME (synced). */
static int
stage_db(struct session *s, const struct mreq *q, const char *name,
    const char *stage, char *hex, char *why, size_t whylen)
{
	struct medium med;
	char path[1400];
	uint8_t sha[32];
	uint64_t n;
	int r, in = -1, out = -1;

	if ((r = media_open(s->d, q->serial, MEDIA_IMPORT, &med, why,
	    whylen)) != 0)
		return r;
	snprintf(why, whylen, "cannot copy the signature file");
	if ((r = media_openat(&med, q->path, O_RDONLY, 0, &in)) != 0 ||
	    (r = mkfs_path(path, sizeof(path), "%s/%s", stage, name)) != 0)
		goto out;
	if ((out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0) {
		r = mkerr_from_errno(errno);
		goto out;
	}
	if ((r = copy_hash(s, atomic_load(&s->d->gen), in, out, AVDB_FILE_MAX,
	    sha, &n)) == 0 && fsync(out) != 0)
		r = mkerr_from_errno(errno);
	mk_hex(sha, 32, hex);
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	media_close(&med);
	return r;
}

static void
remove_dir(const char *dir)
{
	struct dirent *de;
	DIR *dp;

	if ((dp = opendir(dir)) != NULL) {
		while ((de = readdir(dp)) != NULL)
			if (de->d_name[0] != '.' || (strcmp(de->d_name, ".") &&
			    strcmp(de->d_name, "..")))
				unlinkat(dirfd(dp), de->d_name, 0);
		closedir(dp);
	}
	rmdir(dir);
}

/* Puts the staged database in place in one step: the live directory is
 * exchanged with the staged one (or the staged one renamed, the first
 * time), so a scan sees the old database or the new, never a mixture. */
static int
install_db(struct session *s, const char *stage, const char *live)
{
	int r = 0;

	if (renameat2(AT_FDCWD, stage, AT_FDCWD, live, RENAME_EXCHANGE) != 0) {
		if (errno != ENOENT || rename(stage, live) != 0)
			r = mkerr_from_errno(errno);
	}
	if (r == 0)
		r = mkfs_fsync_dir(s->d->sd.root);
	remove_dir(stage);
	return r;
}

static int
av_update_run(struct session *s, const struct mreq *q, const char *name)
{
	char live[1300], stage[1320], why[400], hex[65] = "", sigs[24];
	unsigned n = 0;
	int r;

	avdb_path(s->d, live, sizeof(live));
	snprintf(stage, sizeof(stage), "%s.new", live);
	struct logkv kv[3] = { { "serial", q->serial }, { "path", q->epath },
	    { "sha256", hex } };
	if (session_log(s, LOG_SEV_TRUNG_BINH, "av.update.begin", name, 2,
	    kv) != 0)
		return refuse(s, MK_ERR_LOG, NULL);
	remove_dir(stage);
	if (mkdir(stage, 0700) != 0)
		r = mkerr_from_errno(errno);
	else if ((r = stage_db(s, q, name, stage, hex, why,
	    sizeof(why))) == 0 &&
	    (r = avscan_check_db(stage, &n, why, sizeof(why))) == 0) {
		snprintf(why, sizeof(why), "cannot install the database");
		r = install_db(s, stage, live);
	}
	if (r != 0) {
		remove_dir(stage);
		struct logkv fk[3] = { { "sha256", hex }, { "reason", why } };
		session_log(s, LOG_SEV_TRUNG_BINH, "av.update.failed", name, 2,
		    fk);
		return refuse(s, r, why);
	}
	avscan_reload();
	snprintf(sigs, sizeof(sigs), "%u", n);
	struct logkv ok[3] = { { "serial", q->serial }, { "sha256", hex },
	    { "signatures", sigs } };
	session_log(s, LOG_SEV_TRUNG_BINH, "av.update", name, 3, ok);
	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_COUNT, n)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}

int
h_av_update(struct session *s, const struct mkmsg *m)
{
	struct mreq q;
	const char *why, *name;

	int r;

	if (!ws_roles_ok(s))
		return refuse(s, MK_ERR_DENIED, "only a supervisor or an IT "
		    "officer updates the scanner's signatures");
	if ((r = read_medium_fields(m, &q, 1, &why)) != 0)
		return refuse(s, r, why);
	name = strrchr(q.path, '/') != NULL ? strrchr(q.path, '/') + 1 :
	    q.path;
	if (!avdb_name_ok(name))
		return refuse(s, MK_ERR_USAGE, "not a signature database file "
		    "name (.cvd, .cld, .cud, .hdb, .hsb, .ndb, .ldb, ...)");
	return av_update_run(s, &q, name);
}
