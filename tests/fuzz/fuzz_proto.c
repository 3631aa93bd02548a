/*
 * libFuzzer target for the client protocol (common/proto): the frame
 * decoder with its field accessors, and the receiver reading the input as
 * a byte stream from a real socket.
 *
 * Oracles, not just "no crash":
 *  - a decoded message encodes back to exactly the bytes it came from, and
 *    every accessor agrees with the field it reads;
 *  - the receiver's answer for each frame in the stream is the one the
 *    framing rules of proto.h predict from the bytes (cap, minimum length,
 *    truncation, clean end), and a frame it accepts decodes as
 *    mkmsg_decode says.
 *
 * The input is decoded twice, as a frame body and as a whole frame (after
 * its 4-byte length, the shape of the seed corpus), then streamed.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void
check_str(const struct mkmsg *m, const struct mkfield *f)
{
	char out[64];
	size_t outlen;
	int r;

	/* Once with the field just fitting (when small), once too small. */
	outlen = f->len < sizeof(out) ? f->len + 1 : sizeof(out);
	r = mkmsg_str(m, f->tag, out, outlen);
	if (f->len >= outlen)
		CHECK(r == MK_ERR_TOO_LARGE && out[0] == '\0');
	else if (memchr(f->p, '\0', f->len) != NULL)
		CHECK(r == MK_ERR_PROTOCOL && out[0] == '\0');
	else
		CHECK(r == 0 && strlen(out) == f->len &&
		    memcmp(out, f->p, f->len) == 0);
	if (f->len > 0 && f->len <= sizeof(out))
		CHECK(mkmsg_str(m, f->tag, out, f->len) == MK_ERR_TOO_LARGE);
}

static void
check_accessors(const struct mkmsg *m)
{
	const struct mkfield *f;
	unsigned seen[256 / (8 * sizeof(unsigned))];
	uint64_t v;
	size_t i, j;
	char out[8];

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < m->nfields; i++) {
		CHECK(m->f[i].tag != 0);
		seen[m->f[i].tag / 32] |= 1u << (m->f[i].tag % 32);
		/* The first field with this tag is the one returned. */
		f = mkmsg_get(m, m->f[i].tag);
		for (j = 0; &m->f[j] != f; j++)
			CHECK(j < i && m->f[j].tag != m->f[i].tag);
		if (f != &m->f[i])
			continue;
		check_str(m, f);
		v = 1;
		if (f->len == 8)
			CHECK(mkmsg_u64(m, f->tag, &v) == 0 &&
			    v == mk_get_be64(f->p));
		else
			CHECK(mkmsg_u64(m, f->tag, &v) == MK_ERR_PROTOCOL &&
			    v == 0);
	}
	/* Tags that are absent. */
	for (i = 0; i < 256; i++) {
		if (seen[i / 32] & (1u << (i % 32)))
			continue;
		CHECK(mkmsg_get(m, (uint8_t)i) == NULL);
		CHECK(mkmsg_str(m, (uint8_t)i, out, sizeof(out)) ==
		    MK_ERR_USAGE);
		CHECK(mkmsg_u64(m, (uint8_t)i, &v) == MK_ERR_USAGE);
	}
}

/* What was decoded encodes back to the same bytes. */
static void
check_reencode(const uint8_t *p, size_t n, const struct mkmsg *m)
{
	struct mkbuf *b;
	size_t i;

	if (n > PROTO_FRAME_MAX)
		return;
	if ((b = mkbuf_new(n + 4)) == NULL)
		abort();
	CHECK(mkmsg_start(b, m->type) == 0);
	for (i = 0; i < m->nfields; i++)
		CHECK(mkmsg_add(b, m->f[i].tag, m->f[i].p, m->f[i].len) == 0);
	CHECK(mkbuf_len(b) == n + 4);
	CHECK(memcmp(mkbuf_ptr(b) + 4, p, n) == 0);
	mkbuf_free(b);
}

static void
fuzz_decode(const uint8_t *p, size_t n)
{
	struct mkmsg m;
	size_t i;
	int r;

	if ((r = mkmsg_decode(p, n, &m)) != 0) {
		CHECK(r == MK_ERR_PROTOCOL);
		return;
	}
	CHECK(n >= 2 && m.nfields <= PROTO_FIELDS_MAX);
	CHECK(m.type == mk_get_be16(p));
	for (i = 0; i < m.nfields; i++)
		CHECK(m.f[i].p >= p && m.f[i].p + m.f[i].len <= p + n);
	check_reencode(p, n, &m);
	check_accessors(&m);
}

/* Writes what the socket takes without blocking; returns how much. */
static size_t
fill(int fd, const uint8_t *p, size_t n)
{
	size_t off = 0;
	ssize_t w;

	while (off < n) {
		if ((w = send(fd, p + off, n - off, MSG_NOSIGNAL |
		    MSG_DONTWAIT)) <= 0)
			break;
		off += (size_t)w;
	}
	return off;
}

/* The answer the framing rules predict for the frame at p (n bytes left
 * in a stream that ends there); *used is the frame's size. */
static int
predict(const uint8_t *p, size_t n, size_t *used, struct mkmsg *m)
{
	uint32_t len;

	*used = 0;
	if (n == 0)
		return MK_ERR_CLOSED;
	if (n < 4)
		return MK_ERR_TRUNCATED;
	if ((len = mk_get_be32(p)) > PROTO_FRAME_MAX)
		return MK_ERR_TOO_LARGE;
	if (len < 2)
		return MK_ERR_PROTOCOL;
	if (n - 4 < len)
		return MK_ERR_TRUNCATED;
	*used = 4 + (size_t)len;
	return mkmsg_decode(p + 4, len, m);
}

static void
fuzz_recv(const uint8_t *p, size_t n)
{
	static struct mkbuf *b;
	struct mkmsg got, want;
	size_t off = 0, used, i;
	int sv[2], r, expect;

	if (b == NULL && (b = mkbuf_new(PROTO_FRAME_MAX + 4)) == NULL)
		abort();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		abort();
	/* Everything is queued and the stream ended before reading starts,
	 * so the receiver never waits. */
	n = fill(sv[0], p, n);
	shutdown(sv[0], SHUT_WR);
	for (;;) {
		expect = predict(p + off, n - off, &used, &want);
		r = mkproto_recv(sv[1], b, &got, 1000);
		CHECK(r == expect);
		if (r != 0)
			break;
		CHECK(got.type == want.type && got.nfields == want.nfields);
		for (i = 0; i < got.nfields; i++)
			CHECK(got.f[i].tag == want.f[i].tag &&
			    got.f[i].len == want.f[i].len &&
			    memcmp(got.f[i].p, want.f[i].p,
			    want.f[i].len) == 0);
		off += used;
	}
	/* A frame over the cap was refused from its length alone. */
	if (r == MK_ERR_TOO_LARGE)
		CHECK(mkbuf_len(b) == 0);
	close(sv[0]);
	close(sv[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_decode(data, size);
	if (size >= 4)
		fuzz_decode(data + 4, size - 4);
	fuzz_recv(data, size);
	return 0;
}
