#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/text.h"
#include "cry.h"
#include "docfmt.h"

/* Offsets into the header (docs/formats.md, "Document"). */
enum {
	OFF_VERSION	= 8,
	OFF_CLASS	= 10,
	OFF_RESERVED1	= 11,
	OFF_CHUNK	= 12,
	OFF_ID		= 16,
	OFF_PREFIX	= 32,
	OFF_RESERVED2	= 39,
	OFF_META_LEN	= 40,
	OFF_RESERVED3	= 42,
	OFF_EPOCH	= DOCFMT_KEYBLOCK_OFF,
	OFF_WRAP_NONCE	= OFF_EPOCH + 4,
	OFF_WRAPPED	= OFF_WRAP_NONCE + CRY_NONCE_LEN,
	OFF_WRAP_TAG	= OFF_WRAPPED + DOCFMT_KEY_LEN,
	WRAP_AAD_LEN	= OFF_WRAP_NONCE,	/* fixed header and epoch */
	META_MIN	= DOCFMT_TAG + 1,	/* at least the version byte */
	CREATED_MAX	= 20,			/* digits of INT64_MIN */
};

static const uint8_t docfmt_magic[8] = {
	'M', 'A', 'T', 'K', 'D', 'O', 'C', '\0'
};
static const char meta_label[] = "matkiosk document metadata v1";
static const char body_label[] = "matkiosk document body v1";

/* Everything secret that a header operation touches, in one allocation from
 * libgcrypt's locked pool so that one cry_secure_free wipes it all. */
struct dockeys {
	uint8_t			dek[DOCFMT_KEY_LEN];
	uint8_t			meta_key[DOCFMT_KEY_LEN];
	uint8_t			body_key[DOCFMT_KEY_LEN];
	uint8_t			pt[DOCFMT_META_MAX];	/* metadata plaintext */
	struct docfmt_meta	m;
};

struct docfmt_enc {
	gcry_cipher_hd_t	h;	/* AES-256-GCM under the body key */
	uint8_t			hdr[DOCFMT_HEADER_MAX];
	size_t			hdrlen;
	uint8_t			hh[CRY_HASH_LEN];
	uint8_t			prefix[DOCFMT_PREFIX_LEN];
	uint64_t		next;	/* index of the next chunk */
	int			done;	/* the last chunk was sealed */
};

struct docfmt_dec {
	gcry_cipher_hd_t	h;
	struct docfmt_info	info;
	uint8_t			hh[CRY_HASH_LEN];
	uint8_t			prefix[DOCFMT_PREFIX_LEN];
	uint64_t		next;
	int			done;
	int			err;	/* first failure; sticky */
};

/* Two chunk buffers (one read ahead) and a header for the fd helpers. */
struct docfmt_io {
	uint8_t	buf[2][DOCFMT_CT_CHUNK];
	uint8_t	hdr[DOCFMT_HEADER_MAX];
};

static const char *const class_tokens[] = {
	[DOCFMT_MAT] = "mat",
	[DOCFMT_TOI_MAT] = "toi-mat",
	[DOCFMT_TUYET_MAT] = "tuyet-mat",
};

int
docfmt_class_parse(const char *token)
{
	int c;

	if (token == NULL)
		return 0;
	for (c = DOCFMT_MAT; c <= DOCFMT_TUYET_MAT; c++)
		if (strcmp(token, class_tokens[c]) == 0)
			return c;
	return 0;
}

const char *
docfmt_class_token(int classification)
{
	if (classification < DOCFMT_MAT || classification > DOCFMT_TUYET_MAT)
		return NULL;
	return class_tokens[classification];
}

static struct dockeys *
keys_new(void)
{
	return cry_secure_alloc(sizeof(struct dockeys));
}

static void
keys_free(struct dockeys *k)
{
	cry_secure_free(k, sizeof(*k));
}

/* Separate keys for metadata and body: the metadata nonce is the same
 * twelve bytes as the nonce of chunk 0, which is safe only because the key
 * differs. */
static int
derive_keys(struct dockeys *k)
{
	int r;

	if ((r = cry_hmac_sha256(k->dek, DOCFMT_KEY_LEN, meta_label,
	    sizeof(meta_label) - 1, k->meta_key)) != 0)
		return r;
	return cry_hmac_sha256(k->dek, DOCFMT_KEY_LEN, body_label,
	    sizeof(body_label) - 1, k->body_key);
}

