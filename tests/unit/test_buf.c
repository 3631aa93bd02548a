/*
 * common/buf: the growable buffer's cap, the big-endian writers and the
 * bounded reader, truncation, and hex.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"

/* "Tuyệt mật" (top secret) in UTF-8. */
static const char tuyet_mat[] = "Tuy\xe1\xbb\x87t m\xe1\xba\xadt";

static void
test_max_enforced(void **state)
{
	struct mkbuf *b;
	uint8_t *dst;

	(void)state;
	assert_non_null(b = mkbuf_new(16));
	assert_int_equal(mkbuf_reserve(b, 10, &dst), 0);
	assert_non_null(dst);
	memset(dst, 'a', 10);
	assert_int_equal(mkbuf_reserve(b, 6, &dst), 0);
	memset(dst, 'b', 6);
	assert_int_equal(mkbuf_len(b), 16);
	/* Full: one byte more is refused and changes nothing. */
	assert_int_equal(mkbuf_reserve(b, 1, &dst), MK_ERR_TOO_LARGE);
	assert_null(dst);
	assert_int_equal(mkbuf_put_u8(b, 1), MK_ERR_TOO_LARGE);
	assert_int_equal(mkbuf_put_u64(b, 1), MK_ERR_TOO_LARGE);
	assert_int_equal(mkbuf_put_bstr(b, "", 0), MK_ERR_TOO_LARGE);
	assert_int_equal(mkbuf_len(b), 16);
	assert_memory_equal(mkbuf_ptr(b), "aaaaaaaaaabbbbbb", 16);
	/* Zero bytes always fit. */
	assert_int_equal(mkbuf_put(b, NULL, 0), 0);
	assert_int_equal(mkbuf_len(b), 16);
	mkbuf_free(b);
}

static void
test_max_overflow(void **state)
{
	struct mkbuf *b;
	uint8_t *dst;

	(void)state;
	assert_non_null(b = mkbuf_new(100));
	assert_int_equal(mkbuf_put(b, "abc", 3), 0);
	/* len + n would wrap around: must not be taken for a small size. */
	assert_int_equal(mkbuf_reserve(b, SIZE_MAX, &dst), MK_ERR_TOO_LARGE);
	assert_null(dst);
	assert_int_equal(mkbuf_reserve(b, SIZE_MAX - 1, &dst),
	    MK_ERR_TOO_LARGE);
	assert_int_equal(mkbuf_reserve(b, 98, &dst), MK_ERR_TOO_LARGE);
	assert_int_equal(mkbuf_reserve(b, 97, &dst), 0);
	assert_int_equal(mkbuf_len(b), 100);
	mkbuf_free(b);

	/* A zero cap holds nothing at all. */
	assert_non_null(b = mkbuf_new(0));
	assert_int_equal(mkbuf_put_u8(b, 0), MK_ERR_TOO_LARGE);
	assert_int_equal(mkbuf_len(b), 0);
	mkbuf_free(b);
	mkbuf_free(NULL);
}

/* Growing past the first allocation keeps every byte written so far. */
static void
test_grow_keeps_contents(void **state)
{
	struct mkbuf *b;
	size_t i;

	(void)state;
	assert_non_null(b = mkbuf_new(5000));
	for (i = 0; i < 5000; i++)
		assert_int_equal(mkbuf_put_u8(b, (uint8_t)(i * 7)), 0);
	assert_int_equal(mkbuf_put_u8(b, 0), MK_ERR_TOO_LARGE);
	assert_int_equal(mkbuf_len(b), 5000);
	for (i = 0; i < 5000; i++)
		assert_int_equal(mkbuf_ptr(b)[i], (uint8_t)(i * 7));
	mkbuf_free(b);
}

