/*
 * usbguard/usbpolicy: the decision the daemon will write to "authorized"
 * for each device of tests/data/usb under realistic rules files, the
 * fixed protections that no rule lifts, and the evasions a hostile device
 * can try (device-level class, several configurations, association
 * descriptors, a "hub" that is more). Run from the top of the source
 * tree.
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
#include "crypto/logrec.h"
#include "usbguard/usbdev.h"
#include "usbguard/usbpolicy.h"
#include "usbguard/usbrule.h"
#include "usbfix.h"

#define SANDISK_HASH	"F9VHPRBS5Y2hRLUA/Qp2fcFtbh/l4O9ARfOrabLXv0o="

/* The fixture at port 1-1 (via-port rules need one). */
static struct usbdev *
fixture_at_port(const char *name)
{
	struct usbdev *d = fixture(name);

	assert_int_equal(usbdev_set_port(d, "1-1"), 0);
	return d;
}

/* A rules file: lines joined with "\n"; "%REG%" stands for the rule that
 * registers dev (usbrule_render_device). */
static struct usbrules *
rules(const struct usbdev *dev, const char *text)
{
	char reg[USBRULE_LINE_MAX + 1], *buf, *at;
	struct usbrule_error e;
	struct usbrules *rs;
	size_t n;

	n = strlen(text) + sizeof(reg) + 1;
	assert_non_null(buf = malloc(n));
	strcpy(buf, text);
	if ((at = strstr(buf, "%REG%")) != NULL) {
		assert_int_equal(usbrule_render_device(dev, USBRULE_ALLOW, reg,
		    sizeof(reg)), 0);
		memmove(at + strlen(reg), at + 5, strlen(at + 5) + 1);
		memcpy(at, reg, strlen(reg));
	}
	if (usbrules_parse(buf, strlen(buf), &rs, &e) != 0)
		fail_msg("%s: line %u column %u: %s", buf, e.line, e.column,
		    e.msg);
	free(buf);
	return rs;
}

static void
decide(const char *name, const char *text, enum usbrule_target target,
    int reason, uint8_t severity, int rule, int matched)
{
	struct usbpolicy_decision dec;
	struct usbrules *rs = NULL;
	struct usbdev *d = fixture_at_port(name);

	if (text != NULL)
		rs = rules(d, text);
	assert_int_equal(usbpolicy_decide(rs, d, &dec), 0);
	if (dec.target != target || dec.reason != reason ||
	    dec.severity != severity || dec.rule != rule ||
	    dec.matched != matched)
		fail_msg("%s under \"%s\": got %s %s sev %u rule %d matched %d",
		    name, text != NULL ? text : "(no rules)",
		    usbrule_target_name(dec.target),
		    usbpolicy_reason_token(dec.reason), dec.severity, dec.rule,
		    dec.matched);
	usbrules_free(rs);
	usbdev_free(d);
}

#define ALLOW	USBRULE_ALLOW
#define BLOCK	USBRULE_BLOCK
#define REJECT	USBRULE_REJECT
#define INFO	USBPOL_SEV_INFO
#define THAP	USBPOL_SEV_THAP
#define TB	USBPOL_SEV_TRUNG_BINH
#define CAO	USBPOL_SEV_CAO

/* A typical rules file: two registered sticks (the second one as
 * usbrule_render_device wrote it), a policy for the rest. */
#define SITE_RULES \
	"allow id 0951:1666 serial \"001A4D5F1A2BB0A0\" name " \
	"\"DataTraveler\"\n" \
	"allow id 0781:5567 serial \"4C530001230517118283\" name \"Cruzer " \
	"Blade\" hash \"" SANDISK_HASH "\" with-interface 08:06:50\n" \
	"reject with-interface all-of { 08:*:* 03:*:* }\n"

