/*
 * Verifies an inspection export held in memory (matverify; the format is
 * in docs/formats.md, "Inspection export"), step by step:
 *   archive     a well-formed ustar archive (crypto/tarread.h)
 *   manifest    MANIFEST parses, MANIFEST.sig is there
 *   log         the log segments verify from K_0: the whole MAC chain,
 *               sequence continuity, each checkpoint and its signature
 *   signature   MANIFEST is signed by the device key that the authenticated
 *               log names (so a manifest re-signed with another key fails)
 *   members     every member listed is there with its size and SHA-256,
 *               and nothing is there that is not listed
 *   head        the manifest's log head is the verified log's last record
 *   expect-head (asked for) the log holds the anchored record SEQ and its
 *               MAC starts with the anchored hex digits
 * The first step that fails is the verdict's reason; the later ones are
 * not run.
 */
#ifndef MATKIOSK_EXPVERIFY_H
#define MATKIOSK_EXPVERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "expman.h"
#include "logverify.h"

#define EXPVERIFY_STEPS		7
#define EXPVERIFY_PREFIX_MAX	64	/* hex digits of an anchored MAC */
#define EXPVERIFY_PREFIX_MIN	8

enum expverify_state {
	EXPV_NOT_RUN = 0,
	EXPV_PASS,
	EXPV_FAIL,
};

struct expverify_step {
	const char		*name;
	enum expverify_state	 state;
	char			 detail[320];
};

struct expverify_report {
	int			 err;		/* 0: every step passed */
	struct expverify_step	 step[EXPVERIFY_STEPS];
	size_t			 failed;	/* index of the failed step */
	struct expman		 man;		/* when "manifest" passed */
	size_t			 members;	/* members besides the manifest */
	size_t			 log_segments;
	struct logverify_report	 log;
	/* --expect-head */
	int			 expect;
	uint64_t		 expect_seq;
	char			 expect_hex[EXPVERIFY_PREFIX_MAX + 1];
};

/* "SEQ:HEX" (8..64 hex digits, either case) into rep's expect fields;
 * MK_ERR_USAGE if it is not that. */
int expverify_parse_head(const char *arg, struct expverify_report *rep);

/*
 * Runs every step over the archive p[0..len). rep's expect fields are
 * kept (set them with expverify_parse_head first, or zero rep). cb sees
 * each verified log record. 0 if all holds; otherwise the error, with the
 * failed step's detail. Free rep with expverify_free.
 */
int expverify_run(const uint8_t *p, size_t len, const uint8_t k0[32],
    logverify_cb cb, void *arg, struct expverify_report *rep);
void expverify_free(struct expverify_report *rep);

#endif /* MATKIOSK_EXPVERIFY_H */
