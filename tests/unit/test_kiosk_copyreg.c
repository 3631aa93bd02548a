/*
 * kiosk/copyreg (the copy register from the log), kiosk/printpol (who may
 * print, which printers are local) and kiosk/printmark (what can be
 * marked, the marking of text). Records are encoded and parsed with the
 * log's own codec, as the daemon reads them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/conf.h"
#include "common/err.h"
#include "crypto/docfmt.h"
#include "crypto/logrec.h"
#include "kiosk/accounts.h"
#include "kiosk/copyreg.h"
#include "kiosk/printmark.h"
#include "kiosk/printpol.h"

#define DAY_US	(86400LL * 1000000)
#define T0_US	(1796515200LL * 1000000)	/* 2026-12-06 00:00 UTC */
#define DOC	"0123456789abcdef0123456789abcdef"

/* Encodes and parses one record, then feeds it. */
static void
feed(struct copyreg *r, uint64_t seq, int64_t wall_us, const char *actor,
    const char *event, size_t n, const struct logkv *kv)
{
	uint8_t boot[LOGREC_BOOT_ID_LEN] = { 0 };
	struct logev ev = { 0, actor, "drafter", event, DOC, n, kv };
	struct mkbuf *b = mkbuf_new(LOGREC_BODY_MAX);
	struct logrec rec;

	assert_non_null(b);
	assert_int_equal(logrec_encode(b, LOGREC_EVENT, seq, 1, wall_us, 1,
	    boot, &ev), 0);
	assert_int_equal(logrec_parse(mkbuf_ptr(b), mkbuf_len(b), &rec), 0);
	assert_int_equal(copyreg_feed(r, &rec), 0);
	mkbuf_free(b);
}

static void
begin(struct copyreg *r, uint64_t seq, int64_t wall_us, const char *who,
    const char *kind, const char *copies, const char *approver,
    const char *dest)
{
	char event[32];
	struct logkv kv[6] = { { "sha256", "00" }, { "class", "toi-mat" },
	    { "approver", approver }, { "dest", dest }, { "copies", copies },
	    { "copy_type", strcmp(kind, "print") == 0 ? "print" :
	    "transfer-package" } };

	snprintf(event, sizeof(event), "%s.begin", kind);
	feed(r, seq, wall_us, who, event, 6, kv);
}

static void
outcome(struct copyreg *r, uint64_t seq, const char *who, const char *event,
    const char *intent, const char *made, const char *reason)
{
	struct logkv kv[3] = { { "intent", intent }, { "copies", made },
	    { "reason", reason } };

	feed(r, seq, T0_US + 1000, who, event, reason != NULL ? 3 : 2, kv);
}

static void
test_register_rows(void **state)
{
	struct copyreg *r = copyreg_new(INT64_MIN, INT64_MAX);
	const struct copyreg_row *w;

	(void)state;
	assert_non_null(r);
	begin(r, 10, T0_US, "tranvanb", "print", "2", "phogiam", "q1");
	feed(r, 11, T0_US, "tranvanb", "doc.view", 0, NULL);
	outcome(r, 12, "tranvanb", "print.done", "10", "2", NULL);
	begin(r, 13, T0_US, "tranvanb", "print", "1", "", "q1");
	outcome(r, 14, "tranvanb", "print.failed", "13", "0",
	    "CUPS is not reachable");
	begin(r, 15, T0_US, "lethic", "copy", "1", "phogiam", "SN-0042");
	outcome(r, 16, "lethic", "copy.done", "15", "1", NULL);
	begin(r, 17, T0_US, "tranvanb", "print", "1", "", "q1");
	assert_int_equal(copyreg_count(r), 4);

	w = copyreg_row(r, 0);
	assert_int_equal(w->number, 1);
	assert_int_equal(w->intent, 10);
	assert_string_equal(w->doc, DOC);
	assert_string_equal(w->cls, "toi-mat");
	assert_string_equal(w->copy_type, "print");
	assert_int_equal(w->copies, 2);
	assert_int_equal(w->made, 2);
	assert_string_equal(w->approver, "phogiam");
	assert_string_equal(w->person, "tranvanb");
	assert_string_equal(w->dest, "q1");
	assert_string_equal(w->outcome, "done");
	assert_int_equal(w->when, T0_US / 1000000);

	w = copyreg_row(r, 1);
	assert_string_equal(w->outcome, "failed");
	assert_int_equal(w->made, 0);
	assert_string_equal(w->reason, "CUPS is not reachable");

	w = copyreg_row(r, 2);
	assert_string_equal(w->kind, "copy");
	assert_string_equal(w->copy_type, "transfer-package");
	assert_string_equal(w->dest, "SN-0042");
	assert_string_equal(w->outcome, "done");
	assert_int_equal(w->made, 1);

	/* No outcome: the daemon stopped meanwhile. Nothing counted. */
	w = copyreg_row(r, 3);
	assert_string_equal(w->outcome, "pending");
	assert_int_equal(w->made, 0);
	assert_null(copyreg_row(r, 4));
	copyreg_free(r);
}