static void
chunk_nonce(const uint8_t prefix[DOCFMT_PREFIX_LEN], uint32_t index,
    int last, uint8_t nonce[CRY_NONCE_LEN])
{
	memcpy(nonce, prefix, DOCFMT_PREFIX_LEN);
	mk_put_be32(nonce + DOCFMT_PREFIX_LEN, index);
	nonce[CRY_NONCE_LEN - 1] = last ? 1 : 0;
}

/* HH binds every chunk to the fixed header and the metadata ciphertext, so
 * a chunk cannot move to another document or survive a relabelling. The key
 * block stays outside so that rewrapping leaves the body valid. */
static void
header_hash(const uint8_t *hdr, size_t meta_len, uint8_t hh[CRY_HASH_LEN])
{
	const void *parts[2] = { hdr, hdr + DOCFMT_META_OFF };
	size_t lens[2] = { DOCFMT_FIXED_LEN, meta_len };

	cry_sha256_v(hh, 2, parts, lens);
}

/* One handle per stream with the key set once: per chunk only the nonce,
 * the header hash and the data go through libgcrypt. */
static int
body_cipher(const uint8_t key[DOCFMT_KEY_LEN], gcry_cipher_hd_t *h)
{
	gcry_error_t e;

	*h = NULL;
	if ((e = gcry_cipher_open(h, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_GCM,
	    GCRY_CIPHER_SECURE)) != 0) {
		*h = NULL;
		return cry_err(e);
	}
	if ((e = gcry_cipher_setkey(*h, key, DOCFMT_KEY_LEN)) != 0) {
		gcry_cipher_close(*h);
		*h = NULL;
		return cry_err(e);
	}
	return 0;
}

/* The key block's associated data is the fixed header and the epoch: the
 * wrapped key cannot be moved to another document or relabelled. */
static int
unwrap_dek(const uint8_t mk[DOCFMT_KEY_LEN], const uint8_t *hdr,
    uint8_t dek[DOCFMT_KEY_LEN])
{
	return cry_gcm_open(mk, hdr + OFF_WRAP_NONCE, hdr, WRAP_AAD_LEN,
	    hdr + OFF_WRAPPED, DOCFMT_KEY_LEN, dek, hdr + OFF_WRAP_TAG);
}

static int
check_fixed(const uint8_t *p, struct docfmt_info *info)
{
	uint16_t mlen;

	if ((info->version = mk_get_be16(p + OFF_VERSION)) != DOCFMT_VERSION)
		return MK_ERR_VERSION;
	info->classification = p[OFF_CLASS];
	if (docfmt_class_token(p[OFF_CLASS]) == NULL)
		return MK_ERR_FORMAT;
	if (p[OFF_RESERVED1] != 0 || p[OFF_RESERVED2] != 0 ||
	    mk_get_be16(p + OFF_RESERVED3) != 0)
		return MK_ERR_FORMAT;
	if (mk_get_be32(p + OFF_CHUNK) != DOCFMT_CHUNK)
		return MK_ERR_FORMAT;
	mlen = mk_get_be16(p + OFF_META_LEN);
	if (mlen < META_MIN)
		return MK_ERR_FORMAT;
	if (mlen > DOCFMT_META_MAX + DOCFMT_TAG)
		return MK_ERR_TOO_LARGE;
	memcpy(info->id, p + OFF_ID, DOCFMT_ID_LEN);
	info->header_len = DOCFMT_META_OFF + mlen;
	return 0;
}

int
docfmt_parse_info(const uint8_t *p, size_t len, struct docfmt_info *info)
{
	size_t n = len < sizeof(docfmt_magic) ? len : sizeof(docfmt_magic);
	int r;

	if (info == NULL)
		return MK_ERR_ARGUMENT;
	memset(info, 0, sizeof(*info));
	if (p == NULL && len > 0)
		return MK_ERR_ARGUMENT;
	/* Even a short prefix that is not ours is rejected as such, so that a
	 * reader does not wait for more of a file that is no document. */
	if (n > 0 && memcmp(p, docfmt_magic, n) != 0)
		return MK_ERR_FORMAT;
	if (len < DOCFMT_FIXED_LEN)
		return MK_ERR_TRUNCATED;
	if ((r = check_fixed(p, info)) != 0) {
		info->header_len = 0;
		return r;
	}
	if (len < DOCFMT_META_OFF)
		return MK_ERR_TRUNCATED;
	info->key_epoch = mk_get_be32(p + OFF_EPOCH);
	return len < info->header_len ? MK_ERR_TRUNCATED : 0;
}

