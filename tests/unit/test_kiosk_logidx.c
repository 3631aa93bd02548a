/*
 * The log viewer's index (kiosk/logidx.c) and the rules of its request
 * (kiosk/logops.c), on a log of three segments written here frame by
 * frame, so that the test chooses every wall time (the clock jumps back a
 * day in the middle), severity, actor and event, and can damage any byte.
 * Every page is checked against the model the log was written from: no
 * record missed, none repeated, each filter giving exactly the records a
 * plain scan would.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "crypto/logrec.h"
#include "kiosk/accounts.h"
#include "kiosk/logidx.h"
#include "kiosk/logops.h"

#define NREC		3000
#define SEG2_FIRST	1000
#define SEG3_FIRST	2200
#define BASE_US		1767225600000000ll	/* 2026-01-01 00:00 UTC */
#define DAY_US		86400000000ll
#define NOTHING		UINT64_MAX

static const char *actors[] = { "an", "binh", "chi", "system" };
static const char *events[] = { "doc.import", "doc.view", "auth.login",
    "usb.decision", "incident.open", "doc.import.begin" };

struct trec {
	int64_t		wall;
	uint8_t		sev;
	const char	*actor, *event;
	uint64_t	off;		/* frame offset in its segment */
	uint32_t	len;		/* body length */
};

static struct trec model[NREC + 200];
static char dir[64];

/* ---- the log on disk ---- */

static void
make_model(void)
{
	uint64_t i;

	for (i = 0; i < sizeof(model) / sizeof(model[0]); i++) {
		model[i].wall = BASE_US + (int64_t)i * 1000000;
		/* The clock was set back by a day for a while. */
		if (i >= 500 && i < 600)
			model[i].wall -= DAY_US;
		model[i].sev = i % 97 == 0 ? LOG_SEV_KHAN_CAP : i % 5 == 0 ?
		    LOG_SEV_TRUNG_BINH : LOG_SEV_INFO;
		model[i].actor = actors[i % 4];
		model[i].event = events[(i * 7) % 6];
	}
}

static void
seg_path(uint32_t segno, char *out, size_t n)
{
	assert_int_equal(mkfs_path(out, n, "%s/%08u.seg", dir, segno), 0);
}

static void
put_record(struct mkbuf *b, uint64_t seq)
{
	static const uint8_t boot[LOGREC_BOOT_ID_LEN];
	struct logkv kv[2] = { { "n", "1" }, { "name", "\x1b[2J\xff" } };
	struct logev ev = { model[seq].sev, model[seq].actor, "role",
	    model[seq].event, "obj", 2, kv };
	size_t start = mkbuf_len(b);
	uint8_t mac[LOGREC_MAC_LEN];

	memset(mac, 0, sizeof(mac));
	model[seq].off = start;
	assert_int_equal(mkbuf_put_u32(b, 0), 0);
	assert_int_equal(logrec_encode(b, LOGREC_EVENT, seq, 0,
	    model[seq].wall, seq, boot, &ev), 0);
	model[seq].len = (uint32_t)(mkbuf_len(b) - start - 4);
	mk_put_be32(mkbuf_mutable_ptr(b) + start, model[seq].len);
	assert_int_equal(mkbuf_put(b, mac, sizeof(mac)), 0);
}

/* Writes segment segno with records first..end-1, sealed or still open. */
static void
write_seg(uint32_t segno, uint64_t first, uint64_t end, int sealed)
{
	uint8_t hdr[LOGREC_SEGHDR_LEN], tr[LOGREC_TRAILER_LEN];
	struct logtrailer t;
	struct mkbuf *b = mkbuf_new(64u << 20);
	char path[128];
	uint64_t i;

	assert_non_null(b);
	logrec_seghdr_encode(hdr, segno, first);
	assert_int_equal(mkbuf_put(b, hdr, sizeof(hdr)), 0);
	for (i = first; i < end; i++)
		put_record(b, i);
	if (sealed) {
		memset(&t, 0, sizeof(t));
		t.last_seq = end - 1;
		logrec_trailer_encode(tr, &t);
		assert_int_equal(mkbuf_put(b, tr, sizeof(tr)), 0);
	}
	seg_path(segno, path, sizeof(path));
	assert_int_equal(mkfs_atomic_write(path, mkbuf_ptr(b), mkbuf_len(b),
	    0600), 0);
	mkbuf_free(b);
}

