/*
 * usbguard/usbrule: every supported construct parses and renders back in
 * canonical form; every unsupported or malformed one is an error at the
 * right line and column with the right token; matching follows USBGuard
 * (first match wins, set operators) on the fixtures of tests/data/usb;
 * the rules `usbguard generate-policy` wrote for those fixtures parse and
 * match here; a device's own registration rule reads back and matches,
 * whatever its strings hold. Run from the top of the source tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "crypto/cry.h"
#include "usbguard/usbdev.h"
#include "usbguard/usbrule.h"
#include "usbfix.h"

#define ROOTHUB_HASH	"WHBTxNaEoMGNSNc31KpFNSAeFF4HbLMQgSBqORlC6S8="
#define SANDISK_HASH	"F9VHPRBS5Y2hRLUA/Qp2fcFtbh/l4O9ARfOrabLXv0o="
#define UASP_HASH	"jW6SkOHS43K1Lv1f93op7iEkhm22DNHGvF1Az+rsGSs="


static struct usbrules *
parse_ok(const char *text)
{
	struct usbrule_error e;
	struct usbrules *rs = NULL;
	int r;

	r = usbrules_parse(text, strlen(text), &rs, &e);
	if (r != 0)
		fail_msg("\"%s\": line %u column %u: %s (%s)", text, e.line,
		    e.column, e.msg, e.token);
	assert_non_null(rs);
	return rs;
}

/* text parses to one rule that renders as want (text itself if NULL),
 * and want parses and renders to itself. */
static void
round_trip(const char *text, const char *want)
{
	char out[USBRULE_LINE_MAX + 1];
	struct usbrules *rs;

	if (want == NULL)
		want = text;
	rs = parse_ok(text);
	assert_int_equal(usbrules_count(rs), 1);
	assert_int_equal(usbrules_render(rs, 0, out, sizeof(out)), 0);
	assert_string_equal(out, want);
	usbrules_free(rs);
	rs = parse_ok(want);
	assert_int_equal(usbrules_render(rs, 0, out, sizeof(out)), 0);
	assert_string_equal(out, want);
	usbrules_free(rs);
}

static void
test_constructs(void **state)
{
	(void)state;
	round_trip("allow", NULL);
	round_trip("block", NULL);
	round_trip("reject", NULL);
	round_trip("allow 0781:5567", "allow id 0781:5567");
	round_trip("allow id 0781:*", NULL);
	round_trip("allow id *:*", NULL);
	round_trip("allow id 0A5C:21E8", "allow id 0a5c:21e8");
	round_trip("allow id one-of { 0781:5567 0951:* }", NULL);
	round_trip("allow serial \"4C530001230517118283\"", NULL);
	round_trip("allow serial one-of { \"a\" \"b\" }", NULL);
	round_trip("allow serial { \"a\" }", "allow serial \"a\"");
	round_trip("allow serial equals { \"a\" }", "allow serial \"a\"");
	round_trip("allow serial \"\"", NULL);
	round_trip("allow name \"Cruzer Blade\"", NULL);
	round_trip("allow name none-of { \"x\" }", NULL);
	round_trip("allow hash \"" SANDISK_HASH "\"", NULL);
	round_trip("allow parent-hash \"" ROOTHUB_HASH "\"", NULL);
	round_trip("allow via-port \"1-1.2\"", NULL);
	round_trip("allow via-port one-of { \"1-1\" \"1-2\" }", NULL);
	round_trip("allow with-interface 08:06:50", NULL);
	round_trip("allow with-interface 08:*:*", NULL);
	round_trip("allow with-interface 08:06:*", NULL);
	round_trip("allow with-interface { 08:06:50 08:06:62 }", NULL);
	round_trip("allow with-interface all-of { 08:*:* 03:00:* }", NULL);
	round_trip("allow with-interface one-of { 08:*:* }", NULL);
	round_trip("allow with-interface none-of { e0:*:* 02:*:* }", NULL);
	round_trip("allow with-interface match-all { 03:*:* 09:00:* }", NULL);
	round_trip("allow with-interface 0A:Ff:*", "allow with-interface "
	    "0a:ff:*");
	round_trip("allow with-connect-type \"hotplug\"", NULL);
	round_trip("allow with-connect-type one-of { \"hardwired\" "
	    "\"not used\" \"unknown\" \"\" }", NULL);
	/* Escapes: \" \\ \xHH, either case of hex; raw UTF-8 is kept. */
	round_trip("allow serial \"a\\\"b\\\\c\\x1B\\xff\"",
	    "allow serial \"a\\\"b\\\\c\\x1b\\xff\"");
	round_trip("allow name \"B\xc3\xa0n ph\xc3\xadm\"",
	    "allow name \"B\\xc3\\xa0n ph\\xc3\\xadm\"");
	round_trip("allow name \"#{}\\x09\"", NULL);
	/* Attributes in any order come back in canonical order. */
	round_trip("allow with-interface 08:06:50 hash \"" SANDISK_HASH "\" "
	    "name \"N\" serial \"S\" id 0781:5567 via-port \"1-1\" "
	    "with-connect-type \"hotplug\" parent-hash \"" ROOTHUB_HASH "\"",
	    "allow id 0781:5567 serial \"S\" name \"N\" hash \"" SANDISK_HASH
	    "\" parent-hash \"" ROOTHUB_HASH "\" via-port \"1-1\" "
	    "with-interface 08:06:50 with-connect-type \"hotplug\"");
}

