#include <stddef.h>

#include "uipage.h"

int
uipage_request(const struct uipage *p, enum uipage_move mv,
    struct uipage_req *rq)
{
	rq->have_cursor = 0;
	rq->cursor = 0;
	switch (mv) {
	case UIPAGE_HEAD:
		rq->direction = "older";
		return 0;
	case UIPAGE_TAIL:
		rq->direction = "newer";
		rq->have_cursor = 1;
		return 0;
	case UIPAGE_OLDER:
		rq->direction = "older";
		if (!p->have || p->at_tail || p->bottom == 0)
			return -1;
		rq->have_cursor = 1;
		rq->cursor = p->bottom - 1;
		return 0;
	case UIPAGE_NEWER:
		rq->direction = "newer";
		if (!p->have || p->at_head || p->top == UINT64_MAX)
			return -1;
		rq->have_cursor = 1;
		rq->cursor = p->top + 1;
		return 0;
	}
	return -1;
}

int
uipage_reversed(enum uipage_move mv)
{
	return mv == UIPAGE_NEWER || mv == UIPAGE_TAIL;
}

void
uipage_loaded(struct uipage *p, enum uipage_move mv, unsigned n,
    uint64_t first, uint64_t last, int more)
{
	int older = !uipage_reversed(mv);

	if (n == 0) {
		if (mv == UIPAGE_HEAD || mv == UIPAGE_TAIL)
			p->have = 0;
		if (older)
			p->at_tail = 1;
		else
			p->at_head = 1;
		return;
	}
	p->have = 1;
	p->top = older ? first : last;
	p->bottom = older ? last : first;
	if (older) {
		p->at_tail = !more;
		p->at_head = mv == UIPAGE_HEAD ? 1 : 0;
	} else {
		p->at_head = !more;
		p->at_tail = mv == UIPAGE_TAIL ? 1 : 0;
	}
	/* Seq 0 is the oldest there is. */
	if (p->bottom == 0)
		p->at_tail = 1;
}
