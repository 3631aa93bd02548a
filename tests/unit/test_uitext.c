/*
 * ui/uitext, ui/uirec, ui/uipage: the console's pure parts. Widths of
 * Vietnamese and wide text by wcwidth, cutting and wrapping at character
 * boundaries, escaping of hostile replies, dates, and log paging.
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/proto.h"
#include "common/text.h"
#include "ui/uipage.h"
#include "ui/uirec.h"
#include "ui/uitext.h"

/* "Tuyệt mật": 9 characters, 13 bytes; a CJK ideograph takes 2 columns. */
#define TUYET_MAT	"Tuy\xe1\xbb\x87t m\xe1\xba\xadt"
#define WIDE		"\xe5\xad\x97"		/* U+5B57 */
/* "e" + combining acute: one column. */
#define COMBINING	"e\xcc\x81"

static void
test_width(void **state)
{
	(void)state;
	assert_int_equal(uitext_width(""), 0);
	assert_int_equal(uitext_width("abc"), 3);
	assert_int_equal(uitext_width(TUYET_MAT), 9);
	assert_int_equal(uitext_width(WIDE WIDE), 4);
	assert_int_equal(uitext_width(COMBINING), 1);
	/* Invalid UTF-8 counts a column a byte. */
	assert_int_equal(uitext_width("\xff\xfe"), 2);
}

static void
test_fit(void **state)
{
	char out[64];

	(void)state;
	/* Cut at a character boundary, never inside "ệ" (3 bytes). */
	assert_int_equal(uitext_fit(TUYET_MAT, 4, 0, out, sizeof(out)), 4);
	assert_string_equal(out, "Tuy\xe1\xbb\x87");
	/* Padded to the width. */
	assert_int_equal(uitext_fit("ab", 5, 1, out, sizeof(out)), 5);
	assert_string_equal(out, "ab   ");
	/* A wide character does not straddle the edge: a space instead. */
	assert_int_equal(uitext_fit("a" WIDE, 2, 1, out, sizeof(out)), 2);
	assert_string_equal(out, "a ");
	assert_int_equal(uitext_fit("a" WIDE, 2, 0, out, sizeof(out)), 1);
	/* A small buffer cuts at a character too. */
	assert_int_equal(uitext_fit(TUYET_MAT, 20, 0, out, 6), 3);
	assert_string_equal(out, "Tuy");
}

static void
test_wrap(void **state)
{
	const char *s = "Văn bản mật của cơ quan";
	size_t len, off = 0, lines = 0, next;

	(void)state;
	/* Every line fits in 10 columns and breaks after a word. */
	while (s[off] != '\0') {
		char line[64];

		next = uitext_wrap(s + off, 10, &len);
		assert_true(next > 0);
		memcpy(line, s + off, len);
		line[len] = '\0';
		assert_true(uitext_width(line) <= 10);
		assert_true(line[0] != ' ');
		off += next;
		lines++;
	}
	assert_int_equal(lines, 3);
	/* A word longer than the line is split inside. */
	next = uitext_wrap("abcdefghij", 4, &len);
	assert_int_equal(next, 4);
	assert_int_equal(len, 4);
	/* A line break ends the line. */
	next = uitext_wrap("ab\ncd", 10, &len);
	assert_int_equal(len, 2);
	assert_int_equal(next, 3);
	/* A wide character wider than the line still makes progress. */
	next = uitext_wrap(WIDE, 1, &len);
	assert_int_equal(next, 3);
}

static void
test_safe(void **state)
{
	char out[128];
	const char *p;

	(void)state;
	uitext_safe("\x1b]0;owned\x07\x1b[2J", 14, out, sizeof(out));
	for (p = out; *p != '\0'; p++)
		assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
	assert_string_equal(out, "\\x1b]0;owned\\x07\\x1b[2J");
	/* Clean text, already escaped by the daemon, is kept as it is. */
	uitext_safe("Keyboard\\x1b]0;owned", 20, out, sizeof(out));
	assert_string_equal(out, "Keyboard\\x1b]0;owned");
	/* Bidi overrides are not clean. */
	uitext_safe("a" "\xe2\x80\xae" "b", 5, out, sizeof(out));
	assert_null(strstr(out, "\xe2\x80\xae"));
	/* A buffer too small gives a cut, still safe string. */
	uitext_safe("\x1b\x1b\x1b\x1b", 4, out, 6);
	assert_true(strlen(out) < 6);
	assert_null(strchr(out, 0x1b));
}

/* The replay's cells (ui/uireplay.c): only printable characters in the
 * columns the emulator gave them; controls a recording could smuggle into
 * a cell (ESC, C1 CSI, bidi overrides, a line separator) become '?'. */