static void
test_layout(void **state)
{
	static const char text[] =
	    "# USB rules of the drafting room\n"
	    "\n"
	    "   \t\n"
	    "allow id 0781:5567 # SanDisk of the IT officer\n"
	    "\tblock\twith-interface\tone-of\t{\t03:*:*\t}\t\r\n"
	    "reject with-interface{08:*:*}#no blanks needed\n"
	    "allow#comment right after the target\n"
	    "   # indented comment\r\n"
	    "block";
	char out[256];
	struct usbrules *rs;

	(void)state;
	rs = parse_ok(text);
	assert_int_equal(usbrules_count(rs), 4 + 1);
	assert_int_equal(usbrules_line(rs, 0), 4);
	assert_int_equal(usbrules_line(rs, 1), 5);
	assert_int_equal(usbrules_line(rs, 2), 6);
	assert_int_equal(usbrules_line(rs, 3), 7);
	assert_int_equal(usbrules_line(rs, 4), 9);
	assert_int_equal(usbrules_target(rs, 1), USBRULE_BLOCK);
	assert_int_equal(usbrules_target(rs, 2), USBRULE_REJECT);
	assert_int_equal(usbrules_render(rs, 1, out, sizeof(out)), 0);
	assert_string_equal(out, "block with-interface one-of { 03:*:* }");
	assert_int_equal(usbrules_render(rs, 2, out, sizeof(out)), 0);
	assert_string_equal(out, "reject with-interface 08:*:*");
	assert_int_equal(usbrules_render(rs, 0, out, 10), MK_ERR_TOO_LARGE);
	usbrules_free(rs);

	rs = parse_ok("");
	assert_int_equal(usbrules_count(rs), 0);
	usbrules_free(rs);
	rs = parse_ok("\n\n# nothing\n");
	assert_int_equal(usbrules_count(rs), 0);
	usbrules_free(rs);
	usbrules_free(NULL);
	assert_int_equal(usbrules_count(NULL), 0);
	assert_int_equal(usbrules_parse(NULL, 0, &rs, NULL), 0);
	usbrules_free(rs);
	assert_int_equal(usbrules_parse(NULL, 1, &rs, NULL), MK_ERR_ARGUMENT);
	assert_null(rs);
}

struct bad {
	const char	*text;
	int		 code;
	unsigned	 line;
	unsigned	 column;
	const char	*token;		/* the error's token */
	const char	*msg;		/* a part of the message */
};

