/*
 * crypto/sign: Ed25519 keys, signatures and the secret key file.
 * Known answers from RFC 8032 section 7.1, loaded through the key file so
 * that its documented format is tested too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "crypto/cry.h"
#include "crypto/sign.h"

#define KEYFILE_LEN	108

static char tmpdir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_sign.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
path_in(char *out, size_t n, const char *name)
{
	assert_int_equal(mkfs_path(out, n, "%s/%s", tmpdir, name), 0);
}

static void
unhex(const char *s, uint8_t *out, size_t n)
{
	assert_int_equal(mk_unhex(s, out, n), 0);
}

/* A key file as docs/formats.md, audit log describes it. */
static void
write_keyfile(const char *path, const uint8_t pub[32], const uint8_t seed[32],
    mode_t mode)
{
	uint8_t f[KEYFILE_LEN];

	memcpy(f, "MATKSKEY", 8);
	mk_put_be32(f + 8, 1);
	memcpy(f + 12, pub, 32);
	memcpy(f + 44, seed, 32);
	cry_sha256(f, 76, f + 76);
	assert_int_equal(mkfs_atomic_write(path, f, sizeof(f), mode), 0);
}

static void
test_generate_sign_verify(void **state)
{
	struct signkey *k = NULL;
	uint8_t pub[SIGN_PUBLIC_LEN], sig[SIGN_SIG_LEN], other[SIGN_PUBLIC_LEN];
	char msg[] = "matkiosk checkpoint";

	(void)state;
	assert_int_equal(signkey_generate(&k), 0);
	assert_non_null(k);
	signkey_public(k, pub);
	assert_int_equal(signkey_sign(k, msg, strlen(msg), sig), 0);
	assert_int_equal(sign_verify(pub, msg, strlen(msg), sig), 0);

	/* The forgeries that must fail. */
	msg[0] ^= 1;
	assert_int_equal(sign_verify(pub, msg, strlen(msg), sig),
	    MK_ERR_SIGNATURE);
	msg[0] ^= 1;
	sig[10] ^= 0x80;
	assert_int_equal(sign_verify(pub, msg, strlen(msg), sig),
	    MK_ERR_SIGNATURE);
	sig[10] ^= 0x80;
	memcpy(other, pub, sizeof(other));
	other[0] ^= 1;
	assert_int_equal(sign_verify(other, msg, strlen(msg), sig),
	    MK_ERR_SIGNATURE);
	memset(other, 0xff, sizeof(other));
	assert_int_equal(sign_verify(other, msg, strlen(msg), sig),
	    MK_ERR_SIGNATURE);
	signkey_free(k);
	signkey_free(NULL);
}

