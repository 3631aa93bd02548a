/*
 * usbguard/usbdev: the descriptor parser on the fixtures of tests/data/usb
 * (faithful copies of what sysfs shows for real devices) and on every kind
 * of malformed input; the device hash against what USBGuard 1.1.2 itself
 * computed for the same fixtures (tests/data/usb/usbguard-1.1.2.txt); the
 * bounds of the text attributes; the escaped one-line description.
 * Run from the top of the source tree (tests/run-all does).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>

#include "common/err.h"
#include "crypto/cry.h"
#include "usbguard/usbdev.h"
#include "usbfix.h"

#define PCI_PATH	"/devices/pci0000:00/0000:00:14.0"

/* The documented test vector (docs/usb-rules.md). */
#define SANDISK_HASH	"F9VHPRBS5Y2hRLUA/Qp2fcFtbh/l4O9ARfOrabLXv0o="
#define ROOTHUB_HASH	"WHBTxNaEoMGNSNc31KpFNSAeFF4HbLMQgSBqORlC6S8="
#define PCI_HASH	"rV9bfLq7c2eA4tYjVjwO4bxhm+y6GgZpl9J60L0fBkY="

static uint8_t *
read_fixture(const char *name, size_t *len)
{
	char path[256];

	assert_true(snprintf(path, sizeof(path), FIXTURES "%s", name) <
	    (int)sizeof(path));
	return read_file(path, len);
}

static void
check_iface(const struct usbdev *d, size_t i, unsigned cfg, unsigned num,
    unsigned alt, unsigned cls, unsigned sub, unsigned proto)
{
	const struct usbdev_iface *it = usbdev_iface(d, i);

	assert_non_null(it);
	assert_int_equal(it->config, cfg);
	assert_int_equal(it->number, num);
	assert_int_equal(it->alt, alt);
	assert_int_equal(it->cls, cls);
	assert_int_equal(it->subcls, sub);
	assert_int_equal(it->proto, proto);
}

static void
test_parse_stick(void **state)
{
	struct usbdev *d;
	const uint8_t *p;
	uint8_t c, s, pr;
	size_t n;

	(void)state;
	d = fixture("stick-sandisk.bin");
	assert_true(usbdev_parsed(d));
	assert_int_equal(usbdev_vendor(d), 0x0781);
	assert_int_equal(usbdev_product(d), 0x5567);
	assert_int_equal(usbdev_bcd_device(d), 0x0126);
	usbdev_class(d, &c, &s, &pr);
	assert_int_equal(c | s | pr, 0);
	assert_int_equal(usbdev_nconfigs(d), 1);
	assert_int_equal(usbdev_niface(d), 1);
	check_iface(d, 0, 0, 0, 0, 0x08, 0x06, 0x50);
	assert_null(usbdev_iface(d, 1));
	assert_int_equal(usbdev_nfunc(d), 0);
	assert_null(usbdev_func(d, 0));
	p = usbdev_serial(d, &n);
	assert_int_equal(n, 20);
	assert_memory_equal(p, "4C530001230517118283", 20);
	p = usbdev_name(d, &n);
	assert_int_equal(n, 12);
	assert_memory_equal(p, "Cruzer Blade", 12);
	p = usbdev_manufacturer(d, &n);
	assert_int_equal(n, 7);
	assert_memory_equal(p, "SanDisk", 7);
	p = usbdev_connect_type(d, &n);
	assert_int_equal(n, 7);
	assert_memory_equal(p, "hotplug", 7);
	assert_string_equal(usbdev_port(d), "");
	assert_string_equal(usbdev_parent_hash(d), "");
	usbdev_free(d);
}

