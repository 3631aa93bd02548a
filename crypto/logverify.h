/*
 * Verifies a log directory from K_0 alone: the MAC chain across all
 * segments, epochs and seals, sequence continuity, segment checkpoints and
 * their Ed25519 signatures (the device key is taken from the authenticated
 * first record). Used by matverify and the daemon's self-check.
 */
#ifndef MATKIOSK_LOGVERIFY_H
#define MATKIOSK_LOGVERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "logrec.h"

struct logverify_report {
	uint64_t	records;
	uint64_t	segments;
	uint64_t	sealed_segments;
	uint64_t	epochs;
	uint64_t	first_seq, last_seq;
	int64_t		first_wall_us, last_wall_us;
	uint64_t	by_severity[5];
	uint8_t		head_mac[LOGREC_MAC_LEN];
	uint8_t		device_key[32];
	int		last_open;	/* last segment has no checkpoint yet */
	/* logverify_segments_mark: the seq asked for (UINT64_MAX: none),
	 * and its MAC if that record verified. */
	uint64_t	mark_seq;
	uint8_t		mark_mac[LOGREC_MAC_LEN];
	int		mark_found;
	/* On failure: */
	int		err;		/* MK_ERR_* */
	uint64_t	bad_seq;	/* first bad record (or expected seq) */
	char		bad_file[256];	/* segment file name */
	uint64_t	bad_offset;	/* byte offset in that file */
	char		reason[256];	/* what is wrong, in English */
};

/* Called for every record that verified, in order; non-zero stops. */
typedef int (*logverify_cb)(const struct logrec *rec, void *arg);

/* 0 if the whole log verifies; otherwise the error, with rep filled in.
 * Segments are memory-mapped: nothing may append to or cut the log while
 * it is verified (matverify reads a copy; the daemon holds its log lock). */
int logverify_dir(const char *logdir, const uint8_t k0[32],
    logverify_cb cb, void *arg, struct logverify_report *rep);

/*
 * The same over segments already in memory (an inspection export, a fuzz
 * input): segs[i] must be segment i + 1; name is only used in the report.
 */
struct logverify_seg {
	const char	*name;
	const uint8_t	*p;
	size_t		 len;
};

int logverify_segments(const struct logverify_seg *segs, size_t nsegs,
    const uint8_t k0[32], logverify_cb cb, void *arg,
    struct logverify_report *rep);

/* The same, also giving in rep->mark_mac the MAC of record mark_seq (an
 * anchored head: matverify --expect-head), rep->mark_found 1 if it is in
 * the part of the log that verified. */
int logverify_segments_mark(const struct logverify_seg *segs, size_t nsegs,
    const uint8_t k0[32], uint64_t mark_seq, logverify_cb cb, void *arg,
    struct logverify_report *rep);

#endif /* MATKIOSK_LOGVERIFY_H */
