/*
 * Repair sessions after the fact (docs/architecture.md, "Repair
 * sessions"): a supervisor ends a running one; the minutes are signed;
 * supervisors, IT officers and inspectors list, show and replay them, each
 * recording checked against its parts in the log first (kiosk/repair.h).
 * The running session itself is kiosk/repairops.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/proto.h"
#include "common/text.h"
#include "crypto/auditlog.h"
#include "crypto/cry.h"
#include "daemon.h"
#include "handlers.h"
#include "keys.h"
#include "logidx.h"
#include "policy.h"
#include "repair.h"

#define TEXT_MAX	2000	/* the minutes' texts (a log string is 4096) */

/* Text a person typed for the minutes: valid UTF-8, line breaks allowed,
 * no other control character. */
static int
text_ok(const char *t)
{
	const char *p = t, *nl;

	if (*t == '\0' || strlen(t) > TEXT_MAX)
		return 0;
	for (;;) {
		nl = strchr(p, '\n');
		if (!mktext_is_clean(p, nl ? (size_t)(nl - p) : strlen(p)))
			return 0;
		if (nl == NULL)
			return 1;
		p = nl + 1;
	}
}

/* ---- a supervisor ends it; the minutes signed ---- */

static int
may_supervise(struct session *s)
{
	return s->authed && policy_may(s->acct.roles, ACT_APPROVE) == MAY_YES;
}

int
h_repair_end(struct session *s, const struct mkmsg *m)
{
	char id[16];
	uint64_t seq;
	int r;

	if (!may_supervise(s))
		return reply_err(s, MK_ERR_DENIED, "only a supervisor, logged "
		    "in, ends a repair session");
	if (mkmsg_u64(m, F_SEQ, &seq) != 0 || seq > UINT32_MAX)
		return reply_err(s, MK_ERR_USAGE, "which session?");
	snprintf(id, sizeof(id), "%" PRIu64, seq);
	if (seq == 0 || repair_live_id() != seq)
		return reply_err(s, MK_ERR_NOT_FOUND, "no such repair session "
		    "is running");
	/* Logged before it is asked: the session ends within POLL_MS. */
	if (session_log(s, LOG_SEV_INFO, "repair.end-request", id, 0,
	    NULL) != 0)
		return reply_err(s, MK_ERR_LOG, NULL);
	if ((r = repair_end_request((uint32_t)seq, s->acct.name)) != 0)
		return reply_err(s, r, "the session has just ended");
	return reply_ok(s);
}

/* The repair minutes (biên bản sửa chữa), as signed. */
static int
minutes_text(const struct repair_info *ri, const char *signer, int64_t now,
    const char *work, const char *account, char *out, size_t outlen)
{
	char t0[40], t1[40], t2[40];
	int n;

	policy_format_time(ri->started, t0, sizeof(t0));
	policy_format_time(ri->ended, t1, sizeof(t1));
	policy_format_time(now, t2, sizeof(t2));
	n = snprintf(out, outlen, "BIÊN BẢN SỬA CHỮA / REPAIR MINUTES\n"
	    "Phiên / session: %" PRIu32 "\n"
	    "Thủ trưởng giám sát / supervisor: %s\n"
	    "Kỹ thuật viên / technician: %s\n"
	    "Lý do / reason: %s\n"
	    "Bắt đầu / started: %s\n"
	    "Kết thúc / ended: %s (%s)\n"
	    "Bản ghi / recording: %" PRIu32 ".cast, %" PRIu64 " bytes, %"
	    PRIu64 " parts, sha256 %s\n"
	    "Công việc đã làm / work done:\n%s\n"
	    "Tường trình của kỹ thuật viên / the technician's account:\n%s\n"
	    "Ký xác nhận / signed off by: %s, %s\n", ri->id, ri->sup,
	    ri->tech, ri->reason, t0, t1, ri->end, ri->id, ri->size,
	    ri->parts, ri->sha, work, account, signer, t2);
	return n < 0 || (size_t)n >= outlen ? MK_ERR_TOO_LARGE : 0;
}

struct signoff {
	uint64_t	seq;
	char		user[ACCOUNT_NAME_MAX + 1];
	char		work[TEXT_MAX + 1];
	char		account[TEXT_MAX + 1];
	char		minutes[3 * TEXT_MAX + 2048];
};

