/*
 * Pure text functions of the console (no ncurses): display width of UTF-8
 * with wcwidth, cutting to a number of columns, word wrapping, escaping of
 * hostile text, and the parsing and formatting of dates. Unit-tested in
 * tests/unit/test_uitext.c.
 *
 * Every function assumes a UTF-8 LC_CTYPE (the console sets one at start).
 */
#ifndef MATKIOSK_UITEXT_H
#define MATKIOSK_UITEXT_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

/* Columns s takes on a terminal. A byte that does not decode, and a
 * character wcwidth calls unprintable, count as one column (they never
 * reach the terminal raw: uitext_safe escapes them first). */
size_t uitext_width(const char *s);

/*
 * Copies the longest prefix of s that fits in cols columns into out
 * (outlen > 0, always NUL-terminated), never splitting a character, and
 * pads with spaces to exactly cols columns when pad is set (a wide
 * character that would straddle the edge is replaced by a space).
 * Returns the columns written.
 */
size_t uitext_fit(const char *s, size_t cols, int pad, char *out,
    size_t outlen);

/*
 * Word wrapping: the byte offset where the next line of s starts, after a
 * line of at most cols columns taken from s (breaking after the last space
 * that fits, or inside a word longer than the line). *linelen gets the
 * bytes of the line without the spaces at the break. Returns the length of
 * s at its end.
 */
size_t uitext_wrap(const char *s, size_t cols, size_t *linelen);

/* Hostile bytes (device strings, titles, document text) made safe for a
 * terminal: kept if clean (valid UTF-8 without control or bidi
 * characters, mktext_is_clean), else mktext_escape; cut at a character
 * boundary if out is small. */
void uitext_safe(const void *p, size_t n, char *out, size_t outlen);

/* From a daemon's refusal "... locked ... until 2026-12-06 17:40 UTC, ...",
 * the time "2026-12-06 17:40 UTC" into out; -1 if there is none. */
int uitext_until(const char *msg, char *out, size_t outlen);

/* "YYYY-MM-DD" as seconds since the epoch at 00:00 UTC; -1 if malformed. */
int uitext_parse_date(const char *s, uint64_t *t);

/* Seconds since the epoch as "YYYY-MM-DD HH:MM" (UTC). */
void uitext_time(uint64_t t, char *out, size_t outlen);

/* A name the daemon escaped (a file on a medium, mktext_escape) back to
 * the clean name a request must carry: only "\\" is undone. Any other
 * escape stands for a control character or invalid UTF-8, which no
 * request may name; such a name, or one longer than out, is -1. */
int uitext_unescape_name(const char *esc, char *out, size_t outlen);
/*
 * A terminal cell as an emulator holds it (a base code point and up to
 * UITEXT_CELL_MAX - 1 combining ones; n 0 or cp[0] 0 for an empty cell)
 * made safe to draw in width columns: out (UITEXT_CELL_MAX + 1 wide
 * characters) gets the code points if the base is printable and takes
 * width columns, every other one is a printable zero-width mark, and none
 * is a control, bidi or line-separator control; else a lone '?'. An empty
 * cell is a space. Returns the characters in out.
 */
#define UITEXT_CELL_MAX	6
size_t uitext_cell(const uint32_t *cp, size_t n, int width, wchar_t *out);

#endif /* MATKIOSK_UITEXT_H */
