/*
 * The daemon's side of CUPS (libcups): asks cupsd for a queue's device
 * URI, submits a job from memory, and waits for its final state. Talks
 * only to the cupsd at [print] cups_server (a Unix socket).
 */
#ifndef MATKIOSK_CUPSQ_H
#define MATKIOSK_CUPSQ_H

#include <stddef.h>
#include <stdint.h>

#define CUPSQ_WAIT_MS	120000	/* a job's final state, at most */

struct cupsq_result {
	int		job;		/* CUPS job id, 0 if none */
	char		state[24];	/* completed, aborted, canceled, ... */
	uint64_t	pages;		/* job-impressions-completed */
};

/*
 * The device-uri of queue from cupsd at server (a socket path). MK_ERR_
 * PRINTER with why when cupsd cannot be reached, MK_ERR_NOT_FOUND when
 * there is no such queue.
 */
int cupsq_device_uri(const char *server, const char *queue, char *uri,
    size_t urilen, char *why, size_t whylen);
/*
 * Submits p (n bytes of format mime) to queue as one job titled title,
 * requested by user (the person, for CUPS's own logs), and waits for it
 * to end. 0 only when cupsd reports it completed;
 * MK_ERR_PRINTER with why otherwise (res says how far it came).
 */
int cupsq_print(const char *server, const char *queue, const char *title,
    const char *user, const char *mime, const uint8_t *p, size_t n, struct cupsq_result *res,
    char *why, size_t whylen);

#endif /* MATKIOSK_CUPSQ_H */