static int
signoff_check(struct session *s, const struct mkmsg *m, struct signoff *so,
    struct repair_info *ri, char *why, size_t whylen)
{
	int r;

	if (mkmsg_u64(m, F_SEQ, &so->seq) != 0 || so->seq > UINT32_MAX ||
	    mkmsg_str(m, F_USER, so->user, sizeof(so->user)) != 0 ||
	    mkmsg_str(m, F_WORK, so->work, sizeof(so->work)) != 0 ||
	    mkmsg_str(m, F_TECH_ACCOUNT, so->account,
	    sizeof(so->account)) != 0 || !text_ok(so->work) ||
	    !text_ok(so->account)) {
		snprintf(why, whylen, "the minutes need the session, what was "
		    "done and the technician's account (text, at most %d "
		    "bytes each)", TEXT_MAX);
		return MK_ERR_USAGE;
	}
	if ((r = repair_info_load(s->d->sd.root, (uint32_t)so->seq, ri)) != 0) {
		snprintf(why, whylen, "no such repair session");
		return MK_ERR_NOT_FOUND;
	}
	if (ri->end[0] == '\0') {
		snprintf(why, whylen, "the session has not ended");
		return MK_ERR_ORDER;
	}
	if (ri->signed_by[0] != '\0') {
		snprintf(why, whylen, "the minutes were signed by %s already",
		    ri->signed_by);
		return MK_ERR_EXISTS;
	}
	if (strcmp(so->user, ri->sup) != 0) {
		snprintf(why, whylen, "the minutes are signed by the supervisor "
		    "who unlocked the session, %s", ri->sup);
		return MK_ERR_DENIED;
	}
	return repair_check_person(s, m, F_USER, F_PASSWORD, ACT_APPROVE, MAY_YES,
	    why, whylen);
}

int
h_repair_signoff(struct session *s, const struct mkmsg *m)
{
	char why[320], id[16], path[STATEDIR_PATH_MAX + 64];
	char hex[2 * REPAIR_HASH_LEN + 1];
	uint8_t h[REPAIR_HASH_LEN];
	struct signoff *so;
	struct repair_info ri;
	int64_t now = daemon_now();
	int r;

	if ((so = calloc(1, sizeof(*so))) == NULL)
		return reply_err(s, MK_ERR_ALLOC, NULL);
	if ((r = signoff_check(s, m, so, &ri, why, sizeof(why))) != 0 ||
	    (r = minutes_text(&ri, so->user, now, so->work, so->account,
	    so->minutes, sizeof(so->minutes))) != 0) {
		r = reply_err(s, r, r == MK_ERR_TOO_LARGE ? NULL : why);
		goto out;
	}
	cry_sha256(so->minutes, strlen(so->minutes), h);
	mk_hex(h, sizeof(h), hex);
	snprintf(id, sizeof(id), "%" PRIu32, ri.id);
	struct logkv kv[4] = { { "work", so->work },
	    { "technician-account", so->account },
	    { "recording-sha256", ri.sha }, { "minutes-sha256", hex } };
	/* The log holds the minutes' texts: the file is a copy. */
	if ((r = daemon_log(s->d, LOG_SEV_INFO, so->user, "supervisor",
	    "repair.signoff", id, 4, kv)) != 0) {
		r = reply_err(s, MK_ERR_LOG, NULL);
		goto out;
	}
	snprintf(ri.signed_by, sizeof(ri.signed_by), "%s", so->user);
	ri.signed_at = now;
	snprintf(ri.minutes_sha, sizeof(ri.minutes_sha), "%s", hex);
	if ((r = repair_file(s->d->sd.root, ri.id, "minutes", path, sizeof(path))) != 0 ||
	    (r = mkfs_atomic_write(path, so->minutes, strlen(so->minutes),
	    0600)) != 0 || (r = repair_info_save(s->d->sd.root, &ri)) != 0) {
		r = reply_err(s, r, "signed and logged, but the minutes file "
		    "could not be written");
		goto out;
	}
	if ((r = mkmsg_start(s->out, MSG_OK)) == 0 &&
	    (r = mkmsg_add_str(s->out, F_VALUE, so->minutes)) == 0)
		r = mkproto_send(s->fd, s->out);
 out:
	free(so);
	return r;
}

