/*
 * USB rules: the rule language of USBGuard (usbguard-rules.conf(5)) as far
 * as matkiosk needs it, parsed from a whole file into an opaque struct
 * usbrules, and matched against a struct usbdev. docs/usb-rules.md is the
 * reference for administrators: grammar, semantics, differences from
 * USBGuard, examples.
 *
 *   rule      ::= target [device-id] { attribute }
 *   target    ::= allow | block | reject
 *   attribute ::= name value | name [operator] "{" value { value } "}"
 *   operator  ::= all-of | one-of | none-of | equals | match-all
 *   name      ::= id | serial | name | hash | parent-hash | via-port
 *               | with-interface | with-connect-type
 *
 * One rule per line; "#" starts a comment; blank lines are skipped.
 * Anything else USBGuard knows (conditions "if", "label", the operator
 * equals-ordered, the targets match and device) and anything unknown is
 * an error with its line, column and token: a rule is never half read.
 *
 * Matching follows USBGuard: rules are tried in file order and the first
 * whose every attribute applies decides; if none does, the implicit
 * target is block. usbpolicy.h adds the fixed protections on top.
 */
#ifndef MATKIOSK_USBRULE_H
#define MATKIOSK_USBRULE_H

#include <stddef.h>

struct usbdev;

/* Targets, in increasing strictness (a comparison picks the stricter). */
enum usbrule_target {
	USBRULE_ALLOW = 0,	/* authorized = 1 */
	USBRULE_BLOCK = 1,	/* authorized = 0 */
	USBRULE_REJECT = 2	/* authorized = 0, then removed */
};

#define USBRULES_FILE_MAX	(4 * 1024 * 1024)	/* bytes */
#define USBRULES_MAX		2048	/* rules in a file */
#define USBRULE_LINE_MAX	8192	/* bytes in a line, newline excluded */
#define USBRULE_SET_MAX		256	/* values in one { } set */
#define USBRULE_TOKEN_SHOW	48	/* bytes of a bad token quoted back */

/* Where and why parsing stopped. line and column count from 1 (column in
 * characters of UTF-8, a tab counting as one); line 0 means the file as
 * a whole (too large). token is the offending token, escaped for display,
 * cut after USBRULE_TOKEN_SHOW bytes; "" at the end of a line. */
struct usbrule_error {
	unsigned	line;
	unsigned	column;
	char		token[4 * USBRULE_TOKEN_SHOW + 8];
	char		msg[160];
};

struct usbrules;

/*
 * Parses a whole rules file (len bytes, need not be NUL-terminated;
 * lines end with "\n" or "\r\n"). On success *out owns the rules (an
 * empty file gives zero rules). On failure *out is NULL, err (if not
 * NULL) says where and why, and the result is MK_ERR_CONFIG for a syntax
 * error, MK_ERR_TOO_LARGE for a bound above, or MK_ERR_ALLOC.
 */
int usbrules_parse(const void *text, size_t len, struct usbrules **out,
    struct usbrule_error *err);
/* Frees; accepts NULL. */
void usbrules_free(struct usbrules *r);

size_t usbrules_count(const struct usbrules *r);
/* Rule i (i < usbrules_count) : its target and the line it came from. */
enum usbrule_target usbrules_target(const struct usbrules *r, size_t i);
unsigned usbrules_line(const struct usbrules *r, size_t i);
/*
 * 1 if rule i registers one device: an allow rule that names it by hash,
 * or by a device id without wildcards together with a non-empty serial
 * (none-of does not name anything). usbpolicy.h lets only such rules
 * allow storage and vendor-specific interfaces.
 */
int usbrules_registers(const struct usbrules *r, size_t i);

/*
 * The first rule that applies to d: *target gets its target and *index
 * its number (from 0); when none applies, *target is USBRULE_BLOCK and
 * *index is -1. r may be NULL (no rules). A device whose descriptors were
 * not parsed is seen as id 0000:0000 with no interfaces and no hash.
 * 0, or MK_ERR_CRYPTO if the device hash could not be computed (the
 * device must then be blocked).
 */
int usbrules_match(const struct usbrules *r, const struct usbdev *d,
    enum usbrule_target *target, int *index);

/* Rule i in canonical form, on one line without a newline: the parser
 * reads it back to the same rule. MK_ERR_TOO_LARGE if outlen is too
 * small; USBRULE_LINE_MAX + 1 bytes always suffice. */
int usbrules_render(const struct usbrules *r, size_t i, char *out,
    size_t outlen);

/*
 * The rule that registers exactly this device, for the IT officer to
 * review and add:
 *   allow id 152d:0578 serial "..." name "..." hash "..."
 *       with-interface { 08:06:50 08:06:62 }
 * on one line, in canonical form (usbrules_render of the parsed line
 * gives it back byte for byte: a single interface is written without
 * braces and none at all leaves with-interface out; the hash pins the
 * interfaces anyway). Strings are escaped as USBGuard does (printable ASCII
 * kept, '"' and '\' escaped, every other byte \xHH), so a hostile serial
 * cannot inject rule syntax, and the parser reads the line back to a
 * rule that applies to d and registers it. MK_ERR_ARGUMENT if d was not
 * parsed; MK_ERR_CRYPTO if hashing failed; MK_ERR_TOO_LARGE if outlen is
 * too small (USBRULE_LINE_MAX + 1 always suffices).
 */
int usbrule_render_device(const struct usbdev *d, enum usbrule_target t,
    char *out, size_t outlen);

/* "allow", "block", "reject". */
const char *usbrule_target_name(enum usbrule_target t);

/* "line 3, column 14 (at labl): unknown attribute", or "rules file: ..."
 * for line 0. MK_ERR_TOO_LARGE if cut. */
int usbrule_error_format(const struct usbrule_error *e, char *out,
    size_t outlen);

#endif /* MATKIOSK_USBRULE_H */
