/*
 * crypto/xferpkg: transfer packages. The test vector of docs/formats.md
 * ("Transfer package") is opened with the recipient's key of RFC 7748
 * (Bob's) and gives back its plaintext; a package built here round-trips;
 * every altered byte, a truncation, appended bytes, another recipient and
 * another sender are refused.
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
#include "crypto/docfmt.h"
#include "crypto/seal.h"
#include "crypto/sign.h"
#include "crypto/xferpkg.h"

#define BOB_SK	"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
#define BOB_PK	"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
#define ALICE_SK "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
#define PLAIN	"matkiosk transfer package test vector\n"
#define PKG_MAX	4096

#include "xferpkg_vector.h"

static void
unhex(const char *hex, uint8_t *out, size_t n)
{
	size_t i;
	unsigned v;

	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			abort();
		out[i] = (uint8_t)v;
	}
}

/* A package of plain for recipient pk, signed by k; returns its length. */
static size_t
make_pkg(const struct signkey *k, const uint8_t pk[32], const char *plain,
    uint8_t *out)
{
	struct docfmt_meta meta;
	struct docfmt_enc *e = NULL;
	uint8_t pkey[32], spub[32], sha[32], msg[XFERPKG_SIGMSG_LEN];
	const uint8_t *hdr;
	size_t hl, n = strlen(plain), doclen;

	memset(&meta, 0, sizeof(meta));
	snprintf(meta.title, sizeof(meta.title), "Vector");
	snprintf(meta.author, sizeof(meta.author), "tranvanb");
	meta.created = 1764979200;
	cry_random_key(pkey, sizeof(pkey));
	if (docfmt_enc_new(pkey, 0, DOCFMT_TOI_MAT, &meta, &e) != 0)
		abort();
	hdr = docfmt_enc_header(e, &hl);
	memcpy(out + XFERPKG_HDR_LEN, hdr, hl);
	if (docfmt_enc_chunk(e, (const uint8_t *)plain, n, 1,
	    out + XFERPKG_HDR_LEN + hl) != 0)
		abort();
	docfmt_enc_free(e);
	doclen = hl + n + DOCFMT_TAG;
	signkey_public(k, spub);
	if (xferpkg_header_build(spub, pk, pkey, doclen, out) != 0)
		abort();
	cry_sha256(out, XFERPKG_HDR_LEN + doclen, sha);
	xferpkg_sigmsg(sha, msg);
	if (signkey_sign(k, msg, sizeof(msg), out + XFERPKG_HDR_LEN +
	    doclen) != 0)
		abort();
	return XFERPKG_HDR_LEN + doclen + XFERPKG_SIG_LEN;
}

/* Parses, opens with sk and decrypts: 0 and the plaintext, or an error. */
static uint8_t sender[32];	/* the sender the receiver registered */

static int
open_pkg(const uint8_t *p, size_t len, const uint8_t sk[32], char *plain,
    size_t plainmax, int *cls)
{
	struct xferpkg_hdr h;
	struct docfmt_info info;
	struct docfmt_dec *d = NULL;
	const uint8_t *doc;
	uint8_t pkey[32];
	size_t doclen, hl;
	int r;

	if ((r = xferpkg_parse(p, len, sender, &h, &doc, &doclen)) != 0 ||
	    (r = xferpkg_open_key(&h, sk, pkey)) != 0 ||
	    (r = docfmt_parse_info(doc, doclen, &info)) != 0 ||
	    (r = docfmt_dec_new(pkey, doc, info.header_len, NULL, &d)) != 0)
		return r;
	hl = info.header_len;
	*cls = docfmt_dec_info(d)->classification;
	if (doclen - hl > plainmax + DOCFMT_TAG)
		r = MK_ERR_TOO_LARGE;
	else if ((r = docfmt_dec_chunk(d, doc + hl, doclen - hl, 1,
	    (uint8_t *)plain)) == 0) {
		plain[doclen - hl - DOCFMT_TAG] = '\0';
		r = docfmt_dec_finish(d);
	}
	docfmt_dec_free(d);
	return r;
}

#ifdef XFERPKG_GEN
/* cc -DXFERPKG_GEN ...: prints a new vector (the sender's key is
 * random; the vector carries its public key). */
