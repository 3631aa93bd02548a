/*
 * Periodic reports: counting and the readable report (report.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/err.h"
#include "report.h"

#define VN_OFFSET	(7 * 3600)	/* Vietnam, UTC+7, no summer time */

static int
ev(const struct logrec *rec, const char *name)
{
	return logstr_eq(&rec->event, name);
}

static int
ev_prefix(const struct logrec *rec, const char *prefix)
{
	size_t n = strlen(prefix);

	return rec->event.len >= n && memcmp(rec->event.p, prefix, n) == 0;
}

/* A field's decimal value, or dflt when absent or not a small number. */
static uint64_t
field_u64(const struct logrec *rec, const char *key, uint64_t dflt)
{
	const struct logstr *v = logrec_field(rec, key);
	uint64_t n = 0;
	size_t i;

	if (v == NULL || v->len == 0 || v->len > 9)
		return dflt;
	for (i = 0; i < v->len; i++) {
		if (v->p[i] < '0' || v->p[i] > '9')
			return dflt;
		n = n * 10 + (uint64_t)(v->p[i] - '0');
	}
	return n;
}

static int
field_is(const struct logrec *rec, const char *key, const char *value)
{
	const struct logstr *v = logrec_field(rec, key);

	return v != NULL && logstr_eq(v, value);
}

static void
count_docs(struct report_counts *c, const struct logrec *rec)
{
	static const char *const cls[3] = { "mat", "toi-mat", "tuyet-mat" };
	size_t i;

	if (ev(rec, "doc.import"))
		for (i = 0; i < 3; i++)
			if (field_is(rec, "class", cls[i]))
				c->docs_by_class[i]++;
	if (ev(rec, "doc.delete"))
		c->docs_deleted++;
}

static void
count_io(struct report_counts *c, const struct logrec *rec)
{
	if (ev(rec, "print.done")) {
		c->prints++;
		c->print_copies += field_u64(rec, "copies", 1);
	} else if (ev(rec, "print.failed"))
		c->prints_failed++;
	else if (ev(rec, "copy.done")) {
		c->copies++;
		c->copy_items += field_u64(rec, "copies", 1);
	} else if (ev(rec, "copy.failed"))
		c->copies_failed++;
	else if (ev(rec, "media.import") || ev(rec, "media.import.done"))
		c->media_imports++;
	else if (ev(rec, "media.import.failed"))
		c->media_imports_failed++;
}

static int
is_account_change(const struct logrec *rec)
{
	static const char *const names[] = { "account.create",
	    "account.change", "account.disable", "account.enable",
	    "account.reset", "account.unlock", "account.password",
	    "key.revoke" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (ev(rec, names[i]))
			return 1;
	return 0;
}

static void
count_security(struct report_counts *c, const struct logrec *rec)
{
	if (ev(rec, "incident.open") && rec->severity <= LOG_SEV_KHAN_CAP)
		c->incidents_by_level[rec->severity]++;
	else if (ev(rec, "usb.decision")) {
		if (field_is(rec, "target", "allow"))
			c->usb_allowed++;
		else
			c->usb_blocked++;
	} else if (ev(rec, "auth.fail"))
		c->failed_logins++;
	else if (ev(rec, "account.lockout"))
		c->lockouts++;
	else if (is_account_change(rec))
		c->account_changes++;
	else if (ev(rec, "export"))
		c->exports++;
	else if (ev(rec, "selfcheck"))
		c->selfchecks++;
	if (ev_prefix(rec, "repair.")) {
		c->repair_records++;
		if (ev(rec, "repair.begin"))
			c->repairs++;
	}
}

void
report_count(struct report_counts *c, const struct logrec *rec)
{
	if (c->records == 0 || rec->wall_us < c->first_us)
		c->first_us = rec->wall_us;
	if (c->records == 0 || rec->wall_us > c->last_us)
		c->last_us = rec->wall_us;
	c->records++;
	count_docs(c, rec);
	count_io(c, rec);
	count_security(c, rec);
}

/* Seconds of 00:00 Vietnam time on the first of month (1..12) of year. */
static int64_t
vn_month_start(int year, int month)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = 1;
	return (int64_t)timegm(&tm) - VN_OFFSET;
}

int
report_period(int kind, int year, int half, int64_t *from, int64_t *to)
{
	if (year < 2000 || year > 9999)
		return MK_ERR_USAGE;
	if (kind == REPORT_SEMIANNUAL && half == 1) {
		*from = vn_month_start(year - 1, 12);
		*to = vn_month_start(year, 6);
	} else if (kind == REPORT_SEMIANNUAL && half == 2) {
		*from = vn_month_start(year, 6);
		*to = vn_month_start(year, 12);
	} else if (kind == REPORT_ANNUAL && half == 0) {
		*from = vn_month_start(year - 1, 12);
		*to = vn_month_start(year, 12);
	} else
		return MK_ERR_USAGE;
	return 0;
}

/* ---- the readable report ---- */

struct fmt {
	struct mkbuf	*out;
	int		 html;
	int		 err;
};

static void
put(struct fmt *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct fmt *f, const char *fmt, ...)
{
	va_list ap;

	if (f->err != 0)
		return;
	va_start(ap, fmt);
	f->err = mkbuf_vprintf(f->out, fmt, ap);
	va_end(ap);
}

/* Characters (not bytes) of UTF-8 text, for aligning columns. */
static size_t
width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Names are [A-Za-z0-9._-] (accounts, device ids): safe in HTML as is. */
static void
row(struct fmt *f, const char *label, uint64_t v)
{
	size_t w = width(label);

	if (f->html)
		put(f, "<tr><td>%s</td><td class=\"n\">%" PRIu64 "</td></tr>\n",
		    label, v);
	else
		put(f, "  %s%*s %10" PRIu64 "\n", label, (int)(w < 46 ? 46 - w :
		    0), "", v);
}

