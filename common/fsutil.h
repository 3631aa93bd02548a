/*
 * File helpers with the durability the vault and the log need: full reads
 * and writes that retry on EINTR, atomic replacement (temporary file, fsync,
 * rename, fsync of the directory), bounded whole-file reads.
 */
#ifndef MATKIOSK_FSUTIL_H
#define MATKIOSK_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

struct mkbuf;

/* Writes all n bytes; MK_ERR_NO_SPACE on a full disk. */
int mkfs_write_all(int fd, const void *p, size_t n);
/* Reads until n bytes or end of file; *got is how many were read. */
int mkfs_read_full(int fd, void *p, size_t n, size_t *got);
/* fsync of the directory that holds path (or of path if it is one). */
int mkfs_fsync_dir(const char *dir);
/* Replaces path atomically and durably with data, created with mode. */
int mkfs_atomic_write(const char *path, const void *data, size_t len,
    mode_t mode);
/* Reads a whole regular file of at most max bytes. */
int mkfs_read_file(const char *path, size_t max, struct mkbuf **out);
/* snprintf into out of outlen; MK_ERR_TOO_LARGE on truncation. */
int mkfs_path(char *out, size_t outlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* MATKIOSK_FSUTIL_H */
