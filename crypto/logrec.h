/*
 * One audit-log record in its canonical encoding (docs/formats.md, audit log, to
 * be merged into docs/formats.md): encode a record from C strings, parse
 * one from bytes (bounded, fuzzed). Parsed strings point into the caller's
 * bytes and are not NUL-terminated; escape them (common/text.h) before
 * display. Below those, the framing, segment header, checkpoint trailer,
 * key schedule and chain MAC that the writer and the verifier share.
 */
#ifndef MATKIOSK_LOGREC_H
#define MATKIOSK_LOGREC_H

#include <stddef.h>
#include <stdint.h>

struct mkbuf;

#define LOGREC_VERSION		1
#define LOGREC_BODY_MAX		65536	/* encoded body bytes */
#define LOGREC_STR_MAX		4096	/* bytes in one string */
#define LOGREC_FIELDS_MAX	32
#define LOGREC_BOOT_ID_LEN	16
#define LOGREC_MAC_LEN		32

/* Severities; the incident levels of Article 12 are 1..4. */
#define LOG_SEV_INFO		0
#define LOG_SEV_THAP		1	/* Thấp */
#define LOG_SEV_TRUNG_BINH	2	/* Trung bình */
#define LOG_SEV_CAO		3	/* Cao */
#define LOG_SEV_KHAN_CAP	4	/* Khẩn cấp */

/* Record kinds. A seal ends a key epoch: the next record, if any, belongs
 * to the next epoch and must follow it directly. */
#define LOGREC_EVENT		0
#define LOGREC_SEAL		1

/* What a caller asks to record (the log fills in sequence, epoch, times). */
struct logkv {
	const char	*key;
	const char	*value;
};

struct logev {
	uint8_t			 severity;
	const char		*actor;		/* account, "system" or "-" */
	const char		*role;
	const char		*event;		/* e.g. "doc.import" */
	const char		*object;	/* e.g. a document id */
	size_t			 nfields;
	const struct logkv	*fields;
};

struct logstr {
	const uint8_t	*p;
	size_t		 len;
};

struct logrec {
	uint8_t		kind;
	uint64_t	seq;
	uint32_t	epoch;
	int64_t		wall_us;	/* CLOCK_REALTIME, microseconds */
	uint64_t	mono_us;	/* CLOCK_BOOTTIME, microseconds */
	uint8_t		boot_id[LOGREC_BOOT_ID_LEN];
	uint8_t		severity;
	struct logstr	actor, role, event, object;
	size_t		nfields;
	struct logstr	keys[LOGREC_FIELDS_MAX];
	struct logstr	values[LOGREC_FIELDS_MAX];
};

/* Appends the canonical body of a record to out. */
int logrec_encode(struct mkbuf *out, uint8_t kind, uint64_t seq,
    uint32_t epoch, int64_t wall_us, uint64_t mono_us,
    const uint8_t boot_id[LOGREC_BOOT_ID_LEN], const struct logev *ev);
/* Parses exactly len bytes of body; MK_ERR_TRAILING if bytes remain. */
int logrec_parse(const uint8_t *body, size_t len, struct logrec *rec);
/* The value of field key, or NULL. */
const struct logstr *logrec_field(const struct logrec *rec, const char *key);
/* 1 if s equals the C string c. */
int logstr_eq(const struct logstr *s, const char *c);

/* Severity <-> Vietnamese / English names ("Khẩn cấp" / "emergency"). */
const char *logrec_severity_name(uint8_t severity);
const char *logrec_severity_name_en(uint8_t severity);

/*
 * The on-disk framing shared by the writer (auditlog.c) and the verifier
 * (logverify.c), so that the format is written down in one place
 * (docs/formats.md, audit log). A segment is a header, then frames
 * (u32 length || body || MAC), then, once sealed, a checkpoint trailer.
 */