int
docfmt_plain_len(size_t header_len, uint64_t file_len, uint64_t *plain)
{
	uint64_t body, full, rem;

	if (plain == NULL)
		return MK_ERR_ARGUMENT;
	*plain = 0;
	if (header_len < DOCFMT_META_OFF + META_MIN ||
	    header_len > DOCFMT_HEADER_MAX ||
	    file_len < header_len + DOCFMT_TAG)
		return MK_ERR_FORMAT;
	body = file_len - header_len;
	full = body / DOCFMT_CT_CHUNK;
	rem = body % DOCFMT_CT_CHUNK;
	/* A remainder is the last chunk: it holds at least its tag, and only
	 * chunk 0 may be empty (rem == 0 means the last chunk is full). */
	if (rem != 0 && (rem < DOCFMT_TAG || (rem == DOCFMT_TAG && full > 0)))
		return MK_ERR_FORMAT;
	/* The counter is 32 bits: 2^32 chunks at most. */
	if (full + (rem != 0) > (uint64_t)UINT32_MAX + 1)
		return MK_ERR_FORMAT;
	*plain = full * DOCFMT_CHUNK + (rem != 0 ? rem - DOCFMT_TAG : 0);
	return 0;
}

static int
meta_valid(const struct docfmt_meta *m)
{
	size_t tl = strnlen(m->title, sizeof(m->title));
	size_t al = strnlen(m->author, sizeof(m->author));

	/* A length equal to the array size means no terminating NUL. */
	return tl <= DOCFMT_TITLE_MAX && al <= DOCFMT_NAME_MAX &&
	    mktext_is_clean(m->title, tl) && mktext_is_clean(m->author, al);
}

static int
put_bstr(uint8_t *buf, size_t cap, size_t *off, const void *p, size_t n)
{
	assert(*off <= cap);
	if (n > 0xffff || cap - *off < 2 + n)
		return MK_ERR_TOO_LARGE;
	mk_put_be16(buf + *off, (uint16_t)n);
	if (n > 0)
		memcpy(buf + *off + 2, p, n);
	*off += 2 + n;
	return 0;
}

static int
put_field(uint8_t *buf, size_t cap, size_t *off, const char *key,
    const char *value, size_t vlen)
{
	int r;

	if ((r = put_bstr(buf, cap, off, key, strlen(key))) != 0)
		return r;
	return put_bstr(buf, cap, off, value, vlen);
}

/* The metadata plaintext: u8 version, then title, author, created as bstr
 * key/value pairs in that order (one canonical encoding). */
static int
meta_encode(const struct docfmt_meta *m, uint8_t *buf, size_t cap,
    size_t *len)
{
	char created[CREATED_MAX + 1];
	size_t off = 1;
	int n, r;

	*len = 0;
	n = snprintf(created, sizeof(created), "%" PRId64, m->created);
	if (n < 0 || (size_t)n >= sizeof(created))
		return MK_ERR_INTERNAL;
	buf[0] = DOCFMT_VERSION;
	if ((r = put_field(buf, cap, &off, "title", m->title,
	    strlen(m->title))) != 0 ||
	    (r = put_field(buf, cap, &off, "author", m->author,
	    strlen(m->author))) != 0 ||
	    (r = put_field(buf, cap, &off, "created", created,
	    (size_t)n)) != 0)
		return r;
	*len = off;
	return 0;
}

/* Accepts exactly what meta_encode writes: an optional minus, no leading
 * zero, no "-0", within int64. */
static int
parse_created(const uint8_t *p, size_t n, int64_t *v)
{
	uint64_t acc = 0, limit = INT64_MAX;
	size_t i = 0;
	int neg = 0;

	if (n > 0 && p[0] == '-') {
		neg = 1;
		limit = (uint64_t)INT64_MAX + 1;
		i = 1;
	}
	if (i == n || (p[i] == '0' && (n - i > 1 || neg)))
		return MK_ERR_FORMAT;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9' ||
		    acc > (limit - (uint64_t)(p[i] - '0')) / 10)
			return MK_ERR_FORMAT;
		acc = acc * 10 + (uint64_t)(p[i] - '0');
	}
	if (!neg)
		*v = (int64_t)acc;
	else if (acc == (uint64_t)INT64_MAX + 1)
		*v = INT64_MIN;
	else
		*v = -(int64_t)acc;
	return 0;
}

static int
get_field(struct mkrd *r, const char *key, size_t max, const uint8_t **v,
    size_t *vlen)
{
	const uint8_t *k;
	size_t klen;

	if (mkrd_bstr(r, 16, &k, &klen) != 0 || klen != strlen(key) ||
	    memcmp(k, key, klen) != 0)
		return MK_ERR_FORMAT;
	if (mkrd_bstr(r, max, v, vlen) != 0)
		return MK_ERR_FORMAT;
	return 0;
}

