/*
 * crypto/seal: X25519 against RFC 7748's test vectors, and grants: the
 * round trip, and every way a grant must refuse to open (another person's
 * key, another label, any altered byte, a small-order ephemeral key, a
 * foreign format).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "crypto/cry.h"
#include "crypto/seal.h"

static void
unhex(const char *hex, uint8_t *out, size_t n)
{
	size_t i;
	unsigned v;

	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* RFC 7748, section 6.1. */
#define ALICE_SK "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
#define ALICE_PK "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
#define BOB_SK	"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
#define BOB_PK	"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
#define SHARED	"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"

static int
group_setup(void **state)
{
	(void)state;
	return cry_init(1 << 20, 0) == 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	cry_done();
	return 0;
}

static void
test_rfc7748(void **state)
{
	uint8_t ask[32], apk[32], bsk[32], bpk[32], shared[32], out[32];

	(void)state;
	unhex(ALICE_SK, ask, 32);
	unhex(ALICE_PK, apk, 32);
	unhex(BOB_SK, bsk, 32);
	unhex(BOB_PK, bpk, 32);
	unhex(SHARED, shared, 32);
	assert_int_equal(seal_public(ask, out), 0);
	assert_memory_equal(out, apk, 32);
	assert_int_equal(seal_public(bsk, out), 0);
	assert_memory_equal(out, bpk, 32);
	assert_int_equal(seal_x25519(ask, bpk, out), 0);
	assert_memory_equal(out, shared, 32);
	assert_int_equal(seal_x25519(bsk, apk, out), 0);
	assert_memory_equal(out, shared, 32);
}

static void
test_small_order_refused(void **state)
{
	uint8_t sk[32], zero[32] = { 0 }, one[32] = { 1 }, out[32];

	(void)state;
	cry_random(sk, sizeof(sk));
	assert_int_equal(seal_x25519(sk, zero, out), MK_ERR_CRYPTO);
	assert_int_equal(seal_x25519(sk, one, out), MK_ERR_CRYPTO);
}

struct fix {
	uint8_t	sk[32], pk[32], key[32], grant[SEAL_GRANT_LEN];
};

static void
make(struct fix *f)
{
	size_t i;

	assert_int_equal(seal_keypair(f->sk, f->pk), 0);
	for (i = 0; i < 32; i++)
		f->key[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(seal_grant("nguyenvana", f->pk, f->key, 7,
	    f->grant), 0);
}

static void
test_round_trip(void **state)
{
	struct fix f;
	uint8_t out[32];
	uint32_t epoch;

	(void)state;
	make(&f);
	assert_int_equal(seal_grant_epoch(f.grant), 7);
	assert_int_equal(seal_open("nguyenvana", f.sk, f.grant, out, &epoch),
	    0);
	assert_memory_equal(out, f.key, 32);
	assert_int_equal(epoch, 7);
	/* The key never appears in the grant. */
	assert_null(memmem(f.grant, sizeof(f.grant), f.key, 8));
}

static void
test_wrong_key_or_label(void **state)
{
	struct fix f;
	uint8_t other_sk[32], other_pk[32], out[32];
	uint32_t epoch = 99;

	(void)state;
	make(&f);
	assert_int_equal(seal_keypair(other_sk, other_pk), 0);
	assert_int_equal(seal_open("nguyenvana", other_sk, f.grant, out,
	    &epoch), MK_ERR_AUTH);
	assert_int_equal(epoch, 0);
	assert_int_equal(seal_open("nguyenvanb", f.sk, f.grant, out, &epoch),
	    MK_ERR_AUTH);
	assert_int_equal(seal_open("", f.sk, f.grant, out, &epoch),
	    MK_ERR_ARGUMENT);
}

static void
test_every_byte_matters(void **state)
{
	struct fix f;
	uint8_t out[32];
	uint32_t epoch;
	size_t i;
	int r;

	(void)state;
	make(&f);
	for (i = 0; i < SEAL_GRANT_LEN; i++) {
		f.grant[i] ^= 0x01;
		r = seal_open("nguyenvana", f.sk, f.grant, out, &epoch);
		assert_int_not_equal(r, 0);
		f.grant[i] ^= 0x01;
	}
	f.grant[9] = 2;
	assert_int_equal(seal_open("nguyenvana", f.sk, f.grant, out, &epoch),
	    MK_ERR_VERSION);
}

static void
test_small_order_ephemeral(void **state)
{
	struct fix f;
	uint8_t out[32];
	uint32_t epoch;

	(void)state;
	make(&f);
	memset(f.grant + 16, 0, 32);	/* ephemeral key: the zero point */
	assert_int_equal(seal_open("nguyenvana", f.sk, f.grant, out, &epoch),
	    MK_ERR_AUTH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7748),
		cmocka_unit_test(test_small_order_refused),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wrong_key_or_label),
		cmocka_unit_test(test_every_byte_matters),
		cmocka_unit_test(test_small_order_ephemeral),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
