/*
 * The canonical encoding of one audit-log record and the framing around it
 * (docs/formats.md, audit log). Encoding and parsing are strict mirror images: a
 * body that parses re-encodes to the same bytes, so there is exactly one
 * byte string per record and the MAC covers exactly what was parsed.
 */
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>

#include "common/buf.h"
#include "common/err.h"
#include "cry.h"
#include "logrec.h"

#define SEGHDR_MAGIC	LOGREC_SEGHDR_MAGIC
#define TRAILER_MAGIC	LOGREC_TRAILER_MAGIC
#define MAGIC_LEN	LOGREC_MAGIC_LEN
#define SEGHDR_VERSION	1
#define KEY_LABEL	"matkiosk log key v1"
#define CKPT_LABEL	"matkiosk log checkpoint v1"

struct logmac {
	gcry_mac_hd_t	h;
	int		secure;
};

static int
check_str(const char *s)
{
	if (s != NULL && strlen(s) > LOGREC_STR_MAX)
		return MK_ERR_TOO_LARGE;
	return 0;
}

static int
is_seal_name(const char *s)
{
	return s != NULL && strcmp(s, LOGREC_SEAL_EVENT) == 0;
}

/* Everything a parser would reject is refused here too, so the writer can
 * never produce a record the verifier calls malformed. */
static int
check_event(uint8_t kind, const struct logev *ev)
{
	size_t i;
	int r;

	if (ev == NULL || kind > LOGREC_SEAL || ev->severity > LOG_SEV_KHAN_CAP ||
	    ev->nfields > LOGREC_FIELDS_MAX ||
	    (ev->nfields > 0 && ev->fields == NULL))
		return MK_ERR_ARGUMENT;
	/* "log.seal" names seals and nothing else (see logrec_parse). */
	if ((kind == LOGREC_SEAL) != is_seal_name(ev->event))
		return MK_ERR_ARGUMENT;
	if ((r = check_str(ev->actor)) != 0 || (r = check_str(ev->role)) != 0 ||
	    (r = check_str(ev->event)) != 0 || (r = check_str(ev->object)) != 0)
		return r;
	for (i = 0; i < ev->nfields; i++) {
		if ((r = check_str(ev->fields[i].key)) != 0 ||
		    (r = check_str(ev->fields[i].value)) != 0)
			return r;
	}
	return 0;
}

static int
put_strings(struct mkbuf *out, const struct logev *ev)
{
	size_t i;
	int r;

	if ((r = mkbuf_put_cstr(out, ev->actor)) != 0 ||
	    (r = mkbuf_put_cstr(out, ev->role)) != 0 ||
	    (r = mkbuf_put_cstr(out, ev->event)) != 0 ||
	    (r = mkbuf_put_cstr(out, ev->object)) != 0 ||
	    (r = mkbuf_put_u8(out, (uint8_t)ev->nfields)) != 0)
		return r;
	for (i = 0; i < ev->nfields; i++) {
		if ((r = mkbuf_put_cstr(out, ev->fields[i].key)) != 0 ||
		    (r = mkbuf_put_cstr(out, ev->fields[i].value)) != 0)
			return r;
	}
	return 0;
}

int
logrec_encode(struct mkbuf *out, uint8_t kind, uint64_t seq, uint32_t epoch,
    int64_t wall_us, uint64_t mono_us,
    const uint8_t boot_id[LOGREC_BOOT_ID_LEN], const struct logev *ev)
{
	size_t start = mkbuf_len(out);
	int r;

	if ((r = check_event(kind, ev)) != 0)
		return r;
	if ((r = mkbuf_put_u8(out, LOGREC_VERSION)) != 0 ||
	    (r = mkbuf_put_u8(out, kind)) != 0 ||
	    (r = mkbuf_put_u64(out, seq)) != 0 ||
	    (r = mkbuf_put_u32(out, epoch)) != 0 ||
	    (r = mkbuf_put_u64(out, (uint64_t)wall_us)) != 0 ||
	    (r = mkbuf_put_u64(out, mono_us)) != 0 ||
	    (r = mkbuf_put(out, boot_id, LOGREC_BOOT_ID_LEN)) != 0 ||
	    (r = mkbuf_put_u8(out, ev->severity)) != 0 ||
	    (r = put_strings(out, ev)) != 0)
		goto out;
	if (mkbuf_len(out) - start > LOGREC_BODY_MAX)
		r = MK_ERR_TOO_LARGE;
 out:
	if (r != 0)
		mkbuf_truncate(out, start);
	return r;
}