/* Authenticated, but still checked: a title goes to a terminal. */
static int
meta_decode(const uint8_t *p, size_t n, struct docfmt_meta *m)
{
	struct mkrd r;
	const uint8_t *v;
	size_t vlen;
	uint8_t version;

	memset(m, 0, sizeof(*m));
	mkrd_init(&r, p, n);
	if (mkrd_u8(&r, &version) != 0 || version != DOCFMT_VERSION)
		return MK_ERR_FORMAT;
	if (get_field(&r, "title", DOCFMT_TITLE_MAX, &v, &vlen) != 0 ||
	    !mktext_is_clean(v, vlen))
		return MK_ERR_FORMAT;
	if (vlen > 0)
		memcpy(m->title, v, vlen);
	if (get_field(&r, "author", DOCFMT_NAME_MAX, &v, &vlen) != 0 ||
	    !mktext_is_clean(v, vlen))
		return MK_ERR_FORMAT;
	if (vlen > 0)
		memcpy(m->author, v, vlen);
	if (get_field(&r, "created", CREATED_MAX, &v, &vlen) != 0 ||
	    parse_created(v, vlen, &m->created) != 0)
		return MK_ERR_FORMAT;
	return mkrd_left(&r) == 0 ? 0 : MK_ERR_FORMAT;
}

static void
put_fixed(uint8_t *hdr, int classification, const uint8_t *id,
    const uint8_t *prefix, size_t meta_len)
{
	memset(hdr, 0, DOCFMT_META_OFF);
	memcpy(hdr, docfmt_magic, sizeof(docfmt_magic));
	mk_put_be16(hdr + OFF_VERSION, DOCFMT_VERSION);
	hdr[OFF_CLASS] = (uint8_t)classification;
	mk_put_be32(hdr + OFF_CHUNK, DOCFMT_CHUNK);
	memcpy(hdr + OFF_ID, id, DOCFMT_ID_LEN);
	memcpy(hdr + OFF_PREFIX, prefix, DOCFMT_PREFIX_LEN);
	mk_put_be16(hdr + OFF_META_LEN, (uint16_t)meta_len);
}

/* Writes the whole header into e->hdr and sets e->hh. */
static int
seal_header(struct docfmt_enc *e, struct dockeys *k,
    const uint8_t mk[DOCFMT_KEY_LEN], uint32_t key_epoch,
    int classification, const uint8_t *id, const uint8_t *wrap_nonce)
{
	uint8_t nonce[CRY_NONCE_LEN];
	size_t ptlen, mlen;
	int r;

	if ((r = meta_encode(&k->m, k->pt, sizeof(k->pt), &ptlen)) != 0)
		return r;
	mlen = ptlen + DOCFMT_TAG;
	put_fixed(e->hdr, classification, id, e->prefix, mlen);
	mk_put_be32(e->hdr + OFF_EPOCH, key_epoch);
	memcpy(e->hdr + OFF_WRAP_NONCE, wrap_nonce, CRY_NONCE_LEN);
	if ((r = cry_gcm_seal(mk, e->hdr + OFF_WRAP_NONCE, e->hdr,
	    WRAP_AAD_LEN, k->dek, DOCFMT_KEY_LEN, e->hdr + OFF_WRAPPED,
	    e->hdr + OFF_WRAP_TAG)) != 0)
		return r;
	chunk_nonce(e->prefix, 0, 0, nonce);
	if ((r = cry_gcm_seal(k->meta_key, nonce, e->hdr, DOCFMT_FIXED_LEN,
	    k->pt, ptlen, e->hdr + DOCFMT_META_OFF,
	    e->hdr + DOCFMT_META_OFF + ptlen)) != 0)
		return r;
	e->hdrlen = DOCFMT_META_OFF + mlen;
	header_hash(e->hdr, mlen, e->hh);
	return 0;
}

int
docfmt_enc_new_fixed(const uint8_t mk[DOCFMT_KEY_LEN], uint32_t key_epoch,
    int classification, const struct docfmt_meta *meta,
    const uint8_t dek[DOCFMT_KEY_LEN], const uint8_t id[DOCFMT_ID_LEN],
    const uint8_t prefix[DOCFMT_PREFIX_LEN], const uint8_t wrap_nonce[12],
    struct docfmt_enc **out)
{
	struct docfmt_enc *e = NULL;
	struct dockeys *k = NULL;
	int r;

