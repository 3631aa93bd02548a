/*
 * Unit tests of the document format (crypto/docfmt.c): round trips through
 * the chunk API and the fd helpers, every attack the format must detect,
 * rewrapping, header and metadata parsing, and the published test vectors
 * (docs/formats.md, document).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gcrypt.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "crypto/cry.h"
#include "crypto/docfmt.h"

#define MIB		(1024 * 1024)
#define BIG_SIZE	(5 * MIB + 1)

/*
 * Vector 1: MK = 00..1f, DEK = 20..3f, id = 40..4f, prefix = 50..56, wrap
 * nonce = 60..6b, epoch 1, toi-mat, title "Công văn số 12/2026", author
 * "nguyenvana", created 1767225600, plaintext "Xin chào": the whole file.
 */
static const char v1_hex[] =
    "4d41544b444f43000001020000010000404142434445464748494a4b4c4d4e4f"
    "5051525354555600005a000000000001606162636465666768696a6bcafab976"
    "9f65a548543fd3005ea0ef6c1644bbbab05104ee9b98ba5740cfc9373c60d782"
    "a0210373e80f07111b791650dcabbd3b60106296d7bdcc5c29b9502beaebea44"
    "690a4ce9ec5dc4e3991893fe3797c3f8f0c58b06308c975680ee39b951fcfc35"
    "91eb3f488b4de7bf4d3931b15ae17dd644ad45f0b635329301ccd500b90eca26"
    "1a66334c7cbe8fed11dbee46122804188816d2fa0ec557d69526769d3ff0b2";
/* Vector 2: the same inputs, 70000 bytes with byte k = k mod 251. */
#define V2_LEN		70230
static const char v2_sha256[] =
    "a9e87abf307c1de830f650a9fceb3d79e3f3ccdda1b5c8e293da1b7e61f1c506";

static uint8_t mk1[DOCFMT_KEY_LEN];	/* 00..1f */
static uint8_t mk2[DOCFMT_KEY_LEN];	/* another master key */

struct doc {
	uint8_t	*p;
	size_t	 len;
	size_t	 hlen;
};

static void
fill_seq(uint8_t *p, size_t n, uint8_t start)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(start + i);
}

static uint8_t *
pattern(size_t n, unsigned seed)
{
	uint8_t *p = malloc(n + 1);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)((i * 131 + seed) % 251);
	return p;
}

static int
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static void
test_meta(struct docfmt_meta *m)
{
	memset(m, 0, sizeof(*m));
	strcpy(m->title, "Công văn số 12/2026");
	strcpy(m->author, "nguyenvana");
	m->created = 1767225600;
}

static size_t
chunk_count(size_t n)
{
	return n == 0 ? 1 : (n + DOCFMT_CHUNK - 1) / DOCFMT_CHUNK;
}

/* Seals pt through the chunk API into d (header followed by the body). */
static void
seal_with(struct docfmt_enc *e, const uint8_t *pt, size_t n, struct doc *d)
{
	const uint8_t *hdr;
	size_t off, pos = 0, c;
	int last;

	hdr = docfmt_enc_header(e, &d->hlen);
	d->len = d->hlen + n + chunk_count(n) * DOCFMT_TAG;
	assert_non_null(d->p = malloc(d->len));
	memcpy(d->p, hdr, d->hlen);
	off = d->hlen;
	do {
		c = n - pos;
		last = c <= DOCFMT_CHUNK;
		if (!last)
			c = DOCFMT_CHUNK;
		assert_int_equal(docfmt_enc_chunk(e, pt + pos, c, last,
		    d->p + off), 0);
		off += c + DOCFMT_TAG;
		pos += c;
	} while (!last);
	assert_int_equal(off, d->len);
}

static void
enc_mem(const uint8_t *mk, const uint8_t *pt, size_t n, struct doc *d)
{
	struct docfmt_enc *e;
	struct docfmt_meta m;

	test_meta(&m);
	assert_int_equal(docfmt_enc_new(mk, 1, DOCFMT_TOI_MAT, &m, &e), 0);
	seal_with(e, pt, n, d);
	docfmt_enc_free(e);
}

static void
enc_vector(const uint8_t *pt, size_t n, struct doc *d)
{
	uint8_t dek[32], id[16], prefix[7], wn[12];
	struct docfmt_enc *e;
	struct docfmt_meta m;

	fill_seq(dek, sizeof(dek), 0x20);
	fill_seq(id, sizeof(id), 0x40);
	fill_seq(prefix, sizeof(prefix), 0x50);
	fill_seq(wn, sizeof(wn), 0x60);
	test_meta(&m);
	assert_int_equal(docfmt_enc_new_fixed(mk1, 1, DOCFMT_TOI_MAT, &m, dek,
	    id, prefix, wn, &e), 0);
	seal_with(e, pt, n, d);
	docfmt_enc_free(e);
}

/*
 * Opens a whole file through the chunk API, framing it as the fd reader
 * does. out (at least len bytes, zeroed by the caller) receives plaintext;
 * *produced says how much verified. On failure nothing past *produced may
 * be left in out.
 */
static int
dec_mem(const uint8_t *mk, const uint8_t *file, size_t len, uint8_t *out,
    size_t *produced, struct docfmt_meta *meta)
{
	struct docfmt_info info;
	struct docfmt_dec *d = NULL;
	size_t off, n, rest;
	int last, r;

	*produced = 0;
	if ((r = docfmt_parse_info(file, len, &info)) != 0)
		return r;
	if ((r = docfmt_dec_new(mk, file, info.header_len, meta, &d)) != 0) {
		assert_null(d);
		return r;
	}
	off = info.header_len;
	do {
		rest = len - off;
		n = rest > DOCFMT_CT_CHUNK ? DOCFMT_CT_CHUNK : rest;
		last = rest <= DOCFMT_CT_CHUNK;
		r = docfmt_dec_chunk(d, file + off, n, last, out + *produced);
		if (r != 0)
			break;
		off += n;
		*produced += n - DOCFMT_TAG;
	} while (!last);
	if (r == 0)
		r = docfmt_dec_finish(d);
	else
		assert_int_equal(docfmt_dec_finish(d), r);
	docfmt_dec_free(d);
	if (r != 0)
		assert_true(all_zero(out + *produced, len - *produced));
	return r;
}

