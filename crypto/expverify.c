/*
 * Inspection export verification (expverify.h).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "cry.h"
#include "expverify.h"
#include "logrec.h"
#include "sign.h"
#include "tarread.h"

enum { S_ARCHIVE, S_MANIFEST, S_LOG, S_SIGNATURE, S_MEMBERS, S_HEAD,
    S_EXPECT };

static const char *const step_names[EXPVERIFY_STEPS] = { "archive",
    "manifest", "log", "signature", "members", "head", "expect-head" };

static int
step_fail(struct expverify_report *rep, size_t i, int err, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static int
step_fail(struct expverify_report *rep, size_t i, int err, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rep->step[i].detail, sizeof(rep->step[i].detail), fmt, ap);
	va_end(ap);
	rep->step[i].state = EXPV_FAIL;
	rep->failed = i;
	rep->err = err;
	return err;
}

static void
step_pass(struct expverify_report *rep, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
step_pass(struct expverify_report *rep, size_t i, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rep->step[i].detail, sizeof(rep->step[i].detail), fmt, ap);
	va_end(ap);
	rep->step[i].state = EXPV_PASS;
}

int
expverify_parse_head(const char *arg, struct expverify_report *rep)
{
	const char *colon = strchr(arg, ':');
	char *end;
	size_t n, i;

	if (colon == NULL || colon == arg || arg[0] < '0' || arg[0] > '9')
		return MK_ERR_USAGE;
	rep->expect_seq = strtoull(arg, &end, 10);
	n = strlen(colon + 1);
	if (end != colon || n < EXPVERIFY_PREFIX_MIN ||
	    n > EXPVERIFY_PREFIX_MAX)
		return MK_ERR_USAGE;
	for (i = 0; i < n; i++) {
		char c = colon[1 + i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return MK_ERR_USAGE;
		rep->expect_hex[i] = c;
	}
	rep->expect_hex[n] = '\0';
	rep->expect = 1;
	return 0;
}

static int
is_manifest(const char *name)
{
	return strcmp(name, "MANIFEST") == 0 ||
	    strcmp(name, "MANIFEST.sig") == 0;
}

static int
check_manifest(const struct tarread *t, struct expverify_report *rep,
    uint8_t hash[32], const uint8_t **sig)
{
	const struct tarmember *man = tarread_find(t, "MANIFEST");
	const struct tarmember *s = tarread_find(t, "MANIFEST.sig");
	size_t line;
	int r;

	if (man == NULL)
		return step_fail(rep, S_MANIFEST, MK_ERR_NOT_FOUND, "the "
		    "archive holds no MANIFEST: not an inspection export");
	if (s == NULL || s->size != SIGN_SIG_LEN)
		return step_fail(rep, S_MANIFEST, MK_ERR_SIGNATURE,
		    "MANIFEST.sig is missing or not a 64-byte signature");
	if ((r = expman_parse((const char *)man->data, man->size, &rep->man,
	    &line)) != 0)
		return step_fail(rep, S_MANIFEST, r, "MANIFEST line %zu: %s",
		    line, mkerr_str(r));
	cry_sha256(man->data, man->size, hash);
	*sig = s->data;
	step_pass(rep, S_MANIFEST, "%zu members listed, %zu kinds of record "
	    "with none", rep->man.n, rep->man.nnone);
	return 0;
}

/* The log/NNNNNNNN.seg members, which must be segments 1..n. */
static int
collect_segments(const struct tarread *t, struct expverify_report *rep,
    struct logverify_seg **out, size_t *nout)
{
	struct logverify_seg *v;
	uint32_t segno;
	size_t i, n = 0;

	*out = NULL;
	*nout = 0;
	if ((v = calloc(t->n + 1, sizeof(*v))) == NULL)
		return step_fail(rep, S_LOG, MK_ERR_ALLOC, "out of memory");
	for (i = 0; i < t->n; i++) {
		if (strncmp(t->m[i].name, "log/", 4) != 0)
			continue;
		if (!logrec_segment_name(t->m[i].name + 4, &segno) ||
		    segno == 0 || segno > t->n) {
			free(v);
			return step_fail(rep, S_LOG, MK_ERR_FORMAT, "%s is not "
			    "a log segment name", t->m[i].name);
		}
		if (v[segno - 1].p != NULL) {
			free(v);
			return step_fail(rep, S_LOG, MK_ERR_FORMAT, "segment "
			    "%" PRIu32 " twice", segno);
		}
		v[segno - 1].name = t->m[i].name;
		v[segno - 1].p = t->m[i].data;
		v[segno - 1].len = (size_t)t->m[i].size;
		n++;
	}
	for (i = 0; i < n; i++)
		if (v[i].p == NULL) {
			free(v);
			return step_fail(rep, S_LOG, MK_ERR_NOT_FOUND, "log "
			    "segment %zu is missing (segments must run from 1 "
			    "without a gap)", i + 1);
		}
	*out = v;
	*nout = n;
	return 0;
}

