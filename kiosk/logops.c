/*
 * The log viewer's request (MSG_LOG_QUERY, docs/protocol.md): a page of
 * audit-log records, newest first or oldest first, filtered by event,
 * severity, actor and time, for supervisors, IT officers and inspectors.
 *
 * The daemon's lock is held only to read the head and to record the
 * reading; the segments are read through the index (kiosk/logidx.h) with
 * no daemon lock held, so neither the log's writer nor the guards wait on
 * a reader, however large the log.
 *
 * Everything taken from the log is escaped (mktext_escape) before it is
 * sent: the log records what devices and people typed, and a console
 * must be able to print it as it comes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/proto.h"
#include "common/text.h"
#include "crypto/auditlog.h"
#include "crypto/logrec.h"
#include "daemon.h"
#include "handlers.h"
#include "incident.h"
#include "logidx.h"
#include "logops.h"
#include "policy.h"

#define US_PER_S	1000000
/* A log string escaped: a byte becomes at most four ("\xNN"). */
#define ESC_STR		(4 * LOGREC_STR_MAX + 1)
/* All fields of one record as "key=value  key=value". */
#define ESC_FIELDS	(4 * LOGREC_BODY_MAX + 4 * LOGREC_FIELDS_MAX + 1)

/* The role table (kiosk/policy.c) decides: log.read. */
int
logops_may_read(uint32_t roles)
{
	return policy_may(roles, ACT_LOG_READ) == MAY_YES;
}

int
logops_level_parse(const char *token)
{
	int lv;

	if (strcmp(token, "thong-tin") == 0)
		return LOG_SEV_INFO;
	return (lv = incident_level_parse(token)) != 0 ? lv : -1;
}

const char *
logops_level_token(uint8_t severity)
{
	return severity == LOG_SEV_INFO ? "thong-tin" :
	    incident_level_token(severity);
}

/* ---- the request ---- */

struct request {
	struct logidx_query	 q;
	char			 event[LOGREC_STR_MAX + 1];
	char			 user[LOGREC_STR_MAX + 1];
	const char		*direction;
	const char		*level;
	uint64_t		 from, to;	/* seconds, as given */
	int			 has_from, has_to;
};

static int
bad(const char **why, const char *what)
{
	*why = what;
	return MK_ERR_USAGE;
}

/* An optional u64 field: 0 absent, 1 present, -1 malformed. */
static int
opt_u64(const struct mkmsg *m, uint8_t tag, uint64_t *v)
{
	*v = 0;
	if (mkmsg_get(m, tag) == NULL)
		return 0;
	return mkmsg_u64(m, tag, v) == 0 ? 1 : -1;
}

/* An optional text field of 1..LOGREC_STR_MAX bytes into out. */
static int
opt_str(const struct mkmsg *m, uint8_t tag, char *out, size_t outlen)
{
	out[0] = '\0';
	if (mkmsg_get(m, tag) == NULL)
		return 0;
	return mkmsg_str(m, tag, out, outlen) == 0 && out[0] != '\0' ? 1 : -1;
}

/* Seconds to microseconds; a time past what the log can hold is "never". */
static int64_t
to_us(uint64_t sec)
{
	return sec > (uint64_t)(INT64_MAX / US_PER_S) ? INT64_MAX :
	    (int64_t)sec * US_PER_S;
}

static int
parse_order(const struct mkmsg *m, struct request *rq, const char **why)
{
	char dir[8], level[16];
	uint64_t limit;
	int lv, n;

	rq->direction = "older";
	if ((n = opt_str(m, F_DIRECTION, dir, sizeof(dir))) < 0 ||
	    (n > 0 && strcmp(dir, "older") != 0 && strcmp(dir, "newer") != 0))
		return bad(why, "direction: older or newer");
	rq->q.newer = n > 0 && strcmp(dir, "newer") == 0;
	if (rq->q.newer)
		rq->direction = "newer";
	if ((n = opt_u64(m, F_CURSOR, &rq->q.cursor)) < 0)
		return bad(why, "cursor: a sequence number (u64)");
	if (n == 0)
		rq->q.cursor = rq->q.newer ? 0 : UINT64_MAX;
	if ((n = opt_u64(m, F_LIMIT, &limit)) < 0 || (n > 0 &&
	    (limit < 1 || limit > LOGIDX_LIMIT_MAX)))
		return bad(why, "limit: 1 to 500 records");
	rq->q.limit = n > 0 ? (size_t)limit : LOGIDX_LIMIT_DEFAULT;
	rq->level = NULL;
	if ((n = opt_str(m, F_LEVEL, level, sizeof(level))) < 0 ||
	    (n > 0 && (lv = logops_level_parse(level)) < 0))
		return bad(why, "level: thong-tin, thap, trung-binh, cao or "
		    "khan-cap");
	if (n > 0) {
		rq->q.min_severity = (uint8_t)lv;
		rq->level = logops_level_token((uint8_t)lv);
	}
	return 0;
}