static int
mem_fd(const void *p, size_t n)
{
	int fd = memfd_create("docfmt-test", 0);

	assert_true(fd >= 0);
	assert_int_equal(mkfs_write_all(fd, p, n), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static uint8_t *
fd_contents(int fd, size_t *n)
{
	off_t end = lseek(fd, 0, SEEK_END);
	uint8_t *p;
	size_t got;

	assert_true(end >= 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_non_null(p = malloc((size_t)end + 1));
	assert_int_equal(mkfs_read_full(fd, p, (size_t)end, &got), 0);
	assert_int_equal(got, (size_t)end);
	*n = got;
	return p;
}

/* A child writes p into a pipe in odd-sized pieces, so that the reader
 * sees short reads that straddle chunk boundaries. */
static pid_t
dribble(const uint8_t *p, size_t n, int *rfd)
{
	int fds[2];
	size_t off, step;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		close(fds[0]);
		for (off = 0; off < n; off += step) {
			step = 1 + (off * 7 + 1000) % 6007;
			if (step > n - off)
				step = n - off;
			if (mkfs_write_all(fds[1], p + off, step) != 0)
				_exit(1);
		}
		_exit(0);
	}
	close(fds[1]);
	*rfd = fds[0];
	return pid;
}

static void
reap(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int
group_setup(void **state)
{
	(void)state;
	fill_seq(mk1, sizeof(mk1), 0x00);
	fill_seq(mk2, sizeof(mk2), 0xa0);
	return cry_init(1 << 20, 0);
}

/* Very strong random bytes start libgcrypt's jitter entropy collector,
 * which lives until the random device is closed: close it so that
 * LeakSanitizer sees only our own allocations. */
static int
group_teardown(void **state)
{
	(void)state;
	gcry_control(GCRYCTL_CLOSE_RANDOM_DEVICE, 0);
	return 0;
}

static void
test_class_tokens(void **state)
{
	(void)state;
	assert_int_equal(docfmt_class_parse("mat"), DOCFMT_MAT);
	assert_int_equal(docfmt_class_parse("toi-mat"), DOCFMT_TOI_MAT);
	assert_int_equal(docfmt_class_parse("tuyet-mat"), DOCFMT_TUYET_MAT);
	assert_int_equal(docfmt_class_parse("Mat"), 0);
	assert_int_equal(docfmt_class_parse("mat "), 0);
	assert_int_equal(docfmt_class_parse(""), 0);
	assert_int_equal(docfmt_class_parse(NULL), 0);
	assert_string_equal(docfmt_class_token(1), "mat");
	assert_string_equal(docfmt_class_token(2), "toi-mat");
	assert_string_equal(docfmt_class_token(3), "tuyet-mat");
	assert_null(docfmt_class_token(0));
	assert_null(docfmt_class_token(4));
	assert_null(docfmt_class_token(-1));
}

static const size_t sizes[] = {
	0, 1, 65535, 65536, 65537, 2 * 65536, BIG_SIZE
};

static void
test_plain_len(void **state)
{
	const size_t h = 198;	/* header of the test metadata */
	const uint64_t ct = DOCFMT_CT_CHUNK, most = (uint64_t)1 << 32;
	uint64_t plain;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(docfmt_plain_len(h, h + sizes[i] +
		    chunk_count(sizes[i]) * DOCFMT_TAG, &plain), 0);
		assert_int_equal(plain, sizes[i]);
	}
	assert_int_equal(docfmt_plain_len(h, h + 16, &plain), 0);
	assert_int_equal(plain, 0);
	/* Too short for a tag, a partial tag, an empty non-first last chunk. */
	assert_int_equal(docfmt_plain_len(h, h, &plain), MK_ERR_FORMAT);
	assert_int_equal(plain, 0);
	assert_int_equal(docfmt_plain_len(h, h + 15, &plain), MK_ERR_FORMAT);
	assert_int_equal(docfmt_plain_len(h, h + ct + 8, &plain),
	    MK_ERR_FORMAT);
	assert_int_equal(docfmt_plain_len(h, h + ct + 16, &plain),
	    MK_ERR_FORMAT);
	assert_int_equal(docfmt_plain_len(h, h + ct + 17, &plain), 0);
	assert_int_equal(plain, 65537);
	assert_int_equal(docfmt_plain_len(h, 10, &plain), MK_ERR_FORMAT);
	/* Header lengths outside 108 + 17 .. 108 + 4096 + 16. */
	assert_int_equal(docfmt_plain_len(124, 200, &plain), MK_ERR_FORMAT);
	assert_int_equal(docfmt_plain_len(4221, 5000, &plain), MK_ERR_FORMAT);
	assert_int_equal(docfmt_plain_len(4220, 4236, &plain), 0);
	/* The 32-bit counter allows 2^32 chunks, not one more. */
	assert_int_equal(docfmt_plain_len(h, h + most * ct, &plain), 0);
	assert_int_equal(plain, most * DOCFMT_CHUNK);
	assert_int_equal(docfmt_plain_len(h, h + most * ct + 17, &plain),
	    MK_ERR_FORMAT);
	assert_int_equal(docfmt_plain_len(h, UINT64_MAX, &plain),
	    MK_ERR_FORMAT);
	assert_int_equal(docfmt_plain_len(h, h + 16, NULL), MK_ERR_ARGUMENT);
}

static void
check_round_trip_mem(size_t n)
{
	struct docfmt_meta m, want;
	struct doc d;
	uint8_t *pt = pattern(n, (unsigned)n), *out;
	uint64_t plain;
	size_t got;

	enc_mem(mk1, pt, n, &d);
	assert_int_equal(docfmt_plain_len(d.hlen, d.len, &plain), 0);
	assert_int_equal(plain, n);
	assert_non_null(out = calloc(1, d.len));
	assert_int_equal(dec_mem(mk1, d.p, d.len, out, &got, &m), 0);
	assert_int_equal(got, n);
	assert_memory_equal(out, pt, n);
	test_meta(&want);
	assert_string_equal(m.title, want.title);
	assert_string_equal(m.author, want.author);
	assert_int_equal(m.created, want.created);
	free(out);
	free(d.p);
	free(pt);
}

static void
check_round_trip_fd(size_t n)
{
	struct docfmt_info info;
	struct docfmt_meta m;
	uint8_t *pt = pattern(n, (unsigned)n + 1), *file, *back;
	uint8_t id[DOCFMT_ID_LEN];
	size_t flen, blen;
	uint64_t plain;
	int in, ct, out;
	pid_t pid;

	test_meta(&m);
	pid = dribble(pt, n, &in);
	assert_true((ct = memfd_create("ct", 0)) >= 0);
	assert_int_equal(docfmt_encrypt_fd(mk1, 7, DOCFMT_MAT, &m, in, ct, id),
	    0);
	reap(pid);
	close(in);
	file = fd_contents(ct, &flen);
	assert_int_equal(docfmt_parse_info(file, flen, &info), 0);
	assert_int_equal(info.key_epoch, 7);
	assert_int_equal(docfmt_plain_len(info.header_len, flen, &plain), 0);
	assert_int_equal(plain, n);
	assert_memory_equal(file + 16, id, DOCFMT_ID_LEN);
	assert_int_equal(file[10], DOCFMT_MAT);

	pid = dribble(file, flen, &in);
	assert_true((out = memfd_create("pt", 0)) >= 0);
	assert_int_equal(docfmt_decrypt_fd(mk1, in, out, &m), 0);
	reap(pid);
	close(in);
	back = fd_contents(out, &blen);
	assert_int_equal(blen, n);
	assert_memory_equal(back, pt, n);
	assert_string_equal(m.author, "nguyenvana");

	assert_int_equal(lseek(ct, 0, SEEK_SET), 0);
	assert_int_equal(docfmt_verify_fd(mk1, ct, &m, &plain), 0);
	assert_int_equal(plain, n);
	assert_int_equal(m.created, 1767225600);
	close(ct);
	close(out);
	free(back);
	free(file);
	free(pt);
}

static void
test_round_trip_mem(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		check_round_trip_mem(sizes[i]);
}

static void
test_round_trip_fd(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		check_round_trip_fd(sizes[i]);
}

/* A document of exactly one full chunk is that chunk flagged last; one more
 * byte is a full chunk and a 1-byte last chunk. */
static void
test_chunk_boundaries(void **state)
{
	struct doc d;
	uint8_t *pt = pattern(65537, 3);

	(void)state;
	enc_mem(mk1, pt, 65536, &d);
	assert_int_equal(d.len, d.hlen + DOCFMT_CT_CHUNK);
	free(d.p);
	enc_mem(mk1, pt, 65537, &d);
	assert_int_equal(d.len, d.hlen + DOCFMT_CT_CHUNK + 1 + DOCFMT_TAG);
	free(d.p);
	enc_mem(mk1, pt, 0, &d);
	assert_int_equal(d.len, d.hlen + DOCFMT_TAG);
	free(d.p);
	free(pt);
}

/*
 * Every way of opening the file must refuse it with one of the expected
 * errors, and emit no plaintext beyond the good bytes that precede the
 * damage: the chunk API, verify_fd (which writes nothing) and decrypt_fd.
 */
static void
check_rejected(const uint8_t *mk, const uint8_t *file, size_t len,
    size_t good, int e1, int e2)
{
	struct docfmt_meta m;
	uint8_t *out, *emitted;
	uint64_t plain;
	size_t got, elen;
	int fd, ofd, r;

	assert_non_null(out = calloc(1, len + 1));
	r = dec_mem(mk, file, len, out, &got, NULL);
	assert_true(r == e1 || r == e2);
	assert_true(got <= good);
	free(out);

	fd = mem_fd(file, len);
	r = docfmt_verify_fd(mk, fd, &m, &plain);
	assert_true(r == e1 || r == e2);
	assert_int_equal(plain, 0);
	assert_true(all_zero((const uint8_t *)&m, sizeof(m)));

	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_true((ofd = memfd_create("out", 0)) >= 0);
	r = docfmt_decrypt_fd(mk, fd, ofd, &m);
	assert_true(r == e1 || r == e2);
	emitted = fd_contents(ofd, &elen);
	assert_true(elen <= good);
	free(emitted);
	close(ofd);
	close(fd);
}

static const size_t three = 2 * 65536 + 1000;	/* three chunks */

static size_t
chunk_off(const struct doc *d, size_t i)
{
	return d->hlen + i * DOCFMT_CT_CHUNK;
}

static void
test_flip_header(void **state)
{
	struct docfmt_dec *dec;
	struct doc d;
	uint8_t *pt = pattern(three, 9), *hdr;
	size_t i;
	int r, want;

	(void)state;
	enc_mem(mk1, pt, three, &d);
	for (i = 0; i < d.hlen; i++) {
		d.p[i] ^= 0x01;
		r = docfmt_dec_new(mk1, d.p, d.hlen, NULL, &dec);
		assert_null(dec);
		if (i < 8 || i == 11 || (i >= 12 && i < 16) || i == 39 ||
		    i == 42 || i == 43)
			want = MK_ERR_FORMAT;
		else if (i == 8 || i == 9)
			want = MK_ERR_VERSION;
		else if (i == 40 || i == 41)
			want = r == 0 ? MK_ERR_AUTH : r; /* length moved */
		else
			want = MK_ERR_AUTH;	/* incl. class 2 -> 3 */
		assert_int_equal(r, want);
		assert_int_not_equal(r, 0);
		check_rejected(mk1, d.p, d.len, 0, want, MK_ERR_AUTH);
		d.p[i] ^= 0x01;
	}
	/* The untouched file still opens. */
	hdr = d.p;
	assert_int_equal(docfmt_dec_new(mk1, hdr, d.hlen, NULL, &dec), 0);
	docfmt_dec_free(dec);
	free(d.p);
	free(pt);
}

static void
test_classification_changed(void **state)
{
	struct docfmt_dec *dec;
	struct docfmt_info info;
	struct doc d;
	uint8_t *pt = pattern(100, 1);
	int c;

	(void)state;
	enc_mem(mk1, pt, 100, &d);
	for (c = DOCFMT_MAT; c <= DOCFMT_TUYET_MAT; c++) {
		if (c == DOCFMT_TOI_MAT)
			continue;
		d.p[10] = (uint8_t)c;
		assert_int_equal(docfmt_parse_info(d.p, d.len, &info), 0);
		assert_int_equal(info.classification, c);
		assert_int_equal(docfmt_dec_new(mk1, d.p, d.hlen, NULL, &dec),
		    MK_ERR_AUTH);
		assert_null(dec);
		check_rejected(mk1, d.p, d.len, 0, MK_ERR_AUTH, MK_ERR_AUTH);
	}
	free(d.p);
	free(pt);
}

static void
test_flip_body(void **state)
{
	struct doc d, small;
	uint8_t *pt = pattern(three, 5);
	size_t i, k, pos, picks[] = { 0, 1, 4000, 65535, 65536, 65551 };

	(void)state;
	enc_mem(mk1, pt, three, &d);
	for (k = 0; k < 3; k++) {
		for (i = 0; i < sizeof(picks) / sizeof(picks[0]); i++) {
			pos = chunk_off(&d, k) + picks[i];
			if (pos >= d.len)
				pos = d.len - 1 - i;	/* short last chunk */
			d.p[pos] ^= 0x80;
			check_rejected(mk1, d.p, d.len, k * DOCFMT_CHUNK,
			    MK_ERR_AUTH, MK_ERR_AUTH);
			d.p[pos] ^= 0x80;
		}
	}
	/* Every byte of a small body, including its tag. */
	enc_mem(mk1, pt, 9, &small);
	for (pos = small.hlen; pos < small.len; pos++) {
		small.p[pos] ^= 0x01;
		check_rejected(mk1, small.p, small.len, 0, MK_ERR_AUTH,
		    MK_ERR_AUTH);
		small.p[pos] ^= 0x01;
	}
	free(small.p);
	free(d.p);
	free(pt);
}

static void
test_truncation(void **state)
{
	struct doc d, full;
	uint8_t *pt = pattern(three, 6);
	size_t i;

	(void)state;
	enc_mem(mk1, pt, three, &d);
	/* Inside the header, and no body or less than a tag of it. */
	check_rejected(mk1, d.p, 0, 0, MK_ERR_TRUNCATED, MK_ERR_TRUNCATED);
	check_rejected(mk1, d.p, 30, 0, MK_ERR_TRUNCATED, MK_ERR_TRUNCATED);
	check_rejected(mk1, d.p, d.hlen - 1, 0, MK_ERR_TRUNCATED,
	    MK_ERR_TRUNCATED);
	for (i = 0; i < DOCFMT_TAG; i++)
		check_rejected(mk1, d.p, d.hlen + i, 0, MK_ERR_TRUNCATED,
		    MK_ERR_TRUNCATED);
	/* Cut at chunk boundaries: the new last chunk was not sealed last. */
	check_rejected(mk1, d.p, chunk_off(&d, 1), 0, MK_ERR_AUTH,
	    MK_ERR_TRUNCATED);
	check_rejected(mk1, d.p, chunk_off(&d, 2), DOCFMT_CHUNK, MK_ERR_AUTH,
	    MK_ERR_TRUNCATED);
	/* Cut inside a chunk. */
	check_rejected(mk1, d.p, chunk_off(&d, 1) + 5000, DOCFMT_CHUNK,
	    MK_ERR_AUTH, MK_ERR_TRUNCATED);
	check_rejected(mk1, d.p, d.len - 1, 2 * DOCFMT_CHUNK, MK_ERR_AUTH,
	    MK_ERR_TRUNCATED);
	check_rejected(mk1, d.p, chunk_off(&d, 2) + 10, 2 * DOCFMT_CHUNK,
	    MK_ERR_TRUNCATED, MK_ERR_AUTH);
	/* Two full chunks: dropping the second leaves a full non-last one. */
	enc_mem(mk1, pt, 2 * DOCFMT_CHUNK, &full);
	check_rejected(mk1, full.p, chunk_off(&full, 1), 0, MK_ERR_AUTH,
	    MK_ERR_TRUNCATED);
	free(full.p);
	free(d.p);
	free(pt);
}

static void
test_reorder(void **state)
{
	struct doc d;
	uint8_t *pt = pattern(three, 7), *tmp;
	size_t a, b;

	(void)state;
	enc_mem(mk1, pt, three, &d);
	assert_non_null(tmp = malloc(DOCFMT_CT_CHUNK));
	a = chunk_off(&d, 0);
	b = chunk_off(&d, 1);
	/* Swap chunks 0 and 1. */
	memcpy(tmp, d.p + a, DOCFMT_CT_CHUNK);
	memcpy(d.p + a, d.p + b, DOCFMT_CT_CHUNK);
	memcpy(d.p + b, tmp, DOCFMT_CT_CHUNK);
	check_rejected(mk1, d.p, d.len, 0, MK_ERR_AUTH, MK_ERR_AUTH);
	memcpy(d.p + b, d.p + a, DOCFMT_CT_CHUNK);
	memcpy(d.p + a, tmp, DOCFMT_CT_CHUNK);
	/* Chunk 0 twice (chunk 1 replaced by a copy of chunk 0). */
	memcpy(d.p + b, d.p + a, DOCFMT_CT_CHUNK);
	check_rejected(mk1, d.p, d.len, DOCFMT_CHUNK, MK_ERR_AUTH,
	    MK_ERR_AUTH);
	free(tmp);
	free(d.p);
	free(pt);
}

static void
test_append(void **state)
{
	struct doc d;
	uint8_t *pt = pattern(three, 8), *big;
	size_t extra[] = {
		1, 15, 16, 17, DOCFMT_CT_CHUNK, DOCFMT_CT_CHUNK + 20
	};
	size_t i, last_len = 1000 + DOCFMT_TAG;

	(void)state;
	enc_mem(mk1, pt, three, &d);
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		assert_non_null(big = calloc(1, d.len + extra[i]));
		memcpy(big, d.p, d.len);
		check_rejected(mk1, big, d.len + extra[i], 2 * DOCFMT_CHUNK,
		    MK_ERR_AUTH, MK_ERR_TRAILING);
		free(big);
	}
	/* The last chunk replayed, and chunk 0 replayed at the end. */
	assert_non_null(big = malloc(d.len + DOCFMT_CT_CHUNK));
	memcpy(big, d.p, d.len);
	memcpy(big + d.len, d.p + d.len - last_len, last_len);
	check_rejected(mk1, big, d.len + last_len, 2 * DOCFMT_CHUNK,
	    MK_ERR_AUTH, MK_ERR_TRAILING);
	memcpy(big + d.len, d.p + d.hlen, DOCFMT_CT_CHUNK);
	check_rejected(mk1, big, d.len + DOCFMT_CT_CHUNK, 2 * DOCFMT_CHUNK,
	    MK_ERR_AUTH, MK_ERR_TRAILING);
	free(big);
	free(d.p);
	free(pt);
}

/* A chunk, or a whole body, moved from another document under the same
 * master key with the same plaintext. */
static void
test_foreign_chunk(void **state)
{
	struct doc a, b;
	uint8_t *pt = pattern(three, 10), *mix;

	(void)state;
	enc_mem(mk1, pt, three, &a);
	enc_mem(mk1, pt, three, &b);
	assert_int_equal(a.hlen, b.hlen);
	assert_memory_not_equal(a.p + 16, b.p + 16, DOCFMT_ID_LEN);
	assert_non_null(mix = malloc(a.len));
	memcpy(mix, a.p, a.len);
	memcpy(mix + chunk_off(&a, 1), b.p + chunk_off(&b, 1),
	    DOCFMT_CT_CHUNK);
	check_rejected(mk1, mix, a.len, DOCFMT_CHUNK, MK_ERR_AUTH,
	    MK_ERR_AUTH);
	/* a's header on b's body. */
	memcpy(mix, a.p, a.hlen);
	memcpy(mix + a.hlen, b.p + b.hlen, b.len - b.hlen);
	check_rejected(mk1, mix, a.len, 0, MK_ERR_AUTH, MK_ERR_AUTH);
	/* a's key block in b's header. */
	memcpy(mix, b.p, b.len);
	memcpy(mix + 44, a.p + 44, 64);
	check_rejected(mk1, mix, a.len, 0, MK_ERR_AUTH, MK_ERR_AUTH);
	free(mix);
	free(a.p);
	free(b.p);
	free(pt);
}

static void
test_wrong_key(void **state)
{
	struct docfmt_dec *dec;
	struct docfmt_meta m;
	struct doc d;
	uint8_t *pt = pattern(70000, 11), bad[DOCFMT_KEY_LEN];

	(void)state;
	enc_mem(mk1, pt, 70000, &d);
	memcpy(bad, mk1, sizeof(bad));
	bad[31] ^= 1;
	assert_int_equal(docfmt_dec_new(bad, d.p, d.hlen, &m, &dec),
	    MK_ERR_AUTH);
	assert_null(dec);
	assert_true(all_zero((const uint8_t *)&m, sizeof(m)));
	check_rejected(mk2, d.p, d.len, 0, MK_ERR_AUTH, MK_ERR_AUTH);
	check_rejected(bad, d.p, d.len, 0, MK_ERR_AUTH, MK_ERR_AUTH);
	free(d.p);
	free(pt);
}

static void
test_rewrap(void **state)
{
	struct docfmt_dec *dec;
	struct docfmt_meta m;
	struct doc d;
	uint8_t *pt = pattern(three, 12), *orig, *out, kb[64];
	size_t got;

	(void)state;
	enc_mem(mk1, pt, three, &d);
	assert_non_null(orig = malloc(d.len));
	memcpy(orig, d.p, d.len);
	/* The wrong old key changes nothing. */
	assert_int_equal(docfmt_rewrap(d.p, d.hlen, mk2, mk1, 2), MK_ERR_AUTH);
	assert_memory_equal(d.p, orig, d.len);
	assert_int_equal(docfmt_rewrap(d.p, 100, mk1, mk2, 2),
	    MK_ERR_TRUNCATED);

	/* Only the key block (44..108) may change, and it must. */
	assert_int_equal(docfmt_rewrap(d.p, DOCFMT_META_OFF, mk1, mk2, 2), 0);
	assert_memory_equal(d.p, orig, 44);
	assert_memory_not_equal(d.p + 44, orig + 44, 64);
	assert_memory_equal(d.p + 108, orig + 108, d.len - 108);
	assert_int_equal(mk_get_be32(d.p + 44), 2);

	check_rejected(mk1, d.p, d.len, 0, MK_ERR_AUTH, MK_ERR_AUTH);
	assert_int_equal(docfmt_dec_new(mk2, d.p, d.hlen, &m, &dec), 0);
	assert_int_equal(docfmt_dec_info(dec)->key_epoch, 2);
	docfmt_dec_free(dec);
	assert_non_null(out = calloc(1, d.len));
	assert_int_equal(dec_mem(mk2, d.p, d.len, out, &got, NULL), 0);
	assert_int_equal(got, three);
	assert_memory_equal(out, pt, three);

	/* A fresh wrap nonce each time, even with the same keys and epoch. */
	memcpy(kb, d.p + 44, sizeof(kb));
	assert_int_equal(docfmt_rewrap(d.p, d.hlen, mk2, mk2, 2), 0);
	assert_memory_not_equal(kb + 4, d.p + 48, 12);
	/* An epoch changed by hand no longer opens. */
	d.p[47] ^= 1;
	assert_int_equal(docfmt_dec_new(mk2, d.p, d.hlen, NULL, &dec),
	    MK_ERR_AUTH);
	free(out);
	free(orig);
	free(d.p);
	free(pt);
}

static void
test_parse_info(void **state)
{
	struct docfmt_info info;
	struct docfmt_dec *dec;
	struct doc d;
	uint8_t *pt = pattern(10, 1), h[DOCFMT_HEADER_MAX + 10];

	(void)state;
	enc_mem(mk1, pt, 10, &d);
	memcpy(h, d.p, d.hlen);
	assert_int_equal(docfmt_parse_info(h, d.hlen, &info), 0);
	assert_int_equal(info.version, 1);
	assert_int_equal(info.classification, DOCFMT_TOI_MAT);
	assert_int_equal(info.key_epoch, 1);
	assert_int_equal(info.header_len, d.hlen);
	assert_memory_equal(info.id, h + 16, 16);
	/* A prefix: truncated, with header_len once 44 bytes are there. */
	assert_int_equal(docfmt_parse_info(h, 0, &info), MK_ERR_TRUNCATED);
	assert_int_equal(docfmt_parse_info(h, 5, &info), MK_ERR_TRUNCATED);
	assert_int_equal(info.header_len, 0);
	assert_int_equal(docfmt_parse_info(h, 43, &info), MK_ERR_TRUNCATED);
	assert_int_equal(info.header_len, 0);
	assert_int_equal(docfmt_parse_info(h, 44, &info), MK_ERR_TRUNCATED);
	assert_int_equal(info.header_len, d.hlen);
	assert_int_equal(docfmt_parse_info(h, d.hlen - 1, &info),
	    MK_ERR_TRUNCATED);
	assert_int_equal(info.key_epoch, 1);
	assert_int_equal(docfmt_parse_info(h, sizeof(h), &info), 0);
	assert_int_equal(docfmt_parse_info(h, 10, NULL), MK_ERR_ARGUMENT);
	assert_int_equal(docfmt_parse_info(NULL, 10, &info), MK_ERR_ARGUMENT);
	/* dec_new wants the header exactly. */
	assert_int_equal(docfmt_dec_new(mk1, h, d.hlen - 1, NULL, &dec),
	    MK_ERR_TRUNCATED);
	assert_int_equal(docfmt_dec_new(mk1, h, d.hlen + 1, NULL, &dec),
	    MK_ERR_TRAILING);
	assert_null(dec);
	free(d.p);
	free(pt);
}

struct hdr_case {
	size_t	off;
	uint8_t	val;
	size_t	len;	/* bytes given; 0: 44 */
	int	want;
};

static void
test_parse_errors(void **state)
{
	static const struct hdr_case cases[] = {
		{ 0, 'X', 3, MK_ERR_FORMAT },	/* magic, short input */
		{ 7, 'X', 0, MK_ERR_FORMAT },	/* the magic's NUL */
		{ 8, 1, 0, MK_ERR_VERSION },	/* version 0x0101 */
		{ 9, 0, 0, MK_ERR_VERSION },	/* version 0 */
		{ 9, 2, 0, MK_ERR_VERSION },
		{ 10, 0, 0, MK_ERR_FORMAT },	/* classification */
		{ 10, 4, 0, MK_ERR_FORMAT },
		{ 11, 1, 0, MK_ERR_FORMAT },	/* reserved */
		{ 13, 0, 0, MK_ERR_FORMAT },	/* chunk size 0 */
		{ 14, 0x10, 0, MK_ERR_FORMAT },
		{ 39, 0x80, 0, MK_ERR_FORMAT },	/* reserved */
		{ 41, 16, 0, MK_ERR_FORMAT },	/* M = 0x0010: no metadata */
		{ 40, 0x10, 0, MK_ERR_TOO_LARGE },	/* M = 0x105a */
		{ 42, 1, 0, MK_ERR_FORMAT },	/* reserved */
		{ 43, 1, 0, MK_ERR_FORMAT },
	};
	struct docfmt_info info;
	struct doc d;
	uint8_t *pt = pattern(1, 1), h[DOCFMT_HEADER_MAX];
	size_t i;

	(void)state;
	enc_mem(mk1, pt, 1, &d);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(h, d.p, d.hlen);
		h[cases[i].off] = cases[i].val;
		assert_int_equal(docfmt_parse_info(h, cases[i].len ?
		    cases[i].len : 44, &info), cases[i].want);
		assert_int_equal(info.header_len, 0);
		assert_int_equal(docfmt_parse_info(h, d.hlen, &info),
		    cases[i].want);
		check_rejected(mk1, h, d.hlen, 0, cases[i].want,
		    cases[i].want);
	}
	/* The largest metadata length is accepted (and then truncated). */
	memcpy(h, d.p, d.hlen);
	mk_put_be16(h + 40, DOCFMT_META_MAX + DOCFMT_TAG);
	assert_int_equal(docfmt_parse_info(h, 44, &info), MK_ERR_TRUNCATED);
	assert_int_equal(info.header_len, DOCFMT_HEADER_MAX);
	mk_put_be16(h + 40, 17);
	assert_int_equal(docfmt_parse_info(h, 44, &info), MK_ERR_TRUNCATED);
	assert_int_equal(info.header_len, 125);
	free(d.p);
	free(pt);
}

