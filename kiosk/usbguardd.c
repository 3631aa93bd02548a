/*
 * The USB guard's daemon side: libudev, sysfs, the log (usbguardd.h).
 * The decision itself is usbguard/usbpolicy.c, a pure function.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libudev.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/hist.h"
#include "common/text.h"
#include "daemon.h"
#include "usbguard/usbdev.h"
#include "usbguard/usbpolicy.h"
#include "usbguard/usbrule.h"
#include "usbguardd.h"

struct usbd {
	struct udev		*udev;
	struct udev_monitor	*mon;
	struct usbrules		*rules;		/* NULL: fixed protections */
	char			 rules_why[400];	/* why no rules apply */
	/* Under d->lock: session threads read it for `usb list`. */
	size_t			 n;
	struct usbd_entry	 dev[USBD_DEVICES_MAX];
	/* Under d->lock too (status): the time from each uevent received
	 * to its decision written, in ns, for the decisions of "add" and
	 * "change" events (not those of a scan, which has no event). */
	struct mkhist		*latency;
	/* Under d->lock: the port of the one storage-only device admitted
	 * for a restore onto an unprovisioned machine, or "". */
	char			 restore_port[64];
};

/* Reads a sysfs attribute of at most max bytes. Text attributes lose the
 * one newline sysfs adds (what USBGuard drops too, so hashes agree). A
 * missing attribute is *n = 0 and MK_ERR_NOT_FOUND. */
static int
read_attr(const char *syspath, const char *attr, uint8_t *buf, size_t max,
    size_t *n, int text)
{
	char path[512];
	int fd, r;

	*n = 0;
	if ((r = mkfs_path(path, sizeof(path), "%s/%s", syspath, attr)) != 0)
		return r;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return mkerr_from_errno(errno);
	r = mkfs_read_full(fd, buf, max, n);
	close(fd);
	if (r != 0)
		return r;
	/* A full buffer may mean more was there: the kernel never makes
	 * one this long, so it is refused rather than cut. */
	if (*n == max)
		return MK_ERR_TOO_LARGE;
	if (text && *n > 0 && buf[*n - 1] == '\n')
		(*n)--;
	return 0;
}

static int
write_attr(const char *syspath, const char *attr, const char *val)
{
	char path[512];
	int fd, r;

	if ((r = mkfs_path(path, sizeof(path), "%s/%s", syspath, attr)) != 0)
		return r;
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return mkerr_from_errno(errno);
	r = mkfs_write_all(fd, val, strlen(val));
	close(fd);
	return r;
}

typedef int (*setter_fn)(struct usbdev *, const void *, size_t);

/* Text attributes; a missing one stays "" as in USBGuard. */
static int
fill_strings(struct usbdev *u, const char *sp)
{
	static const struct { const char *attr; setter_fn set; } t[] = {
		{ "product", usbdev_set_name },
		{ "manufacturer", usbdev_set_manufacturer },
		{ "serial", usbdev_set_serial },
		{ "port/connect_type", usbdev_set_connect_type },
	};
	uint8_t buf[USBDEV_STR_MAX + 2];
	size_t i, n;
	int r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = read_attr(sp, t[i].attr, buf, sizeof(buf), &n, 1);
		if (r == MK_ERR_NOT_FOUND)
			continue;
		if (r != 0 || (r = t[i].set(u, buf, n)) != 0)
			return r;
	}
	return 0;
}

/* The device as usbdev.h describes it, without its parent hash. A
 * descriptor that does not parse is not an error here: the policy
 * blocks an unparsed device. */
static int
fill_device(struct usbdev *u, struct udev_device *ud)
{
	const char *sp = udev_device_get_syspath(ud);
	uint8_t *desc;
	size_t n;
	int r;

	if (sp == NULL)
		return MK_ERR_NOT_FOUND;
	if ((r = usbdev_set_port(u, udev_device_get_sysname(ud))) != 0 ||
	    (r = fill_strings(u, sp)) != 0)
		return r;
	if ((desc = malloc(USBDEV_DESC_MAX + 1)) == NULL)
		return MK_ERR_ALLOC;
	r = read_attr(sp, "descriptors", desc, USBDEV_DESC_MAX + 1, &n, 0);
	if (r == 0)
		usbdev_parse_descriptors(u, desc, n, NULL, 0);
	free(desc);
	return r == MK_ERR_NOT_FOUND ? 0 : r;
}