static void
write_log(void)
{
	write_seg(1, 0, SEG2_FIRST, 1);
	write_seg(2, SEG2_FIRST, SEG3_FIRST, 1);
	write_seg(3, SEG3_FIRST, NREC, 0);
}

/* Overwrites the byte at off of segment segno with v. */
static void
poke(uint32_t segno, uint64_t off, uint8_t v)
{
	char path[128];
	int fd;

	seg_path(segno, path, sizeof(path));
	assert_true((fd = open(path, O_WRONLY)) >= 0);
	assert_int_equal(pwrite(fd, &v, 1, (off_t)off), 1);
	close(fd);
}

static void
cut(uint32_t segno, uint64_t len)
{
	char path[128];

	seg_path(segno, path, sizeof(path));
	assert_int_equal(truncate(path, (off_t)len), 0);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mk-logidx.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	make_model();
	write_log();
	return 0;
}

static int
teardown(void **state)
{
	char path[128];
	uint32_t i;

	(void)state;
	for (i = 1; i <= 5; i++) {
		seg_path(i, path, sizeof(path));
		unlink(path);
	}
	rmdir(dir);
	return 0;
}

/* ---- paging ---- */

/* What one full pass through the log gave: each record's seq in order,
 * and the damaged runs. */
struct pass {
	uint64_t	seqs[NREC + 200];
	size_t		n;
	uint64_t	dmg_seq[16], dmg_count[16];
	size_t		ndmg;
	char		reason[16][200];
	uint64_t	pages;
};

static int
collect(const struct logidx_item *it, void *arg)
{
	struct pass *p = arg;

	if (it->kind == LOGIDX_DAMAGED) {
		assert_true(p->ndmg < 16);
		p->dmg_seq[p->ndmg] = it->seq;
		p->dmg_count[p->ndmg] = it->count;
		snprintf(p->reason[p->ndmg], sizeof(p->reason[0]), "%s: %s",
		    it->file, it->reason);
		p->ndmg++;
		return 0;
	}
	assert_int_equal(it->rec->seq, it->seq);
	assert_true(p->n < NREC + 200);
	p->seqs[p->n++] = it->seq;
	return 0;
}

/* Pages through the whole log from q's cursor, as a client would. */
static void
page_all(struct logidx *ix, uint64_t head, struct logidx_query q,
    struct pass *p)
{
	struct logidx_page pg;
	size_t before;

	memset(p, 0, sizeof(*p));
	for (;;) {
		before = p->n + p->ndmg;
		assert_int_equal(logidx_query(ix, head, &q, collect, p, &pg),
		    0);
		assert_int_equal(pg.items, p->n + p->ndmg - before);
		assert_true(pg.items <= q.limit);
		p->pages++;
		assert_true(p->pages < 100000);
		if (!pg.more)
			break;
		q.cursor = pg.next;
	}
}

static struct logidx_query
query(int newer, size_t limit)
{
	struct logidx_query q;

	memset(&q, 0, sizeof(q));
	q.cursor = newer ? 0 : NOTHING;
	q.newer = newer;
	q.limit = limit;
	q.from_us = INT64_MIN;
	q.to_us = INT64_MAX;
	return q;
}

static void
expect_all(const struct pass *p, int newer, uint64_t head)
{
	size_t i;

	assert_int_equal(p->ndmg, 0);
	assert_int_equal(p->n, head + 1);
	for (i = 0; i < p->n; i++)
		assert_int_equal(p->seqs[i], newer ? i : head - i);
}

static void
test_page_both_ways(void **state)
{
	struct logidx *ix;
	struct pass *p = malloc(sizeof(*p));
	struct logidx_query q;

	(void)state;
	assert_non_null(p);
	assert_int_equal(logidx_new(dir, &ix), 0);
	page_all(ix, NREC - 1, query(0, 7), p);
	expect_all(p, 0, NREC - 1);
	page_all(ix, NREC - 1, query(1, 13), p);
	expect_all(p, 1, NREC - 1);
	/* Pages of the largest size, and pages of one. */
	page_all(ix, NREC - 1, query(0, LOGIDX_LIMIT_MAX), p);
	expect_all(p, 0, NREC - 1);
	assert_int_equal(p->pages, (NREC + 499) / 500);
	page_all(ix, NREC - 1, query(1, 1), p);
	expect_all(p, 1, NREC - 1);
	/* Starting in the middle, on a segment boundary. */
	q = query(0, 100);
	q.cursor = SEG2_FIRST;
	page_all(ix, NREC - 1, q, p);
	assert_int_equal(p->n, SEG2_FIRST + 1);
	assert_int_equal(p->seqs[0], SEG2_FIRST);
	assert_int_equal(p->seqs[p->n - 1], 0);
	logidx_free(ix);
	free(p);
}