/* Alternate settings and configurations all count, in descriptor order. */
static void
test_parse_alternates_and_configs(void **state)
{
	struct usbdev *d;
	size_t i;

	(void)state;
	d = fixture("uasp-jms578.bin");
	assert_int_equal(usbdev_niface(d), 2);
	check_iface(d, 0, 0, 0, 0, 0x08, 0x06, 0x50);
	check_iface(d, 1, 0, 0, 1, 0x08, 0x06, 0x62);
	usbdev_free(d);

	d = fixture("eth-rtl8153.bin");
	assert_int_equal(usbdev_nconfigs(d), 2);
	assert_int_equal(usbdev_niface(d), 4);
	check_iface(d, 0, 0, 0, 0, 0xff, 0xff, 0x00);
	check_iface(d, 1, 1, 0, 0, 0x02, 0x06, 0x00);
	check_iface(d, 2, 1, 1, 0, 0x0a, 0x00, 0x00);
	check_iface(d, 3, 1, 1, 1, 0x0a, 0x00, 0x00);
	usbdev_free(d);

	d = fixture("bt-csr8510.bin");
	assert_int_equal(usbdev_niface(d), 7);
	for (i = 1; i < 7; i++)
		check_iface(d, i, 0, 1, (unsigned)i - 1, 0xe0, 0x01, 0x01);
	usbdev_free(d);

	d = fixture("badusb-twocfg.bin");
	assert_int_equal(usbdev_nconfigs(d), 2);
	check_iface(d, 0, 0, 0, 0, 0x08, 0x06, 0x50);
	check_iface(d, 1, 1, 0, 0, 0x03, 0x01, 0x01);
	usbdev_free(d);
}

static void
test_parse_association(void **state)
{
	const struct usbdev_func *fn;
	struct usbdev *d;
	uint8_t c, s, p;

	(void)state;
	d = fixture("phone-rndis.bin");
	usbdev_class(d, &c, &s, &p);
	assert_int_equal(c, 0xef);
	assert_int_equal(s, 0x02);
	assert_int_equal(p, 0x01);
	assert_int_equal(usbdev_nfunc(d), 1);
	assert_non_null(fn = usbdev_func(d, 0));
	assert_int_equal(fn->first, 0);
	assert_int_equal(fn->count, 2);
	assert_int_equal(fn->cls, 0xe0);
	assert_int_equal(fn->subcls, 0x01);
	assert_int_equal(fn->proto, 0x03);
	check_iface(d, 0, 0, 0, 0, 0xe0, 0x01, 0x03);
	check_iface(d, 1, 0, 1, 0, 0x0a, 0x00, 0x00);
	usbdev_free(d);
}

/* "with-interface X" or "with-interface { X Y }" of a USBGuard rule. */
static void
usbguard_ifaces(const char *rule, char *out, size_t outlen)
{
	const char *p, *e;

	assert_non_null(p = strstr(rule, " with-interface "));
	p += strlen(" with-interface ");
	if (*p == '{') {
		p += 2;
		assert_non_null(e = strstr(p, " }"));
	} else {
		assert_non_null(e = strchr(p, ' '));
	}
	assert_true((size_t)(e - p) < outlen);
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
}

static void
our_ifaces(const struct usbdev *d, char *out, size_t outlen)
{
	const struct usbdev_iface *it;
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; (it = usbdev_iface(d, i)) != NULL; i++) {
		assert_true(o + 10 < outlen);
		o += (size_t)snprintf(out + o, outlen - o, "%s%02x:%02x:%02x",
		    i > 0 ? " " : "", it->cls, it->subcls, it->proto);
	}
}

/* "hash "X"" or "parent-hash "X"" of a USBGuard rule. */
static void
usbguard_attr(const char *rule, const char *attr, char out[USBDEV_HASH_LEN])
{
	const char *p;

	assert_non_null(p = strstr(rule, attr));
	p += strlen(attr);
	memcpy(out, p, USBDEV_HASH_LEN - 1);
	out[USBDEV_HASH_LEN - 1] = '\0';
	assert_true(usbdev_is_hash(out, strlen(out)));
}

/*
 * The hash and the interface list agree with what USBGuard 1.1.2 wrote
 * for every fixture: rules from `usbguard generate-policy` carry over.
 */
