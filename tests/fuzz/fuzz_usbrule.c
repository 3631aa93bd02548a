/*
 * libFuzzer target for the USB rule language (usbguard/usbrule). The first
 * byte picks the mode:
 *
 *  even: the rest is a rules file. A refused file says where (a line that
 *        exists, a column from 1) and why; an accepted one renders each
 *        rule in canonical form, which reads back to a rule that renders
 *        the same, registers the same and matches the same devices; and
 *        the rule usbrules_match picks for each test device is the first
 *        whose canonical form, alone, matches it.
 *  odd:  the rest describes a device (serial and name bytes, interface
 *        triples, device class); its registration rule must read back to
 *        one rule, in canonical form, that applies to it and registers
 *        it, whatever bytes its strings hold.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "crypto/cry.h"
#include "usbguard/usbdev.h"
#include "usbguard/usbrule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

/* Test devices: tests/data/usb stick-sandisk.bin, uasp-jms578.bin and
 * badusb-composite.bin, given strings and places below. */
static const uint8_t sandisk[] = {
	0x12, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40, 0x81, 0x07, 0x67, 0x55,
	0x26, 0x01, 0x01, 0x02, 0x03, 0x01, 0x09, 0x02, 0x20, 0x00, 0x01, 0x01,
	0x00, 0x80, 0x32, 0x09, 0x04, 0x00, 0x00, 0x02, 0x08, 0x06, 0x50, 0x00,
	0x07, 0x05, 0x81, 0x02, 0x00, 0x02, 0x00, 0x07, 0x05, 0x02, 0x02, 0x00,
	0x02, 0x00,
};
static const uint8_t uasp[] = {
	0x12, 0x01, 0x10, 0x03, 0x00, 0x00, 0x00, 0x09, 0x2d, 0x15, 0x78, 0x05,
	0x08, 0x04, 0x01, 0x02, 0x03, 0x01, 0x09, 0x02, 0x79, 0x00, 0x01, 0x01,
	0x00, 0x80, 0x70, 0x09, 0x04, 0x00, 0x00, 0x02, 0x08, 0x06, 0x50, 0x00,
	0x07, 0x05, 0x81, 0x02, 0x00, 0x04, 0x00, 0x06, 0x30, 0x0f, 0x00, 0x00,
	0x00, 0x07, 0x05, 0x02, 0x02, 0x00, 0x04, 0x00, 0x06, 0x30, 0x0f, 0x00,
	0x00, 0x00, 0x09, 0x04, 0x00, 0x01, 0x04, 0x08, 0x06, 0x62, 0x00, 0x07,
	0x05, 0x01, 0x02, 0x00, 0x04, 0x00, 0x06, 0x30, 0x0f, 0x00, 0x00, 0x00,
	0x04, 0x24, 0x01, 0x00, 0x07, 0x05, 0x82, 0x02, 0x00, 0x04, 0x00, 0x06,
	0x30, 0x0f, 0x05, 0x00, 0x00, 0x04, 0x24, 0x02, 0x00, 0x07, 0x05, 0x83,
	0x02, 0x00, 0x04, 0x00, 0x06, 0x30, 0x0f, 0x05, 0x00, 0x00, 0x04, 0x24,
	0x03, 0x00, 0x07, 0x05, 0x04, 0x02, 0x00, 0x04, 0x00, 0x06, 0x30, 0x0f,
	0x05, 0x00, 0x00, 0x04, 0x24, 0x04, 0x00,
};
static const uint8_t badusb[] = {
	0x12, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40, 0x8f, 0x05, 0x87, 0x63,
	0x00, 0x01, 0x01, 0x02, 0x03, 0x01, 0x09, 0x02, 0x39, 0x00, 0x02, 0x01,
	0x00, 0x80, 0x32, 0x09, 0x04, 0x00, 0x00, 0x02, 0x08, 0x06, 0x50, 0x00,
	0x07, 0x05, 0x81, 0x02, 0x00, 0x02, 0x00, 0x07, 0x05, 0x02, 0x02, 0x00,
	0x02, 0x00, 0x09, 0x04, 0x01, 0x00, 0x01, 0x03, 0x01, 0x01, 0x00, 0x09,
	0x21, 0x11, 0x01, 0x00, 0x01, 0x22, 0x41, 0x00, 0x07, 0x05, 0x83, 0x03,
	0x08, 0x00, 0x0a,
};