static struct udev_device *
usb_parent(struct udev_device *ud)
{
	return udev_device_get_parent_with_subsystem_devtype(ud, "usb",
	    "usb_device");
}

/* The parent hash: the parent device's hash, or for a root hub that of
 * its controller's DEVPATH (USBGuard's definition). */
static int
fill_parent_hash(struct usbdev *u, struct udev_device *ud)
{
	struct udev_device *p = usb_parent(ud), *ctl;
	struct usbdev *pu = NULL;
	char h[USBDEV_HASH_LEN];
	int r;

	if (p == NULL) {
		ctl = udev_device_get_parent(ud);
		if (ctl == NULL || udev_device_get_devpath(ctl) == NULL)
			return 0;
		r = usbdev_hash_path(udev_device_get_devpath(ctl), h);
	} else {
		if ((pu = usbdev_new()) == NULL)
			return MK_ERR_ALLOC;
		if ((r = fill_device(pu, p)) == 0 && usbdev_parsed(pu))
			r = usbdev_hash(pu, h);
		else if (r == 0)
			goto out;	/* an unparsed parent has no hash */
	}
	if (r == 0)
		r = usbdev_set_parent_hash(u, h);
out:
	usbdev_free(pu);
	return r;
}

/* Appends to a decision's note ("; " between parts); cut if long. */
static void
note_add(char *note, size_t notelen, const char *what, const char *why)
{
	size_t n = strlen(note);

	snprintf(note + n, notelen - n, "%s%s%s%s", n ? "; " : "", what,
	    why[0] ? ": " : "", why);
}

/* Writes the decision where the kernel reads it. A reject is first a
 * block, so that a failed removal still leaves the device unusable. */
static int
enforce(const char *sp, enum usbrule_target t, char *note, size_t notelen)
{
	int r;

	if (t == USBRULE_ALLOW)
		r = write_attr(sp, "authorized", "1");
	else
		r = write_attr(sp, "authorized", "0");
	if (r != 0)
		note_add(note, notelen, "cannot write authorized",
		    mkerr_str(r));
	else if (t == USBRULE_REJECT && write_attr(sp, "remove", "1") != 0)
		note_add(note, notelen, "remove not writable: left "
		    "unauthorized", "");
	return r;
}

static void
format_ifaces(const struct usbdev *u, char *out, size_t outlen)
{
	size_t i, off = 0;
	int n;

	out[0] = '\0';
	for (i = 0; i < usbdev_niface(u); i++) {
		const struct usbdev_iface *f = usbdev_iface(u, i);

		n = snprintf(out + off, outlen - off, "%s%02x:%02x:%02x",
		    off ? " " : "", f->cls, f->subcls, f->proto);
		if (n < 0 || (size_t)n >= outlen - off) {
			/* Cut at an interface boundary, marked. */
			out[off] = '\0';
			if (off + 4 < outlen)
				memcpy(out + off, " ...", 5);
			return;
		}
		off += (size_t)n;
	}
}

/* The table row; strings escaped here, once: they are hostile. */
static void
make_entry(const struct usbdev *u, const struct usbpolicy_decision *dec,
    struct usbd_entry *e)
{
	const uint8_t *p;
	size_t n;

	memset(e, 0, sizeof(*e));
	snprintf(e->port, sizeof(e->port), "%s", usbdev_port(u));
	snprintf(e->id, sizeof(e->id), "%04x:%04x", usbdev_vendor(u),
	    usbdev_product(u));
	p = usbdev_serial(u, &n);
	mktext_escape(p, n, e->serial, sizeof(e->serial));
	p = usbdev_name(u, &n);
	mktext_escape(p, n, e->name, sizeof(e->name));
	format_ifaces(u, e->ifaces, sizeof(e->ifaces));
	snprintf(e->target, sizeof(e->target), "%s",
	    usbrule_target_name(dec->target));
	e->rule = dec->rule;
	snprintf(e->reason, sizeof(e->reason), "%s",
	    usbpolicy_reason_token(dec->reason));
}

/* Replaces the row of the same port, or adds one (d->lock held). */
static void
table_put_locked(struct usbd *g, const struct usbd_entry *e)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (strcmp(g->dev[i].port, e->port) == 0)
			break;
	if (i == g->n) {
		if (g->n == USBD_DEVICES_MAX) {
			diag(LOG_WARNING, "usb: device table full");
			return;
		}
		g->n++;
	}
	g->dev[i] = *e;
}

