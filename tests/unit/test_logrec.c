/*
 * crypto/logrec: the canonical record encoding, its bounded parser, the
 * framing, and the test vector of docs/formats.md, audit log (computed there by an
 * independent implementation; checked here against ours and the verifier).
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
#include "crypto/logrec.h"
#include "crypto/logverify.h"

static const uint8_t boot[LOGREC_BOOT_ID_LEN] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};

/* ---- the test vector (docs/formats.md, audit log, "Test vector") ---- */

#define VEC_PUB \
	"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define VEC_BODY0 \
	"010000000000000000000000000000062a99ba0c600000000000004c4b400011" \
	"2233445566778899aabbccddeeff00000673797374656d000673797374656d00" \
	"086c6f672e696e6974000002000a6465766963652d6b65790040643735613938" \
	"3031383262313061623764353462666564336339363430373361306565313732" \
	"6633646161363233323561663032316136386637303735313161000473697465" \
	"000b55424e442074e1bb896e68"
#define VEC_MAC0 \
	"0602930dea57abe479edce6fab81f962b858ef5e5d1ecb9bbefd348fb110e779"
#define VEC_MAC1 \
	"95cedd36fe76f731c4e27feb002ac5221fd31075ee8707056dc10f720b7e004e"
#define VEC_K1 \
	"5c96d00709e82d1eda15c52b56b60813354fdb6eb2d9d18aca58d0f4058d6d34"
static const char vec_segment[] =
	"4d41544b4c4f4700000100000000000100000000000000000000000000000000"
	"00000000000000000000000000000000000000ad010000000000000000000000"
	"000000062a99ba0c600000000000004c4b4000112233445566778899aabbccdd"
	"eeff00000673797374656d000673797374656d00086c6f672e696e6974000002"
	"000a6465766963652d6b65790040643735613938303138326231306162376435"
	"3462666564336339363430373361306565313732663364616136323332356166"
	"3032316136386637303735313161000473697465000b55424e442074e1bb896e"
	"680602930dea57abe479edce6fab81f962b858ef5e5d1ecb9bbefd348fb110e7"
	"790000005c010100000000000000010000000000062a99ba0c60010000000000"
	"4c4b4100112233445566778899aabbccddeeff00000673797374656d00067379"
	"7374656d00086c6f672e7365616c0000010006726561736f6e00066372656174"
	"6595cedd36fe76f731c4e27feb002ac5221fd31075ee8707056dc10f720b7e00"
	"4e4d41544b53494700000000000000000195cedd36fe76f731c4e27feb002ac5"
	"221fd31075ee8707056dc10f720b7e004ed698a29f2132bb7a34c037daab0c6e"
	"87e2024577d3f273cbb7e6612059aca417349975bcc2c9244efc452654f0ce0a"
	"a9e8fb932d0c52350b29f61d852c971f03";

static void
vec_k0(uint8_t k0[32])
{
	int i;

	for (i = 0; i < 32; i++)
		k0[i] = (uint8_t)(i + 1);
}

static void
assert_hex(const uint8_t *p, size_t n, const char *want)
{
	char *hex;

	assert_non_null(hex = malloc(2 * n + 1));
	mk_hex(p, n, hex);
	assert_string_equal(hex, want);
	free(hex);
}

