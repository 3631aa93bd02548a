/*
 * common/proto: building and decoding frames, the field accessors, and the
 * framing over a real socket pair (caps, truncation, close, timeout), with
 * the client's reading of an ERR reply (common/client).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/client.h"
#include "common/err.h"
#include "common/proto.h"

#define USER_NAME	"nguyenvana"
/* "Mật khẩu 1!" */
#define PASSWORD	"M\xe1\xba\xadt kh\xe1\xba\xa9u 1!"

static struct mkbuf *
new_frame_buf(void)
{
	struct mkbuf *b;

	assert_non_null(b = mkbuf_new(PROTO_FRAME_MAX + 4));
	return b;
}

static void
new_pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
}

static void
write_raw(int fd, const void *p, size_t n)
{
	assert_int_equal(write(fd, p, n), (ssize_t)n);
}

/* Decodes the frame in b as the receiver would: after the length. */
static int
decode_built(const struct mkbuf *b, struct mkmsg *m)
{
	assert_true(mkbuf_len(b) >= 4);
	return mkmsg_decode(mkbuf_ptr(b) + 4, mkbuf_len(b) - 4, m);
}

static void
test_build_decode(void **state)
{
	uint8_t data[300];
	struct mkbuf *b = new_frame_buf();
	const struct mkfield *f;
	struct mkmsg m;
	char s[64];
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	assert_int_equal(mkmsg_start(b, MSG_AUTH), 0);
	assert_int_equal(mkmsg_add_str(b, F_USER, USER_NAME), 0);
	assert_int_equal(mkmsg_add_str(b, F_PASSWORD, PASSWORD), 0);
	assert_int_equal(mkmsg_add_u64(b, F_SEQ, 0x0102030405060708ULL), 0);
	assert_int_equal(mkmsg_add(b, F_DATA, data, sizeof(data)), 0);
	assert_int_equal(mkmsg_add(b, F_TITLE, "", 0), 0);
	assert_int_equal(mkmsg_add_str(b, F_USER, "second"), 0);
	/* The wire layout: length (filled in on send), type, fields. */
	assert_memory_equal(mkbuf_ptr(b) + 4, "\x00\x02\x02\x00\x00\x00\x0a"
	    USER_NAME, 17);

	assert_int_equal(decode_built(b, &m), 0);
	assert_int_equal(m.type, MSG_AUTH);
	assert_int_equal(m.nfields, 6);
	assert_int_equal(m.f[3].tag, F_DATA);
	assert_int_equal(m.f[3].len, sizeof(data));
	assert_memory_equal(m.f[3].p, data, sizeof(data));
	/* The first of two fields with one tag wins. */
	assert_int_equal(mkmsg_str(&m, F_USER, s, sizeof(s)), 0);
	assert_string_equal(s, USER_NAME);
	assert_int_equal(mkmsg_str(&m, F_PASSWORD, s, sizeof(s)), 0);
	assert_string_equal(s, PASSWORD);
	assert_int_equal(mkmsg_u64(&m, F_SEQ, &v), 0);
	assert_true(v == 0x0102030405060708ULL);
	assert_non_null(f = mkmsg_get(&m, F_TITLE));
	assert_int_equal(f->len, 0);
	assert_int_equal(mkmsg_str(&m, F_TITLE, s, sizeof(s)), 0);
	assert_string_equal(s, "");
	assert_null(mkmsg_get(&m, F_ROLE));
	mkbuf_free(b);
}

