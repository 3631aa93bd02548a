#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "policy.h"

#define SUP	ROLE_SUPERVISOR
#define IT	ROLE_IT_OFFICER
#define DRA	ROLE_DRAFTER
#define TEC	ROLE_TECHNICIAN
#define INS	ROLE_INSPECTOR

/*
 * What each role may do. Technicians and inspectors never touch a
 * document: they hold no vault key, so this table could not grant it even
 * by mistake for reading (the key is simply absent from their sessions).
 */
static const struct permission table[ACT_COUNT] = {
	{ ACT_DOC_READ,		 "doc.read",		DRA | SUP,	0 },
	{ ACT_DOC_IMPORT,	 "doc.import",		DRA | SUP,	0 },
	{ ACT_DOC_DELETE,	 "doc.delete",		SUP,		DRA },
	{ ACT_PRINT,		 "print",		SUP,		DRA },
	{ ACT_COPY_OUT,		 "copy-out",		SUP,		DRA },
	{ ACT_ACCOUNT_MANAGE,	 "account.manage",	SUP | IT,	0 },
	{ ACT_KEY_ROTATE,	 "key.rotate",		SUP,		0 },
	{ ACT_APPROVE,		 "approve",		SUP,		0 },
	{ ACT_USB_VIEW,		 "usb.view",		SUP | IT | DRA | TEC | INS, 0 },
	{ ACT_USB_REGISTER,	 "usb.register",	SUP,		IT },
	{ ACT_LOCKDOWN_CLEAR,	 "lockdown.clear",	SUP,		0 },
	{ ACT_INCIDENT_VIEW,	 "incident.view",	SUP | IT | INS,	0 },
	{ ACT_INCIDENT_REPORT,	 "incident.report",	SUP | IT | DRA | TEC | INS, 0 },
	{ ACT_INCIDENT_HANDLE,	 "incident.handle",	SUP | IT,	0 },
	{ ACT_LOG_READ,		 "log.read",		SUP | IT | INS,	0 },
	{ ACT_REPAIR,		 "repair",		0,		TEC },
	{ ACT_EXPORT_INSPECTION, "export.inspection",	0,		INS },
	{ ACT_BACKUP,		 "backup",		SUP,		0 },
	{ ACT_MEDIA_SANITIZE,	 "media.sanitize",	SUP | IT,	0 },
	{ ACT_DECOMMISSION,	 "decommission",	SUP,		0 },
};

int
policy_may(uint32_t roles, enum action act)
{
	if ((unsigned)act >= ACT_COUNT)
		return MAY_NO;
	if (roles & table[act].direct)
		return MAY_YES;
	if (roles & table[act].approved)
		return MAY_WITH_APPROVAL;
	return MAY_NO;
}

const struct permission *
policy_permission(enum action act)
{
	return (unsigned)act < ACT_COUNT ? &table[act] : NULL;
}

const struct permission *
policy_approvable(const char *name)
{
	size_t i;

	for (i = 0; i < ACT_COUNT; i++)
		if (table[i].approved != 0 && strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

const struct permission *
policy_table(size_t *n)
{
	*n = ACT_COUNT;
	return table;
}

void
policy_format_time(int64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, outlen, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, outlen, "%lld", (long long)t);
}

int
policy_login_gate(const struct account *a, int64_t now, char *why,
    size_t whylen)
{
	char when[40];

	if (a->flags & ACCOUNT_DISABLED) {
		snprintf(why, whylen, "account %s is disabled", a->name);
		return MK_ERR_DISABLED;
	}
	if (a->locked_until > now) {
		policy_format_time(a->locked_until, when, sizeof(when));
		snprintf(why, whylen, "account %s is locked after %u failed "
		    "logins until %s, or until a supervisor unlocks it",
		    a->name, a->failed, when);
		return MK_ERR_ACCT_LOCKED;
	}
	return 0;
}

int
policy_login_failed(struct account *a, const struct mkconf *c, int64_t now)
{
	/* A lock that has run out starts a new count. */
	if (a->locked_until != 0 && a->locked_until <= now) {
		a->locked_until = 0;
		a->failed = 0;
	}
	if (a->failed < UINT32_MAX)
		a->failed++;
	if (a->failed >= c->max_failed_logins && a->locked_until <= now) {
		a->locked_until = now + (int64_t)c->lockout_minutes * 60;
		return 1;
	}
	return 0;
}

void
policy_login_succeeded(struct account *a, int64_t now)
{
	a->failed = 0;
	a->locked_until = 0;
	a->last_login = now;
}

int
policy_password_due(const struct account *a, const struct mkconf *c,
    int64_t now, char *why, size_t whylen)
{
	int64_t expires = a->pw_set + (int64_t)c->password_max_age_days *
	    86400;
	char when[40];

	if (a->flags & ACCOUNT_MUST_CHANGE) {
		snprintf(why, whylen, "the password of %s was set by someone "
		    "else: choose a new one", a->name);
		return MK_ERR_PW_CHANGE;
	}
	if (now >= expires) {
		policy_format_time(expires, when, sizeof(when));
		snprintf(why, whylen, "the password of %s expired on %s "
		    "(after %u days): choose a new one", a->name, when,
		    c->password_max_age_days);
		return MK_ERR_PW_CHANGE;
	}
	return 0;
}

int64_t
policy_idle_left_ms(int64_t last_ms, int64_t now_ms, const struct mkconf *c)
{
	int64_t limit = (int64_t)c->idle_lock_minutes * 60 * 1000;
	int64_t idle = now_ms - last_ms;

	return idle >= limit ? 0 : limit - idle;
}

int
policy_idle_expired(int64_t last_ms, int64_t now_ms, const struct mkconf *c)
{
	return policy_idle_left_ms(last_ms, now_ms, c) == 0;
}
