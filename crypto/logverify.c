/*
 * The audit-log verifier (docs/formats.md, audit log, "What the verifier checks").
 *
 * It trusts nothing but K_0: every key is derived from it along the seals
 * it finds, the device key comes from the first record (authenticated by
 * K_0), and every byte of every segment must be accounted for. It stops at
 * the first thing that is wrong and says where: the seq the chain expected
 * there, the segment file and the byte offset.
 *
 * Speed: one MAC handle, keyed once per epoch and reset between records;
 * segments stream through one fixed buffer; a record is MACed and parsed
 * in place with no allocation.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "cry.h"
#include "logrec.h"
#include "logverify.h"
#include "sign.h"

/* Segment numbers have eight digits. */
#define SEGMENTS_MAX		99999999u

struct vstate {
	uint8_t		*key;		/* secure memory: K_epoch */
	struct logmac	*mac;
	uint32_t	 epoch;		/* the epoch the next record must carry */
	uint64_t	 next_seq;
	uint8_t		 head[LOGREC_MAC_LEN];
	uint8_t		 prev_kind;
	uint32_t	 segno;		/* the segment being read */
	uint64_t	 seg_records;
	const char	*name;
	int		 have_device_key;
	logverify_cb	 cb;
	void		*arg;
	struct logverify_report *rep;
};

/* Records the first failure. A reason cut at 255 bytes still names it, so
 * truncation is accepted here (display text, not a path). */
