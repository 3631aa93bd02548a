/*
 * The log head, and the periodic reports (R13, Article 17.7; counting in
 * kiosk/report.c). Records are read through the log viewer's index
 * (kiosk/logidx.c), so nothing here holds d->lock while it reads, and
 * nothing past the head taken at the start is counted.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/proto.h"
#include "common/text.h"
#include "crypto/auditlog.h"
#include "daemon.h"
#include "handlers.h"
#include "logidx.h"
#include "report.h"

#define REPORT_MAX	(1u << 20)

struct walk {
	struct report_counts	*c;
	int			 usb;	/* fd for usb.decision lines, or -1 */
	int			 usb_err;
};

/* One readable line per USB decision, for the export. */
static void
usb_line(struct walk *w, const struct logrec *rec)
{
	static const char *const keys[] = { "id", "serial", "name", "target",
	    "reason", "rule" };
	char line[1024], esc[300];
	const struct logstr *v;
	size_t i, o;
	int n;

	n = snprintf(line, sizeof(line), "%" PRIu64 " %" PRId64, rec->seq,
	    rec->wall_us / 1000000);
	o = n > 0 ? (size_t)n : 0;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]) && o < sizeof(line);
	    i++) {
		if ((v = logrec_field(rec, keys[i])) == NULL)
			continue;
		(void)mktext_escape(v->p, v->len, esc, sizeof(esc));
		n = snprintf(line + o, sizeof(line) - o, " %s=%s", keys[i], esc);
		o += n > 0 ? (size_t)n : 0;
	}
	if (o >= sizeof(line) - 1)
		o = sizeof(line) - 2;
	line[o++] = '\n';
	if (w->usb_err == 0)
		w->usb_err = mkfs_write_all(w->usb, line, o);
}

static int
walk_cb(const struct logidx_item *it, void *arg)
{
	struct walk *w = arg;

	if (it->kind == LOGIDX_DAMAGED) {
		w->c->damaged += it->count;
		return 0;
	}
	report_count(w->c, it->rec);
	if (w->usb >= 0 && logstr_eq(&it->rec->event, "usb.decision"))
		usb_line(w, it->rec);
	return 0;
}

int
report_collect(struct daemon *d, int64_t from_us, int64_t to_us,
    struct report_counts *c, int usb, uint64_t *head)
{
	struct walk w = { c, usb, 0 };
	struct logidx_query q;
	struct logidx_page page;
	struct logidx *ix = NULL;
	uint64_t upto;
	int r = 0;

	memset(c, 0, sizeof(*c));
	pthread_mutex_lock(&d->lock);
	if (!d->provisioned || d->log == NULL)
		r = MK_ERR_NOT_PROVISIONED;
	else if (d->logidx == NULL)
		r = logidx_new(d->sd.log, &d->logidx);
	if (r == 0) {
		upto = *head;
		auditlog_head(d->log, head, NULL);
		if (*head > upto)
			*head = upto;
		ix = d->logidx;
	}
	pthread_mutex_unlock(&d->lock);
	if (r != 0)
		return r;
	memset(&q, 0, sizeof(q));
	q.newer = 1;
	q.limit = LOGIDX_LIMIT_MAX;
	q.from_us = from_us;
	q.to_us = to_us;
	for (;;) {
		memset(&page, 0, sizeof(page));
		if ((r = logidx_query(ix, *head, &q, walk_cb, &w, &page)) != 0)
			return r;
		if (!page.more)
			break;
		q.cursor = page.next;
	}
	return w.usb_err;
}

int
h_log_head(struct session *s, const struct mkmsg *m)
{
	struct daemon *d = s->d;
	uint8_t mac[LOGREC_MAC_LEN];
	char hex[2 * LOGREC_MAC_LEN + 1];
	uint64_t seq = 0;
	int r = 0;

	(void)m;
	pthread_mutex_lock(&d->lock);
	if (!d->provisioned || d->log == NULL)
		r = MK_ERR_NOT_PROVISIONED;
	else
		auditlog_head(d->log, &seq, mac);
	pthread_mutex_unlock(&d->lock);
	if (r != 0)
		return reply_err(s, r, NULL);
	mk_hex(mac, sizeof(mac), hex);
	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_SEQ, seq)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_MAC, hex)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}

