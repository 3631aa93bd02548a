/*
 * Text from outside (device strings, file names, log fields, titles) is
 * hostile: it may hold control characters, terminal escape sequences and
 * invalid UTF-8. Everything shown on a terminal or written to a readable
 * report goes through mktext_escape first.
 */
#ifndef MATKIOSK_TEXT_H
#define MATKIOSK_TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Escapes n bytes into out (outlen > 0, always NUL-terminated): valid
 * printable UTF-8 is kept, a backslash becomes "\\", C0/C1 controls and DEL
 * become "\n", "\t" or "\xNN", and each byte of invalid UTF-8 becomes "\xNN".
 * MK_ERR_TOO_LARGE if out was too small (the output is then cut at a
 * character boundary).
 */
int mktext_escape(const void *p, size_t n, char *out, size_t outlen);

/* 1 if s (n bytes) is valid UTF-8 with no control characters. */
int mktext_is_clean(const void *p, size_t n);

/* 1 if s is a valid account name: 1..32 of [a-z0-9._-], starting with a
 * letter. Account names also name files, so this is a security check. */
int mktext_valid_name(const char *s);

/* Length of the valid UTF-8 sequence at p (n bytes left, n >= 1), 1..4,
 * with its code point in *cp; 0 if invalid: overlong forms, surrogates,
 * code points above U+10FFFF, a sequence cut short. */
size_t mktext_utf8_len(const uint8_t *p, size_t n, uint32_t *cp);

#endif /* MATKIOSK_TEXT_H */