#define NDEVS	4
static struct usbdev *devs[NDEVS];

static struct usbdev *
make_dev(const uint8_t *p, size_t n, const char *serial, const char *name,
    const char *port)
{
	struct usbdev *d;

	CHECK((d = usbdev_new()) != NULL);
	if (p != NULL)
		CHECK(usbdev_parse_descriptors(d, p, n, NULL, 0) == 0);
	CHECK(usbdev_set_serial(d, serial, strlen(serial)) == 0);
	CHECK(usbdev_set_name(d, name, strlen(name)) == 0);
	CHECK(usbdev_set_connect_type(d, "hotplug", 7) == 0);
	CHECK(usbdev_set_port(d, port) == 0);
	CHECK(usbdev_set_parent_hash(d,
	    "WHBTxNaEoMGNSNc31KpFNSAeFF4HbLMQgSBqORlC6S8=") == 0);
	return d;
}

static void
init_once(void)
{
	static int done;

	if (done)
		return;
	CHECK(cry_init(1 << 16, 0) == 0);
	devs[0] = make_dev(sandisk, sizeof(sandisk), "4C530001230517118283",
	    "Cruzer Blade", "1-1");
	devs[1] = make_dev(uasp, sizeof(uasp), "", "a\"b\\c\x1b[2J\xff",
	    "2-1.4");
	devs[2] = make_dev(badusb, sizeof(badusb), "3A5C0FE1",
	    "Mass Storage", "1-2");
	devs[3] = make_dev(NULL, 0, "", "", "usb1");	/* not parsed */
	done = 1;
}

static void
check_error(const struct usbrule_error *e, int r, const uint8_t *p,
    size_t n)
{
	size_t lines = 1, i;

	CHECK(r == MK_ERR_CONFIG || r == MK_ERR_TOO_LARGE);
	for (i = 0; i < n; i++)
		lines += p[i] == '\n';
	CHECK(e->line <= lines);
	CHECK(e->line == 0 ? r == MK_ERR_TOO_LARGE : e->column >= 1);
	CHECK(e->msg[0] != '\0');
	CHECK(memchr(e->token, '\0', sizeof(e->token)) != NULL);
	for (i = 0; e->token[i] != '\0'; i++)
		CHECK((uint8_t)e->token[i] >= 0x20 && e->token[i] != 0x7f);
}

/* Rule i alone, in canonical form, as a rules file of its own. */
static struct usbrules *
alone(const struct usbrules *rs, size_t i, char *buf, size_t len)
{
	struct usbrules *one;

	CHECK(usbrules_render(rs, i, buf, len) == 0);
	CHECK(strchr(buf, '\n') == NULL);
	CHECK(usbrules_parse(buf, strlen(buf), &one, NULL) == 0);
	CHECK(usbrules_count(one) == 1);
	return one;
}

static int
applies(const struct usbrules *one, const struct usbdev *d)
{
	enum usbrule_target t;
	int i;

	CHECK(usbrules_match(one, d, &t, &i) == 0);
	CHECK(i == -1 || (i == 0 && t == usbrules_target(one, 0)));
	return i == 0;
}

static void
check_rules(const struct usbrules *rs)
{
	static char a[USBRULE_LINE_MAX + 1], b[USBRULE_LINE_MAX + 1];
	struct usbrules *one;
	enum usbrule_target t;
	int first[NDEVS], i, k;
	size_t r;

	for (k = 0; k < NDEVS; k++) {
		CHECK(usbrules_match(rs, devs[k], &t, &first[k]) == 0);
		CHECK(first[k] >= -1 && first[k] < (int)usbrules_count(rs));
		CHECK(first[k] >= 0 ? t == usbrules_target(rs,
		    (size_t)first[k]) : t == USBRULE_BLOCK);
	}
	for (r = 0; r < usbrules_count(rs); r++) {
		CHECK(r == 0 ||
		    usbrules_line(rs, r) > usbrules_line(rs, r - 1));
		one = alone(rs, r, a, sizeof(a));
		CHECK(usbrules_render(one, 0, b, sizeof(b)) == 0);
		CHECK(strcmp(a, b) == 0);
		CHECK(usbrules_target(one, 0) == usbrules_target(rs, r));
		CHECK(usbrules_registers(one, 0) == usbrules_registers(rs, r));
		for (k = 0; k < NDEVS; k++) {
			i = applies(one, devs[k]);
			if (first[k] == (int)r)
				CHECK(i);
			else if (first[k] == -1 || (int)r < first[k])
				CHECK(!i);
		}
		usbrules_free(one);
	}
}