/*
 * The parser reads through a bounds-checked cursor of its own rather than
 * common/buf.h's mkrd: it runs once per record in the verifier, whose speed
 * is measured against raw HMAC, and the calls across files were a third of
 * its time. Every read still checks what is left first.
 */
struct cur {
	const uint8_t	*p;
	size_t		 left;
};

static inline int
cur_str(struct cur *c, struct logstr *s)
{
	size_t n;

	if (c->left < 2)
		return MK_ERR_TRUNCATED;
	n = (size_t)c->p[0] << 8 | c->p[1];
	if (n > LOGREC_STR_MAX)
		return MK_ERR_TOO_LARGE;
	if (c->left - 2 < n)
		return MK_ERR_TRUNCATED;
	s->p = c->p + 2;
	s->len = n;
	c->p += 2 + n;
	c->left -= 2 + n;
	return 0;
}

/* version, kind, seq, epoch, wall, mono, boot id, severity */
#define FIXED_LEN	(1 + 1 + 8 + 4 + 8 + 8 + LOGREC_BOOT_ID_LEN + 1)

static int
parse_fixed(struct cur *c, struct logrec *rec)
{
	const uint8_t *p = c->p;

	if (c->left < FIXED_LEN)
		return MK_ERR_TRUNCATED;
	if (p[0] != LOGREC_VERSION)
		return MK_ERR_VERSION;
	rec->kind = p[1];
	rec->seq = mk_get_be64(p + 2);
	rec->epoch = mk_get_be32(p + 10);
	rec->wall_us = (int64_t)mk_get_be64(p + 14);
	rec->mono_us = mk_get_be64(p + 22);
	memcpy(rec->boot_id, p + 30, LOGREC_BOOT_ID_LEN);
	rec->severity = p[30 + LOGREC_BOOT_ID_LEN];
	if (rec->kind > LOGREC_SEAL || rec->severity > LOG_SEV_KHAN_CAP)
		return MK_ERR_FORMAT;
	c->p += FIXED_LEN;
	c->left -= FIXED_LEN;
	return 0;
}

static int
parse_strings(struct cur *c, struct logrec *rec)
{
	size_t i, n;
	int r;

	if ((r = cur_str(c, &rec->actor)) != 0 ||
	    (r = cur_str(c, &rec->role)) != 0 ||
	    (r = cur_str(c, &rec->event)) != 0 ||
	    (r = cur_str(c, &rec->object)) != 0)
		return r;
	if (c->left < 1)
		return MK_ERR_TRUNCATED;
	n = c->p[0];
	c->p++;
	c->left--;
	if (n > LOGREC_FIELDS_MAX)
		return MK_ERR_TOO_LARGE;
	for (i = 0; i < n; i++) {
		if ((r = cur_str(c, &rec->keys[i])) != 0 ||
		    (r = cur_str(c, &rec->values[i])) != 0)
			return r;
	}
	rec->nfields = n;
	return 0;
}

int
logrec_parse(const uint8_t *body, size_t len, struct logrec *rec)
{
	struct cur c = { body, len };
	int r;

	rec->nfields = 0;
	if (len > LOGREC_BODY_MAX)
		return MK_ERR_TOO_LARGE;
	if ((r = parse_fixed(&c, rec)) != 0 ||
	    (r = parse_strings(&c, rec)) != 0)
		goto out;
	if (c.left != 0) {
		r = MK_ERR_TRAILING;
		goto out;
	}
	/* A seal changes the key for everything after it, so nothing else may
	 * look like one to a reader of the log. */
	if ((rec->kind == LOGREC_SEAL) !=
	    logstr_eq(&rec->event, LOGREC_SEAL_EVENT))
		r = MK_ERR_FORMAT;
 out:
	if (r != 0)
		rec->nfields = 0;
	return r;
}

int
logstr_eq(const struct logstr *s, const char *c)
{
	size_t n = strlen(c);

	return s->len == n && (n == 0 || memcmp(s->p, c, n) == 0);
}

const struct logstr *
logrec_field(const struct logrec *rec, const char *key)
{
	size_t i;

	for (i = 0; i < rec->nfields && i < LOGREC_FIELDS_MAX; i++) {
		if (logstr_eq(&rec->keys[i], key))
			return &rec->values[i];
	}
	return NULL;
}

const char *
logrec_severity_name(uint8_t severity)
{
	static const char *const names[] = {
		"Thông tin", "Thấp", "Trung bình", "Cao", "Khẩn cấp",
	};

	return severity <= LOG_SEV_KHAN_CAP ? names[severity] : "?";
}

