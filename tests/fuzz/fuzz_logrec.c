/*
 * libFuzzer target for the audit-log parsers: logrec_parse (with the
 * canonical round trip as an oracle), the framing, and the verifier over a
 * whole segment. The first byte picks the mode.
 *
 * Mode 2 repairs the MAC chain of the input before verifying it (with K_0
 * and the key schedule, as the writer would): without that the verifier
 * stops at the first MAC and the fuzzer never reaches the rules behind it
 * (sequence, epochs, seals, log.init, trailers).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "crypto/cry.h"
#include "crypto/logrec.h"
#include "crypto/logverify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t k0[32] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

static int
has_nul(const struct logstr *s)
{
	return s->len > 0 && memchr(s->p, 0, s->len) != NULL;
}

static char *
dup_str(const struct logstr *s)
{
	char *c = malloc(s->len + 1);

	if (c == NULL)
		abort();
	memcpy(c, s->p, s->len);
	c[s->len] = '\0';
	return c;
}

/* Whatever parses must encode back to the same bytes (strings with a NUL
 * cannot be given to the encoder as C strings, so those are skipped). */
static void
roundtrip(const uint8_t *p, size_t n, const struct logrec *rec)
{
	struct logkv kv[LOGREC_FIELDS_MAX];
	char *s[4 + 2 * LOGREC_FIELDS_MAX];
	struct logev ev;
	struct mkbuf *b;
	size_t i, ns = 0;

	if (has_nul(&rec->actor) || has_nul(&rec->role) ||
	    has_nul(&rec->event) || has_nul(&rec->object))
		return;
	for (i = 0; i < rec->nfields; i++)
		if (has_nul(&rec->keys[i]) || has_nul(&rec->values[i]))
			return;
	ev.severity = rec->severity;
	ev.actor = s[ns++] = dup_str(&rec->actor);
	ev.role = s[ns++] = dup_str(&rec->role);
	ev.event = s[ns++] = dup_str(&rec->event);
	ev.object = s[ns++] = dup_str(&rec->object);
	for (i = 0; i < rec->nfields; i++) {
		kv[i].key = s[ns++] = dup_str(&rec->keys[i]);
		kv[i].value = s[ns++] = dup_str(&rec->values[i]);
	}
	ev.nfields = rec->nfields;
	ev.fields = kv;
	if ((b = mkbuf_new(LOGREC_BODY_MAX)) == NULL)
		abort();
	if (logrec_encode(b, rec->kind, rec->seq, rec->epoch, rec->wall_us,
	    rec->mono_us, rec->boot_id, &ev) != 0 || mkbuf_len(b) != n ||
	    memcmp(mkbuf_ptr(b), p, n) != 0)
		abort();
	mkbuf_free(b);
	while (ns > 0)
		free(s[--ns]);
}

static void
fuzz_parse(const uint8_t *p, size_t n)
{
	struct logrec rec;
	size_t ilen;

	(void)logrec_frame(p, n, &ilen);
	if (logrec_parse(p, n, &rec) != 0)
		return;
	(void)logrec_field(&rec, "device-key");
	(void)logrec_severity_name(rec.severity);
	roundtrip(p, n, &rec);
}

static void
verify_one(const uint8_t *p, size_t n)
{
	struct logverify_report rep;
	struct logverify_seg seg = { "00000001.seg", p, n };

	(void)logverify_segments(&seg, 1, k0, NULL, NULL, &rep);
	if (rep.err == 0 && rep.records == 0)
		abort();
}

/* Recomputes every record's MAC along the chain, evolving the key after
 * anything that parses as a seal, as the verifier will. */
static void
fix_macs(uint8_t *p, size_t n)
{
	uint8_t key[32], prev[32];
	struct logmac *m = NULL;
	struct logrec rec;
	size_t off = LOGREC_SEGHDR_LEN, ilen;

	memcpy(key, k0, sizeof(key));
	memset(prev, 0, sizeof(prev));
	if (logmac_new(key, 0, &m) != 0)
		abort();
	while (off < n && logrec_frame(p + off, n - off, &ilen) ==
	    LOGREC_ITEM_RECORD) {
		logmac_compute(m, prev, p + off, ilen - LOGREC_MAC_LEN, prev);
		memcpy(p + off + ilen - LOGREC_MAC_LEN, prev, LOGREC_MAC_LEN);
		if (logrec_parse(p + off + 4, ilen - LOGREC_FRAME_OVERHEAD,
		    &rec) == 0 && rec.kind == LOGREC_SEAL) {
			logrec_next_key(key, key);
			logmac_setkey(m, key);
		}
		off += ilen;
	}
	logmac_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	uint8_t *copy;

	if (!init) {
		if (cry_init(1 << 16, 0) != 0)
			abort();
		init = 1;
	}
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_parse(data + 1, size - 1);
		break;
	case 1:
		verify_one(data + 1, size - 1);
		break;
	default:
		if ((copy = malloc(size)) == NULL)
			abort();
		memcpy(copy, data + 1, size - 1);
		fix_macs(copy, size - 1);
		verify_one(copy, size - 1);
		free(copy);
		break;
	}
	return 0;
}