/* The same filter by a plain scan of the model, newest first. */
static size_t
brute(const struct logidx_query *q, uint64_t head, uint64_t *out)
{
	uint64_t i;
	size_t n = 0;

	for (i = head + 1; i-- > 0;) {
		const struct trec *t = &model[i];
		size_t el = q->event ? strlen(q->event) : 0;

		if (t->sev < q->min_severity || t->wall < q->from_us ||
		    t->wall >= q->to_us)
			continue;
		if (q->actor && strcmp(t->actor, q->actor) != 0)
			continue;
		if (q->event && (q->event[el - 1] == '.' ?
		    strncmp(t->event, q->event, el) != 0 :
		    strcmp(t->event, q->event) != 0))
			continue;
		out[n++] = i;
	}
	return n;
}

static void
check_filter(struct logidx *ix, struct logidx_query q, const char *what)
{
	static uint64_t want[NREC];
	struct pass *p = malloc(sizeof(*p));
	size_t n, i;

	assert_non_null(p);
	n = brute(&q, NREC - 1, want);
	page_all(ix, NREC - 1, q, p);
	if (p->n != n)
		fail_msg("%s: %zu records, expected %zu", what, p->n, n);
	for (i = 0; i < n; i++)
		assert_int_equal(p->seqs[i], want[i]);
	/* The other way gives the same records, reversed. */
	q.newer = 1;
	q.cursor = 0;
	page_all(ix, NREC - 1, q, p);
	assert_int_equal(p->n, n);
	for (i = 0; i < n; i++)
		assert_int_equal(p->seqs[i], want[n - 1 - i]);
	free(p);
}

static void
test_filters(void **state)
{
	struct logidx *ix;
	struct logidx_query q;

	(void)state;
	assert_int_equal(logidx_new(dir, &ix), 0);
	q = query(0, 50);
	q.event = "doc.import";
	check_filter(ix, q, "event name");
	q.event = "doc.";
	check_filter(ix, q, "event prefix");
	q.event = "doc.import.";
	check_filter(ix, q, "longer prefix");
	q.event = "doc.imp";	/* no dot: an exact name, matching none */
	check_filter(ix, q, "no such event");
	q = query(0, 50);
	q.min_severity = LOG_SEV_TRUNG_BINH;
	check_filter(ix, q, "level");
	q.min_severity = LOG_SEV_KHAN_CAP;
	check_filter(ix, q, "top level");
	q = query(0, 50);
	q.actor = "binh";
	check_filter(ix, q, "actor");
	q.actor = "nobody";
	check_filter(ix, q, "no such actor");
	/* The day the clock was set back: only those hundred records. */
	q = query(0, 50);
	q.from_us = BASE_US - DAY_US;
	q.to_us = BASE_US - DAY_US + 700 * 1000000ll;
	check_filter(ix, q, "time range before the jump");
	q.from_us = BASE_US + 550 * 1000000ll;
	q.to_us = BASE_US + 1500 * 1000000ll;
	check_filter(ix, q, "time range across the jump");
	q = query(0, 20);
	q.actor = "chi";
	q.event = "doc.";
	q.min_severity = LOG_SEV_TRUNG_BINH;
	q.from_us = BASE_US + 100 * 1000000ll;
	check_filter(ix, q, "all filters at once");
	logidx_free(ix);
}

/* A page near the cursor reads near the cursor: the first page of the
 * oldest end walks a block or two, the head walks only the last segment,
 * and a page already indexed walks nothing and reads a block or two. */
