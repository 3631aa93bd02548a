#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>

#include "common/buf.h"
#include "common/err.h"
#include "usbdev.h"
#include "usbfmt.h"

/* USB 2.0 chapter 9 and the IAD ECN: descriptor types and sizes. */
#define DT_DEVICE		0x01
#define DT_CONFIG		0x02
#define DT_INTERFACE		0x04
#define DT_ENDPOINT		0x05
#define DT_IAD			0x0b
#define DEVICE_LEN		18
#define CONFIG_LEN		9
#define INTERFACE_LEN		9
#define ENDPOINT_LEN		7
#define ENDPOINT_AUDIO_LEN	9	/* USB audio 1.0 adds two bytes */
#define IAD_LEN			8

#define SHA256_LEN		32

struct dstr {
	uint8_t	p[USBDEV_STR_MAX];
	size_t	len;
};

struct usbdev {
	int			parsed;
	uint8_t			*desc;		/* copy of the attribute */
	size_t			desclen;
	size_t			nconfigs;
	size_t			niface;
	struct usbdev_iface	iface[USBDEV_CONFIGS_MAX * USBDEV_IFACES_MAX];
	size_t			nfunc;
	struct usbdev_func	func[USBDEV_CONFIGS_MAX * USBDEV_FUNCS_MAX];
	struct dstr		name;
	struct dstr		manufacturer;
	struct dstr		serial;
	uint8_t			connect[USBDEV_CONNECT_MAX];
	size_t			connectlen;
	char			port[USBDEV_PORT_MAX + 1];
	char			parent_hash[USBDEV_HASH_LEN];
};

/* Where the parser is: the whole attribute, and the configuration being
 * walked. */
struct walk {
	const uint8_t	*p;
	size_t		 n;
	size_t		 cfg;		/* index of the configuration */
	size_t		 cfg_ifaces;	/* interface descriptors in it so far */
	size_t		 cfg_funcs;
	int		 in_iface;	/* an interface descriptor was seen */
	char		*why;
	size_t		 whylen;
};

struct usbdev *
usbdev_new(void)
{
	return calloc(1, sizeof(struct usbdev));
}

static void
drop_descriptors(struct usbdev *d)
{
	if (d->desc != NULL) {
		mk_wipe(d->desc, d->desclen);
		free(d->desc);
	}
	d->desc = NULL;
	d->desclen = 0;
	d->parsed = 0;
	d->nconfigs = 0;
	d->niface = 0;
	d->nfunc = 0;
}

void
usbdev_free(struct usbdev *d)
{
	if (d == NULL)
		return;
	drop_descriptors(d);
	mk_wipe(d, sizeof(*d));
	free(d);
}

/* Records why the parse failed and returns err. A message that does not
 * fit is cut: it is a diagnostic, the code is what callers act on. */
static int
fail(struct walk *w, int err, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (w->why == NULL || w->whylen == 0)
		return err;
	va_start(ap, fmt);
	r = vsnprintf(w->why, w->whylen, fmt, ap);
	va_end(ap);
	if (r < 0)
		w->why[0] = '\0';
	return err;
}

static int
add_iface(struct usbdev *d, struct walk *w, const uint8_t *q, size_t off)
{
	struct usbdev_iface *f;

	if (q[0] != INTERFACE_LEN)
		return fail(w, MK_ERR_FORMAT, "interface descriptor at offset "
		    "%zu has bLength %u, not 9", off, q[0]);
	/* The kernel's own limit is 32 interfaces per configuration; no
	 * storage stick, keyboard or hub comes near it. */
	if (w->cfg_ifaces >= USBDEV_IFACES_MAX)
		return fail(w, MK_ERR_TOO_LARGE, "configuration %zu has more "
		    "than %d interface descriptors", w->cfg + 1,
		    USBDEV_IFACES_MAX);
	assert(d->niface < sizeof(d->iface) / sizeof(d->iface[0]));
	f = &d->iface[d->niface++];
	f->config = (uint8_t)w->cfg;
	f->number = q[2];
	f->alt = q[3];
	f->cls = q[5];
	f->subcls = q[6];
	f->proto = q[7];
	w->cfg_ifaces++;
	w->in_iface = 1;
	return 0;
}