static void
table_remove_locked(struct usbd *g, const char *port)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (strcmp(g->dev[i].port, port) == 0) {
			g->dev[i] = g->dev[--g->n];
			return;
		}
}

static int
log_decision(struct daemon *d, const struct usbd_entry *e,
    const struct usbpolicy_decision *dec, const char *note)
{
	char rule[16];
	struct logkv kv[8] = {
		{ "id", e->id }, { "serial", e->serial }, { "name", e->name },
		{ "interfaces", e->ifaces }, { "rule", rule },
		{ "target", e->target }, { "reason", e->reason },
		{ "note", note },
	};

	snprintf(rule, sizeof(rule), "%d", dec->rule);
	diag(LOG_NOTICE, "usb %s %s: %s (%s)%s%s", e->port, e->id,
	    e->target, e->reason, note[0] ? ": " : "", note);
	/* Unprovisioned, there is no log yet; a block still holds. */
	return daemon_log(d, dec->severity, "system", "-", "usb.decision",
	    e->port, note[0] ? 8 : 7, kv);
}

static uint64_t
ns_between(const struct timespec *a, const struct timespec *b)
{
	int64_t ns = (int64_t)(b->tv_sec - a->tv_sec) * 1000000000 +
	    (b->tv_nsec - a->tv_nsec);

	return ns > 0 ? (uint64_t)ns : 0;
}

/* The device is the one a restore asked for, the machine is still
 * unprovisioned, and it offers nothing but storage. */
static int
restore_medium(struct daemon *d, const struct usbdev *u)
{
	int r;

	pthread_mutex_lock(&d->lock);
	r = !d->provisioned && d->usb->restore_port[0] != '\0' &&
	    strcmp(d->usb->restore_port, usbdev_port(u)) == 0;
	pthread_mutex_unlock(&d->lock);
	return r && usbdev_parsed(u) && usbops_storage_only(u);
}

/* Decides one device and writes the decision to sysfs. Any failure to
 * read the device is a block: the policy sees it unparsed. received is
 * when the uevent arrived, NULL for a scan: the decision's latency is
 * counted from then to the sysfs write, the part a user waits for. */
static void
decide(struct daemon *d, struct udev_device *ud,
    const struct timespec *received)
{
	struct timespec written;
	struct usbd *g = d->usb;
	struct usbpolicy_decision dec;
	struct usbd_entry e;
	struct usbdev *u;
	char note[160] = "";
	int r, logged = 0;

	if ((u = usbdev_new()) == NULL) {
		write_attr(udev_device_get_syspath(ud), "authorized", "0");
		return;
	}
	if ((r = fill_device(u, ud)) != 0 ||
	    (r = fill_parent_hash(u, ud)) != 0) {
		/* Blocked on what could be read; the reason is kept. */
		usbdev_parse_descriptors(u, "", 0, NULL, 0);
		note_add(note, sizeof(note), "cannot read the device",
		    mkerr_str(r));
	}
	usbpolicy_decide(g->rules, u, &dec);
	if (note[0] == '\0' && restore_medium(d, u)) {
		dec.target = USBRULE_ALLOW;
		dec.reason = USBPOL_RESTORE;
		dec.severity = USBPOL_SEV_TRUNG_BINH;
		dec.rule = -1;
	}
	if (note[0] != '\0' && dec.target == USBRULE_ALLOW)
		dec.target = USBRULE_BLOCK;
	make_entry(u, &dec, &e);
	if (e.port[0] == '\0')
		snprintf(e.port, sizeof(e.port), "%s",
		    udev_device_get_sysname(ud));
	/* Write-ahead: admitting anything but a keyboard, mouse or hub is
	 * an action the log must hold first; if it cannot, the device stays
	 * blocked. (Input devices are admitted regardless, so that nobody is
	 * locked out of the console by a full log.) */
	if (dec.target == USBRULE_ALLOW && dec.reason != USBPOL_HID_HUB) {
		/* There is no log before the restore: its admission goes
		 * into the restored log's machine.restore record. */
		if (dec.reason == USBPOL_RESTORE ||
		    log_decision(d, &e, &dec, note) == 0)
			logged = 1;
		else {
			dec.target = USBRULE_BLOCK;
			note_add(note, sizeof(note), "the admission could not "
			    "be logged", "kept blocked");
			snprintf(e.target, sizeof(e.target), "%s",
			    usbrule_target_name(dec.target));
		}
	}
	r = enforce(udev_device_get_syspath(ud), dec.target, note,
	    sizeof(note));
	if (received != NULL)
		clock_gettime(CLOCK_MONOTONIC, &written);
	pthread_mutex_lock(&d->lock);
	table_put_locked(g, &e);
	if (received != NULL)
		mkhist_add(g->latency, ns_between(received, &written));
	pthread_mutex_unlock(&d->lock);
	if (!logged)
		log_decision(d, &e, &dec, note);
	else if (r != 0)
		diag(LOG_WARNING, "usb %s: admitted in the log but %s", e.port,
		    note);
	usbdev_free(u);
	/* A device we could not block may be in use: the guard has failed
	 * at its job. One that is gone (unplugged meanwhile) is not. */
	if (r != 0 && r != MK_ERR_NOT_FOUND && dec.target != USBRULE_ALLOW)
		guard_lockdown(d, "USB guard failed: cannot block a USB "
		    "device", "usb.guard-failed");
}

