/*
 * The copy register ("Sổ quản lý sao, chụp bí mật nhà nước"), built from
 * the audit log only: every print (print.begin, then print.done or
 * print.failed) and every copy out (copy.begin, then copy.done or
 * copy.failed) is one row, numbered in log order. A copy counts as made
 * only with a .done outcome; a begin without an outcome (the daemon
 * stopped meanwhile) is shown as "pending".
 *
 * Pure: records are fed in ascending seq order (as kiosk/logidx.h gives
 * them going "newer"); the console, matctl register and the inspection
 * export share it. Strings are escaped (mktext_escape) as they are
 * stored, so rows can be shown as they are.
 */
#ifndef MATKIOSK_COPYREG_H
#define MATKIOSK_COPYREG_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/logrec.h"

#define COPYREG_ROWS_MAX	100000	/* rows a register holds: about 76 MiB */

struct copyreg_row {
	uint64_t	number;		/* 1.. in log order, over the whole log */
	uint64_t	intent;		/* seq of the begin record */
	int64_t		when;		/* begin's wall time, seconds */
	char		kind[8];	/* "print" or "copy" */
	char		doc[80];	/* document id */
	char		cls[16];	/* mat, toi-mat, tuyet-mat */
	char		copy_type[40];	/* print, transfer-package, plaintext */
	uint32_t	copies;		/* asked for */
	uint32_t	made;		/* made (0 unless done) */
	char		approver[80];	/* "" if none */
	char		person[80];
	char		dest[160];	/* printer queue, medium, workstation */
	char		outcome[12];	/* done, failed, pending */
	char		reason[200];	/* why it failed */
	char		job[24];	/* print: CUPS job id */
	char		pages[24];	/* print: pages CUPS reported */
};

struct copyreg;

/* Rows whose begin record's wall time is in [from_us, to_us) are kept;
 * the numbering counts every row all the same. */
struct copyreg *copyreg_new(int64_t from_us, int64_t to_us);
void copyreg_free(struct copyreg *r);
/* Takes one record (any event; others are ignored). MK_ERR_ALLOC,
 * MK_ERR_TOO_LARGE past COPYREG_ROWS_MAX rows. */
int copyreg_feed(struct copyreg *r, const struct logrec *rec);
size_t copyreg_count(const struct copyreg *r);
const struct copyreg_row *copyreg_row(const struct copyreg *r, size_t i);

/* "Mật", "Tối mật", "Tuyệt mật", or the token itself. */
const char *copyreg_class_name(const char *token);
/* One CSV line (RFC 4180, with CRLF left out), header first. */
int copyreg_csv_header(char *out, size_t outlen);
int copyreg_csv_line(const struct copyreg_row *row, char *out,
    size_t outlen);

#endif /* MATKIOSK_COPYREG_H */