static const struct bad bads[] = {
	{ "allw", MK_ERR_CONFIG, 1, 1, "allw", "starts with allow" },
	{ "match", MK_ERR_CONFIG, 1, 1, "match", "only the targets" },
	{ "device id 1234:5678", MK_ERR_CONFIG, 1, 1, "device",
	    "only the targets" },
	{ "{ allow }", MK_ERR_CONFIG, 1, 1, "{", "starts with" },
	{ "\"allow\"", MK_ERR_CONFIG, 1, 1, "\"allow\"", "starts with" },
	{ "allow label \"x\"", MK_ERR_CONFIG, 1, 7, "label", "label is not" },
	{ "allow if true", MK_ERR_CONFIG, 1, 7, "if", "conditions" },
	{ "allow if !allowed-matches(id 1234:5678)", MK_ERR_CONFIG, 1, 7,
	    "if", "conditions" },
	{ "allow key \"k\"", MK_ERR_CONFIG, 1, 7, "key", "unknown attribute" },
	{ "allow serail \"x\"", MK_ERR_CONFIG, 1, 7, "serail",
	    "unknown attribute" },
	{ "allow {", MK_ERR_CONFIG, 1, 7, "{", "attribute name" },
	{ "allow \"x\"", MK_ERR_CONFIG, 1, 7, "\"x\"", "attribute name" },
	{ "allow block", MK_ERR_CONFIG, 1, 7, "block", "unknown attribute" },
	{ "allow id 1234", MK_ERR_CONFIG, 1, 10, "1234", "device id" },
	{ "allow id 12345:1234", MK_ERR_CONFIG, 1, 10, "12345:1234",
	    "device id" },
	{ "allow id 12g4:1234", MK_ERR_CONFIG, 1, 10, "12g4:1234",
	    "device id" },
	{ "allow id *:1234", MK_ERR_CONFIG, 1, 10, "*:1234", "vendor" },
	{ "allow id 1234:5678:9", MK_ERR_CONFIG, 1, 10, "1234:5678:9",
	    "device id" },
	{ "allow id \"1234:5678\"", MK_ERR_CONFIG, 1, 10, "\"1234:5678\"",
	    "device id" },
	{ "allow 08:06:50", MK_ERR_CONFIG, 1, 7, "08:06:50", "device id" },
	{ "allow 1234:5678 id 1234:5678", MK_ERR_CONFIG, 1, 17, "id",
	    "given twice" },
	{ "allow serial \"a\" serial \"b\"", MK_ERR_CONFIG, 1, 18, "serial",
	    "given twice" },
	{ "allow serial abc", MK_ERR_CONFIG, 1, 14, "abc", "quoted string" },
	{ "allow serial", MK_ERR_CONFIG, 1, 13, "", "value is missing" },
	{ "allow serial \"abc", MK_ERR_CONFIG, 1, 14, "\"abc",
	    "unterminated" },
	{ "allow serial \"a\\qb\"", MK_ERR_CONFIG, 1, 16, "\\\\qb\"",
	    "unknown escape" },
	{ "allow serial \"a\\n\"", MK_ERR_CONFIG, 1, 16, "\\\\n\"",
	    "unknown escape" },
	{ "allow serial \"a\\x4\"", MK_ERR_CONFIG, 1, 16, "\\\\x4\"",
	    "unknown escape" },
	{ "allow serial \"a\\x4g\"", MK_ERR_CONFIG, 1, 16, "\\\\x4g",
	    "unknown escape" },
	{ "allow serial \"a\\", MK_ERR_CONFIG, 1, 14, "\"a\\\\",
	    "unterminated" },
	{ "allow serial \"a\x1b[2J\"", MK_ERR_CONFIG, 1, 16, "\\x1b",
	    "control character" },
	{ "allow serial \"a\rb\"", MK_ERR_CONFIG, 1, 16, "\\r",
	    "control character" },
	{ "allow \x7f", MK_ERR_CONFIG, 1, 7, "\\x7f", "control character" },
	{ "allow with-interface 08:*:50", MK_ERR_CONFIG, 1, 22, "08:*:50",
	    "protocol needs a subclass" },
	{ "allow with-interface *:*:*", MK_ERR_CONFIG, 1, 22, "*:*:*",
	    "class must be given" },
	{ "allow with-interface 8:06:50", MK_ERR_CONFIG, 1, 22, "8:06:50",
	    "interface type" },
	{ "allow with-interface 08:06", MK_ERR_CONFIG, 1, 22, "08:06",
	    "interface type" },
	{ "allow with-interface 08:06:50:1", MK_ERR_CONFIG, 1, 22,
	    "08:06:50:1", "interface type" },
	{ "allow with-interface \"08:06:50\"", MK_ERR_CONFIG, 1, 22,
	    "\"08:06:50\"", "interface type" },
	{ "allow with-interface equals-ordered { 08:*:* }", MK_ERR_CONFIG, 1,
	    22, "equals-ordered", "not supported" },
	{ "allow with-interface one-of 08:*:*", MK_ERR_CONFIG, 1, 29,
	    "08:*:*", "expected \"{\"" },
	{ "allow with-interface one-of", MK_ERR_CONFIG, 1, 28, "",
	    "expected \"{\"" },
	{ "allow with-interface { 08:*:*", MK_ERR_CONFIG, 1, 30, "",
	    "missing \"}\"" },
	{ "allow with-interface { 08:*:* # }", MK_ERR_CONFIG, 1, 31, "",
	    "missing \"}\"" },
	{ "allow with-interface { }", MK_ERR_CONFIG, 1, 24, "}", "empty set" },
	{ "allow with-interface { { 08:*:* } }", MK_ERR_CONFIG, 1, 24, "{",
	    "do not nest" },
	{ "allow with-interface }", MK_ERR_CONFIG, 1, 22, "}",
	    "interface type" },
	{ "allow serial one-of { \"a\" b }", MK_ERR_CONFIG, 1, 27, "b",
	    "quoted string" },
	{ "allow hash \"abc\"", MK_ERR_CONFIG, 1, 12, "\"abc\"",
	    "not a device hash" },
	{ "allow hash \"044b5e168d40ee0245478416caf3d998\"", MK_ERR_CONFIG, 1,
	    12, "\"044b5e168d40ee0245478416caf3d998\"", "not a device hash" },
	{ "allow parent-hash one-of { \"" ROOTHUB_HASH "\" \"x\" }",
	    MK_ERR_CONFIG, 1, 75, "\"x\"", "not a device hash" },
	{ "allow with-connect-type \"hot plug\"", MK_ERR_CONFIG, 1, 25,
	    "\"hot plug\"", "unknown connect type" },
	{ "allow\nallow\n\nblock bogus", MK_ERR_CONFIG, 4, 7, "bogus",
	    "unknown attribute" },
	{ "allow\r\nallow name \"x\" foo\r\n", MK_ERR_CONFIG, 2, 16, "foo",
	    "unknown attribute" },
	/* Columns count characters: "à" and "í" are two bytes each. */
	{ "allow name \"B\xc3\xa0n ph\xc3\xadm\" bogus", MK_ERR_CONFIG, 1, 23,
	    "bogus", "unknown attribute" },
	{ "allow\x00", MK_ERR_CONFIG, 1, 6, "\\x00", "control character" },
};