static int
parse_filters(const struct mkmsg *m, struct request *rq, const char **why)
{
	int n;

	if ((n = opt_str(m, F_EVENT, rq->event, sizeof(rq->event))) < 0)
		return bad(why, "event: a name, or a prefix ending in '.'");
	rq->q.event = n > 0 ? rq->event : NULL;
	if ((n = opt_str(m, F_USER, rq->user, sizeof(rq->user))) < 0)
		return bad(why, "user: an account name");
	rq->q.actor = n > 0 ? rq->user : NULL;
	if ((rq->has_from = opt_u64(m, F_FROM, &rq->from)) < 0 ||
	    (rq->has_to = opt_u64(m, F_TO, &rq->to)) < 0)
		return bad(why, "from, to: seconds since the epoch (u64)");
	if (rq->has_from && rq->has_to && rq->from > rq->to)
		return bad(why, "from must not be after to");
	rq->q.from_us = rq->has_from ? to_us(rq->from) : INT64_MIN;
	rq->q.to_us = rq->has_to ? to_us(rq->to) : INT64_MAX;
	return 0;
}

/* ---- recording the reading ---- */

/*
 * Reading the log is itself recorded (Article 11: who looked at what),
 * once per connection and account, with the first query's filters: a
 * console paging through the log would otherwise add a record for every
 * page, and the log would mostly record itself being read. Filter text
 * comes from the client and is escaped first.
 */
static int
log_reading(struct session *s, const struct request *rq)
{
	char ev[LOGREC_STR_MAX + 1], user[LOGREC_STR_MAX + 1];
	char from[24], to[24];
	struct logkv kv[6];
	size_t n = 0;

	kv[n++] = (struct logkv){ "direction", rq->direction };
	if (rq->q.event != NULL) {
		(void)mktext_escape(rq->event, strlen(rq->event), ev,
		    sizeof(ev));
		kv[n++] = (struct logkv){ "event", ev };
	}
	if (rq->level != NULL)
		kv[n++] = (struct logkv){ "level", rq->level };
	if (rq->q.actor != NULL) {
		(void)mktext_escape(rq->user, strlen(rq->user), user,
		    sizeof(user));
		kv[n++] = (struct logkv){ "user", user };
	}
	if (rq->has_from) {
		snprintf(from, sizeof(from), "%" PRIu64, rq->from);
		kv[n++] = (struct logkv){ "from", from };
	}
	if (rq->has_to) {
		snprintf(to, sizeof(to), "%" PRIu64, rq->to);
		kv[n++] = (struct logkv){ "to", to };
	}
	return daemon_log_locked(s->d, LOG_SEV_INFO, s->acct.name,
	    accounts_primary_role(s->acct.roles), "log.read", "", n, kv);
}

/* Under d->lock, briefly: the index, the reading recorded (write-ahead:
 * nothing is sent unless it is), and the head the query stops at. */
static int
begin(struct session *s, const struct request *rq, struct logidx **ix,
    uint64_t *head)
{
	struct daemon *d = s->d;
	int r = 0;

	pthread_mutex_lock(&d->lock);
	if (!d->provisioned || d->log == NULL)
		r = MK_ERR_NOT_PROVISIONED;
	else if (d->logidx == NULL)
		r = logidx_new(d->sd.log, &d->logidx);
	if (r == 0 && strcmp(s->log_reader, s->acct.name) != 0 &&
	    (r = log_reading(s, rq)) == 0)
		snprintf(s->log_reader, sizeof(s->log_reader), "%s",
		    s->acct.name);
	if (r == 0) {
		auditlog_head(d->log, head, NULL);
		*ix = d->logidx;
	}
	pthread_mutex_unlock(&d->lock);
	return r;
}

/* ---- the reply ---- */

struct sender {
	struct session	*s;
	int		 err;		/* a send that failed */
	char		 actor[ESC_STR], role[ESC_STR];
	char		 event[ESC_STR], object[ESC_STR];
	char		 fields[ESC_FIELDS];
};

static const char *
esc(const struct logstr *v, char *out, size_t outlen)
{
	(void)mktext_escape(v->p, v->len, out, outlen);
	return out;
}

/* "key=value  key=value", each escaped (as matverify --records). */
static void
format_fields(const struct logrec *rec, char *out, size_t outlen)
{
	size_t i, pos = 0;

	out[0] = '\0';
	for (i = 0; i < rec->nfields && pos + 8 < outlen; i++) {
		if (i > 0) {
			memcpy(out + pos, "  ", 3);
			pos += 2;
		}
		(void)mktext_escape(rec->keys[i].p, rec->keys[i].len,
		    out + pos, outlen - pos);
		pos += strlen(out + pos);
		if (pos + 2 >= outlen)
			break;
		memcpy(out + pos, "=", 2);
		pos++;
		(void)mktext_escape(rec->values[i].p, rec->values[i].len,
		    out + pos, outlen - pos);
		pos += strlen(out + pos);
	}
}