/*
 * Builds a header by hand, straight from the specification, around an
 * arbitrary metadata plaintext: MK = mk1, DEK = 20..3f, class mat.
 */
static size_t
craft_header(const uint8_t *meta, size_t n, uint8_t *h)
{
	static const char ml[] = "matkiosk document metadata v1";
	uint8_t dek[32], mkey[32], nonce[12];

	assert_true(n + 16 <= DOCFMT_META_MAX + DOCFMT_TAG);
	fill_seq(dek, sizeof(dek), 0x20);
	memset(h, 0, DOCFMT_META_OFF);
	memcpy(h, "MATKDOC", 8);
	mk_put_be16(h + 8, 1);
	h[10] = DOCFMT_MAT;
	mk_put_be32(h + 12, 65536);
	fill_seq(h + 16, 16, 0x40);
	fill_seq(h + 32, 7, 0x50);
	mk_put_be16(h + 40, (uint16_t)(n + 16));
	mk_put_be32(h + 44, 9);
	fill_seq(h + 48, 12, 0x60);
	assert_int_equal(cry_gcm_seal(mk1, h + 48, h, 48, dek, 32, h + 60,
	    h + 92), 0);
	assert_int_equal(cry_hmac_sha256(dek, 32, ml, sizeof(ml) - 1, mkey),
	    0);
	memcpy(nonce, h + 32, 7);
	memset(nonce + 7, 0, 5);
	assert_int_equal(cry_gcm_seal(mkey, nonce, h, 44, meta, n, h + 108,
	    h + 108 + n), 0);
	return 108 + n + 16;
}