static void
fuzz_rules(const uint8_t *p, size_t n)
{
	struct usbrule_error e;
	struct usbrules *rs;
	int r;

	memset(&e, 0, sizeof(e));
	r = usbrules_parse(p, n, &rs, &e);
	if (r != 0) {
		CHECK(rs == NULL);
		check_error(&e, r, p, n);
		return;
	}
	check_rules(rs);
	usbrules_free(rs);
}

/* A descriptors attribute for one configuration holding the interface
 * triples (at most 32), behind a device descriptor of class cls. */
static size_t
build(uint8_t *out, uint8_t cls, const uint8_t *tri, size_t count)
{
	static const uint8_t dev[18] = {
		18, 1, 0x00, 0x02, 0, 0, 0, 64, 0x34, 0x12, 0x78, 0x56,
		0x00, 0x01, 1, 2, 3, 1,
	};
	size_t n = 0, i, total;

	memcpy(out, dev, 18);
	out[4] = cls;
	n = 18;
	memcpy(out + n, "\x09\x02\x00\x00\x00\x01\x00\x80\x32", 9);
	out[n + 4] = (uint8_t)count;
	n += 9;
	for (i = 0; i < count; i++, n += 9) {
		memcpy(out + n, "\x09\x04\x00\x00\x00\x00\x00\x00\x00", 9);
		out[n + 2] = (uint8_t)i;
		memcpy(out + n + 5, tri + 3 * i, 3);
	}
	total = n - 18;
	out[18 + 2] = (uint8_t)total;
	out[18 + 3] = (uint8_t)(total >> 8);
	return n;
}

static void
fuzz_device(const uint8_t *p, size_t n)
{
	static char a[USBRULE_LINE_MAX + 1], b[USBRULE_LINE_MAX + 1];
	uint8_t blob[18 + 9 + 9 * USBDEV_IFACES_MAX];
	size_t sl, nl, count;
	struct usbrules *rs;
	struct usbdev *d;

	if (n < 3)
		return;
	sl = p[0] <= n - 3 ? p[0] : n - 3;	/* serial bytes */
	nl = p[1] <= n - 3 - sl ? p[1] : n - 3 - sl;
	count = (n - 3 - sl - nl) / 3;
	if (count > USBDEV_IFACES_MAX)
		count = USBDEV_IFACES_MAX;
	CHECK((d = usbdev_new()) != NULL);
	CHECK(usbdev_parse_descriptors(d, blob, build(blob, p[2],
	    p + 3 + sl + nl, count), NULL, 0) == 0);
	CHECK(usbdev_set_serial(d, p + 3, sl) == 0);
	CHECK(usbdev_set_name(d, p + 3 + sl, nl) == 0);
	CHECK(usbrule_render_device(d, USBRULE_ALLOW, a, sizeof(a)) == 0);
	CHECK(usbrules_parse(a, strlen(a), &rs, NULL) == 0);
	CHECK(usbrules_count(rs) == 1 && usbrules_registers(rs, 0));
	CHECK(usbrules_render(rs, 0, b, sizeof(b)) == 0 && strcmp(a, b) == 0);
	CHECK(applies(rs, d));
	usbrules_free(rs);
	usbdev_free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init_once();
	if (size == 0)
		return 0;
	if (data[0] & 1)
		fuzz_device(data + 1, size - 1);
	else
		fuzz_rules(data + 1, size - 1);
	return 0;
}
