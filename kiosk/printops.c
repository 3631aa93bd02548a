/*
 * Printing under policy (MSG_PRINT) and the copy register (MSG_REGISTER):
 * docs/architecture.md, "Printing"; docs/protocol.md, "Printing".
 *
 * A print is decided (role table, the [print] policy of the document's
 * classification, copies, a supervisor's approval, a local printer, a
 * format that can be marked), then its intent is logged durably
 * (print.begin: document, hash, classification, person, approver,
 * printer, copies, copy type), then the marked copies go to CUPS from
 * memory, and the outcome is logged (print.done with CUPS's job id,
 * pages and state, or print.failed with the reason). A copy counts as
 * made only with print.done. The register (kiosk/copyreg.h) is read back
 * from the log.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <gcrypt.h>

#include "approval.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/proto.h"
#include "common/text.h"
#include "copyreg.h"
#include "crypto/auditlog.h"
#include "crypto/cry.h"
#include "cupsq.h"
#include "daemon.h"
#include "handlers.h"
#include "logidx.h"
#include "logops.h"
#include "printmark.h"
#include "printpdf.h"
#include "printpol.h"
#include "vault.h"

#define PRINT_DOC_MAX	PRINTMARK_DOC_MAX
#define PRINT_OUT_MAX	PRINTMARK_OUT_MAX

struct print_req {
	char		 id[VAULT_ID_HEX + 2];
	char		 queue[PRINTPOL_QUEUE_MAX + 1];
	uint64_t	 copies;
	int		 cls;
	char		 sha[65];
	int		 kind;		/* PRINTMARK_* */
	struct approval	 ap;		/* ap.id 0: none used */
	char		 uri[512];
	unsigned	 gen;		/* d->gen when the request came */
};

/* A refusal: recorded (print.refused), then answered. */
static int
refuse(struct session *s, const struct print_req *p, int code,
    const char *why)
{
	char esc[400];
	struct logkv kv[3] = { { "printer", p->queue },
	    { "error", mkerr_str(code) }, { "reason", esc } };

	mktext_escape(why, strlen(why), esc, sizeof(esc));
	if (session_log(s, LOG_SEV_THAP, "print.refused", p->id, 3, kv) != 0)
		return reply_err(s, MK_ERR_LOG, NULL);
	return reply_err(s, code, why);
}

static int
check_session(struct session *s)
{
	const char *why = NULL;
	int code = MK_ERR_DENIED, locked;

	pthread_mutex_lock(&s->d->lock);
	locked = s->d->lockdown;
	pthread_mutex_unlock(&s->d->lock);
	if (locked) {
		code = MK_ERR_LOCKED;
		why = "machine in lockdown: a supervisor must clear it";
	} else if (!s->authed)
		why = "log in first";
	else if (policy_may(s->acct.roles, ACT_PRINT) == MAY_NO)
		why = "this account's roles do not allow printing";
	else if (session_key_get(s) == NULL) {
		code = MK_ERR_LOCKED;
		why = "this session holds no vault key: log in again";
	} else
		session_key_put(s);
	if (why == NULL)
		return 0;
	return reply_err(s, code, why) == 0 ? MK_ERR_DENIED : MK_ERR_CLOSED;
}

static int
parse_req(const struct mkmsg *m, struct print_req *p)
{
	memset(p, 0, sizeof(*p));
	p->copies = 1;
	if (mkmsg_str(m, F_ID, p->id, sizeof(p->id)) != 0 ||
	    !vault_id_valid(p->id))
		return 0;
	if (mkmsg_str(m, F_PRINTER, p->queue, sizeof(p->queue)) != 0 ||
	    !printpol_queue_valid(p->queue))
		return 0;
	if (mkmsg_get(m, F_COUNT) != NULL &&
	    (mkmsg_u64(m, F_COUNT, &p->copies) != 0 || p->copies == 0 ||
	    p->copies > PRINTPOL_COPIES_MAX))
		return 0;
	return 1;
}