static int
check_log(const struct tarread *t, const uint8_t k0[32], logverify_cb cb,
    void *arg, struct expverify_report *rep)
{
	struct logverify_seg *segs;
	size_t n;
	int r;

	if ((r = collect_segments(t, rep, &segs, &n)) != 0)
		return r;
	rep->log_segments = n;
	if (n == 0) {
		free(segs);
		return step_fail(rep, S_LOG, MK_ERR_NOT_FOUND, "the export "
		    "holds no log segment");
	}
	r = logverify_segments_mark(segs, n, k0, rep->expect ?
	    rep->expect_seq : UINT64_MAX, cb, arg, &rep->log);
	free(segs);
	if (r != 0)
		return step_fail(rep, S_LOG, r, "seq %" PRIu64 ", %s, byte "
		    "offset %" PRIu64 ": %s", rep->log.bad_seq,
		    rep->log.bad_file, rep->log.bad_offset, rep->log.reason);
	step_pass(rep, S_LOG, "%" PRIu64 " records, seq %" PRIu64 "..%"
	    PRIu64 ", %zu segments, %" PRIu64 " checkpoints verified, "
	    "MAC chain from K_0 intact", rep->log.records, rep->log.first_seq,
	    rep->log.last_seq, n, rep->log.sealed_segments);
	return 0;
}

static int
check_signature(struct expverify_report *rep, const uint8_t hash[32],
    const uint8_t *sig)
{
	char key[65];

	mk_hex(rep->log.device_key, 32, key);
	if (sign_verify(rep->log.device_key, hash, 32, sig) != 0)
		return step_fail(rep, S_SIGNATURE, MK_ERR_SIGNATURE, "MANIFEST "
		    "is not signed by the device key the log names (%.16s…): "
		    "altered, or re-signed with another key", key);
	if (memcmp(rep->man.device_key, rep->log.device_key, 32) != 0)
		return step_fail(rep, S_SIGNATURE, MK_ERR_SIGNATURE, "MANIFEST "
		    "names another device key than the log");
	step_pass(rep, S_SIGNATURE, "MANIFEST signed by device key %s", key);
	return 0;
}

/*
 * The members' SHA-256, computed on a second thread while the first one
 * walks the MAC chain: the two passes over the same bytes then take the
 * time of one on a machine with two cores (make bench, "export verify").
 */
struct hashjob {
	const struct tarread	*t;
	const struct expman	*man;
	uint8_t			(*sha)[32];
	pthread_t		 th;
	int			 running;
};

static void *
hash_members(void *arg)
{
	struct hashjob *j = arg;
	const struct tarmember *tm;
	size_t i;

	for (i = 0; i < j->man->n; i++)
		if ((tm = tarread_find(j->t, j->man->m[i].path)) != NULL)
			cry_sha256(tm->data, (size_t)tm->size, j->sha[i]);
	return NULL;
}

static int
hash_start(struct hashjob *j, const struct tarread *t,
    const struct expman *man)
{
	j->t = t;
	j->man = man;
	j->running = 0;
	if ((j->sha = calloc(man->n + 1, sizeof(*j->sha))) == NULL)
		return MK_ERR_ALLOC;
	if (pthread_create(&j->th, NULL, hash_members, j) == 0)
		j->running = 1;
	else
		(void)hash_members(j);	/* no thread: the same, in turn */
	return 0;
}

static void
hash_join(struct hashjob *j)
{
	if (j->running)
		pthread_join(j->th, NULL);
	j->running = 0;
}

