/*
 * libFuzzer target for the document format (crypto/docfmt.c).
 *
 * The input is used three ways:
 *   1. as a whole document file: header parsed, opened with a fixed master
 *      key, the rest opened chunk by chunk as the fd reader frames it;
 *   2. as the metadata plaintext of a header sealed by hand under that key,
 *      so the metadata decoder behind the GCM tag is reached at all;
 *   3. as a plaintext: sealed and opened again, which must give it back.
 * The master key is 00..1f and the data key 20..3f, as in the test vectors
 * of docs/formats.md, document: both vector files are good seeds, and
 * mutations of them reach the chunk decoder (run with -max_len=70300).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "crypto/cry.h"
#include "crypto/docfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t fuzz_mk[DOCFMT_KEY_LEN];
static uint8_t fuzz_dek[DOCFMT_KEY_LEN];
static uint8_t chunk_out[DOCFMT_CT_CHUNK];

static void
fuzz_init(void)
{
	static int done;
	size_t i;

	if (done)
		return;
	if (cry_init(1 << 20, 0) != 0)
		abort();
	for (i = 0; i < DOCFMT_KEY_LEN; i++) {
		fuzz_mk[i] = (uint8_t)i;
		fuzz_dek[i] = (uint8_t)(0x20 + i);
	}
	done = 1;
}

/* Frames the body as docfmt_decrypt_fd does: full chunks, and whatever is
 * left as the last one. */
static void
open_body(struct docfmt_dec *d, const uint8_t *p, size_t n)
{
	size_t len;
	int last;

	do {
		len = n > DOCFMT_CT_CHUNK ? DOCFMT_CT_CHUNK : n;
		last = n <= DOCFMT_CT_CHUNK;
		if (docfmt_dec_chunk(d, p, len, last, chunk_out) != 0)
			break;
		p += len;
		n -= len;
	} while (!last);
	(void)docfmt_dec_finish(d);
	(void)docfmt_dec_info(d);
}

static void
as_file(const uint8_t *data, size_t size)
{
	struct docfmt_info info;
	struct docfmt_meta meta;
	struct docfmt_dec *d = NULL;
	uint64_t plain;

	if (docfmt_parse_info(data, size, &info) != 0)
		return;
	(void)docfmt_plain_len(info.header_len, size, &plain);
	if (docfmt_dec_new(fuzz_mk, data, info.header_len, &meta, &d) != 0)
		return;
	/* Parsed metadata is NUL-terminated within its arrays. */
	if (memchr(meta.title, 0, sizeof(meta.title)) == NULL ||
	    memchr(meta.author, 0, sizeof(meta.author)) == NULL)
		abort();
	open_body(d, data + info.header_len, size - info.header_len);
	docfmt_dec_free(d);
}

/* The header of docs/formats.md, document around an arbitrary metadata
 * plaintext, sealed with the fuzzer's keys. */
static size_t
seal_meta(const uint8_t *meta, size_t n, uint8_t *h)
{
	static const char label[] = "matkiosk document metadata v1";
	uint8_t mkey[CRY_HASH_LEN], nonce[CRY_NONCE_LEN];
	size_t i;

	memset(h, 0, DOCFMT_META_OFF);
	memcpy(h, "MATKDOC", 8);
	mk_put_be16(h + 8, DOCFMT_VERSION);
	h[10] = DOCFMT_TUYET_MAT;
	mk_put_be32(h + 12, DOCFMT_CHUNK);
	for (i = 16; i < 39; i++)
		h[i] = (uint8_t)(0x30 + i);	/* id and nonce prefix */
	mk_put_be16(h + 40, (uint16_t)(n + DOCFMT_TAG));
	if (cry_gcm_seal(fuzz_mk, h + 48, h, 48, fuzz_dek, DOCFMT_KEY_LEN,
	    h + 60, h + 92) != 0 ||
	    cry_hmac_sha256(fuzz_dek, DOCFMT_KEY_LEN, label,
	    sizeof(label) - 1, mkey) != 0)
		abort();
	memcpy(nonce, h + 32, DOCFMT_PREFIX_LEN);
	memset(nonce + DOCFMT_PREFIX_LEN, 0, 5);
	if (cry_gcm_seal(mkey, nonce, h, DOCFMT_FIXED_LEN, meta, n,
	    h + DOCFMT_META_OFF, h + DOCFMT_META_OFF + n) != 0)
		abort();
	return DOCFMT_META_OFF + n + DOCFMT_TAG;
}

static void
as_metadata(const uint8_t *data, size_t size)
{
	static uint8_t h[DOCFMT_HEADER_MAX];
	struct docfmt_meta meta;
	struct docfmt_dec *d = NULL;
	size_t hl;

	if (size == 0 || size > DOCFMT_META_MAX)
		return;
	hl = seal_meta(data, size, h);
	if (docfmt_dec_new(fuzz_mk, h, hl, &meta, &d) != 0)
		return;
	if (memchr(meta.title, 0, sizeof(meta.title)) == NULL ||
	    memchr(meta.author, 0, sizeof(meta.author)) == NULL)
		abort();
	docfmt_dec_free(d);
}

static void
round_trip(const uint8_t *data, size_t size)
{
	static const uint8_t id[DOCFMT_ID_LEN], prefix[DOCFMT_PREFIX_LEN];
	static const uint8_t wn[CRY_NONCE_LEN];
	static uint8_t ct[DOCFMT_CT_CHUNK];
	struct docfmt_meta meta;
	struct docfmt_enc *e = NULL;
	struct docfmt_dec *d = NULL;
	const uint8_t *h;
	size_t hl, len;
	int last;

	memset(&meta, 0, sizeof(meta));
	if (docfmt_enc_new_fixed(fuzz_mk, 1, DOCFMT_MAT, &meta, fuzz_dek, id,
	    prefix, wn, &e) != 0)
		abort();
	h = docfmt_enc_header(e, &hl);
	if (docfmt_dec_new(fuzz_mk, h, hl, NULL, &d) != 0)
		abort();
	do {
		len = size > DOCFMT_CHUNK ? DOCFMT_CHUNK : size;
		last = size <= DOCFMT_CHUNK;
		if (docfmt_enc_chunk(e, data, len, last, ct) != 0 ||
		    docfmt_dec_chunk(d, ct, len + DOCFMT_TAG, last, ct) != 0 ||
		    (len > 0 && memcmp(ct, data, len) != 0))
			abort();
		data += len;
		size -= len;
	} while (!last);
	if (docfmt_dec_finish(d) != 0)
		abort();
	docfmt_dec_free(d);
	docfmt_enc_free(e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_init();
	as_file(data, size);
	as_metadata(data, size);
	round_trip(data, size);
	return 0;
}
