/*
 * Periodic reports (R13, Article 17.7) counted from the audit log by event
 * name: a pure function over records (report_count), the period an article
 * report covers (report_period), and the readable report in Vietnamese
 * (report_format, text or HTML). kiosk/reportops.c feeds it the log.
 *
 * Event names counted (docs/architecture.md, "Reports"): doc.import (by
 * its class field), print.done / print.failed (copies field, else 1),
 * copy.done / copy.failed (copies field, else 1), media.import and
 * media.import.done / media.import.failed, incident.open (by severity),
 * repair.begin (sessions) and every repair.* record, usb.decision (by its
 * target field), auth.fail, account.lockout, account.* changes (create,
 * change, disable, enable, reset, unlock, password) and key.revoke,
 * export, selfcheck.
 */
#ifndef MATKIOSK_REPORT_H
#define MATKIOSK_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/logrec.h"

struct mkbuf;

#define REPORT_SEMIANNUAL	1
#define REPORT_ANNUAL		2
#define REPORT_ALL		3	/* the whole log (the export's report) */

struct report_counts {
	uint64_t	records;
	uint64_t	damaged;		/* records that could not be read */
	uint64_t	docs_by_class[3];	/* mat, toi-mat, tuyet-mat */
	uint64_t	docs_deleted;
	uint64_t	prints, print_copies, prints_failed;
	uint64_t	copies, copy_items, copies_failed;
	uint64_t	media_imports, media_imports_failed;
	uint64_t	incidents_by_level[5];	/* LOG_SEV_* (0 unused) */
	uint64_t	repairs, repair_records;
	uint64_t	usb_allowed, usb_blocked;
	uint64_t	failed_logins, lockouts;
	uint64_t	account_changes;
	uint64_t	exports, selfchecks;
	int64_t		first_us, last_us;	/* wall time of counted records */
};

struct report_meta {
	int		 kind;		/* REPORT_* */
	int		 year, half;	/* half 0: the whole year */
	int64_t		 from, to;	/* seconds, [from, to) */
	const char	*device_id;
	const char	*made_by;
	int64_t		 made_at;
	uint64_t	 head_seq;	/* the log head the report counted to */
};

/* Adds one record to c (pure). */
void report_count(struct report_counts *c, const struct logrec *rec);

/*
 * The period of a report, in seconds since the epoch, [from, to): Article
 * 17.7 fixes only the due dates (six-monthly before 10 June, annual before
 * 10 December), so each period ends on the first of the month the report is
 * due, Vietnam time (UTC+7): half 1 is 1 December of year-1 to 1 June,
 * half 2 is 1 June to 1 December, the year is 1 December of year-1 to
 * 1 December. MK_ERR_USAGE for a kind, year (2000..9999) or half (0..2;
 * 0 only for the annual report) out of range.
 */
int report_period(int kind, int year, int half, int64_t *from, int64_t *to);

/* The report, text (html 0) or HTML (html 1), appended to out. */
int report_format(const struct report_counts *c, const struct report_meta *m,
    int html, struct mkbuf *out);

#endif /* MATKIOSK_REPORT_H */
