/*
 * Media sanitization (Articles 6.4, 13.4): a whole USB medium (or a loop
 * device, for images) overwritten with a pseudorandom stream
 * (AES-256-CTR under a fresh random key, so nothing compresses or repeats),
 * synced, then read back from the device — the page cache dropped first —
 * and compared with the stream regenerated. A medium the daemon cannot
 * prove wiped is reported as failed, with the first offset that differs.
 *
 * Only whole disks that are USB-attached, or loop devices, are accepted,
 * and none of whose partitions is mounted or held (by device-mapper, RAID):
 * the daemon never overwrites the disk it runs from.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/major.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <gcrypt.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "sanitize.h"

#define CHUNK	(1 << 20)

static int
read_sysfs(const char *path, char *out, size_t len)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, out, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

/* "maj:min" of the disk and each of its partitions, for the mount check. */
static int
collect_devs(const char *name, char devs[][16], size_t max, size_t *n)
{
	char path[PATH_MAX], dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	*n = 0;
	snprintf(path, sizeof(path), "/sys/class/block/%s/dev", name);
	if (read_sysfs(path, devs[(*n)++], 16) != 0)
		return MK_ERR_NOT_FOUND;
	snprintf(dir, sizeof(dir), "/sys/class/block/%s", name);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && *n < max) {
		if (strncmp(de->d_name, name, strlen(name)) != 0)
			continue;
		if (mkfs_path(path, sizeof(path), "%s/%s/dev", dir,
		    de->d_name) == 0 && read_sysfs(path, devs[*n], 16) == 0)
			(*n)++;
	}
	closedir(d);
	return 0;
}

static int
in_use(const char *name, char devs[][16], size_t n, char *why, size_t whylen)
{
	char line[4096], path[PATH_MAX], a[32];
	struct dirent *de;
	FILE *f;
	size_t i;
	DIR *d;

	if ((f = fopen("/proc/self/mountinfo", "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			if (sscanf(line, "%*s %*s %31s", a) != 1)
				continue;
			for (i = 0; i < n; i++)
				if (strcmp(a, devs[i]) == 0) {
					fclose(f);
					snprintf(why, whylen, "%s (or a "
					    "partition of it, %s) is mounted",
					    name, a);
					return 1;
				}
		}
		fclose(f);
	}
	snprintf(path, sizeof(path), "/sys/class/block/%s/holders", name);
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.') {
				closedir(d);
				snprintf(why, whylen, "%s is held by %s", name,
				    de->d_name);
				return 1;
			}
		closedir(d);
	}
	return 0;
}

/* The device's own: the whole device must not appear in the mount table
 * (a partition's mount is caught by the exclusive open). */