static void
check_bad(const struct bad *b, size_t len)
{
	struct usbrule_error e;
	struct usbrules *rs = (struct usbrules *)1;
	int r;

	memset(&e, 0x55, sizeof(e));
	r = usbrules_parse(b->text, len, &rs, &e);
	if (r != b->code || e.line != b->line || e.column != b->column ||
	    strcmp(e.token, b->token) != 0 || strstr(e.msg, b->msg) == NULL)
		fail_msg("\"%s\": got %d line %u column %u token \"%s\" msg "
		    "\"%s\"", b->text, r, e.line, e.column, e.token, e.msg);
	assert_null(rs);
}

static void
test_errors(void **state)
{
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		len = strlen(bads[i].text);
		if (strcmp(bads[i].text, "allow") == 0)
			len = 6;		/* the NUL byte case */
		check_bad(&bads[i], len);
	}
}

static void
test_error_format(void **state)
{
	struct usbrule_error e;
	struct usbrules *rs;
	char out[256];

	(void)state;
	assert_int_equal(usbrules_parse("allow\n block labl \"x\"", 21, &rs,
	    &e), MK_ERR_CONFIG);
	assert_int_equal(usbrule_error_format(&e, out, sizeof(out)), 0);
	assert_string_equal(out, "line 2, column 8 (at labl): unknown "
	    "attribute");
	assert_int_equal(usbrule_error_format(&e, out, 10), MK_ERR_TOO_LARGE);
	assert_int_equal(usbrule_error_format(&e, out, 0), MK_ERR_ARGUMENT);
	assert_int_equal(usbrules_parse("allow serial", 12, &rs, &e),
	    MK_ERR_CONFIG);
	assert_int_equal(usbrule_error_format(&e, out, sizeof(out)), 0);
	assert_string_equal(out, "line 1, column 13: a value is missing "
	    "before the end of the line");
	assert_int_equal(usbrules_parse("", USBRULES_FILE_MAX + 1, &rs, &e),
	    MK_ERR_TOO_LARGE);
	assert_int_equal(usbrule_error_format(&e, out, sizeof(out)), 0);
	assert_string_equal(out, "rules file: larger than 4194304 bytes");
}

static void
test_limits_lines(void **state)
{
	struct usbrule_error e;
	struct usbrules *rs;
	char *text, *p;
	size_t i, n;

	(void)state;
	/* A line of USBRULE_LINE_MAX bytes is fine, one more is not. */
	assert_non_null(text = malloc(USBRULES_FILE_MAX + 2));
	memcpy(text, "allow", 5);
	memset(text + 5, ' ', USBRULE_LINE_MAX - 5);
	assert_int_equal(usbrules_parse(text, USBRULE_LINE_MAX, &rs, &e), 0);
	usbrules_free(rs);
	text[USBRULE_LINE_MAX] = ' ';
	assert_int_equal(usbrules_parse(text, USBRULE_LINE_MAX + 1, &rs, &e),
	    MK_ERR_TOO_LARGE);
	assert_int_equal(e.line, 1);
	assert_int_equal(e.column, USBRULE_LINE_MAX + 1);

	/* USBRULES_MAX rules, then one too many. */
	for (i = 0, p = text; i <= USBRULES_MAX; i++, p += 6)
		memcpy(p, "block\n", 6);
	n = (size_t)(p - text);
	assert_int_equal(usbrules_parse(text, n - 6, &rs, &e), 0);
	assert_int_equal(usbrules_count(rs), USBRULES_MAX);
	usbrules_free(rs);
	assert_int_equal(usbrules_parse(text, n, &rs, &e), MK_ERR_TOO_LARGE);
	assert_int_equal(e.line, USBRULES_MAX + 1);
	assert_null(rs);
	free(text);
}