static void
test_vector_record(void **state)
{
	struct logkv kv[] = {
		{ "device-key", VEC_PUB },
		{ "site", "UBND t\xe1\xbb\x89nh" },
	};
	struct logev ev = { LOG_SEV_INFO, "system", "system", "log.init", "",
	    2, kv };
	uint8_t k0[32], k[32], mac[32], zero[32];
	struct mkbuf *b;

	(void)state;
	vec_k0(k0);
	assert_non_null(b = mkbuf_new(LOGREC_FRAME_MAX));
	assert_int_equal(mkbuf_put_u32(b, 0), 0);
	assert_int_equal(logrec_encode(b, LOGREC_EVENT, 0, 0,
	    1735689600000000LL, 5000000, boot, &ev), 0);
	assert_int_equal(mkbuf_len(b) - 4, 173);
	mk_put_be32(mkbuf_mutable_ptr(b), 173);
	assert_hex(mkbuf_ptr(b) + 4, 173, VEC_BODY0);

	/* MAC_0 = HMAC-SHA256(K_0, 32 zero bytes || u32 len || body). */
	memset(zero, 0, sizeof(zero));
	{
		struct mkbuf *m = mkbuf_new(LOGREC_FRAME_MAX + 32);

		assert_non_null(m);
		assert_int_equal(mkbuf_put(m, zero, 32), 0);
		assert_int_equal(mkbuf_put(m, mkbuf_ptr(b), mkbuf_len(b)), 0);
		assert_int_equal(cry_hmac_sha256(k0, 32, mkbuf_ptr(m),
		    mkbuf_len(m), mac), 0);
		assert_hex(mac, 32, VEC_MAC0);
		mkbuf_free(m);
	}
	memcpy(k, k0, 32);
	assert_int_equal(logrec_next_key(k, k), 0);	/* in place */
	assert_hex(k, 32, VEC_K1);
	mkbuf_free(b);
}

static int
count_cb(const struct logrec *rec, void *arg)
{
	(void)rec;
	(*(int *)arg)++;
	return 0;
}

/* The whole vector segment verifies, and so does nothing else: flipping
 * any single bit of any byte is caught. */
static void
test_vector_segment(void **state)
{
	size_t n = (sizeof(vec_segment) - 1) / 2, i;
	struct logverify_report rep;
	struct logverify_seg seg;
	uint8_t k0[32], *p;
	char pub[65];
	int calls = 0;

	(void)state;
	vec_k0(k0);
	assert_int_equal(n, 497);
	assert_non_null(p = malloc(n));
	assert_int_equal(mk_unhex(vec_segment, p, n), 0);
	seg.name = "00000001.seg";
	seg.p = p;
	seg.len = n;
	assert_int_equal(logverify_segments(&seg, 1, k0, count_cb, &calls,
	    &rep), 0);
	assert_int_equal(calls, 2);
	assert_int_equal(rep.records, 2);
	assert_int_equal(rep.sealed_segments, 1);
	assert_int_equal(rep.last_open, 0);
	assert_int_equal(rep.epochs, 1);
	assert_hex(rep.head_mac, 32, VEC_MAC1);
	mk_hex(rep.device_key, 32, pub);
	assert_string_equal(pub, VEC_PUB);
	for (i = 0; i < n; i++) {
		p[i] ^= 0x01;
		assert_int_not_equal(logverify_segments(&seg, 1, k0, NULL,
		    NULL, &rep), 0);
		p[i] ^= 0x81;
		assert_int_not_equal(logverify_segments(&seg, 1, k0, NULL,
		    NULL, &rep), 0);
		p[i] ^= 0x80;
	}
	k0[0] ^= 1;
	assert_int_equal(logverify_segments(&seg, 1, k0, NULL, NULL, &rep),
	    MK_ERR_AUTH);
	assert_int_equal(rep.bad_seq, 0);
	assert_int_equal(rep.bad_offset, LOGREC_SEGHDR_LEN);
	free(p);
}

/* ---- encoding and parsing ---- */

static struct mkbuf *
encode(uint8_t kind, const struct logev *ev)
{
	struct mkbuf *b = mkbuf_new(2 * LOGREC_BODY_MAX);

	assert_non_null(b);
	assert_int_equal(logrec_encode(b, kind, 42, 7, -5, 99, boot, ev), 0);
	return b;
}

static char *
cstr(const struct logstr *s)
{
	char *c = malloc(s->len + 1);

	assert_non_null(c);
	memcpy(c, s->p, s->len);
	c[s->len] = '\0';
	return c;
}

