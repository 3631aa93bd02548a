/*
 * One USB device as the daemon knows it from udev and sysfs, before it
 * decides whether the kernel may use it (docs/usb-rules.md).
 *
 * The daemon fills a struct usbdev from the device's sysfs directory:
 *
 *   descriptors        -> usbdev_parse_descriptors (ids, classes, every
 *                         interface of every configuration)
 *   product            -> usbdev_set_name
 *   manufacturer       -> usbdev_set_manufacturer
 *   serial             -> usbdev_set_serial
 *   sysname ("1-1.2")  -> usbdev_set_port
 *   port/connect_type  -> usbdev_set_connect_type
 *   parent             -> usbdev_set_parent_hash (the parent device's
 *                         usbdev_hash, or usbdev_hash_path of the
 *                         controller's DEVPATH for a root hub)
 *
 * Text attributes are passed as the bytes sysfs returned, less the one
 * newline sysfs adds at the end (USBGuard drops exactly that byte too).
 * They are hostile: they may hold control characters, terminal escapes
 * and invalid UTF-8. They are kept raw (rules match them byte for byte)
 * and escaped only when formatted (usbdev_describe). A missing attribute
 * is the empty string, as in USBGuard.
 *
 * The descriptors attribute is what a device shows even while it is not
 * authorized (it has no interface entries in sysfs yet): the 18-byte
 * device descriptor, then each configuration's descriptors as the device
 * sent them (the configuration descriptor, wTotalLength bytes in all).
 */
#ifndef MATKIOSK_USBDEV_H
#define MATKIOSK_USBDEV_H

#include <stddef.h>
#include <stdint.h>

/* Bounds. The kernel caches at most 127 UTF-16 code units of a string
 * descriptor and writes them as UTF-8, so 381 bytes; nothing longer
 * comes from sysfs. */
#define USBDEV_STR_MAX		384	/* serial, name, manufacturer */
#define USBDEV_PORT_MAX		63	/* sysname, e.g. "1-1.2" or "usb1" */
#define USBDEV_CONNECT_MAX	32	/* "hotplug", "hardwired", ... */
#define USBDEV_DESC_MAX		65536	/* the whole descriptors attribute */
#define USBDEV_CONFIGS_MAX	8	/* the kernel's USB_MAXCONFIG */
#define USBDEV_IFACES_MAX	32	/* interface descriptors per config,
					 * alternate settings included */
#define USBDEV_FUNCS_MAX	16	/* association descriptors per config */
#define USBDEV_HASH_LEN		45	/* base64 of SHA-256, with its NUL */
#define USBDEV_DESCRIBE_MAX	10240	/* always enough for usbdev_describe */

/* One interface descriptor (one alternate setting of one interface). */
struct usbdev_iface {
	uint8_t	config;		/* index of its configuration, from 0 */
	uint8_t	number;		/* bInterfaceNumber */
	uint8_t	alt;		/* bAlternateSetting */
	uint8_t	cls;		/* bInterfaceClass */
	uint8_t	subcls;
	uint8_t	proto;
};

/* One interface association descriptor (a function grouping interfaces,
 * e.g. RNDIS = one CDC control and one data interface). */
struct usbdev_func {
	uint8_t	config;
	uint8_t	first;		/* bFirstInterface */
	uint8_t	count;		/* bInterfaceCount */
	uint8_t	cls;		/* bFunctionClass */
	uint8_t	subcls;
	uint8_t	proto;
};

struct usbdev;

/* An empty device (nothing parsed, every string empty); NULL if no
 * memory. */
struct usbdev *usbdev_new(void);
/* Wipes and frees; accepts NULL. */
void usbdev_free(struct usbdev *d);

/*
 * Parses the raw sysfs descriptors attribute (n bytes) and keeps a copy
 * for the hash. Strict: any malformed or oversized descriptor refuses the
 * whole device, and the caller must then block it. On error nothing of
 * an earlier parse survives (usbdev_parsed() is 0) and, if why is not
 * NULL, why holds a one-line English reason with the byte offset.
 * MK_ERR_TRUNCATED: a descriptor runs past the end; MK_ERR_FORMAT: a
 * wrong bLength or type, a wTotalLength that does not match the bytes,
 * an endpoint outside an interface, a device or configuration descriptor
 * inside a configuration; MK_ERR_TOO_LARGE: more than USBDEV_DESC_MAX
 * bytes, USBDEV_CONFIGS_MAX configurations, USBDEV_IFACES_MAX interface
 * descriptors or USBDEV_FUNCS_MAX associations in one configuration;
 * MK_ERR_TRAILING: bytes after the last configuration; MK_ERR_ALLOC.
 */
