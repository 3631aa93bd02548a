#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gcrypt.h>

#include "backup.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "crypto/cry.h"

#define COPY_BUF	(1 << 20)
#define SECRETS_MAGIC	"MATKBSEC"
#define SECRETS_VERSION	2
#define SECRETS_HDR	(8 + 2 + 2 + 4)
#define SECRET_FILE_MAX	65536

void
backup_manifest_free(struct backup_manifest *m)
{
	free(m->f);
	memset(m, 0, sizeof(*m));
}

int
backup_path_ok(const char *path)
{
	const char *p = path, *e;
	size_t n, i;

	if (*p == '\0' || strlen(p) >= BACKUP_PATH_MAX)
		return 0;
	while (*p != '\0') {
		e = strchr(p, '/');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		for (i = 0; i < n; i++) {
			char c = p[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
			    c == '-'))
				return 0;
		}
		p += n;
		if (*p == '/') {
			p++;
			if (*p == '\0')
				return 0;
		}
	}
	return 1;
}

const struct backup_file *
backup_manifest_find(const struct backup_manifest *m, const char *path)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->f[i].path, path) == 0)
			return &m->f[i];
	return NULL;
}

int
backup_manifest_add(struct backup_manifest *m, const char *path,
    const uint8_t sha[32], uint64_t size)
{
	struct backup_file *nf;
	size_t cap;

	if (!backup_path_ok(path))
		return MK_ERR_ARGUMENT;
	if (m->n == BACKUP_FILES_MAX)
		return MK_ERR_TOO_LARGE;
	if (m->n == m->cap) {
		cap = m->cap ? 2 * m->cap : 64;
		if ((nf = realloc(m->f, cap * sizeof(*nf))) == NULL)
			return MK_ERR_ALLOC;
		m->f = nf;
		m->cap = cap;
	}
	memset(&m->f[m->n], 0, sizeof(m->f[0]));
	snprintf(m->f[m->n].path, sizeof(m->f[0].path), "%s", path);
	memcpy(m->f[m->n].sha, sha, 32);
	m->f[m->n].size = size;
	m->n++;
	return 0;
}

int
backup_manifest_format(const struct backup_manifest *m, struct mkbuf *out)
{
	char hex[65];
	size_t i;
	int r;

	if ((r = mkbuf_printf(out, "matkiosk-backup 1\ndevice-id %s\n"
	    "generation %" PRIu32 "\ncreated %" PRId64 "\nkey-epoch %" PRIu32
	    "\nlog-head %" PRIu64 ":%s\n", m->device_id, m->generation,
	    m->created, m->key_epoch, m->log_seq, m->log_mac)) != 0)
		return r;
	for (i = 0; i < m->n; i++) {
		mk_hex(m->f[i].sha, 32, hex);
		if ((r = mkbuf_printf(out, "file %s %" PRIu64 " %s\n", hex,
		    m->f[i].size, m->f[i].path)) != 0)
			return r;
	}
	return 0;
}

static int
is_hex(const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return MK_ERR_FORMAT;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return *end != '\0' || errno != 0 || *v > max ? MK_ERR_FORMAT : 0;
}

static int
parse_line(char *s, struct backup_manifest *m, unsigned *seen)
{
	char *a = strchr(s, ' '), *b, *c;
	uint8_t sha[32];
	uint64_t v, size;

	if (a == NULL)
		return MK_ERR_FORMAT;
	*a++ = '\0';
	if (strcmp(s, "file") == 0) {
		if ((b = strchr(a, ' ')) == NULL)
			return MK_ERR_FORMAT;
		*b++ = '\0';
		if ((c = strchr(b, ' ')) == NULL)
			return MK_ERR_FORMAT;
		*c++ = '\0';
		if (!is_hex(a, 64) || mk_unhex(a, sha, 32) != 0 ||
		    parse_u64(b, UINT64_MAX / 2, &size) != 0 ||
		    !backup_path_ok(c) || backup_manifest_find(m, c) != NULL)
			return MK_ERR_FORMAT;
		return backup_manifest_add(m, c, sha, size);
	}
	if (strcmp(s, "device-id") == 0 && !(*seen & 1) && is_hex(a, 32)) {
		snprintf(m->device_id, sizeof(m->device_id), "%s", a);
		*seen |= 1;
	} else if (strcmp(s, "generation") == 0 && !(*seen & 2) &&
	    parse_u64(a, UINT32_MAX, &v) == 0 && v > 0) {
		m->generation = (uint32_t)v;
		*seen |= 2;
	} else if (strcmp(s, "created") == 0 && !(*seen & 4) &&
	    parse_u64(a, INT64_MAX, &v) == 0) {
		m->created = (int64_t)v;
		*seen |= 4;
	} else if (strcmp(s, "key-epoch") == 0 && !(*seen & 8) &&
	    parse_u64(a, UINT32_MAX, &v) == 0) {
		m->key_epoch = (uint32_t)v;
		*seen |= 8;
	} else if (strcmp(s, "log-head") == 0 && !(*seen & 16) &&
	    (b = strchr(a, ':')) != NULL) {
		*b++ = '\0';
		if (parse_u64(a, UINT64_MAX, &m->log_seq) != 0 || !is_hex(b, 16))
			return MK_ERR_FORMAT;
		snprintf(m->log_mac, sizeof(m->log_mac), "%s", b);
		*seen |= 16;
	} else
		return MK_ERR_FORMAT;
	return 0;
}

