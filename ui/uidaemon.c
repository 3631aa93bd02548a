/*
 * The console's requests to matkioskd, over common/client. The console
 * is unprivileged: the daemon serves it because its user is in the client
 * group ([daemon] client_group, docs/protocol.md "Who may connect").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/client.h"
#include "common/err.h"
#include "common/proto.h"
#include "ui.h"
#include "uitext.h"

int
ud_connect(struct ui *u)
{
	char msg[512];
	struct mkmsg m;
	int r;

	ud_disconnect(u);
	if ((r = mkclient_connect(u->conf.socket, &u->c, msg,
	    sizeof(msg))) != 0)
		goto fail;
	/* A second connection carries the daemon's pushed state changes. */
	if ((r = mkclient_connect(u->conf.socket, &u->watch, msg,
	    sizeof(msg))) != 0)
		goto fail;
	if ((r = mkmsg_start(mkclient_out(u->watch), MSG_WATCH)) != 0 ||
	    (r = mkclient_send(u->watch)) != 0 ||
	    (r = mkclient_recv(u->watch, &m)) != 0)
		goto fail;
	if (m.type != MSG_OK) {
		r = MK_ERR_PROTOCOL;
		goto fail;
	}
	if (mkmsg_str(&m, F_STATE, msg, sizeof(msg)) == 0 &&
	    strcmp(msg, "lockdown") == 0) {
		const struct mkfield *f = mkmsg_get(&m, F_MESSAGE);

		u->lockdown = 1;
		uitext_safe(f != NULL ? f->p : (const uint8_t *)"",
		    f != NULL ? f->len : 0, u->lockdown_reason,
		    sizeof(u->lockdown_reason));
	} else
		u->lockdown = 0;
	u->lost = 0;
	return 0;
 fail:
	u->err = r;
	uitext_safe(msg, strlen(msg), u->errmsg, sizeof(u->errmsg));
	ud_disconnect(u);
	return r;
}

void
ud_disconnect(struct ui *u)
{
	mkclient_close(u->c);
	mkclient_close(u->watch);
	u->c = NULL;
	u->watch = NULL;
	u->logged_in = 0;
}

void
ud_start(struct ui *u, unsigned type)
{
	if (u->c != NULL)
		(void)mkmsg_start(mkclient_out(u->c), (uint16_t)type);
}

void
ud_add(struct ui *u, unsigned tag, const char *s)
{
	if (u->c != NULL)
		(void)mkmsg_add_str(mkclient_out(u->c), (uint8_t)tag, s);
}

void
ud_add_u64(struct ui *u, unsigned tag, uint64_t v)
{
	if (u->c != NULL)
		(void)mkmsg_add_u64(mkclient_out(u->c), (uint8_t)tag, v);
}

/* A failure of the connection itself: the main loop reconnects. */
static int
lost(struct ui *u, int r)
{
	u->lost = 1;
	u->err = r;
	snprintf(u->errmsg, sizeof(u->errmsg), "%s", mkerr_str(r));
	return r;
}

/* Reads frames until OK or ERR, each ENTRY into l (if not NULL). */
static int
collect(struct ui *u, struct uilist *l, struct uirec *ok)
{
	struct mkmsg m;
	char msg[1024];
	int r;

	if (ok != NULL)
		memset(ok, 0, sizeof(*ok));
	for (;;) {
		if ((r = mkclient_recv(u->c, &m)) != 0)
			return lost(u, r);
		if (m.type == MSG_ENTRY && l != NULL) {
			if ((r = uilist_add(l, &m)) != 0)
				return r;
			continue;
		}
		if (m.type == MSG_OK) {
			if (ok != NULL && uirec_from_msg(&m, ok) != 0)
				return MK_ERR_ALLOC;
			return 0;
		}
		if (m.type == MSG_ERR) {
			u->err = mkclient_error(&m, msg, sizeof(msg));
			uitext_safe(msg, strlen(msg), u->errmsg,
			    sizeof(u->errmsg));
			return u->err;
		}
		if (m.type != MSG_ENTRY && m.type != MSG_DATA)
			return lost(u, MK_ERR_PROTOCOL);
	}
}

int
ud_list(struct ui *u, struct uilist *l, struct uirec *ok)
{
	int r;

	u->err = 0;
	u->errmsg[0] = '\0';
	if (u->c == NULL)
		return lost(u, MK_ERR_CLOSED);
	if ((r = mkclient_send(u->c)) != 0)
		return lost(u, r);
	return collect(u, l, ok);
}

