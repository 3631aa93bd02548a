/*
 * kiosk/policy and kiosk/approval with an injected clock (no test sleeps):
 * the role table, lockout after N failures for M minutes and its end,
 * password expiry and the forced change, the idle lock, the password
 * history; approvals bound to one action, one object, one person, a count
 * and a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/conf.h"
#include "common/err.h"
#include "crypto/cry.h"
#include "crypto/keyslot.h"
#include "kiosk/approval.h"
#include "kiosk/passwd.h"
#include "kiosk/policy.h"

#define T0	((int64_t)1790000000)	/* 2026-09-22 */
#define MIN	((int64_t)60)
#define DAY	((int64_t)86400)

static struct mkconf conf;

static int
setup(void **state)
{
	(void)state;
	mkconf_defaults(&conf);
	conf.max_failed_logins = 3;
	conf.lockout_minutes = 15;
	conf.password_max_age_days = 90;
	conf.idle_lock_minutes = 5;
	return cry_init(1 << 20, 0) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	cry_done();
	return 0;
}

static void
make(struct account *a, uint32_t roles)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "tranvanb");
	a->roles = roles;
	a->pw_set = T0;
}

static void
test_role_table(void **state)
{
	size_t n, i;
	const struct permission *t = policy_table(&n);

	(void)state;
	assert_int_equal(n, ACT_COUNT);
	for (i = 0; i < n; i++) {
		assert_int_equal(t[i].act, (enum action)i);
		/* Nobody is both allowed and in need of an approval. */
		assert_int_equal(t[i].direct & t[i].approved, 0);
	}
	/* Technicians and inspectors never touch a document. */
	for (i = ACT_DOC_READ; i <= ACT_COPY_OUT; i++) {
		assert_int_equal(policy_may(ROLE_TECHNICIAN, (enum action)i),
		    MAY_NO);
		assert_int_equal(policy_may(ROLE_INSPECTOR, (enum action)i),
		    MAY_NO);
		assert_int_equal(policy_may(ROLE_IT_OFFICER, (enum action)i),
		    MAY_NO);
	}
	assert_int_equal(policy_may(ROLE_DRAFTER, ACT_DOC_READ), MAY_YES);
	assert_int_equal(policy_may(ROLE_DRAFTER, ACT_DOC_DELETE),
	    MAY_WITH_APPROVAL);
	assert_int_equal(policy_may(ROLE_SUPERVISOR, ACT_DOC_DELETE), MAY_YES);
	assert_int_equal(policy_may(ROLE_DRAFTER, ACT_ACCOUNT_MANAGE), MAY_NO);
	assert_int_equal(policy_may(ROLE_IT_OFFICER, ACT_ACCOUNT_MANAGE),
	    MAY_YES);
	assert_int_equal(policy_may(ROLE_IT_OFFICER, ACT_USB_REGISTER),
	    MAY_WITH_APPROVAL);
	assert_int_equal(policy_may(ROLE_TECHNICIAN, ACT_REPAIR),
	    MAY_WITH_APPROVAL);
	assert_int_equal(policy_may(ROLE_SUPERVISOR, ACT_APPROVE), MAY_YES);
	assert_int_equal(policy_may(ROLE_IT_OFFICER, ACT_APPROVE), MAY_NO);
	/* Several roles: the most the person may. */
	assert_int_equal(policy_may(ROLE_DRAFTER | ROLE_SUPERVISOR,
	    ACT_DOC_DELETE), MAY_YES);
	assert_int_equal(policy_may(ROLE_ALL, ACT_COUNT), MAY_NO);
	/* Only actions someone may do with an approval can be approved. */
	assert_non_null(policy_approvable("doc.delete"));
	assert_non_null(policy_approvable("usb.register"));
	assert_null(policy_approvable("key.rotate"));
	assert_null(policy_approvable("doc.read"));
	assert_null(policy_approvable("nonsense"));
}