/* An outcome that is not the intent's own does not count. */
static void
test_register_forged_outcomes(void **state)
{
	struct copyreg *r = copyreg_new(INT64_MIN, INT64_MAX);
	const struct copyreg_row *w;

	(void)state;
	begin(r, 20, T0_US, "tranvanb", "print", "1", "", "q1");
	/* Someone else claims it done; a done for an intent that does not
	 * exist; a copy outcome for a print intent. */
	outcome(r, 21, "lethic", "print.done", "20", "1", NULL);
	outcome(r, 22, "tranvanb", "print.done", "99", "1", NULL);
	outcome(r, 23, "tranvanb", "copy.done", "20", "1", NULL);
	w = copyreg_row(r, 0);
	assert_string_equal(w->outcome, "pending");
	assert_int_equal(w->made, 0);
	/* The real failure ends it; a later done cannot revive it. */
	outcome(r, 24, "tranvanb", "print.failed", "20", "0", "job aborted");
	outcome(r, 25, "tranvanb", "print.done", "20", "1", NULL);
	assert_string_equal(w->outcome, "failed");
	assert_int_equal(w->made, 0);
	/* More made than asked is cut to what was asked. */
	begin(r, 26, T0_US, "tranvanb", "print", "2", "phogiam", "q1");
	outcome(r, 27, "tranvanb", "print.done", "26", "50", NULL);
	assert_int_equal(copyreg_row(r, 1)->made, 2);
	copyreg_free(r);
}

static void
test_register_dates(void **state)
{
	struct copyreg *r = copyreg_new(T0_US, T0_US + DAY_US);

	(void)state;
	begin(r, 1, T0_US - 1, "a", "print", "1", "", "q1");
	begin(r, 2, T0_US, "a", "print", "1", "", "q1");
	begin(r, 3, T0_US + DAY_US - 1, "a", "print", "1", "", "q1");
	begin(r, 4, T0_US + DAY_US, "a", "print", "1", "", "q1");
	outcome(r, 5, "a", "print.done", "1", "1", NULL);
	assert_int_equal(copyreg_count(r), 2);
	/* Numbers are the register's own, whatever the days shown. */
	assert_int_equal(copyreg_row(r, 0)->number, 2);
	assert_int_equal(copyreg_row(r, 1)->number, 3);
	copyreg_free(r);
}

static void
test_register_csv(void **state)
{
	struct copyreg *r = copyreg_new(INT64_MIN, INT64_MAX);
	char line[2048];

	(void)state;
	begin(r, 7, T0_US, "evil\x1b[2J", "print", "1", "", "q,\"1\"");
	assert_int_equal(copyreg_csv_header(line, sizeof(line)), 0);
	assert_string_equal(line, "number,date,document,class,copy_type,"
	    "copies,made,approver,person,dest,outcome,reason,intent,job,"
	    "pages");
	assert_int_equal(copyreg_csv_line(copyreg_row(r, 0), line,
	    sizeof(line)), 0);
	/* The escape sequence is made harmless, the comma and quotes are
	 * quoted. */
	assert_string_equal(line, "1,2026-12-06T00:00:00Z," DOC ",toi-mat,"
	    "print,1,0,,evil\\x1b[2J,\"q,\"\"1\"\"\",pending,,7,,");
	assert_int_equal(copyreg_csv_line(copyreg_row(r, 0), line, 20),
	    MK_ERR_TOO_LARGE);
	assert_string_equal(copyreg_class_name("tuyet-mat"), "Tuyệt mật");
	copyreg_free(r);
}

static void
test_printpol(void **state)
{
	struct mkconf c;
	struct printpol p;
	char why[300];
	int appr;

	(void)state;
	mkconf_defaults(&c);
	assert_int_equal(printpol_load(&c, &p, why, sizeof(why)), 0);
	assert_int_equal(printpol_may(&p, DOCFMT_MAT, ROLE_DRAFTER, &appr,
	    why, sizeof(why)), 0);
	assert_int_equal(appr, 0);
	/* By default every print of Tối mật and Tuyệt mật needs one. */
	assert_int_equal(printpol_may(&p, DOCFMT_TOI_MAT, ROLE_DRAFTER, &appr,
	    why, sizeof(why)), 0);
	assert_int_equal(appr, 1);
	assert_int_equal(printpol_may(&p, DOCFMT_TUYET_MAT, ROLE_SUPERVISOR,
	    &appr, why, sizeof(why)), 0);
	assert_int_equal(appr, 1);
	assert_int_equal(printpol_may(&p, DOCFMT_MAT, ROLE_IT_OFFICER, &appr,
	    why, sizeof(why)), MK_ERR_DENIED);
	snprintf(c.print.roles[2], sizeof(c.print.roles[2]), "supervisor");
	assert_int_equal(printpol_load(&c, &p, why, sizeof(why)), 0);
	assert_int_equal(printpol_may(&p, DOCFMT_TUYET_MAT, ROLE_DRAFTER,
	    &appr, why, sizeof(why)), MK_ERR_DENIED);
	assert_non_null(strstr(why, "only supervisor"));
	snprintf(c.print.roles[0], sizeof(c.print.roles[0]), "wizard");
	assert_int_equal(printpol_load(&c, &p, why, sizeof(why)),
	    MK_ERR_CONFIG);

	assert_true(printpol_queue_valid("HP_LaserJet-1"));
	assert_false(printpol_queue_valid(""));
	assert_false(printpol_queue_valid("q/../x"));
	assert_false(printpol_queue_valid("q 1"));
}

