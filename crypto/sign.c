/*
 * Ed25519 through libgcrypt's public-key interface.
 *
 * Secret key file (SIGNKEY_FILE_LEN = 108 bytes, mode 0600):
 *	magic "MATKSKEY" | u32 version 1 | public key (32) | secret seed (32) |
 *	SHA-256 of the preceding 76 bytes
 * The checksum catches a damaged file before it signs anything; a signing
 * self-test at load catches a public key that does not match the seed.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gcrypt.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "cry.h"
#include "sign.h"

#define SIGNKEY_MAGIC		"MATKSKEY"
#define SIGNKEY_VERSION		1
#define SIGNKEY_SEED_LEN	32
#define SIGNKEY_BODY_LEN	(8 + 4 + SIGN_PUBLIC_LEN + SIGNKEY_SEED_LEN)
#define SIGNKEY_FILE_LEN	(SIGNKEY_BODY_LEN + CRY_HASH_LEN)

/* Lives in secure memory as a whole: the seed is inline. */
struct signkey {
	uint8_t	seed[SIGNKEY_SEED_LEN];
	uint8_t	pub[SIGN_PUBLIC_LEN];
};

static struct signkey *
signkey_alloc(void)
{
	return cry_secure_alloc(sizeof(struct signkey));
}

void
signkey_free(struct signkey *k)
{
	cry_secure_free(k, sizeof(*k));
}

/*
 * Copies the value of token name in s into out, left-padded to n bytes
 * (libgcrypt may drop leading zeros of an MPI). A 33-byte point with the
 * 0x40 prefix of libgcrypt's older compact encoding is accepted for q.
 */
static int
token_bytes(gcry_sexp_t s, const char *name, uint8_t *out, size_t n)
{
	gcry_sexp_t t;
	const char *d;
	size_t len;
	int r = 0;

	if ((t = gcry_sexp_find_token(s, name, 0)) == NULL)
		return MK_ERR_CRYPTO;
	if ((d = gcry_sexp_nth_data(t, 1, &len)) == NULL) {
		r = MK_ERR_CRYPTO;
		goto out;
	}
	if (len == n + 1 && (uint8_t)d[0] == 0x40) {
		d++;
		len--;
	}
	if (len > n) {
		r = MK_ERR_CRYPTO;
		goto out;
	}
	memset(out, 0, n - len);
	memcpy(out + n - len, d, len);
 out:
	gcry_sexp_release(t);
	return r;
}

int
signkey_generate(struct signkey **out)
{
	gcry_sexp_t parms = NULL, key = NULL;
	struct signkey *k = NULL;
	gcry_error_t e;
	int r;

	*out = NULL;
	if ((k = signkey_alloc()) == NULL)
		return MK_ERR_ALLOC;
	if ((e = gcry_sexp_build(&parms, NULL,
	    "(genkey(ecc(curve Ed25519)(flags eddsa)))")) != 0 ||
	    (e = gcry_pk_genkey(&key, parms)) != 0) {
		r = cry_err(e);
		goto out;
	}
	if ((r = token_bytes(key, "q", k->pub, SIGN_PUBLIC_LEN)) != 0 ||
	    (r = token_bytes(key, "d", k->seed, SIGNKEY_SEED_LEN)) != 0)
		goto out;
	*out = k;
	k = NULL;
 out:
	/* The generated key sexp holds a secure MPI, so libgcrypt keeps it in
	 * secure memory and wipes it on release. */
	gcry_sexp_release(key);
	gcry_sexp_release(parms);
	signkey_free(k);
	return r;
}

void
signkey_public(const struct signkey *k, uint8_t pub[SIGN_PUBLIC_LEN])
{
	memcpy(pub, k->pub, SIGN_PUBLIC_LEN);
}

static int
data_sexp(gcry_sexp_t *data, const void *msg, size_t len)
{
	/* Longer values would overflow libgcrypt's 16-bit S-expression
	 * lengths (it aborts in sexp.c). */
	if (len > SIGN_MSG_MAX)
		return MK_ERR_TOO_LARGE;
	return cry_err(gcry_sexp_build(data, NULL,
	    "(data(flags eddsa)(hash-algo sha512)(value %b))", (int)len,
	    len == 0 ? "" : msg));
}

int
signkey_sign(const struct signkey *k, const void *msg, size_t len,
    uint8_t sig[SIGN_SIG_LEN])
{
	gcry_sexp_t skey = NULL, data = NULL, s = NULL;
	gcry_error_t e;
	int r;

	memset(sig, 0, SIGN_SIG_LEN);
	if ((r = data_sexp(&data, msg, len)) != 0)
		goto out;
	/* The seed is in secure memory, so libgcrypt builds skey there too. */
	if ((e = gcry_sexp_build(&skey, NULL,
	    "(private-key(ecc(curve Ed25519)(flags eddsa)(q %b)(d %b)))",
	    SIGN_PUBLIC_LEN, k->pub, SIGNKEY_SEED_LEN, k->seed)) != 0 ||
	    (e = gcry_pk_sign(&s, data, skey)) != 0) {
		r = cry_err(e);
		goto out;
	}
	if ((r = token_bytes(s, "r", sig, 32)) != 0 ||
	    (r = token_bytes(s, "s", sig + 32, 32)) != 0)
		memset(sig, 0, SIGN_SIG_LEN);
 out:
	gcry_sexp_release(s);
	gcry_sexp_release(skey);
	gcry_sexp_release(data);
	return r;
}