static void
test_limits_values(void **state)
{
	struct usbrule_error e;
	struct usbrules *rs;
	char *text, *p;
	size_t i;

	(void)state;
	assert_non_null(text = malloc(USBRULES_FILE_MAX + 2));
	/* USBRULE_SET_MAX values in a set, then one too many. */
	p = text + sprintf(text, "allow with-interface one-of {");
	for (i = 0; i < USBRULE_SET_MAX; i++)
		p += sprintf(p, " %02zx:*:*", i);
	strcpy(p, " }");
	assert_int_equal(usbrules_parse(text, strlen(text), &rs, &e), 0);
	usbrules_free(rs);
	strcpy(p, " 00:*:* }");
	assert_int_equal(usbrules_parse(text, strlen(text), &rs, &e),
	    MK_ERR_TOO_LARGE);
	assert_int_equal(e.column, (unsigned)(p - text) + 2);

	/* Strings longer than any device string. */
	p = text + sprintf(text, "allow serial \"");
	memset(p, 'A', USBDEV_STR_MAX + 1);
	strcpy(p + USBDEV_STR_MAX + 1, "\"");
	assert_int_equal(usbrules_parse(text, strlen(text), &rs, &e),
	    MK_ERR_CONFIG);
	strcpy(p + USBDEV_STR_MAX, "\"");
	assert_int_equal(usbrules_parse(text, strlen(text), &rs, &e), 0);
	usbrules_free(rs);
	p = text + sprintf(text, "allow via-port \"");
	memset(p, '1', USBDEV_PORT_MAX + 1);
	strcpy(p + USBDEV_PORT_MAX + 1, "\"");
	assert_int_equal(usbrules_parse(text, strlen(text), &rs, &e),
	    MK_ERR_CONFIG);

	/* The whole file. */
	memset(text, '\n', USBRULES_FILE_MAX + 1);
	assert_int_equal(usbrules_parse(text, USBRULES_FILE_MAX, &rs, &e), 0);
	usbrules_free(rs);
	assert_int_equal(usbrules_parse(text, USBRULES_FILE_MAX + 1, &rs, &e),
	    MK_ERR_TOO_LARGE);
	assert_int_equal(e.line, 0);
	free(text);
}

/* The rule text's verdict for the fixture: index or -1, and target. */
static void
expect(const char *rules, const struct usbdev *d, int index,
    enum usbrule_target target)
{
	struct usbrules *rs = parse_ok(rules);
	enum usbrule_target t;
	int i;

	assert_int_equal(usbrules_match(rs, d, &t, &i), 0);
	if (i != index || t != target)
		fail_msg("\"%s\": got rule %d target %d, want %d %d", rules, i,
		    t, index, target);
	usbrules_free(rs);
}

#define MATCH(rules, d)		expect(rules, d, 0, USBRULE_ALLOW)
#define NO_MATCH(rules, d)	expect(rules, d, -1, USBRULE_BLOCK)

static void
test_match_basics(void **state)
{
	struct usbdev *d = fixture("stick-sandisk.bin");
	enum usbrule_target t;
	int i;

	(void)state;
	assert_int_equal(usbrules_match(NULL, d, &t, &i), 0);
	assert_int_equal(t, USBRULE_BLOCK);
	assert_int_equal(i, -1);
	NO_MATCH("", d);
	MATCH("allow", d);
	/* The first rule that applies wins. */
	expect("block id 1234:5678\nreject id 0781:*\nallow", d, 1,
	    USBRULE_REJECT);
	expect("# c\nallow id 0781:5568\n\nblock serial \"4C530001230517118283"
	    "\"\nallow", d, 1, USBRULE_BLOCK);
	MATCH("allow 0781:5567", d);
	MATCH("allow id 0781:5567", d);
	MATCH("allow id 0781:*", d);
	MATCH("allow id *:*", d);
	MATCH("allow id one-of { 1234:5678 0781:5567 }", d);
	NO_MATCH("allow id 0781:5568", d);
	NO_MATCH("allow id 0782:*", d);
	NO_MATCH("allow id none-of { 0781:* }", d);
	MATCH("allow serial \"4C530001230517118283\"", d);
	NO_MATCH("allow serial \"4c530001230517118283\"", d);
	NO_MATCH("allow serial \"4C53000123051711828\"", d);
	MATCH("allow serial one-of { \"x\" \"4C530001230517118283\" }", d);
	NO_MATCH("allow serial all-of { \"x\" \"4C530001230517118283\" }", d);
	NO_MATCH("allow serial { \"x\" \"4C530001230517118283\" }", d);
	MATCH("allow serial match-all { \"x\" \"4C530001230517118283\" }", d);
	MATCH("allow serial none-of { \"x\" }", d);
	MATCH("allow name \"Cruzer Blade\"", d);
	NO_MATCH("allow name \"Cruzer\"", d);
	MATCH("allow hash \"" SANDISK_HASH "\"", d);
	NO_MATCH("allow hash \"" UASP_HASH "\"", d);
	MATCH("allow with-connect-type \"hotplug\"", d);
	NO_MATCH("allow with-connect-type \"hardwired\"", d);
	/* Not set yet: no port, no parent hash. */
	NO_MATCH("allow via-port \"1-1\"", d);
	NO_MATCH("allow parent-hash \"" ROOTHUB_HASH "\"", d);
	assert_int_equal(usbdev_set_port(d, "1-1"), 0);
	assert_int_equal(usbdev_set_parent_hash(d, ROOTHUB_HASH), 0);
	MATCH("allow via-port \"1-1\"", d);
	NO_MATCH("allow via-port \"1-1.1\"", d);
	MATCH("allow parent-hash \"" ROOTHUB_HASH "\"", d);
	/* Every attribute must apply. */
	MATCH("allow id 0781:5567 serial \"4C530001230517118283\" name "
	    "\"Cruzer Blade\" via-port \"1-1\" with-interface 08:06:50", d);
	NO_MATCH("allow id 0781:5567 serial \"4C530001230517118283\" name "
	    "\"Cruzer Blade\" via-port \"1-2\" with-interface 08:06:50", d);
	usbdev_free(d);
}

