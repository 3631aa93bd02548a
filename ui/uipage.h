/*
 * Paging through the audit log a screenful at a time (the log screen).
 * The daemon pages by cursor (LOG_QUERY, docs/protocol.md): "older" from a
 * seq gives records newest first, "newer" oldest first. Going back a page
 * is a "newer" query from just above the page's top, shown reversed, so no
 * history of cursors is kept however far one pages. Pure state: unit-
 * tested in tests/unit/test_uipage.c.
 */
#ifndef MATKIOSK_UIPAGE_H
#define MATKIOSK_UIPAGE_H

#include <stdint.h>

enum uipage_move { UIPAGE_HEAD, UIPAGE_OLDER, UIPAGE_NEWER, UIPAGE_TAIL };

struct uipage {
	/* What is shown: seqs top (newest) .. bottom (oldest). */
	int		have;		/* something is shown */
	uint64_t	top, bottom;
	int		at_head;	/* nothing newer (as of the query) */
	int		at_tail;	/* nothing older */
};

/* The request for a move: direction "older" or "newer", and whether a
 * cursor is sent. Returns -1 if the move is impossible from here (older
 * at the tail, newer at the head). */
struct uipage_req {
	const char	*direction;
	int		 have_cursor;
	uint64_t	 cursor;
};
int uipage_request(const struct uipage *p, enum uipage_move mv,
    struct uipage_req *rq);

/* After the page for mv came: n entries with seqs first (as received)
 * and last; more is whether the daemon gave a CURSOR (records beyond).
 * With n == 0 the view is unchanged except for the edge flags. */
void uipage_loaded(struct uipage *p, enum uipage_move mv, unsigned n,
    uint64_t first, uint64_t last, int more);

/* Whether the entries of mv's page are shown in reverse of their order of
 * arrival (the view is always newest at the top). */
int uipage_reversed(enum uipage_move mv);

#endif /* MATKIOSK_UIPAGE_H */