static void
test_lockout(void **state)
{
	struct account a;
	char why[256];
	int64_t now = T0;

	(void)state;
	make(&a, ROLE_DRAFTER);
	assert_int_equal(policy_login_gate(&a, now, why, sizeof(why)), 0);
	assert_int_equal(policy_login_failed(&a, &conf, now), 0);
	assert_int_equal(policy_login_failed(&a, &conf, now + 1), 0);
	/* The third in a row locks, for lockout_minutes from then. */
	assert_int_equal(policy_login_failed(&a, &conf, now + 2), 1);
	assert_true(a.locked_until == now + 2 + 15 * MIN);
	assert_int_equal(policy_login_gate(&a, now + 3, why, sizeof(why)),
	    MK_ERR_ACCT_LOCKED);
	assert_non_null(strstr(why, "locked after 3 failed logins until"));
	assert_non_null(strstr(why, "UTC"));
	/* One second before the end: still locked; at the end: open. */
	assert_int_equal(policy_login_gate(&a, now + 2 + 15 * MIN - 1, why,
	    sizeof(why)), MK_ERR_ACCT_LOCKED);
	assert_int_equal(policy_login_gate(&a, now + 2 + 15 * MIN, why,
	    sizeof(why)), 0);
	/* After it ran out, the count starts again: one failure is not a
	 * new lock. */
	now += 2 + 15 * MIN;
	assert_int_equal(policy_login_failed(&a, &conf, now), 0);
	assert_int_equal(a.failed, 1);
	assert_int_equal(policy_login_gate(&a, now, why, sizeof(why)), 0);
	/* A success clears the count. */
	policy_login_succeeded(&a, now);
	assert_int_equal(a.failed, 0);
	assert_true(a.last_login == now);
	assert_int_equal(policy_login_failed(&a, &conf, now), 0);
	assert_int_equal(policy_login_failed(&a, &conf, now), 0);
	assert_int_equal(policy_login_failed(&a, &conf, now), 1);
	/* Failures during a lock do not extend it. */
	int64_t until = a.locked_until;
	assert_int_equal(policy_login_failed(&a, &conf, now + 60), 0);
	assert_true(a.locked_until == until);
	/* One allowed failure: the first locks. */
	conf.max_failed_logins = 1;
	make(&a, ROLE_DRAFTER);
	assert_int_equal(policy_login_failed(&a, &conf, now), 1);
	conf.max_failed_logins = 3;
	/* A disabled account is refused before any password. */
	make(&a, ROLE_DRAFTER);
	a.flags = ACCOUNT_DISABLED;
	assert_int_equal(policy_login_gate(&a, now, why, sizeof(why)),
	    MK_ERR_DISABLED);
	assert_non_null(strstr(why, "disabled"));
}

static void
test_expiry(void **state)
{
	struct account a;
	char why[256];

	(void)state;
	make(&a, ROLE_SUPERVISOR);
	assert_int_equal(policy_password_due(&a, &conf, T0, why, sizeof(why)),
	    0);
	assert_int_equal(policy_password_due(&a, &conf, T0 + 90 * DAY - 1, why,
	    sizeof(why)), 0);
	assert_int_equal(policy_password_due(&a, &conf, T0 + 90 * DAY, why,
	    sizeof(why)), MK_ERR_PW_CHANGE);
	assert_non_null(strstr(why, "expired on"));
	assert_non_null(strstr(why, "after 90 days"));
	/* A shorter policy applies to passwords already set. */
	conf.password_max_age_days = 30;
	assert_int_equal(policy_password_due(&a, &conf, T0 + 31 * DAY, why,
	    sizeof(why)), MK_ERR_PW_CHANGE);
	conf.password_max_age_days = 90;
	/* A password someone else set must be changed at once. */
	a.flags = ACCOUNT_MUST_CHANGE;
	assert_int_equal(policy_password_due(&a, &conf, T0, why, sizeof(why)),
	    MK_ERR_PW_CHANGE);
	assert_non_null(strstr(why, "set by someone else"));
}

static void
test_idle(void **state)
{
	int64_t last = 1000000;

	(void)state;
	assert_int_equal(policy_idle_expired(last, last, &conf), 0);
	assert_true(policy_idle_left_ms(last, last, &conf) == 5 * 60 * 1000);
	assert_int_equal(policy_idle_expired(last, last + 5 * 60 * 1000 - 1,
	    &conf), 0);
	assert_true(policy_idle_left_ms(last, last + 5 * 60 * 1000 - 1,
	    &conf) == 1);
	assert_int_equal(policy_idle_expired(last, last + 5 * 60 * 1000,
	    &conf), 1);
	assert_true(policy_idle_left_ms(last, last + 3600 * 1000, &conf) == 0);
	conf.idle_lock_minutes = 10;
	assert_int_equal(policy_idle_expired(last, last + 9 * 60 * 1000,
	    &conf), 0);
	conf.idle_lock_minutes = 5;
}