/* The set operators on with-interface, USBGuard's semantics (with
 * equals stricter, see usbrule.c). */
static void
test_match_interfaces(void **state)
{
	struct usbdev *uasp = fixture("uasp-jms578.bin");
	struct usbdev *stick = fixture("stick-sandisk.bin");
	struct usbdev *bad = fixture("badusb-composite.bin");

	(void)state;
	MATCH("allow with-interface 08:*:*", stick);
	MATCH("allow with-interface 08:06:50", stick);
	/* A single value means equals: the UASP drive has two. */
	NO_MATCH("allow with-interface 08:*:*", uasp);
	MATCH("allow with-interface { 08:*:* 08:*:* }", uasp);
	MATCH("allow with-interface { 08:06:62 08:06:50 }", uasp);
	NO_MATCH("allow with-interface { 08:06:62 08:06:62 }", uasp);
	/* USBGuard would match this one: each rule value is found and the
	 * counts agree; here the keyboard interface is not covered. */
	NO_MATCH("allow with-interface equals { 08:*:* 08:*:* }", bad);
	MATCH("allow with-interface equals { 08:*:* 03:*:* }", bad);
	MATCH("allow with-interface one-of { 03:*:* e0:*:* }", bad);
	NO_MATCH("allow with-interface one-of { 02:*:* e0:*:* }", bad);
	MATCH("allow with-interface all-of { 08:*:* 03:01:* }", bad);
	NO_MATCH("allow with-interface all-of { 08:*:* 03:00:* }", bad);
	MATCH("allow with-interface all-of { 08:06:* }", uasp);
	MATCH("allow with-interface none-of { 03:*:* }", uasp);
	NO_MATCH("allow with-interface none-of { 03:*:* }", bad);
	MATCH("allow with-interface match-all { 08:*:* }", uasp);
	NO_MATCH("allow with-interface match-all { 08:*:* }", bad);
	MATCH("allow with-interface match-all { 08:*:* 03:*:* e0:*:* }",
	    bad);
	/* The USBGuard manual's example of a suspicious combination. */
	expect("allow with-interface equals { 08:*:* }\n"
	    "reject with-interface all-of { 08:*:* 03:00:* }\n"
	    "reject with-interface all-of { 08:*:* 03:01:* }\n", bad, 2,
	    USBRULE_REJECT);
	usbdev_free(uasp);
	usbdev_free(stick);
	usbdev_free(bad);
}

/* Strings are matched byte for byte, whatever they hold. */
static void
test_match_raw_strings(void **state)
{
	static const char evil[] = "a\"b\\c\x1b[2J\xe1\xbb\x87\xff #x";
	struct usbdev *d = fixture("keyboard-k120.bin");

	(void)state;
	assert_int_equal(usbdev_set_name(d, evil, sizeof(evil) - 1), 0);
	MATCH("allow name \"a\\\"b\\\\c\\x1b[2J\\xe1\\xbb\\x87\\xff #x\"", d);
	MATCH("allow name \"a\\\"b\\\\c\\x1b[2J\xe1\xbb\x87\\xFF #x\"", d);
	NO_MATCH("allow name \"a\\\"b\\\\c\\x1b[2J\\xe1\\xbb\\x87\\xfe "
	    "#x\"", d);
	NO_MATCH("allow name \"a\\\"b\\\\c[2J\\xe1\\xbb\\x87\\xff #x\"", d);
	assert_int_equal(usbdev_set_serial(d, "a\0b", 3), 0);
	MATCH("allow serial \"a\\x00b\"", d);
	NO_MATCH("allow serial \"a\"", d);
	NO_MATCH("allow serial \"\"", d);
	usbdev_free(d);

	d = fixture("keyboard-k120.bin");	/* no serial at all */
	MATCH("allow serial \"\"", d);
	usbdev_free(d);
}