struct meta_case {
	uint8_t		version;
	int		nfields;
	const char	*k[4];
	const char	*v[4];
	int		want;
	int64_t		created;
};

static int
open_crafted(const struct mkbuf *b, struct docfmt_meta *m)
{
	uint8_t h[DOCFMT_HEADER_MAX];
	struct docfmt_dec *dec;
	size_t hl;
	int r;

	hl = craft_header(mkbuf_ptr(b), mkbuf_len(b), h);
	r = docfmt_dec_new(mk1, h, hl, m, &dec);
	assert_true((r == 0) == (dec != NULL));
	docfmt_dec_free(dec);
	return r;
}

/* Metadata plaintexts around a valid header, and what opening gives. */
#define F3(t, a, c) 3, { "title", "author", "created" }, { t, a, c }
static const struct meta_case meta_cases[] = {
	{ 1, F3("T", "a", "5"), 0, 5 },
	{ 1, F3("", "", "0"), 0, 0 },
	{ 1, F3("x", "y", "-1"), 0, -1 },
	{ 1, F3("x", "y", "9223372036854775807"), 0, INT64_MAX },
	{ 1, F3("x", "y", "-9223372036854775808"), 0, INT64_MIN },
	{ 0, F3("x", "y", "1"), MK_ERR_FORMAT, 0 },
	{ 2, F3("x", "y", "1"), MK_ERR_FORMAT, 0 },
	{ 1, F3("a\x1b[2J", "y", "1"), MK_ERR_FORMAT, 0 },
	{ 1, F3("a\nb", "y", "1"), MK_ERR_FORMAT, 0 },
	{ 1, F3("\xc3", "y", "1"), MK_ERR_FORMAT, 0 },
	{ 1, F3("x", "a\xe2\x80\xae" "b", "1"), MK_ERR_FORMAT, 0 },
	{ 1, F3("x", "\xc0\xaf", "1"), MK_ERR_FORMAT, 0 },
	{ 1, F3("x", "y", ""), MK_ERR_FORMAT, 0 },
	{ 1, F3("x", "y", "abc"), MK_ERR_FORMAT, 0 },
	{ 1, F3("x", "y", "01"), MK_ERR_FORMAT, 0 },
	{ 1, F3("x", "y", "-0"), MK_ERR_FORMAT, 0 },
	{ 1, F3("x", "y", "-"), MK_ERR_FORMAT, 0 },
	{ 1, F3("x", "y", "+5"), MK_ERR_FORMAT, 0 },
	{ 1, F3("x", "y", "5 "), MK_ERR_FORMAT, 0 },
	{ 1, F3("x", "y", "9223372036854775808"), MK_ERR_FORMAT, 0 },
	{ 1, F3("x", "y", "-9223372036854775809"), MK_ERR_FORMAT, 0 },
	{ 1, F3("x", "y", "99999999999999999999"), MK_ERR_FORMAT, 0 },
	{ 1, 2, { "title", "author" }, { "x", "y" }, MK_ERR_FORMAT, 0 },
	{ 1, 0, { NULL }, { NULL }, MK_ERR_FORMAT, 0 },
	{ 1, 3, { "author", "title", "created" }, { "y", "x", "1" },
	    MK_ERR_FORMAT, 0 },
	{ 1, 3, { "title", "title", "created" }, { "x", "x", "1" },
	    MK_ERR_FORMAT, 0 },
	{ 1, 3, { "Title", "author", "created" }, { "x", "y", "1" },
	    MK_ERR_FORMAT, 0 },
	{ 1, 4, { "title", "author", "created", "created" },
	    { "x", "y", "1", "1" }, MK_ERR_FORMAT, 0 },
	{ 1, 4, { "title", "author", "created", "class" },
	    { "x", "y", "1", "3" }, MK_ERR_FORMAT, 0 },
};
#undef F3

