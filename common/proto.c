#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "proto.h"

int
mkmsg_decode(const uint8_t *p, size_t len, struct mkmsg *m)
{
	struct mkrd r;
	struct mkfield *f;
	int e;

	memset(m, 0, sizeof(*m));
	mkrd_init(&r, p, len);
	if ((e = mkrd_u16(&r, &m->type)) != 0)
		return MK_ERR_PROTOCOL;
	while (mkrd_left(&r) > 0) {
		if (m->nfields == PROTO_FIELDS_MAX)
			return MK_ERR_PROTOCOL;
		f = &m->f[m->nfields];
		if (mkrd_u8(&r, &f->tag) != 0 || mkrd_u32(&r, &f->len) != 0 ||
		    mkrd_bytes(&r, f->len, &f->p) != 0 || f->tag == 0)
			return MK_ERR_PROTOCOL;
		m->nfields++;
	}
	return 0;
}

const struct mkfield *
mkmsg_get(const struct mkmsg *m, uint8_t tag)
{
	size_t i;

	for (i = 0; i < m->nfields; i++)
		if (m->f[i].tag == tag)
			return &m->f[i];
	return NULL;
}

int
mkmsg_str(const struct mkmsg *m, uint8_t tag, char *out, size_t outlen)
{
	const struct mkfield *f;

	if (outlen > 0)
		out[0] = '\0';
	if ((f = mkmsg_get(m, tag)) == NULL)
		return MK_ERR_USAGE;
	if (f->len >= outlen)
		return MK_ERR_TOO_LARGE;
	if (memchr(f->p, '\0', f->len) != NULL)
		return MK_ERR_PROTOCOL;
	memcpy(out, f->p, f->len);
	out[f->len] = '\0';
	return 0;
}

int
mkmsg_u64(const struct mkmsg *m, uint8_t tag, uint64_t *v)
{
	const struct mkfield *f;

	*v = 0;
	if ((f = mkmsg_get(m, tag)) == NULL)
		return MK_ERR_USAGE;
	if (f->len != 8)
		return MK_ERR_PROTOCOL;
	*v = mk_get_be64(f->p);
	return 0;
}

int
mkmsg_start(struct mkbuf *b, uint16_t type)
{
	int r;

	mkbuf_reset(b);
	if ((r = mkbuf_put_u32(b, 0)) != 0)
		return r;
	return mkbuf_put_u16(b, type);
}

int
mkmsg_add(struct mkbuf *b, uint8_t tag, const void *p, size_t len)
{
	int r;

	if (len > PROTO_FRAME_MAX)
		return MK_ERR_TOO_LARGE;
	if ((r = mkbuf_put_u8(b, tag)) != 0 ||
	    (r = mkbuf_put_u32(b, (uint32_t)len)) != 0)
		return r;
	return mkbuf_put(b, p, len);
}

int
mkmsg_add_str(struct mkbuf *b, uint8_t tag, const char *s)
{
	return mkmsg_add(b, tag, s, strlen(s));
}

int
mkmsg_add_u64(struct mkbuf *b, uint8_t tag, uint64_t v)
{
	uint8_t x[8];

	mk_put_be64(x, v);
	return mkmsg_add(b, tag, x, sizeof(x));
}

int
mkproto_send(int fd, struct mkbuf *b)
{
	const uint8_t *p;
	size_t len = mkbuf_len(b);
	ssize_t w;

	if (len < 6 || len - 4 > PROTO_FRAME_MAX)
		return MK_ERR_TOO_LARGE;
	mk_put_be32(mkbuf_mutable_ptr(b), (uint32_t)(len - 4));
	p = mkbuf_ptr(b);
	while (len > 0) {
		/* MSG_NOSIGNAL: a vanished peer is an error, not SIGPIPE. */
		if ((w = send(fd, p, len, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return mkerr_from_errno(errno);
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads exactly n bytes, waiting at most until deadline (ms, -1 none). */
static int
recv_exact(int fd, uint8_t *p, size_t n, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t r;
	int wait;

	while (got < n) {
		wait = deadline < 0 ? -1 : (int)(deadline - now_ms());
		/* Past the deadline, still take what is already there. */
		if (deadline >= 0 && wait < 0)
			wait = 0;
		if ((r = poll(&pfd, 1, wait)) < 0) {
			if (errno == EINTR)
				continue;
			return mkerr_from_errno(errno);
		}
		if (r == 0)
			return MK_ERR_TIMEOUT;
		if ((r = recv(fd, p + got, n - got, 0)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return mkerr_from_errno(errno);
		}
		if (r == 0)
			return got == 0 ? MK_ERR_CLOSED : MK_ERR_TRUNCATED;
		got += (size_t)r;
	}
	return 0;
}

int
mkproto_recv(int fd, struct mkbuf *b, struct mkmsg *m, int timeout_ms)
{
	uint8_t lenbuf[4], *dst;
	uint32_t len;
	int64_t first = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	int r;

	mkbuf_reset(b);
	if ((r = recv_exact(fd, lenbuf, 1, first)) != 0)
		return r;
	/* Once a frame has begun, running out of time is a truncated
	 * frame, never the idle timeout: the stream cannot be resumed. */
	if ((r = recv_exact(fd, lenbuf + 1, 3,
	    now_ms() + PROTO_FRAME_TIMEOUT_MS)) != 0)
		return r == MK_ERR_CLOSED || r == MK_ERR_TIMEOUT ?
		    MK_ERR_TRUNCATED : r;
	/* The cap is checked before anything is allocated for the frame. */
	if ((len = mk_get_be32(lenbuf)) > PROTO_FRAME_MAX)
		return MK_ERR_TOO_LARGE;
	if (len < 2)
		return MK_ERR_PROTOCOL;
	if ((r = mkbuf_reserve(b, len, &dst)) != 0)
		return r;
	if ((r = recv_exact(fd, dst, len,
	    now_ms() + PROTO_FRAME_TIMEOUT_MS)) != 0)
		return r == MK_ERR_CLOSED || r == MK_ERR_TIMEOUT ?
		    MK_ERR_TRUNCATED : r;
	return mkmsg_decode(dst, len, m);
}

int
mkproto_send_simple(int fd, uint16_t type)
{
	struct mkbuf *b;
	int r;

	if ((b = mkbuf_new(64)) == NULL)
		return MK_ERR_ALLOC;
	if ((r = mkmsg_start(b, type)) == 0)
		r = mkproto_send(fd, b);
	mkbuf_free(b);
	return r;
}

int
mkproto_send_err(int fd, int code, const char *message)
{
	struct mkbuf *b;
	int r;

	if ((b = mkbuf_new(8192)) == NULL)
		return MK_ERR_ALLOC;
	if ((r = mkmsg_start(b, MSG_ERR)) == 0 &&
	    (r = mkmsg_add_u64(b, F_CODE, (uint64_t)-code)) == 0 &&
	    (r = mkmsg_add(b, F_MESSAGE, message,
	    strnlen(message, 4096))) == 0)
		r = mkproto_send(fd, b);
	mkbuf_free(b);
	return r;
}
