/*
 * make bench: the log viewer's page time, beside the raw time to read the
 * same bytes of segment file in the same run (DESIGN.md, "Performance":
 * ratios against raw speed, since the machines are noisy).
 *   bench_logq SOCKET USER LOGDIR head|middle|oldest|worst [REPS]
 * The password is one line of standard input. Meant for a daemon just
 * started (its index empty): one login, a first query that finds nothing
 * (it records the reading, log.read, and learns the head), then the page
 * of 50 records at the head (newest first), in the middle (newest first
 * from head / 2), at the oldest end (oldest first from 0), or the worst
 * case: newest first from the last record of the largest segment the
 * daemon did not open at its start (the last two are excluded), which the
 * first fetch must walk whole:
 *   cold   the first fetch: no index yet, and the segment files dropped
 *          from the page cache (posix_fadvise DONTNEED) beforehand
 *   warm   the median of REPS (default 21) fetches after it
 *   raw    open + pread + close of exactly the bytes of the page's
 *          records, cold (dropped first) and warm (best of REPS)
 * Prints "logq.POS.NAME VALUE" lines: cold_ms, warm_ms, raw_cold_ms,
 * raw_warm_ms, bytes, records.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/client.h"
#include "common/err.h"
#include "common/proto.h"
#include "crypto/logrec.h"

#define PAGE		50
#define SEGS_MAX	100000

struct page {
	uint64_t	lo, hi;		/* seqs given */
	uint64_t	n;
	uint64_t	total;
};

/* A byte range of one segment file. */
struct range {
	uint32_t	segno;
	uint64_t	off, len;
};

static const char *logdir;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "bench_logq: %s: %s\n", what, why);
	exit(1);
}

static int
query(struct mkclient *c, int newer, int has_cursor, uint64_t cursor,
    uint32_t limit, struct page *pg)
{
	struct mkbuf *b = mkclient_out(c);
	struct mkmsg m;
	char msg[512];
	uint64_t seq;
	int r;

	memset(pg, 0, sizeof(*pg));
	pg->lo = UINT64_MAX;
	if ((r = mkmsg_start(b, MSG_LOG_QUERY)) != 0 ||
	    (r = mkmsg_add_str(b, F_DIRECTION, newer ? "newer" :
	    "older")) != 0 ||
	    (has_cursor && (r = mkmsg_add_u64(b, F_CURSOR, cursor)) != 0) ||
	    (r = mkmsg_add_u64(b, F_LIMIT, limit)) != 0 ||
	    (r = mkclient_send(c)) != 0)
		return r;
	for (;;) {
		if ((r = mkclient_recv(c, &m)) != 0)
			return r;
		if (m.type == MSG_ERR) {
			mkclient_error(&m, msg, sizeof(msg));
			die("query refused", msg);
		}
		if (m.type == MSG_OK)
			return mkmsg_u64(&m, F_TOTAL, &pg->total);
		if (mkmsg_u64(&m, F_SEQ, &seq) != 0)
			return MK_ERR_PROTOCOL;
		pg->lo = seq < pg->lo ? seq : pg->lo;
		pg->hi = seq > pg->hi ? seq : pg->hi;
		pg->n++;
	}
}

static int
open_seg(uint32_t segno)
{
	char path[4096];

	if (snprintf(path, sizeof(path), "%s/%08" PRIu32 ".seg", logdir,
	    segno) >= (int)sizeof(path))
		die(logdir, "path too long");
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* Drops every segment file from the page cache. */
static void
drop_cache(void)
{
	uint32_t segno;
	int fd;

	for (segno = 1; segno < SEGS_MAX && (fd = open_seg(segno)) >= 0;
	    segno++) {
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
	}
}

static uint64_t
seg_first(int fd)
{
	uint8_t hdr[LOGREC_SEGHDR_LEN];
	uint64_t first;
	uint32_t no;

	if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    logrec_seghdr_parse(hdr, sizeof(hdr), &no, &first) != 0)
		die("segment", "bad header");
	return first;
}

/* The first seq of the segment after segno, or UINT64_MAX. */
static uint64_t
next_first(uint32_t segno)
{
	uint64_t first;
	int fd;

	if ((fd = open_seg(segno + 1)) < 0)
		return UINT64_MAX;
	first = seg_first(fd);
	close(fd);
	return first;
}

/*
 * Where records lo..hi lie: at most a few ranges, one per segment. Found
 * by walking the frames from each segment's start (setup, not timed).
 */
static size_t
locate(uint64_t lo, uint64_t hi, struct range *rg, size_t max)
{
	uint8_t len4[4];
	uint64_t seq, off, first;
	uint32_t segno;
	size_t n = 0;
	int fd;

	for (segno = 1; n < max && (fd = open_seg(segno)) >= 0; segno++) {
		first = seg_first(fd);
		if (n == 0 && next_first(segno) <= lo) {
			close(fd);
			continue;
		}
		for (seq = first, off = LOGREC_SEGHDR_LEN; seq <= hi;
		    seq++) {
			if (pread(fd, len4, 4, (off_t)off) != 4 ||
			    memcmp(len4, LOGREC_TRAILER_MAGIC, 4) == 0)
				break;
			if (seq == lo || (seq == first && seq > lo)) {
				rg[n].segno = segno;
				rg[n].off = off;
				rg[n].len = 0;
				n++;
			}
			off += mk_get_be32(len4) + LOGREC_FRAME_OVERHEAD;
			if (seq >= lo)
				rg[n - 1].len = off - rg[n - 1].off;
		}
		close(fd);
		if (seq > hi)
			break;
	}
	return n;
}