static void
test_lazy(void **state)
{
	struct logidx *ix;
	struct logidx_stats st, st2;
	struct logidx_page pg;
	struct pass *p = malloc(sizeof(*p));
	struct logidx_query q;

	(void)state;
	assert_non_null(p);
	assert_int_equal(logidx_new(dir, &ix), 0);
	logidx_stats(ix, &st);
	assert_int_equal(st.walked, 0);
	memset(p, 0, sizeof(*p));
	q = query(1, 10);
	assert_int_equal(logidx_query(ix, NREC - 1, &q, collect, p, &pg), 0);
	assert_int_equal(p->n, 10);
	assert_true(pg.more);
	assert_int_equal(pg.next, 10);
	logidx_stats(ix, &st);
	assert_int_equal(st.segments, 3);
	assert_true(st.walked <= LOGIDX_BLOCK);

	memset(p, 0, sizeof(*p));
	q = query(0, 10);
	assert_int_equal(logidx_query(ix, NREC - 1, &q, collect, p, &pg), 0);
	assert_int_equal(p->seqs[0], NREC - 1);
	logidx_stats(ix, &st2);
	assert_int_equal(st2.walked - st.walked, NREC - SEG3_FIRST);

	/* Warm: nothing walked again, about a block read. */
	memset(p, 0, sizeof(*p));
	assert_int_equal(logidx_query(ix, NREC - 1, &q, collect, p, &pg), 0);
	logidx_stats(ix, &st);
	assert_int_equal(st.walked, st2.walked);
	assert_true(st.bytes_read - st2.bytes_read <=
	    2 * LOGIDX_BLOCK * (model[1].len + LOGREC_FRAME_OVERHEAD));
	logidx_free(ix);
	free(p);
}

/* At the daemon's start the head's segment is indexed on a thread of its
 * own, with no query; freeing the index stops that thread. */
static void
test_prepare(void **state)
{
	struct logidx *ix;
	struct logidx_stats st;
	int i;

	(void)state;
	assert_int_equal(logidx_new(dir, &ix), 0);
	assert_int_equal(logidx_prepare(ix, NREC - 1), 0);
	assert_int_equal(logidx_prepare(ix, NREC - 1), MK_ERR_ARGUMENT);
	for (i = 0; i < 500; i++) {
		logidx_stats(ix, &st);
		if (st.walked == NREC - SEG3_FIRST)
			break;
		usleep(10000);
	}
	assert_int_equal(st.walked, NREC - SEG3_FIRST);
	assert_int_equal(st.segments, 3);
	logidx_free(ix);
	/* Freed at once, while it may still be walking. */
	assert_int_equal(logidx_new(dir, &ix), 0);
	assert_int_equal(logidx_prepare(ix, SEG2_FIRST + 100), 0);
	logidx_free(ix);
}

/* Blocks whose summary rules a filter out are not read at all. */
static void
test_skip(void **state)
{
	struct logidx *ix;
	struct logidx_stats st, st2;
	struct pass *p = malloc(sizeof(*p));
	struct logidx_query q;

	(void)state;
	assert_non_null(p);
	assert_int_equal(logidx_new(dir, &ix), 0);
	page_all(ix, NREC - 1, query(0, 500), p);	/* build it all */
	logidx_stats(ix, &st);
	q = query(0, 500);
	q.from_us = BASE_US + 10 * DAY_US;
	page_all(ix, NREC - 1, q, p);
	assert_int_equal(p->n, 0);
	logidx_stats(ix, &st2);
	assert_int_equal(st2.bytes_read, st.bytes_read);
	logidx_free(ix);
	free(p);
}

/* A filter the summaries cannot rule out is given up after scan_max
 * records, with a cursor that continues where it stopped. */
static void
test_budget(void **state)
{
	struct logidx *ix;
	struct logidx_page pg;
	struct pass *p = malloc(sizeof(*p));
	struct logidx_query q;

	(void)state;
	assert_non_null(p);
	assert_int_equal(logidx_new(dir, &ix), 0);
	/* "an" writes seqs 0, 4, 8...; event 1 is never theirs, but every
	 * block holds both. */
	q = query(0, 10);
	q.actor = "an";
	q.event = events[1];
	q.scan_max = 100;
	memset(p, 0, sizeof(*p));
	assert_int_equal(logidx_query(ix, NREC - 1, &q, collect, p, &pg), 0);
	assert_int_equal(pg.items, 0);
	assert_int_equal(pg.examined, 100);
	assert_true(pg.more);
	assert_int_equal(pg.next, NREC - 1 - 100);
	page_all(ix, NREC - 1, q, p);
	assert_int_equal(p->n, 0);
	assert_int_equal(p->pages, NREC / 100);
	logidx_free(ix);
	free(p);
}