const char *
logrec_severity_name_en(uint8_t severity)
{
	static const char *const names[] = {
		"info", "low", "medium", "high", "emergency",
	};

	return severity <= LOG_SEV_KHAN_CAP ? names[severity] : "?";
}

int
logrec_segment_name(const char *name, uint32_t *segno)
{
	uint32_t v = 0;
	size_t i;

	*segno = 0;
	if (strlen(name) != 12 || strcmp(name + 8, ".seg") != 0)
		return 0;
	for (i = 0; i < 8; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		v = v * 10 + (uint32_t)(name[i] - '0');
	}
	*segno = v;
	return v > 0;
}

void
logrec_seghdr_encode(uint8_t out[LOGREC_SEGHDR_LEN], uint32_t segno,
    uint64_t first_seq)
{
	memset(out, 0, LOGREC_SEGHDR_LEN);
	memcpy(out, SEGHDR_MAGIC, MAGIC_LEN);
	mk_put_be16(out + 8, SEGHDR_VERSION);
	mk_put_be32(out + 12, segno);
	mk_put_be64(out + 16, first_seq);
}

int
logrec_seghdr_parse(const uint8_t *p, size_t len, uint32_t *segno,
    uint64_t *first_seq)
{
	size_t i;

	*segno = 0;
	*first_seq = 0;
	if (len < LOGREC_SEGHDR_LEN)
		return MK_ERR_TRUNCATED;
	if (memcmp(p, SEGHDR_MAGIC, MAGIC_LEN) != 0)
		return MK_ERR_FORMAT;
	if (mk_get_be16(p + 8) != SEGHDR_VERSION)
		return MK_ERR_VERSION;
	/* Reserved bytes must be zero so that a later version can use them
	 * and be told apart. */
	for (i = 24; i < LOGREC_SEGHDR_LEN; i++)
		if (p[i] != 0)
			return MK_ERR_FORMAT;
	if (p[10] != 0 || p[11] != 0)
		return MK_ERR_FORMAT;
	*segno = mk_get_be32(p + 12);
	*first_seq = mk_get_be64(p + 16);
	return 0;
}

void
logrec_trailer_encode(uint8_t out[LOGREC_TRAILER_LEN],
    const struct logtrailer *t)
{
	memcpy(out, TRAILER_MAGIC, MAGIC_LEN);
	mk_put_be64(out + 8, t->last_seq);
	memcpy(out + 16, t->mac, LOGREC_MAC_LEN);
	memcpy(out + 48, t->sig, LOGREC_SIG_LEN);
}

int
logrec_trailer_parse(const uint8_t *p, size_t len, struct logtrailer *t)
{
	if (len < LOGREC_TRAILER_LEN)
		return MK_ERR_TRUNCATED;
	if (memcmp(p, TRAILER_MAGIC, MAGIC_LEN) != 0)
		return MK_ERR_FORMAT;
	t->last_seq = mk_get_be64(p + 8);
	memcpy(t->mac, p + 16, LOGREC_MAC_LEN);
	memcpy(t->sig, p + 48, LOGREC_SIG_LEN);
	return 0;
}

void
logrec_checkpoint_msg(uint8_t out[LOGREC_CKPT_MSG_LEN], uint32_t segno,
    uint64_t last_seq, const uint8_t mac[LOGREC_MAC_LEN])
{
	size_t n = sizeof(CKPT_LABEL) - 1;

	memcpy(out, CKPT_LABEL, n);
	mk_put_be32(out + n, segno);
	mk_put_be64(out + n + 4, last_seq);
	memcpy(out + n + 12, mac, LOGREC_MAC_LEN);
}

int
logrec_frame(const uint8_t *p, size_t left, size_t *itemlen)
{
	uint32_t len;

	*itemlen = 0;
	/* The trailer magic read as a length is far above LOGREC_BODY_MAX, so
	 * the two can never be confused. */
	if (left >= MAGIC_LEN && memcmp(p, TRAILER_MAGIC, MAGIC_LEN) == 0) {
		*itemlen = LOGREC_TRAILER_LEN;
		return left < LOGREC_TRAILER_LEN ? MK_ERR_TRUNCATED :
		    LOGREC_ITEM_TRAILER;
	}
	if (left < 4)
		return MK_ERR_TRUNCATED;
	len = mk_get_be32(p);
	if (len < LOGREC_BODY_MIN || len > LOGREC_BODY_MAX)
		return MK_ERR_FORMAT;
	*itemlen = (size_t)len + LOGREC_FRAME_OVERHEAD;
	return left < *itemlen ? MK_ERR_TRUNCATED : LOGREC_ITEM_RECORD;
}