/* A missing file is no rules; a broken one is no rules either (only the
 * fixed protections, so no storage at all), and status says why. */
static void
load_rules(struct usbd *g, const char *path)
{
	struct usbrule_error err;
	struct mkbuf *b = NULL;
	char where[256];
	int r;

	g->rules_why[0] = '\0';
	r = mkfs_read_file(path, USBRULES_FILE_MAX, &b);
	if (r == MK_ERR_NOT_FOUND)
		return;
	if (r != 0) {
		snprintf(g->rules_why, sizeof(g->rules_why), "rules file "
		    "unreadable (%s): only the fixed protections apply",
		    mkerr_str(r));
		return;
	}
	r = usbrules_parse(mkbuf_ptr(b), mkbuf_len(b), &g->rules, &err);
	mkbuf_free(b);
	if (r == 0)
		return;
	usbrule_error_format(&err, where, sizeof(where));
	snprintf(g->rules_why, sizeof(g->rules_why), "rules file refused "
	    "(%s): only the fixed protections apply", where);
}

static int
is_root_hub(struct udev_device *ud)
{
	return usb_parent(ud) == NULL;
}

/* Root hubs first: from then on a new device waits for us. Returns the
 * number of root hubs that could not be closed, or -1. */
static int
scan(struct daemon *d, int roots)
{
	struct udev_enumerate *en;
	struct udev_list_entry *le;
	struct udev_device *ud;
	int failed = 0;

	if ((en = udev_enumerate_new(d->usb->udev)) == NULL)
		return -1;
	udev_enumerate_add_match_subsystem(en, "usb");
	udev_enumerate_add_match_property(en, "DEVTYPE", "usb_device");
	udev_enumerate_scan_devices(en);
	udev_list_entry_foreach(le, udev_enumerate_get_list_entry(en)) {
		ud = udev_device_new_from_syspath(d->usb->udev,
		    udev_list_entry_get_name(le));
		if (ud == NULL)
			continue;
		if (roots && is_root_hub(ud) &&
		    write_attr(udev_device_get_syspath(ud),
		    "authorized_default", "0") != 0) {
			diag(LOG_ERR, "usb: cannot close root hub %s",
			    udev_device_get_sysname(ud));
			failed++;
		} else if (!roots)
			decide(d, ud, NULL);
		udev_device_unref(ud);
	}
	udev_enumerate_unref(en);
	return failed;
}

static int
open_udev(struct usbd *g)
{
	if ((g->udev = udev_new()) == NULL ||
	    (g->mon = udev_monitor_new_from_netlink(g->udev, "udev")) == NULL ||
	    udev_monitor_filter_add_match_subsystem_devtype(g->mon, "usb",
	    "usb_device") < 0 ||
	    udev_monitor_enable_receiving(g->mon) < 0)
		return MK_ERR_SYSTEM;
	return 0;
}

int
usbd_start(struct daemon *d)
{
	struct usbd *g;
	int r;

	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (g->latency = mkhist_new()) == NULL) {
		usbd_free(g);
		r = MK_ERR_ALLOC;
		goto fail;
	}
	load_rules(g, d->conf.usb_rules);
	/* The monitor listens before the scan, so that a device plugged
	 * in between is seen at least once. */
	if ((r = open_udev(g)) != 0) {
		usbd_free(g);
		goto fail;
	}
	pthread_mutex_lock(&d->lock);
	d->usb = g;
	pthread_mutex_unlock(&d->lock);
	if (g->rules_why[0] != '\0')
		diag(LOG_ERR, "usb: %s", g->rules_why);
	if (scan(d, 1) != 0) {
		r = MK_ERR_SYSTEM;
		guard_lockdown(d, "USB guard failed: cannot set "
		    "authorized_default on a root hub", "usb.guard-failed");
	}
	scan(d, 0);
	return r;