static void
test_printpol_uri(void **state)
{
	static const char *local[] = {
		"usb://HP/LaserJet%20M110w?serial=VNC1234",
		"parallel:/dev/lp0",
		"ipp://localhost:60000/ipp/print",
		"ipps://127.0.0.1:60000/ipp/print",
		"ipp://[::1]:60000/ipp/print",
	};
	static const char *remote[] = {
		"ipp://192.0.2.1/ipp/print", "ipps://printer.example/ipp",
		"socket://192.0.2.1:9100", "lpd://192.0.2.1/queue",
		"smb://server/printer", "dnssd://HP._ipp._tcp.local/",
		"http://localhost.example/ipp", "ipp://localhost@192.0.2.1/",
		"ipp://localhost.evil/ipp", "ipp://localhost/printers/netq",
		"ipp://127.0.0.1:631/classes/all", "implicitclass://q/",
		"file:///dev/null", "usb", "", ":",
	};
	char why[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		assert_int_equal(printpol_uri_local(local[i], 0, why,
		    sizeof(why)), 1);
	for (i = 0; i < sizeof(remote) / sizeof(remote[0]); i++)
		assert_int_equal(printpol_uri_local(remote[i], 0, why,
		    sizeof(why)), 0);
	/* file: only with the test switch. */
	assert_int_equal(printpol_uri_local("file:///tmp/out", 1, why,
	    sizeof(why)), 1);
	assert_int_equal(printpol_uri_local("socket://192.0.2.1", 1, why,
	    sizeof(why)), 0);
	assert_non_null(strstr(why, "socket"));
}

static void
test_printmark(void **state)
{
	static const uint8_t overlong[] = { 'a', 0xc0, 0xaf };
	static const uint8_t surrogate[] = { 0xed, 0xa0, 0x80 };
	const char *text = "Nội dung\tmật\r\n\fTrang 2";
	struct printmark m = { 2, 2, 3, 1796560000, DOCFMT_TOI_MAT, DOC };
	struct mkbuf *b = mkbuf_new(1 << 20);
	const char *out;

	(void)state;
	assert_int_equal(printmark_detect((const uint8_t *)"%PDF-1.7\n", 9),
	    PRINTMARK_PDF);
	assert_int_equal(printmark_detect((const uint8_t *)text, strlen(text)),
	    PRINTMARK_TEXT);
	assert_int_equal(printmark_detect((const uint8_t *)"a\x1b[2Jb", 6),
	    PRINTMARK_OTHER);
	assert_int_equal(printmark_detect((const uint8_t *)"a\0b", 3),
	    PRINTMARK_OTHER);
	assert_int_equal(printmark_detect(overlong, 3), PRINTMARK_OTHER);
	assert_int_equal(printmark_detect(surrogate, 3), PRINTMARK_OTHER);
	assert_int_equal(printmark_detect((const uint8_t *)"\xe1\xbb", 2),
	    PRINTMARK_OTHER);

	/* Copies 2 and 3 of 3. */
	assert_int_equal(printmark_text((const uint8_t *)text, strlen(text),
	    &m, b), 0);
	assert_int_equal(mkbuf_put(b, "", 1), 0);
	out = (const char *)mkbuf_ptr(b);
	assert_non_null(strstr(out, "BẢN SAO BÍ MẬT NHÀ NƯỚC - TỐI MẬT\n"
	    "Bản sao số 2/3 - ngày "));
	assert_non_null(strstr(out, "\fBẢN SAO BÍ MẬT NHÀ NƯỚC - TỐI MẬT\n"
	    "Bản sao số 3/3 - ngày "));
	assert_null(strstr(out, "số 1/3"));
	assert_null(strstr(out, "số 4/3"));
	assert_non_null(strstr(out, "tài liệu " DOC "\n\nNội dung"));
	mkbuf_free(b);

}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_rows),
		cmocka_unit_test(test_register_forged_outcomes),
		cmocka_unit_test(test_register_dates),
		cmocka_unit_test(test_register_csv),
		cmocka_unit_test(test_printpol),
		cmocka_unit_test(test_printpol_uri),
		cmocka_unit_test(test_printmark),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
