/*
 * Mounting registered media (kiosk/media.h). Every check is made again at
 * each mount, from udev, not from what the guard saw at plug time: the
 * device could have been replaced by a clone since.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libudev.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/text.h"
#include "daemon.h"
#include "media.h"
#include "usbguard/usbdev.h"
#include "usbguardd.h"

#define REGISTRY_MAX	(1024 * 1024)

/* Field i (from 0) of a tab-separated line, into out. */
static int
tab_field(const char *line, size_t len, int i, char *out, size_t outlen)
{
	const char *p = line, *end = line + len, *t;

	for (; i > 0; i--) {
		if ((t = memchr(p, '\t', (size_t)(end - p))) == NULL)
			return -1;
		p = t + 1;
	}
	t = memchr(p, '\t', (size_t)(end - p));
	len = (size_t)((t != NULL ? t : end) - p);
	if (len >= outlen)
		return -1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

/* The registry line (hash, id, serial, label, owner, direction, time)
 * of serial. */
static int
find_registered(struct daemon *d, struct medium *m)
{
	struct mkbuf *b = NULL;
	const char *p, *end, *nl;
	char path[1400], ser[MEDIA_SERIAL_MAX];
	int r;

	if ((r = mkfs_path(path, sizeof(path), "%s/usb-registry",
	    d->sd.root)) != 0)
		return r;
	pthread_mutex_lock(&d->lock);
	r = mkfs_read_file(path, REGISTRY_MAX, &b);
	pthread_mutex_unlock(&d->lock);
	if (r != 0)
		return MK_ERR_MEDIUM;
	p = (const char *)mkbuf_ptr(b);
	end = p + mkbuf_len(b);
	r = MK_ERR_MEDIUM;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (tab_field(p, (size_t)(nl - p), 2, ser, sizeof(ser)) == 0 &&
		    strcmp(ser, m->serial) == 0 &&
		    tab_field(p, (size_t)(nl - p), 0, m->hash,
		    sizeof(m->hash)) == 0 &&
		    tab_field(p, (size_t)(nl - p), 5, m->direction,
		    sizeof(m->direction)) == 0) {
			r = 0;
			break;
		}
	}
	mkbuf_free(b);
	return r;
}

/* The port of the present device with that serial, which the guard
 * allowed (or, any, whatever it decided). Two present devices with the
 * same serial: refused (a clone beside the original cannot be told
 * apart). */
static int
find_device(struct daemon *d, struct medium *m, int any)
{
	const struct usbd_entry *e;
	size_t i, n, found = 0;

	m->port[0] = '\0';
	pthread_mutex_lock(&d->lock);
	n = usbd_count_locked(d);
	for (i = 0; i < n; i++) {
		e = usbd_entry_locked(d, i);
		if (strcmp(e->serial, m->serial) != 0)
			continue;
		found++;
		if (any || strcmp(e->target, "allow") == 0)
			snprintf(m->port, sizeof(m->port), "%s", e->port);
	}
	pthread_mutex_unlock(&d->lock);
	return found == 1 && m->port[0] != '\0' ? 0 : MK_ERR_MEDIUM;
}

static int
find_present(struct daemon *d, struct medium *m)
{
	return find_device(d, m, 0);
}

/* The device read again from sysfs: nothing but storage, and of the hash
 * registered (or, take_hash, its hash kept in m->hash for the next
 * check). */
static int
device_check(struct medium *m, int take_hash, char *why, size_t whylen)
{
	struct usbdev *u = NULL;
	char hash[USBDEV_HASH_LEN];
	int r = MK_ERR_MEDIUM;

	if (usbd_read_device(m->port, &u) != 0)
		snprintf(why, whylen, "the device is gone");
	else if (!usbdev_parsed(u) || usbdev_hash(u, hash) != 0)
		snprintf(why, whylen, "the device's descriptors do not parse");
	else if (!take_hash && strcmp(hash, m->hash) != 0)
		snprintf(why, whylen, "the device is not the one registered "
		    "(its descriptors changed)");
	else if (!usbops_storage_only(u))
		snprintf(why, whylen, "the device offers more than storage");
	else
		r = 0;
	if (r == 0 && take_hash)
		snprintf(m->hash, sizeof(m->hash), "%s", hash);
	usbdev_free(u);
	return r;
}

static int
recheck(struct medium *m, char *why, size_t whylen)
{
	return device_check(m, 0, why, whylen);
}

/* The MAJ:MIN of the device's block child: a partition if there is
 * one, else the whole disk. */