fail:
	pthread_mutex_lock(&d->lock);
	snprintf(d->usb_fail, sizeof(d->usb_fail), "cannot open udev: %s",
	    mkerr_str(r));
	pthread_mutex_unlock(&d->lock);
	guard_lockdown(d, "USB guard failed: cannot open udev",
	    "usb.guard-failed");
	return r;
}

int
usbd_fd(const struct usbd *g)
{
	return g != NULL && g->mon != NULL ?
	    udev_monitor_get_fd(g->mon) : -1;
}

void
usbd_on_event(struct daemon *d)
{
	struct udev_device *ud;
	struct timespec received;
	const char *action;

	if (d->usb == NULL)
		return;
	errno = 0;
	while ((ud = udev_monitor_receive_device(d->usb->mon)) != NULL) {
		clock_gettime(CLOCK_MONOTONIC, &received);
		action = udev_device_get_action(ud);
		if (action != NULL && strcmp(action, "remove") == 0) {
			pthread_mutex_lock(&d->lock);
			table_remove_locked(d->usb,
			    udev_device_get_sysname(ud));
			pthread_mutex_unlock(&d->lock);
		} else if (action != NULL && (strcmp(action, "add") == 0 ||
		    strcmp(action, "change") == 0))
			decide(d, ud, &received);
		udev_device_unref(ud);
		errno = 0;
	}
	/* Events were lost: a device that arrived meanwhile waits
	 * unauthorized (authorized_default 0), so deciding all again is
	 * enough. */
	if (errno == ENOBUFS) {
		diag(LOG_WARNING, "usb: udev events lost: deciding again");
		scan(d, 0);
	}
}

void
usbd_free(struct usbd *g)
{
	if (g == NULL)
		return;
	usbrules_free(g->rules);
	mkhist_free(g->latency);
	if (g->mon != NULL)
		udev_monitor_unref(g->mon);
	if (g->udev != NULL)
		udev_unref(g->udev);
	free(g);
}

/* "uevent decisions N, latency median X us, p99 Y us" (d->lock held). */
static void
format_latency(const struct mkhist *h, char *out, size_t outlen)
{
	uint64_t n = mkhist_count(h), med, p99;
	int r;

	if (n == 0)
		r = snprintf(out, outlen, "uevent decisions 0");
	else {
		med = mkhist_quantile(h, 0.5);
		p99 = mkhist_quantile(h, 0.99);
		r = snprintf(out, outlen, "uevent decisions %" PRIu64
		    ", latency median %" PRIu64 ".%" PRIu64 " us, p99 %"
		    PRIu64 ".%" PRIu64 " us", n, med / 1000,
		    med % 1000 / 100, p99 / 1000, p99 % 1000 / 100);
	}
	if (r < 0 || (size_t)r >= outlen)
		out[0] = '\0';
}

/* The running line, the latency last, so that a reader matching its
 * start sees what it always saw. Returns what snprintf returned. */
static int
format_running(const struct usbd *g, const char *lat, char *out,
    size_t outlen)
{
	const char *sep = lat[0] != '\0' ? "; " : "";

	if (g->rules_why[0] != '\0')
		return snprintf(out, outlen, "running, %zu devices; %s%s%s",
		    g->n, g->rules_why, sep, lat);
	return snprintf(out, outlen, "running, %zu devices, %zu rules%s%s",
	    g->n, usbrules_count(g->rules), sep, lat);
}

void
usbd_status_locked(const struct daemon *d, char *out, size_t outlen)
{
	const struct usbd *g = d->usb;
	char lat[128];
	int n;

	if (g == NULL) {
		n = snprintf(out, outlen, "failed: %s", d->usb_fail[0] ?
		    d->usb_fail : "not started");
		if (n < 0 || (size_t)n >= outlen)
			snprintf(out, outlen, "failed");
		return;
	}
	format_latency(g->latency, lat, sizeof(lat));
	/* Too long: the latency goes first, the rules' state last. */
	n = format_running(g, lat, out, outlen);
	if (n < 0 || (size_t)n >= outlen)
		n = format_running(g, "", out, outlen);
	if (n < 0 || (size_t)n >= outlen)
		snprintf(out, outlen, "running");
}