static void
test_history(void **state)
{
	static const struct keyslot_params kp = { 1, 8192, 1 };
	uint8_t h[6][ACCOUNT_HASH_LEN], x[ACCOUNT_HASH_LEN];
	char pw[32], why[256];
	struct account a;
	int i;

	(void)state;
	make(&a, ROLE_DRAFTER);
	cry_random(a.hist_salt, sizeof(a.hist_salt));
	for (i = 0; i < 6; i++) {
		snprintf(pw, sizeof(pw), "Mk#Pass%dword", i);
		assert_int_equal(passwd_history_hash(&a, pw, &kp, h[i]), 0);
		passwd_history_push(&a, 3, h[i]);
	}
	/* Only the last 3 are kept, newest first. */
	assert_int_equal(a.nhist, 3);
	assert_memory_equal(a.hist[0], h[5], ACCOUNT_HASH_LEN);
	assert_memory_equal(a.hist[2], h[3], ACCOUNT_HASH_LEN);
	for (i = 3; i < 6; i++) {
		assert_int_equal(passwd_history_check(&a, 3, h[i], why,
		    sizeof(why)), MK_ERR_POLICY);
		assert_non_null(strstr(why, "one of the last 3 passwords"));
	}
	for (i = 0; i < 3; i++)
		assert_int_equal(passwd_history_check(&a, 3, h[i], why,
		    sizeof(why)), 0);
	/* The same password under another account's salt differs. */
	struct account b = a;
	cry_random(b.hist_salt, sizeof(b.hist_salt));
	assert_int_equal(passwd_history_hash(&b, "Mk#Pass5word", &kp, x), 0);
	assert_memory_not_equal(x, h[5], ACCOUNT_HASH_LEN);
	/* History 0 still keeps the current one. */
	passwd_history_push(&a, 0, h[0]);
	assert_int_equal(a.nhist, 1);
	assert_memory_equal(a.hist[0], h[0], ACCOUNT_HASH_LEN);
}

static struct approval
ap(const char *req, const char *action, const char *object, uint32_t count,
    int64_t until)
{
	struct approval a;

	memset(&a, 0, sizeof(a));
	snprintf(a.requester, sizeof(a.requester), "%s", req);
	snprintf(a.approver, sizeof(a.approver), "giamdoc");
	snprintf(a.action, sizeof(a.action), "%s", action);
	snprintf(a.object, sizeof(a.object), "%s", object);
	a.count = count;
	a.until = until;
	return a;
}

#define DOC_A	"d045d2df90c6392a312d4ce1a189388f"
#define DOC_B	"fac3c13eac6187f11125a7d0b2a3fc09"