static int
add_func(struct usbdev *d, struct walk *w, const uint8_t *q, size_t off)
{
	struct usbdev_func *f;

	if (q[0] != IAD_LEN)
		return fail(w, MK_ERR_FORMAT, "interface association at offset "
		    "%zu has bLength %u, not 8", off, q[0]);
	if (w->cfg_funcs >= USBDEV_FUNCS_MAX)
		return fail(w, MK_ERR_TOO_LARGE, "configuration %zu has more "
		    "than %d interface associations", w->cfg + 1,
		    USBDEV_FUNCS_MAX);
	assert(d->nfunc < sizeof(d->func) / sizeof(d->func[0]));
	f = &d->func[d->nfunc++];
	f->config = (uint8_t)w->cfg;
	f->first = q[2];
	f->count = q[3];
	f->cls = q[4];
	f->subcls = q[5];
	f->proto = q[6];
	w->cfg_funcs++;
	return 0;
}

/* One descriptor inside a configuration, q[0] bytes long (checked). */
static int
parse_sub(struct usbdev *d, struct walk *w, const uint8_t *q, size_t off)
{
	switch (q[1]) {
	case DT_DEVICE:
	case DT_CONFIG:
		/* The kernel skips these; a device that nests them is
		 * either broken or probing parsers, and is refused. */
		return fail(w, MK_ERR_FORMAT, "%s descriptor at offset %zu "
		    "inside configuration %zu", q[1] == DT_DEVICE ? "device" :
		    "configuration", off, w->cfg + 1);
	case DT_INTERFACE:
		return add_iface(d, w, q, off);
	case DT_ENDPOINT:
		if (q[0] != ENDPOINT_LEN && q[0] != ENDPOINT_AUDIO_LEN)
			return fail(w, MK_ERR_FORMAT, "endpoint descriptor at "
			    "offset %zu has bLength %u", off, q[0]);
		if (!w->in_iface)
			return fail(w, MK_ERR_FORMAT, "endpoint descriptor at "
			    "offset %zu before any interface", off);
		return 0;
	case DT_IAD:
		return add_func(d, w, q, off);
	default:
		/* Class-specific (HID, CDC functional, audio, ...) and
		 * companion descriptors: only their framing matters. */
		return 0;
	}
}

/* The configuration at *off: its header, then descriptors chained by
 * bLength that end exactly at wTotalLength. */
static int
parse_config(struct usbdev *d, struct walk *w, size_t *off)
{
	const uint8_t *q = w->p + *off;
	size_t left = w->n - *off, total, o;
	int r;

	if (left < CONFIG_LEN)
		return fail(w, MK_ERR_TRUNCATED, "configuration %zu at offset "
		    "%zu: only %zu bytes left", w->cfg + 1, *off, left);
	if (q[0] != CONFIG_LEN || q[1] != DT_CONFIG)
		return fail(w, MK_ERR_FORMAT, "configuration %zu at offset "
		    "%zu: bLength %u, type 0x%02x", w->cfg + 1, *off, q[0],
		    q[1]);
	total = (size_t)q[2] | (size_t)q[3] << 8;
	/* The kernel exposes exactly the bytes it parsed; a wTotalLength
	 * that disagrees means the device sent something else than it
	 * announced, and the boundaries of what follows are in doubt. */
	if (total < CONFIG_LEN || total > left)
		return fail(w, MK_ERR_FORMAT, "configuration %zu at offset "
		    "%zu: wTotalLength %zu but %zu bytes left", w->cfg + 1,
		    *off, total, left);
	if (q[4] > USBDEV_IFACES_MAX)
		return fail(w, MK_ERR_TOO_LARGE, "configuration %zu declares "
		    "%u interfaces", w->cfg + 1, q[4]);
	w->cfg_ifaces = w->cfg_funcs = 0;
	w->in_iface = 0;
	for (o = CONFIG_LEN; o < total; o += q[o]) {
		if (total - o < 2 || q[o] < 2 || q[o] > total - o)
			return fail(w, MK_ERR_FORMAT, "descriptor at offset "
			    "%zu runs past the end of configuration %zu",
			    *off + o, w->cfg + 1);
		if ((r = parse_sub(d, w, q + o, *off + o)) != 0)
			return r;
	}
	*off += total;
	return 0;
}