int
logrec_next_key(const uint8_t k[LOGREC_KEY_LEN], uint8_t next[LOGREC_KEY_LEN])
{
	gcry_buffer_t iov[2];
	uint8_t d[LOGREC_KEY_LEN];
	gcry_error_t e;

	/* One call, no handle: opening a hash handle makes libgcrypt poll
	 * for entropy once its RNG is in use, which made the verifier 30%
	 * slower in the daemon. libgcrypt burns the stack of its SHA-256. */
	memset(iov, 0, sizeof(iov));
	iov[0].data = (void *)KEY_LABEL;
	iov[0].len = sizeof(KEY_LABEL) - 1;
	iov[1].data = (void *)k;
	iov[1].len = LOGREC_KEY_LEN;
	if ((e = gcry_md_hash_buffers(GCRY_MD_SHA256, 0, d, iov, 2)) != 0)
		return cry_err(e);
	/* memcpy from a copy: next may alias k. */
	memcpy(next, d, LOGREC_KEY_LEN);
	mk_wipe(d, sizeof(d));
	return 0;
}

static int
logmac_open(struct logmac *m, const uint8_t key[LOGREC_KEY_LEN])
{
	gcry_error_t e;

	if ((e = gcry_mac_open(&m->h, GCRY_MAC_HMAC_SHA256,
	    m->secure ? GCRY_MAC_FLAG_SECURE : 0, NULL)) != 0) {
		m->h = NULL;
		return cry_err(e);
	}
	if ((e = gcry_mac_setkey(m->h, key, LOGREC_KEY_LEN)) != 0) {
		gcry_mac_close(m->h);
		m->h = NULL;
		return cry_err(e);
	}
	return 0;
}

int
logmac_new(const uint8_t key[LOGREC_KEY_LEN], int secure, struct logmac **out)
{
	struct logmac *m;
	int r;

	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return MK_ERR_ALLOC;
	m->secure = secure;
	if ((r = logmac_open(m, key)) != 0) {
		free(m);
		return r;
	}
	*out = m;
	return 0;
}

int
logmac_setkey(struct logmac *m, const uint8_t key[LOGREC_KEY_LEN])
{
	gcry_error_t e;

	/* Setting a new key on the open handle recomputes the HMAC pads from
	 * it entirely, so nothing of the old key remains in use; reopening
	 * would cost an entropy poll per epoch. */
	if (m->h == NULL)
		return logmac_open(m, key);
	if ((e = gcry_mac_setkey(m->h, key, LOGREC_KEY_LEN)) != 0) {
		gcry_mac_close(m->h);
		m->h = NULL;
		return cry_err(e);
	}
	return 0;
}

int
logmac_compute(struct logmac *m, const uint8_t prev[LOGREC_MAC_LEN],
    const uint8_t *frame, size_t len, uint8_t out[LOGREC_MAC_LEN])
{
	size_t outlen = LOGREC_MAC_LEN;
	gcry_error_t e;

	if (m->h == NULL)
		return MK_ERR_INTERNAL;
	if ((e = gcry_mac_reset(m->h)) != 0 ||
	    (prev != NULL &&
	    (e = gcry_mac_write(m->h, prev, LOGREC_MAC_LEN)) != 0) ||
	    (e = gcry_mac_write(m->h, frame, len)) != 0 ||
	    (e = gcry_mac_read(m->h, out, &outlen)) != 0)
		return cry_err(e);
	return outlen == LOGREC_MAC_LEN ? 0 : MK_ERR_CRYPTO;
}

/* Constant time over the 32 bytes, a word at a time: this runs once per
 * record in the verifier. */
static int
mac_equal(const uint8_t *a, const uint8_t *b)
{
	uint64_t x, y, d = 0;
	size_t i;

	for (i = 0; i < LOGREC_MAC_LEN; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		d |= x ^ y;
	}
	return d == 0;
}

int
logmac_check(struct logmac *m, const uint8_t prev[LOGREC_MAC_LEN],
    const uint8_t *frame, size_t len, const uint8_t want[LOGREC_MAC_LEN])
{
	uint8_t mac[LOGREC_MAC_LEN];
	int r;

	if ((r = logmac_compute(m, prev, frame, len, mac)) != 0)
		return r;
	return mac_equal(mac, want) ? 0 : MK_ERR_AUTH;
}

void
logmac_free(struct logmac *m)
{
	if (m == NULL)
		return;
	if (m->h != NULL)
		gcry_mac_close(m->h);
	free(m);
}