static void
test_meta_parse(void **state)
{
	const struct meta_case *c;
	struct docfmt_meta m;
	struct mkbuf *b;
	size_t i;
	int j;

	(void)state;
	for (i = 0; i < sizeof(meta_cases) / sizeof(meta_cases[0]); i++) {
		c = &meta_cases[i];
		assert_non_null(b = mkbuf_new(DOCFMT_META_MAX));
		assert_int_equal(mkbuf_put_u8(b, c->version), 0);
		for (j = 0; j < c->nfields; j++) {
			assert_int_equal(mkbuf_put_cstr(b, c->k[j]), 0);
			assert_int_equal(mkbuf_put_cstr(b, c->v[j]), 0);
		}
		assert_int_equal(open_crafted(b, &m), c->want);
		if (c->want == 0) {
			assert_string_equal(m.title, c->v[0]);
			assert_string_equal(m.author, c->v[1]);
			assert_int_equal(m.created, c->created);
		} else
			assert_true(all_zero((const uint8_t *)&m, sizeof(m)));
		mkbuf_free(b);
	}
}

/* Titles and authors at and past their limits, a NUL inside a value, and
 * bytes after the last field. */
static void
check_meta_raw(size_t tlen, size_t alen, int nul, int trailing, int want)
{
	struct docfmt_meta m;
	struct mkbuf *b;
	uint8_t *t;

	assert_non_null(b = mkbuf_new(DOCFMT_META_MAX));
	assert_non_null(t = malloc(tlen + alen + 1));
	memset(t, 'a', tlen + alen);
	if (nul)
		t[0] = '\0';
	assert_int_equal(mkbuf_put_u8(b, 1), 0);
	assert_int_equal(mkbuf_put_cstr(b, "title"), 0);
	assert_int_equal(mkbuf_put_bstr(b, t, tlen), 0);
	assert_int_equal(mkbuf_put_cstr(b, "author"), 0);
	assert_int_equal(mkbuf_put_bstr(b, t, alen), 0);
	assert_int_equal(mkbuf_put_cstr(b, "created"), 0);
	assert_int_equal(mkbuf_put_cstr(b, "1"), 0);
	if (trailing)
		assert_int_equal(mkbuf_put_u8(b, 0), 0);
	assert_int_equal(open_crafted(b, &m), want);
	if (want == 0) {
		assert_int_equal(strlen(m.title), tlen);
		assert_int_equal(strlen(m.author), alen);
	}
	free(t);
	mkbuf_free(b);
}