	if (out == NULL)
		return MK_ERR_ARGUMENT;
	*out = NULL;
	if (mk == NULL || meta == NULL || dek == NULL || id == NULL ||
	    prefix == NULL || wrap_nonce == NULL ||
	    docfmt_class_token(classification) == NULL || !meta_valid(meta))
		return MK_ERR_ARGUMENT;
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (k = keys_new()) == NULL) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	memcpy(k->dek, dek, DOCFMT_KEY_LEN);
	memcpy(&k->m, meta, sizeof(k->m));
	memcpy(e->prefix, prefix, DOCFMT_PREFIX_LEN);
	if ((r = derive_keys(k)) != 0 ||
	    (r = seal_header(e, k, mk, key_epoch, classification, id,
	    wrap_nonce)) != 0 ||
	    (r = body_cipher(k->body_key, &e->h)) != 0)
		goto out;
	*out = e;
	e = NULL;
 out:
	keys_free(k);
	docfmt_enc_free(e);
	return r;
}

int
docfmt_enc_new(const uint8_t mk[DOCFMT_KEY_LEN], uint32_t key_epoch,
    int classification, const struct docfmt_meta *meta,
    struct docfmt_enc **out)
{
	uint8_t id[DOCFMT_ID_LEN], prefix[DOCFMT_PREFIX_LEN];
	uint8_t wrap_nonce[CRY_NONCE_LEN];
	uint8_t *dek;
	int r;

	if (out == NULL)
		return MK_ERR_ARGUMENT;
	*out = NULL;
	if ((dek = cry_secure_alloc(DOCFMT_KEY_LEN)) == NULL)
		return MK_ERR_ALLOC;
	cry_random_key(dek, DOCFMT_KEY_LEN);
	/* A random 56-bit prefix under a fresh random key: nonces repeat only
	 * if the 256-bit data key does. */
	cry_random(id, sizeof(id));
	cry_random(prefix, sizeof(prefix));
	cry_random(wrap_nonce, sizeof(wrap_nonce));
	r = docfmt_enc_new_fixed(mk, key_epoch, classification, meta, dek, id,
	    prefix, wrap_nonce, out);
	cry_secure_free(dek, DOCFMT_KEY_LEN);
	return r;
}

const uint8_t *
docfmt_enc_header(const struct docfmt_enc *e, size_t *len)
{
	*len = e->hdrlen;
	return e->hdr;
}

const uint8_t *
docfmt_enc_id(const struct docfmt_enc *e)
{
	return e->hdr + OFF_ID;
}

void
docfmt_enc_free(struct docfmt_enc *e)
{
	if (e == NULL)
		return;
	gcry_cipher_close(e->h);
	mk_wipe(e, sizeof(*e));
	free(e);
}

/* 0 if a chunk of len plaintext bytes may come at index; the encoder and
 * the decoder apply the same rule. */
static int
chunk_shape(uint64_t index, size_t len, int last)
{
	if (index > UINT32_MAX || len > DOCFMT_CHUNK)
		return MK_ERR_TOO_LARGE;
	if (!last && len != DOCFMT_CHUNK)
		return MK_ERR_ARGUMENT;
	if (last && len == 0 && index != 0)
		return MK_ERR_FORMAT;
	return 0;
}

static gcry_error_t
chunk_start(gcry_cipher_hd_t h, const uint8_t *prefix, uint64_t index,
    int last, const uint8_t hh[CRY_HASH_LEN])
{
	uint8_t nonce[CRY_NONCE_LEN];
	gcry_error_t e;

	chunk_nonce(prefix, (uint32_t)index, last, nonce);
	if ((e = gcry_cipher_setiv(h, nonce, sizeof(nonce))) != 0 ||
	    (e = gcry_cipher_authenticate(h, hh, CRY_HASH_LEN)) != 0)
		return e;
	return gcry_cipher_final(h);
}

int
docfmt_enc_chunk(struct docfmt_enc *e, const uint8_t *in, size_t len,
    int last, uint8_t *out)
{
	gcry_error_t ge;
	int r;

	if (e == NULL || out == NULL || (in == NULL && len > 0))
		return MK_ERR_ARGUMENT;
	if (e->done)
		return MK_ERR_ORDER;
	if ((r = chunk_shape(e->next, len, last)) != 0)
		return r == MK_ERR_FORMAT ? MK_ERR_ARGUMENT : r;
	/* in == out (in place) is allowed; libgcrypt handles equal buffers. */
	if ((ge = chunk_start(e->h, e->prefix, e->next, last, e->hh)) != 0 ||
	    (ge = gcry_cipher_encrypt(e->h, out, len, in == NULL ? out : in,
	    len)) != 0 ||
	    (ge = gcry_cipher_gettag(e->h, out + len, DOCFMT_TAG)) != 0) {
		mk_wipe(out, len + DOCFMT_TAG);
		return cry_err(ge);
	}
	e->next++;
	e->done = last != 0;
	return 0;
}