static void
test_str_accessor(void **state)
{
	struct mkbuf *b = new_frame_buf();
	struct mkmsg m;
	char s[16];

	(void)state;
	assert_int_equal(mkmsg_start(b, MSG_OK), 0);
	assert_int_equal(mkmsg_add_str(b, F_USER, "0123456789"), 0);
	assert_int_equal(mkmsg_add(b, F_TITLE, "ab\0cd", 5), 0);
	assert_int_equal(decode_built(b, &m), 0);

	memset(s, 'x', sizeof(s));
	assert_int_equal(mkmsg_str(&m, F_ROLE, s, sizeof(s)), MK_ERR_USAGE);
	assert_string_equal(s, "");
	/* Ten bytes need eleven with the NUL. */
	memset(s, 'x', sizeof(s));
	assert_int_equal(mkmsg_str(&m, F_USER, s, 10), MK_ERR_TOO_LARGE);
	assert_string_equal(s, "");
	assert_int_equal(mkmsg_str(&m, F_USER, s, 0), MK_ERR_TOO_LARGE);
	assert_int_equal(s[0], '\0');
	assert_int_equal(mkmsg_str(&m, F_USER, s, 11), 0);
	assert_string_equal(s, "0123456789");
	/* "ab" must not pass for the whole of "ab\0cd". */
	memset(s, 'x', sizeof(s));
	assert_int_equal(mkmsg_str(&m, F_TITLE, s, sizeof(s)),
	    MK_ERR_PROTOCOL);
	assert_string_equal(s, "");
	mkbuf_free(b);
}

static void
test_u64_accessor(void **state)
{
	struct mkbuf *b = new_frame_buf();
	struct mkmsg m;
	uint64_t v;

	(void)state;
	assert_int_equal(mkmsg_start(b, MSG_OK), 0);
	assert_int_equal(mkmsg_add(b, F_SIZE, "1234567", 7), 0);
	assert_int_equal(mkmsg_add(b, F_SEQ, "123456789", 9), 0);
	assert_int_equal(mkmsg_add(b, F_CREATED, "", 0), 0);
	assert_int_equal(mkmsg_add_u64(b, F_CODE, UINT64_MAX), 0);
	assert_int_equal(decode_built(b, &m), 0);

	v = 5;
	assert_int_equal(mkmsg_u64(&m, F_SIZE, &v), MK_ERR_PROTOCOL);
	assert_true(v == 0);
	assert_int_equal(mkmsg_u64(&m, F_SEQ, &v), MK_ERR_PROTOCOL);
	assert_int_equal(mkmsg_u64(&m, F_CREATED, &v), MK_ERR_PROTOCOL);
	assert_int_equal(mkmsg_u64(&m, F_VERSION, &v), MK_ERR_USAGE);
	assert_int_equal(mkmsg_u64(&m, F_CODE, &v), 0);
	assert_true(v == UINT64_MAX);
	mkbuf_free(b);
}

static void
test_decode_rejects(void **state)
{
	uint8_t frame[2 + 66 * 5] = { 0 };
	struct mkmsg m;
	size_t i;

	(void)state;
	assert_int_equal(mkmsg_decode(frame, 0, &m), MK_ERR_PROTOCOL);
	assert_int_equal(mkmsg_decode((const uint8_t *)"\x01", 1, &m),
	    MK_ERR_PROTOCOL);
	/* A type alone is a message without fields. */
	assert_int_equal(mkmsg_decode((const uint8_t *)"\x01\x00", 2, &m), 0);
	assert_int_equal(m.type, MSG_OK);
	assert_int_equal(m.nfields, 0);
	/* Field header cut short: tag only, then half the length. */
	assert_int_equal(mkmsg_decode((const uint8_t *)"\x01\x00\x02", 3, &m),
	    MK_ERR_PROTOCOL);
	assert_int_equal(mkmsg_decode((const uint8_t *)"\x01\x00\x02\0\0",
	    5, &m), MK_ERR_PROTOCOL);
	/* Field length beyond the end, by one and by nearly 4 GiB. */
	assert_int_equal(mkmsg_decode((const uint8_t *)
	    "\x01\x00\x02\0\0\0\x05" "abcd", 11, &m), MK_ERR_PROTOCOL);
	assert_int_equal(mkmsg_decode((const uint8_t *)
	    "\x01\x00\x02\xff\xff\xff\xff" "abcd", 11, &m), MK_ERR_PROTOCOL);
	assert_int_equal(mkmsg_decode((const uint8_t *)
	    "\x01\x00\x02\0\0\0\x04" "abcd", 11, &m), 0);
	/* Tag 0 is reserved. */
	assert_int_equal(mkmsg_decode((const uint8_t *)
	    "\x01\x00\x00\0\0\0\x01" "a", 8, &m), MK_ERR_PROTOCOL);
	assert_int_equal(mkmsg_decode((const uint8_t *)
	    "\x01\x00\x02\0\0\0\0\x00\0\0\0\0", 12, &m), MK_ERR_PROTOCOL);

	/* PROTO_FIELDS_MAX empty fields decode; one more does not. */
	frame[0] = 0x01;
	frame[1] = 0x00;
	for (i = 0; i < 66; i++) {
		frame[2 + 5 * i] = F_KEY;
		mk_put_be32(frame + 3 + 5 * i, 0);
	}
	assert_int_equal(mkmsg_decode(frame, 2 + 5 * PROTO_FIELDS_MAX, &m), 0);
	assert_int_equal(m.nfields, PROTO_FIELDS_MAX);
	assert_int_equal(mkmsg_decode(frame, 2 + 5 * (PROTO_FIELDS_MAX + 1),
	    &m), MK_ERR_PROTOCOL);
	assert_int_equal(mkmsg_decode(frame, sizeof(frame), &m),
	    MK_ERR_PROTOCOL);
}