static void
test_meta_limits(void **state)
{
	(void)state;
	check_meta_raw(512, 64, 0, 0, 0);
	check_meta_raw(513, 1, 0, 0, MK_ERR_FORMAT);
	check_meta_raw(1, 65, 0, 0, MK_ERR_FORMAT);
	check_meta_raw(5, 5, 1, 0, MK_ERR_FORMAT);
	check_meta_raw(5, 5, 0, 1, MK_ERR_FORMAT);
}

static void
test_meta_encode(void **state)
{
	struct docfmt_enc *e;
	struct docfmt_dec *dec;
	struct docfmt_meta m, back;
	const uint8_t *h;
	size_t hl, i;

	(void)state;
	test_meta(&m);
	memset(m.title, 'a', sizeof(m.title));	/* no NUL */
	assert_int_equal(docfmt_enc_new(mk1, 1, 1, &m, &e), MK_ERR_ARGUMENT);
	assert_null(e);
	test_meta(&m);
	strcpy(m.title, "line\nbreak");
	assert_int_equal(docfmt_enc_new(mk1, 1, 1, &m, &e), MK_ERR_ARGUMENT);
	test_meta(&m);
	strcpy(m.author, "\xff");
	assert_int_equal(docfmt_enc_new(mk1, 1, 1, &m, &e), MK_ERR_ARGUMENT);
	test_meta(&m);
	assert_int_equal(docfmt_enc_new(mk1, 1, 0, &m, &e), MK_ERR_ARGUMENT);
	assert_int_equal(docfmt_enc_new(mk1, 1, 4, &m, &e), MK_ERR_ARGUMENT);
	assert_int_equal(docfmt_enc_new(mk1, 1, 1, NULL, &e), MK_ERR_ARGUMENT);
	assert_int_equal(docfmt_enc_new(NULL, 1, 1, &m, &e), MK_ERR_ARGUMENT);
	/* The longest title, in three-byte characters, and INT64_MIN. */
	for (i = 0; i + 3 <= DOCFMT_TITLE_MAX; i += 3)
		memcpy(m.title + i, "\xe1\xbb\x87", 3);	/* ệ */
	m.title[i++] = 'x';
	m.title[i++] = 'y';
	m.title[i] = '\0';
	assert_int_equal(strlen(m.title), DOCFMT_TITLE_MAX);
	memset(m.author, 'b', DOCFMT_NAME_MAX);
	m.author[DOCFMT_NAME_MAX] = '\0';
	m.created = INT64_MIN;
	assert_int_equal(docfmt_enc_new(mk1, 3, DOCFMT_TUYET_MAT, &m, &e), 0);
	h = docfmt_enc_header(e, &hl);
	assert_int_equal(docfmt_dec_new(mk1, h, hl, &back, &dec), 0);
	assert_memory_equal(&back, &m, sizeof(m));
	assert_int_equal(docfmt_dec_info(dec)->classification,
	    DOCFMT_TUYET_MAT);
	assert_int_equal(docfmt_dec_info(dec)->key_epoch, 3);
	assert_memory_equal(docfmt_dec_info(dec)->id, docfmt_enc_id(e), 16);
	docfmt_dec_free(dec);
	docfmt_enc_free(e);
}