int usbdev_parse_descriptors(struct usbdev *d, const void *p, size_t n,
    char *why, size_t whylen);

/* Raw attribute bytes; MK_ERR_TOO_LARGE above the bounds (the device
 * must then be blocked: the kernel cannot have produced it), and the
 * old value is kept. */
int usbdev_set_name(struct usbdev *d, const void *p, size_t n);
int usbdev_set_manufacturer(struct usbdev *d, const void *p, size_t n);
int usbdev_set_serial(struct usbdev *d, const void *p, size_t n);
int usbdev_set_connect_type(struct usbdev *d, const void *p, size_t n);
/* The kernel's name of the device, 1..USBDEV_PORT_MAX characters of
 * [A-Za-z0-9._:-]; MK_ERR_ARGUMENT otherwise. */
int usbdev_set_port(struct usbdev *d, const char *port);
/* A usbdev_hash value (44 base64 characters); MK_ERR_ARGUMENT
 * otherwise. */
int usbdev_set_parent_hash(struct usbdev *d, const char *hash);

/* 1 once descriptors were parsed; every accessor below that reads them
 * returns zeros and empty lists before. */
int usbdev_parsed(const struct usbdev *d);
uint16_t usbdev_vendor(const struct usbdev *d);
uint16_t usbdev_product(const struct usbdev *d);
uint16_t usbdev_bcd_device(const struct usbdev *d);
/* bDeviceClass, bDeviceSubClass, bDeviceProtocol. */
void usbdev_class(const struct usbdev *d, uint8_t *cls, uint8_t *subcls,
    uint8_t *proto);
size_t usbdev_nconfigs(const struct usbdev *d);
/* Every interface descriptor of every configuration, in descriptor order
 * (what USBGuard's with-interface sees). i < usbdev_niface(), else NULL. */
size_t usbdev_niface(const struct usbdev *d);
const struct usbdev_iface *usbdev_iface(const struct usbdev *d, size_t i);
size_t usbdev_nfunc(const struct usbdev *d);
const struct usbdev_func *usbdev_func(const struct usbdev *d, size_t i);

/* Raw bytes (not NUL-terminated); *len gets the length. */
const uint8_t *usbdev_name(const struct usbdev *d, size_t *len);
const uint8_t *usbdev_manufacturer(const struct usbdev *d, size_t *len);
const uint8_t *usbdev_serial(const struct usbdev *d, size_t *len);
const uint8_t *usbdev_connect_type(const struct usbdev *d, size_t *len);
/* "" when not set. */
const char *usbdev_port(const struct usbdev *d);
const char *usbdev_parent_hash(const struct usbdev *d);

/*
 * The device hash exactly as USBGuard 1.x computes its "hash"
 * attribute, so that rules from `usbguard generate-policy` carry over:
 * base64 (RFC 4648, padded) of SHA-256 over name, vendor id and product
 * id as 4 lower-case hex digits, serial, and every descriptor byte (for a
 * Linux root hub 1d6b:0001..0003, bcdDevice counts as 0 so a kernel
 * upgrade keeps the hash). docs/usb-rules.md has the details and a test
 * vector. MK_ERR_ARGUMENT before a successful parse (out is then "");
 * MK_ERR_CRYPTO if libgcrypt fails. libgcrypt must be initialised.
 */
int usbdev_hash(const struct usbdev *d, char out[USBDEV_HASH_LEN]);
/* USBGuard's parent-hash of a root hub, whose parent is no USB device:
 * the same encoding over the bytes of the parent's DEVPATH, e.g.
 * "/devices/pci0000:00/0000:00:14.0" (no "/sys" in front). */
int usbdev_hash_path(const char *devpath, char out[USBDEV_HASH_LEN]);
/* 1 if s (n bytes) has the form of a hash: 43 base64 characters and
 * "=". */
int usbdev_is_hash(const char *s, size_t n);

/*
 * One line for logs and `usb list`, every device string escaped:
 *   0781:5567 name "Cruzer Blade" manufacturer "SanDisk"
 *   serial "4C53..." port "1-1.2" connect "hotplug" class 00:00:00
 *   interfaces { 08:06:50 }
 * (one line; configurations after the first are separated by "|", and
 * "functions { ... }" lists association descriptors when there are
 * any). USBDEV_DESCRIBE_MAX bytes always suffice; MK_ERR_TOO_LARGE if
 * outlen is smaller and the line had to be cut.
 */
int usbdev_describe(const struct usbdev *d, char *out, size_t outlen);

#endif /* MATKIOSK_USBDEV_H */
