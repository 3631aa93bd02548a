#include <string.h>

#include <gcrypt.h>

#include "common/buf.h"
#include "common/err.h"
#include "cry.h"
#include "seal.h"

#define GRANT_MAGIC	"MATKGRNT"
#define GRANT_VERSION	1
#define KDF_TAG		"matkiosk grant v1"
#define OFF_EPK		16
#define OFF_NONCE	48
#define OFF_SEALED	60
#define OFF_TAG		92

static const uint8_t basepoint[SEAL_KEY_LEN] = { 9 };

int
seal_x25519(const uint8_t scalar[SEAL_KEY_LEN],
    const uint8_t point[SEAL_KEY_LEN], uint8_t out[SEAL_KEY_LEN])
{
	static const uint8_t zero[SEAL_KEY_LEN];
	gcry_error_t e;

	/* libgcrypt clamps the scalar as RFC 7748 asks. */
	if ((e = gcry_ecc_mul_point(GCRY_ECC_CURVE25519, out, scalar,
	    point)) != 0)
		return cry_err(e);
	if (cry_ct_equal(out, zero, SEAL_KEY_LEN)) {
		mk_wipe(out, SEAL_KEY_LEN);
		return MK_ERR_CRYPTO;
	}
	return 0;
}

int
seal_public(const uint8_t sk[SEAL_KEY_LEN], uint8_t pk[SEAL_KEY_LEN])
{
	return seal_x25519(sk, basepoint, pk);
}

int
seal_keypair(uint8_t sk[SEAL_KEY_LEN], uint8_t pk[SEAL_KEY_LEN])
{
	cry_random_key(sk, SEAL_KEY_LEN);
	return seal_public(sk, pk);
}

/* kek from the shared secret, both public keys and the label. */
static int
derive(const uint8_t shared[SEAL_KEY_LEN], const uint8_t epk[SEAL_KEY_LEN],
    const uint8_t pk[SEAL_KEY_LEN], const char *label, uint8_t *kek)
{
	const void *parts[5] = { KDF_TAG, shared, epk, pk, label };
	size_t lens[5] = { sizeof(KDF_TAG) - 1, SEAL_KEY_LEN, SEAL_KEY_LEN,
	    SEAL_KEY_LEN, strlen(label) };

	if (lens[4] == 0 || lens[4] > SEAL_LABEL_MAX)
		return MK_ERR_ARGUMENT;
	cry_sha256_v(kek, 5, parts, lens);
	return 0;
}

static void
build_aad(const uint8_t *grant, const char *label, uint8_t *aad,
    size_t *len)
{
	size_t l = strlen(label);

	memcpy(aad, grant, OFF_NONCE);
	memcpy(aad + OFF_NONCE, label, l);
	*len = OFF_NONCE + l;
}

int
seal_grant(const char *label, const uint8_t pk[SEAL_KEY_LEN],
    const uint8_t key[SEAL_KEY_LEN], uint32_t epoch,
    uint8_t grant[SEAL_GRANT_LEN])
{
	uint8_t aad[OFF_NONCE + SEAL_LABEL_MAX], *esk, *shared, *kek;
	size_t aadlen;
	int r;

	memset(grant, 0, SEAL_GRANT_LEN);
	if (strlen(label) == 0 || strlen(label) > SEAL_LABEL_MAX)
		return MK_ERR_ARGUMENT;
	esk = cry_secure_alloc(3 * SEAL_KEY_LEN);
	if (esk == NULL)
		return MK_ERR_ALLOC;
	shared = esk + SEAL_KEY_LEN;
	kek = shared + SEAL_KEY_LEN;
	memcpy(grant, GRANT_MAGIC, 8);
	mk_put_be16(grant + 8, GRANT_VERSION);
	mk_put_be32(grant + 12, epoch);
	if ((r = seal_keypair(esk, grant + OFF_EPK)) != 0 ||
	    (r = seal_x25519(esk, pk, shared)) != 0 ||
	    (r = derive(shared, grant + OFF_EPK, pk, label, kek)) != 0)
		goto out;
	cry_random(grant + OFF_NONCE, CRY_NONCE_LEN);
	build_aad(grant, label, aad, &aadlen);
	r = cry_gcm_seal(kek, grant + OFF_NONCE, aad, aadlen, key,
	    SEAL_KEY_LEN, grant + OFF_SEALED, grant + OFF_TAG);
 out:
	cry_secure_free(esk, 3 * SEAL_KEY_LEN);
	if (r != 0)
		mk_wipe(grant, SEAL_GRANT_LEN);
	return r;
}

uint32_t
seal_grant_epoch(const uint8_t grant[SEAL_GRANT_LEN])
{
	return mk_get_be32(grant + 12);
}

int
seal_open(const char *label, const uint8_t sk[SEAL_KEY_LEN],
    const uint8_t grant[SEAL_GRANT_LEN], uint8_t key[SEAL_KEY_LEN],
    uint32_t *epoch)
{
	uint8_t aad[OFF_NONCE + SEAL_LABEL_MAX], pk[SEAL_KEY_LEN];
	uint8_t *shared, *kek;
	size_t aadlen;
	int r;

	*epoch = 0;
	if (memcmp(grant, GRANT_MAGIC, 8) != 0)
		return MK_ERR_FORMAT;
	if (mk_get_be16(grant + 8) != GRANT_VERSION)
		return MK_ERR_VERSION;
	if (mk_get_be16(grant + 10) != 0)
		return MK_ERR_FORMAT;
	if (strlen(label) == 0 || strlen(label) > SEAL_LABEL_MAX)
		return MK_ERR_ARGUMENT;
	if ((shared = cry_secure_alloc(2 * SEAL_KEY_LEN)) == NULL)
		return MK_ERR_ALLOC;
	kek = shared + SEAL_KEY_LEN;
	if ((r = seal_public(sk, pk)) != 0 ||
	    (r = seal_x25519(sk, grant + OFF_EPK, shared)) != 0 ||
	    (r = derive(shared, grant + OFF_EPK, pk, label, kek)) != 0) {
		/* A small-order ephemeral key is a forged grant. */
		if (r == MK_ERR_CRYPTO)
			r = MK_ERR_AUTH;
		goto out;
	}
	build_aad(grant, label, aad, &aadlen);
	r = cry_gcm_open(kek, grant + OFF_NONCE, aad, aadlen,
	    grant + OFF_SEALED, SEAL_KEY_LEN, key, grant + OFF_TAG);
	if (r == 0)
		*epoch = mk_get_be32(grant + 12);
 out:
	cry_secure_free(shared, 2 * SEAL_KEY_LEN);
	return r;
}
