/*
 * Each person's credential and vault-key grant (docs/formats.md, "Keys"):
 *
 *   keys/slots/NAME.slot    the person's X25519 secret key, wrapped under
 *                           their password (crypto/keyslot.h)
 *   keys/grants/NAME.grant  the vault master key sealed to their public key
 *                           (crypto/seal.h); drafters and supervisors only.
 *                           While a master-key rotation is under way the
 *                           file holds two grants, the new key first.
 *
 * The label "_recovery" is the recovery code's credential and grant.
 * Splitting the credential from the grant is what lets a supervisor rotate
 * the master key (a new grant sealed to every public key) without anyone's
 * password, and lets a disabled person's old slot open nothing.
 */
#ifndef MATKIOSK_KEYS_H
#define MATKIOSK_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "statedir.h"

#define KEYS_LEN		32
#define KEYS_RECOVERY_LABEL	"_recovery"

/* A new key pair for label; its secret key wrapped under secret. */
int keys_credential_new(const struct statedir *sd, const char *label,
    const char *secret, uint8_t pk[KEYS_LEN]);
/* Opens label's slot with secret: the secret key into sk (secure memory).
 * MK_ERR_PASSWORD for a wrong secret, MK_ERR_NOT_FOUND with no slot. */
int keys_credential_open(const struct statedir *sd, const char *label,
    const char *secret, uint8_t sk[KEYS_LEN]);
/* Wraps the same secret key under a new secret. */
int keys_credential_rewrap(const struct statedir *sd, const char *label,
    const uint8_t sk[KEYS_LEN], const char *secret);

/* Writes label's grant file: mk (epoch) and, with mk2 not NULL, a second
 * grant of mk2 (epoch2) after it. */
int keys_grant_write(const struct statedir *sd, const char *label,
    const uint8_t pk[KEYS_LEN], const uint8_t mk[KEYS_LEN], uint32_t epoch,
    const uint8_t *mk2, uint32_t epoch2);
/*
 * Opens label's grants with sk: mk (2 x KEYS_LEN of secure memory) gets
 * the keys, newest epoch first, epochs[] their epochs, *n how many (1, or
 * 2 during a rotation). MK_ERR_NOT_FOUND if there is no grant file.
 */
int keys_grant_open(const struct statedir *sd, const char *label,
    const uint8_t sk[KEYS_LEN], uint8_t *mk, uint32_t epochs[2], int *n);
/* Overwrites and removes label's grant (the credential stays). */
int keys_grant_remove(const struct statedir *sd, const char *label);
/* Overwrites and removes label's slot and grant: nothing of the person's
 * key material is left under its name. */
int keys_destroy(const struct statedir *sd, const char *label);

#endif /* MATKIOSK_KEYS_H */
