/*
 * Sealed keys: a 32-byte key (the vault master key) encrypted to a person's
 * X25519 public key, so that it can be re-issued to everyone at a master-key
 * rotation without knowing anyone's password. The person's X25519 secret key
 * is what their password slot (keyslot.h) protects.
 *
 * Grant, version 1, 108 bytes, big-endian:
 *   magic "MATKGRNT" | u16 version | u16 reserved (0) | u32 key epoch
 *   | ephemeral public key[32] | nonce[12] | sealed key[32] | tag[16]
 * kek = SHA-256("matkiosk grant v1" | X25519(e, P) | E | P | label),
 * sealed = AES-256-GCM(kek, nonce, key), AAD = the first 48 bytes, then the
 * label. The label (the account name) binds a grant to its holder.
 */
#ifndef MATKIOSK_SEAL_H
#define MATKIOSK_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define SEAL_KEY_LEN	32	/* X25519 keys and the sealed key */
#define SEAL_GRANT_LEN	108
#define SEAL_LABEL_MAX	64

/* A new X25519 key pair; sk should be secure memory. */
int seal_keypair(uint8_t sk[SEAL_KEY_LEN], uint8_t pk[SEAL_KEY_LEN]);
/* The public key of sk. */
int seal_public(const uint8_t sk[SEAL_KEY_LEN], uint8_t pk[SEAL_KEY_LEN]);
/* Raw X25519 (RFC 7748): out = scalar * point. MK_ERR_CRYPTO for a point
 * of small order (an all-zero result). */
int seal_x25519(const uint8_t scalar[SEAL_KEY_LEN],
    const uint8_t point[SEAL_KEY_LEN], uint8_t out[SEAL_KEY_LEN]);

/* Seals key (with its epoch) to pk for label into grant. */
int seal_grant(const char *label, const uint8_t pk[SEAL_KEY_LEN],
    const uint8_t key[SEAL_KEY_LEN], uint32_t epoch,
    uint8_t grant[SEAL_GRANT_LEN]);
/* Opens grant with sk into key (secure memory). MK_ERR_AUTH if it was not
 * sealed to this key pair and label, MK_ERR_FORMAT / MK_ERR_VERSION if
 * malformed. */
int seal_open(const char *label, const uint8_t sk[SEAL_KEY_LEN],
    const uint8_t grant[SEAL_GRANT_LEN], uint8_t key[SEAL_KEY_LEN],
    uint32_t *epoch);
/* The epoch a grant claims (unauthenticated: for ordering only). */
uint32_t seal_grant_epoch(const uint8_t grant[SEAL_GRANT_LEN]);

#endif /* MATKIOSK_SEAL_H */