static void
test_storage(void **state)
{
	(void)state;
	/* Registered (by id, serial and hash) and with a serial: allowed. */
	decide("stick-sandisk.bin", SITE_RULES, ALLOW, USBPOL_RULE_ALLOW,
	    INFO, 1, 1);
	decide("stick-sandisk.bin", "allow id 0781:5567 serial "
	    "\"4C530001230517118283\"", ALLOW, USBPOL_RULE_ALLOW, INFO, 0, 0);
	decide("stick-sandisk.bin", "allow hash \"" SANDISK_HASH "\"", ALLOW,
	    USBPOL_RULE_ALLOW, INFO, 0, 0);
	decide("uasp-jms578.bin", "%REG%", ALLOW, USBPOL_RULE_ALLOW, INFO, 0,
	    0);
	/* Not registered: no rule, or one that names no single device. */
	decide("stick-sandisk.bin", NULL, BLOCK, USBPOL_STORAGE_UNREGISTERED,
	    TB, -1, -1);
	decide("uasp-jms578.bin", SITE_RULES, BLOCK,
	    USBPOL_STORAGE_UNREGISTERED, TB, -1, -1);
	decide("stick-sandisk.bin", "allow with-interface equals { 08:*:* }",
	    BLOCK, USBPOL_STORAGE_UNREGISTERED, TB, -1, 0);
	decide("stick-sandisk.bin", "allow", BLOCK,
	    USBPOL_STORAGE_UNREGISTERED, TB, -1, 0);
	decide("stick-sandisk.bin", "allow id 0781:5567", BLOCK,
	    USBPOL_STORAGE_UNREGISTERED, TB, -1, 0);
	decide("stick-sandisk.bin", "allow id 0781:* serial "
	    "\"4C530001230517118283\"", BLOCK, USBPOL_STORAGE_UNREGISTERED, TB,
	    -1, 0);
	/* No serial: every unit of the model would have this hash. */
	decide("stick-noserial.bin", "%REG%", BLOCK, USBPOL_STORAGE_NO_SERIAL,
	    TB, -1, 0);
	decide("stick-noserial.bin", NULL, BLOCK, USBPOL_STORAGE_UNREGISTERED,
	    TB, -1, -1);
	/* An earlier rule that blocks the registered stick decides. */
	decide("stick-sandisk.bin", "block id 0781:*\n%REG%", BLOCK,
	    USBPOL_RULE_BLOCK, THAP, 0, 0);
	decide("stick-sandisk.bin", "reject serial \"4C530001230517118283\"\n"
	    "%REG%", REJECT, USBPOL_RULE_REJECT, THAP, 0, 0);
	/* A phone sharing its files (MTP, 06) is storage too, and its ADB
	 * interface is vendor-specific. */
	decide("phone-mtp-adb.bin", NULL, BLOCK, USBPOL_VENDOR, CAO, -1, -1);
	decide("phone-mtp-adb.bin", "%REG%", ALLOW, USBPOL_RULE_ALLOW, INFO, 0,
	    0);
}

static void
test_storage_with_hid(void **state)
{
	(void)state;
	decide("badusb-composite.bin", NULL, REJECT, USBPOL_STORAGE_HID, CAO,
	    -1, -1);
	/* Registered or not, allowed by any rule or not. */
	decide("badusb-composite.bin", "%REG%", REJECT, USBPOL_STORAGE_HID,
	    CAO, -1, 0);
	decide("badusb-composite.bin", "allow", REJECT, USBPOL_STORAGE_HID,
	    CAO, -1, 0);
	decide("badusb-composite.bin", "block", REJECT, USBPOL_STORAGE_HID,
	    CAO, -1, 0);
	decide("badusb-composite.bin", SITE_RULES, REJECT, USBPOL_STORAGE_HID,
	    CAO, -1, 2);
	/* The keyboard hidden in a second configuration counts too. */
	decide("badusb-twocfg.bin", "%REG%", REJECT, USBPOL_STORAGE_HID, CAO,
	    -1, 0);
}

static void
test_network(void **state)
{
	static const char *const nets[] = {
		"eth-rtl8153.bin", "eth-gadget-ecm.bin", "bt-csr8510.bin",
		"phone-rndis.bin", "phone-rndis-ef.bin", "modem-e3372.bin",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
		decide(nets[i], NULL, BLOCK, USBPOL_NETWORK, CAO, -1, -1);
		decide(nets[i], "allow", BLOCK, USBPOL_NETWORK, CAO, -1, 0);
		/* Even registered by its hash. */
		decide(nets[i], "%REG%", BLOCK, USBPOL_NETWORK, CAO, -1, 0);
		/* A stricter rule keeps its target, and the reason. */
		decide(nets[i], "reject", REJECT, USBPOL_NETWORK, CAO, 0, 0);
		decide(nets[i], "block", BLOCK, USBPOL_NETWORK, CAO, -1, 0);
	}
	/* The 4G modem's storage (its microSD) changes nothing. */
	decide("modem-e3372.bin", SITE_RULES, BLOCK, USBPOL_NETWORK, CAO, -1,
	    -1);
}