int
ud_call(struct ui *u, struct uirec *ok)
{
	return ud_list(u, NULL, ok);
}

int
ud_status(struct ui *u, struct uilist *l)
{
	ud_start(u, MSG_STATUS);
	return ud_list(u, l, NULL);
}

const char *
ud_status_get(const struct uilist *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(uirec_get(&l->v[i], F_KEY), key) == 0)
			return uirec_get(&l->v[i], F_VALUE);
	return "";
}

/* Streams the file as DATA frames; an unreadable file still ends the
 * stream with END, so the daemon's answer comes in order. */
static int
send_file(struct ui *u, int fd)
{
	static uint8_t chunk[PROTO_DATA_MAX];
	struct mkbuf *b = mkclient_out(u->c);
	ssize_t n;
	int r, rd = 0;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rd = n < 0 ? mkerr_from_errno(errno) : 0;
			break;
		}
		if ((r = mkmsg_start(b, MSG_DATA)) != 0 ||
		    (r = mkmsg_add(b, F_DATA, chunk, (size_t)n)) != 0 ||
		    (r = mkclient_send(u->c)) != 0)
			return lost(u, r);
	}
	mk_wipe(chunk, sizeof(chunk));
	if ((r = mkmsg_start(b, MSG_END)) != 0 ||
	    (r = mkclient_send(u->c)) != 0)
		return lost(u, r);
	return rd;
}

int
ud_import(struct ui *u, const char *path, const char *cls,
    const char *title, char *id, size_t idlen)
{
	struct uirec ok;
	int fd, r, rd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		u->err = mkerr_from_errno(errno);
		uitext_safe(strerror(errno), strlen(strerror(errno)),
		    u->errmsg, sizeof(u->errmsg));
		return u->err;
	}
	ud_start(u, MSG_DOC_IMPORT);
	ud_add(u, F_CLASS, cls);
	ud_add(u, F_TITLE, title);
	if ((r = ud_call(u, NULL)) != 0)
		goto out;
	rd = send_file(u, fd);
	if (u->lost) {
		r = u->err;
		goto out;
	}
	if ((r = collect(u, NULL, &ok)) == 0) {
		snprintf(id, idlen, "%s", uirec_get(&ok, F_ID));
		uirec_clear(&ok);
	}
	if (r == 0 && rd != 0) {
		/* Cannot happen: a short file is imported short. */
		r = rd;
	}
 out:
	close(fd);
	return r;
}

int
ud_cat(struct ui *u, const char *id, size_t max, char **out, size_t *len,
    int *cut)
{
	ud_start(u, MSG_DOC_CAT);
	ud_add(u, F_ID, id);
	return ud_data(u, max, out, len, cut, NULL);
}

int
ud_data(struct ui *u, size_t max, char **out, size_t *len, int *cut,
    struct uirec *ok)
{
	struct mkmsg m;
	const struct mkfield *f;
	char msg[1024], *buf;
	size_t n = 0, take;
	int r;

	*out = NULL;
	*len = 0;
	*cut = 0;
	u->err = 0;
	u->errmsg[0] = '\0';
	if (ok != NULL)
		memset(ok, 0, sizeof(*ok));
	if ((buf = malloc(max + 1)) == NULL)
		return MK_ERR_ALLOC;
	if (u->c == NULL || (r = mkclient_send(u->c)) != 0) {
		free(buf);
		return lost(u, MK_ERR_CLOSED);
	}
	for (;;) {
		if ((r = mkclient_recv(u->c, &m)) != 0) {
			r = lost(u, r);
			break;
		}
		if (m.type == MSG_DATA && (f = mkmsg_get(&m, F_DATA)) != NULL) {
			/* Past max the rest is read and dropped, to keep the
			 * connection in step. */
			take = f->len <= max - n ? f->len : max - n;
			memcpy(buf + n, f->p, take);
			n += take;
			if (take < f->len)
				*cut = 1;
			continue;
		}
		if (m.type == MSG_OK) {
			if (ok != NULL && uirec_from_msg(&m, ok) != 0) {
				r = MK_ERR_ALLOC;
				break;
			}
			buf[n] = '\0';
			*out = buf;
			*len = n;
			return 0;
		}
		if (m.type == MSG_ERR) {
			u->err = r = mkclient_error(&m, msg, sizeof(msg));
			uitext_safe(msg, strlen(msg), u->errmsg,
			    sizeof(u->errmsg));
		} else
			r = lost(u, MK_ERR_PROTOCOL);
		break;
	}
	mk_wipe(buf, n);
	free(buf);
	return r;
}