static int
find_block(struct medium *m, char *why, size_t whylen)
{
	struct udev *udev = NULL;
	struct udev_device *usb = NULL, *bd;
	struct udev_enumerate *en = NULL;
	struct udev_list_entry *le;
	const char *dev, *type;
	int r = MK_ERR_MEDIUM, part = 0;

	snprintf(why, whylen, "the device shows no block device");
	if ((udev = udev_new()) == NULL ||
	    (usb = udev_device_new_from_subsystem_sysname(udev, "usb",
	    m->port)) == NULL || (en = udev_enumerate_new(udev)) == NULL ||
	    udev_enumerate_add_match_subsystem(en, "block") < 0 ||
	    udev_enumerate_add_match_parent(en, usb) < 0 ||
	    udev_enumerate_scan_devices(en) < 0)
		goto out;
	udev_list_entry_foreach(le, udev_enumerate_get_list_entry(en)) {
		bd = udev_device_new_from_syspath(udev,
		    udev_list_entry_get_name(le));
		if (bd == NULL)
			continue;
		dev = udev_device_get_sysattr_value(bd, "dev");
		type = udev_device_get_devtype(bd);
		if (dev != NULL && strlen(dev) < sizeof(m->devnum) &&
		    (!part || (type != NULL &&
		    strcmp(type, "partition") == 0))) {
			snprintf(m->devnum, sizeof(m->devnum), "%s", dev);
			part = type != NULL && strcmp(type, "partition") == 0;
			r = 0;
		}
		udev_device_unref(bd);
	}
out:
	if (en != NULL)
		udev_enumerate_unref(en);
	if (usb != NULL)
		udev_device_unref(usb);
	if (udev != NULL)
		udev_unref(udev);
	return r;
}

static int
make_node(struct medium *m)
{
	unsigned maj, min;
	char extra;

	if (sscanf(m->devnum, "%u:%u%c", &maj, &min, &extra) != 2)
		return MK_ERR_MEDIUM;
	if (mknod(m->node, S_IFBLK | 0600, makedev(maj, min)) != 0)
		return mkerr_from_errno(errno);
	return 0;
}

/* Kernel file systems of removable media, tried in order. */
static const char *const fstypes[] = { "vfat", "exfat", "ext4", NULL };

static int
do_mount(struct medium *m)
{
	unsigned long fl = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
	    (m->rw ? 0 : MS_RDONLY);
	int i, err = ENODEV;

	for (i = 0; fstypes[i] != NULL; i++) {
		/* ext4 read-only: "noload" keeps even the journal replay
		 * from writing to an import medium. */
		const char *opt = !m->rw && strcmp(fstypes[i], "ext4") == 0 ?
		    "noload" : NULL;

		if (mount(m->node, m->mnt, fstypes[i], fl, opt) == 0)
			return 0;
		if (errno != EINVAL && errno != ENODEV)
			err = errno;
	}
	return mkerr_from_errno(err);
}

static int
make_dir(struct daemon *d, struct medium *m)
{
	char base[1300];
	int r;

	if ((r = mkfs_path(base, sizeof(base), "%s/media", d->sd.root)) != 0)
		return r;
	if (mkdir(base, 0700) != 0 && errno != EEXIST)
		return mkerr_from_errno(errno);
	if ((r = mkfs_path(m->dir, sizeof(m->dir), "%s/m.XXXXXX",
	    base)) != 0 || mkdtemp(m->dir) == NULL)
		return r != 0 ? r : mkerr_from_errno(errno);
	if ((r = mkfs_path(m->node, sizeof(m->node), "%s/dev", m->dir)) != 0 ||
	    (r = mkfs_path(m->mnt, sizeof(m->mnt), "%s/mnt", m->dir)) != 0)
		return r;
	if (mkdir(m->mnt, 0700) != 0)
		return mkerr_from_errno(errno);
	return 0;
}

/* 1 when a medium registered with direction may serve purpose. */
static int
purpose_ok(const char *direction, int purpose)
{
	switch (purpose) {
	case MEDIA_IMPORT:
		return !strcmp(direction, "import") || !strcmp(direction, "both");
	case MEDIA_EXPORT:
		return !strcmp(direction, "export") || !strcmp(direction, "both");
	case MEDIA_BACKUP:
		return !strcmp(direction, "backup");
	default:
		return 0;
	}
}

int
media_open(struct daemon *d, const char *serial, int purpose,
    struct medium *m, char *why, size_t whylen)
{
	static const char *const names[] = { "import", "export", "backup" };
	int r;

	memset(m, 0, sizeof(*m));
	snprintf(m->serial, sizeof(m->serial), "%s", serial);
	/* Read-write only for a medium registered to receive copies. */
	m->rw = purpose != MEDIA_IMPORT;
	snprintf(why, whylen, "no registered medium with this serial");
	if ((r = find_registered(d, m)) != 0)
		return MK_ERR_MEDIUM;
	snprintf(why, whylen, "the medium is not registered for %s",
	    purpose >= 0 && purpose <= MEDIA_BACKUP ? names[purpose] : "this");
	if (!purpose_ok(m->direction, purpose))
		return MK_ERR_MEDIUM;
	snprintf(why, whylen, "the registered medium is not plugged in, or "
	    "not authorized by the USB guard");
	if ((r = find_present(d, m)) != 0)
		return MK_ERR_MEDIUM;
	if ((r = recheck(m, why, whylen)) != 0 ||
	    (r = find_block(m, why, whylen)) != 0)
		return r;
	snprintf(why, whylen, "cannot mount the medium");
	if ((r = make_dir(d, m)) != 0 || (r = make_node(m)) != 0 ||
	    (r = do_mount(m)) != 0) {
		media_close(m);
		return r;
	}
	m->mounted = 1;
	return 0;
}

