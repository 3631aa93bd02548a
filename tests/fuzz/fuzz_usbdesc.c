/*
 * libFuzzer target for the USB descriptor parser (usbguard/usbdev) and the
 * decision built on it (usbguard/usbpolicy). The input is a sysfs
 * "descriptors" attribute; the seed corpus holds the fixtures of
 * tests/data/usb.
 *
 * Oracles, not just "no crash":
 *  - a refused input leaves no parse behind and says why, in one line;
 *  - an accepted one is consistent: ids and configuration count as in the
 *    bytes, every interface in a configuration that exists, the caps held,
 *    a well-formed hash, a description that fits and holds no control
 *    byte whatever the strings are;
 *  - its own registration rule reads back, applies to it and registers it;
 *  - the fixed protections hold under rules that allow everything: storage
 *    with HID is rejected, network / wireless / modem never allowed,
 *    vendor-specific or storage never allowed unregistered, a storage
 *    device without serial never allowed at all.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "crypto/cry.h"
#include "usbguard/usbdev.h"
#include "usbguard/usbpolicy.h"
#include "usbguard/usbrule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

/* The protections' view of a device, computed here independently. */
#define F_STORAGE	0x01
#define F_HID		0x02
#define F_NETWORK	0x04
#define F_VENDOR	0x08

static const char *const strings[] = {
	"", "4C530001230517118283", "a\"b\\c\x1b[2J\xe1\xbb\x87\xff #x",
	"\" with-interface 03:*:* \"\n", "Tuy\xe1\xbb\x87t m\xe1\xba\xadt",
	"\x9b\x33\x31m\x7f\xc0\xaf",
};

#define NSTRINGS	(sizeof(strings) / sizeof(strings[0]))

static unsigned
flags_of(uint8_t cls, uint8_t sub)
{
	if (cls == 0x02 || cls == 0x0a || cls == 0xe0 ||
	    (cls == 0xef && (sub == 1 || sub == 3 || sub == 4)) ||
	    (cls == 0xfe && sub == 2))
		return F_NETWORK;
	if (cls == 0x08 || cls == 0x06)
		return F_STORAGE;
	if (cls == 0x03)
		return F_HID;
	return cls == 0xff ? F_VENDOR : 0;
}

static unsigned
device_flags(const struct usbdev *d)
{
	const struct usbdev_iface *it;
	const struct usbdev_func *fn;
	uint8_t c, s, p;
	unsigned f = 0;
	size_t i;

	usbdev_class(d, &c, &s, &p);
	if (!(c == 0xef && s == 2 && p == 1))
		f |= flags_of(c, s);
	for (i = 0; (it = usbdev_iface(d, i)) != NULL; i++)
		f |= flags_of(it->cls, it->subcls);
	for (i = 0; (fn = usbdev_func(d, i)) != NULL; i++)
		f |= flags_of(fn->cls, fn->subcls);
	return f;
}

static void
check_refused(const struct usbdev *d, int r, const char *why)
{
	CHECK(r == MK_ERR_TRUNCATED || r == MK_ERR_FORMAT ||
	    r == MK_ERR_TOO_LARGE || r == MK_ERR_TRAILING);
	CHECK(!usbdev_parsed(d) && usbdev_niface(d) == 0 &&
	    usbdev_nfunc(d) == 0 && usbdev_nconfigs(d) == 0);
	CHECK(usbdev_vendor(d) == 0 && usbdev_product(d) == 0);
	CHECK(why[0] != '\0' && strchr(why, '\n') == NULL);
}

static void
check_accepted(const struct usbdev *d, const uint8_t *p, size_t n)
{
	const struct usbdev_iface *it;
	size_t i, per[USBDEV_CONFIGS_MAX] = { 0 };
	char h[USBDEV_HASH_LEN];

	CHECK(usbdev_parsed(d) && n >= 18 && n <= USBDEV_DESC_MAX);
	CHECK(usbdev_vendor(d) == (p[8] | p[9] << 8));
	CHECK(usbdev_product(d) == (p[10] | p[11] << 8));
	CHECK(usbdev_nconfigs(d) == p[17] && p[17] >= 1 &&
	    p[17] <= USBDEV_CONFIGS_MAX);
	for (i = 0; (it = usbdev_iface(d, i)) != NULL; i++) {
		CHECK(it->config < usbdev_nconfigs(d));
		CHECK(++per[it->config] <= USBDEV_IFACES_MAX);
	}
	CHECK(i == usbdev_niface(d));
	CHECK(usbdev_nfunc(d) <= USBDEV_CONFIGS_MAX * USBDEV_FUNCS_MAX);
	CHECK(usbdev_hash(d, h) == 0 && usbdev_is_hash(h, strlen(h)));
}

