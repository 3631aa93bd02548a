/*
 * The USB guard (R2): decides every USB device through libudev and the
 * kernel's per-device authorized attribute (docs/architecture.md, "USB
 * guard"). Main thread only, except usbd_status_locked and
 * usbd_table_locked, which session threads call with d->lock held.
 *
 * Start: authorized_default = 0 on every root hub, so that a device
 * plugged from now on waits for a decision; then every present device is
 * decided; then the udev monitor is followed for "add" and "change".
 * Fail closed: a rules file that does not parse leaves only the fixed
 * protections (no storage allowed); udev that cannot be opened is a
 * lockdown. Stopping the daemon leaves every device as it is.
 */
#ifndef MATKIOSK_USBGUARDD_H
#define MATKIOSK_USBGUARDD_H

#include <stddef.h>
#include <stdint.h>

#define USBD_DEVICES_MAX	128

struct daemon;
struct usbd;

/* One present device and its last decision, for `usb list`; every
 * string already escaped. */
struct usbd_entry {
	char	port[64];
	char	id[10];			/* "0781:5567" */
	char	serial[4 * 384 + 1];
	char	name[4 * 384 + 1];
	char	ifaces[256];		/* "08:06:50 03:01:01" */
	char	target[8];		/* allow, block, reject */
	int	rule;			/* -1: a fixed protection */
	char	reason[32];		/* usbpolicy_reason_token */
};

/* Opens udev, closes root hubs, decides every present device. On
 * failure the daemon is locked down (fail closed) and an error
 * returned. */
int usbd_start(struct daemon *d);
/* The monitor's fd for the event loop; -1 when not running. */
int usbd_fd(const struct usbd *u);
/* Decides the devices the monitor reports. */
void usbd_on_event(struct daemon *d);
/* Frees the guard; devices keep their state. Accepts NULL. */
void usbd_free(struct usbd *u);
/* Before a lockdown is cleared (main thread): 0 if the guard runs and
 * every root hub is closed (tried again now), else MK_ERR_LOCKED and
 * why. */
int usbd_check(struct daemon *d, char *why, size_t whylen);
/* Reads the rules file again and decides every present device again
 * (main thread: SIGHUP, or a session's request). */
void usbd_reload(struct daemon *d);
/* The main thread's side of the notify eventfd: reloads the rules and
 * decides every present device again when a session asked for it. */
void usbd_on_notify(struct daemon *d);
/* A session thread's request to reload the rules and decide again;
 * returns once the main thread has done it (or the daemon stops). */
void usbd_redecide(struct daemon *d);

/* The present device of that kernel name, read from sysfs through a
 * private udev context (any thread): MK_ERR_NOT_FOUND if absent. The
 * caller frees it with usbdev_free. */
struct usbdev;
int usbd_read_device(const char *port, struct usbdev **out);
/*
 * A restore onto an unprovisioned machine: the storage-only device at
 * port is admitted (reason "restore"), every device decided again; the
 * admission is not logged, there being no log yet (the restore records
 * it). Released: decided again under the rules. MK_ERR_PROVISIONED
 * once provisioned.
 */
int usbd_restore_admit(struct daemon *d, const char *port);
void usbd_restore_release(struct daemon *d);

/* 1 when the device has nothing but mass storage interfaces, at device,
 * function and interface level (kiosk/usbops.c): what registration and
 * mounting both require. */
int usbops_storage_only(const struct usbdev *u);

/* The device table (d->lock held); i < usbd_count_locked. */
size_t usbd_count_locked(const struct daemon *d);
const struct usbd_entry *usbd_entry_locked(const struct daemon *d,
    size_t i);

/* "running, N devices, N rules; uevent decisions N, latency median X us,
 * p99 Y us" (the rules' part is "; why" when the rules file does not
 * apply, and the latency part stops at "uevent decisions 0" until an
 * "add" or "change" has been decided), or "failed: why" (d->lock held).
 * The latency runs from the uevent received to the decision written to
 * sysfs; decisions of a scan have no uevent and are not counted. */
void usbd_status_locked(const struct daemon *d, char *out, size_t outlen);

#endif /* MATKIOSK_USBGUARDD_H */