static void
test_roundtrip(void **state)
{
	struct logkv kv[] = { { "doc", "d-1" }, { "class", "tuyet-mat" },
	    { "", "" }, { "note", "\x1b[31m\xff" } };
	struct logev ev = { LOG_SEV_CAO, "an", "supervisor", "doc.import",
	    "d-1", 4, kv }, ev2;
	struct logkv kv2[LOGREC_FIELDS_MAX];
	char *strs[4 + 2 * LOGREC_FIELDS_MAX];
	struct mkbuf *b, *b2;
	struct logrec rec;
	size_t i, ns = 0;

	(void)state;
	b = encode(LOGREC_EVENT, &ev);
	assert_int_equal(logrec_parse(mkbuf_ptr(b), mkbuf_len(b), &rec), 0);
	assert_int_equal(rec.kind, LOGREC_EVENT);
	assert_int_equal(rec.seq, 42);
	assert_int_equal(rec.epoch, 7);
	assert_int_equal(rec.wall_us, -5);
	assert_int_equal(rec.mono_us, 99);
	assert_memory_equal(rec.boot_id, boot, 16);
	assert_int_equal(rec.severity, LOG_SEV_CAO);
	assert_true(logstr_eq(&rec.actor, "an"));
	assert_true(logstr_eq(&rec.event, "doc.import"));
	assert_int_equal(rec.nfields, 4);
	assert_true(logstr_eq(logrec_field(&rec, "class"), "tuyet-mat"));
	assert_true(logstr_eq(logrec_field(&rec, ""), ""));
	assert_null(logrec_field(&rec, "missing"));

	/* Canonical: what was parsed encodes to the same bytes. */
	ev2.severity = rec.severity;
	ev2.actor = strs[ns++] = cstr(&rec.actor);
	ev2.role = strs[ns++] = cstr(&rec.role);
	ev2.event = strs[ns++] = cstr(&rec.event);
	ev2.object = strs[ns++] = cstr(&rec.object);
	for (i = 0; i < rec.nfields; i++) {
		kv2[i].key = strs[ns++] = cstr(&rec.keys[i]);
		kv2[i].value = strs[ns++] = cstr(&rec.values[i]);
	}
	ev2.nfields = rec.nfields;
	ev2.fields = kv2;
	b2 = encode(rec.kind, &ev2);
	assert_int_equal(mkbuf_len(b), mkbuf_len(b2));
	assert_memory_equal(mkbuf_ptr(b), mkbuf_ptr(b2), mkbuf_len(b));
	for (i = 0; i < ns; i++)
		free(strs[i]);
	mkbuf_free(b);
	mkbuf_free(b2);
}

static void
test_minimal_and_null(void **state)
{
	struct logev ev = { 0, NULL, NULL, "x", NULL, 0, NULL };
	struct mkbuf *b;
	struct logrec rec;

	(void)state;
	b = encode(LOGREC_EVENT, &ev);
	assert_int_equal(mkbuf_len(b), LOGREC_BODY_MIN + 1);
	assert_int_equal(logrec_parse(mkbuf_ptr(b), mkbuf_len(b), &rec), 0);
	assert_int_equal(rec.actor.len, 0);
	mkbuf_free(b);
}

static void
expect_parse(const uint8_t *p, size_t len, int err)
{
	struct logrec rec;

	assert_int_equal(logrec_parse(p, len, &rec), err);
	if (err != 0)
		assert_int_equal(rec.nfields, 0);
}

