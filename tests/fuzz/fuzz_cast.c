/*
 * libFuzzer target for the asciicast event-line parser (common/cast), which
 * reads recordings back for replay. Any input either is refused or parses;
 * what parses, written again, parses to the same time, type and bytes.
 * Any bytes written as an event parse back to themselves.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cast.h"
#include "common/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void
again(uint64_t t, char type, const struct mkbuf *d)
{
	struct mkbuf *line = mkbuf_new(8 * CAST_LINE_MAX);
	struct mkbuf *d2 = mkbuf_new(CAST_LINE_MAX);
	uint64_t t2;
	char type2;

	CHECK(line != NULL && d2 != NULL);
	CHECK(cast_put_event(line, t, type, mkbuf_ptr(d), mkbuf_len(d)) == 0);
	CHECK(cast_parse_event((const char *)mkbuf_ptr(line),
	    mkbuf_len(line) - 1, &t2, &type2, d2) == 0);
	CHECK(t2 == t && type2 == type && mkbuf_len(d2) == mkbuf_len(d));
	CHECK(mkbuf_len(d) == 0 ||
	    memcmp(mkbuf_ptr(d2), mkbuf_ptr(d), mkbuf_len(d)) == 0);
	mkbuf_free(line);
	mkbuf_free(d2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mkbuf *d = mkbuf_new(CAST_LINE_MAX);
	uint64_t t;
	char type;

	CHECK(d != NULL);
	if (cast_parse_event((const char *)data, size, &t, &type, d) == 0 &&
	    t < UINT64_MAX / 2)
		again(t, type, d);
	mkbuf_reset(d);
	CHECK(size == 0 || mkbuf_put(d, data, size) == 0 ||
	    size > CAST_LINE_MAX);
	if (size <= 65536)
		again(size, 'o', d);
	mkbuf_free(d);
	return 0;
}
