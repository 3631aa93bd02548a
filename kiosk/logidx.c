/*
 * The log viewer's index (kiosk/logidx.h; docs/architecture.md, "The log
 * viewer").
 *
 * Invariants, under ix->lock:
 * - ix->segs holds the segment files whose header is valid, in segment
 *   order, with first_seq never decreasing; ix->bad the files whose
 *   header is not. ix->last_segno is the highest number taken into
 *   either: the next segment the writer makes is last_segno + 1.
 * - In a segment, records [first_seq, walked_seq) have been located; the
 *   frame of walked_seq, if any, starts at walked_off. blks[b] covers
 *   the records first_seq + b * LOGIDX_BLOCK and after, as far as walked.
 * - stop != STOP_NONE: the walk cannot go on (a checkpoint trailer, or
 *   damage at stop_off); a segment never goes back to STOP_NONE.
 *
 * Only records up to the head the caller read under the daemon's lock are
 * ever walked: they are durable and never rewritten, so a walk never meets
 * a frame the writer is still appending, nor one it will cut back after a
 * failed write. Reading uses pread, not mmap: a segment cut short under a
 * mapping would raise SIGBUS in the daemon, a short read is just damage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "crypto/auditlog.h"
#include "logidx.h"

#define K		LOGIDX_BLOCK
/* Segment files taken into the index; more is refused (MK_ERR_TOO_LARGE):
 * the writer starts one per daemon start and per 64 MiB. */
#define SEGS_MAX	65536
/* A segment grows past AUDITLOG_SEGMENT_MAX by at most a batch, a seal and
 * the trailer (as in auditlog.c); a walk stops beyond that. */
#define SEG_BYTES_MAX	(AUDITLOG_SEGMENT_MAX + 4 * LOGREC_FRAME_MAX)
/* The walk reads segments in pieces of this much, plus room for a frame
 * that straddles the end of a piece. Reads of 1 MiB take a cold 64 MiB
 * segment off the bench's disk in 37 ms, reads of 256 KiB in 90; larger
 * ones, or POSIX_FADV_SEQUENTIAL, gained nothing for a whole segment and
 * cost a third more for part of one. */
#define WALK_CHUNK	(1024u * 1024)
#define WALK_CAP	(WALK_CHUNK + LOGREC_FRAME_MAX)
/* A block's bytes, at most. */
#define BLOCK_BYTES_MAX	((size_t)K * LOGREC_FRAME_MAX)

#define STOP_NONE	0
#define STOP_END	1	/* a checkpoint trailer: complete */
#define STOP_DAMAGE	2

struct blk {
	uint64_t	off;		/* the block's first frame */
	int64_t		min_wall, max_wall;
	uint64_t	ev_bloom;	/* event names and their prefixes */
	uint64_t	actor_bloom;
	uint8_t		max_sev;
	uint8_t		bad;		/* holds a record that does not parse */
};

struct seg {
	uint32_t	 segno;
	uint64_t	 first_seq;
	uint64_t	 walked_seq;
	uint64_t	 walked_off;
	int		 stop;
	uint64_t	 stop_off;
	char		 stop_reason[96];
	struct blk	*blks;
	size_t		 nblks, capblks;
};

struct badseg {
	uint32_t	segno;
	char		reason[96];
};

struct logidx {
	pthread_mutex_t		 lock;
	char			 dir[PATH_MAX];
	int			 listed;
	uint32_t		 last_segno;
	struct seg		*segs;
	size_t			 nsegs, capsegs;
	struct badseg		*bad;
	size_t			 nbad, capbad;
	struct logidx_stats	 st;
	/* logidx_prepare's thread, joined by logidx_free. */
	pthread_t		 prep;
	int			 prep_started;
	uint64_t		 prep_head;
	atomic_int		 stopping;
};

/* ---- small helpers ---- */

static void
seg_name(uint32_t segno, char out[16])
{
	/* Eight digits and ".seg" always fit. */
	(void)snprintf(out, 16, "%08" PRIu32 ".seg", segno);
}

static int
seg_open(const struct logidx *ix, uint32_t segno, int *fd)
{
	char path[PATH_MAX];
	struct stat st;
	int r;

	*fd = -1;
	if ((r = mkfs_path(path, sizeof(path), "%s/%08" PRIu32 ".seg",
	    ix->dir, segno)) != 0)
		return r;
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return mkerr_from_errno(errno);
	if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(*fd);
		*fd = -1;
		return MK_ERR_FORMAT;
	}
	return 0;
}