/* ---- reading: list, show (with the recording checked against the log),
 * play ---- */

static int
may_read(struct session *s)
{
	return s->authed && policy_may(s->acct.roles, ACT_LOG_READ) == MAY_YES;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The sessions recorded, in order (at most max). */
static size_t
list_ids(const struct daemon *d, uint32_t *ids, size_t max)
{
	char dir[STATEDIR_PATH_MAX + 64], *end;
	struct dirent *de;
	unsigned long v;
	size_t n = 0;
	DIR *dp;

	if (repair_file(d->sd.root, 0, NULL, dir, sizeof(dir)) != 0 ||
	    (dp = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(dp)) != NULL && n < max) {
		v = strtoul(de->d_name, &end, 10);
		if (end != de->d_name && strcmp(end, ".info") == 0 &&
		    v > 0 && v <= UINT32_MAX)
			ids[n++] = (uint32_t)v;
	}
	closedir(dp);
	qsort(ids, n, sizeof(*ids), cmp_u32);
	return n;
}

static const char *
state_of(const struct repair_info *ri, char *buf, size_t len)
{
	if (repair_live_id() == ri->id)
		snprintf(buf, len, "running");
	else if (ri->end[0] == '\0')
		snprintf(buf, len, "interrupted");
	else
		snprintf(buf, len, "%s%s", ri->end, ri->signed_by[0] ?
		    ",signed" : "");
	return buf;
}

static int
send_info(struct session *s, const struct repair_info *ri)
{
	char state[48];
	int r;

	if ((r = mkmsg_start(s->out, MSG_ENTRY)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_SEQ, ri->id)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_STATE, state_of(ri, state,
	    sizeof(state)))) != 0 ||
	    (r = mkmsg_add_str(s->out, F_SUPERVISOR, ri->sup)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_TECH, ri->tech)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_CREATED, (uint64_t)ri->started)) ||
	    (r = mkmsg_add_str(s->out, F_REPAIR_REASON, ri->reason)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_SIZE, ri->size)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}

int
h_repair_list(struct session *s, const struct mkmsg *m)
{
	uint32_t *ids;
	struct repair_info ri;
	size_t n, i;
	int r = 0;

	(void)m;
	if (!may_read(s))
		return reply_err(s, MK_ERR_DENIED, "supervisors, IT officers "
		    "and inspectors see repair sessions");
	if ((ids = calloc(4096, sizeof(*ids))) == NULL)
		return reply_err(s, MK_ERR_ALLOC, NULL);
	n = list_ids(s->d, ids, 4096);
	for (i = 0; i < n && r == 0; i++)
		if (repair_info_load(s->d->sd.root, ids[i], &ri) == 0)
			r = send_info(s, &ri);
	free(ids);
	return r != 0 ? r : reply_ok(s);
}

/* The parts the log holds for a session. */
struct gather {
	char			 id[16];
	struct repair_part	*v;
	size_t			 n, cap;
	int			 err;
};

static int
field_u64(const struct logrec *rec, const char *key, uint64_t *v)
{
	const struct logstr *f = logrec_field(rec, key);
	char buf[24], *end;

	if (f == NULL || f->len == 0 || f->len >= sizeof(buf))
		return MK_ERR_FORMAT;
	memcpy(buf, f->p, f->len);
	buf[f->len] = '\0';
	*v = strtoull(buf, &end, 10);
	return *end == '\0' ? 0 : MK_ERR_FORMAT;
}

static int
field_hash(const struct logrec *rec, const char *key, uint8_t *out)
{
	const struct logstr *f = logrec_field(rec, key);
	char buf[2 * REPAIR_HASH_LEN + 1];

	if (f == NULL || f->len != 2 * REPAIR_HASH_LEN)
		return MK_ERR_FORMAT;
	memcpy(buf, f->p, f->len);
	buf[f->len] = '\0';
	return mk_unhex(buf, out, REPAIR_HASH_LEN);
}