static int
fail(struct vstate *st, int err, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(struct vstate *st, int err, uint64_t off, const char *fmt, ...)
{
	struct logverify_report *rep = st->rep;
	va_list ap;

	rep->err = err;
	rep->bad_seq = st->next_seq;
	rep->bad_offset = off;
	if (mkfs_path(rep->bad_file, sizeof(rep->bad_file), "%s",
	    st->name != NULL ? st->name : "") != 0)
		rep->bad_file[0] = '\0';
	va_start(ap, fmt);
	(void)vsnprintf(rep->reason, sizeof(rep->reason), fmt, ap);
	va_end(ap);
	return err;
}

static int
vstate_init(struct vstate *st, const uint8_t k0[LOGREC_KEY_LEN],
    logverify_cb cb, void *arg, struct logverify_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->mark_seq = UINT64_MAX;
	memset(st, 0, sizeof(*st));
	st->cb = cb;
	st->arg = arg;
	st->rep = rep;
	st->prev_kind = LOGREC_EVENT;
	if (k0 == NULL)
		return fail(st, MK_ERR_ARGUMENT, 0, "no key given");
	if ((st->key = cry_secure_alloc(LOGREC_KEY_LEN)) == NULL)
		return fail(st, MK_ERR_ALLOC, 0, "out of secure memory");
	memcpy(st->key, k0, LOGREC_KEY_LEN);
	/* Not in the secure pool: see logrec.h, logmac_new. */
	if (logmac_new(st->key, 0, &st->mac) != 0)
		return fail(st, MK_ERR_CRYPTO, 0, "cannot set up HMAC");
	return 0;
}

static void
vstate_free(struct vstate *st)
{
	cry_secure_free(st->key, LOGREC_KEY_LEN);
	logmac_free(st->mac);
	st->key = NULL;
	st->mac = NULL;
}

/* The first record names the device key that signs the checkpoints; it is
 * trusted because K_0 authenticates it. */
static int
first_record(struct vstate *st, const struct logrec *rec, uint64_t off)
{
	const struct logstr *v;
	char hex[2 * SIGN_PUBLIC_LEN + 1];

	if (rec->kind != LOGREC_EVENT ||
	    !logstr_eq(&rec->event, LOGREC_INIT_EVENT))
		return fail(st, MK_ERR_FORMAT, off,
		    "first record is not log.init");
	if ((v = logrec_field(rec, "device-key")) == NULL ||
	    v->len != 2 * SIGN_PUBLIC_LEN)
		return fail(st, MK_ERR_FORMAT, off,
		    "log.init has no valid device-key field");
	memcpy(hex, v->p, v->len);
	hex[v->len] = '\0';
	if (mk_unhex(hex, st->rep->device_key, SIGN_PUBLIC_LEN) != 0)
		return fail(st, MK_ERR_FORMAT, off,
		    "log.init device-key is not hex");
	st->have_device_key = 1;
	return 0;
}

static void
count_record(struct vstate *st, const struct logrec *rec)
{
	struct logverify_report *rep = st->rep;

	if (rep->records++ == 0) {
		rep->first_seq = rec->seq;
		rep->first_wall_us = rec->wall_us;
	}
	rep->last_seq = rec->seq;
	rep->last_wall_us = rec->wall_us;
	rep->by_severity[rec->severity]++;
	rep->epochs = (uint64_t)rec->epoch + 1;
}

/* After a seal only K_{e+1} can make the next MAC: the verifier follows the
 * writer's key schedule, never a key named by the record itself. */
static int
next_epoch(struct vstate *st, uint64_t off)
{
	if (st->epoch == UINT32_MAX)
		return fail(st, MK_ERR_FORMAT, off, "epoch counter overflow");
	if (logrec_next_key(st->key, st->key) != 0 ||
	    logmac_setkey(st->mac, st->key) != 0)
		return fail(st, MK_ERR_CRYPTO, off, "key evolution failed");
	st->epoch++;
	return 0;
}

static int
check_rules(struct vstate *st, const struct logrec *rec, uint64_t off)
{
	if (rec->seq != st->next_seq)
		return fail(st, MK_ERR_ORDER, off,
		    "out of sequence: found seq %" PRIu64, rec->seq);
	if (rec->epoch != st->epoch)
		return fail(st, MK_ERR_AUTH, off,
		    "record claims epoch %" PRIu32 ", chain is in epoch %"
		    PRIu32 " (relabelled)", rec->epoch, st->epoch);
	if (st->next_seq == 0)
		return first_record(st, rec, off);
	return 0;
}

/*
 * prev_before: the 32 bytes before f are the previous record's MAC, which
 * verified and so equal st->head: MACing them with the frame in one piece
 * saves a call per record.
 */
static int
verify_record(struct vstate *st, const uint8_t *f, size_t flen,
    uint64_t off, int prev_before)
{
	struct logrec rec;
	int ok, pr, r;

	/* The MAC first: for bytes that are not authentic, "altered" is the
	 * finding, whatever they parse as. */
	if (prev_before)
		r = logmac_check(st->mac, NULL, f - LOGREC_MAC_LEN, flen,
		    f + flen - LOGREC_MAC_LEN);
	else
		r = logmac_check(st->mac, st->head, f, flen - LOGREC_MAC_LEN,
		    f + flen - LOGREC_MAC_LEN);
	if (r != 0 && r != MK_ERR_AUTH)
		return fail(st, r, off, "HMAC failed");
	ok = r == 0;
	pr = logrec_parse(f + 4, flen - LOGREC_FRAME_OVERHEAD, &rec);
	if (!ok && pr == 0)
		return fail(st, MK_ERR_AUTH, off, "MAC does not verify: "
		    "record altered, inserted, removed or reordered "
		    "(it claims seq %" PRIu64 ")", rec.seq);
	if (!ok)
		return fail(st, MK_ERR_AUTH, off, "MAC does not verify: "
		    "record altered or garbage");
	if (pr != 0)
		return fail(st, MK_ERR_FORMAT, off, "malformed record: %s",
		    mkerr_str(pr));
	if ((r = check_rules(st, &rec, off)) != 0)
		return r;
	count_record(st, &rec);
	if (st->cb != NULL && (r = st->cb(&rec, st->arg)) != 0)
		return fail(st, r, off, "stopped by the caller");
	memcpy(st->head, f + flen - LOGREC_MAC_LEN, LOGREC_MAC_LEN);
	if (rec.seq == st->rep->mark_seq) {
		memcpy(st->rep->mark_mac, st->head, LOGREC_MAC_LEN);
		st->rep->mark_found = 1;
	}
	st->next_seq++;
	st->seg_records++;
	st->prev_kind = rec.kind;
	if (rec.kind == LOGREC_SEAL)
		return next_epoch(st, off);
	return 0;
}

/*
 * A segment is read through a window of at most RD_CAP bytes, refilled
 * with large reads: memory stays constant whatever the segment's size (the
 * daemon runs this as a self-check within its memory budget) and no page
 * of a fresh segment-sized buffer has to be faulted in. In memory mode the
 * window is the caller's whole buffer.
 */
#define RD_CHUNK	(1u << 20)
#define RD_CAP		(RD_CHUNK + LOGREC_FRAME_MAX + LOGREC_TRAILER_LEN + \
			    LOGREC_MAC_LEN)

