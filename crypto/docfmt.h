/*
 * The encrypted document format, version 1 (specified in docs/formats.md).
 *
 * A header (magic, version, classification, id, nonce prefix, the data key
 * wrapped under the vault master key, encrypted metadata) followed by the
 * body in 64 KiB chunks of AES-256-GCM in the STREAM construction: chunk i
 * is sealed with nonce = prefix(7) || be32(i) || last-flag(1) and the
 * SHA-256 of the authenticated header as associated data, so truncation,
 * reordering, chunk swapping and appended bytes are all detected, and memory
 * stays constant for any document size.
 *
 * The wrapped data key (the "key block") is deliberately outside the header
 * hash: rotating the master key rewrites those 64 bytes in place and never
 * the body. The key block is itself AES-256-GCM, bound to the fixed header.
 */
#ifndef MATKIOSK_DOCFMT_H
#define MATKIOSK_DOCFMT_H

#include <stddef.h>
#include <stdint.h>

#define DOCFMT_VERSION		1
#define DOCFMT_CHUNK		65536	/* plaintext bytes per full chunk */
#define DOCFMT_TAG		16
#define DOCFMT_CT_CHUNK		(DOCFMT_CHUNK + DOCFMT_TAG)
#define DOCFMT_ID_LEN		16
#define DOCFMT_PREFIX_LEN	7
#define DOCFMT_KEY_LEN		32
#define DOCFMT_FIXED_LEN	44	/* authenticated fixed header */
#define DOCFMT_KEYBLOCK_OFF	44
#define DOCFMT_KEYBLOCK_LEN	64	/* epoch, wrap nonce, wrapped key, tag */
#define DOCFMT_META_OFF		(DOCFMT_KEYBLOCK_OFF + DOCFMT_KEYBLOCK_LEN)
#define DOCFMT_META_MAX		4096	/* plaintext metadata bytes */
#define DOCFMT_HEADER_MAX	(DOCFMT_META_OFF + DOCFMT_META_MAX + DOCFMT_TAG)
#define DOCFMT_TITLE_MAX	512
#define DOCFMT_NAME_MAX		64

/* Classification levels, as stored. */
#define DOCFMT_MAT		1	/* Mật */
#define DOCFMT_TOI_MAT		2	/* Tối mật */
#define DOCFMT_TUYET_MAT	3	/* Tuyệt mật */

/* Metadata bound to the ciphertext (stored encrypted in the header). */
struct docfmt_meta {
	char	title[DOCFMT_TITLE_MAX + 1];	/* UTF-8 */
	char	author[DOCFMT_NAME_MAX + 1];	/* account name */
	int64_t	created;			/* seconds since the epoch */
};

/* The public part of a header, as parsed without any key. */
struct docfmt_info {
	uint16_t	version;
	uint8_t		classification;
	uint8_t		id[DOCFMT_ID_LEN];
	uint32_t	key_epoch;	/* which master key wraps the data key */
	size_t		header_len;
};

/* Token <-> level: "mat", "toi-mat", "tuyet-mat". 0 / NULL if unknown. */
int docfmt_class_parse(const char *token);
const char *docfmt_class_token(int classification);

/*
 * Parses and checks the header's structure (no key needed). len may be less
 * than the whole header: MK_ERR_TRUNCATED then, with info->header_len set
 * once the first DOCFMT_FIXED_LEN bytes are present, so a reader knows how
 * much to read.
 */
int docfmt_parse_info(const uint8_t *p, size_t len, struct docfmt_info *info);

/* Plaintext length of a document whose whole file is file_len bytes long,
 * from lengths alone; MK_ERR_FORMAT if no valid chunking gives file_len. */
int docfmt_plain_len(size_t header_len, uint64_t file_len, uint64_t *plain);

struct docfmt_enc;
struct docfmt_dec;

/*
 * Starts a new document under master key mk (whose epoch is key_epoch): a
 * random id, data key, nonce prefix and wrap nonce.
 */