int
backup_manifest_parse(const char *text, size_t len, struct backup_manifest *m,
    size_t *lineno)
{
	char line[BACKUP_PATH_MAX + 160];
	size_t i = 0, n;
	const char *nl;
	unsigned seen = 0;
	int r;

	memset(m, 0, sizeof(*m));
	*lineno = 0;
	while (i < len) {
		(*lineno)++;
		if ((nl = memchr(text + i, '\n', len - i)) == NULL)
			return MK_ERR_TRUNCATED;
		n = (size_t)(nl - (text + i));
		if (n >= sizeof(line) || memchr(text + i, '\0', n) != NULL)
			return MK_ERR_FORMAT;
		memcpy(line, text + i, n);
		line[n] = '\0';
		i += n + 1;
		if (*lineno == 1) {
			if (strcmp(line, "matkiosk-backup 1") != 0)
				return strncmp(line, "matkiosk-backup ", 16) == 0 ?
				    MK_ERR_VERSION : MK_ERR_FORMAT;
			continue;
		}
		if ((r = parse_line(line, m, &seen)) != 0)
			return r;
	}
	if (*lineno == 0 || seen != 31)
		return MK_ERR_FORMAT;
	return 0;
}

int
backup_hash_file(const char *path, uint8_t sha[32], uint64_t *size)
{
	gcry_md_hd_t md;
	uint8_t *buf;
	size_t got;
	int fd, r;

	*size = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return mkerr_from_errno(errno);
	if ((buf = malloc(COPY_BUF)) == NULL) {
		close(fd);
		return MK_ERR_ALLOC;
	}
	if (gcry_md_open(&md, GCRY_MD_SHA256, 0) != 0) {
		free(buf);
		close(fd);
		return MK_ERR_CRYPTO;
	}
	for (;;) {
		if ((r = mkfs_read_full(fd, buf, COPY_BUF, &got)) != 0 ||
		    got == 0)
			break;
		gcry_md_write(md, buf, got);
		*size += got;
		if (got < COPY_BUF)
			break;
	}
	if (r == 0)
		memcpy(sha, gcry_md_read(md, GCRY_MD_SHA256), 32);
	gcry_md_close(md);
	free(buf);
	close(fd);
	return r;
}