static void
test_hash_matches_usbguard(void **state)
{
	char *text, *line, *save = NULL, *tab;
	char want[USBDEV_HASH_LEN], got[USBDEV_HASH_LEN];
	char wif[512], gif[512];
	struct usbdev *d;
	size_t len;
	int count = 0;

	(void)state;
	text = (char *)read_file(FIXTURES "usbguard-1.1.2.txt", &len);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		assert_non_null(tab = strchr(line, '\t'));
		*tab = '\0';
		d = fixture(line);
		assert_int_equal(usbdev_hash(d, got), 0);
		usbguard_attr(tab + 1, " hash \"", want);
		assert_string_equal(got, want);
		usbguard_attr(tab + 1, " parent-hash \"", want);
		assert_string_equal(want, strcmp(line, "roothub-ehci.bin") ==
		    0 ? PCI_HASH : ROOTHUB_HASH);
		usbguard_ifaces(tab + 1, wif, sizeof(wif));
		our_ifaces(d, gif, sizeof(gif));
		assert_string_equal(gif, wif);
		usbdev_free(d);
		count++;
	}
	assert_int_equal(count, 17);
	free(text);
}

static void
test_hash_vector(void **state)
{
	char h[USBDEV_HASH_LEN];
	struct usbdev *d;

	(void)state;
	d = fixture("stick-sandisk.bin");
	assert_int_equal(usbdev_hash(d, h), 0);
	assert_string_equal(h, SANDISK_HASH);
	/* Every input counts: the serial, and the name. */
	assert_int_equal(usbdev_set_serial(d, "4C530001230517118284", 20), 0);
	assert_int_equal(usbdev_hash(d, h), 0);
	assert_string_not_equal(h, SANDISK_HASH);
	assert_int_equal(usbdev_set_serial(d, "4C530001230517118283", 20), 0);
	assert_int_equal(usbdev_set_name(d, "Cruzer Blade ", 13), 0);
	assert_int_equal(usbdev_hash(d, h), 0);
	assert_string_not_equal(h, SANDISK_HASH);
	usbdev_free(d);

	assert_int_equal(usbdev_hash_path(PCI_PATH, h), 0);
	assert_string_equal(h, PCI_HASH);
	assert_int_equal(usbdev_hash_path("", h), MK_ERR_ARGUMENT);
	assert_int_equal(usbdev_hash_path(NULL, h), MK_ERR_ARGUMENT);
}

/* A root hub's bcdDevice (the kernel version) does not count; any other
 * device's does. */
static void
test_hash_root_hub(void **state)
{
	char h[USBDEV_HASH_LEN];
	struct usbdev *d;
	uint8_t *p;
	size_t n;

	(void)state;
	p = read_fixture("roothub-ehci.bin", &n);
	assert_non_null(d = usbdev_new());
	p[12] = 0x19;			/* kernel 6.1 -> 6.25 */
	assert_int_equal(usbdev_parse_descriptors(d, p, n, NULL, 0), 0);
	set_strings(d, "roothub-ehci.bin");
	assert_int_equal(usbdev_hash(d, h), 0);
	assert_string_equal(h, ROOTHUB_HASH);
	usbdev_free(d);
	free(p);

	p = read_fixture("stick-sandisk.bin", &n);
	assert_non_null(d = usbdev_new());
	p[12] ^= 1;
	assert_int_equal(usbdev_parse_descriptors(d, p, n, NULL, 0), 0);
	set_strings(d, "stick-sandisk.bin");
	assert_int_equal(usbdev_hash(d, h), 0);
	assert_string_not_equal(h, SANDISK_HASH);
	usbdev_free(d);
	free(p);

	assert_non_null(d = usbdev_new());
	assert_int_equal(usbdev_hash(d, h), MK_ERR_ARGUMENT);
	assert_string_equal(h, "");
	usbdev_free(d);
}