static void
test_build_limits(void **state)
{
	struct mkbuf *b = new_frame_buf();
	struct mkbuf *small;
	int sv[2];

	(void)state;
	assert_int_equal(mkmsg_start(b, MSG_DATA), 0);
	assert_int_equal(mkmsg_add(b, F_DATA, NULL, (size_t)PROTO_FRAME_MAX +
	    1), MK_ERR_TOO_LARGE);
	assert_int_equal(mkbuf_len(b), 6);
	/* An empty buffer is no frame. */
	new_pair(sv);
	mkbuf_reset(b);
	assert_int_equal(mkproto_send(sv[0], b), MK_ERR_TOO_LARGE);
	/* The buffer's own cap stops a frame that outgrows it. */
	assert_non_null(small = mkbuf_new(16));
	assert_int_equal(mkmsg_start(small, MSG_DATA), 0);
	assert_int_equal(mkmsg_add(small, F_DATA, "0123456789", 10),
	    MK_ERR_TOO_LARGE);
	mkbuf_free(small);
	mkbuf_free(b);
	close(sv[0]);
	close(sv[1]);
}

static void
test_send_recv(void **state)
{
	struct mkbuf *out = new_frame_buf(), *in = new_frame_buf();
	struct mkmsg m;
	char s[64];
	uint64_t v;
	int sv[2];

	(void)state;
	new_pair(sv);
	assert_int_equal(mkmsg_start(out, MSG_HELLO), 0);
	assert_int_equal(mkmsg_add_u64(out, F_VERSION, PROTO_VERSION), 0);
	assert_int_equal(mkmsg_add_str(out, F_USER, USER_NAME), 0);
	assert_int_equal(mkproto_send(sv[0], out), 0);
	/* The length prefix counts what follows it. */
	assert_int_equal(mk_get_be32(mkbuf_ptr(out)), mkbuf_len(out) - 4);
	assert_int_equal(mkproto_send_simple(sv[0], MSG_OK), 0);

	assert_int_equal(mkproto_recv(sv[1], in, &m, 1000), 0);
	assert_int_equal(m.type, MSG_HELLO);
	assert_int_equal(m.nfields, 2);
	assert_int_equal(mkmsg_u64(&m, F_VERSION, &v), 0);
	assert_true(v == PROTO_VERSION);
	assert_int_equal(mkmsg_str(&m, F_USER, s, sizeof(s)), 0);
	assert_string_equal(s, USER_NAME);
	/* The second frame is received on its own, not merged. */
	assert_int_equal(mkproto_recv(sv[1], in, &m, 1000), 0);
	assert_int_equal(m.type, MSG_OK);
	assert_int_equal(m.nfields, 0);
	mkbuf_free(out);
	mkbuf_free(in);
	close(sv[0]);
	close(sv[1]);
}

struct sender {
	int		 fd;
	struct mkbuf	*b;
	int		 r;
};

static void *
send_thread(void *arg)
{
	struct sender *s = arg;

	s->r = mkproto_send(s->fd, s->b);
	return NULL;
}