static int
send_record(struct sender *sd, const struct logrec *rec)
{
	struct mkbuf *b = sd->s->out;
	uint64_t created = rec->wall_us > 0 ?
	    (uint64_t)(rec->wall_us / US_PER_S) : 0;
	int r;

	format_fields(rec, sd->fields, sizeof(sd->fields));
	if ((r = mkmsg_start(b, MSG_ENTRY)) != 0 ||
	    (r = mkmsg_add_u64(b, F_SEQ, rec->seq)) != 0 ||
	    (r = mkmsg_add_str(b, F_STATE, "ok")) != 0 ||
	    (r = mkmsg_add_u64(b, F_CREATED, created)) != 0 ||
	    (r = mkmsg_add_str(b, F_LEVEL,
	    logops_level_token(rec->severity))) != 0 ||
	    (r = mkmsg_add_str(b, F_USER, esc(&rec->actor, sd->actor,
	    sizeof(sd->actor)))) != 0 ||
	    (r = mkmsg_add_str(b, F_ROLE, esc(&rec->role, sd->role,
	    sizeof(sd->role)))) != 0 ||
	    (r = mkmsg_add_str(b, F_EVENT, esc(&rec->event, sd->event,
	    sizeof(sd->event)))) != 0 ||
	    (r = mkmsg_add_str(b, F_OBJECT, esc(&rec->object, sd->object,
	    sizeof(sd->object)))) != 0 ||
	    (r = mkmsg_add_str(b, F_MESSAGE, sd->fields)) != 0)
		return r;
	return mkproto_send(sd->s->fd, b);
}

/* Records that cannot be read are shown, never skipped: a gap in the log
 * is itself what an inspector must see. */
static int
send_damaged(struct sender *sd, const struct logidx_item *it)
{
	struct mkbuf *b = sd->s->out;
	char msg[320];
	int r;

	/* Display text: a reason cut short still says what it is. */
	if (snprintf(msg, sizeof(msg), "record%s %" PRIu64 "..%" PRIu64
	    " cannot be read: %s, byte offset %" PRIu64 ": %s",
	    it->count > 1 ? "s" : "", it->seq, it->seq + it->count - 1,
	    it->file[0] != '\0' ? it->file : "-", it->offset, it->reason) < 0)
		msg[0] = '\0';
	if ((r = mkmsg_start(b, MSG_ENTRY)) != 0 ||
	    (r = mkmsg_add_u64(b, F_SEQ, it->seq)) != 0 ||
	    (r = mkmsg_add_str(b, F_STATE, "damaged")) != 0 ||
	    (r = mkmsg_add_u64(b, F_COUNT, it->count)) != 0 ||
	    (r = mkmsg_add_u64(b, F_CREATED, 0)) != 0 ||
	    (r = mkmsg_add_str(b, F_LEVEL, "cao")) != 0 ||
	    (r = mkmsg_add_str(b, F_USER, "-")) != 0 ||
	    (r = mkmsg_add_str(b, F_ROLE, "-")) != 0 ||
	    (r = mkmsg_add_str(b, F_EVENT, "log.damaged")) != 0 ||
	    (r = mkmsg_add_str(b, F_OBJECT, it->file)) != 0 ||
	    (r = mkmsg_add_str(b, F_MESSAGE, msg)) != 0)
		return r;
	return mkproto_send(sd->s->fd, b);
}

static int
send_item(const struct logidx_item *it, void *arg)
{
	struct sender *sd = arg;

	sd->err = it->kind == LOGIDX_RECORD ? send_record(sd, it->rec) :
	    send_damaged(sd, it);
	return sd->err;
}

static int
send_end(struct session *s, uint64_t head, const struct logidx_page *pg)
{
	int r;

	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (pg->more && (r = mkmsg_add_u64(s->out, F_CURSOR,
	    pg->next)) != 0) ||
	    (r = mkmsg_add_u64(s->out, F_TOTAL, head + 1)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_SCANNED, pg->examined)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}

int
h_log_query(struct session *s, const struct mkmsg *m)
{
	struct request *rq = NULL;
	struct sender *sd = NULL;
	struct logidx_page pg;
	struct logidx *ix = NULL;
	const char *why = NULL;
	uint64_t head = 0;
	int r;

	if (!s->authed)
		return reply_err(s, MK_ERR_DENIED, "log in as a supervisor, "
		    "an IT officer or an inspector to read the log");
	if (!logops_may_read(s->acct.roles))
		return reply_err(s, MK_ERR_DENIED, "only supervisors, IT "
		    "officers and inspectors read the log");
	if ((rq = calloc(1, sizeof(*rq))) == NULL ||
	    (sd = calloc(1, sizeof(*sd))) == NULL) {
		r = reply_err(s, MK_ERR_ALLOC, NULL);
		goto out;
	}
	if ((r = parse_order(m, rq, &why)) != 0 ||
	    (r = parse_filters(m, rq, &why)) != 0) {
		r = reply_err(s, r, why);
		goto out;
	}
	if ((r = begin(s, rq, &ix, &head)) != 0) {
		r = reply_err(s, r, NULL);
		goto out;
	}
	sd->s = s;
	r = logidx_query(ix, head, &rq->q, send_item, sd, &pg);
	if (sd->err != 0)
		r = sd->err;	/* the client is gone: end the session */
	else if (r != 0)
		r = reply_err(s, r, "the log directory cannot be read");
	else
		r = send_end(s, head, &pg);
 out:
	free(rq);
	free(sd);
	return r;
}