static int
gather_cb(const struct logidx_item *it, void *arg)
{
	struct gather *g = arg;
	struct repair_part *nv, pt;

	if (it->kind != LOGIDX_RECORD || !logstr_eq(&it->rec->object, g->id))
		return 0;
	if (field_u64(it->rec, "seq", &pt.seq) != 0 ||
	    field_u64(it->rec, "offset", &pt.offset) != 0 ||
	    field_u64(it->rec, "length", &pt.len) != 0 ||
	    field_hash(it->rec, "hash", pt.hash) != 0 ||
	    field_hash(it->rec, "prev", pt.prev) != 0)
		return 0;	/* not one of ours: verification will miss it */
	if (g->n == g->cap) {
		if (g->cap >= REPAIR_PARTS_MAX) {
			g->err = MK_ERR_TOO_LARGE;
			return g->err;
		}
		g->cap = g->cap ? 2 * g->cap : 64;
		if ((nv = realloc(g->v, g->cap * sizeof(*nv))) == NULL) {
			g->err = MK_ERR_ALLOC;
			return g->err;
		}
		g->v = nv;
	}
	g->v[g->n++] = pt;
	return 0;
}

static int
gather_parts(struct daemon *d, uint32_t id, struct gather *g)
{
	struct logidx_query q;
	struct logidx_page pg;
	uint64_t head = 0;
	int r = 0;

	memset(g, 0, sizeof(*g));
	snprintf(g->id, sizeof(g->id), "%" PRIu32, id);
	pthread_mutex_lock(&d->lock);
	if (!d->provisioned || d->log == NULL)
		r = MK_ERR_NOT_PROVISIONED;
	else if (d->logidx == NULL)
		r = logidx_new(d->sd.log, &d->logidx);
	if (r == 0)
		auditlog_head(d->log, &head, NULL);
	pthread_mutex_unlock(&d->lock);
	memset(&q, 0, sizeof(q));
	q.newer = 1;
	q.limit = LOGIDX_LIMIT_MAX;
	q.event = "repair.part";
	q.min_severity = LOG_SEV_INFO;
	q.from_us = INT64_MIN;
	q.to_us = INT64_MAX;
	while (r == 0) {
		r = logidx_query(d->logidx, head, &q, gather_cb, g, &pg);
		if (r != 0 || !pg.more)
			break;
		q.cursor = pg.next;
	}
	return g->err != 0 ? g->err : r;
}

/* Checks session id's recording against the log; fn gets its bytes. */
static int
verify(struct session *s, uint32_t id, repair_part_fn fn, void *arg,
    size_t *nparts, char *why, size_t whylen)
{
	char path[STATEDIR_PATH_MAX + 64];
	struct gather g;
	int fd = -1, r;

	*nparts = 0;
	if ((r = gather_parts(s->d, id, &g)) != 0) {
		snprintf(why, whylen, "the log cannot be read: %s",
		    mkerr_str(r));
		goto out;
	}
	if ((r = repair_file(s->d->sd.root, id, "cast", path, sizeof(path))) != 0 ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(why, whylen, "the recording is missing");
		r = MK_ERR_RECORDING;
		goto out;
	}
	*nparts = g.n;
	r = repair_verify(fd, id, g.v, g.n, fn, arg, why, whylen);
 out:
	if (fd >= 0)
		close(fd);
	free(g.v);
	return r;
}

static int
read_seq(struct session *s, const struct mkmsg *m, struct repair_info *ri)
{
	uint64_t seq;

	if (mkmsg_u64(m, F_SEQ, &seq) != 0 || seq == 0 || seq > UINT32_MAX)
		return MK_ERR_USAGE;
	return repair_info_load(s->d->sd.root, (uint32_t)seq, ri) == 0 ? 0 : MK_ERR_NOT_FOUND;
}

static int
viewed(struct session *s, const struct repair_info *ri, const char *how)
{
	char id[16];
	struct logkv kv[1] = { { "how", how } };

	snprintf(id, sizeof(id), "%" PRIu32, ri->id);
	return session_log(s, LOG_SEV_INFO, "repair.view", id, 1, kv);
}

