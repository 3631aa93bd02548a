/*
 * Document requests: import, list, view (cat) and delete. Each is recorded
 * in the audit log before it is carried out, and its outcome after; if the
 * intent cannot be recorded, nothing is done.
 *
 * The log is authenticated, not encrypted, and travels to the inspector:
 * it names documents by id, classification and hash, never by title (the
 * title of a secret document may itself be secret; it is stored encrypted
 * in the document).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/proto.h"
#include "common/text.h"
#include "crypto/cry.h"
#include "daemon.h"
#include "handlers.h"
#include "vault.h"


/* Refuses document work in lockdown, with the reason. */
static int
check_lockdown(struct session *s)
{
	char msg[320];
	int locked;

	pthread_mutex_lock(&s->d->lock);
	locked = s->d->lockdown;
	if (snprintf(msg, sizeof(msg), "machine in lockdown: %s; a supervisor "
	    "must clear it", s->d->lockdown_reason) < 0)
		msg[0] = '\0';
	pthread_mutex_unlock(&s->d->lock);
	if (!locked)
		return 0;
	return reply_err(s, MK_ERR_LOCKED, msg) == 0 ? MK_ERR_DENIED :
	    MK_ERR_CLOSED;
}

static int
check_doc_access(struct session *s)
{
	int r;

	if ((r = check_lockdown(s)) != 0)
		return r;
	if (!s->authed)
		return reply_err(s, MK_ERR_DENIED, "log in first") == 0 ?
		    MK_ERR_DENIED : MK_ERR_CLOSED;
	if (policy_may(s->acct.roles, ACT_DOC_READ) != MAY_YES)
		return reply_err(s, MK_ERR_DENIED,
		    "this account's roles give no access to documents") == 0 ?
		    MK_ERR_DENIED : MK_ERR_CLOSED;
	if (session_key_get(s) == NULL)
		return reply_err(s, MK_ERR_LOCKED, s->acct.flags &
		    ACCOUNT_KEY_PENDING ? "this account's vault key is not "
		    "granted yet: it is, at the next login of a supervisor" :
		    "this session holds no vault key (wiped by a lockdown or "
		    "a key rotation): log in again") == 0 ? MK_ERR_DENIED :
		    MK_ERR_CLOSED;
	session_key_put(s);
	return 0;
}

struct cancel {
	struct daemon	*d;
	unsigned	 gen;
};

/* Long work stops as soon as a lockdown happens. */
static int
cancelled(void *arg)
{
	struct cancel *c = arg;

	return atomic_load(&c->d->gen) != c->gen;
}

/* Maps check_doc_access's result to the handler's return value. */
static int
refused(int r)
{
	return r == MK_ERR_DENIED ? 0 : r;
}

static uint8_t
severity_for_read_error(int err)
{
	switch (err) {
	case MK_ERR_AUTH:
	case MK_ERR_TRUNCATED:
	case MK_ERR_TRAILING:
	case MK_ERR_FORMAT:
	case MK_ERR_VERSION:
		/* A vault document that does not verify has been altered. */
		return LOG_SEV_CAO;
	default:
		return LOG_SEV_THAP;
	}
}

static int
send_data(struct session *s, const uint8_t *p, size_t n)
{
	int r;

	if ((r = mkmsg_start(s->out, MSG_DATA)) != 0 ||
	    (r = mkmsg_add(s->out, F_DATA, p, n)) != 0)
		return r;
	r = mkproto_send(s->fd, s->out);
	/* The frame held plaintext. */
	mkbuf_reset(s->out);
	return r;
}

static int
import_params(struct session *s, const struct mkmsg *m, int *cls,
    struct docfmt_meta *meta)
{
	char token[16];

	memset(meta, 0, sizeof(*meta));
	if (mkmsg_str(m, F_CLASS, token, sizeof(token)) != 0 ||
	    (*cls = docfmt_class_parse(token)) == 0)
		return reply_err(s, MK_ERR_USAGE,
		    "classification must be mat, toi-mat or tuyet-mat");
	if (mkmsg_str(m, F_TITLE, meta->title, sizeof(meta->title)) != 0 ||
	    !mktext_is_clean(meta->title, strlen(meta->title)))
		return reply_err(s, MK_ERR_USAGE, "title missing, too long "
		    "or holding control characters");
	snprintf(meta->author, sizeof(meta->author), "%s", s->acct.name);
	meta->created = (int64_t)time(NULL);
	return MK_OK;
}