static int
parse_all(struct usbdev *d, struct walk *w)
{
	const uint8_t *p = w->p;
	size_t off = DEVICE_LEN;
	int r;

	if (w->n > USBDEV_DESC_MAX)
		return fail(w, MK_ERR_TOO_LARGE, "%zu bytes of descriptors, "
		    "more than %d", w->n, USBDEV_DESC_MAX);
	if (w->n < DEVICE_LEN)
		return fail(w, MK_ERR_TRUNCATED, "%zu bytes, shorter than a "
		    "device descriptor", w->n);
	if (p[0] != DEVICE_LEN || p[1] != DT_DEVICE)
		return fail(w, MK_ERR_FORMAT, "device descriptor: bLength %u, "
		    "type 0x%02x", p[0], p[1]);
	/* The kernel refuses a device without configurations and keeps at
	 * most 8; anything else did not come from sysfs. */
	if (p[17] == 0)
		return fail(w, MK_ERR_FORMAT, "no configuration");
	if (p[17] > USBDEV_CONFIGS_MAX)
		return fail(w, MK_ERR_TOO_LARGE, "%u configurations", p[17]);
	for (w->cfg = 0; w->cfg < p[17]; w->cfg++) {
		if ((r = parse_config(d, w, &off)) != 0)
			return r;
	}
	if (off != w->n)
		return fail(w, MK_ERR_TRAILING, "%zu bytes after the last "
		    "configuration", w->n - off);
	d->nconfigs = p[17];
	return 0;
}

int
usbdev_parse_descriptors(struct usbdev *d, const void *p, size_t n,
    char *why, size_t whylen)
{
	struct walk w;
	int r;

	memset(&w, 0, sizeof(w));
	w.p = p;
	w.n = n;
	w.why = why;
	w.whylen = whylen;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	drop_descriptors(d);
	if (p == NULL && n > 0)
		return MK_ERR_ARGUMENT;
	if ((r = parse_all(d, &w)) != 0)
		goto out;
	if ((d->desc = malloc(n)) == NULL) {
		r = fail(&w, MK_ERR_ALLOC, "out of memory");
		goto out;
	}
	memcpy(d->desc, p, n);
	d->desclen = n;
	d->parsed = 1;
	r = 0;
 out:
	if (r != 0)
		drop_descriptors(d);
	return r;
}

static int
set_dstr(struct dstr *s, const void *p, size_t n)
{
	if (n > USBDEV_STR_MAX)
		return MK_ERR_TOO_LARGE;
	if (n > 0 && p == NULL)
		return MK_ERR_ARGUMENT;
	if (n > 0)
		memcpy(s->p, p, n);
	s->len = n;
	return 0;
}

int
usbdev_set_name(struct usbdev *d, const void *p, size_t n)
{
	return set_dstr(&d->name, p, n);
}

int
usbdev_set_manufacturer(struct usbdev *d, const void *p, size_t n)
{
	return set_dstr(&d->manufacturer, p, n);
}

int
usbdev_set_serial(struct usbdev *d, const void *p, size_t n)
{
	return set_dstr(&d->serial, p, n);
}

int
usbdev_set_connect_type(struct usbdev *d, const void *p, size_t n)
{
	if (n > USBDEV_CONNECT_MAX)
		return MK_ERR_TOO_LARGE;
	if (n > 0 && p == NULL)
		return MK_ERR_ARGUMENT;
	if (n > 0)
		memcpy(d->connect, p, n);
	d->connectlen = n;
	return 0;
}

int
usbdev_set_port(struct usbdev *d, const char *port)
{
	size_t i, n;

	if (port == NULL || (n = strlen(port)) == 0 || n > USBDEV_PORT_MAX)
		return MK_ERR_ARGUMENT;
	for (i = 0; i < n; i++) {
		if (!((port[i] >= 'a' && port[i] <= 'z') ||
		    (port[i] >= 'A' && port[i] <= 'Z') ||
		    (port[i] >= '0' && port[i] <= '9') || port[i] == '.' ||
		    port[i] == '_' || port[i] == ':' || port[i] == '-'))
			return MK_ERR_ARGUMENT;
	}
	memcpy(d->port, port, n + 1);
	return 0;
}

static int
is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int
usbdev_is_hash(const char *s, size_t n)
{
	size_t i;

	if (s == NULL || n != USBDEV_HASH_LEN - 1 || s[n - 1] != '=')
		return 0;
	for (i = 0; i < n - 1; i++) {
		if (!is_b64(s[i]))
			return 0;
	}
	return 1;
}