/* A body we build byte by byte, to say what the encoder never would. */
static struct mkbuf *
raw_body(uint8_t version, uint8_t kind, uint8_t sev, size_t strlen0,
    const char *event, size_t nfields)
{
	struct mkbuf *b = mkbuf_new(1 << 20);
	uint8_t *s;
	size_t i;

	assert_non_null(b);
	assert_int_equal(mkbuf_put_u8(b, version), 0);
	assert_int_equal(mkbuf_put_u8(b, kind), 0);
	assert_int_equal(mkbuf_put_u64(b, 1), 0);
	assert_int_equal(mkbuf_put_u32(b, 0), 0);
	assert_int_equal(mkbuf_put_u64(b, 0), 0);
	assert_int_equal(mkbuf_put_u64(b, 0), 0);
	assert_int_equal(mkbuf_put(b, boot, 16), 0);
	assert_int_equal(mkbuf_put_u8(b, sev), 0);
	assert_int_equal(mkbuf_put_u16(b, (uint16_t)strlen0), 0);
	assert_int_equal(mkbuf_reserve(b, strlen0, &s), 0);
	memset(s, 'a', strlen0);
	assert_int_equal(mkbuf_put_cstr(b, "r"), 0);
	assert_int_equal(mkbuf_put_cstr(b, event), 0);
	assert_int_equal(mkbuf_put_cstr(b, ""), 0);
	assert_int_equal(mkbuf_put_u8(b, (uint8_t)nfields), 0);
	for (i = 0; i < nfields; i++) {
		assert_int_equal(mkbuf_put_cstr(b, "k"), 0);
		assert_int_equal(mkbuf_put_cstr(b, "v"), 0);
	}
	return b;
}

static void
test_parse_rejects(void **state)
{
	struct mkbuf *b;
	size_t i;

	(void)state;
	b = raw_body(1, 0, 0, 3, "e", 2);
	expect_parse(mkbuf_ptr(b), mkbuf_len(b), 0);
	for (i = 0; i < mkbuf_len(b); i++)
		expect_parse(mkbuf_ptr(b), i, MK_ERR_TRUNCATED);
	assert_int_equal(mkbuf_put_u8(b, 0), 0);
	expect_parse(mkbuf_ptr(b), mkbuf_len(b), MK_ERR_TRAILING);
	mkbuf_free(b);

	b = raw_body(2, 0, 0, 0, "e", 0);
	expect_parse(mkbuf_ptr(b), mkbuf_len(b), MK_ERR_VERSION);
	mkbuf_free(b);
	b = raw_body(1, 2, 0, 0, "e", 0);
	expect_parse(mkbuf_ptr(b), mkbuf_len(b), MK_ERR_FORMAT);
	mkbuf_free(b);
	b = raw_body(1, 0, 5, 0, "e", 0);
	expect_parse(mkbuf_ptr(b), mkbuf_len(b), MK_ERR_FORMAT);
	mkbuf_free(b);
	b = raw_body(1, 0, 0, 0, "e", LOGREC_FIELDS_MAX + 1);
	expect_parse(mkbuf_ptr(b), mkbuf_len(b), MK_ERR_TOO_LARGE);
	mkbuf_free(b);
	b = raw_body(1, 0, 0, 0, "e", LOGREC_FIELDS_MAX);
	expect_parse(mkbuf_ptr(b), mkbuf_len(b), 0);
	mkbuf_free(b);
	b = raw_body(1, 0, 0, LOGREC_STR_MAX + 1, "e", 0);
	expect_parse(mkbuf_ptr(b), mkbuf_len(b), MK_ERR_TOO_LARGE);
	mkbuf_free(b);
	b = raw_body(1, 0, 0, LOGREC_STR_MAX, "e", 0);
	expect_parse(mkbuf_ptr(b), mkbuf_len(b), 0);
	mkbuf_free(b);
	/* Seals and only seals are called log.seal. */
	b = raw_body(1, LOGREC_SEAL, 0, 0, "e", 0);
	expect_parse(mkbuf_ptr(b), mkbuf_len(b), MK_ERR_FORMAT);
	mkbuf_free(b);
	b = raw_body(1, LOGREC_EVENT, 0, 0, "log.seal", 0);
	expect_parse(mkbuf_ptr(b), mkbuf_len(b), MK_ERR_FORMAT);
	mkbuf_free(b);
	b = raw_body(1, LOGREC_SEAL, 0, 0, "log.seal", 0);
	expect_parse(mkbuf_ptr(b), mkbuf_len(b), 0);
	mkbuf_free(b);
	b = raw_body(1, 0, 0, 0, "e", 0);
	expect_parse(mkbuf_ptr(b), LOGREC_BODY_MAX + 1, MK_ERR_TOO_LARGE);
	mkbuf_free(b);
}