static void
test_cursor_edges(void **state)
{
	struct logidx *ix;
	struct logidx_page pg;
	struct pass *p = malloc(sizeof(*p));
	struct logidx_query q;

	(void)state;
	assert_non_null(p);
	assert_int_equal(logidx_new(dir, &ix), 0);
	q = query(0, 5);
	q.cursor = UINT64_MAX - 1;	/* past the head: from the head */
	memset(p, 0, sizeof(*p));
	assert_int_equal(logidx_query(ix, NREC - 1, &q, collect, p, &pg), 0);
	assert_int_equal(p->seqs[0], NREC - 1);
	q = query(1, 5);
	q.cursor = NREC;		/* past the head, ascending: nothing */
	memset(p, 0, sizeof(*p));
	assert_int_equal(logidx_query(ix, NREC - 1, &q, collect, p, &pg), 0);
	assert_int_equal(pg.items, 0);
	assert_false(pg.more);
	q = query(0, 5);
	q.cursor = 0;			/* the oldest, descending: one */
	memset(p, 0, sizeof(*p));
	assert_int_equal(logidx_query(ix, NREC - 1, &q, collect, p, &pg), 0);
	assert_int_equal(p->n, 1);
	assert_false(pg.more);
	q = query(1, 5);
	q.cursor = NREC - 1;		/* the head, ascending: one */
	memset(p, 0, sizeof(*p));
	assert_int_equal(logidx_query(ix, NREC - 1, &q, collect, p, &pg), 0);
	assert_int_equal(p->n, 1);
	assert_false(pg.more);
	q.limit = 0;
	assert_int_equal(logidx_query(ix, NREC - 1, &q, collect, p, &pg),
	    MK_ERR_ARGUMENT);
	q.limit = LOGIDX_LIMIT_MAX + 1;
	assert_int_equal(logidx_query(ix, NREC - 1, &q, collect, p, &pg),
	    MK_ERR_ARGUMENT);
	q.limit = 5;
	assert_int_equal(logidx_query(ix, UINT64_MAX, &q, collect, p, &pg),
	    MK_ERR_ARGUMENT);
	logidx_free(ix);
	free(p);
}

/* The writer appends while the index is in use, and starts a new segment:
 * nothing past the head given is read, and what comes later is found. */
