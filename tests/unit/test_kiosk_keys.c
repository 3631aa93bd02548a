/*
 * kiosk/keys: credentials and grant files. A credential opens only with its
 * password and label; a grant file holds one key or, during a rotation,
 * two, read back newest first whatever their order; two of one epoch, a
 * truncated or padded file, or another person's key are refused; destroy
 * leaves nothing under the name.
 */
#include <ftw.h>
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
#include "crypto/seal.h"
#include "kiosk/keys.h"
#include "kiosk/statedir.h"

static char tmpdir[64];
static struct statedir sd;

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static int
setup(void **state)
{
	char why[512];

	(void)state;
	if (cry_init(1 << 20, 0) != 0)
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_keys-XXXXXX");
	if (mkdtemp(tmpdir) == NULL || chmod(tmpdir, 0700) != 0)
		return -1;
	if (statedir_init(&sd, tmpdir) != 0 ||
	    statedir_prepare(&sd, why, sizeof(why)) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	cry_done();
	return 0;
}

static void
fill(uint8_t *k, uint8_t v)
{
	memset(k, v, KEYS_LEN);
}

static void
test_credential(void **state)
{
	uint8_t pk[KEYS_LEN], sk[KEYS_LEN], pk2[KEYS_LEN];

	(void)state;
	assert_int_equal(keys_credential_new(&sd, "tranvanb", "Soan#Thao2026",
	    pk), 0);
	assert_int_equal(keys_credential_open(&sd, "tranvanb", "Soan#Thao2026",
	    sk), 0);
	assert_int_equal(seal_public(sk, pk2), 0);
	assert_memory_equal(pk, pk2, KEYS_LEN);
	assert_int_equal(keys_credential_open(&sd, "tranvanb", "soan#thao2026",
	    sk), MK_ERR_PASSWORD);
	assert_int_equal(keys_credential_open(&sd, "nobody", "Soan#Thao2026",
	    sk), MK_ERR_NOT_FOUND);
	/* A new password wraps the same key pair. */
	assert_int_equal(keys_credential_open(&sd, "tranvanb", "Soan#Thao2026",
	    sk), 0);
	assert_int_equal(keys_credential_rewrap(&sd, "tranvanb", sk,
	    "Moi#Matkhau27"), 0);
	assert_int_equal(keys_credential_open(&sd, "tranvanb", "Soan#Thao2026",
	    sk), MK_ERR_PASSWORD);
	assert_int_equal(keys_credential_open(&sd, "tranvanb", "Moi#Matkhau27",
	    sk), 0);
	assert_int_equal(seal_public(sk, pk2), 0);
	assert_memory_equal(pk, pk2, KEYS_LEN);
}

static void
test_grants(void **state)
{
	uint8_t sk[KEYS_LEN], pk[KEYS_LEN], osk[KEYS_LEN], opk[KEYS_LEN];
	uint8_t k1[KEYS_LEN], k2[KEYS_LEN], mk[2 * KEYS_LEN];
	uint32_t e[2];
	char path[STATEDIR_PATH_MAX + 64];
	struct mkbuf *b;
	int n;

	(void)state;
	assert_int_equal(seal_keypair(sk, pk), 0);
	assert_int_equal(seal_keypair(osk, opk), 0);
	fill(k1, 0x11);
	fill(k2, 0x22);
	assert_int_equal(keys_grant_open(&sd, "lethic", sk, mk, e, &n),
	    MK_ERR_NOT_FOUND);
	/* One grant. */
	assert_int_equal(keys_grant_write(&sd, "lethic", pk, k1, 1, NULL, 0),
	    0);
	assert_int_equal(keys_grant_open(&sd, "lethic", sk, mk, e, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(e[0], 1);
	assert_memory_equal(mk, k1, KEYS_LEN);
	/* Another person's secret key opens nothing. */
	assert_int_equal(keys_grant_open(&sd, "lethic", osk, mk, e, &n),
	    MK_ERR_AUTH);
	/* Two, in either order: the newest first. */
	assert_int_equal(keys_grant_write(&sd, "lethic", pk, k1, 1, k2, 2), 0);
	assert_int_equal(keys_grant_open(&sd, "lethic", sk, mk, e, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(e[0], 2);
	assert_int_equal(e[1], 1);
	assert_memory_equal(mk, k2, KEYS_LEN);
	assert_memory_equal(mk + KEYS_LEN, k1, KEYS_LEN);
	assert_int_equal(keys_grant_write(&sd, "lethic", pk, k2, 2, k1, 1), 0);
	assert_int_equal(keys_grant_open(&sd, "lethic", sk, mk, e, &n), 0);
	assert_int_equal(e[0], 2);
	assert_memory_equal(mk, k2, KEYS_LEN);
	/* Two of the same epoch are refused. */
	assert_int_equal(keys_grant_write(&sd, "lethic", pk, k1, 3, k2, 3), 0);
	assert_int_equal(keys_grant_open(&sd, "lethic", sk, mk, e, &n),
	    MK_ERR_FORMAT);
	/* A grant file cut short or padded is refused. */
	assert_int_equal(keys_grant_write(&sd, "lethic", pk, k1, 1, NULL, 0),
	    0);
	snprintf(path, sizeof(path), "%s/lethic.grant", sd.grants);
	assert_int_equal(truncate(path, SEAL_GRANT_LEN - 1), 0);
	assert_int_equal(keys_grant_open(&sd, "lethic", sk, mk, e, &n),
	    MK_ERR_FORMAT);
	assert_int_equal(truncate(path, SEAL_GRANT_LEN + 1), 0);
	assert_int_equal(keys_grant_open(&sd, "lethic", sk, mk, e, &n),
	    MK_ERR_FORMAT);
	/* A grant copied under another name does not open. */
	assert_int_equal(keys_grant_write(&sd, "lethic", pk, k1, 1, NULL, 0),
	    0);
	assert_int_equal(mkfs_read_file(path, 4096, &b), 0);
	snprintf(path, sizeof(path), "%s/phamd.grant", sd.grants);
	assert_int_equal(mkfs_atomic_write(path, mkbuf_ptr(b), mkbuf_len(b),
	    0600), 0);
	mkbuf_free(b);
	assert_int_equal(keys_grant_open(&sd, "phamd", sk, mk, e, &n),
	    MK_ERR_AUTH);
}

static void
test_destroy(void **state)
{
	uint8_t pk[KEYS_LEN], k1[KEYS_LEN], sk[KEYS_LEN];
	char path[STATEDIR_PATH_MAX + 64];

	(void)state;
	fill(k1, 0x33);
	assert_int_equal(keys_credential_new(&sd, "kythuat", "Ky#Thuat2026x",
	    pk), 0);
	assert_int_equal(keys_grant_write(&sd, "kythuat", pk, k1, 1, NULL, 0),
	    0);
	assert_int_equal(keys_destroy(&sd, "kythuat"), 0);
	snprintf(path, sizeof(path), "%s/kythuat.slot", sd.slots);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/kythuat.grant", sd.grants);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(keys_credential_open(&sd, "kythuat", "Ky#Thuat2026x",
	    sk), MK_ERR_NOT_FOUND);
	/* Destroying what is not there is not an error. */
	assert_int_equal(keys_destroy(&sd, "kythuat"), 0);
	assert_int_equal(keys_grant_remove(&sd, "nobody"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_credential),
		cmocka_unit_test(test_grants),
		cmocka_unit_test(test_destroy),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