static int
mounted(dev_t rdev, char *why, size_t whylen, const char *name)
{
	char line[4096], want[32], a[32];
	FILE *f;
	int hit = 0;

	snprintf(want, sizeof(want), "%u:%u", major(rdev), minor(rdev));
	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return 0;
	while (!hit && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%*s %*s %31s", a) == 1 && strcmp(a, want) == 0)
			hit = 1;
	fclose(f);
	if (hit)
		snprintf(why, whylen, "%s is mounted", name);
	return hit;
}

int
sanitize_check(const char *devpath, struct sanitize_target *t, char *why,
    size_t whylen)
{
	char link[PATH_MAX], real[PATH_MAX], path[PATH_MAX], devs[64][16];
	const char *base;
	struct stat st;
	size_t n;
	int fd, have_sysfs;

	memset(t, 0, sizeof(*t));
	if (stat(devpath, &st) != 0 || !S_ISBLK(st.st_mode)) {
		snprintf(why, whylen, "%s is not a block device", devpath);
		return MK_ERR_USAGE;
	}
	base = strrchr(devpath, '/') != NULL ? strrchr(devpath, '/') + 1 :
	    devpath;
	snprintf(t->name, sizeof(t->name), "%s", base);
	if ((fd = open(devpath, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(why, whylen, "%s: %s", devpath, strerror(errno));
		return MK_ERR_IO;
	}
	/* A loop device has the loop driver's major number; anything else
	 * must show in sysfs as hanging off a USB controller. */
	t->loop = major(st.st_rdev) == LOOP_MAJOR;
	/* The size by seeking to the end: a block device's length, without
	 * an ioctl that a test harness (umockdev) may intercept. */
	{
		off_t end = lseek(fd, 0, SEEK_END);

		t->size = end > 0 ? (uint64_t)end : 0;
	}
	close(fd);
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u",
	    major(st.st_rdev), minor(st.st_rdev));
	have_sysfs = realpath(link, real) != NULL;
	if (have_sysfs) {
		snprintf(t->name, sizeof(t->name), "%s",
		    strrchr(real, '/') + 1);
		if (mkfs_path(path, sizeof(path), "%s/partition", real) != 0 ||
		    access(path, F_OK) == 0) {
			snprintf(why, whylen, "%s is a partition: sanitize the "
			    "whole medium", t->name);
			return MK_ERR_USAGE;
		}
		t->usb = strstr(real, "/usb") != NULL;
		if (collect_devs(t->name, devs, 64, &n) == 0 &&
		    in_use(t->name, devs, n, why, whylen))
			return MK_ERR_BUSY;
		if (mkfs_path(path, sizeof(path), "%s/device/serial",
		    real) != 0 || read_sysfs(path, t->serial,
		    sizeof(t->serial)) != 0)
			snprintf(t->serial, sizeof(t->serial), "-");
	} else
		snprintf(t->serial, sizeof(t->serial), "-");
	if (!t->loop && !t->usb) {
		snprintf(why, whylen, "%s is neither a USB medium nor a loop "
		    "device: refused (it may be a disk of this machine)",
		    t->name);
		return MK_ERR_DENIED;
	}
	if (mounted(st.st_rdev, why, whylen, t->name))
		return MK_ERR_BUSY;
	/* The kernel's word: an exclusive open fails while the device or
	 * any partition of it is mounted or held. */
	if ((fd = open(devpath, O_RDONLY | O_CLOEXEC | O_EXCL)) < 0) {
		snprintf(why, whylen, "%s is in use (mounted, or held): %s",
		    t->name, strerror(errno));
		return MK_ERR_BUSY;
	}
	close(fd);
	if (t->size == 0) {
		snprintf(why, whylen, "%s is empty (no medium?)", t->name);
		return MK_ERR_USAGE;
	}
	snprintf(t->path, sizeof(t->path), "%s", devpath);
	return 0;
}

static int
stream_open(gcry_cipher_hd_t *h, const uint8_t key[32])
{
	static const uint8_t ctr[16];

	if (gcry_cipher_open(h, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_CTR,
	    0) != 0)
		return MK_ERR_CRYPTO;
	if (gcry_cipher_setkey(*h, key, 32) != 0 ||
	    gcry_cipher_setctr(*h, ctr, sizeof(ctr)) != 0) {
		gcry_cipher_close(*h);
		return MK_ERR_CRYPTO;
	}
	return 0;
}

static int
next_block(gcry_cipher_hd_t h, uint8_t *buf, size_t n)
{
	memset(buf, 0, n);
	return gcry_cipher_encrypt(h, buf, n, NULL, 0) != 0 ? MK_ERR_CRYPTO : 0;
}

int
sanitize_run(const struct sanitize_target *t, struct sanitize_result *res,
    int (*cancel)(void *), void *arg)
{
	gcry_cipher_hd_t h = NULL;
	uint8_t key[32], *buf = NULL, *got = NULL;
	uint64_t off;
	size_t n, k;
	ssize_t w;
	int fd = -1, r;

	memset(res, 0, sizeof(*res));
	gcry_randomize(key, sizeof(key), GCRY_STRONG_RANDOM);
	if (posix_memalign((void **)&buf, 4096, CHUNK) != 0 ||
	    posix_memalign((void **)&got, 4096, CHUNK) != 0) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	if ((fd = open(t->path, O_WRONLY | O_CLOEXEC | O_EXCL)) < 0) {
		r = mkerr_from_errno(errno);
		goto out;
	}
	if ((r = stream_open(&h, key)) != 0)
		goto out;
	for (off = 0; off < t->size; off += n) {
		n = t->size - off < CHUNK ? (size_t)(t->size - off) : CHUNK;
		if ((r = next_block(h, buf, n)) != 0)
			goto out;
		if ((w = pwrite(fd, buf, n, (off_t)off)) != (ssize_t)n) {
			r = w < 0 ? mkerr_from_errno(errno) : MK_ERR_IO;
			res->bad_offset = off;
			goto out;
		}
		res->written += n;
		if (cancel != NULL && cancel(arg)) {
			r = MK_ERR_LOCKED;
			goto out;
		}
	}
	if (fsync(fd) != 0) {
		r = mkerr_from_errno(errno);
		goto out;
	}
	/* Read back what the device holds, not the page cache. */
	ioctl(fd, BLKFLSBUF, 0);
	close(fd);
	gcry_cipher_close(h);
	h = NULL;
	if ((fd = open(t->path, O_RDONLY | O_CLOEXEC | O_DIRECT)) < 0 &&
	    (fd = open(t->path, O_RDONLY | O_CLOEXEC)) < 0) {
		r = mkerr_from_errno(errno);
		goto out;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if ((r = stream_open(&h, key)) != 0)
		goto out;
	for (off = 0; off < t->size; off += n) {
		n = t->size - off < CHUNK ? (size_t)(t->size - off) : CHUNK;
		if ((r = next_block(h, buf, n)) != 0)
			goto out;
		if (mkfs_read_full(fd, got, n, &k) != 0 || k != n) {
			r = MK_ERR_IO;
			res->bad_offset = off;
			goto out;
		}
		if (memcmp(buf, got, n) != 0) {
			for (k = 0; k < n && buf[k] == got[k]; k++)
				;
			res->bad_offset = off + k;
			r = MK_ERR_AUTH;
			goto out;
		}
		res->verified += n;
	}
	r = 0;
 out:
	if (h != NULL)
		gcry_cipher_close(h);
	if (fd >= 0)
		close(fd);
	mk_wipe(key, sizeof(key));
	free(buf);
	free(got);
	return r;
}