static void
section(struct fmt *f, const char *title)
{
	if (f->html)
		put(f, "</table>\n<h2>%s</h2>\n<table>\n", title);
	else
		put(f, "\n%s\n", title);
}

static void
day(int64_t s, char *out, size_t n)
{
	time_t t = (time_t)(s + VN_OFFSET);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, n, "%d/%m/%Y", &tm) == 0)
		snprintf(out, n, "?");
}

static void
title(struct fmt *f, const struct report_meta *m)
{
	char a[16], b[16], made[16];
	const char *t = m->kind == REPORT_ANNUAL ? "BÁO CÁO NĂM" :
	    m->kind == REPORT_SEMIANNUAL ? "BÁO CÁO 6 THÁNG" :
	    "BÁO CÁO KÈM BẢN XUẤT KIỂM TRA";

	day(m->from, a, sizeof(a));
	day(m->to - 1, b, sizeof(b));
	day(m->made_at, made, sizeof(made));
	if (f->html)
		put(f, "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta "
		    "charset=\"utf-8\"><title>%s</title><style>td.n{text-align:"
		    "right}td{padding:2px 8px}</style></head><body>\n<h1>%s</h1>"
		    "\n<p>Công tác bảo đảm an toàn thông tin (Điều 17.7, Quyết "
		    "định 29/2020/QĐ-UBND)</p>\n<table>\n", t, t);
	else
		put(f, "%s\nCông tác bảo đảm an toàn thông tin (Điều 17.7, "
		    "Quyết định 29/2020/QĐ-UBND)\n\n", t);
	if (f->html)
		put(f, "<tr><td>Máy</td><td>%s</td></tr>\n<tr><td>Kỳ báo cáo"
		    "</td><td>%s – %s (giờ Việt Nam)</td></tr>\n<tr><td>Lập "
		    "ngày</td><td>%s, người lập: %s</td></tr>\n<tr><td>Nhật ký "
		    "đến bản ghi số</td><td>%" PRIu64 "</td></tr>\n",
		    m->device_id, a, b, made, m->made_by, m->head_seq);
	else
		put(f, "  Máy: %s\n  Kỳ báo cáo: %s – %s (giờ Việt Nam)\n  Lập "
		    "ngày: %s, người lập: %s\n  Nhật ký đến bản ghi số: %" PRIu64
		    "\n", m->device_id, a, b, made, m->made_by, m->head_seq);
}

static void
body(struct fmt *f, const struct report_counts *c)
{
	section(f, "1. Tài liệu mật nhập vào máy, theo độ mật");
	row(f, "Mật", c->docs_by_class[0]);
	row(f, "Tối mật", c->docs_by_class[1]);
	row(f, "Tuyệt mật", c->docs_by_class[2]);
	row(f, "Tài liệu đã tiêu hủy", c->docs_deleted);
	section(f, "2. In, sao và nhập từ thiết bị lưu trữ");
	row(f, "Lần in (hoàn tất)", c->prints);
	row(f, "Số bản in", c->print_copies);
	row(f, "Lần in thất bại", c->prints_failed);
	row(f, "Lần sao ra thiết bị lưu trữ (hoàn tất)", c->copies);
	row(f, "Số bản sao", c->copy_items);
	row(f, "Lần sao thất bại", c->copies_failed);
	row(f, "Lần nhập từ thiết bị lưu trữ", c->media_imports);
	row(f, "Lần nhập thất bại", c->media_imports_failed);
	section(f, "3. Sự cố an toàn thông tin, theo mức độ");
	row(f, "Thấp", c->incidents_by_level[LOG_SEV_THAP]);
	row(f, "Trung bình", c->incidents_by_level[LOG_SEV_TRUNG_BINH]);
	row(f, "Cao", c->incidents_by_level[LOG_SEV_CAO]);
	row(f, "Khẩn cấp", c->incidents_by_level[LOG_SEV_KHAN_CAP]);
	section(f, "4. Sửa chữa, bảo trì");
	row(f, "Phiên sửa chữa", c->repairs);
	section(f, "5. Thiết bị USB");
	row(f, "Quyết định cho phép", c->usb_allowed);
	row(f, "Quyết định chặn", c->usb_blocked);
	section(f, "6. Tài khoản và truy cập");
	row(f, "Đăng nhập thất bại", c->failed_logins);
	row(f, "Tài khoản bị tạm khóa", c->lockouts);
	row(f, "Thay đổi tài khoản, quyền truy cập", c->account_changes);
	section(f, "7. Kiểm tra");
	row(f, "Bản xuất kiểm tra", c->exports);
	row(f, "Lần tự kiểm tra", c->selfchecks);
	row(f, "Bản ghi nhật ký trong kỳ", c->records);
	row(f, "Bản ghi nhật ký không đọc được", c->damaged);
}

int
report_format(const struct report_counts *c, const struct report_meta *m,
    int html, struct mkbuf *out)
{
	struct fmt f = { out, html, 0 };

	title(&f, m);
	body(&f, c);
	if (html)
		put(&f, "</table>\n<p>Số liệu đếm từ nhật ký kiểm toán của máy; "
		    "người kiểm tra xác minh nhật ký bằng matverify.</p>\n"
		    "</body></html>\n");
	else
		put(&f, "\nSố liệu đếm từ nhật ký kiểm toán của máy; người kiểm "
		    "tra xác minh nhật ký bằng matverify.\n");
	return f.err;
}
