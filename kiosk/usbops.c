/*
 * Requests about USB devices: the list of present devices with their
 * decisions, and a supervisor registering or unregistering a stick
 * (docs/usb-rules.md, "Registration"). The rules file and the registry
 * STATE/usb-registry are rewritten whole and atomically under d->lock,
 * then the main thread decides every present device again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/proto.h"
#include "common/text.h"
#include "crypto/logrec.h"
#include "daemon.h"
#include "handlers.h"
#include "usbguard/usbdev.h"
#include "usbguard/usbrule.h"
#include "usbguardd.h"

#define USBOPS_LABEL_MAX	128
#define USBOPS_REGISTRY_MAX	(1024 * 1024)
/* Starts the comment line above a rule that registration wrote; the
 * unregistration removes the two lines together. */
#define REG_MARK		"# matkiosk registration:"

static int
entry_out(struct session *s, const struct usbd_entry *e)
{
	char rule[16];
	int r;

	snprintf(rule, sizeof(rule), e->rule < 0 ? "-" : "%d", e->rule);
	if ((r = mkmsg_start(s->out, MSG_ENTRY)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_PORT, e->port)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_DEVID, e->id)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_SERIAL, e->serial)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_NAME, e->name)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_IFACES, e->ifaces)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_TARGET, e->target)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_RULE, rule)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_REASON, e->reason)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}

/* Anyone at the console may see what is plugged in and why it is (not)
 * usable; the viewing is logged once provisioned (Article 11). */
int
h_usb_list(struct session *s, const struct mkmsg *m)
{
	struct usbd_entry *t;
	size_t i, n;
	int r;

	(void)m;
	r = session_log(s, LOG_SEV_INFO, "usb.list", "", 0, NULL);
	if (r != 0 && r != MK_ERR_NOT_PROVISIONED)
		return reply_err(s, MK_ERR_LOG, NULL);
	if ((t = calloc(USBD_DEVICES_MAX, sizeof(*t))) == NULL)
		return reply_err(s, MK_ERR_ALLOC, NULL);
	/* A copy, so that no client I/O happens under d->lock. */
	pthread_mutex_lock(&s->d->lock);
	n = usbd_count_locked(s->d);
	for (i = 0; i < n; i++)
		t[i] = *usbd_entry_locked(s->d, i);
	pthread_mutex_unlock(&s->d->lock);
	for (i = 0, r = 0; i < n && r == 0; i++)
		r = entry_out(s, &t[i]);
	free(t);
	return r != 0 ? r : reply_ok(s);
}

/* Only mass storage, at device, function and interface level: anything
 * else on the same device could act without being registered. */
int
usbops_storage_only(const struct usbdev *u)
{
	uint8_t cls, sub, proto;
	size_t i;

	usbdev_class(u, &cls, &sub, &proto);
	if (!usbdev_parsed(u) || (cls != 0 && cls != 8) ||
	    usbdev_niface(u) == 0)
		return 0;
	for (i = 0; i < usbdev_niface(u); i++)
		if (usbdev_iface(u, i)->cls != 8)
			return 0;
	for (i = 0; i < usbdev_nfunc(u); i++)
		if (usbdev_func(u, i)->cls != 8)
			return 0;
	return 1;
}

struct reg_req {
	char	port[USBDEV_PORT_MAX + 1];
	char	label[USBOPS_LABEL_MAX + 1];
	char	owner[64];
	char	direction[16];
	char	hash[USBDEV_HASH_LEN];
	char	id[10];
	char	serial[4 * USBDEV_STR_MAX + 1];
};

/* A kernel name of a USB device, "usbN" or "B-P[.P]...": it becomes
 * part of a sysfs path, so nothing else may pass. */
static int
valid_port(const char *p)
{
	size_t i, n = strlen(p);

	if (n == 0 || n > USBDEV_PORT_MAX)
		return 0;
	if (strncmp(p, "usb", 3) == 0)
		p += 3;
	else if (strchr(p, '-') == NULL)
		return 0;
	for (i = 0; p[i] != '\0'; i++)
		if (!(p[i] >= '0' && p[i] <= '9') &&
		    !(i > 0 && (p[i] == '-' || p[i] == '.')))
			return 0;
	return i > 0;
}

