/*
 * Who may do what, and the account rules of Article 8, as pure functions of
 * the account, the configuration and the time (passed in, so that tests can
 * move the clock).
 *
 * The role table below is the one place that says what each role may do;
 * docs/architecture.md ("Roles") shows the same table.
 */
#ifndef MATKIOSK_POLICY_H
#define MATKIOSK_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "accounts.h"
#include "common/conf.h"

enum action {
	ACT_DOC_READ,		/* list, view */
	ACT_DOC_IMPORT,
	ACT_DOC_DELETE,		/* destruction (tiêu hủy) */
	ACT_PRINT,
	ACT_COPY_OUT,
	ACT_ACCOUNT_MANAGE,	/* create, change, disable, reset, unlock */
	ACT_KEY_ROTATE,
	ACT_APPROVE,		/* approve another person's action */
	ACT_USB_VIEW,
	ACT_USB_REGISTER,	/* register, unregister */
	ACT_LOCKDOWN_CLEAR,
	ACT_INCIDENT_VIEW,
	ACT_INCIDENT_REPORT,
	ACT_INCIDENT_HANDLE,	/* handle, close */
	ACT_LOG_READ,
	ACT_REPAIR,		/* work in a supervised repair session */
	ACT_EXPORT_INSPECTION,
	ACT_BACKUP,		/* backup, restore test */
	ACT_MEDIA_SANITIZE,
	ACT_DECOMMISSION,
	ACT_COUNT
};

#define MAY_NO			0
#define MAY_YES			1
#define MAY_WITH_APPROVAL	2	/* only with a supervisor's approval */

struct permission {
	enum action	 act;
	const char	*name;		/* "doc.delete": logs, approvals */
	uint32_t	 direct;	/* roles that may, on their own */
	uint32_t	 approved;	/* roles that may with an approval */
};

/* MAY_YES, MAY_WITH_APPROVAL or MAY_NO for someone holding roles. */
int policy_may(uint32_t roles, enum action act);
const struct permission *policy_permission(enum action act);
/* An action that can be approved, by name; NULL otherwise. */
const struct permission *policy_approvable(const char *name);
/* The whole table (for docs and the console). */
const struct permission *policy_table(size_t *n);

/*
 * Before a password is even tried: MK_ERR_DISABLED, or MK_ERR_ACCT_LOCKED
 * while a lockout lasts (why says until when, in UTC). 0 otherwise.
 */
int policy_login_gate(const struct account *a, int64_t now, char *why,
    size_t whylen);
/* A wrong password: counts it, and returns 1 if this failure locked the
 * account (until now + lockout_minutes). */
int policy_login_failed(struct account *a, const struct mkconf *c,
    int64_t now);
/* A right password: clears the failures and any lock. */
void policy_login_succeeded(struct account *a, int64_t now);
/* MK_ERR_PW_CHANGE (why says: first use, or expired on what day) when the
 * password must be changed before the account is used; 0 otherwise. */
int policy_password_due(const struct account *a, const struct mkconf *c,
    int64_t now, char *why, size_t whylen);
/* 1 when a session idle since last_ms (monotonic milliseconds) must lock
 * at now_ms. */
int policy_idle_expired(int64_t last_ms, int64_t now_ms,
    const struct mkconf *c);
/* Milliseconds until a session idle since last_ms locks (0 if due). */
int64_t policy_idle_left_ms(int64_t last_ms, int64_t now_ms,
    const struct mkconf *c);

/* "2026-11-25 14:05 UTC" */
void policy_format_time(int64_t t, char *out, size_t outlen);

#endif /* MATKIOSK_POLICY_H */
