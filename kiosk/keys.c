#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "crypto/cry.h"
#include "crypto/keyslot.h"
#include "crypto/seal.h"
#include "keys.h"

/* Credential slots carry no epoch: the epoch field is 0. */
#define CRED_EPOCH	0

static int
slot_path(const struct statedir *sd, const char *label, char *out,
    size_t outlen)
{
	return statedir_slot_path(sd, label, out, outlen);
}

static int
grant_path(const struct statedir *sd, const char *label, char *out,
    size_t outlen)
{
	return mkfs_path(out, outlen, "%s/%s.grant", sd->grants, label);
}

static int
write_slot(const struct statedir *sd, const char *label,
    const uint8_t sk[KEYS_LEN], const char *secret)
{
	struct keyslot_params p;
	uint8_t slot[KEYSLOT_LEN];
	char path[STATEDIR_PATH_MAX + 80];
	int r;

	keyslot_default_params(&p);
	if ((r = slot_path(sd, label, path, sizeof(path))) != 0 ||
	    (r = keyslot_wrap(label, secret, strlen(secret), &p, sk,
	    CRED_EPOCH, slot)) != 0)
		return r;
	return mkfs_atomic_write(path, slot, sizeof(slot), 0600);
}

int
keys_credential_new(const struct statedir *sd, const char *label,
    const char *secret, uint8_t pk[KEYS_LEN])
{
	uint8_t *sk;
	int r;

	if ((sk = cry_secure_alloc(KEYS_LEN)) == NULL)
		return MK_ERR_ALLOC;
	if ((r = seal_keypair(sk, pk)) == 0)
		r = write_slot(sd, label, sk, secret);
	cry_secure_free(sk, KEYS_LEN);
	return r;
}

int
keys_credential_open(const struct statedir *sd, const char *label,
    const char *secret, uint8_t sk[KEYS_LEN])
{
	struct mkbuf *slot = NULL;
	char path[STATEDIR_PATH_MAX + 80];
	uint32_t epoch;
	int r;

	if ((r = slot_path(sd, label, path, sizeof(path))) != 0 ||
	    (r = mkfs_read_file(path, KEYSLOT_LEN, &slot)) != 0)
		return r;
	if (mkbuf_len(slot) != KEYSLOT_LEN)
		r = MK_ERR_FORMAT;
	else
		r = keyslot_unwrap(label, secret, strlen(secret),
		    mkbuf_ptr(slot), sk, &epoch);
	mkbuf_free(slot);
	return r;
}

int
keys_credential_rewrap(const struct statedir *sd, const char *label,
    const uint8_t sk[KEYS_LEN], const char *secret)
{
	return write_slot(sd, label, sk, secret);
}

int
keys_grant_write(const struct statedir *sd, const char *label,
    const uint8_t pk[KEYS_LEN], const uint8_t mk[KEYS_LEN], uint32_t epoch,
    const uint8_t *mk2, uint32_t epoch2)
{
	uint8_t buf[2 * SEAL_GRANT_LEN];
	char path[STATEDIR_PATH_MAX + 80];
	size_t n = SEAL_GRANT_LEN;
	int r;

	if ((r = grant_path(sd, label, path, sizeof(path))) != 0 ||
	    (r = seal_grant(label, pk, mk, epoch, buf)) != 0)
		return r;
	if (mk2 != NULL) {
		if ((r = seal_grant(label, pk, mk2, epoch2,
		    buf + SEAL_GRANT_LEN)) != 0)
			return r;
		n += SEAL_GRANT_LEN;
	}
	return mkfs_atomic_write(path, buf, n, 0600);
}

int
keys_grant_open(const struct statedir *sd, const char *label,
    const uint8_t sk[KEYS_LEN], uint8_t *mk, uint32_t epochs[2], int *n)
{
	struct mkbuf *b = NULL;
	char path[STATEDIR_PATH_MAX + 80];
	size_t len, i, count;
	int r;

	*n = 0;
	epochs[0] = epochs[1] = 0;
	if ((r = grant_path(sd, label, path, sizeof(path))) != 0 ||
	    (r = mkfs_read_file(path, 2 * SEAL_GRANT_LEN, &b)) != 0)
		return r;
	len = mkbuf_len(b);
	if (len != SEAL_GRANT_LEN && len != 2 * SEAL_GRANT_LEN) {
		r = MK_ERR_FORMAT;
		goto out;
	}
	count = len / SEAL_GRANT_LEN;
	for (i = 0; i < count; i++)
		if ((r = seal_open(label, sk, mkbuf_ptr(b) + i * SEAL_GRANT_LEN,
		    mk + i * KEYS_LEN, &epochs[i])) != 0)
			goto out;
	if (count == 2 && epochs[1] > epochs[0]) {
		uint8_t tmp[KEYS_LEN];
		uint32_t e = epochs[0];

		memcpy(tmp, mk, KEYS_LEN);
		memcpy(mk, mk + KEYS_LEN, KEYS_LEN);
		memcpy(mk + KEYS_LEN, tmp, KEYS_LEN);
		mk_wipe(tmp, sizeof(tmp));
		epochs[0] = epochs[1];
		epochs[1] = e;
	}
	if (count == 2 && epochs[0] == epochs[1]) {
		r = MK_ERR_FORMAT;
		goto out;
	}
	*n = (int)count;
 out:
	if (r != 0)
		mk_wipe(mk, 2 * KEYS_LEN);
	mkbuf_free(b);
	return r;
}

/* Overwrites a key file in place, syncs, then removes it: the name goes
 * and so do the bytes (on a filesystem that writes in place). */
static int
shred(const char *path)
{
	uint8_t zero[2 * 256];
	int fd, r = 0;
	off_t len;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? 0 : mkerr_from_errno(errno);
	memset(zero, 0, sizeof(zero));
	len = lseek(fd, 0, SEEK_END);
	if (len > 0 && len <= (off_t)sizeof(zero) &&
	    (pwrite(fd, zero, (size_t)len, 0) != len || fdatasync(fd) != 0))
		r = MK_ERR_IO;
	close(fd);
	if (unlink(path) != 0 && errno != ENOENT && r == 0)
		r = mkerr_from_errno(errno);
	return r;
}

int
keys_grant_remove(const struct statedir *sd, const char *label)
{
	char path[STATEDIR_PATH_MAX + 80];
	int r;

	if ((r = grant_path(sd, label, path, sizeof(path))) != 0 ||
	    (r = shred(path)) != 0)
		return r;
	return mkfs_fsync_dir(sd->grants);
}

int
keys_destroy(const struct statedir *sd, const char *label)
{
	char path[STATEDIR_PATH_MAX + 80];
	int r, r2;

	if ((r = slot_path(sd, label, path, sizeof(path))) != 0)
		return r;
	r = shred(path);
	if (r == 0)
		r = mkfs_fsync_dir(sd->slots);
	r2 = keys_grant_remove(sd, label);
	return r != 0 ? r : r2;
}
