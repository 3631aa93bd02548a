/*
 * A backup's sealed secrets (kiosk/backup.c, docs/formats.md "Backup"):
 * version 2 carries the device key, the log key and the workstation's
 * transfer key; version 1 (two parts) still opens; the wrong master key,
 * device or generation, one byte changed, and a plaintext whose parts do
 * not fill it exactly are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "crypto/cry.h"
#include "kiosk/backup.h"

static const char dev[] = "0123456789abcdef0123456789abcdef";
static const uint8_t mk[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

static struct mkbuf *
filled(size_t n, uint8_t c)
{
	struct mkbuf *b = mkbuf_new(n + 1);
	size_t i;

	assert_non_null(b);
	for (i = 0; i < n; i++)
		assert_int_equal(mkbuf_put(b, &c, 1), 0);
	return b;
}

static void
same(const struct mkbuf *a, const struct mkbuf *b)
{
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(mkbuf_len(a), mkbuf_len(b));
	assert_memory_equal(mkbuf_ptr(a), mkbuf_ptr(b), mkbuf_len(a));
}

static void
test_roundtrip(void **state)
{
	struct backup_secrets in = { filled(108, 0xd1), filled(40, 0x1c),
	    filled(32, 0xe7) }, out;
	struct mkbuf *sealed = mkbuf_new(4096);
	uint32_t epoch = 0;

	(void)state;
	assert_int_equal(backup_seal_secrets(mk, 7, dev, 3, &in, sealed), 0);
	assert_int_equal(backup_open_secrets(mk, dev, 3, mkbuf_ptr(sealed),
	    mkbuf_len(sealed), &out, &epoch), 0);
	assert_int_equal(epoch, 7);
	same(out.devkey, in.devkey);
	same(out.logkey, in.logkey);
	same(out.xferkey, in.xferkey);
	backup_secrets_free(&out);

	/* Without a transfer key (never made): opens with none. */
	mkbuf_free(in.xferkey);
	in.xferkey = NULL;
	mkbuf_reset(sealed);
	assert_int_equal(backup_seal_secrets(mk, 7, dev, 3, &in, sealed), 0);
	assert_int_equal(backup_open_secrets(mk, dev, 3, mkbuf_ptr(sealed),
	    mkbuf_len(sealed), &out, &epoch), 0);
	same(out.devkey, in.devkey);
	assert_null(out.xferkey);
	backup_secrets_free(&out);
	backup_secrets_free(&in);
	mkbuf_free(sealed);
}

static void
test_refused(void **state)
{
	struct backup_secrets in = { filled(108, 0xd1), filled(40, 0x1c),
	    filled(32, 0xe7) }, out;
	struct mkbuf *sealed = mkbuf_new(4096);
	uint8_t other[32] = { 9 }, *p;
	uint32_t epoch;
	size_t i;

	(void)state;
	assert_int_equal(backup_seal_secrets(mk, 1, dev, 5, &in, sealed), 0);
	p = (uint8_t *)mkbuf_ptr(sealed);
	assert_int_equal(backup_open_secrets(other, dev, 5, p,
	    mkbuf_len(sealed), &out, &epoch), MK_ERR_AUTH);
	assert_int_equal(backup_open_secrets(mk,
	    "ffffffffffffffffffffffffffffffff", 5, p, mkbuf_len(sealed), &out,
	    &epoch), MK_ERR_AUTH);
	assert_int_equal(backup_open_secrets(mk, dev, 4, p, mkbuf_len(sealed),
	    &out, &epoch), MK_ERR_AUTH);
	/* Any byte changed after the magic and version: refused. */
	for (i = 12; i < mkbuf_len(sealed); i += 7) {
		p[i] ^= 0x40;
		assert_int_not_equal(backup_open_secrets(mk, dev, 5, p,
		    mkbuf_len(sealed), &out, &epoch), 0);
		assert_null(out.devkey);
		p[i] ^= 0x40;
	}
	p[9] = 3;
	assert_int_equal(backup_open_secrets(mk, dev, 5, p, mkbuf_len(sealed),
	    &out, &epoch), MK_ERR_VERSION);
	assert_int_equal(backup_open_secrets(mk, dev, 5, p, 20, &out, &epoch),
	    MK_ERR_TRUNCATED);
	backup_secrets_free(&in);
	mkbuf_free(sealed);
}

