/*
 * Key slots: the vault master key wrapped under a key derived from a
 * password (or the recovery code) with Argon2id (libgcrypt >= 1.10).
 * A slot is bound to its label (the account name, or "_recovery"), so a slot
 * file copied under another name does not open.
 *
 * Slot, version 1, 108 bytes, big-endian:
 *   magic "MATKSLOT" | u16 version | u16 kdf (1 = Argon2id)
 *   | u32 t_cost | u32 m_cost_kib | u32 parallelism | u32 key epoch
 *   | u32 reserved (0) | salt[16] | nonce[12] | wrapped key[32] | tag[16]
 * wrapped = AES-256-GCM(Argon2id(secret, salt), nonce, MK),
 * AAD = the 48 bytes before the nonce, then the label.
 */
#ifndef MATKIOSK_KEYSLOT_H
#define MATKIOSK_KEYSLOT_H

#include <stddef.h>
#include <stdint.h>

#define KEYSLOT_LEN		108
#define KEYSLOT_KEY_LEN		32
#define KEYSLOT_LABEL_MAX	64

/* RFC 9106's second recommended option: 64 MiB, 3 passes, 4 lanes. */
#define KEYSLOT_T_COST		3
#define KEYSLOT_M_COST_KIB	65536
#define KEYSLOT_LANES		4

struct keyslot_params {
	uint32_t	t_cost;
	uint32_t	m_cost_kib;
	uint32_t	parallelism;
};

/* The default parameters above. */
void keyslot_default_params(struct keyslot_params *p);

/* Wraps mk (with its epoch) under secret into slot[KEYSLOT_LEN]. */
int keyslot_wrap(const char *label, const void *secret, size_t secret_len,
    const struct keyslot_params *p, const uint8_t mk[KEYSLOT_KEY_LEN],
    uint32_t epoch, uint8_t slot[KEYSLOT_LEN]);
/*
 * Opens slot with secret into mk (secure memory of KEYSLOT_KEY_LEN bytes).
 * MK_ERR_PASSWORD if the secret (or label) is wrong, MK_ERR_FORMAT /
 * MK_ERR_VERSION for a malformed slot; out-of-range KDF parameters are
 * refused before any memory is spent on them.
 */
int keyslot_unwrap(const char *label, const void *secret, size_t secret_len,
    const uint8_t slot[KEYSLOT_LEN], uint8_t mk[KEYSLOT_KEY_LEN],
    uint32_t *epoch);

/* Argon2id(secret, salt) with p into out[KEYSLOT_KEY_LEN]: the hash kept
 * of past passwords, so that a reused one is recognised. */
#define KEYSLOT_SALT_LEN	16
int keyslot_hash(const void *secret, size_t secret_len,
    const uint8_t salt[KEYSLOT_SALT_LEN], const struct keyslot_params *p,
    uint8_t out[KEYSLOT_KEY_LEN]);

#endif /* MATKIOSK_KEYSLOT_H */