/* A frame much larger than the socket buffer, at the cap exactly. */
static void
test_send_recv_large(void **state)
{
	struct mkbuf *out = new_frame_buf(), *in = new_frame_buf();
	struct sender snd;
	struct mkmsg m;
	pthread_t t;
	uint8_t *data;
	size_t i, n = PROTO_FRAME_MAX - 2 - 5;
	int sv[2];

	(void)state;
	new_pair(sv);
	assert_non_null(data = malloc(n));
	for (i = 0; i < n; i++)
		data[i] = (uint8_t)(i * 31);
	assert_int_equal(mkmsg_start(out, MSG_DATA), 0);
	assert_int_equal(mkmsg_add(out, F_DATA, data, n), 0);
	assert_int_equal(mkbuf_len(out) - 4, PROTO_FRAME_MAX);
	snd.fd = sv[0];
	snd.b = out;
	snd.r = 1;
	assert_int_equal(pthread_create(&t, NULL, send_thread, &snd), 0);
	assert_int_equal(mkproto_recv(sv[1], in, &m, 5000), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(snd.r, 0);
	assert_int_equal(m.type, MSG_DATA);
	assert_int_equal(m.nfields, 1);
	assert_int_equal(m.f[0].len, n);
	assert_memory_equal(m.f[0].p, data, n);
	mkbuf_free(out);
	/* One byte more is refused by the sender, whatever its buffer. */
	assert_non_null(out = mkbuf_new(PROTO_FRAME_MAX + 64));
	assert_int_equal(mkmsg_start(out, MSG_DATA), 0);
	assert_int_equal(mkmsg_add(out, F_DATA, data, n), 0);
	assert_int_equal(mkbuf_put_u8(out, 0), 0);
	assert_int_equal(mkproto_send(sv[0], out), MK_ERR_TOO_LARGE);
	assert_int_equal(recv(sv[1], data, 1, MSG_DONTWAIT), -1);
	free(data);
	mkbuf_free(out);
	mkbuf_free(in);
	close(sv[0]);
	close(sv[1]);
}

/* A length over the cap is refused from the prefix alone: no allocation,
 * the body left unread. */
static void
test_recv_over_cap(void **state)
{
	static const uint32_t lens[] = { PROTO_FRAME_MAX + 1, 0xffffffff };
	struct mkbuf *in;
	struct mkmsg m;
	uint8_t hdr[4], rest[8];
	size_t i;
	int sv[2];

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		new_pair(sv);
		in = new_frame_buf();
		mk_put_be32(hdr, lens[i]);
		write_raw(sv[0], hdr, 4);
		write_raw(sv[0], "\x01\x00BODY..", 8);
		assert_int_equal(mkproto_recv(sv[1], in, &m, 1000),
		    MK_ERR_TOO_LARGE);
		assert_int_equal(mkbuf_len(in), 0);
		assert_null(mkbuf_ptr(in));
		assert_int_equal(recv(sv[1], rest, sizeof(rest), MSG_DONTWAIT),
		    8);
		assert_memory_equal(rest, "\x01\x00BODY..", 8);
		mkbuf_free(in);
		close(sv[0]);
		close(sv[1]);
	}
}

/* Lengths 0 and 1 cannot hold a message type. */
static void
test_recv_too_short(void **state)
{
	static const struct {
		const char	*bytes;
		size_t		 len;
	} cases[] = {
		{ "\0\0\0\0", 4 },
		{ "\0\0\0\x01\x01", 5 },
		/* A body that does not decode (tag 0). */
		{ "\0\0\0\x08\x01\x00\x00\0\0\0\x01" "a", 12 },
	};
	struct mkbuf *in = new_frame_buf();
	struct mkmsg m;
	size_t i;
	int sv[2];

	(void)state;
	/* After a protocol error the stream is out of step and the daemon
	 * hangs up: one connection per case. */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		new_pair(sv);
		write_raw(sv[0], cases[i].bytes, cases[i].len);
		assert_int_equal(mkproto_recv(sv[1], in, &m, 1000),
		    MK_ERR_PROTOCOL);
		close(sv[0]);
		close(sv[1]);
	}
	mkbuf_free(in);
}