static int
read_fields(const struct mkmsg *m, struct reg_req *q, int full,
    const char **why)
{
	*why = "malformed request";
	if (mkmsg_str(m, F_PORT, q->port, sizeof(q->port)) != 0)
		return MK_ERR_ARGUMENT;
	*why = "not a USB device name (as 1-1.2)";
	if (!valid_port(q->port))
		return MK_ERR_ARGUMENT;
	if (!full)
		return 0;
	if (mkmsg_str(m, F_LABEL, q->label, sizeof(q->label)) != 0 ||
	    mkmsg_str(m, F_OWNER, q->owner, sizeof(q->owner)) != 0 ||
	    mkmsg_str(m, F_DIRECTION, q->direction,
	    sizeof(q->direction)) != 0)
		return MK_ERR_ARGUMENT;
	*why = "the label must be 1 to 128 bytes of text without control "
	    "characters";
	if (q->label[0] == '\0' ||
	    !mktext_is_clean(q->label, strlen(q->label)))
		return MK_ERR_ARGUMENT;
	*why = "the owner must be an account name";
	if (!mktext_valid_name(q->owner))
		return MK_ERR_ARGUMENT;
	/* The purpose of the medium: "backup" media take backups only
	 * (issue 8 added it; kiosk/media.h). */
	*why = "the direction must be import, export, both or backup";
	if (strcmp(q->direction, "import") != 0 &&
	    strcmp(q->direction, "export") != 0 &&
	    strcmp(q->direction, "both") != 0 &&
	    strcmp(q->direction, "backup") != 0)
		return MK_ERR_ARGUMENT;
	return 0;
}

/* The present device, its hash, and for a registration its rule line. */
static int
load_device(struct reg_req *q, char *rule, size_t rulelen, const char **why)
{
	struct usbdev *u = NULL;
	const uint8_t *ser;
	size_t n;
	int r;

	*why = "no such USB device present";
	if ((r = usbd_read_device(q->port, &u)) != 0)
		goto out;
	*why = "the device's descriptors do not parse";
	r = MK_ERR_FORMAT;
	if (!usbdev_parsed(u) || (r = usbdev_hash(u, q->hash)) != 0)
		goto out;
	snprintf(q->id, sizeof(q->id), "%04x:%04x", usbdev_vendor(u),
	    usbdev_product(u));
	ser = usbdev_serial(u, &n);
	mktext_escape(ser, n, q->serial, sizeof(q->serial));
	if (rule == NULL)
		goto out;
	*why = "only a device with nothing but mass storage interfaces can "
	    "be registered";
	r = MK_ERR_DENIED;
	if (!usbops_storage_only(u))
		goto out;
	*why = "a storage device without a serial number cannot be "
	    "registered";
	if (n == 0)
		goto out;
	*why = "cannot write the device's rule";
	r = usbrule_render_device(u, USBRULE_ALLOW, rule, rulelen);
out:
	usbdev_free(u);
	return r;
}

/* The file's bytes, or none when it does not exist yet. */
static int
read_or_empty(const char *path, size_t max, struct mkbuf **out)
{
	int r = mkfs_read_file(path, max, out);

	if (r == MK_ERR_NOT_FOUND)
		return (*out = mkbuf_new(max)) == NULL ? MK_ERR_ALLOC : 0;
	return r;
}

/* Appends text to the file (a newline first if it lacks one), atomically. */
static int
append_atomic(const char *path, size_t max, const char *text)
{
	struct mkbuf *b = NULL;
	size_t n;
	int r;

	if ((r = read_or_empty(path, max, &b)) != 0)
		return r;
	n = mkbuf_len(b);
	if ((n > 0 && mkbuf_ptr(b)[n - 1] != '\n' &&
	    (r = mkbuf_put(b, "\n", 1)) != 0) ||
	    (r = mkbuf_put(b, text, strlen(text))) != 0 ||
	    (r = mkfs_atomic_write(path, mkbuf_ptr(b), mkbuf_len(b),
	    0600)) != 0) {
		mkbuf_free(b);
		return r;
	}
	mkbuf_free(b);
	return 0;
}