struct segrd {
	int		 fd;		/* -1 in memory mode */
	const uint8_t	*data;
	uint8_t		*buf;		/* RD_CAP bytes, fd mode */
	size_t		 start, end;	/* the window is data[start, end) */
	uint64_t	 base;		/* file offset of data[0] */
	int		 eof;
};

static const uint8_t *
rd_ptr(const struct segrd *r)
{
	return r->data + r->start;
}

static size_t
rd_avail(const struct segrd *r)
{
	return r->end - r->start;
}

static uint64_t
rd_off(const struct segrd *r)
{
	return r->base + r->start;
}

/* Makes want bytes (at most RD_CAP) available, or as many as remain. */
static int
rd_fill(struct segrd *r, size_t want)
{
	size_t keep;
	ssize_t n;

	if (rd_avail(r) >= want || r->eof)
		return 0;
	/* Keep the last MAC before the window (see verify_record). */
	if (r->start > LOGREC_MAC_LEN) {
		keep = r->start - LOGREC_MAC_LEN;
		memmove(r->buf, r->buf + keep, r->end - keep);
		r->base += keep;
		r->end -= keep;
		r->start = LOGREC_MAC_LEN;
	}
	while (rd_avail(r) < want && !r->eof) {
		/* want <= LOGREC_FRAME_MAX and at most a MAC is kept before
		 * the window, so there is always room to read into. */
		if (r->end >= RD_CAP)
			return MK_ERR_INTERNAL;
		n = read(r->fd, r->buf + r->end, RD_CAP - r->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return mkerr_from_errno(errno);
		if (n == 0)
			r->eof = 1;
		r->end += (size_t)n;
	}
	return 0;
}

static int
verify_trailer(struct vstate *st, const uint8_t *p, uint64_t off)
{
	uint8_t msg[LOGREC_CKPT_MSG_LEN];
	struct logtrailer t;

	if (st->seg_records == 0 || st->prev_kind != LOGREC_SEAL)
		return fail(st, MK_ERR_FORMAT, off,
		    "checkpoint not preceded by a seal record");
	if (logrec_trailer_parse(p, LOGREC_TRAILER_LEN, &t) != 0)
		return fail(st, MK_ERR_FORMAT, off, "bad checkpoint trailer");
	if (t.last_seq + 1 != st->next_seq ||
	    !cry_ct_equal(t.mac, st->head, LOGREC_MAC_LEN))
		return fail(st, MK_ERR_AUTH, off, "checkpoint names seq %"
		    PRIu64 " and a MAC that are not the chain's", t.last_seq);
	logrec_checkpoint_msg(msg, st->segno, t.last_seq, t.mac);
	if (!st->have_device_key || sign_verify(st->rep->device_key, msg,
	    sizeof(msg), t.sig) != 0)
		return fail(st, MK_ERR_SIGNATURE, off,
		    "checkpoint signature does not verify");
	return 0;
}

static int
check_header(struct vstate *st, const uint8_t *p, size_t len)
{
	uint32_t segno;
	uint64_t first;
	int r;

	if ((r = logrec_seghdr_parse(p, len, &segno, &first)) != 0)
		return fail(st, r, 0, "bad segment header: %s", mkerr_str(r));
	if (segno != st->segno)
		return fail(st, MK_ERR_ORDER, 0, "header says segment %" PRIu32
		    ", expected %" PRIu32, segno, st->segno);
	if (first != st->next_seq)
		return fail(st, MK_ERR_ORDER, 0, "segment starts at seq %"
		    PRIu64 ": records are missing or repeated", first);
	return 0;
}

static int
is_trailer(const uint8_t *p, size_t left)
{
	return left >= LOGREC_MAGIC_LEN &&
	    memcmp(p, LOGREC_TRAILER_MAGIC, LOGREC_MAGIC_LEN) == 0;
}

static int
read_fail(struct vstate *st, const struct segrd *r, int err)
{
	return fail(st, err, rd_off(r), "cannot read segment: %s",
	    mkerr_str(err));
}

/* Frames the next item, reading more if it is not all in the window. */
static int
next_item(struct vstate *st, struct segrd *r, size_t *ilen)
{
	int kind, e;

	kind = logrec_frame(rd_ptr(r), rd_avail(r), ilen);
	if (kind == MK_ERR_TRUNCATED && !r->eof) {
		if ((e = rd_fill(r, *ilen)) != 0)
			return read_fail(st, r, e);
		kind = logrec_frame(rd_ptr(r), rd_avail(r), ilen);
	}
	if (kind == MK_ERR_TRUNCATED)
		return fail(st, MK_ERR_TRUNCATED, rd_off(r), "%s truncated "
		    "(torn write or cut file)", is_trailer(rd_ptr(r),
		    rd_avail(r)) ? "checkpoint trailer" : "record");
	if (kind < 0)
		return fail(st, MK_ERR_FORMAT, rd_off(r),
		    "invalid record length %" PRIu32 " (garbage)",
		    mk_get_be32(rd_ptr(r)));
	return kind;
}

/* One item: a record, or the trailer, which must end the segment. */
static int
verify_item(struct vstate *st, struct segrd *r, int *sealed)
{
	uint64_t off = rd_off(r);
	size_t ilen;
	int kind, e;

	if ((kind = next_item(st, r, &ilen)) < 0)
		return kind;
	if (kind == LOGREC_ITEM_RECORD) {
		e = verify_record(st, rd_ptr(r), ilen, off,
		    st->seg_records > 0 && r->start >= LOGREC_MAC_LEN);
		r->start += ilen;
		return e;
	}
	if ((e = verify_trailer(st, rd_ptr(r), off)) != 0)
		return e;
	r->start += ilen;
	*sealed = 1;
	if ((e = rd_fill(r, 1)) != 0)
		return read_fail(st, r, e);
	if (rd_avail(r) > 0)
		return fail(st, MK_ERR_TRAILING, rd_off(r),
		    "data after the checkpoint trailer");
	return 0;
}

static int
verify_segment(struct vstate *st, struct segrd *r, int last)
{
	int sealed = 0, e;

	if ((e = rd_fill(r, LOGREC_SEGHDR_LEN)) != 0)
		return read_fail(st, r, e);
	if ((e = check_header(st, rd_ptr(r), rd_avail(r))) != 0)
		return e;
	r->start += LOGREC_SEGHDR_LEN;
	st->seg_records = 0;
	while (!sealed) {
		/* The 8 bytes that tell a trailer from a record length. */
		if ((e = rd_fill(r, LOGREC_MAGIC_LEN)) != 0)
			return read_fail(st, r, e);
		if (rd_avail(r) == 0)
			break;
		if ((e = verify_item(st, r, &sealed)) != 0)
			return e;
	}
	if (!sealed && !last)
		return fail(st, MK_ERR_TRUNCATED, rd_off(r), "segment "
		    "truncated: no checkpoint trailer, but later segments "
		    "exist");
	st->rep->segments++;
	if (sealed)
		st->rep->sealed_segments++;
	st->rep->last_open = !sealed;
	return 0;
}

static int
finish(struct vstate *st, int r)
{
	if (r == 0 && st->next_seq == 0)
		r = fail(st, MK_ERR_TRUNCATED, LOGREC_SEGHDR_LEN,
		    "the log holds no record");
	if (r == 0)
		memcpy(st->rep->head_mac, st->head, LOGREC_MAC_LEN);
	vstate_free(st);
	return r;
}

int
logverify_segments_mark(const struct logverify_seg *segs, size_t nsegs,
    const uint8_t k0[32], uint64_t mark_seq, logverify_cb cb, void *arg,
    struct logverify_report *rep)
{
	struct vstate st;
	struct segrd rd;
	size_t i;
	int r;

	if ((r = vstate_init(&st, k0, cb, arg, rep)) != 0)
		return finish(&st, r);
	rep->mark_seq = mark_seq;
	if (nsegs == 0 || nsegs > SEGMENTS_MAX)
		return finish(&st, fail(&st, MK_ERR_NOT_FOUND, 0,
		    "no log segments, or too many"));
	for (i = 0; i < nsegs && r == 0; i++) {
		memset(&rd, 0, sizeof(rd));
		rd.fd = -1;
		rd.data = segs[i].p;
		rd.end = segs[i].len;
		rd.eof = 1;
		st.segno = (uint32_t)(i + 1);
		st.name = segs[i].name;
		r = verify_segment(&st, &rd, i + 1 == nsegs);
	}
	return finish(&st, r);
}

int
logverify_segments(const struct logverify_seg *segs, size_t nsegs,
    const uint8_t k0[32], logverify_cb cb, void *arg,
    struct logverify_report *rep)
{
	return logverify_segments_mark(segs, nsegs, k0, UINT64_MAX, cb, arg,
	    rep);
}

/* ---- directories ---- */

static int
max_segno(const char *logdir, uint32_t *n)
{
	struct dirent *de;
	uint32_t v;
	DIR *d;

	*n = 0;
	if ((d = opendir(logdir)) == NULL)
		return mkerr_from_errno(errno);
	while ((de = readdir(d)) != NULL) {
		if (logrec_segment_name(de->d_name, &v) && v > *n)
			*n = v;
	}
	closedir(d);
	return 0;
}

/*
 * Segments are mapped and read in place rather than copied through the
 * window (the copy was a tenth of the verifier's time). Mapping needs the
 * file not to shrink meanwhile: logverify.h makes that the caller's duty
 * (no writer during verification). Where mapping fails, the window is used.
 */
static int
map_segment(struct segrd *rd, void **map, size_t *maplen)
{
	struct stat sb;
	void *p;

	*map = NULL;
	if (fstat(rd->fd, &sb) != 0 || sb.st_size <= 0 ||
	    (uint64_t)sb.st_size > SIZE_MAX)
		return -1;
	p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
	    rd->fd, 0);
	if (p == MAP_FAILED)
		return -1;
	madvise(p, (size_t)sb.st_size, MADV_SEQUENTIAL);
	*map = p;
	*maplen = (size_t)sb.st_size;
	rd->data = p;
	rd->start = 0;
	rd->end = *maplen;
	rd->eof = 1;
	return 0;
}