/* The whole plaintext, authenticated, into doc; its class and hash. */
static int
read_doc(struct session *s, struct print_req *p, struct mkbuf *doc)
{
	struct vault_reader *rd = NULL;
	struct vault_doc vd;
	const uint8_t *mk;
	uint8_t *chunk, sha[32];
	size_t n;
	int r;

	if ((mk = session_key_get(s)) == NULL)
		return MK_ERR_LOCKED;
	r = vault_read_open(s->d->vault, mk, p->id, &vd, &rd);
	session_key_put(s);
	if (r != 0)
		return r;
	p->cls = vd.classification;
	mk_wipe(&vd, sizeof(vd));
	if ((chunk = cry_secure_alloc(DOCFMT_CHUNK)) == NULL) {
		vault_read_close(rd);
		return MK_ERR_ALLOC;
	}
	if ((r = vault_read_verify(rd, NULL, NULL)) == 0) {
		do {
			if ((r = vault_read_next(rd, chunk, &n)) == 0 && n > 0)
				r = mkbuf_put(doc, chunk, n);
		} while (r == 0 && n > 0);
	}
	cry_secure_free(chunk, DOCFMT_CHUNK);
	vault_read_close(rd);
	if (r != 0)
		return r;
	gcry_md_hash_buffer(GCRY_MD_SHA256, sha, mkbuf_ptr(doc),
	    mkbuf_len(doc));
	mk_hex(sha, sizeof(sha), p->sha);
	return 0;
}

/* Uses copies of a supervisor's approval for this document, recorded as
 * approval.use (as approval_require does), keeping the approval so that
 * the copies can be numbered k/n of what was approved. */
static int
use_approval(struct session *s, struct print_req *p, char *why,
    size_t whylen)
{
	struct daemon *d = s->d;
	char id[24], left[16];
	int r;

	pthread_mutex_lock(&d->lock);
	r = approvals_use(d->approvals, s->acct.name, "print", p->id,
	    (uint32_t)p->copies, daemon_now(), &p->ap);
	if (r == 0) {
		struct logkv kv[4] = { { "action", "print" },
		    { "approver", p->ap.approver }, { "approval", id },
		    { "remaining", left } };

		snprintf(id, sizeof(id), "%" PRIu64, p->ap.id);
		snprintf(left, sizeof(left), "%u", p->ap.count - p->ap.used);
		if (daemon_log_locked(d, LOG_SEV_INFO, s->acct.name,
		    accounts_primary_role(s->acct.roles), "approval.use",
		    p->id, 4, kv) != 0)
			r = MK_ERR_LOG;
	}
	pthread_mutex_unlock(&d->lock);
	if (r == MK_ERR_APPROVAL)
		snprintf(why, whylen, "printing %s document %s needs a "
		    "supervisor's approval for %" PRIu64 " copies; none with "
		    "that many copies left", docfmt_class_token(p->cls), p->id,
		    p->copies);
	else if (r != 0)
		snprintf(why, whylen, "%s", mkerr_str(r));
	return r;
}

/* Who may, the policy of the class, the printer: 0 or a refusal. */
static int
decide(struct session *s, struct print_req *p, const struct mkbuf *doc,
    char *why, size_t whylen)
{
	struct printpol pol;
	int approval, r;

	if ((r = printpol_load(&s->d->conf, &pol, why, whylen)) != 0)
		return r;
	if ((r = printpol_may(&pol, p->cls, s->acct.roles, &approval, why,
	    whylen)) != 0)
		return r;
	p->kind = printmark_detect(mkbuf_ptr(doc), mkbuf_len(doc));
	if (p->kind == PRINTMARK_OTHER && !pol.cls[p->cls].unmarked) {
		snprintf(why, whylen, "this document is neither text nor PDF "
		    "and cannot be marked as a copy; the print policy does not "
		    "allow unmarked copies of %s documents",
		    docfmt_class_token(p->cls));
		return MK_ERR_UNMARKABLE;
	}
	/* The queue's device as CUPS has it: the name means nothing. */
	if ((r = cupsq_device_uri(s->d->conf.print.cups_server, p->queue,
	    p->uri, sizeof(p->uri), why, whylen)) != 0)
		return r == MK_ERR_NOT_FOUND ? MK_ERR_NOT_FOUND : r;
	if (!printpol_uri_local(p->uri, pol.allow_file_device, why, whylen))
		return MK_ERR_NET_PRINTER;
	if (approval)
		return use_approval(s, p, why, whylen);
	return 0;
}

