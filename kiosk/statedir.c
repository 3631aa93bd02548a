#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fsutil.h"
#include "statedir.h"

int
statedir_init(struct statedir *sd, const char *root)
{
	int r;

	memset(sd, 0, sizeof(*sd));
	if ((r = mkfs_path(sd->root, sizeof(sd->root), "%s", root)) != 0 ||
	    (r = mkfs_path(sd->machine, sizeof(sd->machine), "%s/machine",
	    root)) != 0 ||
	    (r = mkfs_path(sd->devkey, sizeof(sd->devkey), "%s/device.key",
	    root)) != 0 ||
	    (r = mkfs_path(sd->accounts, sizeof(sd->accounts), "%s/accounts",
	    root)) != 0 ||
	    (r = mkfs_path(sd->keys, sizeof(sd->keys), "%s/keys", root)) != 0 ||
	    (r = mkfs_path(sd->logkey, sizeof(sd->logkey), "%s/keys/logkey",
	    root)) != 0 ||
	    (r = mkfs_path(sd->slots, sizeof(sd->slots), "%s/keys/slots",
	    root)) != 0 ||
	    (r = mkfs_path(sd->grants, sizeof(sd->grants), "%s/keys/grants",
	    root)) != 0 ||
	    (r = mkfs_path(sd->vault, sizeof(sd->vault), "%s/vault",
	    root)) != 0)
		return r;
	if ((r = mkfs_path(sd->log, sizeof(sd->log), "%s/log", root)) != 0 ||
	    (r = mkfs_path(sd->lockdown, sizeof(sd->lockdown), "%s/lockdown",
	    root)) != 0 ||
	    (r = mkfs_path(sd->incidents, sizeof(sd->incidents),
	    "%s/incidents", root)) != 0)
		return r;
	if ((r = mkfs_path(sd->backup, sizeof(sd->backup), "%s/backup",
	    root)) != 0)
		return r;
	return mkfs_path(sd->evidence, sizeof(sd->evidence), "%s/evidence",
	    root);
}

static int
unsafe(char *why, size_t whylen, const char *path, const char *what)
{
	snprintf(why, whylen, "%s: %s", path, what);
	return MK_ERR_UNSAFE;
}

/* Parents may belong to root; they must not be writable by anyone else
 * (unless sticky, as /tmp), or the state directory could be swapped. */
static int
check_parents(const char *root, char *why, size_t whylen)
{
	char path[STATEDIR_PATH_MAX], *slash;
	struct stat st;

	if (mkfs_path(path, sizeof(path), "%s", root) != 0)
		return MK_ERR_TOO_LARGE;
	while ((slash = strrchr(path, '/')) != NULL) {
		if (slash == path)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (lstat(path, &st) != 0)
			return unsafe(why, whylen, path, strerror(errno));
		if (S_ISLNK(st.st_mode))
			return unsafe(why, whylen, path,
			    "parent is a symbolic link");
		if (st.st_uid != 0 && st.st_uid != geteuid())
			return unsafe(why, whylen, path,
			    "parent directory owned by another user");
		if ((st.st_mode & 0022) != 0 && !(st.st_mode & S_ISVTX))
			return unsafe(why, whylen, path,
			    "parent directory writable by group or others");
		if (strcmp(path, "/") == 0)
			break;
	}
	return 0;
}

static int
check_one(const char *path, int dir, mode_t forbidden, char *why,
    size_t whylen)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT && !dir)
			return 0;
		return unsafe(why, whylen, path, strerror(errno));
	}
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return unsafe(why, whylen, path, dir ? "not a directory" :
		    "not a regular file (a link?)");
	if (st.st_uid != geteuid())
		return unsafe(why, whylen, path, "owned by another user");
	if ((st.st_mode & forbidden) != 0)
		return unsafe(why, whylen, path,
		    "accessible by group or others");
	return 0;
}

static int
make_dir(const char *path, char *why, size_t whylen)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return unsafe(why, whylen, path, strerror(errno));
	return check_one(path, 1, 0077, why, whylen);
}

int
statedir_prepare(const struct statedir *sd, char *why, size_t whylen)
{
	const char *dirs[] = { sd->root, sd->keys, sd->slots, sd->grants,
	    sd->vault,
	    sd->log, sd->evidence };
	const char *secret[] = { sd->machine, sd->devkey, sd->accounts,
	    sd->logkey, sd->lockdown, sd->incidents, sd->backup };
	size_t i;
	int r;

	if (sd->root[0] != '/')
		return unsafe(why, whylen, sd->root, "not an absolute path");
	if ((r = check_parents(sd->root, why, whylen)) != 0)
		return r;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if ((r = make_dir(dirs[i], why, whylen)) != 0)
			return r;
	for (i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
		if ((r = check_one(secret[i], 0, 0077, why, whylen)) != 0)
			return r;
	return 0;
}

int
statedir_provisioned(const struct statedir *sd)
{
	return access(sd->machine, F_OK) == 0;
}

int
statedir_slot_path(const struct statedir *sd, const char *label, char *out,
    size_t outlen)
{
	return mkfs_path(out, outlen, "%s/%s.slot", sd->slots, label);
}