/* The last seq of the largest segment but the last two. */
static uint64_t
worst_cursor(void)
{
	uint64_t best = 0, size = 0;
	uint32_t segno, nsegs = 0;
	struct stat st;
	int fd;

	while (nsegs < SEGS_MAX && (fd = open_seg(nsegs + 1)) >= 0) {
		close(fd);
		nsegs++;
	}
	for (segno = 1; segno + 2 <= nsegs; segno++) {
		if ((fd = open_seg(segno)) < 0 || fstat(fd, &st) != 0)
			die("segment", strerror(errno));
		close(fd);
		if ((uint64_t)st.st_size > size) {
			size = (uint64_t)st.st_size;
			best = next_first(segno) - 1;
		}
	}
	if (size == 0)
		die("worst", "no segment but the last two");
	return best;
}

static double
raw_read(const struct range *rg, size_t n, uint8_t *buf)
{
	double t0 = now_ms();
	size_t i;
	int fd;

	for (i = 0; i < n; i++) {
		if ((fd = open_seg(rg[i].segno)) < 0 ||
		    pread(fd, buf, rg[i].len, (off_t)rg[i].off) !=
		    (ssize_t)rg[i].len)
			die("segment", strerror(errno));
		close(fd);
	}
	return now_ms() - t0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
measure(struct mkclient *c, const char *pos, int reps)
{
	struct range rg[8];
	struct page pg, first;
	double cold, rawc, raww = 1e9, t, *warm;
	uint64_t cursor = 0, bytes = 0;
	int newer = 0, has_cursor = 0, i, r;
	size_t n, k;
	uint8_t *buf;

	/* The reading is recorded by the first query, which asks for
	 * nothing past the head: it learns the head and walks nothing. */
	if ((r = query(c, 1, 1, UINT64_MAX, 1, &first)) != 0)
		die("query", mkerr_str(r));
	if (strcmp(pos, "middle") == 0) {
		cursor = (first.total - 1) / 2;
		has_cursor = 1;
	} else if (strcmp(pos, "worst") == 0) {
		cursor = worst_cursor();
		has_cursor = 1;
	} else if (strcmp(pos, "oldest") == 0)
		newer = has_cursor = 1;
	else if (strcmp(pos, "head") != 0)
		die(pos, "head, middle or oldest");
	drop_cache();
	t = now_ms();
	if ((r = query(c, newer, has_cursor, cursor, PAGE, &pg)) != 0)
		die("query", mkerr_str(r));
	cold = now_ms() - t;
	if ((warm = calloc((size_t)reps, sizeof(*warm))) == NULL)
		die("memory", "none");
	for (i = 0; i < reps; i++) {
		t = now_ms();
		if ((r = query(c, newer, has_cursor, cursor, PAGE, &pg)) != 0)
			die("query", mkerr_str(r));
		warm[i] = now_ms() - t;
	}
	qsort(warm, (size_t)reps, sizeof(*warm), cmp_double);
	n = locate(pg.lo, pg.hi, rg, 8);
	for (k = 0; k < n; k++)
		bytes += rg[k].len;
	if ((buf = malloc(bytes + 1)) == NULL)
		die("memory", "none");
	drop_cache();
	rawc = raw_read(rg, n, buf);
	for (i = 0; i < reps; i++)
		if ((t = raw_read(rg, n, buf)) < raww)
			raww = t;
	printf("logq.%s.cold_ms %.3f\nlogq.%s.warm_ms %.3f\n"
	    "logq.%s.raw_cold_ms %.4f\nlogq.%s.raw_warm_ms %.4f\n"
	    "logq.%s.bytes %" PRIu64 "\nlogq.%s.records %" PRIu64 "\n"
	    "logq.total %" PRIu64 "\n", pos, cold, pos, warm[reps / 2], pos,
	    rawc, pos, raww, pos, bytes, pos, pg.n, pg.total);
	free(buf);
	free(warm);
}

int
main(int argc, char **argv)
{
	struct mkclient *c = NULL;
	char pw[1024], msg[512];
	int reps = 21;

	if (argc < 5 || argc > 6)
		die("usage", "bench_logq SOCKET USER LOGDIR "
		    "head|middle|oldest [REPS]");
	logdir = argv[3];
	if (argc == 6 && (reps = atoi(argv[5])) < 1)
		die("REPS", "at least 1");
	if (fgets(pw, sizeof(pw), stdin) == NULL)
		die("password", "none on standard input");
	pw[strcspn(pw, "\r\n")] = '\0';
	if (mkclient_connect(argv[1], &c, msg, sizeof(msg)) != 0)
		die(argv[1], msg);
	if (mkclient_auth(c, argv[2], pw, msg, sizeof(msg)) != 0)
		die("login", msg);
	mk_wipe(pw, sizeof(pw));
	measure(c, argv[4], reps);
	mkclient_close(c);
	return 0;
}