static int
open_meta(struct dockeys *k, const uint8_t *hdr, size_t mlen)
{
	uint8_t nonce[CRY_NONCE_LEN];
	size_t n = mlen - DOCFMT_TAG;
	int r;

	assert(mlen >= META_MIN && n <= sizeof(k->pt));
	chunk_nonce(hdr + OFF_PREFIX, 0, 0, nonce);
	if ((r = cry_gcm_open(k->meta_key, nonce, hdr, DOCFMT_FIXED_LEN,
	    hdr + DOCFMT_META_OFF, n, k->pt, hdr + DOCFMT_META_OFF + n)) != 0)
		return r;
	return meta_decode(k->pt, n, &k->m);
}

int
docfmt_dec_new(const uint8_t mk[DOCFMT_KEY_LEN], const uint8_t *hdr,
    size_t hdrlen, struct docfmt_meta *meta, struct docfmt_dec **out)
{
	struct docfmt_dec *d = NULL;
	struct dockeys *k = NULL;
	size_t mlen;
	int r;

	if (out == NULL)
		return MK_ERR_ARGUMENT;
	*out = NULL;
	if (meta != NULL)
		memset(meta, 0, sizeof(*meta));
	if (mk == NULL || hdr == NULL)
		return MK_ERR_ARGUMENT;
	if ((d = calloc(1, sizeof(*d))) == NULL || (k = keys_new()) == NULL) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	if ((r = docfmt_parse_info(hdr, hdrlen, &d->info)) != 0)
		goto out;
	if (hdrlen != d->info.header_len) {
		r = MK_ERR_TRAILING;
		goto out;
	}
	mlen = d->info.header_len - DOCFMT_META_OFF;
	if ((r = unwrap_dek(mk, hdr, k->dek)) != 0 ||
	    (r = derive_keys(k)) != 0 ||
	    (r = open_meta(k, hdr, mlen)) != 0 ||
	    (r = body_cipher(k->body_key, &d->h)) != 0)
		goto out;
	memcpy(d->prefix, hdr + OFF_PREFIX, DOCFMT_PREFIX_LEN);
	header_hash(hdr, mlen, d->hh);
	if (meta != NULL)
		memcpy(meta, &k->m, sizeof(*meta));
	*out = d;
	d = NULL;
 out:
	keys_free(k);
	docfmt_dec_free(d);
	return r;
}

const struct docfmt_info *
docfmt_dec_info(const struct docfmt_dec *d)
{
	return d == NULL ? NULL : &d->info;
}

static int
open_chunk(struct docfmt_dec *d, const uint8_t *in, size_t len, int last,
    uint8_t *out)
{
	gcry_error_t ge;

	/* Decrypting before the tag is checked is GCM's order; the output is
	 * wiped if the tag does not match, so nothing unverified escapes. */
	if ((ge = chunk_start(d->h, d->prefix, d->next, last, d->hh)) != 0 ||
	    (ge = gcry_cipher_decrypt(d->h, out, len, in, len)) != 0 ||
	    (ge = gcry_cipher_checktag(d->h, in + len, DOCFMT_TAG)) != 0) {
		mk_wipe(out, len);
		return cry_err(ge);
	}
	return 0;
}

int
docfmt_dec_chunk(struct docfmt_dec *d, const uint8_t *in, size_t len,
    int last, uint8_t *out)
{
	int r;

	if (d == NULL || in == NULL || out == NULL)
		return MK_ERR_ARGUMENT;
	/* A stream that failed once stays failed: no chunk after a bad one
	 * can be opened, nor a chunk after the last. */
	if (d->err != 0)
		return d->err;
	if (d->done)
		r = MK_ERR_TRAILING;
	else if (len < DOCFMT_TAG)
		r = MK_ERR_TRUNCATED;
	else if ((r = chunk_shape(d->next, len - DOCFMT_TAG, last)) == 0)
		r = open_chunk(d, in, len - DOCFMT_TAG, last, out);
	if (r != 0) {
		d->err = r;
		return r;
	}
	d->next++;
	d->done = last != 0;
	return 0;
}

