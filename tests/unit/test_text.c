/*
 * common/text: escaping of hostile text for terminals and reports, the
 * cleanliness check, and account-name validation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/text.h"

/* "Tuyệt mật" (top secret) and "Nguyễn Văn Ánh" in UTF-8. */
#define TUYET_MAT	"Tuy\xe1\xbb\x87t m\xe1\xba\xadt"
#define NGUYEN		"Nguy\xe1\xbb\x85n V\xc4\x83n \xc3\x81nh"

static char out[1024];

/* Escapes n bytes into the shared buffer, expecting success. */
static const char *
esc(const char *s, size_t n)
{
	assert_int_equal(mktext_escape(s, n, out, sizeof(out)), 0);
	return out;
}

/* No raw C0 control or DEL ever reaches the output, and what comes out
 * is clean UTF-8 (no C1 controls, no bidi overrides). */
static void
assert_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++)
		assert_true(*p >= 0x20 && *p != 0x7f);
	assert_true(mktext_is_clean(s, strlen(s)));
}

static void
test_keeps_valid_utf8(void **state)
{
	(void)state;
	assert_string_equal(esc(TUYET_MAT, strlen(TUYET_MAT)), TUYET_MAT);
	assert_string_equal(esc(NGUYEN, strlen(NGUYEN)), NGUYEN);
	assert_string_equal(esc("plain ASCII ~!@#", 16), "plain ASCII ~!@#");
	/* U+10FFFF and U+FFFD are valid and not controls. */
	assert_string_equal(esc("\xf4\x8f\xbf\xbf\xef\xbf\xbd", 7),
	    "\xf4\x8f\xbf\xbf\xef\xbf\xbd");
	assert_string_equal(esc("", 0), "");
}

static void
test_escapes_c0_and_del(void **state)
{
	(void)state;
	/* Clear screen: the ESC is shown, the terminal never sees it. */
	assert_string_equal(esc("\x1b[2J", 4), "\\x1b[2J");
	assert_string_equal(esc("a\nb\tc\rd", 7), "a\\nb\\tc\\rd");
	assert_string_equal(esc("\x7f", 1), "\\x7f");
	assert_string_equal(esc("a\0b", 3), "a\\x00b");
	assert_string_equal(esc("\x07\x08\x1f", 3), "\\x07\\x08\\x1f");
	assert_string_equal(esc("C:\\x", 4), "C:\\\\x");
	/* An escaped backslash cannot forge an escape of its own. */
	assert_string_equal(esc("\\x1b", 4), "\\\\x1b");
}

static void
test_escapes_c1_and_bidi(void **state)
{
	(void)state;
	/* U+009B CSI is an 8-bit escape sequence on some terminals. */
	assert_string_equal(esc("\xc2\x9b" "2J", 4), "\\xc2\\x9b2J");
	assert_string_equal(esc("\xc2\x80", 2), "\\xc2\\x80");
	assert_string_equal(esc("\xc2\x9f", 2), "\\xc2\\x9f");
	assert_string_equal(esc("\xc2\xa0", 2), "\xc2\xa0");
	/* U+202E RIGHT-TO-LEFT OVERRIDE: "fdp.exe" would read "exe.pdf". */
	assert_string_equal(esc("a\xe2\x80\xae" "fdp.exe", 11),
	    "a\\xe2\\x80\\xaefdp.exe");
	assert_string_equal(esc("\xe2\x80\xaa", 3), "\\xe2\\x80\\xaa");
	assert_string_equal(esc("\xe2\x81\xa6", 3), "\\xe2\\x81\\xa6");
	assert_string_equal(esc("\xe2\x81\xa9", 3), "\\xe2\\x81\\xa9");
	assert_string_equal(esc("\xe2\x80\xa8", 3), "\\xe2\\x80\\xa8");
	assert_string_equal(esc("\xe2\x80\xa9", 3), "\\xe2\\x80\\xa9");
}

