/*
 * The device's Ed25519 key (libgcrypt), which signs log checkpoints and
 * inspection exports. The secret key is stored in a file readable only by
 * the daemon; the public key is printed on the sealing certificate and
 * recorded in the first log record.
 */
#ifndef MATKIOSK_SIGN_H
#define MATKIOSK_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define SIGN_PUBLIC_LEN	32
#define SIGN_SIG_LEN	64
/* The longest message signed or verified directly. libgcrypt 1.10 keeps
 * S-expression values in 16-bit lengths and fails (or aborts) on messages
 * near 64 KiB; sign a hash of anything longer (signkey_sign returns
 * MK_ERR_TOO_LARGE, sign_verify MK_ERR_SIGNATURE). */
#define SIGN_MSG_MAX	32768

struct signkey;

/* A new random key pair. */
int signkey_generate(struct signkey **out);
/* Saves the secret key to path (created 0600, written atomically). */
int signkey_save(const struct signkey *k, const char *path);
int signkey_load(const char *path, struct signkey **out);
void signkey_public(const struct signkey *k, uint8_t pub[SIGN_PUBLIC_LEN]);
int signkey_sign(const struct signkey *k, const void *msg, size_t len,
    uint8_t sig[SIGN_SIG_LEN]);
/* Wipes the secret; accepts NULL. */
void signkey_free(struct signkey *k);

/* 1 for a public key that libgcrypt 1.10.1 cannot take without aborting
 * (its y coordinate's top 64-bit limb is zero): refuse it where keys come
 * from outside (sign_verify does). */
int sign_public_key_suspect(const uint8_t pub[SIGN_PUBLIC_LEN]);

/* 0 if sig is pub's signature of msg, MK_ERR_SIGNATURE otherwise. */
int sign_verify(const uint8_t pub[SIGN_PUBLIC_LEN], const void *msg,
    size_t len, const uint8_t sig[SIGN_SIG_LEN]);

#endif /* MATKIOSK_SIGN_H */
