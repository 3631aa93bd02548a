/*
 * Bounded text output shared by the USB modules: an appender over a
 * caller's buffer that never overflows and remembers that it had to cut,
 * and the two ways a string from a device is written out:
 *
 *  - for a person (log line, console, `usb list`): common/text.h
 *    mktext_escape, which keeps printable UTF-8 so Vietnamese names stay
 *    readable, plus '"' as \x22 so a quoted field cannot be closed early;
 *  - inside a rule: USBGuard's own escaping (printable ASCII as is, '"'
 *    and '\' with a backslash, every other byte as \xHH), so the rule is
 *    plain ASCII on one line and a hostile serial cannot inject syntax.
 */
#ifndef MATKIOSK_USBFMT_H
#define MATKIOSK_USBFMT_H

#include <stddef.h>

/* Longest input usbfmt_put_text accepts (device strings are shorter). */
#define USBFMT_TEXT_MAX		1024

struct usbfmt {
	char	*p;
	size_t	 cap;
	size_t	 len;
	int	 err;		/* first error; later appends do nothing */
};

/* Starts an empty string in buf (cap > 0). */
void usbfmt_init(struct usbfmt *f, char *buf, size_t cap);
void usbfmt_put(struct usbfmt *f, const char *s);
void usbfmt_printf(struct usbfmt *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hostile bytes escaped for a person, inside double quotes. */
void usbfmt_put_text(struct usbfmt *f, const void *p, size_t n);
/* Bytes as a rule's string value, inside double quotes. */
void usbfmt_put_rule_string(struct usbfmt *f, const void *p, size_t n);
/* 0, or MK_ERR_TOO_LARGE if the buffer was too small: the text then ends
 * before the first piece (a field, a quoted string) that did not fit, and
 * is always NUL-terminated. */
int usbfmt_done(const struct usbfmt *f);

#endif /* MATKIOSK_USBFMT_H */