static void
test_escapes_invalid_utf8(void **state)
{
	(void)state;
	/* Lone continuation byte. */
	assert_string_equal(esc("a\x80z", 3), "a\\x80z");
	/* Overlong '/' (c0 af) and overlong 3- and 4-byte forms. */
	assert_string_equal(esc("\xc0\xaf", 2), "\\xc0\\xaf");
	assert_string_equal(esc("\xc1\xbf", 2), "\\xc1\\xbf");
	assert_string_equal(esc("\xe0\x80\xaf", 3), "\\xe0\\x80\\xaf");
	assert_string_equal(esc("\xf0\x80\x80\xaf", 4),
	    "\\xf0\\x80\\x80\\xaf");
	/* UTF-16 surrogate. */
	assert_string_equal(esc("\xed\xa0\x80", 3), "\\xed\\xa0\\x80");
	assert_string_equal(esc("\xed\xbf\xbf", 3), "\\xed\\xbf\\xbf");
	/* Above U+10FFFF. */
	assert_string_equal(esc("\xf4\x90\x80\x80", 4),
	    "\\xf4\\x90\\x80\\x80");
	assert_string_equal(esc("\xf5\x80\x80\x80", 4),
	    "\\xf5\\x80\\x80\\x80");
	assert_string_equal(esc("\xff\xfe", 2), "\\xff\\xfe");
	/* A sequence cut by the end of input, or by an ASCII byte. */
	assert_string_equal(esc("\xe1\xbb", 2), "\\xe1\\xbb");
	assert_string_equal(esc("\xe1" "a\xbb", 3), "\\xe1a\\xbb");
}

/* Whatever the bytes, the output is safe to print. */
static void
test_output_always_safe(void **state)
{
	static const char interesting[] =
	    "\x1b\x9b\xc2\xe2\x80\xae\xed\xa0\xf4\x90\\\n";
	char in[64];
	unsigned seed = 12345;
	size_t i, j, n;

	(void)state;
	for (i = 0; i < 256; i++) {
		in[0] = (char)i;
		assert_int_equal(mktext_escape(in, 1, out, sizeof(out)), 0);
		assert_safe(out);
	}
	for (i = 0; i < 20000; i++) {
		n = 1 + i % sizeof(in);
		for (j = 0; j < n; j++) {
			seed = seed * 1103515245 + 12345;
			/* Bias towards the interesting bytes. */
			if ((seed >> 16) & 1)
				in[j] = (char)(seed >> 8);
			else
				in[j] = interesting[(seed >> 8) % 12];
		}
		assert_int_equal(mktext_escape(in, n, out, sizeof(out)), 0);
		assert_safe(out);
	}
}

/* Lengths of the complete escapes and characters that make up s. */
static int
is_piece_boundary(const char *full, size_t at)
{
	size_t i = 0, step;
	unsigned char c;

	while (i < at) {
		c = (unsigned char)full[i];
		if (c == '\\')
			step = full[i + 1] == 'x' ? 4 : 2;
		else if (c < 0x80)
			step = 1;
		else if (c < 0xe0)
			step = 2;
		else if (c < 0xf0)
			step = 3;
		else
			step = 4;
		i += step;
	}
	return i == at;
}

static void
check_truncation(const char *in, size_t n)
{
	char full[256], cut[256];
	size_t outlen, len;
	int r;

	assert_int_equal(mktext_escape(in, n, full, sizeof(full)), 0);
	for (outlen = 1; outlen <= strlen(full) + 1; outlen++) {
		memset(cut, 'Z', sizeof(cut));
		r = mktext_escape(in, n, cut, outlen);
		len = strnlen(cut, outlen);
		/* Always NUL-terminated inside the buffer. */
		assert_true(len < outlen);
		assert_int_equal(r, outlen > strlen(full) ? 0 :
		    MK_ERR_TOO_LARGE);
		/* A prefix of the full output, ending between two whole
		 * characters or escapes. */
		assert_memory_equal(cut, full, len);
		assert_true(is_piece_boundary(full, len));
		assert_true(mktext_is_clean(cut, len));
		/* Nothing written past the terminator's limit. */
		assert_int_equal(cut[outlen], 'Z');
	}
}