/*
 * A growing blob for malformed variants: a device descriptor, then
 * configurations whose wTotalLength is fixed up at the end.
 */
struct blob {
	uint8_t	p[70000];
	size_t	n;
	size_t	cfg;		/* offset of the open configuration */
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

static void
blob_device(struct blob *b, uint8_t cls, uint8_t nconf)
{
	b->n = 0;
	put(b, 18, 18, 1, 0x00, 0x02, cls, 0, 0, 64, 0x34, 0x12, 0x78, 0x56,
	    0x00, 0x01, 1, 2, 3, nconf);
}

static void
blob_config(struct blob *b, uint8_t nintf)
{
	b->cfg = b->n;
	put(b, 9, 9, 2, 0, 0, nintf, 1, 0, 0x80, 50);
}

static void
blob_close(struct blob *b)
{
	size_t total = b->n - b->cfg;

	b->p[b->cfg + 2] = (uint8_t)(total & 0xff);
	b->p[b->cfg + 3] = (uint8_t)(total >> 8);
}

static void
blob_iface(struct blob *b, uint8_t num, uint8_t alt, uint8_t cls,
    uint8_t sub, uint8_t proto)
{
	put(b, 9, 9, 4, num, alt, 1, cls, sub, proto, 0);
	put(b, 7, 7, 5, 0x81, 2, 0x00, 0x02, 0);
}

static int
parse_blob(const struct blob *b, char *why, size_t whylen)
{
	struct usbdev *d;
	int r;

	assert_non_null(d = usbdev_new());
	r = usbdev_parse_descriptors(d, b->p, b->n, why, whylen);
	assert_int_equal(usbdev_parsed(d), r == 0);
	if (r != 0) {
		assert_int_equal(usbdev_niface(d), 0);
		assert_int_equal(usbdev_nconfigs(d), 0);
		assert_true(strlen(why) > 0);
	}
	usbdev_free(d);
	return r;
}

static void
one_storage_config(struct blob *b)
{
	blob_device(b, 0, 1);
	blob_config(b, 1);
	blob_iface(b, 0, 0, 0x08, 0x06, 0x50);
	blob_close(b);
}

static void
test_malformed_header(void **state)
{
	static struct blob b;
	char why[160];

	(void)state;
	one_storage_config(&b);
	assert_int_equal(parse_blob(&b, why, sizeof(why)), 0);
	b.n = 17;
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_TRUNCATED);
	b.n = 0;
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_TRUNCATED);

	one_storage_config(&b);
	b.p[0] = 0;			/* bLength 0 */
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_FORMAT);
	one_storage_config(&b);
	b.p[0] = 19;
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_FORMAT);
	one_storage_config(&b);
	b.p[1] = 2;			/* not a device descriptor */
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_FORMAT);
	one_storage_config(&b);
	b.p[17] = 0;			/* no configuration */
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_FORMAT);
	one_storage_config(&b);
	b.p[17] = 9;			/* more than the kernel keeps */
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_TOO_LARGE);
	one_storage_config(&b);
	b.p[17] = 2;			/* announced, missing */
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_TRUNCATED);
	one_storage_config(&b);
	put(&b, 3, 9, 2, 0);		/* trailing garbage */
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_TRAILING);
	assert_non_null(strstr(why, "after the last configuration"));
}

static void
test_malformed_config(void **state)
{
	static struct blob b;
	char why[160];

	(void)state;
	one_storage_config(&b);
	b.p[18 + 2] = (uint8_t)(b.n - 18 + 1);	/* wTotalLength too big */
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_FORMAT);
	assert_non_null(strstr(why, "wTotalLength"));
	one_storage_config(&b);
	b.p[18 + 2] = 8;			/* below its own header */
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_FORMAT);
	one_storage_config(&b);
	b.p[18 + 2] = (uint8_t)(b.n - 18 - 7);	/* endpoint left outside */
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_TRAILING);
	one_storage_config(&b);
	b.p[18 + 2] = (uint8_t)(b.n - 18 - 3);	/* cuts the endpoint */
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_FORMAT);
	one_storage_config(&b);
	b.p[18] = 10;				/* config bLength */
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_FORMAT);
	one_storage_config(&b);
	b.p[18 + 4] = 33;			/* bNumInterfaces */
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_TOO_LARGE);
	one_storage_config(&b);
	b.n = 18 + 5;				/* header cut */
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_TRUNCATED);
}

