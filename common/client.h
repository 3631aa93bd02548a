/*
 * The client side of the protocol (common/proto.h), shared by matctl and
 * the console: connect, send a request, read the replies.
 */
#ifndef MATKIOSK_CLIENT_H
#define MATKIOSK_CLIENT_H

#include <stddef.h>

struct mkbuf;
struct mkmsg;
struct mkclient;

/* Connects to the daemon's socket and says hello (protocol version). On a
 * refusal, msg gets the daemon's reason. */
int mkclient_connect(const char *path, struct mkclient **out, char *msg,
    size_t msglen);
/* Closes and wipes the buffers; accepts NULL. */
void mkclient_close(struct mkclient *c);
/* The buffer to build the next request in (mkmsg_start / mkmsg_add). */
struct mkbuf *mkclient_out(struct mkclient *c);
int mkclient_send(struct mkclient *c);
/* The next frame from the daemon; m points into the client's buffer until
 * the next call. */
int mkclient_recv(struct mkclient *c, struct mkmsg *m);
/* For an ERR frame: the error code, with its message copied to msg. */
int mkclient_error(const struct mkmsg *m, char *msg, size_t msglen);
/* Sends a request with one optional text field and waits for OK or ERR.
 * Returns 0 for OK, the error code for ERR (message in msg). */
int mkclient_simple(struct mkclient *c, unsigned type, unsigned tag,
    const char *value, char *msg, size_t msglen);
/* Authenticates the connection as user with password. */
int mkclient_auth(struct mkclient *c, const char *user, const char *password,
    char *msg, size_t msglen);
/* The connection's socket, to poll it for pushed EVENT frames (WATCH) or
 * beside a terminal (a repair session's stream). */
int mkclient_fd(const struct mkclient *c);

#endif /* MATKIOSK_CLIENT_H */