int
docfmt_dec_finish(const struct docfmt_dec *d)
{
	if (d == NULL)
		return MK_ERR_ARGUMENT;
	if (d->err != 0)
		return d->err;
	return d->done ? 0 : MK_ERR_TRUNCATED;
}

void
docfmt_dec_free(struct docfmt_dec *d)
{
	if (d == NULL)
		return;
	gcry_cipher_close(d->h);
	mk_wipe(d, sizeof(*d));
	free(d);
}

int
docfmt_rewrap(uint8_t *hdr, size_t hdrlen,
    const uint8_t old_mk[DOCFMT_KEY_LEN],
    const uint8_t new_mk[DOCFMT_KEY_LEN], uint32_t new_epoch)
{
	struct docfmt_info info;
	uint8_t kb[DOCFMT_KEYBLOCK_LEN], aad[WRAP_AAD_LEN];
	uint8_t *dek = NULL;
	int r;

	if (hdr == NULL || old_mk == NULL || new_mk == NULL)
		return MK_ERR_ARGUMENT;
	if (hdrlen < DOCFMT_META_OFF)
		return MK_ERR_TRUNCATED;
	/* Only the fixed header and the key block are needed here. */
	r = docfmt_parse_info(hdr, hdrlen, &info);
	if (r != 0 && r != MK_ERR_TRUNCATED)
		return r;
	if ((dek = cry_secure_alloc(DOCFMT_KEY_LEN)) == NULL)
		return MK_ERR_ALLOC;
	if ((r = unwrap_dek(old_mk, hdr, dek)) != 0)
		goto out;
	memcpy(aad, hdr, DOCFMT_FIXED_LEN);
	mk_put_be32(aad + DOCFMT_FIXED_LEN, new_epoch);
	memcpy(kb, aad + DOCFMT_FIXED_LEN, 4);
	cry_random(kb + 4, CRY_NONCE_LEN);
	if ((r = cry_gcm_seal(new_mk, kb + 4, aad, sizeof(aad), dek,
	    DOCFMT_KEY_LEN, kb + 4 + CRY_NONCE_LEN,
	    kb + 4 + CRY_NONCE_LEN + DOCFMT_KEY_LEN)) != 0)
		goto out;
	/* The header changes only once the new key block is complete. */
	memcpy(hdr + DOCFMT_KEYBLOCK_OFF, kb, sizeof(kb));
 out:
	cry_secure_free(dek, DOCFMT_KEY_LEN);
	return r;
}

static void
io_free(struct docfmt_io *io)
{
	if (io == NULL)
		return;
	mk_wipe(io, sizeof(*io));
	free(io);
}

/* Reads one chunk ahead: a chunk is the last when nothing follows it. */
static int
enc_body(struct docfmt_enc *e, struct docfmt_io *io, int in_fd, int out_fd)
{
	uint8_t *cur = io->buf[0], *nxt = io->buf[1], *t;
	size_t curlen, nxtlen;
	int last, r;

	if ((r = mkfs_read_full(in_fd, cur, DOCFMT_CHUNK, &curlen)) != 0)
		return r;
	for (;;) {
		nxtlen = 0;
		if (curlen == DOCFMT_CHUNK && (r = mkfs_read_full(in_fd, nxt,
		    DOCFMT_CHUNK, &nxtlen)) != 0)
			return r;
		last = nxtlen == 0;
		if ((r = docfmt_enc_chunk(e, cur, curlen, last, cur)) != 0 ||
		    (r = mkfs_write_all(out_fd, cur,
		    curlen + DOCFMT_TAG)) != 0)
			return r;
		if (last)
			return 0;
		t = cur;
		cur = nxt;
		nxt = t;
		curlen = nxtlen;
	}
}

int
docfmt_encrypt_fd(const uint8_t mk[DOCFMT_KEY_LEN], uint32_t key_epoch,
    int classification, const struct docfmt_meta *meta, int in_fd,
    int out_fd, uint8_t id_out[DOCFMT_ID_LEN])
{
	struct docfmt_enc *e = NULL;
	struct docfmt_io *io = NULL;
	const uint8_t *hdr;
	size_t hdrlen;
	int r;

	if (id_out != NULL)
		memset(id_out, 0, DOCFMT_ID_LEN);
	if ((io = malloc(sizeof(*io))) == NULL)
		return MK_ERR_ALLOC;
	if ((r = docfmt_enc_new(mk, key_epoch, classification, meta,
	    &e)) != 0)
		goto out;
	hdr = docfmt_enc_header(e, &hdrlen);
	if ((r = mkfs_write_all(out_fd, hdr, hdrlen)) != 0 ||
	    (r = enc_body(e, io, in_fd, out_fd)) != 0)
		goto out;
	if (id_out != NULL)
		memcpy(id_out, docfmt_enc_id(e), DOCFMT_ID_LEN);
 out:
	io_free(io);
	docfmt_enc_free(e);
	return r;
}

