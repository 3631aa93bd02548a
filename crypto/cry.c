#include <assert.h>
#include <string.h>
#include <sys/mman.h>

#include <gcrypt.h>

#include "common/buf.h"
#include "common/err.h"
#include "cry.h"

int
cry_err(unsigned int e)
{
	switch (gcry_err_code(e)) {
	case GPG_ERR_NO_ERROR:
		return 0;
	case GPG_ERR_CHECKSUM:
	case GPG_ERR_BAD_SIGNATURE:
		return MK_ERR_AUTH;
	case GPG_ERR_ENOMEM:
		return MK_ERR_ALLOC;
	default:
		return MK_ERR_CRYPTO;
	}
}

/* libgcrypt only warns when it cannot lock its pool; probe mlock ourselves
 * so that a caller who needs locked memory can fail closed. */
static int
can_lock_memory(void)
{
	static char probe[4096] __attribute__((aligned(4096)));

	if (mlock(probe, sizeof(probe)) != 0)
		return 0;
	munlock(probe, sizeof(probe));
	return 1;
}

int
cry_init(size_t secmem_bytes, int require_locked)
{
	if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P))
		return 0;
	if (gcry_check_version("1.10.0") == NULL)
		return MK_ERR_VERSION;
	if (require_locked && !can_lock_memory())
		return MK_ERR_DENIED;
	gcry_control(GCRYCTL_SUSPEND_SECMEM_WARN);
	gcry_control(GCRYCTL_INIT_SECMEM, secmem_bytes, 0);
	gcry_control(GCRYCTL_RESUME_SECMEM_WARN);
	if (!require_locked)
		gcry_control(GCRYCTL_DISABLE_SECMEM_WARN);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	return 0;
}

void *
cry_secure_alloc(size_t n)
{
	void *p;

	if ((p = gcry_malloc_secure(n)) != NULL)
		memset(p, 0, n);
	return p;
}

void
cry_secure_free(void *p, size_t n)
{
	if (p == NULL)
		return;
	mk_wipe(p, n);
	gcry_free(p);
}

void
cry_random(void *p, size_t n)
{
	gcry_randomize(p, n, GCRY_STRONG_RANDOM);
}

void
cry_random_key(void *p, size_t n)
{
	gcry_randomize(p, n, GCRY_VERY_STRONG_RANDOM);
}

void
cry_sha256(const void *p, size_t n, uint8_t out[CRY_HASH_LEN])
{
	gcry_md_hash_buffer(GCRY_MD_SHA256, out, p, n);
}

void
cry_sha256_v(uint8_t out[CRY_HASH_LEN], size_t count,
    const void *const *parts, const size_t *lens)
{
	gcry_buffer_t iov[8];
	size_t i;

	/* Callers hash a handful of fields; more is a programming error. */
	assert(count <= 8);
	memset(iov, 0, sizeof(iov));
	for (i = 0; i < count; i++) {
		iov[i].data = (void *)parts[i];
		iov[i].len = lens[i];
	}
	gcry_md_hash_buffers(GCRY_MD_SHA256, 0, out, iov, (int)count);
}

int
cry_hmac_sha256(const uint8_t *key, size_t keylen, const void *p, size_t n,
    uint8_t out[CRY_HASH_LEN])
{
	gcry_mac_hd_t h;
	size_t outlen = CRY_HASH_LEN;
	gcry_error_t e;

	if ((e = gcry_mac_open(&h, GCRY_MAC_HMAC_SHA256, GCRY_MAC_FLAG_SECURE,
	    NULL)) != 0)
		return cry_err(e);
	if ((e = gcry_mac_setkey(h, key, keylen)) == 0 &&
	    (e = gcry_mac_write(h, p, n)) == 0)
		e = gcry_mac_read(h, out, &outlen);
	gcry_mac_close(h);
	return cry_err(e);
}

static int
gcm_open_handle(gcry_cipher_hd_t *h, const uint8_t *key, const uint8_t *nonce,
    const void *aad, size_t aadlen)
{
	gcry_error_t e;

	if ((e = gcry_cipher_open(h, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_GCM,
	    GCRY_CIPHER_SECURE)) != 0)
		return cry_err(e);
	if ((e = gcry_cipher_setkey(*h, key, CRY_KEY_LEN)) != 0 ||
	    (e = gcry_cipher_setiv(*h, nonce, CRY_NONCE_LEN)) != 0 ||
	    (aadlen > 0 && (e = gcry_cipher_authenticate(*h, aad, aadlen)) != 0)) {
		gcry_cipher_close(*h);
		return cry_err(e);
	}
	return 0;
}

int
cry_gcm_seal(const uint8_t key[CRY_KEY_LEN], const uint8_t nonce[CRY_NONCE_LEN],
    const void *aad, size_t aadlen, const void *in, size_t len, uint8_t *out,
    uint8_t tag[CRY_TAG_LEN])
{
	gcry_cipher_hd_t h;
	gcry_error_t e;
	int r;

	if ((r = gcm_open_handle(&h, key, nonce, aad, aadlen)) != 0)
		return r;
	if ((e = gcry_cipher_final(h)) == 0 &&
	    (e = gcry_cipher_encrypt(h, out, len, in, len)) == 0)
		e = gcry_cipher_gettag(h, tag, CRY_TAG_LEN);
	gcry_cipher_close(h);
	return cry_err(e);
}

int
cry_gcm_open(const uint8_t key[CRY_KEY_LEN], const uint8_t nonce[CRY_NONCE_LEN],
    const void *aad, size_t aadlen, const void *in, size_t len, uint8_t *out,
    const uint8_t tag[CRY_TAG_LEN])
{
	gcry_cipher_hd_t h;
	gcry_error_t e;
	int r;

	if ((r = gcm_open_handle(&h, key, nonce, aad, aadlen)) != 0)
		return r;
	if ((e = gcry_cipher_final(h)) == 0 &&
	    (e = gcry_cipher_decrypt(h, out, len, in, len)) == 0)
		e = gcry_cipher_checktag(h, tag, CRY_TAG_LEN);
	gcry_cipher_close(h);
	if (e != 0)
		mk_wipe(out, len);
	return cry_err(e);
}

int
cry_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

void
cry_done(void)
{
	/* Frees the very-strong random level's entropy collector. */
	gcry_control(GCRYCTL_CLOSE_RANDOM_DEVICE, 0);
}
