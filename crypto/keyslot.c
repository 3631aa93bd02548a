#include <string.h>

#include <gcrypt.h>

#include "common/buf.h"
#include "common/err.h"
#include "cry.h"
#include "keyslot.h"

#define SLOT_MAGIC	"MATKSLOT"
#define SLOT_VERSION	1
#define SLOT_KDF_ARGON2ID 1
#define OFF_SALT	32
#define OFF_NONCE	48
#define OFF_WRAPPED	60
#define OFF_TAG		92
#define SALT_LEN	16

/* Bounds on stored parameters: a hostile slot must not make the daemon
 * allocate gigabytes or spin for minutes. */
#define T_MIN		1
#define T_MAX		16
#define M_MIN_KIB	8192
#define M_MAX_KIB	(1024 * 1024)
#define P_MAX		16

void
keyslot_default_params(struct keyslot_params *p)
{
	p->t_cost = KEYSLOT_T_COST;
	p->m_cost_kib = KEYSLOT_M_COST_KIB;
	p->parallelism = KEYSLOT_LANES;
}

static int
params_ok(const struct keyslot_params *p)
{
	return p->t_cost >= T_MIN && p->t_cost <= T_MAX &&
	    p->m_cost_kib >= M_MIN_KIB && p->m_cost_kib <= M_MAX_KIB &&
	    p->parallelism >= 1 && p->parallelism <= P_MAX &&
	    p->m_cost_kib >= 8 * p->parallelism;
}

static int
derive(const void *secret, size_t len, const uint8_t salt[SALT_LEN],
    const struct keyslot_params *p, uint8_t *kek)
{
	unsigned long param[4];
	gcry_kdf_hd_t h;
	gcry_error_t e;

	param[0] = KEYSLOT_KEY_LEN;
	param[1] = p->t_cost;
	param[2] = p->m_cost_kib;
	param[3] = p->parallelism;
	if ((e = gcry_kdf_open(&h, GCRY_KDF_ARGON2, GCRY_KDF_ARGON2ID, param,
	    4, secret, len, salt, SALT_LEN, NULL, 0, NULL, 0)) != 0)
		return cry_err(e);
	if ((e = gcry_kdf_compute(h, NULL)) == 0)
		e = gcry_kdf_final(h, KEYSLOT_KEY_LEN, kek);
	gcry_kdf_close(h);
	return cry_err(e);
}

/* AAD: the fixed fields, the salt and the label. */
static int
build_aad(const uint8_t *slot, const char *label, uint8_t *aad, size_t *len)
{
	size_t l = strlen(label);

	if (l == 0 || l > KEYSLOT_LABEL_MAX)
		return MK_ERR_ARGUMENT;
	memcpy(aad, slot, OFF_NONCE);
	memcpy(aad + OFF_NONCE, label, l);
	*len = OFF_NONCE + l;
	return 0;
}

int
keyslot_hash(const void *secret, size_t secret_len,
    const uint8_t salt[KEYSLOT_SALT_LEN], const struct keyslot_params *p,
    uint8_t out[KEYSLOT_KEY_LEN])
{
	if (!params_ok(p))
		return MK_ERR_ARGUMENT;
	return derive(secret, secret_len, salt, p, out);
}

int
keyslot_wrap(const char *label, const void *secret, size_t secret_len,
    const struct keyslot_params *p, const uint8_t mk[KEYSLOT_KEY_LEN],
    uint32_t epoch, uint8_t slot[KEYSLOT_LEN])
{
	uint8_t aad[OFF_NONCE + KEYSLOT_LABEL_MAX], *kek = NULL;
	size_t aadlen;
	int r;

	memset(slot, 0, KEYSLOT_LEN);
	if (!params_ok(p))
		return MK_ERR_ARGUMENT;
	memcpy(slot, SLOT_MAGIC, 8);
	mk_put_be16(slot + 8, SLOT_VERSION);
	mk_put_be16(slot + 10, SLOT_KDF_ARGON2ID);
	mk_put_be32(slot + 12, p->t_cost);
	mk_put_be32(slot + 16, p->m_cost_kib);
	mk_put_be32(slot + 20, p->parallelism);
	mk_put_be32(slot + 24, epoch);
	cry_random(slot + OFF_SALT, SALT_LEN);
	cry_random(slot + OFF_NONCE, CRY_NONCE_LEN);
	if ((r = build_aad(slot, label, aad, &aadlen)) != 0)
		goto out;
	if ((kek = cry_secure_alloc(KEYSLOT_KEY_LEN)) == NULL) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	if ((r = derive(secret, secret_len, slot + OFF_SALT, p, kek)) != 0)
		goto out;
	r = cry_gcm_seal(kek, slot + OFF_NONCE, aad, aadlen, mk,
	    KEYSLOT_KEY_LEN, slot + OFF_WRAPPED, slot + OFF_TAG);
 out:
	cry_secure_free(kek, KEYSLOT_KEY_LEN);
	if (r != 0)
		mk_wipe(slot, KEYSLOT_LEN);
	return r;
}

static int
parse_params(const uint8_t *slot, struct keyslot_params *p, uint32_t *epoch)
{
	if (memcmp(slot, SLOT_MAGIC, 8) != 0)
		return MK_ERR_FORMAT;
	if (mk_get_be16(slot + 8) != SLOT_VERSION)
		return MK_ERR_VERSION;
	if (mk_get_be16(slot + 10) != SLOT_KDF_ARGON2ID ||
	    mk_get_be32(slot + 28) != 0)
		return MK_ERR_FORMAT;
	p->t_cost = mk_get_be32(slot + 12);
	p->m_cost_kib = mk_get_be32(slot + 16);
	p->parallelism = mk_get_be32(slot + 20);
	*epoch = mk_get_be32(slot + 24);
	return params_ok(p) ? 0 : MK_ERR_FORMAT;
}

int
keyslot_unwrap(const char *label, const void *secret, size_t secret_len,
    const uint8_t slot[KEYSLOT_LEN], uint8_t mk[KEYSLOT_KEY_LEN],
    uint32_t *epoch)
{
	uint8_t aad[OFF_NONCE + KEYSLOT_LABEL_MAX], *kek = NULL;
	struct keyslot_params p;
	size_t aadlen;
	int r;

	*epoch = 0;
	if ((r = parse_params(slot, &p, epoch)) != 0 ||
	    (r = build_aad(slot, label, aad, &aadlen)) != 0) {
		/* Nothing read from an unverified slot may reach the caller. */
		*epoch = 0;
		return r;
	}
	if ((kek = cry_secure_alloc(KEYSLOT_KEY_LEN)) == NULL)
		return MK_ERR_ALLOC;
	if ((r = derive(secret, secret_len, slot + OFF_SALT, &p, kek)) != 0)
		goto out;
	r = cry_gcm_open(kek, slot + OFF_NONCE, aad, aadlen,
	    slot + OFF_WRAPPED, KEYSLOT_KEY_LEN, mk, slot + OFF_TAG);
	if (r == MK_ERR_AUTH)
		r = MK_ERR_PASSWORD;
 out:
	cry_secure_free(kek, KEYSLOT_KEY_LEN);
	if (r != 0)
		*epoch = 0;
	return r;
}
