#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "common/err.h"

struct approvals {
	struct approval	v[APPROVALS_MAX];
	size_t		n;
	uint64_t	next_id;
};

struct approvals *
approvals_new(void)
{
	struct approvals *t = calloc(1, sizeof(*t));

	if (t != NULL)
		t->next_id = 1;
	return t;
}

void
approvals_free(struct approvals *t)
{
	free(t);
}

static void
drop(struct approvals *t, size_t i)
{
	t->v[i] = t->v[--t->n];
	memset(&t->v[t->n], 0, sizeof(t->v[0]));
}

static void
prune(struct approvals *t, int64_t now)
{
	size_t i = 0;

	while (i < t->n) {
		if (t->v[i].until <= now || t->v[i].used >= t->v[i].count)
			drop(t, i);
		else
			i++;
	}
}

int
approvals_add(struct approvals *t, struct approval *a, int64_t now)
{
	prune(t, now);
	if (t->n == APPROVALS_MAX)
		return MK_ERR_BUSY;
	if (a->count == 0 || a->until <= now)
		return MK_ERR_ARGUMENT;
	a->id = t->next_id++;
	a->used = 0;
	a->granted = now;
	t->v[t->n++] = *a;
	return 0;
}

int
approvals_use(struct approvals *t, const char *requester,
    const char *action, const char *object, uint32_t n, int64_t now,
    struct approval *out)
{
	struct approval *a, *best = NULL;
	size_t i;

	prune(t, now);
	for (i = 0; i < t->n; i++) {
		a = &t->v[i];
		if (strcmp(a->requester, requester) != 0 ||
		    strcmp(a->action, action) != 0 ||
		    strcmp(a->object, object) != 0 ||
		    a->count - a->used < n)
			continue;
		if (best == NULL || a->until < best->until)
			best = a;
	}
	if (best == NULL || n == 0)
		return MK_ERR_APPROVAL;
	best->used += n;
	if (out != NULL)
		*out = *best;
	prune(t, now);
	return 0;
}

size_t
approvals_list(struct approvals *t, int64_t now, struct approval *out,
    size_t max)
{
	size_t i;

	prune(t, now);
	for (i = 0; i < t->n && i < max; i++)
		out[i] = t->v[i];
	return t->n;
}

void
approvals_drop_account(struct approvals *t, const char *name)
{
	size_t i = 0;

	while (i < t->n) {
		if (strcmp(t->v[i].requester, name) == 0 ||
		    strcmp(t->v[i].approver, name) == 0)
			drop(t, i);
		else
			i++;
	}
}