static void
test_growth(void **state)
{
	struct logidx *ix;
	struct pass *p = malloc(sizeof(*p));
	char path[128];

	(void)state;
	assert_non_null(p);
	assert_int_equal(logidx_new(dir, &ix), 0);
	page_all(ix, NREC - 101, query(0, 64), p);
	expect_all(p, 0, NREC - 101);
	page_all(ix, NREC - 1, query(1, 64), p);
	expect_all(p, 1, NREC - 1);
	/* A query that read its head before another walked further. */
	page_all(ix, NREC - 101, query(1, 64), p);
	expect_all(p, 1, NREC - 101);
	page_all(ix, NREC - 101, query(0, 64), p);
	expect_all(p, 0, NREC - 101);
	write_seg(3, SEG3_FIRST, NREC, 1);	/* checkpoint */
	write_seg(4, NREC, NREC + 150, 0);
	page_all(ix, NREC + 149, query(0, 64), p);
	expect_all(p, 0, NREC + 149);
	page_all(ix, NREC + 149, query(1, 500), p);
	expect_all(p, 1, NREC + 149);
	logidx_free(ix);
	free(p);
	seg_path(4, path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	write_seg(3, SEG3_FIRST, NREC, 0);
}

/* Damage: each record that can be read is given once, and the rest, seqs
 * lo .. lo + count - 1, as damaged runs (one per place, or per block when
 * the file changed under the index), in both directions, with no crash. */
static void
expect_damage(struct logidx *ix, uint64_t lo, uint64_t count,
    const char *reason)
{
	struct pass *p = malloc(sizeof(*p));
	uint64_t covered, dlo;
	int newer, found;
	size_t i, j;

	assert_non_null(p);
	for (newer = 0; newer <= 1; newer++) {
		page_all(ix, NREC - 1, query(newer, 9), p);
		assert_true(p->ndmg >= 1);
		covered = 0;
		dlo = UINT64_MAX;
		found = 0;
		for (i = 0; i < p->ndmg; i++) {
			covered += p->dmg_count[i];
			if (p->dmg_seq[i] < dlo)
				dlo = p->dmg_seq[i];
			found |= strstr(p->reason[i], reason) != NULL;
		}
		assert_int_equal(dlo, lo);
		assert_int_equal(covered, count);
		if (!found)
			fail_msg("reason \"%s\" lacks \"%s\"", p->reason[0],
			    reason);
		assert_int_equal(p->n, NREC - count);
		for (i = 0, j = 0; i < NREC; i++) {
			if (i >= lo && i < lo + count)
				continue;
			assert_int_equal(p->seqs[newer ? j : p->n - 1 - j],
			    i);
			j++;
		}
	}
	free(p);
}

static void
test_damage(void **state)
{
	struct logidx *ix;
	struct pass *p = malloc(sizeof(*p));
	char path[128];

	(void)state;
	assert_non_null(p);
	/* A frame length altered: segment 1 cannot be followed past it. */
	poke(1, model[300].off + 1, 0xff);
	assert_int_equal(logidx_new(dir, &ix), 0);
	expect_damage(ix, 300, SEG2_FIRST - 300, "00000001.seg: frame length");
	logidx_free(ix);
	write_log();

	/* A body that does not parse, its frame intact: that record only. */
	poke(2, model[1500].off + 4, 9);
	assert_int_equal(logidx_new(dir, &ix), 0);
	expect_damage(ix, 1500, 1, "does not parse");
	logidx_free(ix);
	write_log();

	/* A sealed segment cut short. */
	cut(2, model[2000].off + 10);
	assert_int_equal(logidx_new(dir, &ix), 0);
	expect_damage(ix, 2000, SEG3_FIRST - 2000, "cut short");
	logidx_free(ix);
	write_log();

	/* A seq altered: the walk stops there rather than guess. */
	poke(1, model[10].off + 4 + 9, 0x77);
	assert_int_equal(logidx_new(dir, &ix), 0);
	expect_damage(ix, 10, SEG2_FIRST - 10, "was expected");
	logidx_free(ix);
	write_log();

	/* A whole segment missing. */
	seg_path(2, path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(logidx_new(dir, &ix), 0);
	expect_damage(ix, SEG2_FIRST, SEG3_FIRST - SEG2_FIRST, "missing");
	logidx_free(ix);
	write_log();

	/* A segment header damaged. */
	poke(2, 0, 'X');
	assert_int_equal(logidx_new(dir, &ix), 0);
	expect_damage(ix, SEG2_FIRST, SEG3_FIRST - SEG2_FIRST,
	    "header unreadable");
	logidx_free(ix);
	write_log();

	/* Damaged after the index was built: found when it is read. */
	assert_int_equal(logidx_new(dir, &ix), 0);
	page_all(ix, NREC - 1, query(0, 500), p);
	expect_all(p, 0, NREC - 1);
	cut(2, model[2100].off + 3);
	expect_damage(ix, 2100, SEG3_FIRST - 2100, "changed since");
	logidx_free(ix);
	write_log();
	free(p);
}

/* ---- the request's rules (kiosk/logops.c) ---- */

static void
test_roles_and_levels(void **state)
{
	int s;

	(void)state;
	assert_true(logops_may_read(ROLE_SUPERVISOR));
	assert_true(logops_may_read(ROLE_IT_OFFICER));
	assert_true(logops_may_read(ROLE_INSPECTOR));
	assert_true(logops_may_read(ROLE_DRAFTER | ROLE_INSPECTOR));
	assert_false(logops_may_read(ROLE_DRAFTER));
	assert_false(logops_may_read(ROLE_TECHNICIAN));
	assert_false(logops_may_read(0));
	for (s = LOG_SEV_INFO; s <= LOG_SEV_KHAN_CAP; s++)
		assert_int_equal(logops_level_parse(
		    logops_level_token((uint8_t)s)), s);
	assert_string_equal(logops_level_token(LOG_SEV_TRUNG_BINH),
	    "trung-binh");
	assert_int_equal(logops_level_parse("Cao"), -1);
	assert_int_equal(logops_level_parse(""), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_both_ways),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_lazy),
		cmocka_unit_test(test_prepare),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_cursor_edges),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_roles_and_levels),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