int
usbdev_set_parent_hash(struct usbdev *d, const char *hash)
{
	if (hash == NULL || !usbdev_is_hash(hash, strlen(hash)))
		return MK_ERR_ARGUMENT;
	memcpy(d->parent_hash, hash, USBDEV_HASH_LEN);
	return 0;
}

int
usbdev_parsed(const struct usbdev *d)
{
	return d->parsed;
}

static uint16_t
desc_u16(const struct usbdev *d, size_t off)
{
	if (!d->parsed)
		return 0;
	return (uint16_t)(d->desc[off] | d->desc[off + 1] << 8);
}

uint16_t
usbdev_vendor(const struct usbdev *d)
{
	return desc_u16(d, 8);
}

uint16_t
usbdev_product(const struct usbdev *d)
{
	return desc_u16(d, 10);
}

uint16_t
usbdev_bcd_device(const struct usbdev *d)
{
	return desc_u16(d, 12);
}

void
usbdev_class(const struct usbdev *d, uint8_t *cls, uint8_t *subcls,
    uint8_t *proto)
{
	*cls = d->parsed ? d->desc[4] : 0;
	*subcls = d->parsed ? d->desc[5] : 0;
	*proto = d->parsed ? d->desc[6] : 0;
}

size_t
usbdev_nconfigs(const struct usbdev *d)
{
	return d->nconfigs;
}

size_t
usbdev_niface(const struct usbdev *d)
{
	return d->niface;
}

const struct usbdev_iface *
usbdev_iface(const struct usbdev *d, size_t i)
{
	return i < d->niface ? &d->iface[i] : NULL;
}

size_t
usbdev_nfunc(const struct usbdev *d)
{
	return d->nfunc;
}

const struct usbdev_func *
usbdev_func(const struct usbdev *d, size_t i)
{
	return i < d->nfunc ? &d->func[i] : NULL;
}

const uint8_t *
usbdev_name(const struct usbdev *d, size_t *len)
{
	*len = d->name.len;
	return d->name.p;
}

const uint8_t *
usbdev_manufacturer(const struct usbdev *d, size_t *len)
{
	*len = d->manufacturer.len;
	return d->manufacturer.p;
}

const uint8_t *
usbdev_serial(const struct usbdev *d, size_t *len)
{
	*len = d->serial.len;
	return d->serial.p;
}

const uint8_t *
usbdev_connect_type(const struct usbdev *d, size_t *len)
{
	*len = d->connectlen;
	return d->connect;
}

const char *
usbdev_port(const struct usbdev *d)
{
	return d->port;
}

const char *
usbdev_parent_hash(const struct usbdev *d)
{
	return d->parent_hash;
}

