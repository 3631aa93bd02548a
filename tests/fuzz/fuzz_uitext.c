/*
 * libFuzzer target for the console's handling of daemon replies and
 * hostile text (ui/uirec.c, ui/uitext.c): a frame body decoded and made
 * printable, and the input as text cut, wrapped and parsed.
 *
 * Oracles: nothing the console would print holds a C0 control, DEL or
 * invalid UTF-8 (mktext_is_clean); cutting never exceeds its width or
 * splits a character; wrapping always makes progress and each line fits;
 * a clean name comes back from the daemon's escaping by
 * uitext_unescape_name, and a clean text that unescapes escapes back to
 * itself (a medium's file names).
 */
#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/proto.h"
#include "common/text.h"
#include "ui/uirec.h"
#include "ui/uitext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void
check_rec(const uint8_t *data, size_t size)
{
	struct mkmsg m;
	struct uirec r;
	size_t i;

	if (mkmsg_decode(data, size, &m) != 0)
		return;
	if (uirec_from_msg(&m, &r) != 0)
		return;
	for (i = 0; i < r.n; i++)
		CHECK(mktext_is_clean(r.val[i], strlen(r.val[i])));
	uirec_clear(&r);
}

static void
check_text(const char *s)
{
	char out[256];
	size_t cols, w, len, next, off = 0;
	uint64_t t;

	for (cols = 1; cols < 40; cols += 13) {
		w = uitext_fit(s, cols, 1, out, sizeof(out));
		CHECK(w <= cols);
		CHECK(uitext_width(out) == w);
	}
	while (s[off] != '\0') {
		next = uitext_wrap(s + off, 10, &len);
		CHECK(next > 0 && len <= next);
		off += next;
	}
	(void)uitext_until(s, out, sizeof(out));
	(void)uitext_parse_date(s, &t);
	uitext_safe(s, strlen(s), out, sizeof(out));
	CHECK(mktext_is_clean(out, strlen(out)));
}

static void
check_name(const char *s)
{
	char esc[1100], back[1100];
	size_t n = strlen(s);

	if (n >= 256 || !mktext_is_clean(s, n))
		return;
	CHECK(mktext_escape(s, n, esc, sizeof(esc)) == 0);
	CHECK(uitext_unescape_name(esc, back, sizeof(back)) == 0);
	CHECK(strcmp(back, s) == 0);
	if (uitext_unescape_name(s, back, sizeof(back)) == 0) {
		CHECK(mktext_escape(back, strlen(back), esc, sizeof(esc)) == 0);
		CHECK(strcmp(esc, s) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	char *s;

	if (!init) {
		setlocale(LC_ALL, "C.UTF-8");
		init = 1;
	}
	check_rec(data, size);
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_text(s);
	check_name(s);
	free(s);
	return 0;
}