/* An ASIX AX88179 shows only vendor-specific interfaces. */
static void
test_vendor_specific(void **state)
{
	(void)state;
	decide("eth-ax88179.bin", NULL, BLOCK, USBPOL_VENDOR, CAO, -1, -1);
	decide("eth-ax88179.bin", "allow", BLOCK, USBPOL_VENDOR, CAO, -1, 0);
	decide("eth-ax88179.bin", "allow id 0b95:1790", BLOCK, USBPOL_VENDOR,
	    CAO, -1, 0);
	decide("eth-ax88179.bin", "reject id 0b95:*", REJECT, USBPOL_VENDOR,
	    CAO, 0, 0);
	/* Registered: the officer's explicit decision (the network guard,
	 * R1, still treats a link it brings up as an emergency). */
	decide("eth-ax88179.bin", "%REG%", ALLOW, USBPOL_RULE_ALLOW, INFO, 0,
	    0);
}

static void
test_hid_and_hubs(void **state)
{
	static const char *const names[] = {
		"keyboard-k120.bin", "mouse-m90.bin", "hub-gl850g.bin",
		"roothub-ehci.bin",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		decide(names[i], NULL, ALLOW, USBPOL_HID_HUB, INFO, -1, -1);
		decide(names[i], SITE_RULES, ALLOW, USBPOL_HID_HUB, INFO, -1,
		    -1);
		decide(names[i], "allow", ALLOW, USBPOL_RULE_ALLOW, INFO, 0, 0);
		decide(names[i], "block", BLOCK, USBPOL_RULE_BLOCK, THAP, 0, 0);
		decide(names[i], "reject", REJECT, USBPOL_RULE_REJECT, THAP, 0,
		    0);
	}
	/* Only registered keyboards: the officer's choice. */
	decide("keyboard-k120.bin", "allow id 046d:c31c\n"
	    "block with-interface one-of { 03:*:* }", ALLOW, USBPOL_RULE_ALLOW,
	    INFO, 0, 0);
	decide("keyboard-k120.bin", "allow id 046d:c31d\n"
	    "block with-interface one-of { 03:*:* }", BLOCK, USBPOL_RULE_BLOCK,
	    THAP, 1, 1);
	decide("mouse-m90.bin", "allow id 046d:c31c\n"
	    "block with-interface one-of { 03:01:01 }", ALLOW, USBPOL_HID_HUB,
	    INFO, -1, -1);
}

/* A keyboard whose strings hold terminal escapes and invalid UTF-8: the
 * policy looks at interfaces, rules see the raw bytes. */
static void
test_hostile_strings(void **state)
{
	static const char evil[] = "Keyboard\x1b]0;owned\x07\xff\xfe\"";
	struct usbpolicy_decision dec;
	struct usbrules *rs;
	struct usbdev *d;

	(void)state;
	d = fixture_at_port("keyboard-k120.bin");
	assert_int_equal(usbdev_set_name(d, evil, sizeof(evil) - 1), 0);
	assert_int_equal(usbpolicy_decide(NULL, d, &dec), 0);
	assert_int_equal(dec.target, USBRULE_ALLOW);
	assert_int_equal(dec.reason, USBPOL_HID_HUB);
	rs = rules(d, "block name "
	    "\"Keyboard\\x1b]0;owned\\x07\\xff\\xfe\\\"\"");
	assert_int_equal(usbpolicy_decide(rs, d, &dec), 0);
	assert_int_equal(dec.target, USBRULE_BLOCK);
	assert_int_equal(dec.reason, USBPOL_RULE_BLOCK);
	assert_int_equal(dec.rule, 0);
	usbrules_free(rs);
	usbdev_free(d);
}

/*
 * Synthetic devices for the evasions: a device descriptor of the given
 * class, one configuration with the given interfaces (and an optional
 * association).
 */
struct blob {
	uint8_t	p[1024];
	size_t	n;
};

