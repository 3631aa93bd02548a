/*
 * asciicast v2 (asciinema's format), the format of repair recordings
 * (docs/formats.md, "Repair recordings"): a JSON header line, then one
 * event a line, [TIME, "o"|"i"|"r", "DATA"], TIME in seconds since the
 * start with six decimals.
 *
 * A terminal's bytes need not be UTF-8 (and a read may end inside a
 * character), but a JSON string is text. So that a recording replays to
 * the very bytes the terminal showed, a byte that is not part of valid
 * UTF-8 is written as the escape "\udcXX" (a lone low surrogate, XX the
 * byte, as Python's "surrogateescape" does); this parser turns it back
 * into the byte, and other players show a replacement character.
 */
#ifndef MATKIOSK_CAST_H
#define MATKIOSK_CAST_H

#include <stddef.h>
#include <stdint.h>

struct mkbuf;

/* The longest line this parser accepts. */
#define CAST_LINE_MAX	(1u << 20)

/* Appends the header line (with its newline). title must be clean text. */
int cast_put_header(struct mkbuf *out, unsigned cols, unsigned rows,
    int64_t timestamp, const char *title);
/* Appends one event line (with its newline); t_us since the start. */
int cast_put_event(struct mkbuf *out, uint64_t t_us, char type,
    const void *data, size_t len);
/*
 * Parses one event line (len bytes, no newline): its time, its type
 * letter, and its data decoded into data (appended). MK_ERR_FORMAT for
 * anything else, MK_ERR_TOO_LARGE for a line over CAST_LINE_MAX.
 */
int cast_parse_event(const char *line, size_t len, uint64_t *t_us,
    char *type, struct mkbuf *data);

#endif /* MATKIOSK_CAST_H */
