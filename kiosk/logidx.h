/*
 * The log viewer's index over the audit-log segments (docs/architecture.md,
 * "The log viewer"), so that a page of records at any sequence number is
 * found without reading the whole log.
 *
 * The index knows every segment's first seq (from its header) and, for
 * each block of LOGIDX_BLOCK records, the file offset of the block's first
 * frame with a summary of the block: its earliest and latest wall time, its
 * highest severity, and two 64-bit Bloom filters over its actors and event
 * names. A segment is walked (frame lengths and record bodies, read with
 * pread) only as far as a query needs, once; the index grows as the log
 * does. It holds about one byte per record.
 *
 * Nothing here authenticates the log: that is matverify's job. A record
 * that cannot be found or parsed is reported as damaged, with the segment,
 * the byte offset and the reason, and never stops the reader.
 *
 * Thread-safe: an index has its own lock, held while segments are listed
 * and walked, never while a callback runs. It never takes the daemon's
 * lock; the caller reads the head under that lock and passes it in.
 */
#ifndef MATKIOSK_LOGIDX_H
#define MATKIOSK_LOGIDX_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/logrec.h"

#define LOGIDX_BLOCK		64	/* records per index entry */
#define LOGIDX_LIMIT_DEFAULT	50
#define LOGIDX_LIMIT_MAX	500
/* Records parsed by one query before it gives up and returns a cursor:
 * about 10 ms of work; blocks the summaries rule out cost nothing here. */
#define LOGIDX_SCAN_MAX		50000
/* Blocks looked at by one query, skipped or not (8 million records). */
#define LOGIDX_BLOCKS_MAX	131072

struct logidx;

/* A query. Strings are compared byte for byte with the record's. */
struct logidx_query {
	uint64_t	 cursor;	/* first seq to look at (inclusive) */
	int		 newer;		/* 0: seq descending; 1: ascending */
	size_t		 limit;		/* items at most, 1..LOGIDX_LIMIT_MAX */
	uint64_t	 scan_max;	/* records parsed at most; 0: default */
	const char	*event;		/* NULL, a name, or a prefix to '.' */
	const char	*actor;		/* NULL or an account name */
	uint8_t		 min_severity;	/* LOG_SEV_INFO: any */
	int64_t		 from_us;	/* wall time >= from_us */
	int64_t		 to_us;		/* wall time < to_us */
};

/* What a page holds, item by item. */
#define LOGIDX_RECORD	1	/* one record, parsed */
#define LOGIDX_DAMAGED	2	/* records that cannot be read */

struct logidx_item {
	int		 kind;
	/* LOGIDX_RECORD: the record, valid during the callback only. */
	const struct logrec *rec;
	/* The record's seq, or the lowest seq of a damaged run. */
	uint64_t	 seq;
	uint64_t	 count;		/* records the item stands for */
	/* LOGIDX_DAMAGED: where and why, in English. */
	char		 file[16];	/* "00000002.seg", or "" */
	uint64_t	 offset;	/* byte offset in file */
	char		 reason[160];
};

/* Called for each item in page order; a non-zero return stops the query
 * and is returned by it (a failed send). */
typedef int (*logidx_cb)(const struct logidx_item *it, void *arg);

struct logidx_page {
	size_t		 items;
	uint64_t	 examined;	/* records parsed */
	int		 more;		/* 1: continue at next */
	uint64_t	 next;
};

/* Cumulative counters, for tests and the bench. */
struct logidx_stats {
	uint64_t	 segments;	/* segment files known */
	uint64_t	 blocks;	/* index entries */
	uint64_t	 walked;	/* records walked to build the index */
	uint64_t	 bytes_read;	/* bytes read from segment files */
};

/* An empty index over the segments of logdir; nothing is read yet. */
int logidx_new(const char *logdir, struct logidx **out);
/* Accepts NULL; stops logidx_prepare's walk first. */
void logidx_free(struct logidx *ix);

/*
 * Indexes, on a thread of its own, the segment that holds seq head: the
 * first page a console asks for is at the head, and the daemon has just
 * read that segment into the page cache to open the log, so the walk
 * costs little now and a first query waits for none of it (a query that
 * comes meanwhile waits on the index's lock). Once per index.
 */
int logidx_prepare(struct logidx *ix, uint64_t head);

/*
 * One page of records from q->cursor in q's direction, among seqs
 * 0..head (the log's last durable record: nothing past it is read, so a
 * record the writer is still appending is never seen). Items matching
 * every filter, and every damaged run (damage matches any filter: it
 * cannot be told what it hid), are passed to cb. Stops when q->limit
 * items were given, when q->scan_max records were parsed or
 * LOGIDX_BLOCKS_MAX blocks looked at, or at the end of the log; page says
 * where the next page starts. A cursor past the head starts at the head
 * (descending) or finds nothing (ascending). MK_ERR_ARGUMENT for a bad
 * query, MK_ERR_ALLOC, or cb's error.
 */
int logidx_query(struct logidx *ix, uint64_t head,
    const struct logidx_query *q, logidx_cb cb, void *arg,
    struct logidx_page *page);

/* 1 if rec passes q's filters (cursor, direction and limits aside). */
int logidx_match(const struct logidx_query *q, const struct logrec *rec);

void logidx_stats(struct logidx *ix, struct logidx_stats *st);

#endif /* MATKIOSK_LOGIDX_H */