/* Secrets as the format says, sealed here by hand: version, and the
 * plaintext's parts. */
static struct mkbuf *
by_hand(uint16_t version, const uint8_t *plain, size_t n)
{
	static const char label[] = "matkiosk backup secrets v1";
	uint8_t key[32], hdr[16], aad[16 + 36], nonce[12] = { 0 }, tag[16];
	uint8_t ct[256];
	struct mkbuf *b = mkbuf_new(512);

	assert_true(n <= sizeof(ct));
	memcpy(hdr, "MATKBSEC", 8);
	mk_put_be16(hdr + 8, version);
	mk_put_be16(hdr + 10, 0);
	mk_put_be32(hdr + 12, 4);
	memcpy(aad, hdr, 16);
	memcpy(aad + 16, dev, 32);
	mk_put_be32(aad + 48, 9);
	assert_int_equal(cry_hmac_sha256(mk, 32, label, sizeof(label) - 1,
	    key), 0);
	assert_int_equal(cry_gcm_seal(key, nonce, aad, sizeof(aad), plain, n,
	    ct, tag), 0);
	assert_int_equal(mkbuf_put(b, hdr, 16), 0);
	assert_int_equal(mkbuf_put(b, nonce, 12), 0);
	assert_int_equal(mkbuf_put(b, ct, n), 0);
	assert_int_equal(mkbuf_put(b, tag, 16), 0);
	return b;
}

static void
test_versions(void **state)
{
	/* devkey "AB", logkey "C" */
	static const uint8_t two[] = { 0, 0, 0, 2, 'A', 'B', 0, 0, 0, 1, 'C' };
	static const uint8_t three[] = { 0, 0, 0, 2, 'A', 'B', 0, 0, 0, 1, 'C',
	    0, 0, 0, 1, 'X' };
	struct backup_secrets out;
	struct mkbuf *b;
	uint32_t epoch;

	(void)state;
	/* Version 1: two parts, no transfer key. */
	b = by_hand(1, two, sizeof(two));
	assert_int_equal(backup_open_secrets(mk, dev, 9, mkbuf_ptr(b),
	    mkbuf_len(b), &out, &epoch), 0);
	assert_int_equal(mkbuf_len(out.devkey), 2);
	assert_int_equal(mkbuf_len(out.logkey), 1);
	assert_null(out.xferkey);
	backup_secrets_free(&out);
	mkbuf_free(b);
	/* Version 1 with a third part: the parts do not fill it. */
	b = by_hand(1, three, sizeof(three));
	assert_int_equal(backup_open_secrets(mk, dev, 9, mkbuf_ptr(b),
	    mkbuf_len(b), &out, &epoch), MK_ERR_FORMAT);
	mkbuf_free(b);
	/* Version 2 with two parts: one is missing. */
	b = by_hand(2, two, sizeof(two));
	assert_int_equal(backup_open_secrets(mk, dev, 9, mkbuf_ptr(b),
	    mkbuf_len(b), &out, &epoch), MK_ERR_FORMAT);
	mkbuf_free(b);
	/* Version 2, three parts. */
	b = by_hand(2, three, sizeof(three));
	assert_int_equal(backup_open_secrets(mk, dev, 9, mkbuf_ptr(b),
	    mkbuf_len(b), &out, &epoch), 0);
	assert_int_equal(mkbuf_len(out.xferkey), 1);
	assert_int_equal(*(const uint8_t *)mkbuf_ptr(out.xferkey), 'X');
	backup_secrets_free(&out);
	mkbuf_free(b);
}

static int
setup(void **state)
{
	(void)state;
	return cry_init(1 << 20, 0) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_versions),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