static int
show_entries(struct session *s, const struct repair_info *ri, const char *check)
{
	char t[40], t2[40], buf[96], state[48];
	int r;

	policy_format_time(ri->started, t, sizeof(t));
	policy_format_time(ri->ended, t2, sizeof(t2));
	snprintf(buf, sizeof(buf), "%" PRIu64 " bytes, %" PRIu64 " parts",
	    ri->size, ri->parts);
	if ((r = add_entry(s, "state", state_of(ri, state,
	    sizeof(state)))) != 0 ||
	    (r = add_entry(s, "supervisor", ri->sup)) != 0 ||
	    (r = add_entry(s, "technician", ri->tech)) != 0 ||
	    (r = add_entry(s, "reason", ri->reason)) != 0 ||
	    (r = add_entry(s, "started", t)) != 0 ||
	    (r = add_entry(s, "ended", ri->end[0] ? t2 : "-")) != 0 ||
	    (r = add_entry(s, "recording", ri->end[0] ? buf : "-")) != 0 ||
	    (r = add_entry(s, "sha256", ri->sha[0] ? ri->sha : "-")) != 0 ||
	    (r = add_entry(s, "verified", check)) != 0 ||
	    (r = add_entry(s, "signed-by", ri->signed_by[0] ? ri->signed_by :
	    "-")) != 0)
		return r;
	return 0;
}

int
h_repair_show(struct session *s, const struct mkmsg *m)
{
	char why[320], check[400], path[STATEDIR_PATH_MAX + 64];
	struct mkbuf *minutes = NULL;
	struct repair_info ri;
	size_t n;
	int r;

	if (!may_read(s))
		return reply_err(s, MK_ERR_DENIED, "supervisors, IT officers "
		    "and inspectors see repair sessions");
	if ((r = read_seq(s, m, &ri)) != 0)
		return reply_err(s, r, "no such repair session");
	if (viewed(s, &ri, "show") != 0)
		return reply_err(s, MK_ERR_LOG, NULL);
	if ((r = verify(s, ri.id, NULL, NULL, &n, why, sizeof(why))) == 0)
		snprintf(check, sizeof(check), "ok: %zu parts match the log",
		    n);
	else
		snprintf(check, sizeof(check), "FAILED: %s", why);
	if ((r = show_entries(s, &ri, check)) != 0)
		return r;
	if (ri.signed_by[0] != '\0' && repair_file(s->d->sd.root, ri.id, "minutes", path,
	    sizeof(path)) == 0 && mkfs_read_file(path, 3 * TEXT_MAX + 2048,
	    &minutes) == 0 && mkbuf_put_u8(minutes, 0) == 0)
		r = add_entry(s, "minutes", (const char *)mkbuf_ptr(minutes));
	mkbuf_free(minutes);
	return r != 0 ? r : reply_ok(s);
}

/* Play: the recording goes out part by part as each checks out. */
struct player {
	struct session	*s;
};

static int
play_part(const uint8_t *p, size_t len, void *arg)
{
	struct player *pl = arg;
	size_t off, k;
	int r;

	for (off = 0; off < len; off += k) {
		k = len - off > PROTO_DATA_MAX ? PROTO_DATA_MAX : len - off;
		if ((r = mkmsg_start(pl->s->out, MSG_DATA)) != 0 ||
		    (r = mkmsg_add(pl->s->out, F_DATA, p + off, k)) != 0 ||
		    (r = mkproto_send(pl->s->fd, pl->s->out)) != 0)
			return r;
	}
	return 0;
}

int
h_repair_play(struct session *s, const struct mkmsg *m)
{
	struct player pl = { s };
	char why[320];
	struct repair_info ri;
	size_t n;
	int r;

	if (!may_read(s))
		return reply_err(s, MK_ERR_DENIED, "supervisors, IT officers "
		    "and inspectors replay repair sessions");
	if ((r = read_seq(s, m, &ri)) != 0)
		return reply_err(s, r, "no such repair session");
	/* Checked whole before a byte is shown, then again as it goes. */
	if ((r = verify(s, ri.id, NULL, NULL, &n, why, sizeof(why))) != 0)
		return reply_err(s, r, why);
	if (viewed(s, &ri, "play") != 0)
		return reply_err(s, MK_ERR_LOG, NULL);
	r = verify(s, ri.id, play_part, &pl, &n, why, sizeof(why));
	if (r == MK_ERR_RECORDING)
		return reply_err(s, r, why);
	return r != 0 ? r : reply_ok(s);
}