/* Reads DATA frames until END, storing them while no error occurred; an
 * error does not end the stream early, so the client always gets its
 * answer in order. */
static int
import_stream(struct session *s, struct vault_import **imp, int *store_err,
    struct cancel *cx)
{
	const struct mkfield *f;
	struct mkmsg m;
	int r;

	*store_err = 0;
	for (;;) {
		if ((r = mkproto_recv(s->fd, s->in, &m,
		    PROTO_FRAME_TIMEOUT_MS)) != 0)
			return r == MK_ERR_CLOSED ? MK_ERR_TRUNCATED : r;
		if (m.type == MSG_END)
			return 0;
		if (m.type != MSG_DATA || (f = mkmsg_get(&m, F_DATA)) == NULL ||
		    f->len > PROTO_DATA_MAX)
			return MK_ERR_PROTOCOL;
		if (*store_err == 0 && cancelled(cx)) {
			/* Drop the data key now, not at the end of the
			 * stream. */
			vault_import_abort(*imp);
			*imp = NULL;
			*store_err = MK_ERR_LOCKED;
		}
		if (*store_err == 0)
			*store_err = vault_import_write(*imp, f->p, f->len);
		mkbuf_reset(s->in);
	}
}

static int
import_outcome(struct session *s, struct vault_import *im, const char *id,
    const char *cls, int err)
{
	char size[32], hex[65];
	uint8_t sha[32];
	uint64_t n = 0;
	int r;

	if (err != 0) {
		vault_import_abort(im);
		struct logkv kv[1] = { { "error", mkerr_str(err) } };
		session_log(s, LOG_SEV_THAP, "doc.import.failed", id, 1, kv);
		return reply_err(s, err, NULL);
	}
	if ((r = vault_import_commit(im, &n, sha)) != 0) {
		struct logkv kv[1] = { { "error", mkerr_str(r) } };
		session_log(s, LOG_SEV_THAP, "doc.import.failed", id, 1, kv);
		return reply_err(s, r, NULL);
	}
	snprintf(size, sizeof(size), "%" PRIu64, n);
	mk_hex(sha, sizeof(sha), hex);
	struct logkv kv[3] = { { "class", cls }, { "size", size },
	    { "sha256", hex } };
	if (session_log(s, LOG_SEV_INFO, "doc.import", id, 3, kv) != 0) {
		/* No outcome record: the document must not exist either. */
		vault_delete(s->d->vault, id);
		return reply_err(s, MK_ERR_LOG, NULL);
	}
	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_ID, id)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_SIZE, n)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}

static int import_locked(struct session *s, int cls,
    const struct docfmt_meta *meta, struct cancel *cx);

int
h_doc_import(struct session *s, const struct mkmsg *m)
{
	struct docfmt_meta meta;
	struct cancel cx = { s->d, atomic_load(&s->d->gen) };
	int r, cls = 0;

	if ((r = check_doc_access(s)) != 0)
		return refused(r);
	if ((r = import_params(s, m, &cls, &meta)) != MK_OK)
		return r;
	/* No key rotation while a document is written under the key. */
	pthread_rwlock_rdlock(&s->d->vault_rw);
	r = import_locked(s, cls, &meta, &cx);
	pthread_rwlock_unlock(&s->d->vault_rw);
	return r;
}

static int
import_locked(struct session *s, int cls, const struct docfmt_meta *meta,
    struct cancel *cx)
{
	struct vault_import *im = NULL;
	const uint8_t *mk;
	char id[VAULT_ID_HEX + 1];
	int r, store_err;