/* Refuses to edit a rules file that does not parse (the daemon already
 * applies only the fixed protections; an officer must fix it) or that
 * already names the device. */
static int
check_rules(const struct mkbuf *b, const char *needle, const char **why)
{
	struct usbrules *rs = NULL;
	int r;

	*why = "the rules file does not parse: fix it first";
	if ((r = usbrules_parse(mkbuf_ptr(b), mkbuf_len(b), &rs, NULL)) != 0)
		return MK_ERR_CONFIG;
	usbrules_free(rs);
	*why = "the device is already registered";
	if (mkbuf_len(b) > 0 && memmem(mkbuf_ptr(b), mkbuf_len(b), needle,
	    strlen(needle)) != NULL)
		return MK_ERR_EXISTS;
	return 0;
}

static int
registry_path(const struct daemon *d, char *out, size_t outlen)
{
	return mkfs_path(out, outlen, "%s/usb-registry", d->sd.root);
}

/* The rules file gets the comment and the rule, then the registry its
 * line; d->lock held, so two registrations cannot interleave. */
static int
register_locked(struct session *s, const struct reg_req *q,
    const char *rule, const char **why)
{
	struct daemon *d = s->d;
	struct mkbuf *b = NULL;
	char needle[USBDEV_HASH_LEN + 8], text[USBRULE_LINE_MAX + 512];
	char reg[600], path[512];
	int n, r;

	snprintf(needle, sizeof(needle), "hash \"%s\"", q->hash);
	if ((r = read_or_empty(d->conf.usb_rules, USBRULES_FILE_MAX,
	    &b)) != 0 || (r = check_rules(b, needle, why)) != 0) {
		mkbuf_free(b);
		return r;
	}
	mkbuf_free(b);
	*why = "cannot write the rules file";
	n = snprintf(text, sizeof(text), "%s label \"%s\" owner %s "
	    "direction %s by %s\n%s\n", REG_MARK, q->label, q->owner,
	    q->direction, s->acct.name, rule);
	if (n < 0 || (size_t)n >= sizeof(text))
		return MK_ERR_TOO_LARGE;
	if ((r = append_atomic(d->conf.usb_rules, USBRULES_FILE_MAX,
	    text)) != 0)
		return r;
	*why = "cannot write the registry";
	n = snprintf(reg, sizeof(reg), "%s\t%s\t%s\t%s\t%s\t%s\t%lld\n",
	    q->hash, q->id, q->serial, q->label, q->owner, q->direction,
	    (long long)time(NULL));
	if (n < 0 || (size_t)n >= sizeof(reg) ||
	    (r = registry_path(d, path, sizeof(path))) != 0)
		return MK_ERR_TOO_LARGE;
	return append_atomic(path, USBOPS_REGISTRY_MAX, reg);
}

/* A supervisor registers and unregisters; an IT officer with a
 * supervisor's approval for that very device (kiosk/policy.c). */
static int
may_register(struct session *s, const char *port, char *why, size_t whylen)
{
	return approval_require(s, ACT_USB_REGISTER, port, 1, why, whylen);
}

static int
log_change(struct session *s, const char *event, const struct reg_req *q)
{
	struct logkv kv[7] = {
		{ "id", q->id }, { "serial", q->serial }, { "hash", q->hash },
		{ "label", q->label }, { "owner", q->owner },
		{ "direction", q->direction },
	};

	return session_log(s, LOG_SEV_TRUNG_BINH, event, q->port,
	    q->label[0] ? 6 : 3, kv);
}

/* After the change: the outcome of a refused one is logged too (the
 * write-ahead record said it was about to happen). */