int
media_open_restore(struct daemon *d, const char *serial, struct medium *m,
    char *why, size_t whylen)
{
	int r, i;

	memset(m, 0, sizeof(*m));
	snprintf(m->serial, sizeof(m->serial), "%s", serial);
	snprintf(m->direction, sizeof(m->direction), "restore");
	snprintf(why, whylen, "no USB device with this serial is plugged in "
	    "(or two are)");
	if (find_device(d, m, 1) != 0)
		return MK_ERR_MEDIUM;
	if ((r = device_check(m, 1, why, whylen)) != 0)
		return r;
	snprintf(why, whylen, "the machine is provisioned: a restore is only "
	    "onto a new machine");
	if (usbd_restore_admit(d, m->port) != 0)
		return MK_ERR_PROVISIONED;
	m->restore = d;
	/* Admitted, the kernel binds its storage driver: the block device
	 * shows up within seconds. */
	snprintf(why, whylen, "the medium was not admitted");
	for (i = 0; i < 100 && find_present(d, m) != 0; i++)
		usleep(100 * 1000);
	if (find_present(d, m) != 0 || (r = recheck(m, why, whylen)) != 0) {
		media_close(m);
		return MK_ERR_MEDIUM;
	}
	for (i = 0; i < 100 && (r = find_block(m, why, whylen)) != 0; i++)
		usleep(100 * 1000);
	snprintf(why, whylen, "cannot mount the medium");
	if (r != 0 || (r = make_dir(d, m)) != 0 || (r = make_node(m)) != 0 ||
	    (r = do_mount(m)) != 0) {
		media_close(m);
		return r != 0 ? r : MK_ERR_MEDIUM;
	}
	m->mounted = 1;
	return 0;
}

void
media_close(struct medium *m)
{
	if (m->mounted) {
		sync();
		if (umount2(m->mnt, 0) != 0) {
			/* Busy (a reader the daemon does not know of): gone
			 * from the tree now, and from the kernel once the
			 * last user lets go. */
			diag(LOG_WARNING, "medium %s: unmount: %s; detached",
			    m->serial, strerror(errno));
			umount2(m->mnt, MNT_DETACH);
		}
		m->mounted = 0;
	}
	if (m->node[0] != '\0')
		unlink(m->node);
	if (m->mnt[0] != '\0')
		rmdir(m->mnt);
	if (m->dir[0] != '\0')
		rmdir(m->dir);
	m->node[0] = m->mnt[0] = m->dir[0] = '\0';
	if (m->restore != NULL) {
		usbd_restore_release(m->restore);
		m->restore = NULL;
	}
}

void
media_cleanup_stale(const char *state)
{
	struct medium m;
	struct dirent *de;
	char base[1300];
	DIR *dp;

	if (mkfs_path(base, sizeof(base), "%s/media", state) != 0 ||
	    (dp = opendir(base)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		if (strncmp(de->d_name, "m.", 2) != 0)
			continue;
		memset(&m, 0, sizeof(m));
		if (mkfs_path(m.dir, sizeof(m.dir), "%s/%s", base,
		    de->d_name) != 0 || mkfs_path(m.node, sizeof(m.node),
		    "%s/dev", m.dir) != 0 || mkfs_path(m.mnt, sizeof(m.mnt),
		    "%s/mnt", m.dir) != 0)
			continue;
		umount2(m.mnt, MNT_DETACH);
		media_close(&m);
	}
	closedir(dp);
}

int
media_path_ok(const char *rel)
{
	const char *p = rel, *slash;
	size_t n;

	if (rel[0] == '\0' || rel[0] == '/' || strlen(rel) > 1024 ||
	    !mktext_is_clean(rel, strlen(rel)))
		return 0;
	for (;;) {
		slash = strchr(p, '/');
		n = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (slash == NULL)
			return 1;
		p = slash + 1;
	}
}

int
media_openat(const struct medium *m, const char *rel, int flags, int mode,
    int *fd)
{
	struct open_how how;
	int root, e;

	*fd = -1;
	if (!media_path_ok(rel))
		return MK_ERR_USAGE;
	if ((root = open(m->mnt, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return mkerr_from_errno(errno);
	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW);
	how.mode = (uint64_t)((flags & O_CREAT) ? mode : 0);
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
	*fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
	e = errno;
	close(root);
	return *fd >= 0 ? 0 : mkerr_from_errno(e);
}