static void
test_malformed_sub(void **state)
{
	static struct blob b;
	char why[160];

	(void)state;
	one_storage_config(&b);
	b.p[27] = 0;			/* bLength 0: no endless loop */
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_FORMAT);
	one_storage_config(&b);
	b.p[27] = 1;
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_FORMAT);
	one_storage_config(&b);
	b.p[27] = 8;			/* interface too short */
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_FORMAT);
	one_storage_config(&b);
	b.p[36] = 6;			/* endpoint too short */
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_FORMAT);
	one_storage_config(&b);
	b.p[36] = 200;			/* runs past the configuration */
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_FORMAT);

	blob_device(&b, 0, 1);		/* endpoint before any interface */
	blob_config(&b, 1);
	put(&b, 7, 7, 5, 0x81, 2, 0x00, 0x02, 0);
	blob_iface(&b, 0, 0, 0x08, 0x06, 0x50);
	blob_close(&b);
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_FORMAT);
	assert_non_null(strstr(why, "before any interface"));

	blob_device(&b, 0, 1);		/* nested configuration descriptor */
	blob_config(&b, 1);
	blob_iface(&b, 0, 0, 0x03, 0x01, 0x01);
	put(&b, 9, 9, 2, 9, 0, 1, 2, 0, 0x80, 50);
	blob_close(&b);
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_FORMAT);

	blob_device(&b, 0, 1);		/* nested device descriptor */
	blob_config(&b, 1);
	put(&b, 18, 18, 1, 0, 2, 0, 0, 0, 64, 1, 2, 3, 4, 0, 1, 0, 0, 0, 1);
	blob_close(&b);
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_FORMAT);

	blob_device(&b, 0, 1);		/* association of the wrong size */
	blob_config(&b, 1);
	put(&b, 9, 9, 0x0b, 0, 2, 0xe0, 1, 3, 0, 0);
	blob_close(&b);
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_FORMAT);
}

static void
test_limits(void **state)
{
	static struct blob b;
	char why[160];
	int i;

	(void)state;
	/* 32 interface descriptors fit in one configuration, 33 do not. */
	blob_device(&b, 0, 1);
	blob_config(&b, 32);
	for (i = 0; i < 32; i++)
		blob_iface(&b, (uint8_t)i, 0, 0x03, 0, 0);
	blob_close(&b);
	assert_int_equal(parse_blob(&b, why, sizeof(why)), 0);
	blob_iface(&b, 0, 1, 0x03, 0, 0);
	blob_close(&b);
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_TOO_LARGE);

	/* 8 configurations of 32 interfaces: the most a device may show. */
	blob_device(&b, 0, 8);
	for (int c = 0; c < 8; c++) {
		blob_config(&b, 32);
		for (i = 0; i < 32; i++)
			blob_iface(&b, (uint8_t)i, 0, 0x03, 0, 0);
		blob_close(&b);
	}
	assert_int_equal(parse_blob(&b, why, sizeof(why)), 0);

	blob_device(&b, 0, 1);
	blob_config(&b, 1);
	for (i = 0; i < 17; i++)
		put(&b, 8, 8, 0x0b, 0, 1, 0x03, 0, 0, 0);
	blob_close(&b);
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_TOO_LARGE);

	/* Past USBDEV_DESC_MAX, whatever it holds. */
	blob_device(&b, 0, 2);
	for (int c = 0; c < 2; c++) {
		blob_config(&b, 1);
		while (b.n - b.cfg < 32768 + 9)
			put(&b, 3, 3, 0x24, 0);
		blob_close(&b);
	}
	assert_true(b.n > USBDEV_DESC_MAX);
	assert_int_equal(parse_blob(&b, why, sizeof(why)), MK_ERR_TOO_LARGE);
}