int
main(void)
{
	struct signkey *k = NULL;
	uint8_t pk[32], out[PKG_MAX];
	size_t n, i;

	cry_init(1 << 20, 0);
	signkey_generate(&k);
	unhex(BOB_PK, pk, 32);
	n = make_pkg(k, pk, PLAIN, out);
	for (i = 0; i < n; i++)
		printf("%02x%s", out[i], i % 32 == 31 ? "\n" : "");
	printf("\n");
	return 0;
}
#else
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

static size_t
vector(uint8_t *out)
{
	size_t i, n = 0;
	char hex[3] = { 0 };
	unsigned v;

	for (i = 0; XFERPKG_VECTOR[i] != '\0'; i++) {
		if (XFERPKG_VECTOR[i] == '\n')
			continue;
		hex[n % 2] = XFERPKG_VECTOR[i];
		if (++n % 2 == 0) {
			assert_int_equal(sscanf(hex, "%2x", &v), 1);
			out[n / 2 - 1] = (uint8_t)v;
		}
	}
	return n / 2;
}

static void
test_vector(void **state)
{
	uint8_t p[PKG_MAX], sk[32];
	char plain[256];
	int cls = 0;
	size_t n = vector(p);

	(void)state;
	memcpy(sender, p + 12, 32);
	unhex(BOB_SK, sk, 32);
	assert_int_equal(open_pkg(p, n, sk, plain, sizeof(plain), &cls), 0);
	assert_string_equal(plain, PLAIN);
	assert_int_equal(cls, DOCFMT_TOI_MAT);
	/* Alice's key does not open a package sealed to Bob. */
	unhex(ALICE_SK, sk, 32);
	assert_int_equal(open_pkg(p, n, sk, plain, sizeof(plain), &cls),
	    MK_ERR_AUTH);
}

static void
test_round_trip_and_tamper(void **state)
{
	struct signkey *k = NULL;
	uint8_t p[PKG_MAX], sk[32], pk[32];
	char plain[256];
	int cls;
	size_t n, i;

	(void)state;
	assert_int_equal(signkey_generate(&k), 0);
	unhex(BOB_SK, sk, 32);
	unhex(BOB_PK, pk, 32);
	n = make_pkg(k, pk, "Nội dung tối mật\n", p);
	signkey_public(k, sender);
	assert_int_equal(open_pkg(p, n, sk, plain, sizeof(plain), &cls), 0);
	assert_string_equal(plain, "Nội dung tối mật\n");
	for (i = 0; i < n; i++) {
		p[i] ^= 0x01;
		assert_int_not_equal(open_pkg(p, n, sk, plain, sizeof(plain),
		    &cls), 0);
		p[i] ^= 0x01;
	}
	assert_int_equal(open_pkg(p, n - 1, sk, plain, sizeof(plain), &cls),
	    MK_ERR_TRUNCATED);
	p[n] = 0;
	assert_int_equal(open_pkg(p, n + 1, sk, plain, sizeof(plain), &cls),
	    MK_ERR_TRAILING);
	assert_int_equal(open_pkg(p, 10, sk, plain, sizeof(plain), &cls),
	    MK_ERR_TRUNCATED);
	signkey_free(k);
}

/* Another sender's key in the header: not the registered sender. */
static void
test_other_sender(void **state)
{
	struct signkey *k = NULL, *k2 = NULL;
	uint8_t p[PKG_MAX], pk[32], spub[32], sk[32];
	char plain[256];
	int cls;
	size_t n;

	(void)state;
	assert_int_equal(signkey_generate(&k), 0);
	assert_int_equal(signkey_generate(&k2), 0);
	unhex(BOB_PK, pk, 32);
	unhex(BOB_SK, sk, 32);
	n = make_pkg(k, pk, PLAIN, p);
	signkey_public(k, sender);
	signkey_public(k2, spub);
	memcpy(p + 12, spub, 32);
	assert_int_equal(open_pkg(p, n, sk, plain, sizeof(plain), &cls),
	    MK_ERR_SIGNATURE);
	signkey_free(k);
	signkey_free(k2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_round_trip_and_tamper),
		cmocka_unit_test(test_other_sender),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
#endif
