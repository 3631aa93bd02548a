/*
 * Supervisor approvals: one specific action (which action, on what, how
 * many times, until when) that a supervisor approved for one person at
 * that person's console. Kept in the daemon's memory only: a restart drops
 * every approval, which fails safe (the person asks again). Pure functions
 * of the table and the time passed in; the daemon guards it with d->lock.
 */
#ifndef MATKIOSK_APPROVAL_H
#define MATKIOSK_APPROVAL_H

#include <stddef.h>
#include <stdint.h>

#include "accounts.h"

#define APPROVALS_MAX		256	/* live at once */
#define APPROVAL_OBJECT_MAX	64
#define APPROVAL_COUNT_MAX	100
#define APPROVAL_DEFAULT_SECONDS (30 * 60)
#define APPROVAL_MAX_SECONDS	(24 * 3600)

struct approval {
	uint64_t	id;
	char		requester[ACCOUNT_NAME_MAX + 1];
	char		approver[ACCOUNT_NAME_MAX + 1];
	char		action[32];
	char		object[APPROVAL_OBJECT_MAX + 1];
	uint32_t	count;		/* uses (or copies) approved */
	uint32_t	used;
	int64_t		granted;
	int64_t		until;		/* exclusive */
};

struct approvals;

struct approvals *approvals_new(void);
void approvals_free(struct approvals *t);
/* Adds a (its id, used and granted are set here); MK_ERR_BUSY when full
 * of live approvals. */
int approvals_add(struct approvals *t, struct approval *a, int64_t now);
/*
 * Uses n of an approval of exactly this action on exactly this object for
 * requester, live at now: the one that expires first. MK_ERR_APPROVAL if
 * none has n uses left. *out (may be NULL) gets the approval after use; an
 * approval used up or expired is dropped.
 */
int approvals_use(struct approvals *t, const char *requester,
    const char *action, const char *object, uint32_t n, int64_t now,
    struct approval *out);
/* Copies up to max live approvals into out; returns how many there are. */
size_t approvals_list(struct approvals *t, int64_t now, struct approval *out,
    size_t max);
/* Drops every approval given to or by name (an account disabled). */
void approvals_drop_account(struct approvals *t, const char *name);

#endif /* MATKIOSK_APPROVAL_H */