/* Every prefix of every fixture is refused, never read past, and leaves
 * nothing of an earlier parse behind. */
static void
test_every_truncation(void **state)
{
	static const char *const names[] = {
		"stick-sandisk.bin", "uasp-jms578.bin", "eth-rtl8153.bin",
		"bt-csr8510.bin", "phone-rndis.bin", "modem-e3372.bin",
		"badusb-twocfg.bin", "keyboard-k120.bin",
	};
	struct usbdev *d;
	uint8_t *p, *cut;
	size_t n, i, k;

	(void)state;
	assert_non_null(d = usbdev_new());
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		p = read_fixture(names[k], &n);
		for (i = 0; i < n; i++) {
			assert_int_equal(usbdev_parse_descriptors(d, p, n,
			    NULL, 0), 0);
			/* An exact-size copy, so ASan sees any over-read. */
			assert_non_null(cut = malloc(i > 0 ? i : 1));
			memcpy(cut, p, i);
			assert_int_not_equal(usbdev_parse_descriptors(d, cut,
			    i, NULL, 0), 0);
			assert_false(usbdev_parsed(d));
			assert_int_equal(usbdev_vendor(d), 0);
			assert_int_equal(usbdev_niface(d), 0);
			free(cut);
		}
		free(p);
	}
	assert_int_equal(usbdev_parse_descriptors(d, NULL, 0, NULL, 0),
	    MK_ERR_TRUNCATED);
	assert_int_equal(usbdev_parse_descriptors(d, NULL, 5, NULL, 0),
	    MK_ERR_ARGUMENT);
	usbdev_free(d);
	usbdev_free(NULL);
}

static void
test_string_bounds(void **state)
{
	static char big[USBDEV_STR_MAX + 1];
	struct usbdev *d;
	const uint8_t *p;
	size_t n;

	(void)state;
	memset(big, 0xff, sizeof(big));
	assert_non_null(d = usbdev_new());
	assert_int_equal(usbdev_set_serial(d, "ABC", 3), 0);
	assert_int_equal(usbdev_set_serial(d, big, USBDEV_STR_MAX + 1),
	    MK_ERR_TOO_LARGE);
	p = usbdev_serial(d, &n);
	assert_int_equal(n, 3);			/* the old value stays */
	assert_memory_equal(p, "ABC", 3);
	assert_int_equal(usbdev_set_serial(d, big, USBDEV_STR_MAX), 0);
	p = usbdev_serial(d, &n);
	assert_int_equal(n, USBDEV_STR_MAX);
	assert_int_equal(usbdev_set_name(d, big, USBDEV_STR_MAX + 1),
	    MK_ERR_TOO_LARGE);
	assert_int_equal(usbdev_set_manufacturer(d, big, USBDEV_STR_MAX + 1),
	    MK_ERR_TOO_LARGE);
	assert_int_equal(usbdev_set_name(d, NULL, 1), MK_ERR_ARGUMENT);
	assert_int_equal(usbdev_set_name(d, NULL, 0), 0);
	/* NUL bytes are data like any other. */
	assert_int_equal(usbdev_set_name(d, "a\0b", 3), 0);
	p = usbdev_name(d, &n);
	assert_int_equal(n, 3);
	assert_int_equal(usbdev_set_connect_type(d, big,
	    USBDEV_CONNECT_MAX + 1), MK_ERR_TOO_LARGE);
	assert_int_equal(usbdev_set_connect_type(d, NULL, 1), MK_ERR_ARGUMENT);
	assert_int_equal(usbdev_set_connect_type(d, "hardwired", 9), 0);
	p = usbdev_connect_type(d, &n);
	assert_int_equal(n, 9);
	usbdev_free(d);
}