static int
dir_segment(struct vstate *st, int dfd, uint32_t segno, int last,
    uint8_t *buf)
{
	void *map = NULL;
	size_t maplen = 0;
	struct segrd rd;
	char name[16];
	int r;

	st->segno = segno;
	if (mkfs_path(name, sizeof(name), "%08" PRIu32 ".seg", segno) != 0)
		return fail(st, MK_ERR_INTERNAL, 0, "segment name");
	st->name = name;
	memset(&rd, 0, sizeof(rd));
	rd.data = rd.buf = buf;
	if ((rd.fd = openat(dfd, name, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) < 0) {
		r = errno == ENOENT ? MK_ERR_NOT_FOUND :
		    mkerr_from_errno(errno);
		r = fail(st, r, 0, r == MK_ERR_NOT_FOUND ?
		    "segment file missing (deleted)" : "cannot open: %s",
		    mkerr_str(r));
	} else {
		if (map_segment(&rd, &map, &maplen) == 0) {
			close(rd.fd);
			rd.fd = -1;
		}
		r = verify_segment(st, &rd, last);
		if (map != NULL)
			munmap(map, maplen);
		if (rd.fd >= 0)
			close(rd.fd);
	}
	/* st->name points into this frame; the report keeps its own copy. */
	st->name = NULL;
	return r;
}

int
logverify_dir(const char *logdir, const uint8_t k0[32], logverify_cb cb,
    void *arg, struct logverify_report *rep)
{
	struct vstate st;
	uint8_t *buf = NULL;
	uint32_t n = 0, i;
	int dfd = -1, r;

	if ((r = vstate_init(&st, k0, cb, arg, rep)) != 0)
		return finish(&st, r);
	if ((dfd = open(logdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (r = max_segno(logdir, &n)) != 0) {
		r = fail(&st, r != 0 ? r : mkerr_from_errno(errno), 0,
		    "cannot read the log directory");
		goto out;
	}
	if (n == 0) {
		r = fail(&st, MK_ERR_NOT_FOUND, 0, "no segment files");
		goto out;
	}
	if ((buf = malloc(RD_CAP)) == NULL) {
		r = fail(&st, MK_ERR_ALLOC, 0, "out of memory");
		goto out;
	}
	for (i = 1; i <= n && r == 0; i++)
		r = dir_segment(&st, dfd, i, i == n, buf);
 out:
	if (dfd >= 0)
		close(dfd);
	free(buf);
	return finish(&st, r);
}
