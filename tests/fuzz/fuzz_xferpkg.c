/*
 * libFuzzer target for transfer packages (crypto/xferpkg.c), which arrive
 * on media from outside: the header parser, the length checks and the
 * signature check over the whole input, then, for an input that passes
 * (a seed made from the vector of docs/formats.md), the sealed package
 * key opened with the recipient key of the vector (RFC 7748's Bob) and
 * the inner document's header parsed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/cry.h"
#include "crypto/docfmt.h"
#include "crypto/xferpkg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t bob_sk[32] = {
	0x5d, 0xab, 0x08, 0x7e, 0x62, 0x4a, 0x8a, 0x4b, 0x79, 0xe1, 0x7f,
	0x8b, 0x83, 0x80, 0x0e, 0xe6, 0x6f, 0x3b, 0xb1, 0x29, 0x26, 0x18,
	0xb6, 0xfd, 0x1c, 0x2f, 0x8b, 0x27, 0xff, 0x88, 0xe0, 0xeb,
};

/* The sender key of the vector (docs/formats.md). */
static const uint8_t vector_sender[32] = {
	0x0f, 0xd8, 0x1b, 0x28, 0x8c, 0xf1, 0x0b, 0x68, 0xd8, 0x23, 0x25,
	0x1d, 0x9f, 0x59, 0xd6, 0xb0, 0xd2, 0x7c, 0x02, 0x06, 0x73, 0x0f,
	0xe8, 0x3e, 0x0e, 0x40, 0x38, 0x3b, 0x15, 0xf9, 0x9a, 0xb7,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct xferpkg_hdr h;
	struct docfmt_info info;
	const uint8_t *doc;
	uint8_t key[32];
	size_t doclen;

	if (!ready) {
		if (cry_init(1 << 20, 0) != 0)
			abort();
		ready = 1;
	}
	xferpkg_header_parse(data, size, &h);
	/* The sender must be the registered one: the vector's. */
	if (xferpkg_parse(data, size, vector_sender, &h, &doc, &doclen) != 0)
		return 0;
	if (xferpkg_open_key(&h, bob_sk, key) == 0)
		docfmt_parse_info(doc, doclen, &info);
	memset(key, 0, sizeof(key));
	return 0;
}