static void
test_port_and_parent(void **state)
{
	char longport[USBDEV_PORT_MAX + 2];
	struct usbdev *d;

	(void)state;
	assert_non_null(d = usbdev_new());
	assert_int_equal(usbdev_set_port(d, "1-1.2"), 0);
	assert_string_equal(usbdev_port(d), "1-1.2");
	assert_int_equal(usbdev_set_port(d, "usb1"), 0);
	assert_int_equal(usbdev_set_port(d, ""), MK_ERR_ARGUMENT);
	assert_int_equal(usbdev_set_port(d, NULL), MK_ERR_ARGUMENT);
	assert_int_equal(usbdev_set_port(d, "1-1\"x"), MK_ERR_ARGUMENT);
	assert_int_equal(usbdev_set_port(d, "1-1 2"), MK_ERR_ARGUMENT);
	assert_int_equal(usbdev_set_port(d, "1-1\x1b"), MK_ERR_ARGUMENT);
	memset(longport, '1', sizeof(longport));
	longport[USBDEV_PORT_MAX + 1] = '\0';
	assert_int_equal(usbdev_set_port(d, longport), MK_ERR_ARGUMENT);
	assert_string_equal(usbdev_port(d), "usb1");	/* kept */
	longport[USBDEV_PORT_MAX] = '\0';
	assert_int_equal(usbdev_set_port(d, longport), 0);
	assert_string_equal(usbdev_port(d), longport);

	assert_int_equal(usbdev_set_parent_hash(d, ROOTHUB_HASH), 0);
	assert_string_equal(usbdev_parent_hash(d), ROOTHUB_HASH);
	assert_int_equal(usbdev_set_parent_hash(d, "abc"), MK_ERR_ARGUMENT);
	assert_int_equal(usbdev_set_parent_hash(d, NULL), MK_ERR_ARGUMENT);
	assert_string_equal(usbdev_parent_hash(d), ROOTHUB_HASH);
	usbdev_free(d);

	assert_true(usbdev_is_hash(ROOTHUB_HASH, 44));
	assert_false(usbdev_is_hash(ROOTHUB_HASH, 43));
	assert_false(usbdev_is_hash("WHBTxNaEoMGNSNc31KpFNSAeFF4HbLMQgSBq"
	    "ORlC6S8", 43));
	assert_false(usbdev_is_hash("WHBTxNaEoMGNSNc31KpFNSAeFF4HbLMQgSBq"
	    "ORlC6S==", 44));
	assert_false(usbdev_is_hash("WHBTxNaEoMGNSNc31KpF-SAeFF4HbLMQgSBq"
	    "ORlC6S8=", 44));
	assert_false(usbdev_is_hash(NULL, 44));
}

static void
test_describe(void **state)
{
	char out[USBDEV_DESCRIBE_MAX];
	struct usbdev *d;

	(void)state;
	d = fixture("stick-sandisk.bin");
	assert_int_equal(usbdev_set_port(d, "1-1.2"), 0);
	assert_int_equal(usbdev_describe(d, out, sizeof(out)), 0);
	assert_string_equal(out, "0781:5567 name \"Cruzer Blade\" manufacturer "
	    "\"SanDisk\" serial \"4C530001230517118283\" port \"1-1.2\" "
	    "connect \"hotplug\" class 00:00:00 interfaces { 08:06:50 }");
	/* Too small: refused, cut whole, terminated. */
	assert_int_equal(usbdev_describe(d, out, 20), MK_ERR_TOO_LARGE);
	assert_string_equal(out, "0781:5567 name ");
	usbdev_free(d);

	d = fixture("eth-rtl8153.bin");
	assert_int_equal(usbdev_describe(d, out, sizeof(out)), 0);
	assert_non_null(strstr(out, " interfaces { ff:ff:00 | 02:06:00 "
	    "0a:00:00 0a:00:00 }"));
	usbdev_free(d);

	d = fixture("phone-rndis.bin");
	assert_int_equal(usbdev_describe(d, out, sizeof(out)), 0);
	assert_non_null(strstr(out, " class ef:02:01 interfaces { e0:01:03 "
	    "0a:00:00 } functions { e0:01:03 }"));
	usbdev_free(d);

	assert_non_null(d = usbdev_new());
	assert_int_equal(usbdev_describe(d, out, sizeof(out)), 0);
	assert_string_equal(out, "????:???? (descriptors not parsed) name \"\" "
	    "manufacturer \"\" serial \"\" port \"\" connect \"\"");
	usbdev_free(d);
}