static void
expect_encode(uint8_t kind, const struct logev *ev, int err)
{
	struct mkbuf *b = mkbuf_new(1 << 20);

	assert_non_null(b);
	assert_int_equal(mkbuf_put_u8(b, 0xaa), 0);
	assert_int_equal(logrec_encode(b, kind, 0, 0, 0, 0, boot, ev), err);
	if (err != 0)	/* nothing half-written is left behind */
		assert_int_equal(mkbuf_len(b), 1);
	mkbuf_free(b);
}

static void
test_encode_rejects(void **state)
{
	static char big[LOGREC_STR_MAX + 2];
	struct logkv kv[LOGREC_FIELDS_MAX + 1];
	struct logev ev = { 0, "a", "r", "e", "o", 0, kv };
	size_t i;

	(void)state;
	memset(big, 'x', LOGREC_STR_MAX + 1);
	for (i = 0; i <= LOGREC_FIELDS_MAX; i++) {
		kv[i].key = "k";
		kv[i].value = "v";
	}
	ev.nfields = LOGREC_FIELDS_MAX;
	expect_encode(LOGREC_EVENT, &ev, 0);
	ev.nfields = LOGREC_FIELDS_MAX + 1;
	expect_encode(LOGREC_EVENT, &ev, MK_ERR_ARGUMENT);
	ev.nfields = 1;
	ev.severity = 5;
	expect_encode(LOGREC_EVENT, &ev, MK_ERR_ARGUMENT);
	ev.severity = 0;
	expect_encode(2, &ev, MK_ERR_ARGUMENT);
	expect_encode(LOGREC_SEAL, &ev, MK_ERR_ARGUMENT);
	expect_encode(LOGREC_EVENT, NULL, MK_ERR_ARGUMENT);
	ev.event = "log.seal";
	expect_encode(LOGREC_EVENT, &ev, MK_ERR_ARGUMENT);
	expect_encode(LOGREC_SEAL, &ev, 0);
	ev.event = "e";
	ev.actor = big;
	expect_encode(LOGREC_EVENT, &ev, MK_ERR_TOO_LARGE);
	big[LOGREC_STR_MAX] = '\0';
	expect_encode(LOGREC_EVENT, &ev, 0);
	/* 16 values of 4096 bytes: each string fits, the body does not. */
	ev.actor = "a";
	for (i = 0; i < 16; i++)
		kv[i].value = big;
	ev.nfields = 16;
	expect_encode(LOGREC_EVENT, &ev, MK_ERR_TOO_LARGE);
	ev.nfields = 15;
	expect_encode(LOGREC_EVENT, &ev, 0);
	ev.fields = NULL;
	expect_encode(LOGREC_EVENT, &ev, MK_ERR_ARGUMENT);
}

static void
test_severity_names(void **state)
{
	(void)state;
	assert_string_equal(logrec_severity_name(LOG_SEV_INFO), "Thông tin");
	assert_string_equal(logrec_severity_name(LOG_SEV_THAP), "Thấp");
	assert_string_equal(logrec_severity_name(LOG_SEV_TRUNG_BINH),
	    "Trung bình");
	assert_string_equal(logrec_severity_name(LOG_SEV_CAO), "Cao");
	assert_string_equal(logrec_severity_name(LOG_SEV_KHAN_CAP),
	    "Khẩn cấp");
	assert_string_equal(logrec_severity_name_en(LOG_SEV_KHAN_CAP),
	    "emergency");
	assert_string_equal(logrec_severity_name(9), "?");
	assert_string_equal(logrec_severity_name_en(9), "?");
}

/* ---- framing ---- */

