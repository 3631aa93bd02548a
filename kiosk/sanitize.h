/*
 * Overwriting a whole medium and proving it (kiosk/sanitize.c).
 */
#ifndef MATKIOSK_SANITIZE_H
#define MATKIOSK_SANITIZE_H

#include <stddef.h>
#include <stdint.h>

struct sanitize_target {
	char		path[256];
	char		name[64];	/* kernel name: sdb, loop3 */
	char		serial[128];	/* "-" if none */
	uint64_t	size;
	int		usb, loop;
};

struct sanitize_result {
	uint64_t	written, verified;
	uint64_t	bad_offset;	/* where it failed */
};

/* Whether devpath may be sanitized: a whole, unmounted, unheld USB medium
 * or loop device; fills t, or says why not. */
int sanitize_check(const char *devpath, struct sanitize_target *t,
    char *why, size_t whylen);
/* One pseudorandom pass, synced, read back and compared. cancel (may be
 * NULL) is asked between chunks. MK_ERR_AUTH if the read-back differs
 * (res->bad_offset says where). */
int sanitize_run(const struct sanitize_target *t, struct sanitize_result *res,
    int (*cancel)(void *), void *arg);

#endif /* MATKIOSK_SANITIZE_H */