static void
test_rfc8032(void **state)
{
	static const struct {
		const char	*seed, *pub, *msg, *sig;
	} v[] = {
		{ "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
		  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
		  "",
		  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
		  "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
		{ "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
		  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
		  "72",
		  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
		  "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
	};
	uint8_t seed[32], pub[32], want[64], sig[64], got[32], msg[1];
	struct signkey *k = NULL;
	char path[128];
	size_t i, mlen;

	(void)state;
	path_in(path, sizeof(path), "rfc.key");
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unhex(v[i].seed, seed, 32);
		unhex(v[i].pub, pub, 32);
		unhex(v[i].sig, want, 64);
		mlen = strlen(v[i].msg) / 2;
		if (mlen > 0)
			unhex(v[i].msg, msg, mlen);
		write_keyfile(path, pub, seed, 0600);
		assert_int_equal(signkey_load(path, &k), 0);
		signkey_public(k, got);
		assert_memory_equal(got, pub, 32);
		assert_int_equal(signkey_sign(k, msg, mlen, sig), 0);
		assert_memory_equal(sig, want, 64);
		assert_int_equal(sign_verify(pub, msg, mlen, want), 0);
		signkey_free(k);
		k = NULL;
	}
}

static void
test_save_load(void **state)
{
	struct signkey *k = NULL, *k2 = NULL;
	uint8_t pub[32], pub2[32], s1[64], s2[64];
	char path[128];
	struct stat st;

	(void)state;
	path_in(path, sizeof(path), "device.key");
	assert_int_equal(signkey_generate(&k), 0);
	assert_int_equal(signkey_save(k, path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, KEYFILE_LEN);
	assert_int_equal(signkey_load(path, &k2), 0);
	signkey_public(k, pub);
	signkey_public(k2, pub2);
	assert_memory_equal(pub, pub2, 32);
	/* Ed25519 is deterministic: the same seed signs the same way. */
	assert_int_equal(signkey_sign(k, "x", 1, s1), 0);
	assert_int_equal(signkey_sign(k2, "x", 1, s2), 0);
	assert_memory_equal(s1, s2, 64);
	signkey_free(k);
	signkey_free(k2);
}

static void
expect_load(const char *path, int err)
{
	struct signkey *k = (struct signkey *)1;

	assert_int_equal(signkey_load(path, &k), err);
	assert_null(k);
}

static void
test_load_rejects(void **state)
{
	struct signkey *k = NULL;
	uint8_t f[KEYFILE_LEN + 1], pub[32], seed[32];
	char path[128], link[128];
	struct mkbuf *b = NULL;

	(void)state;
	path_in(path, sizeof(path), "bad.key");
	path_in(link, sizeof(link), "link.key");
	assert_int_equal(signkey_generate(&k), 0);
	assert_int_equal(signkey_save(k, path), 0);
	signkey_free(k);
	assert_int_equal(mkfs_read_file(path, sizeof(f), &b), 0);
	memcpy(f, mkbuf_ptr(b), KEYFILE_LEN);
	mkbuf_free(b);

	f[50] ^= 1;			/* seed damaged: checksum */
	assert_int_equal(mkfs_atomic_write(path, f, KEYFILE_LEN, 0600), 0);
	expect_load(path, MK_ERR_FORMAT);
	f[50] ^= 1;
	assert_int_equal(mkfs_atomic_write(path, f, KEYFILE_LEN - 1, 0600), 0);
	expect_load(path, MK_ERR_FORMAT);
	assert_int_equal(mkfs_atomic_write(path, f, KEYFILE_LEN + 1, 0600), 0);
	expect_load(path, MK_ERR_FORMAT);
	assert_int_equal(mkfs_atomic_write(path, f, KEYFILE_LEN, 0644), 0);
	expect_load(path, MK_ERR_UNSAFE);
	/* A valid checksum over a public key that is not the seed's. */
	memcpy(pub, f + 12, 32);
	memcpy(seed, f + 44, 32);
	pub[3] ^= 1;
	write_keyfile(path, pub, seed, 0600);
	expect_load(path, MK_ERR_FORMAT);
	assert_int_equal(symlink(path, link), 0);
	expect_load(link, MK_ERR_SYSTEM);
	path_in(path, sizeof(path), "missing.key");
	expect_load(path, MK_ERR_NOT_FOUND);
	mk_wipe(f, sizeof(f));
	mk_wipe(seed, sizeof(seed));
}

/* Up to SIGN_MSG_MAX bytes are signed directly; beyond, refused (libgcrypt
 * S-expression values are limited to 64 KiB and it aborts past that). */
static void
test_long_message(void **state)
{
	struct signkey *k = NULL;
	uint8_t pub[32], sig[64];
	size_t n = SIGN_MSG_MAX;
	uint8_t *m;

	(void)state;
	assert_non_null(m = calloc(1, n + 1));
	assert_int_equal(signkey_generate(&k), 0);
	signkey_public(k, pub);
	assert_int_equal(signkey_sign(k, m, n, sig), 0);
	assert_int_equal(sign_verify(pub, m, n, sig), 0);
	m[n - 1] = 1;
	assert_int_equal(sign_verify(pub, m, n, sig), MK_ERR_SIGNATURE);
	assert_int_equal(signkey_sign(k, m, n + 1, sig), MK_ERR_TOO_LARGE);
	assert_int_equal(sign_verify(pub, m, n + 1, sig), MK_ERR_SIGNATURE);
	signkey_free(k);
	free(m);
}

/*
 * A public key whose y coordinate has its top 64-bit limb zero made
 * libgcrypt 1.10.1 abort the process inside gcry_pk_verify ("mulm_25519:
 * different sizes"; found by fuzz_xferpkg): it must just not verify.
 */
static void
test_hostile_public_keys(void **state)
{
	uint8_t pub[SIGN_PUBLIC_LEN], sig[SIGN_SIG_LEN];
	struct signkey *k = NULL;
	int i;

	(void)state;
	memset(sig, 0x11, sizeof(sig));
	memset(pub, 0, sizeof(pub));
	assert_true(sign_public_key_suspect(pub));
	assert_int_equal(sign_verify(pub, "x", 1, sig), MK_ERR_SIGNATURE);
	pub[0] = 1;			/* the neutral point */
	assert_int_equal(sign_verify(pub, "x", 1, sig), MK_ERR_SIGNATURE);
	for (i = 0; i < 24; i++)
		pub[i] = (uint8_t)(0xa5 ^ i);
	pub[31] = 0x80;			/* only the sign bit up top */
	assert_true(sign_public_key_suspect(pub));
	assert_int_equal(sign_verify(pub, "x", 1, sig), MK_ERR_SIGNATURE);
	pub[30] = 1;			/* one bit in the top limb */
	assert_false(sign_public_key_suspect(pub));
	(void)sign_verify(pub, "x", 1, sig);	/* must return at all */
	/* A real key is never suspect. */
	for (i = 0; i < 16; i++) {
		assert_int_equal(signkey_generate(&k), 0);
		signkey_public(k, pub);
		assert_false(sign_public_key_suspect(pub));
		signkey_free(k);
	}
}

/*
 * libgcrypt 1.10 keeps a 128 KiB buffer for GCRY_VERY_STRONG_RANDOM for the
 * life of the process, referenced only from its secure-memory pool, which
 * LeakSanitizer does not scan: not ours to free.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_options(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libgcrypt.so\n";
}

const char *
__lsan_default_options(void)
{
	return "print_suppressions=0";
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate_sign_verify),
		cmocka_unit_test(test_rfc8032),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_load_rejects),
		cmocka_unit_test(test_long_message),
		cmocka_unit_test(test_hostile_public_keys),
	};

	if (cry_init(1 << 16, 0) != 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
