/*
 * crypto/keyslot: wrapping the master key under a password, and every way
 * a slot must refuse to open: wrong password, wrong label, any tampered
 * byte, a foreign format, and hostile KDF parameters (refused before any
 * memory or time is spent on them).
 *
 * Argon2id at the default 64 MiB costs about 0.2 s a derivation, so the
 * default parameters are used for the round trip and the wrong secrets
 * (four derivations); the tampering tests use the smallest parameters the
 * module accepts, which exercise the same code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "crypto/cry.h"
#include "crypto/keyslot.h"

#define LABEL		"nguyenvana"
/* "Mật khẩu 1!" */
#define PASSWORD	"M\xe1\xba\xadt kh\xe1\xba\xa9u 1!"

/* Offsets of docs: keyslot.h. */
#define OFF_VERSION	8
#define OFF_KDF		10
#define OFF_T		12
#define OFF_M		16
#define OFF_P		20
#define OFF_EPOCH	24
#define OFF_RESERVED	28
#define OFF_SALT	32
#define OFF_NONCE	48
#define OFF_WRAPPED	60
#define OFF_TAG		92

static uint8_t mk[KEYSLOT_KEY_LEN];
static uint8_t slot_default[KEYSLOT_LEN];	/* default params, epoch 7 */
static uint8_t slot_small[KEYSLOT_LEN];		/* minimum params */
static const struct keyslot_params small = { 1, 8192, 1 };

