/*
 * Test tool: connects to a Unix socket, sends its standard input as raw
 * bytes, and reports how the daemon reacted: "closed" if it closed the
 * connection within five seconds (after any frames, each listed by type),
 * "open" if it did not.
 *   rawclient SOCKET < bytes
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/buf.h"

/* Prints the type of every whole frame in buf (replies often arrive
 * together); returns the bytes left of an unfinished one, moved to the
 * front. A frame too large for buf is skipped as it streams past. */
static size_t
list_frames(uint8_t *buf, size_t have)
{
	static uint64_t skip;
	size_t off = 0, len;

	if (skip > 0) {
		len = skip < have ? (size_t)skip : have;
		skip -= len;
		off = len;
	}
	while (have - off >= 6) {
		len = 4 + (size_t)mk_get_be32(buf + off);
		printf("frame type 0x%04x\n", mk_get_be16(buf + off + 4));
		if (have - off < len) {
			skip = len - (have - off);
			return 0;
		}
		off += len;
	}
	memmove(buf, buf + off, have - off);
	return have - off;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa;
	struct pollfd pfd;
	static uint8_t buf[1u << 16];
	size_t have = 0;
	ssize_t n;
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: rawclient SOCKET < bytes\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("connect");
		return 1;
	}
	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
			break;
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, 5000) <= 0) {
			puts("open");
			return 0;
		}
		if ((n = recv(fd, buf + have, sizeof(buf) - have, 0)) <= 0) {
			puts("closed");
			return 0;
		}
		have += (size_t)n;
		have = list_frames(buf, have);
	}
}