void
usbd_reload(struct daemon *d)
{
	struct usbrules *old;

	if (d->usb == NULL)
		return;
	/* Swapped under the lock: status reads rules_why and the count. */
	pthread_mutex_lock(&d->lock);
	old = d->usb->rules;
	d->usb->rules = NULL;
	load_rules(d->usb, d->conf.usb_rules);
	pthread_mutex_unlock(&d->lock);
	usbrules_free(old);
	if (d->usb->rules_why[0] != '\0')
		diag(LOG_ERR, "usb: %s", d->usb->rules_why);
	scan(d, 0);
}

void
usbd_on_notify(struct daemon *d)
{
	uint64_t want;

	pthread_mutex_lock(&d->lock);
	want = d->usb_want;
	pthread_mutex_unlock(&d->lock);
	if (want != d->usb_done)
		usbd_reload(d);
	pthread_mutex_lock(&d->lock);
	d->usb_done = want;
	pthread_cond_broadcast(&d->usb_cond);
	pthread_mutex_unlock(&d->lock);
}

void
usbd_redecide(struct daemon *d)
{
	uint64_t one = 1, mine;

	pthread_mutex_lock(&d->lock);
	mine = ++d->usb_want;
	pthread_mutex_unlock(&d->lock);
	if (write(d->notify_fd, &one, sizeof(one)) < 0)
		diag(LOG_ERR, "usb: cannot wake the main thread");
	pthread_mutex_lock(&d->lock);
	while (d->usb_done < mine && !d->stopping)
		pthread_cond_wait(&d->usb_cond, &d->lock);
	pthread_mutex_unlock(&d->lock);
}

int
usbd_read_device(const char *port, struct usbdev **out)
{
	struct udev *udev = NULL;
	struct udev_device *ud = NULL;
	struct usbdev *u = NULL;
	int r = MK_ERR_NOT_FOUND;

	*out = NULL;
	if ((udev = udev_new()) == NULL) {
		r = MK_ERR_SYSTEM;
		goto out;
	}
	ud = udev_device_new_from_subsystem_sysname(udev, "usb", port);
	if (ud == NULL || udev_device_get_devtype(ud) == NULL ||
	    strcmp(udev_device_get_devtype(ud), "usb_device") != 0)
		goto out;
	if ((u = usbdev_new()) == NULL) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	if ((r = fill_device(u, ud)) != 0)
		goto out;
	*out = u;
	u = NULL;
out:
	usbdev_free(u);
	if (ud != NULL)
		udev_device_unref(ud);
	if (udev != NULL)
		udev_unref(udev);
	return r;
}

size_t
usbd_count_locked(const struct daemon *d)
{
	return d->usb != NULL ? d->usb->n : 0;
}

const struct usbd_entry *
usbd_entry_locked(const struct daemon *d, size_t i)
{
	return d->usb != NULL && i < d->usb->n ? &d->usb->dev[i] : NULL;
}

int
usbd_check(struct daemon *d, char *why, size_t whylen)
{
	if (d->usb == NULL) {
		pthread_mutex_lock(&d->lock);
		snprintf(why, whylen, "the USB guard is not running: %s",
		    d->usb_fail);
		pthread_mutex_unlock(&d->lock);
		return MK_ERR_LOCKED;
	}
	if (scan(d, 1) != 0) {
		snprintf(why, whylen, "the USB guard cannot set "
		    "authorized_default on a root hub");
		return MK_ERR_LOCKED;
	}
	return 0;
}

int
usbd_restore_admit(struct daemon *d, const char *port)
{
	int r = 0;

	pthread_mutex_lock(&d->lock);
	if (d->usb == NULL || d->provisioned ||
	    strlen(port) >= sizeof(d->usb->restore_port))
		r = MK_ERR_PROVISIONED;
	else
		snprintf(d->usb->restore_port, sizeof(d->usb->restore_port),
		    "%s", port);
	pthread_mutex_unlock(&d->lock);
	if (r == 0)
		usbd_redecide(d);
	return r;
}

void
usbd_restore_release(struct daemon *d)
{
	if (d->usb == NULL)
		return;
	pthread_mutex_lock(&d->lock);
	d->usb->restore_port[0] = '\0';
	pthread_mutex_unlock(&d->lock);
	usbd_redecide(d);
}
