/*
 * common/cast: asciicast v2 event lines. Any bytes a terminal shows come
 * back exactly from the line written for them (valid UTF-8 as it is,
 * invalid bytes through \udcXX); lines from other writers parse; broken
 * lines are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/cast.h"
#include "common/err.h"

static void
roundtrip(const void *p, size_t n, uint64_t t, char type)
{
	struct mkbuf *line = mkbuf_new(1 << 20), *data = mkbuf_new(1 << 20);
	uint64_t t2;
	char type2;

	assert_non_null(line);
	assert_non_null(data);
	assert_int_equal(cast_put_event(line, t, type, p, n), 0);
	/* One line, ending in its newline, with no raw control byte. */
	assert_int_equal(mkbuf_ptr(line)[mkbuf_len(line) - 1], '\n');
	for (size_t i = 0; i + 1 < mkbuf_len(line); i++)
		assert_true(mkbuf_ptr(line)[i] >= 0x20);
	assert_int_equal(cast_parse_event((const char *)mkbuf_ptr(line),
	    mkbuf_len(line) - 1, &t2, &type2, data), 0);
	assert_int_equal(t2, t);
	assert_int_equal(type2, type);
	assert_int_equal(mkbuf_len(data), n);
	assert_memory_equal(mkbuf_ptr(data), p, n);
	mkbuf_free(line);
	mkbuf_free(data);
}

static void
test_roundtrip_text(void **state)
{
	const char *s = "Tuy\xe1\xbb\x87t m\xe1\xba\xadt \"q\" \\ \r\n\x1b[31m"
	    "\xf0\x9f\x94\x92 \x7f\xc2\x85";

	(void)state;
	roundtrip(s, strlen(s), 1234567, 'o');
	roundtrip("", 0, 0, 'i');
	roundtrip("80x24", 5, 5, 'r');
}

static void
test_roundtrip_bytes(void **state)
{
	uint8_t all[256], cut[] = { 'a', 0xe1, 0xbb };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(all); i++)
		all[i] = (uint8_t)i;
	roundtrip(all, sizeof(all), 999999, 'o');
	/* A read that ends inside a character. */
	roundtrip(cut, sizeof(cut), 1, 'o');
	/* Overlong, surrogate and out-of-range sequences stay bytes. */
	roundtrip("\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80", 9, 2, 'o');
}

static void
test_parse_other_writers(void **state)
{
	struct mkbuf *d = mkbuf_new(1024);
	uint64_t t;
	char type;
	const char *l = "[ 0.248848 , \"o\",\"a\\u00e9\\ud83d\\udd12\\/\\t\" ]";

	(void)state;
	assert_int_equal(cast_parse_event(l, strlen(l), &t, &type, d), 0);
	assert_int_equal(t, 248848);
	assert_int_equal(mkbuf_len(d), 9);
	assert_memory_equal(mkbuf_ptr(d), "a\xc3\xa9\xf0\x9f\x94\x92/\t", 9);
	mkbuf_free(d);
}

static void
test_parse_refuses(void **state)
{
	static const char *bad[] = { "", "[", "[1, \"o\", \"a\"", "[1, \"x\", \"a\"]",
	    "[-1, \"o\", \"a\"]", "[1., \"o\", \"a\"]", "[1, \"o\", \"\\q\"]",
	    "[1, \"o\", \"\\ud800\"]", "[1, \"o\", \"\\udc00\"]",
	    "[1, \"o\", \"\\u12\"]", "[1, \"o\", \"a\"] x", "[1, \"o\", a]",
	    "[1, \"o\", \"\x01\"]", "[1, \"o\", \"\xff\"]",
	    "[99999999999999999999, \"o\", \"a\"]" };
	struct mkbuf *d = mkbuf_new(1024);
	uint64_t t;
	char type;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mkbuf_reset(d);
		assert_int_not_equal(cast_parse_event(bad[i], strlen(bad[i]),
		    &t, &type, d), 0);
	}
	mkbuf_free(d);
}

static void
test_header(void **state)
{
	struct mkbuf *b = mkbuf_new(1024);
	const char *want = "{\"version\": 2, \"width\": 80, \"height\": 24, "
	    "\"timestamp\": 1700000000, \"title\": \"repair 1 \\\"x\\\"\"}\n";

	(void)state;
	assert_int_equal(cast_put_header(b, 80, 24, 1700000000,
	    "repair 1 \"x\""), 0);
	assert_int_equal(mkbuf_len(b), strlen(want));
	assert_memory_equal(mkbuf_ptr(b), want, strlen(want));
	mkbuf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_text),
		cmocka_unit_test(test_roundtrip_bytes),
		cmocka_unit_test(test_parse_other_writers),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
