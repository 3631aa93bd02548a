/*
 * Mounting registered media (R2, issue 8): only when a person asks for an
 * import, a copy-out or a signature update, only a device that is
 * registered (STATE/usb-registry), present, authorized by the USB guard,
 * still of the registered hash and still nothing but storage; read-only
 * unless registered for export; always nosuid, nodev, noexec; in a private
 * 0700 directory under STATE/media/, on a block node the daemon makes
 * there itself from the MAJ:MIN that udev shows for the device's block
 * child. Unmounted after the operation (see docs/architecture.md, "Media").
 */
#ifndef MATKIOSK_MEDIA_H
#define MATKIOSK_MEDIA_H

#include <stddef.h>

struct daemon;

#define MEDIA_SERIAL_MAX	(4 * 384 + 1)

struct medium {
	char	serial[MEDIA_SERIAL_MAX];	/* escaped, as registered */
	char	port[64];
	char	hash[64];
	char	direction[16];			/* import, export, both */
	char	devnum[32];			/* "7:3" */
	char	dir[1400];			/* the private directory */
	char	node[1420];
	char	mnt[1420];
	int	rw;
	int	mounted;
	struct daemon	*restore;	/* admitted for a restore: released */
};

/* What a medium is mounted for; it must be registered for that purpose
 * (the registry's direction): import "import" or "both", read-only;
 * export "export" or "both", read-write; backup "backup", read-write. */
#define MEDIA_IMPORT	0
#define MEDIA_EXPORT	1
#define MEDIA_BACKUP	2

/*
 * Checks and mounts the registered medium with this serial for purpose.
 * MK_ERR_MEDIUM with why for a device that is absent, unregistered, not
 * registered for that purpose, blocked, altered or composite.
 */
int media_open(struct daemon *d, const char *serial, int purpose,
    struct medium *m, char *why, size_t whylen);
/*
 * For a restore onto an unprovisioned machine (no registry yet): the one
 * present USB device with this serial, if it offers nothing but storage,
 * is admitted by the USB guard for the restore alone and mounted
 * read-only (nosuid, nodev, noexec; ext4 without journal replay).
 * media_close unmounts it and takes the admission back.
 */
int media_open_restore(struct daemon *d, const char *serial,
    struct medium *m, char *why, size_t whylen);
/* Unmounts (lazily if busy) and removes the private directory; a
 * restore's admission is taken back. */
void media_close(struct medium *m);
/* At start: unmounts and removes what a killed daemon left under
 * STATE/media/. */
void media_cleanup_stale(const char *state);
/*
 * Opens a regular file under the mount, beneath its root (no "..", no
 * symbolic link followed, no magic link): flags as open(2). MK_ERR_USAGE
 * for a path that is not a plain relative path.
 */
int media_openat(const struct medium *m, const char *rel, int flags,
    int mode, int *fd);
/* 1 if rel is a relative path of clean text without "." or ".." parts. */
int media_path_ok(const char *rel);

#endif /* MATKIOSK_MEDIA_H */