static void
test_ints_round_trip(void **state)
{
	static const uint8_t want[] = {
		0xab,
		0x12, 0x34,
		0xde, 0xad, 0xbe, 0xef,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	struct mkbuf *b;
	struct mkrd r;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	(void)state;
	assert_non_null(b = mkbuf_new(64));
	assert_int_equal(mkbuf_put_u8(b, 0xab), 0);
	assert_int_equal(mkbuf_put_u16(b, 0x1234), 0);
	assert_int_equal(mkbuf_put_u32(b, 0xdeadbeef), 0);
	assert_int_equal(mkbuf_put_u64(b, 0x0102030405060708ULL), 0);
	assert_int_equal(mkbuf_put_u8(b, 0), 0);
	assert_int_equal(mkbuf_put_u64(b, UINT64_MAX), 0);
	/* Big-endian on the wire, whatever the host. */
	assert_int_equal(mkbuf_len(b), sizeof(want));
	assert_memory_equal(mkbuf_ptr(b), want, sizeof(want));

	mkrd_init(&r, mkbuf_ptr(b), mkbuf_len(b));
	assert_int_equal(mkrd_u8(&r, &v8), 0);
	assert_int_equal(v8, 0xab);
	assert_int_equal(mkrd_u16(&r, &v16), 0);
	assert_int_equal(v16, 0x1234);
	assert_int_equal(mkrd_u32(&r, &v32), 0);
	assert_int_equal(v32, 0xdeadbeef);
	assert_int_equal(mkrd_u64(&r, &v64), 0);
	assert_true(v64 == 0x0102030405060708ULL);
	assert_int_equal(mkrd_u8(&r, &v8), 0);
	assert_int_equal(v8, 0);
	assert_int_equal(mkrd_u64(&r, &v64), 0);
	assert_true(v64 == UINT64_MAX);
	assert_int_equal(mkrd_left(&r), 0);
	mkbuf_free(b);
}

static void
test_be_helpers(void **state)
{
	uint8_t x[8];

	(void)state;
	mk_put_be16(x, 0xa1b2);
	assert_memory_equal(x, "\xa1\xb2", 2);
	assert_int_equal(mk_get_be16(x), 0xa1b2);
	mk_put_be32(x, 0x80000001);
	assert_memory_equal(x, "\x80\x00\x00\x01", 4);
	assert_int_equal(mk_get_be32(x), 0x80000001);
	mk_put_be64(x, 0x8000000000000001ULL);
	assert_memory_equal(x, "\x80\0\0\0\0\0\0\x01", 8);
	assert_true(mk_get_be64(x) == 0x8000000000000001ULL);
}

static void
test_bstr_round_trip(void **state)
{
	struct mkbuf *b;
	struct mkrd r;
	const uint8_t *p;
	uint8_t *big;
	size_t len;

	(void)state;
	assert_non_null(big = calloc(1, 65536));
	memset(big, 'x', 65536);
	assert_non_null(b = mkbuf_new(70000));
	assert_int_equal(mkbuf_put_cstr(b, tuyet_mat), 0);
	assert_int_equal(mkbuf_put_bstr(b, "a\0b", 3), 0);
	assert_int_equal(mkbuf_put_cstr(b, NULL), 0);
	assert_int_equal(mkbuf_put_bstr(b, big, 65535), 0);
	/* One byte over the 16-bit length is refused, nothing written. */
	len = mkbuf_len(b);
	assert_int_equal(mkbuf_put_bstr(b, big, 65536), MK_ERR_TOO_LARGE);
	assert_int_equal(mkbuf_len(b), len);
	assert_int_equal(mkbuf_len(b),
	    2 + strlen(tuyet_mat) + 2 + 3 + 2 + 2 + 65535);
	assert_memory_equal(mkbuf_ptr(b), "\x00\x0dTuy", 5);

	mkrd_init(&r, mkbuf_ptr(b), mkbuf_len(b));
	assert_int_equal(mkrd_bstr(&r, 64, &p, &len), 0);
	assert_int_equal(len, strlen(tuyet_mat));
	assert_memory_equal(p, tuyet_mat, len);
	assert_int_equal(mkrd_bstr(&r, 3, &p, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(p, "a\0b", 3);
	assert_int_equal(mkrd_bstr(&r, 0, &p, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(mkrd_bstr(&r, 65535, &p, &len), 0);
	assert_int_equal(len, 65535);
	assert_memory_equal(p, big, 65535);
	assert_int_equal(mkrd_left(&r), 0);
	mkbuf_free(b);
	free(big);
}

/* Every reader, one byte short: MK_ERR_TRUNCATED and the cursor stays. */
static void
test_reader_bounds(void **state)
{
	static const uint8_t d[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct mkrd r;
	const uint8_t *p;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	(void)state;
	mkrd_init(&r, d, 0);
	assert_int_equal(mkrd_u8(&r, &v8), MK_ERR_TRUNCATED);
	mkrd_init(&r, d, 1);
	assert_int_equal(mkrd_u16(&r, &v16), MK_ERR_TRUNCATED);
	assert_int_equal(r.off, 0);
	mkrd_init(&r, d, 3);
	assert_int_equal(mkrd_u32(&r, &v32), MK_ERR_TRUNCATED);
	assert_int_equal(r.off, 0);
	mkrd_init(&r, d, 7);
	assert_int_equal(mkrd_u64(&r, &v64), MK_ERR_TRUNCATED);
	assert_int_equal(r.off, 0);
	assert_int_equal(mkrd_left(&r), 7);

	/* After some reads, the remainder is what bounds the next one. */
	mkrd_init(&r, d, 8);
	assert_int_equal(mkrd_u32(&r, &v32), 0);
	assert_int_equal(mkrd_u8(&r, &v8), 0);
	assert_int_equal(mkrd_u32(&r, &v32), MK_ERR_TRUNCATED);
	assert_int_equal(mkrd_left(&r), 3);
	assert_int_equal(mkrd_bytes(&r, 4, &p), MK_ERR_TRUNCATED);
	assert_null(p);
	assert_int_equal(mkrd_bytes(&r, SIZE_MAX, &p), MK_ERR_TRUNCATED);
	assert_null(p);
	assert_int_equal(mkrd_bytes(&r, 3, &p), 0);
	assert_ptr_equal(p, d + 5);
	assert_int_equal(mkrd_left(&r), 0);
	assert_int_equal(mkrd_bytes(&r, 0, &p), 0);
	assert_int_equal(mkrd_u8(&r, &v8), MK_ERR_TRUNCATED);
}

static void
test_reader_bstr(void **state)
{
	static const uint8_t over[] = { 0x00, 0x05, 'a', 'b', 'c', 'd', 'e' };
	static const uint8_t cut[] = { 0x00, 0x05, 'a', 'b', 'c', 'd' };
	static const uint8_t huge[] = { 0xff, 0xff, 'a' };
	struct mkrd r;
	const uint8_t *p;
	size_t len;

	(void)state;
	/* Longer than the caller's maximum. */
	mkrd_init(&r, over, sizeof(over));
	assert_int_equal(mkrd_bstr(&r, 4, &p, &len), MK_ERR_TOO_LARGE);
	assert_null(p);
	assert_int_equal(len, 0);
	mkrd_init(&r, over, sizeof(over));
	assert_int_equal(mkrd_bstr(&r, 5, &p, &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(p, "abcde", 5);
	/* The length promises more than there is. */
	mkrd_init(&r, cut, sizeof(cut));
	assert_int_equal(mkrd_bstr(&r, 100, &p, &len), MK_ERR_TRUNCATED);
	assert_null(p);
	assert_int_equal(len, 0);
	mkrd_init(&r, huge, sizeof(huge));
	assert_int_equal(mkrd_bstr(&r, 65535, &p, &len), MK_ERR_TRUNCATED);
	/* Not even the length. */
	mkrd_init(&r, over, 1);
	assert_int_equal(mkrd_bstr(&r, 100, &p, &len), MK_ERR_TRUNCATED);
}

static void
test_truncate_reset(void **state)
{
	struct mkbuf *b;
	size_t i;

	(void)state;
	assert_non_null(b = mkbuf_new(64));
	assert_int_equal(mkbuf_put(b, "0123456789", 10), 0);
	assert_int_equal(mkbuf_truncate(b, 11), MK_ERR_ARGUMENT);
	assert_int_equal(mkbuf_len(b), 10);
	assert_int_equal(mkbuf_truncate(b, 4), 0);
	assert_int_equal(mkbuf_len(b), 4);
	assert_memory_equal(mkbuf_ptr(b), "0123", 4);
	/* The cut-off bytes are wiped, not merely forgotten. */
	for (i = 4; i < 10; i++)
		assert_int_equal(mkbuf_ptr(b)[i], 0);
	assert_int_equal(mkbuf_put(b, "xy", 2), 0);
	assert_memory_equal(mkbuf_ptr(b), "0123xy", 6);
	assert_int_equal(mkbuf_truncate(b, 6), 0);
	assert_int_equal(mkbuf_len(b), 6);

	mkbuf_reset(b);
	assert_int_equal(mkbuf_len(b), 0);
	for (i = 0; i < 6; i++)
		assert_int_equal(mkbuf_ptr(b)[i], 0);
	assert_int_equal(mkbuf_put_u16(b, 0x4142), 0);
	assert_memory_equal(mkbuf_ptr(b), "AB", 2);
	mkbuf_free(b);
}

/* Truncating a buffer that never held anything: mkbuf_truncate computes
 * b->d + len with b->d NULL (buf.c), which clang's UBSan (the fuzz build)
 * reports as "applying zero offset to null pointer". */
static void
test_truncate_empty(void **state)
{
	struct mkbuf *b;
	int r0, r1;

	(void)state;
	assert_non_null(b = mkbuf_new(64));
	r0 = mkbuf_truncate(b, 0);
	r1 = mkbuf_truncate(b, 1);
	mkbuf_reset(b);
	mkbuf_free(b);
	assert_int_equal(r0, 0);
	assert_int_equal(r1, MK_ERR_ARGUMENT);
}

static void
test_hex(void **state)
{
	static const uint8_t d[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	uint8_t back[sizeof(d)], one;
	char hex[2 * sizeof(d) + 1];

	(void)state;
	mk_hex(d, sizeof(d), hex);
	assert_string_equal(hex, "00017f80abff");
	assert_int_equal(mk_unhex(hex, back, sizeof(back)), 0);
	assert_memory_equal(back, d, sizeof(d));
	assert_int_equal(mk_unhex("00017F80ABFF", back, sizeof(back)), 0);
	assert_memory_equal(back, d, sizeof(d));
	mk_hex(d, 0, hex);
	assert_string_equal(hex, "");
	assert_int_equal(mk_unhex("", back, 0), 0);

	/* Bad digits, in either nibble. */
	assert_int_equal(mk_unhex("0g", &one, 1), MK_ERR_FORMAT);
	assert_int_equal(mk_unhex("g0", &one, 1), MK_ERR_FORMAT);
	assert_int_equal(mk_unhex("0 ", &one, 1), MK_ERR_FORMAT);
	assert_int_equal(mk_unhex("-1", &one, 1), MK_ERR_FORMAT);
	assert_int_equal(mk_unhex("0x", &one, 1), MK_ERR_FORMAT);
	assert_int_equal(mk_unhex("\xc3\xa1", &one, 1), MK_ERR_FORMAT);
	assert_int_equal(mk_unhex("00017f80abfg", back, sizeof(back)),
	    MK_ERR_FORMAT);
	/* Wrong length: short, odd, long. */
	assert_int_equal(mk_unhex("0", &one, 1), MK_ERR_FORMAT);
	assert_int_equal(mk_unhex("", &one, 1), MK_ERR_FORMAT);
	assert_int_equal(mk_unhex("000", &one, 1), MK_ERR_FORMAT);
	assert_int_equal(mk_unhex("0000", &one, 1), MK_ERR_FORMAT);
	assert_int_equal(mk_unhex("00017f80abff00", back, sizeof(back)),
	    MK_ERR_FORMAT);
}

/* Formatted text appended, no NUL kept, refused past the buffer's max
 * with the buffer left as it was. */
static void
test_printf(void **state)
{
	struct mkbuf *b = mkbuf_new(16);

	(void)state;
	assert_non_null(b);
	assert_int_equal(mkbuf_printf(b, "%s %d\n", "seq", 42), 0);
	assert_int_equal(mkbuf_len(b), 7);
	assert_memory_equal(mkbuf_ptr(b), "seq 42\n", 7);
	assert_int_equal(mkbuf_printf(b, "%s", ""), 0);
	assert_int_equal(mkbuf_len(b), 7);
	assert_int_equal(mkbuf_printf(b, "%s", "123456789"), MK_ERR_TOO_LARGE);
	assert_int_equal(mkbuf_len(b), 7);
	assert_int_equal(mkbuf_printf(b, "%s", "12345678"), 0);
	assert_int_equal(mkbuf_len(b), 15);
	mkbuf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max_enforced),
		cmocka_unit_test(test_max_overflow),
		cmocka_unit_test(test_grow_keeps_contents),
		cmocka_unit_test(test_ints_round_trip),
		cmocka_unit_test(test_be_helpers),
		cmocka_unit_test(test_bstr_round_trip),
		cmocka_unit_test(test_reader_bounds),
		cmocka_unit_test(test_reader_bstr),
		cmocka_unit_test(test_truncate_reset),
		cmocka_unit_test(test_truncate_empty),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_printf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