	if ((mk = session_key_get(s)) == NULL)
		return reply_err(s, MK_ERR_LOCKED, "the vault key was wiped");
	r = vault_import_begin(s->d->vault, mk, s->key_epoch, cls, meta, &im);
	session_key_put(s);
	if (r != 0)
		return reply_err(s, r, NULL);
	snprintf(id, sizeof(id), "%s", vault_import_id(im));
	struct logkv kv[2] = { { "class", docfmt_class_token(cls) },
	    { "peer", s->peer } };
	if (session_log(s, LOG_SEV_INFO, "doc.import.begin",
	    vault_import_id(im), 2, kv) != 0) {
		vault_import_abort(im);
		return reply_err(s, MK_ERR_LOG, NULL);
	}
	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_ID, vault_import_id(im))) != 0 ||
	    (r = mkproto_send(s->fd, s->out)) != 0 ||
	    (r = import_stream(s, &im, &store_err, cx)) != 0) {
		import_outcome(s, im, id, docfmt_class_token(cls), r);
		return r;
	}
	return import_outcome(s, im, id, docfmt_class_token(cls), store_err);
}

static int
list_one(const struct vault_doc *doc, void *arg)
{
	struct session *s = arg;
	int r;

	if ((r = mkmsg_start(s->out, MSG_ENTRY)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_ID, doc->id)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_STATE, doc->err == 0 ? "ok" :
	    mkerr_str(doc->err))) != 0)
		return r;
	if (doc->err == 0 &&
	    ((r = mkmsg_add_str(s->out, F_CLASS,
	    docfmt_class_token(doc->classification))) != 0 ||
	    (r = mkmsg_add_str(s->out, F_TITLE, doc->meta.title)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_AUTHOR, doc->meta.author)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_CREATED,
	    (uint64_t)doc->meta.created)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_SIZE, doc->size)) != 0))
		return r;
	return mkproto_send(s->fd, s->out);
}

int
h_doc_list(struct session *s, const struct mkmsg *m)
{
	int r;

	(void)m;
	if ((r = check_doc_access(s)) != 0)
		return refused(r);
	struct vault_doc doc;
	const uint8_t *mk;
	char **ids = NULL;
	size_t n = 0, i;

	if (session_log(s, LOG_SEV_INFO, "doc.list", "", 0, NULL) != 0)
		return reply_err(s, MK_ERR_LOG, NULL);
	if ((r = vault_ids(s->d->vault, &ids, &n)) != 0) {
		vault_ids_free(ids, n);
		return reply_err(s, r, NULL);
	}
	for (i = 0; i < n && r == 0; i++) {
		/* The key is held for one header at a time and never across
		 * a send: a slow client must not delay a lockdown's wipe. */
		if ((mk = session_key_get(s)) == NULL) {
			r = MK_ERR_LOCKED;
			break;
		}
		doc.err = vault_describe(s->d->vault, mk, ids[i], &doc);
		session_key_put(s);
		r = list_one(&doc, s);
		mk_wipe(&doc, sizeof(doc));
	}
	vault_ids_free(ids, n);
	if (r == MK_ERR_LOCKED)
		return reply_err(s, r, "the vault key was wiped (lockdown)");
	if (r != 0)
		return r;
	return reply_ok(s);
}

/* The header is opened with the key held; the long passes run without. */
static int
open_reader(struct session *s, const char *id, struct vault_doc *doc,
    struct vault_reader **rd)
{
	const uint8_t *mk;
	int r;

	if ((mk = session_key_get(s)) == NULL)
		return MK_ERR_LOCKED;
	r = vault_read_open(s->d->vault, mk, id, doc, rd);
	session_key_put(s);
	return r;
}

static int
cat_refused(struct session *s, const char *id, int err)
{
	char msg[160];
	struct logkv kv[1] = { { "error", mkerr_str(err) } };

	uint32_t inc;

	session_log(s, severity_for_read_error(err), "doc.view.failed", id, 1,
	    kv);
	if (severity_for_read_error(err) == LOG_SEV_CAO) {
		snprintf(msg, sizeof(msg), "document %s does not verify (%s): "
		    "it has been altered or damaged; nothing was shown", id,
		    mkerr_str(err));
		/* An altered vault file is tampering: an incident (Cao). */
		pthread_mutex_lock(&s->d->lock);
		guard_incident_locked(s->d, LOG_SEV_CAO, "doc.view.failed",
		    s->acct.name, msg, &inc);
		pthread_mutex_unlock(&s->d->lock);
	} else
		snprintf(msg, sizeof(msg), "document %s: %s", id,
		    mkerr_str(err));
	return reply_err(s, err, msg);
}