int docfmt_enc_new(const uint8_t mk[DOCFMT_KEY_LEN], uint32_t key_epoch,
    int classification, const struct docfmt_meta *meta,
    struct docfmt_enc **out);
/* The same with every random input given: for test vectors only. */
int docfmt_enc_new_fixed(const uint8_t mk[DOCFMT_KEY_LEN], uint32_t key_epoch,
    int classification, const struct docfmt_meta *meta,
    const uint8_t dek[DOCFMT_KEY_LEN], const uint8_t id[DOCFMT_ID_LEN],
    const uint8_t prefix[DOCFMT_PREFIX_LEN], const uint8_t wrap_nonce[12],
    struct docfmt_enc **out);
const uint8_t *docfmt_enc_header(const struct docfmt_enc *e, size_t *len);
const uint8_t *docfmt_enc_id(const struct docfmt_enc *e);
/*
 * Seals the next chunk: len == DOCFMT_CHUNK for every chunk but the last,
 * 0..DOCFMT_CHUNK for the last (0 only when it is also the first). Writes
 * len + DOCFMT_TAG bytes to out. No chunk may follow the last.
 */
int docfmt_enc_chunk(struct docfmt_enc *e, const uint8_t *in, size_t len,
    int last, uint8_t *out);
/* Wipes the keys; accepts NULL. */
void docfmt_enc_free(struct docfmt_enc *e);

/*
 * Opens a document header with master key mk: MK_ERR_AUTH if the key block
 * or the metadata do not authenticate (wrong key, altered header). meta may
 * be NULL.
 */
int docfmt_dec_new(const uint8_t mk[DOCFMT_KEY_LEN], const uint8_t *hdr,
    size_t hdrlen, struct docfmt_meta *meta, struct docfmt_dec **out);
const struct docfmt_info *docfmt_dec_info(const struct docfmt_dec *d);
/*
 * Opens the next chunk of len bytes (DOCFMT_CT_CHUNK for a non-last chunk,
 * DOCFMT_TAG..DOCFMT_CT_CHUNK for the last), writing len - DOCFMT_TAG bytes
 * to out; out is wiped on failure. MK_ERR_AUTH on any mismatch.
 */
int docfmt_dec_chunk(struct docfmt_dec *d, const uint8_t *in, size_t len,
    int last, uint8_t *out);
/* MK_ERR_TRUNCATED unless the last chunk has been opened. */
int docfmt_dec_finish(const struct docfmt_dec *d);
void docfmt_dec_free(struct docfmt_dec *d);

/*
 * Re-wraps the data key of the header in place (hdr is a writable copy of at
 * least DOCFMT_META_OFF bytes) from old_mk to new_mk with epoch new_epoch,
 * so the body never changes. MK_ERR_AUTH if old_mk does not open it.
 */
int docfmt_rewrap(uint8_t *hdr, size_t hdrlen,
    const uint8_t old_mk[DOCFMT_KEY_LEN],
    const uint8_t new_mk[DOCFMT_KEY_LEN], uint32_t new_epoch);

/*
 * Whole-file helpers over file descriptors, with constant memory.
 * encrypt reads in_fd to its end; decrypt writes plaintext to out_fd as it
 * goes (callers that must not emit unverified plaintext run verify first);
 * verify authenticates every chunk and writes nothing. id_out may be NULL.
 */
int docfmt_encrypt_fd(const uint8_t mk[DOCFMT_KEY_LEN], uint32_t key_epoch,
    int classification, const struct docfmt_meta *meta, int in_fd,
    int out_fd, uint8_t id_out[DOCFMT_ID_LEN]);
int docfmt_decrypt_fd(const uint8_t mk[DOCFMT_KEY_LEN], int in_fd,
    int out_fd, struct docfmt_meta *meta);
int docfmt_verify_fd(const uint8_t mk[DOCFMT_KEY_LEN], int in_fd,
    struct docfmt_meta *meta, uint64_t *plain_len);

#endif /* MATKIOSK_DOCFMT_H */