/* A device whose descriptors did not parse: id 0000:0000, no interfaces,
 * no hash. */
static void
test_match_unparsed(void **state)
{
	struct usbdev *d;

	(void)state;
	assert_non_null(d = usbdev_new());
	MATCH("allow", d);
	MATCH("allow id 0000:0000", d);
	NO_MATCH("allow id 0781:*", d);
	NO_MATCH("allow with-interface 08:*:*", d);
	MATCH("allow with-interface none-of { 08:*:* }", d);
	NO_MATCH("allow hash \"" SANDISK_HASH "\"", d);
	MATCH("allow hash none-of { \"" SANDISK_HASH "\" }", d);
	usbdev_free(d);
}

static void
test_registers(void **state)
{
	static const struct {
		const char	*rule;
		int		 registers;
	} cases[] = {
		{ "allow hash \"" SANDISK_HASH "\"", 1 },
		{ "allow hash one-of { \"" SANDISK_HASH "\" \"" UASP_HASH
		    "\" }", 1 },
		{ "allow hash none-of { \"" SANDISK_HASH "\" }", 0 },
		{ "block hash \"" SANDISK_HASH "\"", 0 },
		{ "allow id 0781:5567 serial \"4C53\"", 1 },
		{ "allow 0781:5567 serial one-of { \"A\" \"B\" }", 1 },
		{ "allow id 0781:5567 serial one-of { \"A\" \"\" }", 0 },
		{ "allow id 0781:5567 serial \"\"", 0 },
		{ "allow id 0781:* serial \"4C53\"", 0 },
		{ "allow id one-of { 0781:5567 0951:* } serial \"4C53\"", 0 },
		{ "allow id 0781:5567 serial none-of { \"4C53\" }", 0 },
		{ "allow id none-of { 0781:5567 } serial \"4C53\"", 0 },
		{ "allow id 0781:5567", 0 },
		{ "allow serial \"4C53\"", 0 },
		{ "allow with-interface equals { 08:*:* }", 0 },
		{ "allow", 0 },
		{ "reject id 0781:5567 serial \"4C53\"", 0 },
	};
	struct usbrules *rs;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rs = parse_ok(cases[i].rule);
		if (usbrules_registers(rs, 0) != cases[i].registers)
			fail_msg("%s: want %d", cases[i].rule,
			    cases[i].registers);
		usbrules_free(rs);
	}
}

/*
 * What `usbguard generate-policy` printed for each fixture (with parent-
 * hash, via-port and with-connect-type) parses here and matches that
 * device, placed where USBGuard saw it.
 */
static void
test_usbguard_generated(void **state)
{
	char *text, *line, *save = NULL, *tab;
	struct usbrules *rs;
	struct usbdev *d;
	enum usbrule_target t;
	size_t len;
	int i, count = 0;

	(void)state;
	text = (char *)read_file(FIXTURES "usbguard-1.1.2.txt", &len);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		assert_non_null(tab = strchr(line, '\t'));
		*tab = '\0';
		d = fixture(line);
		if (strcmp(line, "roothub-ehci.bin") == 0) {
			assert_int_equal(usbdev_set_port(d, "usb1"), 0);
			assert_int_equal(usbdev_set_connect_type(d, "", 0), 0);
			assert_int_equal(usbdev_set_parent_hash(d,
			    "rV9bfLq7c2eA4tYjVjwO4bxhm+y6GgZpl9J60L0fBkY="), 0);
		} else {
			assert_int_equal(usbdev_set_port(d, "1-1"), 0);
			assert_int_equal(usbdev_set_parent_hash(d,
			    ROOTHUB_HASH), 0);
		}
		rs = parse_ok(tab + 1);
		assert_int_equal(usbrules_match(rs, d, &t, &i), 0);
		assert_int_equal(i, 0);
		assert_int_equal(t, USBRULE_ALLOW);
		assert_true(usbrules_registers(rs, 0));
		usbrules_free(rs);
		usbdev_free(d);
		count++;
	}
	assert_int_equal(count, 17);
	free(text);
}

