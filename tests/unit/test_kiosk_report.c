/*
 * kiosk/report: the reports' counting by event name, over records encoded
 * and parsed as the log holds them; the periods of Article 17.7; the
 * readable report shows the figures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "crypto/logrec.h"
#include "kiosk/report.h"

static const uint8_t boot[LOGREC_BOOT_ID_LEN];
#define SP8	"        "
#define SP48	SP8 SP8 SP8 SP8 SP8 SP8
#define SP49	SP48 " "
static struct mkbuf *body;
static uint64_t seq;

/* Counts one record made of event, severity and up to two fields. */
static void
feed(struct report_counts *c, const char *event, uint8_t sev,
    const char *k1, const char *v1, const char *k2, const char *v2)
{
	struct logkv kv[2] = { { k1, v1 }, { k2, v2 } };
	struct logev ev = { sev, "giamdoc", "supervisor", event, "obj",
	    k2 != NULL ? 2 : k1 != NULL ? 1 : 0, kv };
	struct logrec rec;

	mkbuf_reset(body);
	assert_int_equal(logrec_encode(body, LOGREC_EVENT, seq, 0,
	    1765000000000000 + (int64_t)seq, seq, boot, &ev), 0);
	assert_int_equal(logrec_parse(mkbuf_ptr(body), mkbuf_len(body), &rec),
	    0);
	seq++;
	report_count(c, &rec);
}

static void
test_counts(void **state)
{
	struct report_counts c;
	int i;

	(void)state;
	memset(&c, 0, sizeof(c));
	body = mkbuf_new(LOGREC_BODY_MAX);
	feed(&c, "doc.import", 0, "class", "mat", "size", "12");
	feed(&c, "doc.import", 0, "class", "mat", NULL, NULL);
	feed(&c, "doc.import", 0, "class", "toi-mat", NULL, NULL);
	feed(&c, "doc.import.begin", 0, "class", "tuyet-mat", NULL, NULL);
	feed(&c, "doc.import.failed", 0, "class", "tuyet-mat", NULL, NULL);
	feed(&c, "doc.delete", 0, NULL, NULL, NULL, NULL);
	feed(&c, "print.begin", 0, "copies", "4", NULL, NULL);
	feed(&c, "print.done", 0, "copies", "4", NULL, NULL);
	feed(&c, "print.done", 0, NULL, NULL, NULL, NULL);
	feed(&c, "print.failed", 1, NULL, NULL, NULL, NULL);
	feed(&c, "copy.begin", 0, NULL, NULL, NULL, NULL);
	feed(&c, "copy.done", 0, "copies", "x9", NULL, NULL);
	feed(&c, "copy.failed", 1, NULL, NULL, NULL, NULL);
	feed(&c, "media.import", 0, NULL, NULL, NULL, NULL);
	feed(&c, "media.import.done", 0, NULL, NULL, NULL, NULL);
	feed(&c, "media.import.failed", 1, NULL, NULL, NULL, NULL);
	feed(&c, "incident.open", LOG_SEV_CAO, "level", "cao", NULL, NULL);
	feed(&c, "incident.open", LOG_SEV_KHAN_CAP, NULL, NULL, NULL, NULL);
	feed(&c, "incident.update", LOG_SEV_CAO, NULL, NULL, NULL, NULL);
	feed(&c, "repair.begin", 0, NULL, NULL, NULL, NULL);
	feed(&c, "repair.end", 0, NULL, NULL, NULL, NULL);
	feed(&c, "usb.decision", 0, "target", "allow", NULL, NULL);
	feed(&c, "usb.decision", 2, "target", "block", NULL, NULL);
	feed(&c, "usb.decision", 3, "target", "reject", NULL, NULL);
	for (i = 0; i < 3; i++)
		feed(&c, "auth.fail", 1, NULL, NULL, NULL, NULL);
	feed(&c, "account.lockout", 2, NULL, NULL, NULL, NULL);
	feed(&c, "account.create", 0, NULL, NULL, NULL, NULL);
	feed(&c, "account.create-failed", 0, NULL, NULL, NULL, NULL);
	feed(&c, "account.disable", 0, NULL, NULL, NULL, NULL);
	feed(&c, "key.revoke", 0, NULL, NULL, NULL, NULL);
	feed(&c, "export.begin", 0, NULL, NULL, NULL, NULL);
	feed(&c, "export", 0, NULL, NULL, NULL, NULL);
	feed(&c, "selfcheck", 0, NULL, NULL, NULL, NULL);
	mkbuf_free(body);

	assert_int_equal(c.records, seq);
	assert_int_equal(c.docs_by_class[0], 2);
	assert_int_equal(c.docs_by_class[1], 1);
	assert_int_equal(c.docs_by_class[2], 0);
	assert_int_equal(c.docs_deleted, 1);
	assert_int_equal(c.prints, 2);
	assert_int_equal(c.print_copies, 5);
	assert_int_equal(c.prints_failed, 1);
	assert_int_equal(c.copies, 1);
	assert_int_equal(c.copy_items, 1);	/* "x9" is not a number */
	assert_int_equal(c.copies_failed, 1);
	assert_int_equal(c.media_imports, 2);
	assert_int_equal(c.media_imports_failed, 1);
	assert_int_equal(c.incidents_by_level[LOG_SEV_CAO], 1);
	assert_int_equal(c.incidents_by_level[LOG_SEV_KHAN_CAP], 1);
	assert_int_equal(c.repairs, 1);
	assert_int_equal(c.repair_records, 2);
	assert_int_equal(c.usb_allowed, 1);
	assert_int_equal(c.usb_blocked, 2);
	assert_int_equal(c.failed_logins, 3);
	assert_int_equal(c.lockouts, 1);
	assert_int_equal(c.account_changes, 3);
	assert_int_equal(c.exports, 1);
	assert_int_equal(c.selfchecks, 1);
	assert_int_equal(c.first_us, 1765000000000000);
	assert_int_equal(c.last_us, 1765000000000000 + (int64_t)seq - 1);
}