int
backup_make_parents(const char *dst)
{
	char dir[BACKUP_PATH_MAX + 1200], *p;

	if (mkfs_path(dir, sizeof(dir), "%s", dst) != 0)
		return MK_ERR_TOO_LARGE;
	if ((p = strrchr(dir, '/')) == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return mkerr_from_errno(errno);
		*p = '/';
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return mkerr_from_errno(errno);
	return 0;
}

static int
finish_copy(int fd, const char *tmp, const char *dst)
{
	char dir[BACKUP_PATH_MAX + 1200], *p;
	int r = 0;

	if (fsync(fd) != 0)
		r = mkerr_from_errno(errno);
	if (close(fd) != 0 && r == 0)
		r = mkerr_from_errno(errno);
	if (r == 0 && rename(tmp, dst) != 0)
		r = mkerr_from_errno(errno);
	if (r != 0) {
		unlink(tmp);
		return r;
	}
	if (mkfs_path(dir, sizeof(dir), "%s", dst) != 0)
		return MK_ERR_TOO_LARGE;
	if ((p = strrchr(dir, '/')) != NULL && p != dir)
		*p = '\0';
	return mkfs_fsync_dir(dir);
}

static int
open_tmp(const char *dst, char *tmp, size_t tmplen, int *fd)
{
	int r;

	if ((r = backup_make_parents(dst)) != 0 ||
	    (r = mkfs_path(tmp, tmplen, "%s.tmp", dst)) != 0)
		return r;
	if ((*fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) < 0)
		return mkerr_from_errno(errno);
	return 0;
}

int
backup_copy_file(const char *src, const char *dst, uint8_t sha[32],
    uint64_t *size)
{
	char tmp[BACKUP_PATH_MAX + 1300];
	gcry_md_hd_t md = NULL;
	uint8_t *buf = NULL;
	size_t got;
	int in, out = -1, r;

	*size = 0;
	if ((in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return mkerr_from_errno(errno);
	if ((r = open_tmp(dst, tmp, sizeof(tmp), &out)) != 0)
		goto out;
	if ((buf = malloc(COPY_BUF)) == NULL) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	if (gcry_md_open(&md, GCRY_MD_SHA256, 0) != 0) {
		r = MK_ERR_CRYPTO;
		goto out;
	}
	for (;;) {
		if ((r = mkfs_read_full(in, buf, COPY_BUF, &got)) != 0 ||
		    got == 0)
			break;
		gcry_md_write(md, buf, got);
		if ((r = mkfs_write_all(out, buf, got)) != 0)
			break;
		*size += got;
		if (got < COPY_BUF)
			break;
	}
	if (r == 0) {
		memcpy(sha, gcry_md_read(md, GCRY_MD_SHA256), 32);
		r = finish_copy(out, tmp, dst);
		out = -1;
	}
 out:
	if (out >= 0) {
		close(out);
		unlink(tmp);
	}
	if (md != NULL)
		gcry_md_close(md);
	free(buf);
	close(in);
	return r;
}

int
backup_write_file(const char *dst, const void *p, size_t n)
{
	char tmp[BACKUP_PATH_MAX + 1300];
	int fd, r;

	if ((r = open_tmp(dst, tmp, sizeof(tmp), &fd)) != 0)
		return r;
	if ((r = mkfs_write_all(fd, p, n)) != 0) {
		close(fd);
		unlink(tmp);
		return r;
	}
	return finish_copy(fd, tmp, dst);
}

/* The secrets' key: not the master key itself, so a backup's secrets and
 * the vault's wrapped keys never share a key. */
static int
secrets_key(const uint8_t mk[32], uint8_t key[32])
{
	static const char label[] = "matkiosk backup secrets v1";

	return cry_hmac_sha256(mk, 32, label, sizeof(label) - 1, key);
}

static void
secrets_aad(const uint8_t *hdr, const char *device_id, uint32_t gen,
    uint8_t *aad, size_t *len)
{
	memcpy(aad, hdr, SECRETS_HDR);
	memcpy(aad + SECRETS_HDR, device_id, 32);
	mk_put_be32(aad + SECRETS_HDR + 32, gen);
	*len = SECRETS_HDR + 36;
}

void
backup_secrets_free(struct backup_secrets *sec)
{
	struct mkbuf *const all[] = { sec->devkey, sec->logkey, sec->xferkey };
	size_t i;

	for (i = 0; i < 3; i++)
		if (all[i] != NULL) {
			mk_wipe((void *)mkbuf_ptr(all[i]), mkbuf_len(all[i]));
			mkbuf_free(all[i]);
		}
	sec->devkey = sec->logkey = sec->xferkey = NULL;
}

int
backup_seal_secrets(const uint8_t mk[32], uint32_t key_epoch,
    const char *device_id, uint32_t gen, const struct backup_secrets *in,
    struct mkbuf *out)
{
	const struct mkbuf *part[3] = { in->devkey, in->logkey, in->xferkey };
	uint8_t hdr[SECRETS_HDR], aad[SECRETS_HDR + 36], nonce[CRY_NONCE_LEN];
	uint8_t tag[CRY_TAG_LEN], *key = NULL, *plain = NULL, *dst;
	size_t n = 0, at, len[3], i, aadlen;
	int r;

	if (strlen(device_id) != 32 || in->devkey == NULL || in->logkey == NULL)
		return MK_ERR_ARGUMENT;
	for (i = 0; i < 3; i++) {
		len[i] = part[i] != NULL ? mkbuf_len(part[i]) : 0;
		if (len[i] > SECRET_FILE_MAX)
			return MK_ERR_ARGUMENT;
		n += 4 + len[i];
	}
	if ((key = cry_secure_alloc(32)) == NULL ||
	    (plain = cry_secure_alloc(n)) == NULL) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	for (i = 0, at = 0; i < 3; i++) {
		mk_put_be32(plain + at, (uint32_t)len[i]);
		if (len[i] > 0)
			memcpy(plain + at + 4, mkbuf_ptr(part[i]), len[i]);
		at += 4 + len[i];
	}
	memcpy(hdr, SECRETS_MAGIC, 8);
	mk_put_be16(hdr + 8, SECRETS_VERSION);
	mk_put_be16(hdr + 10, 0);
	mk_put_be32(hdr + 12, key_epoch);
	cry_random(nonce, sizeof(nonce));
	secrets_aad(hdr, device_id, gen, aad, &aadlen);
	if ((r = secrets_key(mk, key)) != 0 ||
	    (r = mkbuf_put(out, hdr, sizeof(hdr))) != 0 ||
	    (r = mkbuf_put(out, nonce, sizeof(nonce))) != 0 ||
	    (r = mkbuf_reserve(out, n, &dst)) != 0)
		goto out;
	if ((r = cry_gcm_seal(key, nonce, aad, aadlen, plain, n, dst,
	    tag)) != 0)
		goto out;
	r = mkbuf_put(out, tag, sizeof(tag));
 out:
	cry_secure_free(key, 32);
	cry_secure_free(plain, n);
	return r;
}

/* The length-prefixed parts of the secrets' plaintext: exactly nparts,
 * filling it. */
static int
split_parts(const uint8_t *plain, size_t n, struct mkbuf **part,
    size_t nparts)
{
	size_t at = 0, i, len;

	for (i = 0; i < nparts; i++) {
		if (n - at < 4 || (len = mk_get_be32(plain + at)) > n - at - 4)
			return MK_ERR_FORMAT;
		if ((part[i] = mkbuf_new(len + 1)) == NULL)
			return MK_ERR_ALLOC;
		if (mkbuf_put(part[i], plain + at + 4, len) != 0)
			return MK_ERR_ALLOC;
		at += 4 + len;
	}
	return at == n ? 0 : MK_ERR_FORMAT;
}

int
backup_open_secrets(const uint8_t mk[32], const char *device_id,
    uint32_t gen, const uint8_t *p, size_t len, struct backup_secrets *out,
    uint32_t *key_epoch)
{
	uint8_t aad[SECRETS_HDR + 36], *key = NULL, *plain = NULL;
	struct mkbuf *part[3] = { NULL, NULL, NULL };
	size_t n, aadlen, nparts;
	unsigned version;
	int r;

	memset(out, 0, sizeof(*out));
	if (len < SECRETS_HDR + CRY_NONCE_LEN + 8 + CRY_TAG_LEN)
		return MK_ERR_TRUNCATED;
	if (memcmp(p, SECRETS_MAGIC, 8) != 0 || mk_get_be16(p + 10) != 0)
		return MK_ERR_FORMAT;
	version = mk_get_be16(p + 8);
	if (version != 1 && version != SECRETS_VERSION)
		return MK_ERR_VERSION;
	nparts = version == 1 ? 2 : 3;
	if (strlen(device_id) != 32)
		return MK_ERR_ARGUMENT;
	n = len - SECRETS_HDR - CRY_NONCE_LEN - CRY_TAG_LEN;
	if ((key = cry_secure_alloc(32)) == NULL ||
	    (plain = cry_secure_alloc(n)) == NULL) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	secrets_aad(p, device_id, gen, aad, &aadlen);
	if ((r = secrets_key(mk, key)) != 0 ||
	    (r = cry_gcm_open(key, p + SECRETS_HDR, aad, aadlen,
	    p + SECRETS_HDR + CRY_NONCE_LEN, n, plain,
	    p + len - CRY_TAG_LEN)) != 0 ||
	    (r = split_parts(plain, n, part, nparts)) != 0)
		goto out;
	out->devkey = part[0];
	out->logkey = part[1];
	/* An empty third part: the machine had no transfer key yet. */
	if (part[2] != NULL && mkbuf_len(part[2]) > 0)
		out->xferkey = part[2];
	else
		mkbuf_free(part[2]);
	memset(part, 0, sizeof(part));
	*key_epoch = mk_get_be32(p + 12);
 out:
	for (n = 0; n < 3; n++)
		if (part[n] != NULL) {
			mk_wipe((void *)mkbuf_ptr(part[n]), mkbuf_len(part[n]));
			mkbuf_free(part[n]);
		}
	cry_secure_free(key, 32);
	if (plain != NULL)
		cry_secure_free(plain, len - SECRETS_HDR - CRY_NONCE_LEN -
		    CRY_TAG_LEN);
	return r;
}
