/*
 * libFuzzer target for what matverify reads from an inspection export:
 * the ustar reader (tarread_parse), the manifest parser (expman_parse,
 * with format/parse round trip as an oracle) and the whole verification
 * (expverify_run) over the input taken as an archive. The first byte
 * picks the mode.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "crypto/cry.h"
#include "crypto/expman.h"
#include "crypto/expverify.h"
#include "crypto/tarread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t k0[32] = { 7 };

static void
tar_mode(const uint8_t *p, size_t n)
{
	struct tarread t;
	size_t i;

	if (tarread_parse(p, n, &t) != 0)
		return;
	for (i = 0; i < t.n; i++) {
		/* Every member lies inside the input. */
		if (t.m[i].data < p || t.m[i].data + t.m[i].size > p + n ||
		    tarread_find(&t, t.m[i].name) != &t.m[i])
			abort();
	}
	tarread_free(&t);
}

static void
manifest_mode(const uint8_t *p, size_t n)
{
	struct expman m, m2;
	struct mkbuf *b;
	size_t line;

	if (expman_parse((const char *)p, n, &m, &line) != 0)
		return;
	if ((b = mkbuf_new(EXPMAN_MAX)) == NULL)
		abort();
	/* What parses formats, and parses back to the same members. */
	if (expman_format(&m, b) != 0 ||
	    expman_parse((const char *)mkbuf_ptr(b), mkbuf_len(b), &m2,
	    &line) != 0 || m2.n != m.n || m2.nnone != m.nnone ||
	    m2.head_seq != m.head_seq)
		abort();
	expman_free(&m);
	expman_free(&m2);
	mkbuf_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	static struct expverify_report rep;

	if (!inited) {
		if (cry_init(65536, 0) != 0)
			abort();
		inited = 1;
	}
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		tar_mode(data + 1, size - 1);
		break;
	case 1:
		manifest_mode(data + 1, size - 1);
		break;
	default:
		memset(&rep, 0, sizeof(rep));
		(void)expverify_run(data + 1, size - 1, k0, NULL, NULL, &rep);
		expverify_free(&rep);
		break;
	}
	return 0;
}