static int
check_members(const struct tarread *t, struct expverify_report *rep,
    uint8_t (*sha)[32])
{
	const struct tarmember *tm;
	const struct expman_member *mm;
	size_t i;

	for (i = 0; i < rep->man.n; i++) {
		mm = &rep->man.m[i];
		if ((tm = tarread_find(t, mm->path)) == NULL)
			return step_fail(rep, S_MEMBERS, MK_ERR_NOT_FOUND,
			    "%s is listed in the manifest but missing from the "
			    "archive (removed)", mm->path);
		if (tm->size != mm->size || memcmp(sha[i], mm->sha, 32) != 0)
			return step_fail(rep, S_MEMBERS, MK_ERR_AUTH, "%s: its "
			    "content differs from the manifest (changed)",
			    mm->path);
	}
	for (i = 0; i < t->n; i++)
		if (!is_manifest(t->m[i].name) &&
		    expman_find(&rep->man, t->m[i].name) == NULL)
			return step_fail(rep, S_MEMBERS, MK_ERR_FORMAT, "%s is "
			    "in the archive but not in the manifest (added)",
			    t->m[i].name);
	rep->members = rep->man.n;
	step_pass(rep, S_MEMBERS, "all %zu members present with the SHA-256 "
	    "the manifest gives, none added", rep->man.n);
	return 0;
}

static int
check_head(struct expverify_report *rep)
{
	char mac[65];

	mk_hex(rep->log.head_mac, 32, mac);
	if (rep->man.head_seq != rep->log.last_seq ||
	    memcmp(rep->man.head_mac, rep->log.head_mac, 32) != 0)
		return step_fail(rep, S_HEAD, MK_ERR_AUTH, "the manifest says "
		    "the log ends at seq %" PRIu64 ", the verified log ends at "
		    "seq %" PRIu64 " (%.16s…)", rep->man.head_seq,
		    rep->log.last_seq, mac);
	step_pass(rep, S_HEAD, "seq %" PRIu64 ", MAC %.16s…",
	    rep->log.last_seq, mac);
	return 0;
}

static int
check_expect(struct expverify_report *rep)
{
	char mac[65];
	size_t n = strlen(rep->expect_hex);

	if (!rep->expect) {
		rep->step[S_EXPECT].state = EXPV_NOT_RUN;
		snprintf(rep->step[S_EXPECT].detail, sizeof(rep->step[0].detail),
		    "no anchored head given (--expect-head)");
		return 0;
	}
	if (!rep->log.mark_found)
		return step_fail(rep, S_EXPECT, MK_ERR_TRUNCATED, "the log was "
		    "cut short: it ends at seq %" PRIu64 ", before the anchored "
		    "head seq %" PRIu64, rep->log.last_seq, rep->expect_seq);
	mk_hex(rep->log.mark_mac, 32, mac);
	if (strncmp(mac, rep->expect_hex, n) != 0)
		return step_fail(rep, S_EXPECT, MK_ERR_AUTH, "record %" PRIu64
		    " has MAC %.*s, not the anchored %s: the log up to the "
		    "anchor was rewritten", rep->expect_seq, (int)n, mac,
		    rep->expect_hex);
	step_pass(rep, S_EXPECT, "the log holds the anchored record %" PRIu64
	    " (MAC %s)", rep->expect_seq, rep->expect_hex);
	return 0;
}

int
expverify_run(const uint8_t *p, size_t len, const uint8_t k0[32],
    logverify_cb cb, void *arg, struct expverify_report *rep)
{
	struct tarread t;
	struct hashjob job;
	const uint8_t *sig = NULL;
	uint8_t hash[32];
	size_t i;
	int r;

	memset(&rep->man, 0, sizeof(rep->man));
	for (i = 0; i < EXPVERIFY_STEPS; i++) {
		rep->step[i].name = step_names[i];
		rep->step[i].state = EXPV_NOT_RUN;
		rep->step[i].detail[0] = '\0';
	}
	rep->err = 0;
	rep->members = rep->log_segments = 0;
	if ((r = tarread_parse(p, len, &t)) != 0)
		return step_fail(rep, S_ARCHIVE, r, "%s", t.why);
	step_pass(rep, S_ARCHIVE, "ustar, %zu files", t.n);
	if ((r = check_manifest(&t, rep, hash, &sig)) != 0)
		goto out;
	if ((r = hash_start(&job, &t, &rep->man)) != 0) {
		step_fail(rep, S_MEMBERS, r, "out of memory");
		goto out;
	}
	r = check_log(&t, k0, cb, arg, rep);
	hash_join(&job);
	if (r == 0 && (r = check_signature(rep, hash, sig)) == 0 &&
	    (r = check_members(&t, rep, job.sha)) == 0 &&
	    (r = check_head(rep)) == 0)
		r = check_expect(rep);
	free(job.sha);
 out:
	tarread_free(&t);
	return r;
}

void
expverify_free(struct expverify_report *rep)
{
	expman_free(&rep->man);
}