static int
send_data(struct session *s, const struct mkbuf *b)
{
	size_t off = 0, n;
	int r;

	while (off < mkbuf_len(b)) {
		n = mkbuf_len(b) - off;
		if (n > 60000)
			n = 60000;
		if ((r = mkmsg_start(s->out, MSG_DATA)) != 0 ||
		    (r = mkmsg_add(s->out, F_DATA, mkbuf_ptr(b) + off, n)) != 0 ||
		    (r = mkproto_send(s->fd, s->out)) != 0)
			return r;
		off += n;
	}
	return 0;
}

static int
read_request(const struct mkmsg *m, int *kind, int *year, int *half,
    int *html)
{
	char k[16], f[8];
	uint64_t y = 0, h = 0;

	if (mkmsg_str(m, F_KIND, k, sizeof(k)) != 0 ||
	    mkmsg_u64(m, F_YEAR, &y) != 0 || y > 9999 ||
	    mkmsg_str(m, F_FORMAT, f, sizeof(f)) != 0)
		return MK_ERR_USAGE;
	(void)mkmsg_u64(m, F_HALF, &h);
	*kind = strcmp(k, "annual") == 0 ? REPORT_ANNUAL :
	    strcmp(k, "semiannual") == 0 ? REPORT_SEMIANNUAL : 0;
	*html = strcmp(f, "html") == 0;
	*year = (int)y;
	/* A six-monthly report without a half is the first (due 10 June). */
	*half = *kind == REPORT_SEMIANNUAL && h == 0 ? 1 : (int)(h > 2 ? 3 : h);
	if (*kind == 0 || (!*html && strcmp(f, "text") != 0))
		return MK_ERR_USAGE;
	return 0;
}

/* Reports are counted from the log: whoever may read the log (a
 * supervisor, an IT officer, an inspector) may have them. */
int
h_report(struct session *s, const struct mkmsg *m)
{
	struct report_counts c;
	struct report_meta meta;
	struct mkbuf *out = NULL;
	char y[8], h[4];
	int r, kind, year, half, html;

	if (!s->authed || policy_may(s->acct.roles, ACT_LOG_READ) != MAY_YES)
		return reply_err(s, MK_ERR_DENIED, "reports are for a "
		    "supervisor, an IT officer or an inspector");
	memset(&meta, 0, sizeof(meta));
	if (read_request(m, &kind, &year, &half, &html) != 0 ||
	    report_period(kind, year, half, &meta.from, &meta.to) != 0)
		return reply_err(s, MK_ERR_USAGE, "a report is semiannual "
		    "(half 1 or 2) or annual, for a year 2000..9999, as text "
		    "or html");
	snprintf(y, sizeof(y), "%d", year);
	snprintf(h, sizeof(h), "%d", half);
	{
		struct logkv kv[3] = { { "kind", kind == REPORT_ANNUAL ?
		    "annual" : "semiannual" }, { "year", y }, { "half", h } };

		if (session_log(s, LOG_SEV_INFO, "report", "", 3, kv) != 0)
			return reply_err(s, MK_ERR_LOG, NULL);
	}
	meta.kind = kind;
	meta.year = year;
	meta.half = half;
	meta.device_id = s->d->machine.device_id;
	meta.made_by = s->acct.name;
	meta.made_at = daemon_now();
	meta.head_seq = UINT64_MAX;
	if ((r = report_collect(s->d, meta.from * 1000000, meta.to * 1000000,
	    &c, -1, &meta.head_seq)) != 0)
		return reply_err(s, r, "cannot read the log");
	if ((out = mkbuf_new(REPORT_MAX)) == NULL)
		return reply_err(s, MK_ERR_ALLOC, NULL);
	if ((r = report_format(&c, &meta, html, out)) != 0) {
		mkbuf_free(out);
		return reply_err(s, r, NULL);
	}
	r = send_data(s, out);
	mkbuf_free(out);
	if (r == 0 && (r = mkmsg_start(s->out, MSG_OK)) == 0 &&
	    (r = mkmsg_add_u64(s->out, F_SEQ, meta.head_seq)) == 0)
		r = mkproto_send(s->fd, s->out);
	return r;
}