static void
base64(const uint8_t in[SHA256_LEN], char out[USBDEV_HASH_LEN])
{
	static const char map[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t v;
	size_t i, o = 0;

	for (i = 0; i + 3 <= SHA256_LEN; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = map[v >> 18 & 63];
		out[o++] = map[v >> 12 & 63];
		out[o++] = map[v >> 6 & 63];
		out[o++] = map[v & 63];
	}
	/* 32 = 3 * 10 + 2: two bytes left, one '=' of padding. */
	v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
	out[o++] = map[v >> 18 & 63];
	out[o++] = map[v >> 12 & 63];
	out[o++] = map[v >> 6 & 63];
	out[o++] = '=';
	out[o] = '\0';
	assert(o == USBDEV_HASH_LEN - 1);
}

/* SHA-256 over count pieces, base64-encoded. Empty pieces are skipped:
 * they add nothing to the hash. */
static int
hash_pieces(const gcry_buffer_t *pieces, size_t count,
    char out[USBDEV_HASH_LEN])
{
	gcry_buffer_t iov[8];
	uint8_t digest[SHA256_LEN];
	size_t i, k = 0;

	assert(count <= sizeof(iov) / sizeof(iov[0]));
	for (i = 0; i < count; i++) {
		if (pieces[i].len > 0)
			iov[k++] = pieces[i];
	}
	if (gcry_md_hash_buffers(GCRY_MD_SHA256, 0, digest, iov, (int)k) != 0)
		return MK_ERR_CRYPTO;
	base64(digest, out);
	return 0;
}

static gcry_buffer_t
piece(const void *p, size_t n)
{
	gcry_buffer_t b;

	memset(&b, 0, sizeof(b));
	b.size = b.len = n;
	b.data = (void *)(uintptr_t)p;
	return b;
}

/* Linux root hubs (vendor Linux Foundation, products 1..3) report the
 * kernel version in bcdDevice; USBGuard hashes it as 0 so that the hash
 * survives a kernel upgrade. */
static int
is_root_hub(const struct usbdev *d)
{
	return usbdev_vendor(d) == 0x1d6b && usbdev_product(d) >= 1 &&
	    usbdev_product(d) <= 3;
}

int
usbdev_hash(const struct usbdev *d, char out[USBDEV_HASH_LEN])
{
	gcry_buffer_t pieces[6];
	uint8_t dev[DEVICE_LEN];
	char vid[5], pid[5];
	int r;

	out[0] = '\0';
	if (!d->parsed)
		return MK_ERR_ARGUMENT;
	r = snprintf(vid, sizeof(vid), "%04x", usbdev_vendor(d));
	if (r != 4 || snprintf(pid, sizeof(pid), "%04x",
	    usbdev_product(d)) != 4)
		return MK_ERR_INTERNAL;
	memcpy(dev, d->desc, DEVICE_LEN);
	if (is_root_hub(d))
		dev[12] = dev[13] = 0;
	/* USBGuard: name, vendor id, product id, serial (no separators),
	 * then each descriptor in turn, i.e. all the bytes. */
	pieces[0] = piece(d->name.p, d->name.len);
	pieces[1] = piece(vid, 4);
	pieces[2] = piece(pid, 4);
	pieces[3] = piece(d->serial.p, d->serial.len);
	pieces[4] = piece(dev, DEVICE_LEN);
	pieces[5] = piece(d->desc + DEVICE_LEN, d->desclen - DEVICE_LEN);
	return hash_pieces(pieces, 6, out);
}

int
usbdev_hash_path(const char *devpath, char out[USBDEV_HASH_LEN])
{
	gcry_buffer_t p;

	out[0] = '\0';
	if (devpath == NULL || devpath[0] == '\0' ||
	    strlen(devpath) > 4096)
		return MK_ERR_ARGUMENT;
	p = piece(devpath, strlen(devpath));
	return hash_pieces(&p, 1, out);
}

static void
describe_ifaces(const struct usbdev *d, struct usbfmt *f)
{
	const struct usbdev_iface *it;
	size_t i;

	usbfmt_put(f, " interfaces {");
	for (i = 0; i < d->niface; i++) {
		it = &d->iface[i];
		if (i > 0 && it->config != d->iface[i - 1].config)
			usbfmt_put(f, " |");
		usbfmt_printf(f, " %02x:%02x:%02x", it->cls, it->subcls,
		    it->proto);
	}
	usbfmt_put(f, " }");
	if (d->nfunc == 0)
		return;
	usbfmt_put(f, " functions {");
	for (i = 0; i < d->nfunc; i++)
		usbfmt_printf(f, " %02x:%02x:%02x", d->func[i].cls,
		    d->func[i].subcls, d->func[i].proto);
	usbfmt_put(f, " }");
}

int
usbdev_describe(const struct usbdev *d, char *out, size_t outlen)
{
	struct usbfmt f;
	uint8_t c, s, p;

	usbfmt_init(&f, out, outlen);
	if (d->parsed)
		usbfmt_printf(&f, "%04x:%04x", usbdev_vendor(d),
		    usbdev_product(d));
	else
		usbfmt_put(&f, "????:???? (descriptors not parsed)");
	usbfmt_put(&f, " name ");
	usbfmt_put_text(&f, d->name.p, d->name.len);
	usbfmt_put(&f, " manufacturer ");
	usbfmt_put_text(&f, d->manufacturer.p, d->manufacturer.len);
	usbfmt_put(&f, " serial ");
	usbfmt_put_text(&f, d->serial.p, d->serial.len);
	usbfmt_put(&f, " port ");
	usbfmt_put_text(&f, d->port, strlen(d->port));
	usbfmt_put(&f, " connect ");
	usbfmt_put_text(&f, d->connect, d->connectlen);
	if (d->parsed) {
		usbdev_class(d, &c, &s, &p);
		usbfmt_printf(&f, " class %02x:%02x:%02x", c, s, p);
		describe_ifaces(d, &f);
	}
	return usbfmt_done(&f);
}