static int
finish(struct session *s, const char *failed, const struct reg_req *q,
    int r, const char *why)
{
	struct logkv kv[1] = { { "reason", why } };

	if (r != 0) {
		session_log(s, LOG_SEV_THAP, failed, q->port, 1, kv);
		return reply_err(s, r, why);
	}
	usbd_redecide(s->d);
	return reply_ok(s);
}

int
h_usb_register(struct session *s, const struct mkmsg *m)
{
	struct reg_req q;
	const char *why;
	char *rule, refusal[320];
	int r;

	memset(&q, 0, sizeof(q));
	if (!s->authed)
		return reply_err(s, MK_ERR_DENIED, "log in first");
	if ((r = read_fields(m, &q, 1, &why)) != 0)
		return reply_err(s, r, why);
	if ((r = may_register(s, q.port, refusal, sizeof(refusal))) != 0)
		return reply_err(s, r, refusal);
	if ((rule = malloc(USBRULE_LINE_MAX + 1)) == NULL)
		return reply_err(s, MK_ERR_ALLOC, NULL);
	if ((r = load_device(&q, rule, USBRULE_LINE_MAX + 1, &why)) != 0) {
		free(rule);
		return reply_err(s, r, why);
	}
	/* Write-ahead: a change of access rights that cannot be logged
	 * does not happen. */
	if (log_change(s, "usb.register", &q) != 0) {
		free(rule);
		return reply_err(s, MK_ERR_LOG, NULL);
	}
	pthread_mutex_lock(&s->d->lock);
	r = register_locked(s, &q, rule, &why);
	pthread_mutex_unlock(&s->d->lock);
	free(rule);
	return finish(s, "usb.register-failed", &q, r, why);
}

/* Copies src to dst without the lines that name the device (and the
 * registration comment right above such a rule). */
static size_t
drop_lines(const struct mkbuf *src, struct mkbuf *dst, const char *needle)
{
	const char *p = (const char *)mkbuf_ptr(src), *end, *nl, *held = NULL;
	size_t dropped = 0, len;

	if (mkbuf_len(src) == 0)
		return 0;
	end = p + mkbuf_len(src);
	for (; p < end; p = nl) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl != NULL ? nl + 1 : end;
		len = (size_t)(nl - p);
		if (memmem(p, len, needle, strlen(needle)) != NULL) {
			held = NULL;
			dropped++;
			continue;
		}
		if (held != NULL)
			mkbuf_put(dst, held, (size_t)(p - held));
		held = NULL;
		if (len >= strlen(REG_MARK) &&
		    memcmp(p, REG_MARK, strlen(REG_MARK)) == 0)
			held = p;
		else
			mkbuf_put(dst, p, len);
	}
	if (held != NULL)
		mkbuf_put(dst, held, (size_t)(end - held));
	return dropped;
}

/* Rewrites path without the device's lines; *dropped counts them. */
static int
rewrite_without(const char *path, size_t max, const char *needle,
    size_t *dropped)
{
	struct mkbuf *in = NULL, *out = NULL;
	int r;

	*dropped = 0;
	if ((r = read_or_empty(path, max, &in)) != 0)
		goto out;
	if ((out = mkbuf_new(max)) == NULL) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	*dropped = drop_lines(in, out, needle);
	if (*dropped > 0)
		r = mkfs_atomic_write(path, mkbuf_ptr(out), mkbuf_len(out),
		    0600);
out:
	mkbuf_free(in);
	mkbuf_free(out);
	return r;
}

static int
unregister_locked(struct session *s, const struct reg_req *q,
    const char **why)
{
	char needle[USBDEV_HASH_LEN + 8], path[512];
	size_t rules, regs;
	int r;

	snprintf(needle, sizeof(needle), "hash \"%s\"", q->hash);
	*why = "cannot rewrite the rules file";
	if ((r = rewrite_without(s->d->conf.usb_rules, USBRULES_FILE_MAX,
	    needle, &rules)) != 0)
		return r;
	*why = "cannot rewrite the registry";
	if ((r = registry_path(s->d, path, sizeof(path))) != 0 ||
	    (r = rewrite_without(path, USBOPS_REGISTRY_MAX, q->hash,
	    &regs)) != 0)
		return r;
	*why = "the device is not registered";
	return rules + regs == 0 ? MK_ERR_NOT_FOUND : 0;
}