static void
put(struct blob *b, size_t count, ...)
{
	va_list ap;
	size_t i;

	va_start(ap, count);
	for (i = 0; i < count; i++)
		b->p[b->n++] = (uint8_t)va_arg(ap, int);
	va_end(ap);
}

/* ifaces: class, subclass, protocol triples, count of them. */
static struct usbdev *
synthetic(uint8_t dcls, uint8_t dsub, const uint8_t *iad,
    const uint8_t *ifaces, size_t count, const char *serial)
{
	static struct blob b;
	struct usbdev *d;
	size_t i, total;

	b.n = 0;
	put(&b, 18, 18, 1, 0x00, 0x02, dcls, dsub, dsub == 2 ? 1 : 0, 64,
	    0x34, 0x12, 0x78, 0x56, 0x00, 0x01, 1, 2, 3, 1);
	put(&b, 9, 9, 2, 0, 0, (int)count, 1, 0, 0x80, 50);
	if (iad != NULL)
		put(&b, 8, 8, 0x0b, 0, (int)count, iad[0], iad[1], iad[2], 0);
	for (i = 0; i < count; i++) {
		put(&b, 9, 9, 4, (int)i, 0, 1, ifaces[3 * i],
		    ifaces[3 * i + 1], ifaces[3 * i + 2], 0);
		put(&b, 7, 7, 5, 0x81 + (int)i, 3, 8, 0, 10);
	}
	total = b.n - 18;
	b.p[18 + 2] = (uint8_t)total;
	b.p[18 + 3] = (uint8_t)(total >> 8);
	assert_non_null(d = usbdev_new());
	assert_int_equal(usbdev_parse_descriptors(d, b.p, b.n, NULL, 0), 0);
	assert_int_equal(usbdev_set_serial(d, serial, strlen(serial)), 0);
	return d;
}

static void
decide_dev(struct usbdev *d, const char *text, enum usbrule_target target,
    int reason)
{
	struct usbpolicy_decision dec;
	struct usbrules *rs = NULL;

	if (text != NULL)
		rs = rules(d, text);
	assert_int_equal(usbpolicy_decide(rs, d, &dec), 0);
	if (dec.target != target || dec.reason != reason)
		fail_msg("under \"%s\": got %s %s", text != NULL ? text : "-",
		    usbrule_target_name(dec.target),
		    usbpolicy_reason_token(dec.reason));
	usbrules_free(rs);
	usbdev_free(d);
}

static void
test_evasions(void **state)
{
	static const uint8_t kbd[] = { 0x03, 0x01, 0x01 };
	static const uint8_t hub_stick[] = { 0x09, 0x00, 0x00, 0x08, 0x06,
	    0x50 };
	static const uint8_t hub_kbd[] = { 0x09, 0x00, 0x00, 0x03, 0x01,
	    0x01 };
	static const uint8_t stick[] = { 0x08, 0x06, 0x50 };
	static const uint8_t irda[] = { 0xfe, 0x02, 0x00 };
	static const uint8_t sync[] = { 0xef, 0x01, 0x01 };
	static const uint8_t dfu[] = { 0xfe, 0x01, 0x01 };
	static const uint8_t rndis_fn[] = { 0xe0, 0x01, 0x03 };
	static const uint8_t printer[] = { 0x07, 0x01, 0x02 };
	static const uint8_t vision[] = { 0xef, 0x05, 0x00 };

	(void)state;
	/* The class at device level is a claim that counts. */
	decide_dev(synthetic(0x02, 0, NULL, kbd, 1, ""), NULL, BLOCK,
	    USBPOL_NETWORK);
	decide_dev(synthetic(0xe0, 1, NULL, stick, 1, "S1"), "%REG%", BLOCK,
	    USBPOL_NETWORK);
	decide_dev(synthetic(0xff, 0, NULL, kbd, 1, ""), NULL, BLOCK,
	    USBPOL_VENDOR);
	decide_dev(synthetic(0x08, 0, NULL, kbd, 1, "S1"), NULL, REJECT,
	    USBPOL_STORAGE_HID);
	/* So does the function an association announces. */
	decide_dev(synthetic(0xef, 2, rndis_fn, kbd, 1, ""), NULL, BLOCK,
	    USBPOL_NETWORK);
	/* A "hub" that is more is judged by what else it offers. */
	decide_dev(synthetic(0x09, 0, NULL, hub_stick, 2, "S1"), NULL, BLOCK,
	    USBPOL_STORAGE_UNREGISTERED);
	decide_dev(synthetic(0x09, 0, NULL, hub_kbd, 2, ""), NULL, BLOCK,
	    USBPOL_DEFAULT);
	decide_dev(synthetic(0x00, 0, NULL, kbd, 1, ""), NULL, ALLOW,
	    USBPOL_HID_HUB);
	/* Other wireless links. */
	decide_dev(synthetic(0x00, 0, NULL, irda, 1, ""), "allow", BLOCK,
	    USBPOL_NETWORK);
	decide_dev(synthetic(0x00, 0, NULL, sync, 1, ""), "allow", BLOCK,
	    USBPOL_NETWORK);
	/* No interface at all: nothing to allow by default. */
	decide_dev(synthetic(0x00, 0, NULL, NULL, 0, ""), NULL, BLOCK,
	    USBPOL_DEFAULT);
	/* Other classes follow the rules, blocked by default. */
	decide_dev(synthetic(0x00, 0, NULL, printer, 1, ""), NULL, BLOCK,
	    USBPOL_DEFAULT);
	decide_dev(synthetic(0x00, 0, NULL, printer, 1, ""),
	    "allow with-interface 07:01:02", ALLOW, USBPOL_RULE_ALLOW);
	decide_dev(synthetic(0x00, 0, NULL, dfu, 1, ""), NULL, BLOCK,
	    USBPOL_DEFAULT);
	decide_dev(synthetic(0x00, 0, NULL, vision, 1, ""), "allow", ALLOW,
	    USBPOL_RULE_ALLOW);
}