static void
test_enc_misuse(void **state)
{
	struct docfmt_enc *e, *e2;
	struct docfmt_meta m;
	uint8_t *buf = calloc(1, DOCFMT_CT_CHUNK + 1);

	(void)state;
	assert_non_null(buf);
	test_meta(&m);
	assert_int_equal(docfmt_enc_new(mk1, 1, 1, &m, &e), 0);
	assert_int_equal(docfmt_enc_new(mk1, 1, 1, &m, &e2), 0);
	/* Fresh random id and prefix per document. */
	assert_memory_not_equal(docfmt_enc_id(e), docfmt_enc_id(e2), 16);
	assert_int_equal(docfmt_enc_chunk(e, buf, 100, 0, buf),
	    MK_ERR_ARGUMENT);
	assert_int_equal(docfmt_enc_chunk(e, buf, DOCFMT_CHUNK + 1, 1, buf),
	    MK_ERR_TOO_LARGE);
	assert_int_equal(docfmt_enc_chunk(e, NULL, 5, 1, buf),
	    MK_ERR_ARGUMENT);
	assert_int_equal(docfmt_enc_chunk(e, buf, DOCFMT_CHUNK, 0, buf), 0);
	/* An empty last chunk only for an empty document. */
	assert_int_equal(docfmt_enc_chunk(e, buf, 0, 1, buf),
	    MK_ERR_ARGUMENT);
	assert_int_equal(docfmt_enc_chunk(e, buf, 5, 1, buf), 0);
	assert_int_equal(docfmt_enc_chunk(e, buf, 5, 1, buf), MK_ERR_ORDER);
	assert_int_equal(docfmt_enc_chunk(e2, NULL, 0, 1, buf), 0);
	docfmt_enc_free(e);
	docfmt_enc_free(e2);
	docfmt_enc_free(NULL);
	free(buf);
}

