/* Transfer packages (crypto/xferpkg.h). */
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "cry.h"
#include "xferpkg.h"

static const uint8_t magic[8] = { 'M', 'A', 'T', 'K', 'X', 'F', 'E', 'R' };
static const char sigctx[16] = "matkiosk xfer v1";

int
xferpkg_header_build(const uint8_t sender[SIGN_PUBLIC_LEN],
    const uint8_t recipient[SEAL_KEY_LEN], const uint8_t key[SEAL_KEY_LEN],
    uint64_t doc_len, uint8_t out[XFERPKG_HDR_LEN])
{
	if (doc_len > XFERPKG_DOC_MAX)
		return MK_ERR_TOO_LARGE;
	memcpy(out, magic, 8);
	mk_put_be16(out + 8, XFERPKG_VERSION);
	mk_put_be16(out + 10, 0);
	memcpy(out + 12, sender, SIGN_PUBLIC_LEN);
	memcpy(out + 44, recipient, SEAL_KEY_LEN);
	mk_put_be64(out + 184, doc_len);
	return seal_grant(XFERPKG_LABEL, recipient, key, 0, out + 76);
}

int
xferpkg_header_parse(const uint8_t *p, size_t len, struct xferpkg_hdr *h)
{
	memset(h, 0, sizeof(*h));
	if (len < XFERPKG_HDR_LEN)
		return MK_ERR_TRUNCATED;
	if (memcmp(p, magic, 8) != 0 || mk_get_be16(p + 10) != 0)
		return MK_ERR_FORMAT;
	if ((h->version = mk_get_be16(p + 8)) != XFERPKG_VERSION)
		return MK_ERR_VERSION;
	memcpy(h->sender, p + 12, SIGN_PUBLIC_LEN);
	memcpy(h->recipient, p + 44, SEAL_KEY_LEN);
	memcpy(h->grant, p + 76, SEAL_GRANT_LEN);
	if ((h->doc_len = mk_get_be64(p + 184)) > XFERPKG_DOC_MAX)
		return MK_ERR_FORMAT;
	return 0;
}

void
xferpkg_sigmsg(const uint8_t hash[32], uint8_t out[XFERPKG_SIGMSG_LEN])
{
	memcpy(out, sigctx, sizeof(sigctx));
	memcpy(out + sizeof(sigctx), hash, 32);
}

int
xferpkg_open_key(const struct xferpkg_hdr *h, const uint8_t sk[SEAL_KEY_LEN],
    uint8_t key[SEAL_KEY_LEN])
{
	uint32_t epoch;

	return seal_open(XFERPKG_LABEL, sk, h->grant, key, &epoch);
}

int
xferpkg_parse(const uint8_t *p, size_t len,
    const uint8_t sender[SIGN_PUBLIC_LEN], struct xferpkg_hdr *h,
    const uint8_t **doc, size_t *doclen)
{
	uint8_t hash[CRY_HASH_LEN], msg[XFERPKG_SIGMSG_LEN];
	int r;

	*doc = NULL;
	*doclen = 0;
	if ((r = xferpkg_header_parse(p, len, h)) != 0)
		return r;
	if (len - XFERPKG_HDR_LEN < XFERPKG_SIG_LEN ||
	    h->doc_len > len - XFERPKG_HDR_LEN - XFERPKG_SIG_LEN)
		return MK_ERR_TRUNCATED;
	if (h->doc_len < len - XFERPKG_HDR_LEN - XFERPKG_SIG_LEN)
		return MK_ERR_TRAILING;
	if (!cry_ct_equal(h->sender, sender, SIGN_PUBLIC_LEN))
		return MK_ERR_SIGNATURE;
	cry_sha256(p, XFERPKG_HDR_LEN + (size_t)h->doc_len, hash);
	xferpkg_sigmsg(hash, msg);
	if (sign_verify(h->sender, msg, sizeof(msg),
	    p + XFERPKG_HDR_LEN + h->doc_len) != 0)
		return MK_ERR_SIGNATURE;
	*doc = p + XFERPKG_HDR_LEN;
	*doclen = (size_t)h->doc_len;
	return 0;
}