int
sign_public_key_suspect(const uint8_t pub[SIGN_PUBLIC_LEN])
{
	uint8_t top = (uint8_t)(pub[31] & 0x7f);
	int i;

	for (i = 24; i < 31; i++)
		top |= pub[i];
	return top == 0;
}

int
sign_verify(const uint8_t pub[SIGN_PUBLIC_LEN], const void *msg, size_t len,
    const uint8_t sig[SIGN_SIG_LEN])
{
	gcry_sexp_t pkey = NULL, data = NULL, s = NULL;
	int r = MK_ERR_SIGNATURE;

	/*
	 * libgcrypt 1.10.1 aborts the whole process ("mulm_25519: different
	 * sizes") on a public key whose y coordinate has its top 64-bit limb
	 * zero (bytes 24..31, sign bit aside). No key made by a key
	 * generator looks like that (chance 2^-63), a hostile one can: it
	 * does not verify, and libgcrypt never sees it.
	 */
	if (sign_public_key_suspect(pub))
		return MK_ERR_SIGNATURE;
	if (data_sexp(&data, msg, len) != 0)
		goto out;
	if (gcry_sexp_build(&pkey, NULL,
	    "(public-key(ecc(curve Ed25519)(flags eddsa)(q %b)))",
	    SIGN_PUBLIC_LEN, pub) != 0 ||
	    gcry_sexp_build(&s, NULL, "(sig-val(eddsa(r %b)(s %b)))",
	    32, sig, 32, sig + 32) != 0)
		goto out;
	/* Every failure, an invalid point included, is "does not verify". */
	if (gcry_pk_verify(s, data, pkey) == 0)
		r = 0;
 out:
	gcry_sexp_release(s);
	gcry_sexp_release(pkey);
	gcry_sexp_release(data);
	return r;
}

int
signkey_save(const struct signkey *k, const char *path)
{
	uint8_t *f;
	int r;

	if ((f = cry_secure_alloc(SIGNKEY_FILE_LEN)) == NULL)
		return MK_ERR_ALLOC;
	memcpy(f, SIGNKEY_MAGIC, 8);
	mk_put_be32(f + 8, SIGNKEY_VERSION);
	memcpy(f + 12, k->pub, SIGN_PUBLIC_LEN);
	memcpy(f + 12 + SIGN_PUBLIC_LEN, k->seed, SIGNKEY_SEED_LEN);
	cry_sha256(f, SIGNKEY_BODY_LEN, f + SIGNKEY_BODY_LEN);
	r = mkfs_atomic_write(path, f, SIGNKEY_FILE_LEN, 0600);
	cry_secure_free(f, SIGNKEY_FILE_LEN);
	return r;
}

/* Reads the whole key file straight into secure memory. */
static int
read_keyfile(const char *path, uint8_t *f)
{
	struct stat st;
	size_t got;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return mkerr_from_errno(errno);
	if (fstat(fd, &st) != 0) {
		r = mkerr_from_errno(errno);
		goto out;
	}
	/* A secret key that others can read is already lost: refuse it so
	 * the mistake is noticed. */
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		r = MK_ERR_UNSAFE;
		goto out;
	}
	if (st.st_size != SIGNKEY_FILE_LEN) {
		r = MK_ERR_FORMAT;
		goto out;
	}
	if ((r = mkfs_read_full(fd, f, SIGNKEY_FILE_LEN, &got)) == 0 &&
	    got != SIGNKEY_FILE_LEN)
		r = MK_ERR_TRUNCATED;
 out:
	close(fd);
	return r;
}

static int
parse_keyfile(const uint8_t *f, struct signkey *k)
{
	uint8_t sum[CRY_HASH_LEN];

	if (memcmp(f, SIGNKEY_MAGIC, 8) != 0)
		return MK_ERR_FORMAT;
	if (mk_get_be32(f + 8) != SIGNKEY_VERSION)
		return MK_ERR_VERSION;
	cry_sha256(f, SIGNKEY_BODY_LEN, sum);
	if (!cry_ct_equal(sum, f + SIGNKEY_BODY_LEN, CRY_HASH_LEN))
		return MK_ERR_FORMAT;
	memcpy(k->pub, f + 12, SIGN_PUBLIC_LEN);
	memcpy(k->seed, f + 12 + SIGN_PUBLIC_LEN, SIGNKEY_SEED_LEN);
	return 0;
}

/* A stored public key that does not belong to the seed would make every
 * checkpoint unverifiable; find out now, not at the inspection. */
static int
self_test(const struct signkey *k)
{
	static const char msg[] = "matkiosk signkey self-test";
	uint8_t sig[SIGN_SIG_LEN];
	int r;

	if ((r = signkey_sign(k, msg, sizeof(msg) - 1, sig)) != 0)
		return r;
	if (sign_verify(k->pub, msg, sizeof(msg) - 1, sig) != 0)
		return MK_ERR_FORMAT;
	return 0;
}

int
signkey_load(const char *path, struct signkey **out)
{
	struct signkey *k = NULL;
	uint8_t *f = NULL;
	int r;

	*out = NULL;
	if ((f = cry_secure_alloc(SIGNKEY_FILE_LEN)) == NULL ||
	    (k = signkey_alloc()) == NULL) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	if ((r = read_keyfile(path, f)) != 0 ||
	    (r = parse_keyfile(f, k)) != 0 ||
	    (r = self_test(k)) != 0)
		goto out;
	*out = k;
	k = NULL;
 out:
	cry_secure_free(f, SIGNKEY_FILE_LEN);
	signkey_free(k);
	return r;
}