/* Reads exactly the header: the fixed part says how long the rest is. */
static int
read_header(int fd, uint8_t *hdr, size_t *len)
{
	struct docfmt_info info;
	size_t got, more;
	int r;

	*len = 0;
	if ((r = mkfs_read_full(fd, hdr, DOCFMT_FIXED_LEN, &got)) != 0)
		return r;
	r = docfmt_parse_info(hdr, got, &info);
	if (r != MK_ERR_TRUNCATED || info.header_len == 0)
		return r == 0 ? MK_ERR_INTERNAL : r;
	assert(info.header_len > DOCFMT_FIXED_LEN &&
	    info.header_len <= DOCFMT_HEADER_MAX);
	more = info.header_len - DOCFMT_FIXED_LEN;
	if ((r = mkfs_read_full(fd, hdr + DOCFMT_FIXED_LEN, more, &got)) != 0)
		return r;
	if (got != more)
		return MK_ERR_TRUNCATED;
	*len = info.header_len;
	return 0;
}

static int
dec_body(struct docfmt_dec *d, struct docfmt_io *io, int in_fd, int out_fd,
    uint64_t *total)
{
	uint8_t *cur = io->buf[0], *nxt = io->buf[1], *t;
	size_t curlen, nxtlen;
	int last, r;

	*total = 0;
	if ((r = mkfs_read_full(in_fd, cur, DOCFMT_CT_CHUNK, &curlen)) != 0)
		return r;
	for (;;) {
		nxtlen = 0;
		if (curlen == DOCFMT_CT_CHUNK && (r = mkfs_read_full(in_fd,
		    nxt, DOCFMT_CT_CHUNK, &nxtlen)) != 0)
			return r;
		last = nxtlen == 0;
		if ((r = docfmt_dec_chunk(d, cur, curlen, last, cur)) != 0)
			return r;
		if (out_fd >= 0 && (r = mkfs_write_all(out_fd, cur,
		    curlen - DOCFMT_TAG)) != 0)
			return r;
		*total += curlen - DOCFMT_TAG;
		if (last)
			return docfmt_dec_finish(d);
		t = cur;
		cur = nxt;
		nxt = t;
		curlen = nxtlen;
	}
}

/* decrypt_fd and verify_fd: out_fd < 0 writes nothing. */
static int
dec_stream(const uint8_t mk[DOCFMT_KEY_LEN], int in_fd, int out_fd,
    struct docfmt_meta *meta, uint64_t *plain_len)
{
	struct docfmt_dec *d = NULL;
	struct docfmt_io *io = NULL;
	struct docfmt_meta m;
	size_t hdrlen;
	uint64_t total = 0;
	int r;

	memset(&m, 0, sizeof(m));
	if ((io = malloc(sizeof(*io))) == NULL)
		return MK_ERR_ALLOC;
	if ((r = read_header(in_fd, io->hdr, &hdrlen)) != 0 ||
	    (r = docfmt_dec_new(mk, io->hdr, hdrlen, &m, &d)) != 0 ||
	    (r = dec_body(d, io, in_fd, out_fd, &total)) != 0)
		goto out;
	/* The metadata is reported only for a document that verified whole. */
	if (meta != NULL)
		memcpy(meta, &m, sizeof(*meta));
	if (plain_len != NULL)
		*plain_len = total;
 out:
	mk_wipe(&m, sizeof(m));
	io_free(io);
	docfmt_dec_free(d);
	return r;
}

int
docfmt_decrypt_fd(const uint8_t mk[DOCFMT_KEY_LEN], int in_fd,
    int out_fd, struct docfmt_meta *meta)
{
	if (meta != NULL)
		memset(meta, 0, sizeof(*meta));
	if (out_fd < 0)
		return MK_ERR_ARGUMENT;
	return dec_stream(mk, in_fd, out_fd, meta, NULL);
}

int
docfmt_verify_fd(const uint8_t mk[DOCFMT_KEY_LEN], int in_fd,
    struct docfmt_meta *meta, uint64_t *plain_len)
{
	if (meta != NULL)
		memset(meta, 0, sizeof(*meta));
	if (plain_len != NULL)
		*plain_len = 0;
	return dec_stream(mk, in_fd, -1, meta, plain_len);
}