static int
mark(const struct print_req *p, const struct mkbuf *doc, struct mkbuf *out,
    uint32_t *pages)
{
	struct printmark m;

	memset(&m, 0, sizeof(m));
	m.count = (uint32_t)p->copies;
	/* With an approval, copy k of the n approved; else k of this job. */
	m.total = p->ap.id != 0 ? p->ap.count : m.count;
	m.first = p->ap.id != 0 ? p->ap.used - m.count + 1 : 1;
	m.when = daemon_now();
	m.cls = p->cls;
	snprintf(m.doc, sizeof(m.doc), "%s", p->id);
	*pages = 0;
	if (p->kind == PRINTMARK_TEXT)
		return printmark_text(mkbuf_ptr(doc), mkbuf_len(doc), &m, out);
	/* poppler parses the PDF in a helper that holds nothing. */
	if (p->kind == PRINTMARK_PDF)
		return printpdf_mark_isolated(mkbuf_ptr(doc), mkbuf_len(doc),
		    &m, out);
	/* Unmarked, as policy allows: the copies one after another. */
	for (uint32_t i = 0; i < m.count; i++) {
		int r = mkbuf_put(out, mkbuf_ptr(doc), mkbuf_len(doc));

		if (r != 0)
			return r;
	}
	return 0;
}

static int
log_intent(struct session *s, const struct print_req *p, uint64_t *seq)
{
	char copies[24];
	struct logkv kv[8] = { { "sha256", p->sha },
	    { "class", docfmt_class_token(p->cls) },
	    { "approver", p->ap.id != 0 ? p->ap.approver : "" },
	    { "dest", p->queue }, { "copies", copies },
	    { "copy_type", "print" }, { "device", p->uri },
	    { "marked", p->kind == PRINTMARK_OTHER ? "no" : "yes" } };
	char esc[512];

	/* The device URI came from cupsd: escaped before the log. */
	mktext_escape(p->uri, strlen(p->uri), esc, sizeof(esc));
	kv[6].value = esc;
	snprintf(copies, sizeof(copies), "%" PRIu64, p->copies);
	return session_log_seq(s, LOG_SEV_INFO, "print.begin", p->id, 8, kv,
	    seq);
}

static int
log_outcome(struct session *s, const struct print_req *p, uint64_t intent,
    const struct cupsq_result *res, int err, const char *why)
{
	char in[24], made[24], job[24], pages[24], esc[400];
	struct logkv kv[6] = { { "intent", in }, { "copies", made },
	    { "job", job }, { "pages", pages }, { "state", res->state },
	    { "reason", esc } };

	snprintf(in, sizeof(in), "%" PRIu64, intent);
	snprintf(made, sizeof(made), "%" PRIu64, err == 0 ? p->copies : 0);
	snprintf(job, sizeof(job), "%d", res->job);
	snprintf(pages, sizeof(pages), "%" PRIu64, res->pages);
	mktext_escape(why, strlen(why), esc, sizeof(esc));
	return session_log(s, err == 0 ? LOG_SEV_INFO : LOG_SEV_THAP, err == 0 ?
	    "print.done" : "print.failed", p->id, err == 0 ? 5 : 6, kv);
}

static int
reply_done(struct session *s, const struct print_req *p, uint64_t intent,
    const struct cupsq_result *res)
{
	int r;

	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_SEQ, intent)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_JOB, (uint64_t)res->job)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_PAGES, res->pages)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_STATE, res->state)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_MADE, p->copies)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}

/* Intent, job, outcome. */
static int
submit(struct session *s, struct print_req *p, struct mkbuf *out)
{
	struct cupsq_result res;
	char why[400] = "", title[64];
	uint64_t intent;
	int r;

	/* A lockdown meanwhile (keys wiped): nothing more goes out. */
	if (atomic_load(&s->d->gen) != p->gen)
		return reply_err(s, MK_ERR_LOCKED, "the machine went into "
		    "lockdown: nothing was printed");
	if (log_intent(s, p, &intent) != 0)
		return reply_err(s, MK_ERR_LOG, "the intent to print cannot "
		    "be logged: nothing was printed");
	/* The title travels to CUPS: the id, never the document's title. */
	snprintf(title, sizeof(title), "matkiosk %s", p->id);
	r = cupsq_print(s->d->conf.print.cups_server, p->queue, title,
	    s->acct.name, printmark_mime(p->kind), mkbuf_ptr(out), mkbuf_len(out), &res,
	    why, sizeof(why));
	if (log_outcome(s, p, intent, &res, r, why) != 0)
		return reply_err(s, MK_ERR_LOG, "the print's outcome cannot be "
		    "logged");
	if (r != 0)
		return reply_err(s, r, why);
	return reply_done(s, p, intent, &res);
}