static int
group_setup(void **state)
{
	struct keyslot_params p;
	size_t i;

	(void)state;
	if (cry_init(1 << 20, 0) != 0)
		return -1;
	for (i = 0; i < sizeof(mk); i++)
		mk[i] = (uint8_t)(0x40 + i);
	keyslot_default_params(&p);
	if (keyslot_wrap(LABEL, PASSWORD, strlen(PASSWORD), &p, mk, 7,
	    slot_default) != 0 ||
	    keyslot_wrap(LABEL, PASSWORD, strlen(PASSWORD), &small, mk,
	    0xfffffffe, slot_small) != 0)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	cry_done();
	return 0;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Unwraps into secure memory; on failure the output must hold no key. */
static int
unwrap(const char *label, const char *pw, const uint8_t *slot,
    uint8_t out[KEYSLOT_KEY_LEN], uint32_t *epoch)
{
	uint8_t *k;
	size_t i;
	int r;

	assert_non_null(k = cry_secure_alloc(KEYSLOT_KEY_LEN));
	memset(k, 0xaa, KEYSLOT_KEY_LEN);
	*epoch = 12345;
	r = keyslot_unwrap(label, pw, strlen(pw), slot, k, epoch);
	if (r != 0)
		for (i = 0; i < KEYSLOT_KEY_LEN; i++)
			assert_true(k[i] == 0 || k[i] == 0xaa);
	memcpy(out, k, KEYSLOT_KEY_LEN);
	cry_secure_free(k, KEYSLOT_KEY_LEN);
	return r;
}

static void
test_layout(void **state)
{
	struct keyslot_params p;

	(void)state;
	keyslot_default_params(&p);
	assert_int_equal(p.t_cost, 3);
	assert_int_equal(p.m_cost_kib, 65536);
	assert_int_equal(p.parallelism, 4);
	assert_memory_equal(slot_default, "MATKSLOT", 8);
	assert_int_equal(mk_get_be16(slot_default + OFF_VERSION), 1);
	assert_int_equal(mk_get_be16(slot_default + OFF_KDF), 1);
	assert_int_equal(mk_get_be32(slot_default + OFF_T), 3);
	assert_int_equal(mk_get_be32(slot_default + OFF_M), 65536);
	assert_int_equal(mk_get_be32(slot_default + OFF_P), 4);
	assert_int_equal(mk_get_be32(slot_default + OFF_EPOCH), 7);
	assert_int_equal(mk_get_be32(slot_default + OFF_RESERVED), 0);
	/* The key itself is nowhere in the slot. */
	assert_null(memmem(slot_default, KEYSLOT_LEN, mk, 8));
	assert_null(memmem(slot_default, KEYSLOT_LEN, mk + 16, 8));
}

static void
test_round_trip_default(void **state)
{
	uint8_t out[KEYSLOT_KEY_LEN];
	uint32_t epoch;

	(void)state;
	assert_int_equal(unwrap(LABEL, PASSWORD, slot_default, out, &epoch),
	    0);
	assert_memory_equal(out, mk, sizeof(mk));
	assert_int_equal(epoch, 7);
}

static void
test_wrong_password(void **state)
{
	uint8_t out[KEYSLOT_KEY_LEN];
	uint32_t epoch;

	(void)state;
	/* One letter's case: "mật khẩu 1!". */
	assert_int_equal(unwrap(LABEL, "m\xe1\xba\xadt kh\xe1\xba\xa9u 1!",
	    slot_default, out, &epoch), MK_ERR_PASSWORD);
	assert_memory_not_equal(out, mk, sizeof(mk));
}

/* A slot copied to another account's name does not open, even with the
 * right password. */
static void
test_wrong_label(void **state)
{
	uint8_t out[KEYSLOT_KEY_LEN];
	uint32_t epoch;

	(void)state;
	assert_int_equal(unwrap("tranthib", PASSWORD, slot_default, out,
	    &epoch), MK_ERR_PASSWORD);
	assert_memory_not_equal(out, mk, sizeof(mk));
}

static void
test_round_trip_epoch(void **state)
{
	static const uint32_t epochs[] = { 0, 1, 0xffffffff };
	uint8_t slot[KEYSLOT_LEN], other[KEYSLOT_LEN], out[KEYSLOT_KEY_LEN];
	uint32_t epoch;
	size_t i;

	(void)state;
	assert_int_equal(unwrap(LABEL, PASSWORD, slot_small, out, &epoch), 0);
	assert_memory_equal(out, mk, sizeof(mk));
	assert_int_equal(epoch, 0xfffffffe);
	for (i = 0; i < sizeof(epochs) / sizeof(epochs[0]); i++) {
		assert_int_equal(keyslot_wrap("_recovery", "x", 1, &small, mk,
		    epochs[i], slot), 0);
		assert_int_equal(unwrap("_recovery", "x", slot, out, &epoch),
		    0);
		assert_int_equal(epoch, epochs[i]);
		assert_memory_equal(out, mk, sizeof(mk));
	}
	/* Fresh salt and nonce every time. */
	assert_int_equal(keyslot_wrap("_recovery", "x", 1, &small, mk,
	    0xffffffff, other), 0);
	assert_memory_not_equal(slot + OFF_SALT, other + OFF_SALT, 16);
	assert_memory_not_equal(slot + OFF_NONCE, other + OFF_NONCE, 12);
	assert_memory_not_equal(slot + OFF_WRAPPED, other + OFF_WRAPPED, 32);
}

/* Every authenticated byte: salt, nonce, wrapped key, tag, and the header
 * fields that are in the AAD (a rolled-back epoch, a cheaper t_cost). */
static void
test_tampered_bytes(void **state)
{
	static const size_t pos[] = {
		OFF_SALT, OFF_SALT + 15, OFF_NONCE, OFF_NONCE + 11,
		OFF_WRAPPED, OFF_WRAPPED + 17, OFF_WRAPPED + 31, OFF_TAG,
		OFF_TAG + 15, OFF_EPOCH + 3, OFF_T + 3, OFF_M + 2,
	};
	uint8_t slot[KEYSLOT_LEN], out[KEYSLOT_KEY_LEN];
	uint32_t epoch;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
		memcpy(slot, slot_small, KEYSLOT_LEN);
		slot[pos[i]] ^= 0x04;	/* keeps t and m in range */
		if (unwrap(LABEL, PASSWORD, slot, out, &epoch) !=
		    MK_ERR_PASSWORD)
			fail_msg("byte %zu flipped: not refused", pos[i]);
	}
	/* The same, once, at the default parameters. */
	memcpy(slot, slot_default, KEYSLOT_LEN);
	slot[OFF_TAG + 7] ^= 0x80;
	assert_int_equal(unwrap(LABEL, PASSWORD, slot, out, &epoch),
	    MK_ERR_PASSWORD);
}

static void
test_foreign_format(void **state)
{
	uint8_t slot[KEYSLOT_LEN], out[KEYSLOT_KEY_LEN];
	uint32_t epoch;

	(void)state;
	memcpy(slot, slot_small, KEYSLOT_LEN);
	slot[0] ^= 0x20;
	assert_int_equal(unwrap(LABEL, PASSWORD, slot, out, &epoch),
	    MK_ERR_FORMAT);
	memcpy(slot, slot_small, KEYSLOT_LEN);
	slot[7] ^= 0x01;
	assert_int_equal(unwrap(LABEL, PASSWORD, slot, out, &epoch),
	    MK_ERR_FORMAT);
	memcpy(slot, slot_small, KEYSLOT_LEN);
	mk_put_be16(slot + OFF_VERSION, 2);
	assert_int_equal(unwrap(LABEL, PASSWORD, slot, out, &epoch),
	    MK_ERR_VERSION);
	mk_put_be16(slot + OFF_VERSION, 0);
	assert_int_equal(unwrap(LABEL, PASSWORD, slot, out, &epoch),
	    MK_ERR_VERSION);
	memcpy(slot, slot_small, KEYSLOT_LEN);
	mk_put_be16(slot + OFF_KDF, 2);
	assert_int_equal(unwrap(LABEL, PASSWORD, slot, out, &epoch),
	    MK_ERR_FORMAT);
	memset(slot, 0, sizeof(slot));
	assert_int_equal(unwrap(LABEL, PASSWORD, slot, out, &epoch),
	    MK_ERR_FORMAT);
}

