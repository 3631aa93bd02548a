/*
 * The recorder of repair sessions (docs/architecture.md, "Repair
 * sessions"): an asciicast v2 file (common/cast.h) written in parts, each
 * part's SHA-256 chained to the one before and logged as repair.part, so
 * that a recording edited afterwards no longer matches the log.
 *
 *   hash_0 = SHA-256(genesis ‖ part_0),  hash_i = SHA-256(hash_{i-1} ‖ part_i)
 *   genesis = SHA-256("matkiosk repair recording " ‖ decimal session id)
 *
 * A part is what was written in one go (about 4 KiB, or one second's
 * worth): the file is always exactly the logged parts one after another.
 */
#ifndef MATKIOSK_REPAIR_H
#define MATKIOSK_REPAIR_H

#include <stddef.h>
#include <stdint.h>

#include "accounts.h"

#define REPAIR_HASH_LEN		32
#define REPAIR_PART_BYTES	4096	/* a part is written at this size */
#define REPAIR_PART_MS		1000	/* ... or this long after it began */
#define REPAIR_PART_MAX		(1u << 20)	/* accepted when verifying */
#define REPAIR_PARTS_MAX	(1u << 20)

struct recorder;

struct repair_part {
	uint64_t	seq;		/* 0, 1, ... */
	uint64_t	offset;		/* in the file */
	uint64_t	len;
	uint8_t		prev[REPAIR_HASH_LEN];
	uint8_t		hash[REPAIR_HASH_LEN];
};

void repair_genesis(uint32_t id, uint8_t out[REPAIR_HASH_LEN]);

/* Creates path (it must not exist) for session id; the header is the
 * first thing of part 0. */
int recorder_open(const char *path, uint32_t id, unsigned cols,
    unsigned rows, int64_t timestamp, const char *title,
    struct recorder **out);
/* Closes; accepts NULL. */
void recorder_free(struct recorder *rec);
/* Adds an event at t_us since the start (not yet written). */
int recorder_add(struct recorder *rec, uint64_t t_us, char type,
    const void *data, size_t len);
/* Bytes added since the last part was written. */
size_t recorder_pending(const struct recorder *rec);
/*
 * Writes what is pending as the next part (durably: fdatasync) and
 * describes it in part: 1, or 0 when nothing was pending. On failure (MK_ERR_NO_SPACE for a full disk) the
 * file is cut back to the end of the last part that was written, and the
 * recorder refuses everything after.
 */
int recorder_flush(struct recorder *rec, struct repair_part *part);
/* Bytes written, parts written, and the last hash (the genesis if none). */
void recorder_state(const struct recorder *rec, uint64_t *size,
    uint64_t *parts, uint8_t last[REPAIR_HASH_LEN]);

/*
 * Checks the file fd against parts (n of them, as logged, in any order):
 * they must be seq 0..n-1, each starting where the one before ended, each
 * chained to the one before (the first to the genesis of id), and each
 * part's bytes must hash to its logged hash; the file must end where the
 * last part does. fn (may be NULL) is given each part's bytes once they
 * check out. 0 if all is well; MK_ERR_RECORDING with why (naming the
 * first part and offset that differ) otherwise, or fn's error.
 */
typedef int (*repair_part_fn)(const uint8_t *p, size_t len, void *arg);
int repair_verify(int fd, uint32_t id, struct repair_part *parts, size_t n,
    repair_part_fn fn, void *arg, char *why, size_t whylen);

/*
 * What STATE/repair/N.info says of a session (docs/formats.md, "Repair
 * recordings"): an index for listing; the log is what proves a session.
 */
#define REPAIR_REASON_MAX	300
#define REPAIR_INFO_MAX		16384
#define REPAIR_PATH_MAX		1300

struct repair_info {
	uint32_t	id;
	char		sup[ACCOUNT_NAME_MAX + 1];
	char		tech[ACCOUNT_NAME_MAX + 1];
	char		reason[REPAIR_REASON_MAX + 1];
	int64_t		started, ended, signed_at;
	uint64_t	limit, exitst, size, parts;
	char		end[32];	/* why it ended; "" while running */
	char		sha[2 * REPAIR_HASH_LEN + 1];
	char		signed_by[ACCOUNT_NAME_MAX + 1];
	char		minutes_sha[2 * REPAIR_HASH_LEN + 1];
};

/* ROOT/repair (ext NULL) or ROOT/repair/ID.EXT, ROOT the state dir. */
int repair_file(const char *root, uint32_t id, const char *ext, char *out,
    size_t outlen);
int repair_info_save(const char *root, const struct repair_info *ri);
/* MK_ERR_NOT_FOUND if the session has no index file. */
int repair_info_load(const char *root, uint32_t id, struct repair_info *ri);

#endif /* MATKIOSK_REPAIR_H */