static int
cat_stream(struct session *s, struct vault_reader *rd, struct cancel *cx)
{
	uint8_t *buf;
	size_t n;
	int r;

	if ((buf = cry_secure_alloc(DOCFMT_CHUNK)) == NULL)
		return MK_ERR_ALLOC;
	do {
		if (cancelled(cx)) {
			r = MK_ERR_LOCKED;
			break;
		}
		if ((r = vault_read_next(rd, buf, &n)) != 0)
			break;
		if (n > 0 && (r = send_data(s, buf, n)) != 0)
			break;
	} while (n > 0);
	cry_secure_free(buf, DOCFMT_CHUNK);
	return r;
}

int
h_doc_cat(struct session *s, const struct mkmsg *m)
{
	struct vault_reader *rd = NULL;
	struct vault_doc doc;
	struct cancel cx = { s->d, atomic_load(&s->d->gen) };
	char id[VAULT_ID_HEX + 2];
	int r;

	if ((r = check_doc_access(s)) != 0)
		return refused(r);
	if (mkmsg_str(m, F_ID, id, sizeof(id)) != 0 || !vault_id_valid(id))
		return reply_err(s, MK_ERR_USAGE, "no such document id");
	if ((r = open_reader(s, id, &doc, &rd)) != 0)
		return cat_refused(s, id, r);
	if ((r = vault_read_verify(rd, cancelled, &cx)) != 0) {
		vault_read_close(rd);
		return cat_refused(s, id, r);
	}
	struct logkv kv[1] = { { "class",
	    docfmt_class_token(doc.classification) } };
	if (session_log(s, LOG_SEV_INFO, "doc.view", id, 1, kv) != 0) {
		vault_read_close(rd);
		return reply_err(s, MK_ERR_LOG, NULL);
	}
	r = cat_stream(s, rd, &cx);
	vault_read_close(rd);
	mk_wipe(&doc, sizeof(doc));
	if (r == MK_ERR_CLOSED || r == MK_ERR_SYSTEM)
		return r;
	if (r != 0)
		return cat_refused(s, id, r);
	return reply_ok(s);
}

/*
 * Destroying a secret document is the authority's decision: a supervisor
 * may; a drafter only their own document, and only with a supervisor's
 * approval for that document (kiosk/policy.c).
 */
static int
may_delete(struct session *s, const char *id, char *why, size_t whylen)
{
	struct vault_reader *rd = NULL;
	struct vault_doc doc;
	int r;

	if (policy_may(s->acct.roles, ACT_DOC_DELETE) == MAY_YES)
		return 0;
	if ((r = open_reader(s, id, &doc, &rd)) != 0) {
		snprintf(why, whylen, "%s", mkerr_str(r));
		return r;
	}
	vault_read_close(rd);
	r = strcmp(doc.meta.author, s->acct.name);
	mk_wipe(&doc, sizeof(doc));
	if (r != 0) {
		snprintf(why, whylen, "only the author (with a supervisor's "
		    "approval) or a supervisor may delete a document");
		return MK_ERR_DENIED;
	}
	return approval_require(s, ACT_DOC_DELETE, id, 1, why, whylen);
}

int
h_doc_delete(struct session *s, const struct mkmsg *m)
{
	char id[VAULT_ID_HEX + 2], why[320];
	int r;

	if ((r = check_doc_access(s)) != 0)
		return refused(r);
	if (mkmsg_str(m, F_ID, id, sizeof(id)) != 0 || !vault_id_valid(id))
		return reply_err(s, MK_ERR_USAGE, "no such document id");
	if ((r = may_delete(s, id, why, sizeof(why))) != 0)
		return reply_err(s, r, why);
	if (session_log(s, LOG_SEV_INFO, "doc.delete.begin", id, 0,
	    NULL) != 0)
		return reply_err(s, MK_ERR_LOG, NULL);
	if ((r = vault_delete(s->d->vault, id)) != 0) {
		struct logkv kv[1] = { { "error", mkerr_str(r) } };
		session_log(s, LOG_SEV_THAP, "doc.delete.failed", id, 1, kv);
		return reply_err(s, r, NULL);
	}
	session_log(s, LOG_SEV_INFO, "doc.delete", id, 0, NULL);
	return reply_ok(s);
}