static void
test_periods(void **state)
{
	int64_t from, to;

	(void)state;
	/* 1 December 2025 00:00 and 1 June 2026 00:00, UTC+7. */
	assert_int_equal(report_period(REPORT_SEMIANNUAL, 2026, 1, &from, &to),
	    0);
	assert_int_equal(from, 1764522000);
	assert_int_equal(to, 1780246800);
	assert_int_equal(report_period(REPORT_SEMIANNUAL, 2026, 2, &from, &to),
	    0);
	assert_int_equal(from, 1780246800);
	assert_int_equal(to, 1796058000);
	assert_int_equal(report_period(REPORT_ANNUAL, 2026, 0, &from, &to), 0);
	assert_int_equal(from, 1764522000);
	assert_int_equal(to, 1796058000);
	assert_int_equal(report_period(REPORT_ANNUAL, 2026, 1, &from, &to),
	    MK_ERR_USAGE);
	assert_int_equal(report_period(REPORT_SEMIANNUAL, 2026, 3, &from, &to),
	    MK_ERR_USAGE);
	assert_int_equal(report_period(REPORT_ANNUAL, 1999, 0, &from, &to),
	    MK_ERR_USAGE);
}

static void
test_format(void **state)
{
	struct report_counts c;
	struct report_meta m = { REPORT_ANNUAL, 2026, 0, 1764522000,
	    1796058000, "0011aabb", "giamdoc", 1796058000, 99 };
	struct mkbuf *out = mkbuf_new(1u << 20);
	char *text;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.docs_by_class[1] = 7;
	c.incidents_by_level[LOG_SEV_KHAN_CAP] = 3;
	assert_int_equal(report_format(&c, &m, 0, out), 0);
	assert_int_equal(mkbuf_put_u8(out, 0), 0);
	text = (char *)mkbuf_ptr(out);
	assert_non_null(strstr(text, "BÁO CÁO NĂM"));
	assert_non_null(strstr(text, "01/12/2025 – 30/11/2026"));
	/* Label, padded to 46 characters (not bytes), then the figure. */
	assert_non_null(strstr(text, "  Tối mật" SP49 "7\n"));
	assert_non_null(strstr(text, "  Khẩn cấp" SP48 "3\n"));
	mkbuf_reset(out);
	assert_int_equal(report_format(&c, &m, 1, out), 0);
	assert_int_equal(mkbuf_put_u8(out, 0), 0);
	text = (char *)mkbuf_ptr(out);
	assert_non_null(strstr(text, "<html lang=\"vi\">"));
	assert_non_null(strstr(text, "<td>Tối mật</td><td class=\"n\">7</td>"));
	mkbuf_free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_periods),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