static void
test_cell(void **state)
{
	static const uint32_t a[] = { 'A' }, wide[] = { 0x5b57 };
	static const uint32_t acute[] = { 'e', 0x301 };
	static const uint32_t viet[] = { 0x1ec7 };	/* ệ */
	/* ESC, C1 CSI, a bidi override as a mark, a line separator, past
	 * Unicode, a lone surrogate, too many marks. */
	static const struct {
		uint32_t	cp[UITEXT_CELL_MAX + 1];
		size_t		n;
	} bad[] = { { { 0x1b }, 1 }, { { 0x9b }, 1 }, { { 'a', 0x202e }, 2 },
	    { { 0x2028 }, 1 }, { { 0x110000 }, 1 }, { { 0xdc9b }, 1 },
	    { { 'e', 0x301, 0x301, 0x301, 0x301, 0x301, 0x301 }, 7 } };
	wchar_t out[UITEXT_CELL_MAX + 1];
	size_t i;

	(void)state;
	assert_int_equal(uitext_cell(a, 1, 1, out), 1);
	assert_true(wcscmp(out, L"A") == 0);
	assert_int_equal(uitext_cell(viet, 1, 1, out), 1);
	assert_true(out[0] == 0x1ec7);
	assert_int_equal(uitext_cell(wide, 1, 2, out), 1);
	assert_true(out[0] == 0x5b57);
	/* A wide character in one column is not what the emulator laid out. */
	uitext_cell(wide, 1, 1, out);
	assert_true(wcscmp(out, L"?") == 0);
	assert_int_equal(uitext_cell(acute, 2, 1, out), 2);
	assert_true(out[1] == 0x301 && out[2] == 0);
	assert_int_equal(uitext_cell(NULL, 0, 1, out), 1);
	assert_true(wcscmp(out, L" ") == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(uitext_cell(bad[i].cp, bad[i].n, 1, out), 1);
		assert_true(wcscmp(out, L"?") == 0);
	}
}

static void
test_until_and_dates(void **state)
{
	char out[32];
	uint64_t t;

	(void)state;
	assert_int_equal(uitext_until("account x is locked after 5 failed "
	    "logins until 2026-12-06 17:40 UTC, or until a supervisor "
	    "unlocks it", out, sizeof(out)), 0);
	assert_string_equal(out, "2026-12-06 17:40 UTC");
	assert_int_equal(uitext_until("until a supervisor", out,
	    sizeof(out)), -1);
	assert_int_equal(uitext_parse_date("2026-01-01", &t), 0);
	assert_int_equal(t, 1767225600);
	assert_int_equal(uitext_parse_date("2026-02-31", &t), -1);
	assert_int_equal(uitext_parse_date("2026-1-01", &t), -1);
	assert_int_equal(uitext_parse_date("2026-01-01x", &t), -1);
	assert_int_equal(uitext_parse_date("", &t), -1);
	uitext_time(1767225600, out, sizeof(out));
	assert_string_equal(out, "2026-01-01 00:00");
	uitext_time(UINT64_MAX, out, sizeof(out));
	assert_string_equal(out, "-");
}

/* A frame built and decoded as the daemon's reply would be. */
static void
decode(struct mkbuf *b, struct mkmsg *m)
{
	assert_int_equal(mkmsg_decode(mkbuf_ptr(b) + 4, mkbuf_len(b) - 4, m),
	    0);
}

static void
test_rec(void **state)
{
	struct mkbuf *b = mkbuf_new(4096);
	struct uilist l = { 0 };
	struct mkmsg m;
	struct uirec r;

	(void)state;
	assert_non_null(b);
	assert_int_equal(mkmsg_start(b, MSG_ENTRY), 0);
	/* A hostile title: a terminal escape and invalid UTF-8. */
	assert_int_equal(mkmsg_add_str(b, F_TITLE, "x\x1b[31my\xff"), 0);
	assert_int_equal(mkmsg_add_u64(b, F_SEQ, 123456789012ULL), 0);
	assert_int_equal(mkmsg_add_str(b, F_NAME, "S\xc3\xa1ng"), 0);
	decode(b, &m);
	assert_int_equal(uirec_from_msg(&m, &r), 0);
	assert_string_equal(uirec_get(&r, F_TITLE), "x\\x1b[31my\\xff");
	assert_string_equal(uirec_get(&r, F_SEQ), "123456789012");
	assert_int_equal(uirec_num(&r, F_SEQ, 0), 123456789012ULL);
	assert_string_equal(uirec_get(&r, F_NAME), "S\xc3\xa1ng");
	assert_string_equal(uirec_get(&r, F_USER), "");
	assert_int_equal(uirec_num(&r, F_CURSOR, 7), 7);
	/* A "number" that is not 8 bytes is text, and no number. */
	uirec_clear(&r);
	assert_int_equal(mkmsg_start(b, MSG_OK), 0);
	assert_int_equal(mkmsg_add(b, F_CURSOR, "abc", 3), 0);
	decode(b, &m);
	assert_int_equal(uirec_from_msg(&m, &r), 0);
	assert_int_equal(uirec_num(&r, F_CURSOR, 9), 9);
	uirec_clear(&r);
	assert_int_equal(uilist_add(&l, &m), 0);
	assert_int_equal(uilist_add(&l, &m), 0);
	assert_int_equal(l.n, 2);
	uilist_clear(&l);
	mkbuf_free(b);
}

