#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fsutil.h"

int
mkfs_write_all(int fd, const void *p, size_t n)
{
	const uint8_t *s = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, s, n)) < 0) {
			if (errno == EINTR)
				continue;
			return mkerr_from_errno(errno);
		}
		if (w == 0)
			return MK_ERR_IO;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int
mkfs_read_full(int fd, void *p, size_t n, size_t *got)
{
	uint8_t *d = p;
	ssize_t r;

	*got = 0;
	while (*got < n) {
		if ((r = read(fd, d + *got, n - *got)) < 0) {
			if (errno == EINTR)
				continue;
			return mkerr_from_errno(errno);
		}
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

int
mkfs_fsync_dir(const char *dir)
{
	int fd, r = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return mkerr_from_errno(errno);
	if (fsync(fd) != 0)
		r = mkerr_from_errno(errno);
	close(fd);
	return r;
}

int
mkfs_path(char *out, size_t outlen, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, outlen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outlen)
		return MK_ERR_TOO_LARGE;
	return 0;
}

static int
parent_dir(const char *path, char *out, size_t outlen)
{
	char tmp[4096];
	int r;

	if ((r = mkfs_path(tmp, sizeof(tmp), "%s", path)) != 0)
		return r;
	return mkfs_path(out, outlen, "%s", dirname(tmp));
}

int
mkfs_atomic_write(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[4096], dir[4096];
	int fd = -1, r;

	if ((r = mkfs_path(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path)) != 0 ||
	    (r = parent_dir(path, dir, sizeof(dir))) != 0)
		return r;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return mkerr_from_errno(errno);
	if (fchmod(fd, mode) != 0) {
		r = mkerr_from_errno(errno);
		goto out;
	}
	if ((r = mkfs_write_all(fd, data, len)) != 0)
		goto out;
	if (fsync(fd) != 0) {
		r = mkerr_from_errno(errno);
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		r = mkerr_from_errno(errno);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		r = mkerr_from_errno(errno);
		goto out;
	}
	return mkfs_fsync_dir(dir);
 out:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

/* Reads to end of file rather than trusting st_size, which is 0 for
 * /proc files; one byte more than max proves a file too large. */
int
mkfs_read_file(const char *path, size_t max, struct mkbuf **out)
{
	struct mkbuf *b = NULL;
	struct stat st;
	uint8_t chunk[4096];
	size_t got;
	int fd, r;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return mkerr_from_errno(errno);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = MK_ERR_FORMAT;
		goto out;
	}
	if ((b = mkbuf_new(max)) == NULL) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	do {
		if ((r = mkfs_read_full(fd, chunk, sizeof(chunk), &got)) != 0)
			goto out;
		if (got > 0 && (r = mkbuf_put(b, chunk, got)) != 0)
			goto out;
	} while (got == sizeof(chunk));
	*out = b;
	b = NULL;
 out:
	mk_wipe(chunk, sizeof(chunk));
	mkbuf_free(b);
	close(fd);
	return r;
}