int
h_print(struct session *s, const struct mkmsg *m)
{
	struct mkbuf *doc = NULL, *out = NULL;
	struct print_req p;
	char why[400] = "";
	uint32_t pages;
	int r;

	if ((r = check_session(s)) != 0)
		return r == MK_ERR_DENIED ? 0 : r;
	if (!parse_req(m, &p))
		return reply_err(s, MK_ERR_USAGE, "print needs a document id, "
		    "a printer queue name and 1 to 100 copies");
	p.gen = atomic_load(&s->d->gen);
	if ((doc = mkbuf_new(PRINT_DOC_MAX)) == NULL ||
	    (out = mkbuf_new(PRINT_OUT_MAX)) == NULL) {
		r = reply_err(s, MK_ERR_ALLOC, NULL);
		goto out;
	}
	if ((r = read_doc(s, &p, doc)) != 0) {
		snprintf(why, sizeof(why), "document %s: %s", p.id,
		    mkerr_str(r));
		r = refuse(s, &p, r, why);
		goto out;
	}
	if ((r = decide(s, &p, doc, why, sizeof(why))) != 0) {
		r = r == MK_ERR_LOG ? reply_err(s, r, NULL) :
		    refuse(s, &p, r, why);
		goto out;
	}
	if ((r = mark(&p, doc, out, &pages)) != 0) {
		if (r == MK_ERR_FORMAT)
			snprintf(why, sizeof(why), "this PDF does not open (or "
			    "has no page) and cannot be marked as a copy");
		else
			snprintf(why, sizeof(why), "marking the copies failed: "
			    "%s", mkerr_str(r));
		r = refuse(s, &p, r == MK_ERR_FORMAT ? MK_ERR_UNMARKABLE : r,
		    why);
		goto out;
	}
	mkbuf_free(doc);
	doc = NULL;
	r = submit(s, &p, out);
out:
	mkbuf_free(doc);
	mkbuf_free(out);
	return r;
}

/* ---- the copy register ---- */

struct reg_feed {
	struct copyreg	*reg;
	uint64_t	 damaged;
	int		 err;
};

static int
feed_item(const struct logidx_item *it, void *arg)
{
	struct reg_feed *f = arg;

	if (it->kind == LOGIDX_DAMAGED) {
		f->damaged += it->count;
		return 0;
	}
	if ((f->err = copyreg_feed(f->reg, it->rec)) != 0)
		return f->err;
	return 0;
}

/* Every record, oldest first, page after page. */
static int
read_register(struct logidx *ix, uint64_t head, struct reg_feed *f)
{
	struct logidx_query q;
	struct logidx_page pg;
	int r;

	memset(&q, 0, sizeof(q));
	q.newer = 1;
	q.limit = LOGIDX_LIMIT_MAX;
	q.from_us = INT64_MIN;
	q.to_us = INT64_MAX;
	do {
		if ((r = logidx_query(ix, head, &q, feed_item, f, &pg)) != 0)
			return r;
		q.cursor = pg.next;
	} while (pg.more);
	return 0;
}

static int
send_row(struct session *s, const struct copyreg_row *w)
{
	struct mkbuf *b = s->out;
	int r;

	if ((r = mkmsg_start(b, MSG_ENTRY)) != 0 ||
	    (r = mkmsg_add_u64(b, F_SEQ, w->number)) != 0 ||
	    (r = mkmsg_add_u64(b, F_INTENT, w->intent)) != 0 ||
	    (r = mkmsg_add_u64(b, F_CREATED, w->when < 0 ? 0 :
	    (uint64_t)w->when)) != 0 ||
	    (r = mkmsg_add_str(b, F_ID, w->doc)) != 0 ||
	    (r = mkmsg_add_str(b, F_CLASS, w->cls)) != 0 ||
	    (r = mkmsg_add_str(b, F_COPY_TYPE, w->copy_type)) != 0 ||
	    (r = mkmsg_add_u64(b, F_COUNT, w->copies)) != 0 ||
	    (r = mkmsg_add_u64(b, F_MADE, w->made)) != 0 ||
	    (r = mkmsg_add_str(b, F_APPROVER, w->approver)) != 0 ||
	    (r = mkmsg_add_str(b, F_USER, w->person)) != 0 ||
	    (r = mkmsg_add_str(b, F_DEST, w->dest)) != 0 ||
	    (r = mkmsg_add_str(b, F_STATE, w->outcome)) != 0 ||
	    (r = mkmsg_add_str(b, F_MESSAGE, w->reason)) != 0 ||
	    (r = mkmsg_add_str(b, F_JOB, w->job)) != 0 ||
	    (r = mkmsg_add_str(b, F_PAGES, w->pages)) != 0)
		return r;
	return mkproto_send(s->fd, b);
}