static void
test_recv_truncated(void **state)
{
	struct mkbuf *in = new_frame_buf();
	struct mkmsg m;
	int sv[2];

	(void)state;
	/* Cut inside the body. */
	new_pair(sv);
	write_raw(sv[0], "\0\0\0\x64\x01\x00\x02\0\0\0\x05" "ab", 13);
	close(sv[0]);
	assert_int_equal(mkproto_recv(sv[1], in, &m, 1000), MK_ERR_TRUNCATED);
	close(sv[1]);
	/* Cut inside the length prefix. */
	new_pair(sv);
	write_raw(sv[0], "\0\0", 2);
	close(sv[0]);
	assert_int_equal(mkproto_recv(sv[1], in, &m, 1000), MK_ERR_TRUNCATED);
	close(sv[1]);
	/* A whole frame, then a cut one. */
	new_pair(sv);
	assert_int_equal(mkproto_send_simple(sv[0], MSG_END), 0);
	write_raw(sv[0], "\0\0\0\x02\x01", 5);
	shutdown(sv[0], SHUT_WR);
	assert_int_equal(mkproto_recv(sv[1], in, &m, 1000), 0);
	assert_int_equal(m.type, MSG_END);
	assert_int_equal(mkproto_recv(sv[1], in, &m, 1000), MK_ERR_TRUNCATED);
	close(sv[0]);
	close(sv[1]);
	mkbuf_free(in);
}