/* Hostile strings are escaped for display and kept raw for matching. */
static void
test_describe_hostile(void **state)
{
	static const char evil[] = "a\"b\\c\x1b[2J\xe1\xbb\x87\xff #x";
	char out[USBDEV_DESCRIBE_MAX];
	struct usbdev *d;
	const uint8_t *p;
	size_t n;

	(void)state;
	d = fixture("keyboard-k120.bin");
	assert_int_equal(usbdev_set_name(d, evil, sizeof(evil) - 1), 0);
	p = usbdev_name(d, &n);
	assert_int_equal(n, sizeof(evil) - 1);
	assert_memory_equal(p, evil, n);
	assert_int_equal(usbdev_describe(d, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "name \"a\\x22b\\\\c\\x1b[2J\xe1\xbb\x87"
	    "\\xff #x\" manufacturer"));
	assert_null(strchr(out, 0x1b));
	assert_null(strchr(out, '\xff'));
	usbdev_free(d);
}

/* The longest possible description fits in USBDEV_DESCRIBE_MAX. */
static void
test_describe_worst_case(void **state)
{
	static struct blob b;
	static char big[USBDEV_STR_MAX];
	char out[USBDEV_DESCRIBE_MAX], port[USBDEV_PORT_MAX + 1];
	struct usbdev *d;
	int c, i;

	(void)state;
	blob_device(&b, 0xef, 8);
	for (c = 0; c < 8; c++) {
		blob_config(&b, 32);
		for (i = 0; i < 16; i++)
			put(&b, 8, 8, 0x0b, 0, 1, 0xe0, 1, 3, 0);
		for (i = 0; i < 32; i++)
			blob_iface(&b, (uint8_t)i, 0, 0xff, 0xff, 0xff);
		blob_close(&b);
	}
	assert_non_null(d = usbdev_new());
	assert_int_equal(usbdev_parse_descriptors(d, b.p, b.n, NULL, 0), 0);
	memset(big, 0x9b, sizeof(big));		/* C1 CSI: \x9b each */
	assert_int_equal(usbdev_set_name(d, big, sizeof(big)), 0);
	assert_int_equal(usbdev_set_manufacturer(d, big, sizeof(big)), 0);
	assert_int_equal(usbdev_set_serial(d, big, sizeof(big)), 0);
	assert_int_equal(usbdev_set_connect_type(d, big, USBDEV_CONNECT_MAX),
	    0);
	memset(port, '9', USBDEV_PORT_MAX);
	port[USBDEV_PORT_MAX] = '\0';
	assert_int_equal(usbdev_set_port(d, port), 0);
	assert_int_equal(usbdev_describe(d, out, sizeof(out)), 0);
	assert_true(strlen(out) > 8000);
	usbdev_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_stick),
		cmocka_unit_test(test_parse_alternates_and_configs),
		cmocka_unit_test(test_parse_association),
		cmocka_unit_test(test_hash_matches_usbguard),
		cmocka_unit_test(test_hash_vector),
		cmocka_unit_test(test_hash_root_hub),
		cmocka_unit_test(test_malformed_header),
		cmocka_unit_test(test_malformed_config),
		cmocka_unit_test(test_malformed_sub),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_string_bounds),
		cmocka_unit_test(test_port_and_parent),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_describe_hostile),
		cmocka_unit_test(test_describe_worst_case),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