int
copyreg_collect(struct daemon *d, uint64_t head, struct copyreg *reg,
    uint64_t *damaged)
{
	struct reg_feed f = { reg, 0, 0 };
	struct logidx *ix = NULL;
	uint64_t now;
	int r = 0;

	pthread_mutex_lock(&d->lock);
	if (!d->provisioned || d->log == NULL)
		r = MK_ERR_NOT_PROVISIONED;
	else if (d->logidx == NULL)
		r = logidx_new(d->sd.log, &d->logidx);
	if (r == 0) {
		auditlog_head(d->log, &now, NULL);
		if (head > now)
			head = now;
		ix = d->logidx;
	}
	pthread_mutex_unlock(&d->lock);
	if (r == 0)
		r = read_register(ix, head, &f);
	if (damaged != NULL)
		*damaged = f.damaged;
	return r;
}

/* Under d->lock: the index, the reading recorded, the head. */
static int
register_begin(struct session *s, uint64_t from, uint64_t to,
    struct logidx **ix, uint64_t *head)
{
	struct daemon *d = s->d;
	char f[24], t[24];
	struct logkv kv[2] = { { "from", f }, { "to", t } };
	int r = 0;

	snprintf(f, sizeof(f), "%" PRIu64, from);
	snprintf(t, sizeof(t), "%" PRIu64, to);
	pthread_mutex_lock(&d->lock);
	if (!d->provisioned || d->log == NULL)
		r = MK_ERR_NOT_PROVISIONED;
	else if (d->logidx == NULL)
		r = logidx_new(d->sd.log, &d->logidx);
	if (r == 0)
		r = daemon_log_locked(d, LOG_SEV_INFO, s->acct.name,
		    accounts_primary_role(s->acct.roles), "register.read", "",
		    2, kv);
	if (r == 0) {
		auditlog_head(d->log, head, NULL);
		*ix = d->logidx;
	}
	pthread_mutex_unlock(&d->lock);
	return r;
}

int
h_register(struct session *s, const struct mkmsg *m)
{
	struct reg_feed f = { NULL, 0, 0 };
	struct logidx *ix = NULL;
	uint64_t from = 0, to = (uint64_t)INT64_MAX / 1000000, head = 0;
	size_t i;
	int r;

	if (!s->authed || !logops_may_read(s->acct.roles))
		return reply_err(s, MK_ERR_DENIED, "only supervisors, IT "
		    "officers and inspectors read the copy register");
	if ((mkmsg_get(m, F_FROM) != NULL && mkmsg_u64(m, F_FROM, &from)) ||
	    (mkmsg_get(m, F_TO) != NULL && mkmsg_u64(m, F_TO, &to)) ||
	    from > to || to > (uint64_t)INT64_MAX / 1000000)
		return reply_err(s, MK_ERR_USAGE, "FROM and TO must be times "
		    "in seconds, FROM not after TO");
	if ((r = register_begin(s, from, to, &ix, &head)) != 0)
		return reply_err(s, r, NULL);
	if ((f.reg = copyreg_new((int64_t)from * 1000000,
	    (int64_t)to * 1000000)) == NULL)
		return reply_err(s, MK_ERR_ALLOC, NULL);
	if ((r = read_register(ix, head, &f)) != 0) {
		copyreg_free(f.reg);
		return reply_err(s, r, r == MK_ERR_TOO_LARGE ? "more rows than "
		    "one answer holds: choose a shorter period (FROM, TO)" :
		    "the log cannot be read");
	}
	for (i = 0, r = 0; i < copyreg_count(f.reg) && r == 0; i++)
		r = send_row(s, copyreg_row(f.reg, i));
	copyreg_free(f.reg);
	if (r != 0)
		return r;
	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_COUNT, f.damaged)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}