static void
test_frame(void **state)
{
	uint8_t p[LOGREC_FRAME_MAX + 8];
	size_t ilen;

	(void)state;
	memset(p, 0, sizeof(p));
	assert_int_equal(logrec_frame(p, 3, &ilen), MK_ERR_TRUNCATED);
	mk_put_be32(p, LOGREC_BODY_MIN - 1);
	assert_int_equal(logrec_frame(p, sizeof(p), &ilen), MK_ERR_FORMAT);
	mk_put_be32(p, LOGREC_BODY_MAX + 1);
	assert_int_equal(logrec_frame(p, sizeof(p), &ilen), MK_ERR_FORMAT);
	mk_put_be32(p, LOGREC_BODY_MAX);
	assert_int_equal(logrec_frame(p, sizeof(p), &ilen),
	    LOGREC_ITEM_RECORD);
	assert_int_equal(ilen, LOGREC_FRAME_MAX);
	assert_int_equal(logrec_frame(p, LOGREC_FRAME_MAX - 1, &ilen),
	    MK_ERR_TRUNCATED);
	memcpy(p, LOGREC_TRAILER_MAGIC, LOGREC_MAGIC_LEN);
	assert_true(mk_get_be32(p) > LOGREC_BODY_MAX);
	assert_int_equal(logrec_frame(p, LOGREC_TRAILER_LEN, &ilen),
	    LOGREC_ITEM_TRAILER);
	assert_int_equal(ilen, LOGREC_TRAILER_LEN);
	assert_int_equal(logrec_frame(p, LOGREC_TRAILER_LEN - 1, &ilen),
	    MK_ERR_TRUNCATED);
	p[7] = 1;	/* not the magic: a length out of bounds */
	assert_int_equal(logrec_frame(p, sizeof(p), &ilen), MK_ERR_FORMAT);
}

static void
test_seghdr(void **state)
{
	uint8_t h[LOGREC_SEGHDR_LEN];
	uint32_t segno;
	uint64_t first;

	(void)state;
	logrec_seghdr_encode(h, 7, 1234);
	assert_memory_equal(h, "MATKLOG\0", 8);
	assert_int_equal(logrec_seghdr_parse(h, sizeof(h), &segno, &first), 0);
	assert_int_equal(segno, 7);
	assert_int_equal(first, 1234);
	assert_int_equal(logrec_seghdr_parse(h, 47, &segno, &first),
	    MK_ERR_TRUNCATED);
	h[47] = 1;
	assert_int_equal(logrec_seghdr_parse(h, sizeof(h), &segno, &first),
	    MK_ERR_FORMAT);
	h[47] = 0;
	h[9] = 2;
	assert_int_equal(logrec_seghdr_parse(h, sizeof(h), &segno, &first),
	    MK_ERR_VERSION);
	h[9] = 1;
	h[0] = 'X';
	assert_int_equal(logrec_seghdr_parse(h, sizeof(h), &segno, &first),
	    MK_ERR_FORMAT);

	assert_true(logrec_segment_name("00000001.seg", &segno));
	assert_int_equal(segno, 1);
	assert_true(logrec_segment_name("99999999.seg", &segno));
	assert_false(logrec_segment_name("00000000.seg", &segno));
	assert_false(logrec_segment_name("0000001.seg", &segno));
	assert_false(logrec_segment_name("00000001.seg~", &segno));
	assert_false(logrec_segment_name("0000000a.seg", &segno));
	assert_false(logrec_segment_name("torn-5.bin", &segno));
}

/* libgcrypt keeps a buffer for GCRY_VERY_STRONG_RANDOM referenced only from
 * its secure pool, which LeakSanitizer does not scan. */
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
		cmocka_unit_test(test_vector_record),
		cmocka_unit_test(test_vector_segment),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_minimal_and_null),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_encode_rejects),
		cmocka_unit_test(test_severity_names),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_seghdr),
	};

	if (cry_init(1 << 16, 0) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