static void
test_truncation(void **state)
{
	char small[6];

	(void)state;
	check_truncation(TUYET_MAT, strlen(TUYET_MAT));
	check_truncation(NGUYEN, strlen(NGUYEN));
	check_truncation("\xf0\x9f\x94\x92 \x1b[2J\\\xc2\x9b\xe2\x80\xae", 15);

	/* "Tuy" then "ệ" (3 bytes) does not fit in 5: cut before it. */
	assert_int_equal(mktext_escape(TUYET_MAT, strlen(TUYET_MAT), small, 5),
	    MK_ERR_TOO_LARGE);
	assert_string_equal(small, "Tuy");
	/* "\x1b" (4) does not fit after "a" in 5: no half escape. */
	assert_int_equal(mktext_escape("a\x1b", 2, small, 5),
	    MK_ERR_TOO_LARGE);
	assert_string_equal(small, "a");
	assert_int_equal(mktext_escape("a\x1b", 2, small, 6), 0);
	assert_string_equal(small, "a\\x1b");
	assert_int_equal(mktext_escape("a", 1, small, 1), MK_ERR_TOO_LARGE);
	assert_string_equal(small, "");
	assert_int_equal(mktext_escape("", 0, small, 1), 0);
	assert_string_equal(small, "");
	assert_int_equal(mktext_escape("a", 1, small, 0), MK_ERR_ARGUMENT);
}

static void
test_is_clean(void **state)
{
	(void)state;
	assert_true(mktext_is_clean(TUYET_MAT, strlen(TUYET_MAT)));
	assert_true(mktext_is_clean(NGUYEN, strlen(NGUYEN)));
	assert_true(mktext_is_clean("", 0));
	assert_true(mktext_is_clean("a\\b", 3));
	assert_false(mktext_is_clean("a\tb", 3));
	assert_false(mktext_is_clean("a\nb", 3));
	assert_false(mktext_is_clean("\x1b[2J", 4));
	assert_false(mktext_is_clean("\x7f", 1));
	assert_false(mktext_is_clean("a\0b", 3));
	assert_false(mktext_is_clean("\xc2\x9b", 2));
	assert_false(mktext_is_clean("\xe2\x80\xae", 3));
	assert_false(mktext_is_clean("\xe2\x81\xa6", 3));
	assert_false(mktext_is_clean("\x80", 1));
	assert_false(mktext_is_clean("\xc0\xaf", 2));
	assert_false(mktext_is_clean("\xed\xa0\x80", 3));
	assert_false(mktext_is_clean("\xf4\x90\x80\x80", 4));
	/* Only n bytes are looked at: a cut character is invalid. */
	assert_false(mktext_is_clean(TUYET_MAT, 4));
	assert_true(mktext_is_clean("ab\x1b", 2));
}

static void
test_valid_name(void **state)
{
	char name[40];

	(void)state;
	assert_true(mktext_valid_name("nguyenvana"));
	assert_true(mktext_valid_name("a.b_c-1"));
	assert_true(mktext_valid_name("a"));
	assert_true(mktext_valid_name("z9"));
	memset(name, 'a', 32);
	name[32] = '\0';
	assert_true(mktext_valid_name(name));
	name[32] = 'a';
	name[33] = '\0';
	assert_false(mktext_valid_name(name));

	assert_false(mktext_valid_name(""));
	assert_false(mktext_valid_name("A"));
	assert_false(mktext_valid_name("nguyenVana"));
	assert_false(mktext_valid_name("1abc"));
	assert_false(mktext_valid_name("../x"));
	assert_false(mktext_valid_name("a/b"));
	assert_false(mktext_valid_name(".hidden"));
	assert_false(mktext_valid_name("-rf"));
	assert_false(mktext_valid_name("_recovery"));
	assert_false(mktext_valid_name("a b"));
	assert_false(mktext_valid_name("a\n"));
	assert_false(mktext_valid_name("nguy\xe1\xbb\x85n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keeps_valid_utf8),
		cmocka_unit_test(test_escapes_c0_and_del),
		cmocka_unit_test(test_escapes_c1_and_bidi),
		cmocka_unit_test(test_escapes_invalid_utf8),
		cmocka_unit_test(test_output_always_safe),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_is_clean),
		cmocka_unit_test(test_valid_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