static void
test_malformed(void **state)
{
	struct usbpolicy_decision dec;
	struct usbrules *rs;
	struct usbdev *d;
	uint8_t junk[40];

	(void)state;
	assert_non_null(d = usbdev_new());
	memset(junk, 0x42, sizeof(junk));
	assert_int_not_equal(usbdev_parse_descriptors(d, junk, sizeof(junk),
	    NULL, 0), 0);
	assert_int_equal(usbdev_set_name(d, "USB Keyboard", 12), 0);
	rs = rules(d, "allow");
	assert_int_equal(usbpolicy_decide(rs, d, &dec), 0);
	assert_int_equal(dec.target, USBRULE_BLOCK);
	assert_int_equal(dec.reason, USBPOL_MALFORMED);
	assert_int_equal(dec.severity, USBPOL_SEV_TRUNG_BINH);
	assert_int_equal(dec.rule, -1);
	assert_int_equal(dec.matched, -1);
	usbrules_free(rs);
	usbdev_free(d);
}

static void
test_reasons(void **state)
{
	int i;

	(void)state;
	/* The severities are the audit log's. */
	assert_int_equal(USBPOL_SEV_INFO, LOG_SEV_INFO);
	assert_int_equal(USBPOL_SEV_THAP, LOG_SEV_THAP);
	assert_int_equal(USBPOL_SEV_TRUNG_BINH, LOG_SEV_TRUNG_BINH);
	assert_int_equal(USBPOL_SEV_CAO, LOG_SEV_CAO);
	for (i = USBPOL_RULE_ALLOW; i <= USBPOL_RESTORE; i++) {
		assert_true(strlen(usbpolicy_reason_str(i)) > 5);
		assert_string_not_equal(usbpolicy_reason_token(i), "unknown");
	}
	assert_string_equal(usbpolicy_reason_token(USBPOL_NETWORK),
	    "network");
	assert_string_equal(usbpolicy_reason_str(USBPOL_STORAGE_HID),
	    "storage with a keyboard or other HID interface");
	assert_string_equal(usbpolicy_reason_token(0), "unknown");
	assert_string_equal(usbpolicy_reason_token(-1), "unknown");
	assert_string_equal(usbpolicy_reason_token(USBPOL_RESTORE),
	    "restore");
	assert_string_equal(usbpolicy_reason_token(USBPOL_RESTORE + 1),
	    "unknown");
	assert_string_equal(usbpolicy_reason_str(1000), "unknown reason");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storage),
		cmocka_unit_test(test_storage_with_hid),
		cmocka_unit_test(test_network),
		cmocka_unit_test(test_vendor_specific),
		cmocka_unit_test(test_hid_and_hubs),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_evasions),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_reasons),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
