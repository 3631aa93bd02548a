/*
 * Test tool: connects to a Unix socket, sends its standard input as raw
 * bytes, and reports how the daemon reacted: "closed" if it closed the
 * connection within five seconds (after any frames, which are listed by
 * type), "open" if it did not.
 *   rawclient SOCKET < bytes
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/buf.h"

int
main(int argc, char **argv)
{
	struct sockaddr_un sa;
	struct pollfd pfd;
	uint8_t buf[65536];
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
		if ((n = recv(fd, buf, sizeof(buf), 0)) <= 0) {
			puts("closed");
			return 0;
		}
		if (n >= 6)
			printf("frame type 0x%04x\n", mk_get_be16(buf + 4));
	}
}