static void
test_page(void **state)
{
	struct uipage p;
	struct uipage_req rq;

	(void)state;
	memset(&p, 0, sizeof(p));
	/* The newest page: no cursor, older. */
	assert_int_equal(uipage_request(&p, UIPAGE_HEAD, &rq), 0);
	assert_string_equal(rq.direction, "older");
	assert_false(rq.have_cursor);
	uipage_loaded(&p, UIPAGE_HEAD, 20, 999, 980, 1);
	assert_true(p.at_head);
	assert_int_equal(uipage_request(&p, UIPAGE_NEWER, &rq), -1);
	/* Older: from just below the bottom. */
	assert_int_equal(uipage_request(&p, UIPAGE_OLDER, &rq), 0);
	assert_string_equal(rq.direction, "older");
	assert_int_equal(rq.cursor, 979);
	uipage_loaded(&p, UIPAGE_OLDER, 20, 979, 960, 1);
	assert_false(p.at_head);
	/* Back: newer from just above the top, shown reversed. */
	assert_int_equal(uipage_request(&p, UIPAGE_NEWER, &rq), 0);
	assert_string_equal(rq.direction, "newer");
	assert_int_equal(rq.cursor, 980);
	assert_true(uipage_reversed(UIPAGE_NEWER));
	uipage_loaded(&p, UIPAGE_NEWER, 20, 980, 999, 0);
	assert_int_equal(p.top, 999);
	assert_int_equal(p.bottom, 980);
	assert_true(p.at_head);
	/* The oldest page: newer from 0, and nothing older. */
	assert_int_equal(uipage_request(&p, UIPAGE_TAIL, &rq), 0);
	assert_true(rq.have_cursor);
	assert_int_equal(rq.cursor, 0);
	uipage_loaded(&p, UIPAGE_TAIL, 20, 0, 19, 1);
	assert_true(p.at_tail);
	assert_int_equal(uipage_request(&p, UIPAGE_OLDER, &rq), -1);
	/* An empty page older leaves the view, at the tail. */
	p.at_tail = 0;
	p.bottom = 5;
	uipage_loaded(&p, UIPAGE_OLDER, 0, 0, 0, 0);
	assert_true(p.at_tail);
	assert_int_equal(p.top, 19);
}

/* A name on a medium as the daemon lists it, back to the name to ask for. */
static void
test_unescape_name(void **state)
{
	char out[64], esc[64];
	/* thư mục\a.txt, written as UTF-8 bytes */
	const char *clean = "th\xc6\xb0 m\xe1\xbb\xa5" "c\\a.txt";

	(void)state;
	assert_int_equal(uitext_unescape_name("docs/a.txt", out, sizeof(out)),
	    0);
	assert_string_equal(out, "docs/a.txt");
	/* A clean name with a backslash survives the round trip. */
	assert_int_equal(mktext_escape(clean, strlen(clean), esc,
	    sizeof(esc)), 0);
	assert_string_not_equal(esc, clean);
	assert_int_equal(uitext_unescape_name(esc, out, sizeof(out)), 0);
	assert_string_equal(out, clean);
	/* Escapes of control characters name nothing that can be asked. */
	assert_int_equal(uitext_unescape_name("\\x1b]0;owned\\x07.txt", out,
	    sizeof(out)), -1);
	assert_int_equal(uitext_unescape_name("a\\nb", out, sizeof(out)), -1);
	assert_int_equal(uitext_unescape_name("end\\", out, sizeof(out)), -1);
	/* Too long for out. */
	assert_int_equal(uitext_unescape_name("abcdef", out, 6), -1);
	assert_int_equal(uitext_unescape_name("abcde", out, 6), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_safe),
		cmocka_unit_test(test_cell),
		cmocka_unit_test(test_until_and_dates),
		cmocka_unit_test(test_rec),
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_unescape_name),
	};

	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
