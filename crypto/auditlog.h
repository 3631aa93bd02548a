/*
 * The forward-secure audit log, writer side (docs/formats.md, "Audit log").
 *
 * Records are appended to segment files in a log directory, each carrying
 * MAC_i = HMAC-SHA256(K_e, MAC_{i-1} || len || body). The key evolves per
 * epoch, K_{e+1} = SHA-256("matkiosk log key v1" || K_e), and the old key is
 * erased: an epoch is sealed (a LOGREC_SEAL record) after AUDITLOG_EPOCH_RECORDS
 * records, when auditlog_tick() finds it older than AUDITLOG_EPOCH_SECONDS,
 * and whenever a segment is closed. The current key lives in a key file
 * outside the log directory (two slots, the stale one wiped).
 *
 * Write-ahead: auditlog_append() returns 0 only after the record is on disk
 * (fdatasync). Not thread-safe: the daemon serialises calls.
 */
#ifndef MATKIOSK_AUDITLOG_H
#define MATKIOSK_AUDITLOG_H

#include <stddef.h>
#include <stdint.h>

#include "logrec.h"

#define AUDITLOG_EPOCH_RECORDS	64
#define AUDITLOG_EPOCH_SECONDS	60
#define AUDITLOG_SEGMENT_MAX	(64u << 20)	/* bytes before rolling */

struct auditlog;
struct signkey;

/* What opening an existing log found and repaired. */
struct auditlog_recovery {
	int		torn;		/* a torn last record was cut */
	uint64_t	torn_bytes;	/* how many bytes were cut */
	char		torn_file[256];	/* where the cut bytes were kept */
	int		unsealed;	/* last segment had no checkpoint */
};

/*
 * Creates a new log in the empty directory logdir with first key k0 and
 * the key file keyfile, and appends the first record: event "log.init" with
 * fields "device-key" (hex public key of sk) and the caller's ev fields.
 * The segment is signed with sk when closed.
 */
int auditlog_create(const char *logdir, const char *keyfile,
    const uint8_t k0[32], const struct signkey *sk, const struct logev *first,
    struct auditlog **out);
/*
 * Opens an existing log: loads the key, reads the last segment, checks the
 * records of the current epoch, cuts a torn last record (keeping its bytes
 * in logdir/torn-<seq>.bin) and reports it in rec, and opens a segment for
 * appending. The caller records the recovery as an event.
 */
int auditlog_open(const char *logdir, const char *keyfile,
    const struct signkey *sk, struct auditlog **out,
    struct auditlog_recovery *rec);
/* Appends ev durably; seq (may be NULL) gets its sequence number. */
int auditlog_append(struct auditlog *l, const struct logev *ev, uint64_t *seq);
/* Seals the epoch if it is older than AUDITLOG_EPOCH_SECONDS. */
int auditlog_tick(struct auditlog *l);
/* Seals the epoch and closes the segment with a signed checkpoint; the next
 * append opens a new segment. Called at clean shutdown. */
int auditlog_checkpoint(struct auditlog *l);
/* Last sequence number and MAC (the "head"). */
void auditlog_head(const struct auditlog *l, uint64_t *seq,
    uint8_t mac[LOGREC_MAC_LEN]);
/* Closes without sealing; wipes the key from memory. Accepts NULL. */
void auditlog_free(struct auditlog *l);

#endif /* MATKIOSK_AUDITLOG_H */