/* A slot written by an attacker must not make the daemon allocate
 * gigabytes or compute for minutes: refused from the header alone. */
static void
test_hostile_params(void **state)
{
	static const struct {
		size_t		off;
		uint32_t	v;
	} bad[] = {
		{ OFF_M, 4u * 1024 * 1024 },		/* 4 GiB */
		{ OFF_M, 0xffffffff },
		{ OFF_M, 0 },
		{ OFF_M, 8191 },
		{ OFF_T, 1000 },
		{ OFF_T, 0xffffffff },
		{ OFF_T, 0 },
		{ OFF_P, 0 },
		{ OFF_P, 1000 },
		{ OFF_P, 0xffffffff },
		{ OFF_RESERVED, 1 },
		{ OFF_RESERVED, 0x80000000 },
	};
	uint8_t slot[KEYSLOT_LEN], out[KEYSLOT_KEY_LEN];
	uint32_t epoch;
	int64_t t0, dt;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(slot, slot_default, KEYSLOT_LEN);
		mk_put_be32(slot + bad[i].off, bad[i].v);
		t0 = mono_ms();
		if (unwrap(LABEL, PASSWORD, slot, out, &epoch) !=
		    MK_ERR_FORMAT)
			fail_msg("field %zu = %u accepted", bad[i].off,
			    (unsigned)bad[i].v);
		dt = mono_ms() - t0;
		if (dt >= 50)
			fail_msg("field %zu = %u: %lld ms", bad[i].off,
			    (unsigned)bad[i].v, (long long)dt);
	}
}

static void
test_wrap_refuses(void **state)
{
	static const struct keyslot_params bad[] = {
		{ 0, 65536, 4 },
		{ 17, 65536, 4 },
		{ 3, 4u * 1024 * 1024, 4 },
		{ 3, 65536, 0 },
		{ 3, 65536, 17 },
	};
	char longlabel[KEYSLOT_LABEL_MAX + 2];
	uint8_t slot[KEYSLOT_LEN], out[KEYSLOT_KEY_LEN];
	uint32_t epoch;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(slot, 0xee, sizeof(slot));
		assert_int_equal(keyslot_wrap(LABEL, "x", 1, &bad[i], mk, 1,
		    slot), MK_ERR_ARGUMENT);
		/* Nothing half-written is left for a careless caller. */
		assert_null(memchr(slot, 0xee, sizeof(slot)));
		assert_null(memmem(slot, sizeof(slot), mk, 8));
	}
	memset(longlabel, 'a', KEYSLOT_LABEL_MAX + 1);
	longlabel[KEYSLOT_LABEL_MAX + 1] = '\0';
	assert_int_equal(keyslot_wrap(longlabel, "x", 1, &small, mk, 1, slot),
	    MK_ERR_ARGUMENT);
	assert_int_equal(keyslot_wrap("", "x", 1, &small, mk, 1, slot),
	    MK_ERR_ARGUMENT);
	assert_int_equal(unwrap("", PASSWORD, slot_small, out, &epoch),
	    MK_ERR_ARGUMENT);
	assert_int_equal(unwrap(longlabel, PASSWORD, slot_small, out, &epoch),
	    MK_ERR_ARGUMENT);
}

/* keyslot_unwrap clears *epoch on failure (keyslot.c, "out:"), but not
 * when it returns early: a refused slot still reports the epoch read from
 * its unauthenticated header. */
static void
test_epoch_zero_on_failure(void **state)
{
	uint8_t slot[KEYSLOT_LEN], out[KEYSLOT_KEY_LEN];
	uint32_t epoch;

	(void)state;
	assert_int_equal(unwrap(LABEL, "wrong", slot_small, out, &epoch),
	    MK_ERR_PASSWORD);
	assert_int_equal(epoch, 0);
	memcpy(slot, slot_small, KEYSLOT_LEN);
	mk_put_be32(slot + OFF_RESERVED, 1);
	assert_int_equal(unwrap(LABEL, PASSWORD, slot, out, &epoch),
	    MK_ERR_FORMAT);
	assert_int_equal(epoch, 0);
	assert_int_equal(unwrap("", PASSWORD, slot_small, out, &epoch),
	    MK_ERR_ARGUMENT);
	assert_int_equal(epoch, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_round_trip_default),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_wrong_label),
		cmocka_unit_test(test_round_trip_epoch),
		cmocka_unit_test(test_tampered_bytes),
		cmocka_unit_test(test_foreign_format),
		cmocka_unit_test(test_hostile_params),
		cmocka_unit_test(test_wrap_refuses),
		cmocka_unit_test(test_epoch_zero_on_failure),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