#define LOGREC_KEY_LEN		32
#define LOGREC_BODY_MIN		56	/* every string empty, no fields */
#define LOGREC_FRAME_OVERHEAD	(4 + LOGREC_MAC_LEN)
#define LOGREC_FRAME_MAX	(LOGREC_BODY_MAX + LOGREC_FRAME_OVERHEAD)
#define LOGREC_SEGHDR_LEN	48
#define LOGREC_TRAILER_LEN	112
#define LOGREC_CKPT_MSG_LEN	70	/* what the device key signs */
#define LOGREC_SIG_LEN		64
#define LOGREC_SEGHDR_MAGIC	"MATKLOG"	/* 8 bytes with the NUL */
#define LOGREC_TRAILER_MAGIC	"MATKSIG"	/* 8 bytes with the NUL */
#define LOGREC_MAGIC_LEN	8
#define LOGREC_SEAL_EVENT	"log.seal"
#define LOGREC_INIT_EVENT	"log.init"

/* What starts at a frame boundary (logrec_frame). */
#define LOGREC_ITEM_RECORD	1
#define LOGREC_ITEM_TRAILER	2

struct logtrailer {
	uint64_t	last_seq;
	uint8_t		mac[LOGREC_MAC_LEN];
	uint8_t		sig[LOGREC_SIG_LEN];
};

/* 1 if name is a segment file name ("%08u.seg", 1..99999999). */
int logrec_segment_name(const char *name, uint32_t *segno);
void logrec_seghdr_encode(uint8_t out[LOGREC_SEGHDR_LEN], uint32_t segno,
    uint64_t first_seq);
/* MK_ERR_FORMAT / MK_ERR_VERSION / MK_ERR_TRUNCATED on a bad header. */
int logrec_seghdr_parse(const uint8_t *p, size_t len, uint32_t *segno,
    uint64_t *first_seq);
void logrec_trailer_encode(uint8_t out[LOGREC_TRAILER_LEN],
    const struct logtrailer *t);
/* Parses the LOGREC_TRAILER_LEN bytes at p (magic checked). */
int logrec_trailer_parse(const uint8_t *p, size_t len, struct logtrailer *t);
void logrec_checkpoint_msg(uint8_t out[LOGREC_CKPT_MSG_LEN], uint32_t segno,
    uint64_t last_seq, const uint8_t mac[LOGREC_MAC_LEN]);
/*
 * Classifies the left bytes at a frame boundary: LOGREC_ITEM_RECORD with
 * *itemlen the whole frame, LOGREC_ITEM_TRAILER with *itemlen
 * LOGREC_TRAILER_LEN, MK_ERR_TRUNCATED if the item runs past the end,
 * MK_ERR_FORMAT if the length is out of bounds and it is no trailer.
 */
int logrec_frame(const uint8_t *p, size_t left, size_t *itemlen);
/* K_{e+1} = SHA-256("matkiosk log key v1" || K_e); next may equal k. */
int logrec_next_key(const uint8_t k[LOGREC_KEY_LEN],
    uint8_t next[LOGREC_KEY_LEN]);

/*
 * The chain MAC, HMAC-SHA256(K_e, MAC_{i-1} || frame) where frame is
 * u32 length || body. One handle per epoch: logmac_setkey replaces the
 * handle so that no state derived from the old key outlives it.
 *
 * secure puts libgcrypt's HMAC state in its locked pool. The writer asks
 * for it; the verifier does not, because libgcrypt then allocates from
 * that pool for every record it finalises, which costs a seventh of the
 * verifier's speed (the key bytes themselves stay with the caller, in
 * secure memory, and the state is wiped when the handle is closed).
 */
struct logmac;

int logmac_new(const uint8_t key[LOGREC_KEY_LEN], int secure,
    struct logmac **out);
int logmac_setkey(struct logmac *m, const uint8_t key[LOGREC_KEY_LEN]);
int logmac_compute(struct logmac *m, const uint8_t prev[LOGREC_MAC_LEN],
    const uint8_t *frame, size_t len, uint8_t out[LOGREC_MAC_LEN]);
/* 0 if the frame's MAC is want, MK_ERR_AUTH if not (constant time).
 * prev may be NULL when frame already begins with the 32 bytes of
 * MAC_{i-1} (len then counts them): one write instead of two. */
int logmac_check(struct logmac *m, const uint8_t prev[LOGREC_MAC_LEN],
    const uint8_t *frame, size_t len, const uint8_t want[LOGREC_MAC_LEN]);
/* Wipes the key state; accepts NULL. */
void logmac_free(struct logmac *m);

#endif /* MATKIOSK_LOGREC_H */