static void
test_approvals(void **state)
{
	struct approvals *t;
	struct approval a, used, list[4];

	(void)state;
	assert_non_null(t = approvals_new());
	a = ap("tranvanb", "doc.delete", DOC_A, 1, T0 + 30 * MIN);
	assert_int_equal(approvals_add(t, &a, T0), 0);
	assert_true(a.id == 1);
	/* Not for another document, another action, another person, or
	 * more than granted. */
	assert_int_equal(approvals_use(t, "tranvanb", "doc.delete", DOC_B, 1,
	    T0, NULL), MK_ERR_APPROVAL);
	assert_int_equal(approvals_use(t, "tranvanb", "print", DOC_A, 1, T0,
	    NULL), MK_ERR_APPROVAL);
	assert_int_equal(approvals_use(t, "lethic", "doc.delete", DOC_A, 1,
	    T0, NULL), MK_ERR_APPROVAL);
	assert_int_equal(approvals_use(t, "tranvanb", "doc.delete", DOC_A, 2,
	    T0, NULL), MK_ERR_APPROVAL);
	assert_int_equal(approvals_use(t, "tranvanb", "doc.delete", DOC_A, 0,
	    T0, NULL), MK_ERR_APPROVAL);
	/* Once, and not twice. */
	assert_int_equal(approvals_use(t, "tranvanb", "doc.delete", DOC_A, 1,
	    T0, &used), 0);
	assert_string_equal(used.approver, "giamdoc");
	assert_int_equal(used.used, 1);
	assert_int_equal(approvals_use(t, "tranvanb", "doc.delete", DOC_A, 1,
	    T0, NULL), MK_ERR_APPROVAL);
	assert_int_equal(approvals_list(t, T0, list, 4), 0);

	/* Copies: 3 approved, 2 then 1, then none; 4 at once is refused. */
	a = ap("tranvanb", "print", DOC_B, 3, T0 + 30 * MIN);
	assert_int_equal(approvals_add(t, &a, T0), 0);
	assert_int_equal(approvals_use(t, "tranvanb", "print", DOC_B, 4, T0,
	    NULL), MK_ERR_APPROVAL);
	assert_int_equal(approvals_use(t, "tranvanb", "print", DOC_B, 2, T0,
	    &used), 0);
	assert_int_equal(used.count - used.used, 1);
	assert_int_equal(approvals_use(t, "tranvanb", "print", DOC_B, 2, T0,
	    NULL), MK_ERR_APPROVAL);
	assert_int_equal(approvals_use(t, "tranvanb", "print", DOC_B, 1, T0,
	    NULL), 0);
	assert_int_equal(approvals_use(t, "tranvanb", "print", DOC_B, 1, T0,
	    NULL), MK_ERR_APPROVAL);

	/* Until when: usable before, not at or after. */
	a = ap("tranvanb", "doc.delete", DOC_B, 1, T0 + 30 * MIN);
	assert_int_equal(approvals_add(t, &a, T0), 0);
	assert_int_equal(approvals_use(t, "tranvanb", "doc.delete", DOC_B, 1,
	    T0 + 30 * MIN, NULL), MK_ERR_APPROVAL);
	assert_int_equal(approvals_list(t, T0, list, 4), 0);
	/* Already expired, or for nothing: refused. */
	a = ap("tranvanb", "doc.delete", DOC_B, 1, T0);
	assert_int_equal(approvals_add(t, &a, T0), MK_ERR_ARGUMENT);
	a = ap("tranvanb", "doc.delete", DOC_B, 0, T0 + MIN);
	assert_int_equal(approvals_add(t, &a, T0), MK_ERR_ARGUMENT);

	/* Disabling an account drops what was given to or by it. */
	a = ap("tranvanb", "doc.delete", DOC_B, 1, T0 + MIN);
	assert_int_equal(approvals_add(t, &a, T0), 0);
	a = ap("lethic", "doc.delete", DOC_B, 1, T0 + MIN);
	assert_int_equal(approvals_add(t, &a, T0), 0);
	approvals_drop_account(t, "tranvanb");
	assert_int_equal(approvals_list(t, T0, list, 4), 1);
	assert_string_equal(list[0].requester, "lethic");
	approvals_drop_account(t, "giamdoc");
	assert_int_equal(approvals_list(t, T0, list, 4), 0);
	approvals_free(t);
}

static void
test_approvals_full(void **state)
{
	struct approvals *t;
	struct approval a;
	int i;

	(void)state;
	assert_non_null(t = approvals_new());
	for (i = 0; i < APPROVALS_MAX; i++) {
		a = ap("tranvanb", "doc.delete", DOC_A, 1, T0 + MIN);
		assert_int_equal(approvals_add(t, &a, T0), 0);
	}
	a = ap("tranvanb", "doc.delete", DOC_A, 1, T0 + MIN);
	assert_int_equal(approvals_add(t, &a, T0), MK_ERR_BUSY);
	/* Expired ones make room. */
	assert_int_equal(approvals_add(t, &a, T0 + MIN - 1), MK_ERR_BUSY);
	a.until = T0 + 2 * MIN;
	assert_int_equal(approvals_add(t, &a, T0 + MIN), 0);
	approvals_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_table),
		cmocka_unit_test(test_lockout),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_approvals),
		cmocka_unit_test(test_approvals_full),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