/*
 * The registration of the medium with this serial, from the registry
 * (hash, id, serial, label, owner, direction, time; tab-separated): for
 * a device that is not plugged in, lost or broken. d->lock held.
 */
static int
find_registration_locked(struct session *s, struct reg_req *q)
{
	struct mkbuf *b = NULL;
	char path[512], line[700], *f[7], *p;
	const char *t, *end, *nl;
	size_t n, i;
	int r;

	if ((r = registry_path(s->d, path, sizeof(path))) != 0 ||
	    (r = read_or_empty(path, USBOPS_REGISTRY_MAX, &b)) != 0)
		return r;
	r = MK_ERR_NOT_FOUND;
	t = (const char *)mkbuf_ptr(b);
	end = t + mkbuf_len(b);
	for (; t < end && r != 0; t = nl + 1) {
		if ((nl = memchr(t, '\n', (size_t)(end - t))) == NULL)
			nl = end;
		if ((n = (size_t)(nl - t)) >= sizeof(line))
			continue;
		memcpy(line, t, n);
		line[n] = '\0';
		for (i = 0, p = line; i < 7 && p != NULL; i++)
			f[i] = strsep(&p, "\t");
		if (i < 7 || strcmp(f[2], q->serial) != 0 ||
		    strlen(f[0]) >= sizeof(q->hash))
			continue;
		snprintf(q->hash, sizeof(q->hash), "%s", f[0]);
		snprintf(q->id, sizeof(q->id), "%s", f[1]);
		snprintf(q->label, sizeof(q->label), "%s", f[3]);
		snprintf(q->owner, sizeof(q->owner), "%s", f[4]);
		snprintf(q->direction, sizeof(q->direction), "%s", f[5]);
		r = 0;
	}
	mkbuf_free(b);
	return r;
}

int
h_usb_unregister(struct session *s, const struct mkmsg *m)
{
	struct reg_req q;
	const char *why;
	char refusal[320];
	int r, by_serial;

	memset(&q, 0, sizeof(q));
	if (!s->authed)
		return reply_err(s, MK_ERR_DENIED, "log in first");
	/* By the serial, from the registry: a medium that was lost or
	 * broke is taken off the whitelist without being plugged in. */
	by_serial = mkmsg_get(m, F_SERIAL) != NULL;
	if (by_serial) {
		if (mkmsg_str(m, F_SERIAL, q.serial, sizeof(q.serial)) != 0 ||
		    q.serial[0] == '\0' ||
		    !mktext_is_clean(q.serial, strlen(q.serial)))
			return reply_err(s, MK_ERR_ARGUMENT, "the serial is "
			    "missing or not clean text (as usb list shows "
			    "it)");
		snprintf(q.port, sizeof(q.port), "-");
	} else if ((r = read_fields(m, &q, 0, &why)) != 0)
		return reply_err(s, r, why);
	if ((r = may_register(s, by_serial ? q.serial : q.port, refusal,
	    sizeof(refusal))) != 0)
		return reply_err(s, r, refusal);
	if (by_serial) {
		pthread_mutex_lock(&s->d->lock);
		r = find_registration_locked(s, &q);
		pthread_mutex_unlock(&s->d->lock);
		if (r != 0)
			return reply_err(s, r, r == MK_ERR_NOT_FOUND ? "no "
			    "medium with this serial is registered" : NULL);
	} else if ((r = load_device(&q, NULL, 0, &why)) != 0)
		return reply_err(s, r, why);
	if (log_change(s, "usb.unregister", &q) != 0)
		return reply_err(s, MK_ERR_LOG, NULL);
	pthread_mutex_lock(&s->d->lock);
	r = unregister_locked(s, &q, &why);
	pthread_mutex_unlock(&s->d->lock);
	return finish(s, "usb.unregister-failed", &q, r, why);
}
