/*
 * The daemon's state directory: its layout and the ownership and permission
 * checks made before anything in it is trusted. A directory someone else can
 * write to could hold planted keys or logs, so the daemon refuses to start
 * on one and says which path is wrong.
 *
 *   STATE/            0700  the daemon's user
 *     machine         0600  device id, provisioning date, key epoch
 *     device.key      0600  Ed25519 secret key
 *     accounts        0600  accounts (no secrets)
 *     keys/           0700
 *       logkey        0600  current audit-log key (two slots)
 *       slots/NAME.slot     the person's credential under their password
 *       slots/_recovery.slot
 *       grants/NAME.grant   the master key sealed to the person (keys.h)
 *       grants/_recovery.grant
 *     vault/          0700  ID.mkd documents, .tmp-* while importing
 *     log/            0700  audit-log segments
 *     lockdown        0600  why the machine is locked down (while it is)
 *     incidents       0600  the incident register
 *     evidence/ID/    0700  evidence snapshots of emergency incidents
 *     backup          0600  the last backup and restore test (backupops.c)
 */
#ifndef MATKIOSK_STATEDIR_H
#define MATKIOSK_STATEDIR_H

#include <stddef.h>

#define STATEDIR_PATH_MAX	1200

struct statedir {
	char	root[STATEDIR_PATH_MAX];
	char	machine[STATEDIR_PATH_MAX];
	char	devkey[STATEDIR_PATH_MAX];
	char	accounts[STATEDIR_PATH_MAX];
	char	keys[STATEDIR_PATH_MAX];
	char	logkey[STATEDIR_PATH_MAX];
	char	slots[STATEDIR_PATH_MAX];
	char	grants[STATEDIR_PATH_MAX];
	char	vault[STATEDIR_PATH_MAX];
	char	log[STATEDIR_PATH_MAX];
	char	lockdown[STATEDIR_PATH_MAX];	/* present while locked down */
	char	incidents[STATEDIR_PATH_MAX];
	char	evidence[STATEDIR_PATH_MAX];	/* snapshots of Article 14.1 */
	char	backup[STATEDIR_PATH_MAX];	/* last backup and restore test */
};

int statedir_init(struct statedir *sd, const char *root);
/*
 * Creates the directory tree where missing (0700), then checks every part
 * of it and every parent: owned by the daemon's user (parents: by root or
 * it), nothing writable by group or others (parents: unless sticky), keys
 * and accounts unreadable by group or others. On failure why names the path
 * and the fault, and MK_ERR_UNSAFE is returned.
 */
int statedir_prepare(const struct statedir *sd, char *why, size_t whylen);
/* 1 once provisioning has completed (the machine file exists). */
int statedir_provisioned(const struct statedir *sd);
/* The path of the key slot for label (account name or "_recovery"). */
int statedir_slot_path(const struct statedir *sd, const char *label,
    char *out, size_t outlen);

#endif /* MATKIOSK_STATEDIR_H */