static void
test_dec_misuse(void **state)
{
	struct docfmt_dec *dec;
	struct doc d;
	uint8_t *pt = pattern(three, 13), *out = calloc(1, DOCFMT_CT_CHUNK);
	size_t last_off;

	(void)state;
	assert_non_null(out);
	enc_mem(mk1, pt, three, &d);
	last_off = chunk_off(&d, 2);
	assert_int_equal(docfmt_dec_new(mk1, d.p, d.hlen, NULL, &dec), 0);
	assert_int_equal(docfmt_dec_finish(dec), MK_ERR_TRUNCATED);
	assert_int_equal(docfmt_dec_chunk(dec, d.p + d.hlen, 100, 0, out),
	    MK_ERR_ARGUMENT);
	/* Failures are sticky: the good chunk 0 is refused afterwards. */
	assert_int_equal(docfmt_dec_chunk(dec, d.p + d.hlen, DOCFMT_CT_CHUNK,
	    0, out), MK_ERR_ARGUMENT);
	assert_true(all_zero(out, DOCFMT_CT_CHUNK));
	docfmt_dec_free(dec);

	assert_int_equal(docfmt_dec_new(mk1, d.p, d.hlen, NULL, &dec), 0);
	assert_int_equal(docfmt_dec_chunk(dec, d.p + d.hlen, DOCFMT_CT_CHUNK,
	    0, out), 0);
	assert_memory_equal(out, pt, DOCFMT_CHUNK);
	assert_int_equal(docfmt_dec_chunk(dec, d.p + d.hlen + DOCFMT_CT_CHUNK,
	    DOCFMT_CT_CHUNK, 0, out), 0);
	assert_int_equal(docfmt_dec_chunk(dec, d.p + last_off,
	    d.len - last_off, 1, out), 0);
	assert_memory_equal(out, pt + 2 * DOCFMT_CHUNK, 1000);
	assert_int_equal(docfmt_dec_finish(dec), 0);
	/* Nothing after the last chunk. */
	assert_int_equal(docfmt_dec_chunk(dec, d.p + last_off,
	    d.len - last_off, 1, out), MK_ERR_TRAILING);
	assert_int_equal(docfmt_dec_finish(dec), MK_ERR_TRAILING);
	docfmt_dec_free(dec);
	docfmt_dec_free(NULL);
	assert_null(docfmt_dec_info(NULL));

	/* A tag-only last chunk after chunk 0 is not a valid document. */
	assert_int_equal(docfmt_dec_new(mk1, d.p, d.hlen, NULL, &dec), 0);
	assert_int_equal(docfmt_dec_chunk(dec, d.p + d.hlen, DOCFMT_CT_CHUNK,
	    0, out), 0);
	assert_int_equal(docfmt_dec_chunk(dec, d.p + last_off, 15, 1, out),
	    MK_ERR_TRUNCATED);
	docfmt_dec_free(dec);
	assert_int_equal(docfmt_dec_new(mk1, d.p, d.hlen, NULL, &dec), 0);
	assert_int_equal(docfmt_dec_chunk(dec, d.p + d.hlen, DOCFMT_CT_CHUNK,
	    0, out), 0);
	assert_int_equal(docfmt_dec_chunk(dec, d.p + last_off, 16, 1, out),
	    MK_ERR_FORMAT);
	docfmt_dec_free(dec);
	free(out);
	free(d.p);
	free(pt);
}

static void
test_vector1(void **state)
{
	static const uint8_t pt[] = "Xin ch\xc3\xa0o";	/* "Xin chào" */
	struct docfmt_meta m;
	struct doc d;
	uint8_t out[sizeof(v1_hex) / 2];
	char *hex;
	size_t got;

	(void)state;
	enc_vector(pt, sizeof(pt) - 1, &d);
	assert_int_equal(d.len, (sizeof(v1_hex) - 1) / 2);
	assert_non_null(hex = malloc(2 * d.len + 1));
	mk_hex(d.p, d.len, hex);
	assert_string_equal(hex, v1_hex);
	memset(out, 0, sizeof(out));
	assert_int_equal(dec_mem(mk1, d.p, d.len, out, &got, &m), 0);
	assert_int_equal(got, sizeof(pt) - 1);
	assert_memory_equal(out, pt, got);
	assert_string_equal(m.title, "Công văn số 12/2026");
	assert_string_equal(m.author, "nguyenvana");
	assert_int_equal(m.created, 1767225600);
	free(hex);
	free(d.p);
}

static void
test_vector2(void **state)
{
	uint8_t pt[70000], hash[32];
	char hex[2 * 198 + 1];
	struct doc d;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(pt); k++)
		pt[k] = (uint8_t)(k % 251);
	enc_vector(pt, sizeof(pt), &d);
	assert_int_equal(d.len, V2_LEN);
	cry_sha256(d.p, d.len, hash);
	mk_hex(hash, sizeof(hash), hex);
	assert_string_equal(hex, v2_sha256);
	/* The header does not depend on the plaintext: vector 1's. */
	assert_int_equal(d.hlen, 198);
	mk_hex(d.p, d.hlen, hex);
	assert_memory_equal(hex, v1_hex, 2 * d.hlen);
	free(d.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_tokens),
		cmocka_unit_test(test_plain_len),
		cmocka_unit_test(test_round_trip_mem),
		cmocka_unit_test(test_round_trip_fd),
		cmocka_unit_test(test_chunk_boundaries),
		cmocka_unit_test(test_flip_header),
		cmocka_unit_test(test_classification_changed),
		cmocka_unit_test(test_flip_body),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_reorder),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_foreign_chunk),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_rewrap),
		cmocka_unit_test(test_parse_info),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_meta_parse),
		cmocka_unit_test(test_meta_limits),
		cmocka_unit_test(test_meta_encode),
		cmocka_unit_test(test_enc_misuse),
		cmocka_unit_test(test_dec_misuse),
		cmocka_unit_test(test_vector1),
		cmocka_unit_test(test_vector2),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