/* Reads up to n bytes at off; *got short only at the end of the file. */
static int
pread_full(int fd, uint8_t *p, size_t n, uint64_t off, size_t *got)
{
	ssize_t r;

	*got = 0;
	while (*got < n) {
		r = pread(fd, p + *got, n - *got, (off_t)(off + *got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return mkerr_from_errno(errno);
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

/* Two bits of a 64-bit Bloom filter (FNV-1a). */
static uint64_t
bloom_bits(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 14695981039346656037ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return (1ull << (h & 63)) | (1ull << ((h >> 6) & 63));
}

/* An event is found by its name and by each prefix ending in '.', which
 * are what a query may ask for. */
static uint64_t
event_bloom(const struct logstr *ev)
{
	uint64_t bits = bloom_bits(ev->p, ev->len);
	size_t i;

	for (i = 0; i + 1 < ev->len; i++)
		if (ev->p[i] == '.')
			bits |= bloom_bits(ev->p, i + 1);
	return bits;
}

static int
grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *q;

	if (n < *cap)
		return 0;
	ncap = *cap == 0 ? 16 : *cap * 2;
	if ((q = reallocarray(*p, ncap, size)) == NULL)
		return MK_ERR_ALLOC;
	*p = q;
	*cap = ncap;
	return 0;
}

/* ---- the segment list ---- */

/* The first seq from segno's header; why says what is wrong otherwise.
 * MK_ERR_NOT_FOUND: no such file. */
static int
read_header(const struct logidx *ix, uint32_t segno, uint64_t *first,
    char *why, size_t whylen)
{
	uint8_t hdr[LOGREC_SEGHDR_LEN];
	uint32_t no;
	size_t got;
	int fd, r;

	*first = 0;
	if ((r = seg_open(ix, segno, &fd)) != 0) {
		snprintf(why, whylen, "cannot open: %s", mkerr_str(r));
		return r;
	}
	r = pread_full(fd, hdr, sizeof(hdr), 0, &got);
	close(fd);
	if (r == 0 && got < sizeof(hdr))
		r = MK_ERR_TRUNCATED;
	if (r == 0 && (r = logrec_seghdr_parse(hdr, got, &no, first)) == 0 &&
	    no != segno)
		r = MK_ERR_FORMAT;
	if (r != 0)
		snprintf(why, whylen, "header unreadable: %s", mkerr_str(r));
	return r;
}

static int
add_bad(struct logidx *ix, uint32_t segno, const char *why)
{
	int r;

	if ((r = grow((void **)&ix->bad, &ix->capbad, ix->nbad,
	    sizeof(*ix->bad))) != 0)
		return r;
	ix->bad[ix->nbad].segno = segno;
	snprintf(ix->bad[ix->nbad].reason, sizeof(ix->bad[0].reason), "%s",
	    why);
	ix->nbad++;
	return 0;
}

static int
add_seg(struct logidx *ix, uint32_t segno, uint64_t first)
{
	struct seg *sg;
	int r;

	if ((r = grow((void **)&ix->segs, &ix->capsegs, ix->nsegs,
	    sizeof(*ix->segs))) != 0)
		return r;
	sg = &ix->segs[ix->nsegs++];
	memset(sg, 0, sizeof(*sg));
	sg->segno = segno;
	sg->first_seq = first;
	sg->walked_seq = first;
	sg->walked_off = LOGREC_SEGHDR_LEN;
	ix->st.segments++;
	return 0;
}

/*
 * Takes segment segno into the index. The newest file may be one the
 * writer is creating right now (header not yet written): if its header
 * does not read and no later segment exists, it is left for the next
 * query (MK_ERR_BUSY); with a later one it is damaged for good.
 */
static int
take_seg(struct logidx *ix, uint32_t segno, int has_later)
{
	char why[96];
	uint64_t first;
	int r;

	if (ix->nsegs + ix->nbad >= SEGS_MAX)
		return MK_ERR_TOO_LARGE;
	r = read_header(ix, segno, &first, why, sizeof(why));
	if (r == MK_ERR_NOT_FOUND)
		return r;
	if (r != 0 && !has_later)
		return MK_ERR_BUSY;
	if (r == 0 && ix->nsegs > 0 &&
	    first < ix->segs[ix->nsegs - 1].first_seq) {
		snprintf(why, sizeof(why), "its first seq %" PRIu64 " goes "
		    "back", first);
		r = MK_ERR_ORDER;
	}
	r = r != 0 ? add_bad(ix, segno, why) : add_seg(ix, segno, first);
	if (r == 0)
		ix->last_segno = segno;
	return r;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The first look: every segment file there is, in order. */
static int
list_dir(struct logidx *ix)
{
	struct dirent *de;
	uint32_t *nos = NULL, no;
	size_t n = 0, cap = 0, i;
	DIR *d;
	int r = 0;

	if ((d = opendir(ix->dir)) == NULL)
		return mkerr_from_errno(errno);
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (!logrec_segment_name(de->d_name, &no))
			continue;
		if (n >= SEGS_MAX)
			r = MK_ERR_TOO_LARGE;
		else if ((r = grow((void **)&nos, &cap, n,
		    sizeof(*nos))) == 0)
			nos[n++] = no;
	}
	closedir(d);
	if (n > 0)
		qsort(nos, n, sizeof(*nos), cmp_u32);
	for (i = 0; r == 0 && i < n; i++) {
		r = take_seg(ix, nos[i], i + 1 < n);
		if (r == MK_ERR_NOT_FOUND || r == MK_ERR_BUSY)
			r = 0;
	}
	free(nos);
	return r;
}

static int
seg_exists(const struct logidx *ix, uint32_t segno)
{
	char path[PATH_MAX];
	struct stat st;

	if (mkfs_path(path, sizeof(path), "%s/%08" PRIu32 ".seg", ix->dir,
	    segno) != 0)
		return 0;
	return lstat(path, &st) == 0;
}

/* Segments the writer started since the last look. */
static int
refresh(struct logidx *ix)
{
	uint32_t segno;
	int r;

	if (!ix->listed) {
		if ((r = list_dir(ix)) != 0)
			return r;
		ix->listed = 1;
	}
	for (;;) {
		if (ix->last_segno >= 99999999u)
			return 0;
		segno = ix->last_segno + 1;
		r = take_seg(ix, segno, seg_exists(ix, segno + 1));
		if (r == MK_ERR_NOT_FOUND || r == MK_ERR_BUSY)
			return 0;
		if (r != 0)
			return r;
	}
}

/* The last segment whose first seq is at most s, or -1. */
static long
find_seg(const struct logidx *ix, uint64_t s)
{
	size_t lo = 0, hi = ix->nsegs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ix->segs[mid].first_seq <= s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

/* ---- walking a segment ---- */

/* A window over a segment file, refilled with large reads. */
struct rd {
	int		 fd;
	uint8_t		*buf;
	uint64_t	 base;		/* file offset of buf[0] */
	size_t		 len;		/* bytes valid in buf */
	uint64_t	*bytes;
};

/* Points *p at n (<= WALK_CAP) bytes at off; *got < n at end of file. */
static int
rd_at(struct rd *r, uint64_t off, size_t n, const uint8_t **p, size_t *got)
{
	size_t have;
	int e;

	if (off < r->base || off - r->base > r->len ||
	    r->len - (off - r->base) < n) {
		if ((e = pread_full(r->fd, r->buf, WALK_CAP, off,
		    &r->len)) != 0) {
			r->len = 0;
			return e;
		}
		r->base = off;
		*r->bytes += r->len;
	}
	have = r->len - (size_t)(off - r->base);
	*p = r->buf + (off - r->base);
	*got = have < n ? have : n;
	return 0;
}

/* Ends the walk of sg at its current place; the caller says why in
 * sg->stop_reason. */
static void
stop_walk(struct seg *sg, int how)
{
	sg->stop = how;
	sg->stop_off = sg->walked_off;
}

/* Adds the walked record (NULL: it does not parse) to its block. */
static int
note_record(struct logidx *ix, struct seg *sg, const struct logrec *rec)
{
	uint64_t i = sg->walked_seq - sg->first_seq;
	struct blk *b;
	int r;

	if (i % K == 0) {
		if ((r = grow((void **)&sg->blks, &sg->capblks, sg->nblks,
		    sizeof(*sg->blks))) != 0)
			return r;
		b = &sg->blks[sg->nblks++];
		memset(b, 0, sizeof(*b));
		b->off = sg->walked_off;
		b->min_wall = INT64_MAX;
		b->max_wall = INT64_MIN;
		ix->st.blocks++;
	}
	b = &sg->blks[sg->nblks - 1];
	if (rec == NULL) {
		b->bad = 1;
		return 0;
	}
	if (rec->wall_us < b->min_wall)
		b->min_wall = rec->wall_us;
	if (rec->wall_us > b->max_wall)
		b->max_wall = rec->wall_us;
	if (rec->severity > b->max_sev)
		b->max_sev = rec->severity;
	b->ev_bloom |= event_bloom(&rec->event);
	b->actor_bloom |= bloom_bits(rec->actor.p, rec->actor.len);
	return 0;
}

/* Locates one more record, or stops the walk saying why. */
static int
walk_step(struct logidx *ix, struct seg *sg, struct rd *rd)
{
	const uint8_t *p;
	struct logrec rec;
	uint64_t seq;
	size_t got, flen;
	uint32_t len;
	int r;

	if (sg->walked_off > SEG_BYTES_MAX) {
		stop_walk(sg, STOP_DAMAGE);
		snprintf(sg->stop_reason, sizeof(sg->stop_reason), "segment "
		    "larger than the writer makes");
		return 0;
	}
	if ((r = rd_at(rd, sg->walked_off, 8, &p, &got)) != 0)
		return r;
	if (got == LOGREC_MAGIC_LEN && memcmp(p, LOGREC_TRAILER_MAGIC,
	    LOGREC_MAGIC_LEN) == 0) {
		stop_walk(sg, STOP_END);
		return 0;
	}
	if (got < 4) {
		stop_walk(sg, STOP_DAMAGE);
		snprintf(sg->stop_reason, sizeof(sg->stop_reason), "the file "
		    "ends here, before seq %" PRIu64 " and without a "
		    "checkpoint", sg->walked_seq);
		return 0;
	}
	len = mk_get_be32(p);
	if (len < LOGREC_BODY_MIN || len > LOGREC_BODY_MAX) {
		stop_walk(sg, STOP_DAMAGE);
		snprintf(sg->stop_reason, sizeof(sg->stop_reason), "frame "
		    "length %" PRIu32 " out of bounds", len);
		return 0;
	}
	flen = (size_t)len + LOGREC_FRAME_OVERHEAD;
	if ((r = rd_at(rd, sg->walked_off, flen, &p, &got)) != 0)
		return r;
	if (got < flen) {
		stop_walk(sg, STOP_DAMAGE);
		snprintf(sg->stop_reason, sizeof(sg->stop_reason), "record "
		    "cut short: the file ends inside it");
		return 0;
	}
	/* The seq keeps the walk in step with the frames: a length that was
	 * altered would lead it into the middle of a record. */
	if ((seq = mk_get_be64(p + 4 + 2)) != sg->walked_seq) {
		stop_walk(sg, STOP_DAMAGE);
		snprintf(sg->stop_reason, sizeof(sg->stop_reason), "seq %"
		    PRIu64 " found where %" PRIu64 " was expected", seq,
		    sg->walked_seq);
		return 0;
	}
	r = logrec_parse(p + 4, len, &rec);
	if ((r = note_record(ix, sg, r == 0 ? &rec : NULL)) != 0)
		return r;
	sg->walked_seq++;
	sg->walked_off += flen;
	ix->st.walked++;
	return 0;
}

/* Walks sg until it has located seq upto - 1, or cannot go further. An
 * error here (no memory, an I/O error) is not damage: nothing is kept of
 * it, and the next query tries again. */
static int
walk(struct logidx *ix, struct seg *sg, uint64_t upto)
{
	struct rd rd;
	int r = 0;

	if (sg->walked_seq >= upto || sg->stop != STOP_NONE)
		return 0;
	memset(&rd, 0, sizeof(rd));
	rd.bytes = &ix->st.bytes_read;
	if ((rd.buf = malloc(WALK_CAP)) == NULL)
		return MK_ERR_ALLOC;
	if ((r = seg_open(ix, sg->segno, &rd.fd)) == 0) {
		while (r == 0 && sg->walked_seq < upto &&
		    sg->stop == STOP_NONE) {
			if (atomic_load(&ix->stopping))
				r = MK_ERR_CLOSED;
			else
				r = walk_step(ix, sg, &rd);
		}
		close(rd.fd);
	}
	free(rd.buf);
	return r;
}

/* ---- finding a seq ---- */

/* Where seq s is: a block to read, or a run of damaged records. */
struct loc {
	int		 damaged;
	uint32_t	 segno;
	struct blk	 blk;		/* a copy: the array may move */
	uint64_t	 bfirst;	/* the block's first seq */
	uint64_t	 nrec;		/* records of it walked */
	uint64_t	 end_off;	/* end of its last walked frame */
	uint64_t	 lo, hi;	/* damaged: the run around s */
	char		 file[16];
	uint64_t	 offset;
	char		 reason[160];
};

/* Why the records after segment i (up to the next) cannot be found. */
static void
gap_reason(const struct logidx *ix, long i, struct loc *l)
{
	const struct seg *sg = &ix->segs[i];
	uint32_t next = (size_t)i + 1 < ix->nsegs ? ix->segs[i + 1].segno :
	    UINT32_MAX;
	size_t b;

	seg_name(sg->segno, l->file);
	l->offset = sg->stop_off;
	if (sg->stop == STOP_DAMAGE) {
		snprintf(l->reason, sizeof(l->reason), "%s", sg->stop_reason);
		return;
	}
	for (b = 0; b < ix->nbad; b++) {
		if (ix->bad[b].segno > sg->segno && ix->bad[b].segno < next) {
			seg_name(ix->bad[b].segno, l->file);
			l->offset = 0;
			snprintf(l->reason, sizeof(l->reason), "%s",
			    ix->bad[b].reason);
			return;
		}
	}
	snprintf(l->reason, sizeof(l->reason), "missing: the segment ends "
	    "with its checkpoint%s", next != UINT32_MAX &&
	    next > sg->segno + 1 ? ", and the segment files after it are "
	    "missing" : "");
}

static void
locate_damage(const struct logidx *ix, uint64_t head, uint64_t s, long i,
    struct loc *l)
{
	l->damaged = 1;
	if (i < 0) {
		l->lo = 0;
		l->hi = ix->nsegs > 0 ? ix->segs[0].first_seq - 1 : head;
		seg_name(1, l->file);
		snprintf(l->reason, sizeof(l->reason), "no segment file holds "
		    "these records%s", ix->nbad > 0 ? " (a header is "
		    "unreadable)" : "");
	} else {
		l->lo = ix->segs[i].walked_seq;
		l->hi = (size_t)i + 1 < ix->nsegs ?
		    ix->segs[i + 1].first_seq - 1 : head;
		gap_reason(ix, i, l);
	}
	if (l->hi > head)
		l->hi = head;
	if (l->hi < s)
		l->hi = s;
	if (l->lo > s)
		l->lo = s;
}

/* With ix->lock held. */
static int
locate(struct logidx *ix, uint64_t head, uint64_t s, struct loc *l)
{
	struct seg *sg;
	uint64_t b, upto;
	long i;
	int r;

	memset(l, 0, sizeof(*l));
	if ((i = find_seg(ix, s)) < 0) {
		locate_damage(ix, head, s, i, l);
		return 0;
	}
	sg = &ix->segs[i];
	/* Whole blocks at a time, so that paging on reads each block once;
	 * never past the head. */
	upto = sg->first_seq + ((s - sg->first_seq) / K + 1) * K;
	if (upto > head + 1)
		upto = head + 1;
	if ((r = walk(ix, sg, upto)) != 0) {
		if (r == MK_ERR_ALLOC)
			return r;
		/* Not kept: the next query tries again. */
		locate_damage(ix, head, s, i, l);
		snprintf(l->reason, sizeof(l->reason), "cannot read: %s",
		    mkerr_str(r));
		return 0;
	}
	if (sg->walked_seq <= s) {
		locate_damage(ix, head, s, i, l);
		return 0;
	}
	b = (s - sg->first_seq) / K;
	l->segno = sg->segno;
	l->blk = sg->blks[b];
	l->bfirst = sg->first_seq + b * K;
	l->nrec = sg->walked_seq - l->bfirst < K ? sg->walked_seq - l->bfirst :
	    K;
	/* Another query, with a later head, may have walked further. */
	if (l->bfirst + l->nrec - 1 > head)
		l->nrec = head - l->bfirst + 1;
	l->end_off = b + 1 < sg->nblks ? sg->blks[b + 1].off : sg->walked_off;
	return 0;
}

/* ---- filters ---- */

static int
event_match(const char *want, const struct logstr *ev)
{
	size_t n = strlen(want);

	if (n > 0 && want[n - 1] == '.')
		return ev->len >= n && memcmp(ev->p, want, n) == 0;
	return logstr_eq(ev, want);
}

int
logidx_match(const struct logidx_query *q, const struct logrec *rec)
{
	if (rec->severity < q->min_severity ||
	    rec->wall_us < q->from_us || rec->wall_us >= q->to_us)
		return 0;
	if (q->actor != NULL && !logstr_eq(&rec->actor, q->actor))
		return 0;
	return q->event == NULL || event_match(q->event, &rec->event);
}

/* 0 if no record of the block can pass q (a block with a record that
 * does not parse is always read: damage is always shown). */
static int
blk_may_match(const struct logidx_query *q, const struct blk *b)
{
	uint64_t bits;

	if (b->bad)
		return 1;
	if (b->max_sev < q->min_severity || b->max_wall < q->from_us ||
	    b->min_wall >= q->to_us)
		return 0;
	if (q->actor != NULL) {
		bits = bloom_bits(q->actor, strlen(q->actor));
		if ((b->actor_bloom & bits) != bits)
			return 0;
	}
	if (q->event != NULL) {
		bits = bloom_bits(q->event, strlen(q->event));
		if ((b->ev_bloom & bits) != bits)
			return 0;
	}
	return 1;
}

/* ---- a query ---- */

struct qstate {
	struct logidx		*ix;
	const struct logidx_query *q;
	uint64_t		 head;
	logidx_cb		 cb;
	void			*arg;
	struct logidx_page	*page;
	uint64_t		 scan_max;
	uint64_t		 blocks;
	uint64_t		 bytes;
	uint64_t		 s;		/* the next seq to look at */
	int			 done;		/* past the end of the log */
	int			 fd;
	uint32_t		 fd_segno;
	uint8_t			*buf;
	size_t			 cap;
	size_t			 offs[K];	/* frames of the block read */
};

static int
room(const struct qstate *qs)
{
	return qs->page->items < qs->q->limit &&
	    qs->page->examined < qs->scan_max;
}

/* Moves the cursor past the seqs lo..hi just dealt with. */
static void
advance(struct qstate *qs, uint64_t lo, uint64_t hi)
{
	if (!qs->q->newer) {
		if (lo == 0)
			qs->done = 1;
		else
			qs->s = lo - 1;
	} else {
		if (hi >= qs->head)
			qs->done = 1;
		else
			qs->s = hi + 1;
	}
}

static int
emit(struct qstate *qs, struct logidx_item *it)
{
	qs->page->items++;
	return qs->cb(it, qs->arg);
}

static int
emit_damaged(struct qstate *qs, uint64_t lo, uint64_t hi, const char *file,
    uint64_t offset, const char *reason)
{
	struct logidx_item it;

	memset(&it, 0, sizeof(it));
	it.kind = LOGIDX_DAMAGED;
	it.seq = lo;
	it.count = hi - lo + 1;
	snprintf(it.file, sizeof(it.file), "%s", file);
	it.offset = offset;
	snprintf(it.reason, sizeof(it.reason), "%s", reason);
	qs->page->examined++;
	advance(qs, lo, hi);
	return emit(qs, &it);
}

static int
seg_fd(struct qstate *qs, uint32_t segno)
{
	int r;

	if (qs->fd >= 0 && qs->fd_segno == segno)
		return 0;
	if (qs->fd >= 0)
		close(qs->fd);
	qs->fd = -1;
	if ((r = seg_open(qs->ix, segno, &qs->fd)) == 0)
		qs->fd_segno = segno;
	return r;
}

/* Reads the block's bytes and finds its frames again (the file may have
 * changed since it was walked); returns how many were found. */
static int
load_block(struct qstate *qs, const struct loc *l, size_t *ngood,
    char *why, size_t whylen)
{
	size_t need = (size_t)(l->end_off - l->blk.off), got = 0, pos = 0;
	uint32_t len;
	uint8_t *nb;
	int r;

	*ngood = 0;
	if (l->end_off < l->blk.off || need > BLOCK_BYTES_MAX)
		return MK_ERR_INTERNAL;
	if (need > qs->cap) {
		if ((nb = realloc(qs->buf, need)) == NULL)
			return MK_ERR_ALLOC;
		qs->buf = nb;
		qs->cap = need;
	}
	if ((r = seg_fd(qs, l->segno)) != 0 ||
	    (r = pread_full(qs->fd, qs->buf, need, l->blk.off, &got)) != 0) {
		snprintf(why, whylen, "cannot read: %s", mkerr_str(r));
		return 0;
	}
	qs->bytes += got;
	while (*ngood < l->nrec) {
		if (got - pos < 4 || (len = mk_get_be32(qs->buf + pos)) <
		    LOGREC_BODY_MIN || len > LOGREC_BODY_MAX ||
		    got - pos < (size_t)len + LOGREC_FRAME_OVERHEAD ||
		    mk_get_be64(qs->buf + pos + 4 + 2) != l->bfirst + *ngood) {
			snprintf(why, whylen, "the segment changed since it "
			    "was read");
			break;
		}
		qs->offs[(*ngood)++] = pos;
		pos += (size_t)len + LOGREC_FRAME_OVERHEAD;
	}
	return 0;
}

/* Looks at record seq t of the loaded block. */
static int
one_record(struct qstate *qs, const struct loc *l, uint64_t t)
{
	const uint8_t *f = qs->buf + qs->offs[t - l->bfirst];
	struct logidx_item it;
	struct logrec rec;
	char file[16], why[96];
	int r;

	if ((r = logrec_parse(f + 4, mk_get_be32(f), &rec)) != 0) {
		seg_name(l->segno, file);
		snprintf(why, sizeof(why), "record does not parse: %s",
		    mkerr_str(r));
		return emit_damaged(qs, t, t, file, l->blk.off +
		    qs->offs[t - l->bfirst], why);
	}
	qs->page->examined++;
	advance(qs, t, t);
	if (!logidx_match(qs->q, &rec))
		return 0;
	memset(&it, 0, sizeof(it));
	it.kind = LOGIDX_RECORD;
	it.rec = &rec;
	it.seq = t;
	it.count = 1;
	return emit(qs, &it);
}

/* Gives the block's records from qs->s on, in the query's direction. */
static int
read_block(struct qstate *qs, const struct loc *l)
{
	uint64_t last = l->bfirst + l->nrec - 1, t, bad;
	char why[96] = "", file[16];
	size_t ngood;
	int r;

	if ((r = load_block(qs, l, &ngood, why, sizeof(why))) != 0)
		return r;
	bad = l->bfirst + ngood;	/* the first seq not found again */
	seg_name(l->segno, file);
	while (!qs->done && room(qs)) {
		t = qs->s;
		if (t < l->bfirst || t > last)
			break;
		if (t >= bad)
			r = qs->q->newer ? emit_damaged(qs, t, last, file,
			    l->blk.off, why) : emit_damaged(qs, bad, t, file,
			    l->blk.off, why);
		else
			r = one_record(qs, l, t);
		if (r != 0)
			return r;
	}
	return 0;
}

static int
query_step(struct qstate *qs)
{
	struct loc l;
	uint64_t last;
	int r;

	pthread_mutex_lock(&qs->ix->lock);
	r = locate(qs->ix, qs->head, qs->s, &l);
	pthread_mutex_unlock(&qs->ix->lock);
	if (r != 0)
		return r;
	if (l.damaged)
		return qs->q->newer ? emit_damaged(qs, qs->s, l.hi, l.file,
		    l.offset, l.reason) : emit_damaged(qs, l.lo, qs->s, l.file,
		    l.offset, l.reason);
	qs->blocks++;
	last = l.bfirst + l.nrec - 1;
	if (!blk_may_match(qs->q, &l.blk)) {
		if (qs->q->newer)
			advance(qs, qs->s, last);
		else
			advance(qs, l.bfirst, qs->s);
		return 0;
	}
	return read_block(qs, &l);
}

static int
query_check(uint64_t head, const struct logidx_query *q)
{
	/* head + 1 must not wrap; no log gets near it. */
	if (head == UINT64_MAX || q->limit < 1 ||
	    q->limit > LOGIDX_LIMIT_MAX || q->min_severity > LOG_SEV_KHAN_CAP)
		return MK_ERR_ARGUMENT;
	return 0;
}

int
logidx_query(struct logidx *ix, uint64_t head, const struct logidx_query *q,
    logidx_cb cb, void *arg, struct logidx_page *page)
{
	struct qstate qs;
	int r;

	memset(page, 0, sizeof(*page));
	if (ix == NULL || q == NULL || cb == NULL ||
	    (r = query_check(head, q)) != 0)
		return MK_ERR_ARGUMENT;
	memset(&qs, 0, sizeof(qs));
	qs.ix = ix;
	qs.q = q;
	qs.head = head;
	qs.cb = cb;
	qs.arg = arg;
	qs.page = page;
	qs.fd = -1;
	qs.scan_max = q->scan_max != 0 ? q->scan_max : LOGIDX_SCAN_MAX;
	qs.s = q->newer ? q->cursor : q->cursor < head ? q->cursor : head;
	qs.done = q->newer && q->cursor > head;
	pthread_mutex_lock(&ix->lock);
	r = refresh(ix);
	pthread_mutex_unlock(&ix->lock);
	while (r == 0 && !qs.done && room(&qs) &&
	    qs.blocks < LOGIDX_BLOCKS_MAX)
		r = query_step(&qs);
	page->more = !qs.done;
	page->next = qs.s;
	if (qs.fd >= 0)
		close(qs.fd);
	free(qs.buf);
	pthread_mutex_lock(&ix->lock);
	ix->st.bytes_read += qs.bytes;
	pthread_mutex_unlock(&ix->lock);
	return r;
}

/* ---- life ---- */

static void *
prepare_main(void *arg)
{
	struct logidx *ix = arg;
	long i;

	pthread_mutex_lock(&ix->lock);
	if (refresh(ix) == 0 && (i = find_seg(ix, ix->prep_head)) >= 0)
		(void)walk(ix, &ix->segs[i], ix->prep_head + 1);
	pthread_mutex_unlock(&ix->lock);
	return NULL;
}

int
logidx_prepare(struct logidx *ix, uint64_t head)
{
	sigset_t all, old;
	int r;

	if (ix == NULL || ix->prep_started)
		return MK_ERR_ARGUMENT;
	ix->prep_head = head;
	/* Born with every signal blocked: the daemon takes its signals on
	 * a signalfd, and a thread that did not block them could be the
	 * one a SIGTERM kills the process through. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&ix->prep, NULL, prepare_main, ix);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return MK_ERR_SYSTEM;
	ix->prep_started = 1;
	return 0;
}

int
logidx_new(const char *logdir, struct logidx **out)
{
	struct logidx *ix;
	int r;

	*out = NULL;
	if (logdir == NULL)
		return MK_ERR_ARGUMENT;
	if ((ix = calloc(1, sizeof(*ix))) == NULL)
		return MK_ERR_ALLOC;
	if ((r = mkfs_path(ix->dir, sizeof(ix->dir), "%s", logdir)) != 0) {
		free(ix);
		return r;
	}
	if (pthread_mutex_init(&ix->lock, NULL) != 0) {
		free(ix);
		return MK_ERR_SYSTEM;
	}
	*out = ix;
	return 0;
}

void
logidx_free(struct logidx *ix)
{
	size_t i;

	if (ix == NULL)
		return;
	if (ix->prep_started) {
		atomic_store(&ix->stopping, 1);
		pthread_join(ix->prep, NULL);
	}
	for (i = 0; i < ix->nsegs; i++)
		free(ix->segs[i].blks);
	free(ix->segs);
	free(ix->bad);
	pthread_mutex_destroy(&ix->lock);
	free(ix);
}

void
logidx_stats(struct logidx *ix, struct logidx_stats *st)
{
	pthread_mutex_lock(&ix->lock);
	*st = ix->st;
	pthread_mutex_unlock(&ix->lock);
}