/* A device's registration rule: canonical, read back, matches it. */
static void
check_device_rule(const struct usbdev *d, const char *want)
{
	char out[USBRULE_LINE_MAX + 1], again[USBRULE_LINE_MAX + 1];
	struct usbrules *rs;
	enum usbrule_target t;
	int i;

	assert_int_equal(usbrule_render_device(d, USBRULE_ALLOW, out,
	    sizeof(out)), 0);
	if (want != NULL)
		assert_string_equal(out, want);
	rs = parse_ok(out);
	assert_int_equal(usbrules_count(rs), 1);
	assert_int_equal(usbrules_render(rs, 0, again, sizeof(again)), 0);
	assert_string_equal(again, out);
	assert_int_equal(usbrules_match(rs, d, &t, &i), 0);
	assert_int_equal(i, 0);
	assert_true(usbrules_registers(rs, 0));
	usbrules_free(rs);
}

static void
test_render_device(void **state)
{
	static const char evil[] = "a\"b\\c\x1b[2J\xe1\xbb\x87\xff #x";
	char out[64];
	struct usbdev *d;

	(void)state;
	d = fixture("stick-sandisk.bin");
	check_device_rule(d, "allow id 0781:5567 serial \"4C530001230517118283"
	    "\" name \"Cruzer Blade\" hash \"" SANDISK_HASH "\" with-interface "
	    "08:06:50");
	assert_int_equal(usbrule_render_device(d, USBRULE_ALLOW, out,
	    sizeof(out)), MK_ERR_TOO_LARGE);
	assert_true(strlen(out) < sizeof(out));
	/* What USBGuard 1.1.2 printed for this serial (umockdev, H: serial)
	 * less its parent-hash and with-connect-type: escaping and hash
	 * agree, and no rule syntax leaks out of the string. */
	assert_int_equal(usbdev_set_serial(d, evil, sizeof(evil) - 1), 0);
	check_device_rule(d, "allow id 0781:5567 serial \"a\\\"b\\\\c\\x1b[2J"
	    "\\xe1\\xbb\\x87\\xff #x\" name \"Cruzer Blade\" hash "
	    "\"UXoiEC7TYmSFza4XpwDKIBCElgauDv3GeI93HbZrRLA=\" with-interface "
	    "08:06:50");
	assert_int_equal(usbdev_set_name(d, "\" with-interface 03:*:* \"", 25),
	    0);
	check_device_rule(d, NULL);
	usbdev_free(d);

	d = fixture("uasp-jms578.bin");
	check_device_rule(d, "allow id 152d:0578 serial \"0123456789ABCDEF\" "
	    "name \"USB to ATA/ATAPI Bridge\" hash \"" UASP_HASH "\" "
	    "with-interface { 08:06:50 08:06:62 }");
	usbdev_free(d);

	d = fixture("keyboard-k120.bin");
	assert_int_equal(usbrule_render_device(d, USBRULE_BLOCK, out + 0,
	    sizeof(out)), MK_ERR_TOO_LARGE);
	usbdev_free(d);

	assert_non_null(d = usbdev_new());
	assert_int_equal(usbrule_render_device(d, USBRULE_ALLOW, out,
	    sizeof(out)), MK_ERR_ARGUMENT);
	usbdev_free(d);
	assert_string_equal(usbrule_target_name(USBRULE_ALLOW), "allow");
	assert_string_equal(usbrule_target_name(USBRULE_BLOCK), "block");
	assert_string_equal(usbrule_target_name(USBRULE_REJECT), "reject");
}

/* Every byte value in every string attribute survives the round trip. */
static void
test_render_device_all_bytes(void **state)
{
	static const char *const names[] = {
		"stick-sandisk.bin", "bt-csr8510.bin", "modem-e3372.bin",
		"eth-rtl8153.bin",
	};
	uint8_t bytes[256];
	struct usbdev *d;
	size_t i, k;

	(void)state;
	for (i = 0; i < 256; i++)
		bytes[i] = (uint8_t)i;
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		d = fixture(names[k]);
		assert_int_equal(usbdev_set_serial(d, bytes, 256), 0);
		assert_int_equal(usbdev_set_name(d, bytes + 128, 128), 0);
		check_device_rule(d, NULL);
		usbdev_free(d);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constructs),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_limits_lines),
		cmocka_unit_test(test_limits_values),
		cmocka_unit_test(test_match_basics),
		cmocka_unit_test(test_match_interfaces),
		cmocka_unit_test(test_match_raw_strings),
		cmocka_unit_test(test_match_unparsed),
		cmocka_unit_test(test_registers),
		cmocka_unit_test(test_usbguard_generated),
		cmocka_unit_test(test_render_device),
		cmocka_unit_test(test_render_device_all_bytes),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