static void
check_describe(const struct usbdev *d)
{
	char out[USBDEV_DESCRIBE_MAX];
	size_t i;

	CHECK(usbdev_describe(d, out, sizeof(out)) == 0);
	for (i = 0; out[i] != '\0'; i++)
		CHECK((uint8_t)out[i] >= 0x20 && out[i] != 0x7f);
}

static void
check_registration(const struct usbdev *d)
{
	char rule[USBRULE_LINE_MAX + 1];
	struct usbrules *rs;
	enum usbrule_target t;
	int i;

	CHECK(usbrule_render_device(d, USBRULE_ALLOW, rule,
	    sizeof(rule)) == 0);
	CHECK(usbrules_parse(rule, strlen(rule), &rs, NULL) == 0);
	CHECK(usbrules_count(rs) == 1 && usbrules_registers(rs, 0));
	CHECK(usbrules_match(rs, d, &t, &i) == 0 && i == 0 &&
	    t == USBRULE_ALLOW);
	usbrules_free(rs);
}

/* rs: a rules file that allows everything, registering d first when
 * registered is set. */
static void
check_policy(const struct usbdev *d, const struct usbrules *rs,
    int registered)
{
	struct usbpolicy_decision dec;
	unsigned f = device_flags(d);
	size_t serial_len;

	(void)usbdev_serial(d, &serial_len);
	CHECK(usbpolicy_decide(rs, d, &dec) == 0);
	CHECK(dec.reason >= USBPOL_RULE_ALLOW && dec.reason < USBPOL_ERROR);
	CHECK(dec.matched == (rs == NULL ? -1 : 0));
	CHECK(dec.rule == -1 || dec.rule == dec.matched);
	if ((f & F_STORAGE) && (f & F_HID))
		CHECK(dec.target == USBRULE_REJECT &&
		    dec.severity == USBPOL_SEV_CAO);
	else if (f & F_NETWORK)
		CHECK(dec.target == USBRULE_BLOCK &&
		    dec.severity == USBPOL_SEV_CAO);
	if ((f & (F_VENDOR | F_STORAGE)) && !registered)
		CHECK(dec.target != USBRULE_ALLOW);
	if ((f & F_STORAGE) && serial_len == 0)
		CHECK(dec.target != USBRULE_ALLOW);
	if (dec.target == USBRULE_ALLOW)
		CHECK(dec.severity == USBPOL_SEV_INFO);
}

static void
policies(const struct usbdev *d)
{
	char rule[USBRULE_LINE_MAX + 16];
	struct usbrules *rs;
	size_t n;

	check_policy(d, NULL, 0);
	CHECK(usbrules_parse("allow\n", 6, &rs, NULL) == 0);
	check_policy(d, rs, 0);
	usbrules_free(rs);
	CHECK(usbrule_render_device(d, USBRULE_ALLOW, rule,
	    sizeof(rule) - 8) == 0);
	n = strlen(rule);
	memcpy(rule + n, "\nallow\n", 8);
	CHECK(usbrules_parse(rule, n + 7, &rs, NULL) == 0);
	check_policy(d, rs, 1);
	usbrules_free(rs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct usbdev *d;
	char why[160];
	const char *s;
	int r;

	if (!init) {
		CHECK(cry_init(1 << 16, 0) == 0);
		init = 1;
	}
	CHECK((d = usbdev_new()) != NULL);
	memset(why, 0, sizeof(why));
	r = usbdev_parse_descriptors(d, data, size, why, sizeof(why));
	if (r != 0) {
		check_refused(d, r, why);
		check_policy(d, NULL, 0);
		usbdev_free(d);
		return 0;
	}
	check_accepted(d, data, size);
	s = strings[size % NSTRINGS];
	CHECK(usbdev_set_serial(d, s, strlen(s)) == 0);
	s = strings[(size / NSTRINGS) % NSTRINGS];
	CHECK(usbdev_set_name(d, s, strlen(s)) == 0);
	CHECK(usbdev_set_manufacturer(d, s, strlen(s)) == 0);
	check_describe(d);
	check_registration(d);
	policies(d);
	usbdev_free(d);
	return 0;
}
