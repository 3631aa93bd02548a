#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"
#include "err.h"
#include "proto.h"

struct mkclient {
	int		 fd;
	struct mkbuf	*in;
	struct mkbuf	*out;
};

void
mkclient_close(struct mkclient *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	mkbuf_free(c->in);
	mkbuf_free(c->out);
	free(c);
}

int
mkclient_fd(const struct mkclient *c)
{
	return c->fd;
}

struct mkbuf *
mkclient_out(struct mkclient *c)
{
	return c->out;
}

int
mkclient_send(struct mkclient *c)
{
	int r = mkproto_send(c->fd, c->out);

	mkbuf_reset(c->out);
	return r;
}

int
mkclient_recv(struct mkclient *c, struct mkmsg *m)
{
	return mkproto_recv(c->fd, c->in, m, -1);
}

int
mkclient_error(const struct mkmsg *m, char *msg, size_t msglen)
{
	uint64_t code;

	if (mkmsg_str(m, F_MESSAGE, msg, msglen) != 0)
		snprintf(msg, msglen, "error");
	if (mkmsg_u64(m, F_CODE, &code) != 0 || code == 0 ||
	    code > (uint64_t)-MK_ERR_MAX)
		return MK_ERR_PROTOCOL;
	return -(int)code;
}

/* OK -> 0; ERR -> its code; anything else is a protocol error. */
static int
expect_ok(struct mkclient *c, struct mkmsg *m, char *msg, size_t msglen)
{
	int r;

	if ((r = mkclient_recv(c, m)) != 0) {
		snprintf(msg, msglen, "daemon: %s", mkerr_str(r));
		return r;
	}
	if (m->type == MSG_OK)
		return 0;
	if (m->type == MSG_ERR)
		return mkclient_error(m, msg, msglen);
	snprintf(msg, msglen, "unexpected reply from the daemon");
	return MK_ERR_PROTOCOL;
}

int
mkclient_connect(const char *path, struct mkclient **out, char *msg,
    size_t msglen)
{
	struct sockaddr_un sa;
	struct mkclient *c;
	struct mkmsg m;
	int r;

	*out = NULL;
	snprintf(msg, msglen, "%s", "");
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return MK_ERR_TOO_LARGE;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return MK_ERR_ALLOC;
	c->in = mkbuf_new(PROTO_FRAME_MAX + 4);
	c->out = mkbuf_new(PROTO_FRAME_MAX + 4);
	if (c->in == NULL || c->out == NULL ||
	    (c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		c->fd = -1;
		r = MK_ERR_ALLOC;
		goto out;
	}
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		r = mkerr_from_errno(errno);
		snprintf(msg, msglen, "%s", r == MK_ERR_NOT_FOUND ?
		    "daemon not running (no socket)" : strerror(errno));
		goto out;
	}
	if ((r = mkmsg_start(c->out, MSG_HELLO)) != 0 ||
	    (r = mkmsg_add_u64(c->out, F_VERSION, PROTO_VERSION)) != 0 ||
	    (r = mkclient_send(c)) != 0 ||
	    (r = expect_ok(c, &m, msg, msglen)) != 0)
		goto out;
	*out = c;
	return 0;
 out:
	mkclient_close(c);
	return r;
}

int
mkclient_simple(struct mkclient *c, unsigned type, unsigned tag,
    const char *value, char *msg, size_t msglen)
{
	struct mkmsg m;
	int r;

	if ((r = mkmsg_start(c->out, (uint16_t)type)) != 0 ||
	    (value != NULL &&
	    (r = mkmsg_add_str(c->out, (uint8_t)tag, value)) != 0) ||
	    (r = mkclient_send(c)) != 0) {
		snprintf(msg, msglen, "%s", mkerr_str(r));
		return r;
	}
	return expect_ok(c, &m, msg, msglen);
}

int
mkclient_auth(struct mkclient *c, const char *user, const char *password,
    char *msg, size_t msglen)
{
	struct mkmsg m;
	int r;

	if ((r = mkmsg_start(c->out, MSG_AUTH)) != 0 ||
	    (r = mkmsg_add_str(c->out, F_USER, user)) != 0 ||
	    (r = mkmsg_add_str(c->out, F_PASSWORD, password)) != 0 ||
	    (r = mkclient_send(c)) != 0) {
		snprintf(msg, msglen, "%s", mkerr_str(r));
		return r;
	}
	return expect_ok(c, &m, msg, msglen);
}
