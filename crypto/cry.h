/*
 * Thin layer over libgcrypt shared by every crypto module: initialisation
 * with secure memory, randomness, hashes, one-shot AES-256-GCM, and
 * constant-time comparison. Every gcry_error_t is translated to an MK_ERR_*
 * code here, at the library's edge.
 */
#ifndef MATKIOSK_CRY_H
#define MATKIOSK_CRY_H

#include <stddef.h>
#include <stdint.h>

#define CRY_KEY_LEN	32	/* AES-256 and HMAC-SHA256 keys */
#define CRY_NONCE_LEN	12	/* GCM nonce */
#define CRY_TAG_LEN	16	/* GCM tag */
#define CRY_HASH_LEN	32	/* SHA-256 */

/*
 * Initialises libgcrypt (version >= 1.10, for Argon2id) with secmem_bytes of
 * locked secure memory. With require_locked, failure to lock the memory is an
 * error (the daemon fails closed); without it (matverify on an inspector's
 * machine, tests) unlocked memory is accepted silently.
 */
int cry_init(size_t secmem_bytes, int require_locked);

/* Releases what the random generator holds (at exit, so leak checkers
 * stay quiet). */
void cry_done(void);

/* Zeroed memory from libgcrypt's secure (locked) pool; NULL if exhausted. */
void *cry_secure_alloc(size_t n);
/* Wipes n bytes and returns them to the pool; accepts NULL. */
void cry_secure_free(void *p, size_t n);

/* Fills p with random bytes; key material uses the very strong level. */
void cry_random(void *p, size_t n);
void cry_random_key(void *p, size_t n);

void cry_sha256(const void *p, size_t n, uint8_t out[CRY_HASH_LEN]);
/* SHA-256 over the concatenation of count (pointer, length) pairs. */
void cry_sha256_v(uint8_t out[CRY_HASH_LEN], size_t count,
    const void *const *parts, const size_t *lens);
int cry_hmac_sha256(const uint8_t *key, size_t keylen, const void *p,
    size_t n, uint8_t out[CRY_HASH_LEN]);

/* AES-256-GCM, one shot. out may equal in. open returns MK_ERR_AUTH on a
 * tag mismatch and then wipes out. */
int cry_gcm_seal(const uint8_t key[CRY_KEY_LEN],
    const uint8_t nonce[CRY_NONCE_LEN], const void *aad, size_t aadlen,
    const void *in, size_t len, uint8_t *out, uint8_t tag[CRY_TAG_LEN]);
int cry_gcm_open(const uint8_t key[CRY_KEY_LEN],
    const uint8_t nonce[CRY_NONCE_LEN], const void *aad, size_t aadlen,
    const void *in, size_t len, uint8_t *out, const uint8_t tag[CRY_TAG_LEN]);

/* 1 when equal, 0 otherwise, in time that depends only on n. */
int cry_ct_equal(const void *a, const void *b, size_t n);

/* Translates a libgcrypt error to an MK_ERR_* code. */
int cry_err(unsigned int gcry_error);

#endif /* MATKIOSK_CRY_H */