static void
test_recv_closed(void **state)
{
	struct mkbuf *in = new_frame_buf();
	struct mkmsg m;
	int sv[2];

	(void)state;
	new_pair(sv);
	assert_int_equal(mkproto_send_simple(sv[0], MSG_OK), 0);
	close(sv[0]);
	assert_int_equal(mkproto_recv(sv[1], in, &m, 1000), 0);
	assert_int_equal(m.type, MSG_OK);
	/* Closed between frames: a clean end, not an error in a frame. */
	assert_int_equal(mkproto_recv(sv[1], in, &m, 1000), MK_ERR_CLOSED);
	assert_int_equal(mkproto_recv(sv[1], in, &m, -1), MK_ERR_CLOSED);
	close(sv[1]);
	mkbuf_free(in);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
test_recv_timeout(void **state)
{
	struct mkbuf *in = new_frame_buf();
	struct mkmsg m;
	int64_t t0, dt;
	int sv[2];

	(void)state;
	new_pair(sv);
	t0 = mono_ms();
	assert_int_equal(mkproto_recv(sv[1], in, &m, 100), MK_ERR_TIMEOUT);
	dt = mono_ms() - t0;
	assert_true(dt >= 90 && dt < 2000);
	/* The connection is still usable afterwards. */
	assert_int_equal(mkproto_send_simple(sv[0], MSG_OK), 0);
	assert_int_equal(mkproto_recv(sv[1], in, &m, 100), 0);
	assert_int_equal(m.type, MSG_OK);
	t0 = mono_ms();
	assert_int_equal(mkproto_recv(sv[1], in, &m, 0), MK_ERR_TIMEOUT);
	assert_true(mono_ms() - t0 < 1000);
	close(sv[0]);
	close(sv[1]);
	mkbuf_free(in);
}

/* A zero timeout means "do not wait", not "do not read": a frame already
 * queued is there to be taken. recv_exact (proto.c) gives up when the
 * deadline is not in the future before it ever polls. */
static void
test_recv_zero_timeout_ready(void **state)
{
	struct mkbuf *in = new_frame_buf();
	struct mkmsg m;
	int sv[2], r;

	(void)state;
	new_pair(sv);
	memset(&m, 0, sizeof(m));
	r = mkproto_send_simple(sv[0], MSG_OK);
	if (r == 0)
		r = mkproto_recv(sv[1], in, &m, 0);
	close(sv[0]);
	close(sv[1]);
	mkbuf_free(in);
	assert_int_equal(r, 0);
	assert_int_equal(m.type, MSG_OK);
}

static void
test_send_to_closed_peer(void **state)
{
	int sv[2];

	(void)state;
	new_pair(sv);
	close(sv[1]);
	/* MSG_NOSIGNAL: an error code, and this process is still here. */
	assert_int_equal(mkproto_send_simple(sv[0], MSG_OK), MK_ERR_CLOSED);
	close(sv[0]);
}

static void
test_err_reply(void **state)
{
	/* "sai mật khẩu" (wrong password). */
	static const char why[] = "sai m\xe1\xba\xadt kh\xe1\xba\xa9u";
	struct mkbuf *in = new_frame_buf();
	struct mkmsg m;
	char msg[128], tiny[4];
	int sv[2];

	(void)state;
	new_pair(sv);
	assert_int_equal(mkproto_send_err(sv[0], MK_ERR_PASSWORD, why), 0);
	assert_int_equal(mkproto_recv(sv[1], in, &m, 1000), 0);
	assert_int_equal(m.type, MSG_ERR);
	assert_int_equal(mkclient_error(&m, msg, sizeof(msg)),
	    MK_ERR_PASSWORD);
	assert_string_equal(msg, why);
	/* A message that does not fit still gives the code. */
	assert_int_equal(mkclient_error(&m, tiny, sizeof(tiny)),
	    MK_ERR_PASSWORD);
	assert_true(strlen(tiny) < sizeof(tiny));

	assert_int_equal(mkproto_send_err(sv[0], MK_ERR_USAGE, ""), 0);
	assert_int_equal(mkproto_recv(sv[1], in, &m, 1000), 0);
	assert_int_equal(mkclient_error(&m, msg, sizeof(msg)), MK_ERR_USAGE);
	assert_string_equal(msg, "");
	close(sv[0]);
	close(sv[1]);
	mkbuf_free(in);
}

/* An ERR frame from a confused or hostile daemon: no code, code 0, a code
 * beyond the list. */
static void
test_err_reply_bad_code(void **state)
{
	static const uint64_t codes[] = { 0, (uint64_t)-MK_ERR_MAX + 1,
	    UINT64_MAX, 0x80000000ULL };
	struct mkbuf *b = new_frame_buf();
	struct mkmsg m;
	char msg[64];
	size_t i;

	(void)state;
	assert_int_equal(mkmsg_start(b, MSG_ERR), 0);
	assert_int_equal(mkmsg_add_str(b, F_MESSAGE, "x"), 0);
	assert_int_equal(decode_built(b, &m), 0);
	assert_int_equal(mkclient_error(&m, msg, sizeof(msg)),
	    MK_ERR_PROTOCOL);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		assert_int_equal(mkmsg_start(b, MSG_ERR), 0);
		assert_int_equal(mkmsg_add_u64(b, F_CODE, codes[i]), 0);
		assert_int_equal(decode_built(b, &m), 0);
		assert_int_equal(mkclient_error(&m, msg, sizeof(msg)),
		    MK_ERR_PROTOCOL);
	}
	assert_int_equal(mkmsg_start(b, MSG_ERR), 0);
	assert_int_equal(mkmsg_add_u64(b, F_CODE, (uint64_t)-MK_ERR_MAX), 0);
	assert_int_equal(decode_built(b, &m), 0);
	assert_int_equal(mkclient_error(&m, msg, sizeof(msg)), MK_ERR_MAX);
	mkbuf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_decode),
		cmocka_unit_test(test_str_accessor),
		cmocka_unit_test(test_u64_accessor),
		cmocka_unit_test(test_decode_rejects),
		cmocka_unit_test(test_build_limits),
		cmocka_unit_test(test_send_recv),
		cmocka_unit_test(test_send_recv_large),
		cmocka_unit_test(test_recv_over_cap),
		cmocka_unit_test(test_recv_too_short),
		cmocka_unit_test(test_recv_truncated),
		cmocka_unit_test(test_recv_closed),
		cmocka_unit_test(test_recv_timeout),
		cmocka_unit_test(test_recv_zero_timeout_ready),
		cmocka_unit_test(test_send_to_closed_peer),
		cmocka_unit_test(test_err_reply),
		cmocka_unit_test(test_err_reply_bad_code),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
