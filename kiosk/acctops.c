/*
 * Account management (Article 8: one account per person, access by
 * function, revocation the day someone leaves), master-key rotation and
 * supervisor approvals.
 *
 * Every change is logged before it is made, with who made it. Changes that
 * write key files hold d->keys_lock, so they never interleave with each
 * other, with a login opening its grant, or with a rotation.
 *
 * Guards beyond the role table: only a supervisor creates, changes,
 * disables or resets a supervisor's account; nobody changes their own
 * roles or disables or resets themselves; the last active supervisor
 * cannot be disabled or lose the role.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "auth.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/proto.h"
#include "common/text.h"
#include "crypto/cry.h"
#include "crypto/keyslot.h"
#include "daemon.h"
#include "handlers.h"
#include "keys.h"
#include "passwd.h"
#include "policy.h"
#include "vault.h"

static int
denied(struct session *s, const char *why)
{
	return reply_err(s, MK_ERR_DENIED, why);
}

static int
may_manage(struct session *s)
{
	return s->authed && policy_may(s->acct.roles, ACT_ACCOUNT_MANAGE) ==
	    MAY_YES;
}

/* Reads the target account name; 0, or the error already answered
 * (returned as MK_ERR_USAGE so the caller just returns the reply). */
static int
read_target(struct session *s, const struct mkmsg *m, char *user,
    size_t len)
{
	if (mkmsg_str(m, F_USER, user, len) != 0 || !mktext_valid_name(user))
		return MK_ERR_USAGE;
	(void)s;
	return 0;
}

static int
save_locked(struct daemon *d)
{
	return accounts_save(d->accounts, d->sd.accounts);
}

/*
 * The rules of the header comment for changing target (whose roles are
 * now `have`, after the change `want`); 0 or a reason in why.
 */
static int
guard_change(struct session *s, const char *target, uint32_t have,
    uint32_t want, int disabling, char *why, size_t whylen)
{
	struct daemon *d = s->d;
	size_t sups;
	int self = strcmp(target, s->acct.name) == 0;

	if (((have | want) & ROLE_SUPERVISOR) &&
	    !(s->acct.roles & ROLE_SUPERVISOR)) {
		snprintf(why, whylen, "only a supervisor may change a "
		    "supervisor's account or give the supervisor role");
		return MK_ERR_DENIED;
	}
	if (self && (disabling || want != have)) {
		snprintf(why, whylen, "nobody may change their own roles or "
		    "disable their own account");
		return MK_ERR_DENIED;
	}
	if ((have & ROLE_SUPERVISOR) && (disabling ||
	    !(want & ROLE_SUPERVISOR))) {
		pthread_mutex_lock(&d->lock);
		sups = accounts_count_active(d->accounts, ROLE_SUPERVISOR,
		    target);
		pthread_mutex_unlock(&d->lock);
		if (sups == 0) {
			snprintf(why, whylen, "%s is the last active "
			    "supervisor", target);
			return MK_ERR_DENIED;
		}
	}
	return 0;
}

/* A copy of the named account (under d->lock). */
static int
get_account(struct daemon *d, const char *name, struct account *out)
{
	const struct account *a;
	int r = MK_ERR_NOT_FOUND;

	pthread_mutex_lock(&d->lock);
	if ((a = accounts_find(d->accounts, name)) != NULL) {
		*out = *a;
		r = 0;
	}
	pthread_mutex_unlock(&d->lock);
	return r;
}

/*
 * Writes the grant of a keyed account from this session's key, or marks it
 * pending (a supervisor's next login writes it) when the session holds
 * none. *granted tells which.
 */
static int
grant_or_pend(struct session *s, struct account *a, int *granted)
{
	const uint8_t *mk;
	int r;

	*granted = 0;
	if (!(a->roles & ROLES_KEYED)) {
		a->flags &= (uint8_t)~ACCOUNT_KEY_PENDING;
		return keys_grant_remove(&s->d->sd, a->name);
	}
	if ((mk = session_key_get(s)) == NULL) {
		a->flags |= ACCOUNT_KEY_PENDING;
		/* An older grant is sealed to a key pair that may be gone;
		 * none is better than a stale one. */
		return keys_grant_remove(&s->d->sd, a->name);
	}
	r = keys_grant_write(&s->d->sd, a->name, a->pk, mk, s->key_epoch,
	    NULL, 0);
	session_key_put(s);
	if (r == 0) {
		a->flags &= (uint8_t)~ACCOUNT_KEY_PENDING;
		*granted = 1;
	}
	return r;
}

/* A new credential under a temporary password someone else set: the
 * person must change it at first login. */
static int
new_credential(struct session *s, struct account *a, const char *temp)
{
	struct keyslot_params kp;
	uint8_t hash[ACCOUNT_HASH_LEN];
	int r;

	if ((r = keys_credential_new(&s->d->sd, a->name, temp, a->pk)) != 0)
		return r;
	keyslot_default_params(&kp);
	if ((r = passwd_history_hash(a, temp, &kp, hash)) != 0)
		return r;
	passwd_history_push(a, s->d->conf.password_history, hash);
	mk_wipe(hash, sizeof(hash));
	a->pw_set = daemon_now();
	a->flags |= ACCOUNT_MUST_CHANGE;
	a->failed = 0;
	a->locked_until = 0;
	return 0;
}

/* Replaces the stored account by a (same name) and saves. */
static int
store(struct daemon *d, const struct account *a, int add)
{
	struct account *m;
	int r;

	pthread_mutex_lock(&d->lock);
	if (add)
		r = accounts_add(d->accounts, a);
	else if ((m = accounts_find_mut(d->accounts, a->name)) == NULL)
		r = MK_ERR_NOT_FOUND;
	else {
		*m = *a;
		r = 0;
	}
	if (r == 0)
		r = save_locked(d);
	pthread_mutex_unlock(&d->lock);
	return r;
}

static int
fail_after_log(struct session *s, const char *event, const char *name,
    int err)
{
	struct logkv kv[1] = { { "error", mkerr_str(err) } };
	char why[160];

	session_log(s, LOG_SEV_TRUNG_BINH, event, name, 1, kv);
	snprintf(why, sizeof(why), "the change could not be completed: %s",
	    mkerr_str(err));
	return reply_err(s, err, why);
}

int
h_account_list(struct session *s, const struct mkmsg *m)
{
	struct daemon *d = s->d;
	struct account *v = NULL;
	char roles[96], flags[96];
	int64_t now = daemon_now();
	size_t i, n;
	int r = 0;

	(void)m;
	if (!may_manage(s))
		return denied(s, "only a supervisor or an IT officer may list "
		    "accounts");
	pthread_mutex_lock(&d->lock);
	n = accounts_count(d->accounts);
	if ((v = calloc(n > 0 ? n : 1, sizeof(*v))) != NULL)
		for (i = 0; i < n; i++)
			v[i] = *accounts_at(d->accounts, i);
	pthread_mutex_unlock(&d->lock);
	if (v == NULL)
		return reply_err(s, MK_ERR_ALLOC, NULL);
	for (i = 0; i < n && r == 0; i++) {
		accounts_roles_str(v[i].roles, roles, sizeof(roles));
		accounts_flags_str(&v[i], now, flags, sizeof(flags));
		if ((r = mkmsg_start(s->out, MSG_ENTRY)) == 0 &&
		    (r = mkmsg_add_str(s->out, F_USER, v[i].name)) == 0 &&
		    (r = mkmsg_add_str(s->out, F_FULLNAME,
		    v[i].full_name)) == 0 &&
		    (r = mkmsg_add_str(s->out, F_ROLES, roles)) == 0 &&
		    (r = mkmsg_add_str(s->out, F_FLAGS, flags)) == 0 &&
		    (r = mkmsg_add_u64(s->out, F_CREATED,
		    (uint64_t)v[i].created)) == 0 &&
		    (r = mkmsg_add_u64(s->out, F_PWSET,
		    (uint64_t)v[i].pw_set)) == 0 &&
		    (r = mkmsg_add_u64(s->out, F_LASTLOGIN,
		    (uint64_t)v[i].last_login)) == 0 &&
		    (r = mkmsg_add_u64(s->out, F_UNTIL, v[i].locked_until > now ?
		    (uint64_t)v[i].locked_until : 0)) == 0)
			r = mkproto_send(s->fd, s->out);
	}
	mk_wipe(v, n * sizeof(*v));
	free(v);
	return r != 0 ? r : reply_ok(s);
}

/* The roles field, parsed; 0 or MK_ERR_USAGE. */
static int
read_roles(const struct mkmsg *m, uint32_t *roles)
{
	char text[128];

	if (mkmsg_str(m, F_ROLES, text, sizeof(text)) != 0)
		return MK_ERR_USAGE;
	return accounts_roles_parse(text, roles);
}

int
h_account_add(struct session *s, const struct mkmsg *m)
{
	struct daemon *d = s->d;
	struct account a;
	char why[320], roles[96], *temp = NULL;
	int r, granted;

	if (!may_manage(s))
		return denied(s, "only a supervisor or an IT officer may "
		    "create accounts");
	memset(&a, 0, sizeof(a));
	if (read_target(s, m, a.name, sizeof(a.name)) != 0)
		return reply_err(s, MK_ERR_USAGE, "account name must be 1-32 "
		    "of a-z, 0-9, '.', '_', '-', starting with a letter");
	if (mkmsg_get(m, F_FULLNAME) != NULL &&
	    (mkmsg_str(m, F_FULLNAME, a.full_name,
	    sizeof(a.full_name)) != 0 ||
	    !mktext_is_clean(a.full_name, strlen(a.full_name))))
		return reply_err(s, MK_ERR_USAGE, "full name too long or not "
		    "clean text");
	if (read_roles(m, &a.roles) != 0)
		return reply_err(s, MK_ERR_USAGE, "roles must be a list of "
		    "drafter, supervisor, it-officer, technician, inspector");
	if (auth_read_password(m, F_PASSWORD, &temp) != 0)
		return reply_err(s, MK_ERR_USAGE, "a temporary password is "
		    "needed");
	if ((r = passwd_check(a.name, temp, d->conf.password_min_length, why,
	    sizeof(why))) != 0 ||
	    (r = guard_change(s, a.name, 0, a.roles, 0, why,
	    sizeof(why))) != 0) {
		r = reply_err(s, r, why);
		goto out;
	}
	pthread_mutex_lock(&d->keys_lock);
	if (get_account(d, a.name, &(struct account){ 0 }) == 0) {
		pthread_mutex_unlock(&d->keys_lock);
		r = reply_err(s, MK_ERR_EXISTS, "an account of that name "
		    "exists (disabled accounts keep their name)");
		goto out;
	}
	accounts_roles_str(a.roles, roles, sizeof(roles));
	{
		struct logkv kv[2] = { { "roles", roles },
		    { "full-name", a.full_name } };

		if ((r = session_log(s, LOG_SEV_INFO, "account.create", a.name,
		    2, kv)) != 0) {
			pthread_mutex_unlock(&d->keys_lock);
			r = reply_err(s, MK_ERR_LOG, NULL);
			goto out;
		}
	}
	a.created = daemon_now();
	cry_random(a.hist_salt, sizeof(a.hist_salt));
	if ((r = new_credential(s, &a, temp)) != 0 ||
	    (r = grant_or_pend(s, &a, &granted)) != 0 ||
	    (r = store(d, &a, 1)) != 0) {
		keys_destroy(&d->sd, a.name);
		pthread_mutex_unlock(&d->keys_lock);
		r = fail_after_log(s, "account.create-failed", a.name, r);
		goto out;
	}
	pthread_mutex_unlock(&d->keys_lock);
	if (a.roles & ROLES_KEYED) {
		struct logkv kv[1] = { { "granted-by", s->acct.name } };

		session_log(s, LOG_SEV_INFO, granted ? "key.grant" :
		    "key.pending", a.name, granted ? 1 : 0, kv);
	}
	r = reply_ok(s);
 out:
	auth_free_password(temp);
	mk_wipe(&a, sizeof(a));
	return r;
}

int
h_account_set(struct session *s, const struct mkmsg *m)
{
	struct daemon *d = s->d;
	struct account a;
	char why[320], before[96], after[96], name[ACCOUNT_FULLNAME_MAX + 1];
	uint32_t want;
	int r, granted = 0, keyed_before, keyed_after;

	if (!may_manage(s))
		return denied(s, "only a supervisor or an IT officer may "
		    "change accounts");
	memset(&a, 0, sizeof(a));
	if (read_target(s, m, a.name, sizeof(a.name)) != 0)
		return reply_err(s, MK_ERR_USAGE, "invalid account name");
	pthread_mutex_lock(&d->keys_lock);
	if (get_account(d, a.name, &a) != 0) {
		r = reply_err(s, MK_ERR_NOT_FOUND, "no such account");
		goto unlock;
	}
	want = a.roles;
	if (mkmsg_get(m, F_ROLES) != NULL && read_roles(m, &want) != 0) {
		r = reply_err(s, MK_ERR_USAGE, "roles must be a list of "
		    "drafter, supervisor, it-officer, technician, inspector");
		goto unlock;
	}
	snprintf(name, sizeof(name), "%s", a.full_name);
	if (mkmsg_get(m, F_FULLNAME) != NULL &&
	    (mkmsg_str(m, F_FULLNAME, name, sizeof(name)) != 0 ||
	    !mktext_is_clean(name, strlen(name)))) {
		r = reply_err(s, MK_ERR_USAGE, "full name too long or not "
		    "clean text");
		goto unlock;
	}
	if ((r = guard_change(s, a.name, a.roles, want, 0, why,
	    sizeof(why))) != 0) {
		r = reply_err(s, r, why);
		goto unlock;
	}
	accounts_roles_str(a.roles, before, sizeof(before));
	accounts_roles_str(want, after, sizeof(after));
	{
		struct logkv kv[3] = { { "roles-before", before },
		    { "roles", after }, { "full-name", name } };

		if (session_log(s, LOG_SEV_INFO, "account.change", a.name, 3,
		    kv) != 0) {
			r = reply_err(s, MK_ERR_LOG, NULL);
			goto unlock;
		}
	}
	keyed_before = (a.roles & ROLES_KEYED) != 0 &&
	    !(a.flags & ACCOUNT_KEY_PENDING);
	keyed_after = (want & ROLES_KEYED) != 0;
	a.roles = want;
	snprintf(a.full_name, sizeof(a.full_name), "%s", name);
	if (!(a.flags & ACCOUNT_DISABLED) && keyed_before != keyed_after &&
	    (r = grant_or_pend(s, &a, &granted)) != 0) {
		r = fail_after_log(s, "account.change-failed", a.name, r);
		goto unlock;
	}
	if ((r = store(d, &a, 0)) != 0) {
		r = fail_after_log(s, "account.change-failed", a.name, r);
		goto unlock;
	}
	if (keyed_before && !keyed_after) {
		atomic_fetch_add(&d->revoke_gen, 1);
		session_log(s, LOG_SEV_INFO, "key.revoke", a.name, 0, NULL);
	} else if (!keyed_before && keyed_after &&
	    !(a.flags & ACCOUNT_DISABLED))
		session_log(s, LOG_SEV_INFO, granted ? "key.grant" :
		    "key.pending", a.name, 0, NULL);
	r = reply_ok(s);
 unlock:
	pthread_mutex_unlock(&d->keys_lock);
	mk_wipe(&a, sizeof(a));
	return r;
}

int
h_account_disable(struct session *s, const struct mkmsg *m)
{
	struct daemon *d = s->d;
	struct account a;
	char why[320], reason[256];
	int r;

	if (!may_manage(s))
		return denied(s, "only a supervisor or an IT officer may "
		    "disable accounts");
	memset(&a, 0, sizeof(a));
	if (read_target(s, m, a.name, sizeof(a.name)) != 0)
		return reply_err(s, MK_ERR_USAGE, "invalid account name");
	if (mkmsg_str(m, F_REASON, reason, sizeof(reason)) != 0 ||
	    reason[0] == '\0' || !mktext_is_clean(reason, strlen(reason)))
		return reply_err(s, MK_ERR_USAGE, "a reason is needed (for "
		    "example: transferred, retired)");
	pthread_mutex_lock(&d->keys_lock);
	if (get_account(d, a.name, &a) != 0) {
		r = reply_err(s, MK_ERR_NOT_FOUND, "no such account");
		goto unlock;
	}
	if (a.flags & ACCOUNT_DISABLED) {
		r = reply_err(s, MK_ERR_EXISTS, "the account is already "
		    "disabled");
		goto unlock;
	}
	if ((r = guard_change(s, a.name, a.roles, a.roles, 1, why,
	    sizeof(why))) != 0) {
		r = reply_err(s, r, why);
		goto unlock;
	}
	{
		struct logkv kv[1] = { { "reason", reason } };

		if (session_log(s, LOG_SEV_INFO, "account.disable", a.name, 1,
		    kv) != 0) {
			r = reply_err(s, MK_ERR_LOG, NULL);
			goto unlock;
		}
	}
	/* The key material goes first: if anything after fails, the person
	 * can no longer open anything all the same. */
	r = keys_destroy(&d->sd, a.name);
	a.flags |= ACCOUNT_DISABLED;
	a.flags &= (uint8_t)~ACCOUNT_KEY_PENDING;
	a.disabled_at = daemon_now();
	memset(a.pk, 0, sizeof(a.pk));
	if (r == 0)
		r = store(d, &a, 0);
	pthread_mutex_lock(&d->lock);
	approvals_drop_account(d->approvals, a.name);
	pthread_mutex_unlock(&d->lock);
	atomic_fetch_add(&d->revoke_gen, 1);
	if (r != 0) {
		r = fail_after_log(s, "account.disable-failed", a.name, r);
		goto unlock;
	}
	r = reply_ok(s);
 unlock:
	pthread_mutex_unlock(&d->keys_lock);
	mk_wipe(&a, sizeof(a));
	return r;
}

/* MSG_ACCOUNT_RESET (an active account) and MSG_ACCOUNT_ENABLE (a
 * disabled one): a new credential under a temporary password. */
int
h_account_reset(struct session *s, const struct mkmsg *m)
{
	struct daemon *d = s->d;
	int enable = m->type == MSG_ACCOUNT_ENABLE;
	const char *event = enable ? "account.enable" : "account.reset";
	struct account a;
	char why[320], *temp = NULL, failed[48];
	int r, granted = 0;

	if (!may_manage(s))
		return denied(s, "only a supervisor or an IT officer may reset "
		    "or enable accounts");
	memset(&a, 0, sizeof(a));
	if (read_target(s, m, a.name, sizeof(a.name)) != 0)
		return reply_err(s, MK_ERR_USAGE, "invalid account name");
	if (auth_read_password(m, F_PASSWORD, &temp) != 0)
		return reply_err(s, MK_ERR_USAGE, "a temporary password is "
		    "needed");
	if ((r = passwd_check(a.name, temp, d->conf.password_min_length, why,
	    sizeof(why))) != 0) {
		r = reply_err(s, r, why);
		goto out;
	}
	pthread_mutex_lock(&d->keys_lock);
	if (get_account(d, a.name, &a) != 0) {
		r = reply_err(s, MK_ERR_NOT_FOUND, "no such account");
		goto unlock;
	}
	if (enable != ((a.flags & ACCOUNT_DISABLED) != 0)) {
		r = reply_err(s, MK_ERR_USAGE, enable ? "the account is not "
		    "disabled" : "the account is disabled: enable it");
		goto unlock;
	}
	if (strcmp(a.name, s->acct.name) == 0) {
		r = reply_err(s, MK_ERR_DENIED, "change your own password "
		    "with the password change, not a reset");
		goto unlock;
	}
	if ((r = guard_change(s, a.name, a.roles, a.roles, 0, why,
	    sizeof(why))) != 0) {
		r = reply_err(s, r, why);
		goto unlock;
	}
	if (session_log(s, LOG_SEV_INFO, event, a.name, 0, NULL) != 0) {
		r = reply_err(s, MK_ERR_LOG, NULL);
		goto unlock;
	}
	a.flags &= (uint8_t)~ACCOUNT_DISABLED;
	a.disabled_at = 0;
	if ((r = new_credential(s, &a, temp)) != 0 ||
	    (r = grant_or_pend(s, &a, &granted)) != 0 ||
	    (r = store(d, &a, 0)) != 0) {
		snprintf(failed, sizeof(failed), "%s-failed", event);
		r = fail_after_log(s, failed, a.name, r);
		goto unlock;
	}
	/* The old credential is gone: a session of it must not keep its
	 * key. */
	atomic_fetch_add(&d->revoke_gen, 1);
	if (a.roles & ROLES_KEYED)
		session_log(s, LOG_SEV_INFO, granted ? "key.grant" :
		    "key.pending", a.name, 0, NULL);
	r = reply_ok(s);
 unlock:
	pthread_mutex_unlock(&d->keys_lock);
 out:
	auth_free_password(temp);
	mk_wipe(&a, sizeof(a));
	return r;
}

int
h_account_unlock(struct session *s, const struct mkmsg *m)
{
	struct daemon *d = s->d;
	struct account *a;
	char name[ACCOUNT_NAME_MAX + 1], failures[16];
	int r;

	if (!may_manage(s))
		return denied(s, "only a supervisor or an IT officer may lift "
		    "a lock");
	if (read_target(s, m, name, sizeof(name)) != 0)
		return reply_err(s, MK_ERR_USAGE, "invalid account name");
	pthread_mutex_lock(&d->lock);
	if ((a = accounts_find_mut(d->accounts, name)) == NULL) {
		pthread_mutex_unlock(&d->lock);
		return reply_err(s, MK_ERR_NOT_FOUND, "no such account");
	}
	if ((a->roles & ROLE_SUPERVISOR) && !(s->acct.roles & ROLE_SUPERVISOR)) {
		pthread_mutex_unlock(&d->lock);
		return denied(s, "only a supervisor may unlock a supervisor's "
		    "account");
	}
	snprintf(failures, sizeof(failures), "%u", a->failed);
	{
		struct logkv kv[1] = { { "failures", failures } };

		r = daemon_log_locked(d, LOG_SEV_INFO, s->acct.name,
		    accounts_primary_role(s->acct.roles), "account.unlock",
		    name, 1, kv);
	}
	if (r == 0) {
		a->failed = 0;
		a->locked_until = 0;
		r = save_locked(d);
	}
	pthread_mutex_unlock(&d->lock);
	return r != 0 ? reply_err(s, r, NULL) : reply_ok(s);
}

int
h_key_rotate(struct session *s, const struct mkmsg *m)
{
	struct daemon *d = s->d;
	uint8_t *keys = NULL, *own = NULL;
	const uint8_t *mk;
	uint32_t old_epoch, new_epoch;
	char why[320] = "", e[16];
	int r;

	(void)m;
	if (!s->authed || policy_may(s->acct.roles, ACT_KEY_ROTATE) != MAY_YES)
		return denied(s, "only a supervisor may rotate the vault key");
	if ((keys = cry_secure_alloc(2 * KEYS_LEN)) == NULL ||
	    (own = cry_secure_alloc(KEYS_LEN)) == NULL) {
		r = reply_err(s, MK_ERR_ALLOC, NULL);
		goto out;
	}
	pthread_mutex_lock(&d->keys_lock);
	if ((mk = session_key_get(s)) == NULL) {
		pthread_mutex_unlock(&d->keys_lock);
		r = reply_err(s, MK_ERR_LOCKED, "this session holds no vault "
		    "key (lockdown, or rotated): log in again");
		goto out;
	}
	memcpy(keys, mk, KEYS_LEN);
	old_epoch = s->key_epoch;
	session_key_put(s);
	new_epoch = old_epoch + 1;
	cry_random_key(keys + KEYS_LEN, KEYS_LEN);
	snprintf(e, sizeof(e), "%u", new_epoch);
	{
		struct logkv kv[1] = { { "to-epoch", e } };

		r = session_log(s, LOG_SEV_INFO, "key.rotate.begin", "vault",
		    1, kv);
	}
	if (r == 0)
		r = rotate_run(s, keys, old_epoch, keys + KEYS_LEN, new_epoch,
		    why, sizeof(why));
	if (r == 0) {
		memcpy(own, keys + KEYS_LEN, KEYS_LEN);
		session_take_key(s, own, new_epoch);
		own = NULL;
	}
	pthread_mutex_unlock(&d->keys_lock);
	if (r != 0) {
		r = reply_err(s, r, why[0] ? why : NULL);
		goto out;
	}
	if ((r = mkmsg_start(s->out, MSG_OK)) == 0 &&
	    (r = mkmsg_add_u64(s->out, F_SEQ, new_epoch)) == 0)
		r = mkproto_send(s->fd, s->out);
 out:
	cry_secure_free(keys, 2 * KEYS_LEN);
	cry_secure_free(own, KEYS_LEN);
	return r;
}

/* What an approval may name as its object: a document id, a device port,
 * an account, a short reason. */
static int
object_ok(const char *action, const char *object)
{
	if (strncmp(action, "doc.", 4) == 0 || strcmp(action, "print") == 0 ||
	    strcmp(action, "copy-out") == 0)
		return vault_id_valid(object);
	return object[0] != '\0' && mktext_is_clean(object, strlen(object));
}

int
h_approve(struct session *s, const struct mkmsg *m)
{
	struct daemon *d = s->d;
	const struct permission *perm;
	struct approval ap;
	struct account approver;
	uint64_t count = 1, until = 0;
	int64_t now = daemon_now();
	char why[320], *pw = NULL, c[16], u[40], id[24];
	uint8_t *sk = NULL;
	int r;

	memset(&ap, 0, sizeof(ap));
	if (!s->authed)
		return denied(s, "log in first: an approval is given to the "
		    "person at this console");
	if (mkmsg_str(m, F_ACTION, ap.action, sizeof(ap.action)) != 0 ||
	    (perm = policy_approvable(ap.action)) == NULL)
		return reply_err(s, MK_ERR_USAGE, "no such action needs an "
		    "approval");
	if (policy_may(s->acct.roles, perm->act) != MAY_WITH_APPROVAL)
		return denied(s, policy_may(s->acct.roles, perm->act) ==
		    MAY_YES ? "this account needs no approval for that" :
		    "this account may not do that even with an approval");
	if (mkmsg_str(m, F_OBJECT, ap.object, sizeof(ap.object)) != 0 ||
	    !object_ok(ap.action, ap.object))
		return reply_err(s, MK_ERR_USAGE, "the approval must name what "
		    "it is for (a document id, a device)");
	if ((mkmsg_get(m, F_COUNT) != NULL &&
	    mkmsg_u64(m, F_COUNT, &count) != 0) || count < 1 ||
	    count > APPROVAL_COUNT_MAX)
		return reply_err(s, MK_ERR_USAGE, "count must be 1 to 100");
	if (mkmsg_get(m, F_UNTIL) != NULL &&
	    (mkmsg_u64(m, F_UNTIL, &until) != 0 || until <= (uint64_t)now ||
	    until > (uint64_t)now + APPROVAL_MAX_SECONDS))
		return reply_err(s, MK_ERR_USAGE, "until must be in the next "
		    "24 hours");
	if (until == 0)
		until = (uint64_t)now + APPROVAL_DEFAULT_SECONDS;
	if (mkmsg_str(m, F_APPROVER, ap.approver, sizeof(ap.approver)) != 0 ||
	    !mktext_valid_name(ap.approver))
		return reply_err(s, MK_ERR_USAGE, "the approving supervisor's "
		    "account name is needed");
	if (strcmp(ap.approver, s->acct.name) == 0)
		return denied(s, "nobody may approve their own request");
	if (auth_read_password(m, F_PASSWORD, &pw) != 0)
		return reply_err(s, MK_ERR_USAGE, "the approving supervisor's "
		    "password is needed");
	if ((sk = cry_secure_alloc(KEYS_LEN)) == NULL) {
		r = reply_err(s, MK_ERR_ALLOC, NULL);
		goto out;
	}
	if ((r = auth_check(s, ap.approver, pw, "approval", &approver, sk, why,
	    sizeof(why))) != 0) {
		r = reply_err(s, r, why);
		goto out;
	}
	if (policy_may(approver.roles, ACT_APPROVE) != MAY_YES) {
		struct logkv kv[2] = { { "reason", "not a supervisor" },
		    { "requester", s->acct.name } };

		daemon_log(d, LOG_SEV_THAP, ap.approver,
		    accounts_primary_role(approver.roles), "approval.refused",
		    ap.object, 2, kv);
		r = denied(s, "only a supervisor may approve");
		goto out;
	}
	snprintf(ap.requester, sizeof(ap.requester), "%s", s->acct.name);
	ap.count = (uint32_t)count;
	ap.until = (int64_t)until;
	snprintf(c, sizeof(c), "%" PRIu64, count);
	policy_format_time((int64_t)until, u, sizeof(u));
	pthread_mutex_lock(&d->lock);
	if ((r = approvals_add(d->approvals, &ap, now)) == 0) {
		struct logkv kv[5] = { { "action", ap.action },
		    { "requester", ap.requester }, { "count", c },
		    { "until", u }, { "approval", id } };

		snprintf(id, sizeof(id), "%" PRIu64, ap.id);
		if (daemon_log_locked(d, LOG_SEV_INFO, ap.approver,
		    "supervisor", "approval.grant", ap.object, 5, kv) != 0) {
			/* Not recorded: not given. */
			approvals_use(d->approvals, ap.requester, ap.action,
			    ap.object, ap.count, now, NULL);
			r = MK_ERR_LOG;
		}
	}
	pthread_mutex_unlock(&d->lock);
	if (r != 0) {
		r = reply_err(s, r, r == MK_ERR_BUSY ? "too many approvals are "
		    "waiting to be used" : NULL);
		goto out;
	}
	if ((r = mkmsg_start(s->out, MSG_OK)) == 0 &&
	    (r = mkmsg_add_u64(s->out, F_SEQ, ap.id)) == 0)
		r = mkproto_send(s->fd, s->out);
 out:
	auth_free_password(pw);
	cry_secure_free(sk, KEYS_LEN);
	return r;
}

int
h_approval_list(struct session *s, const struct mkmsg *m)
{
	struct daemon *d = s->d;
	struct approval *v;
	size_t i, n;
	int r = 0, all;

	(void)m;
	if (!s->authed)
		return denied(s, "log in first");
	if ((v = calloc(APPROVALS_MAX, sizeof(*v))) == NULL)
		return reply_err(s, MK_ERR_ALLOC, NULL);
	all = policy_may(s->acct.roles, ACT_APPROVE) == MAY_YES;
	pthread_mutex_lock(&d->lock);
	n = approvals_list(d->approvals, daemon_now(), v, APPROVALS_MAX);
	pthread_mutex_unlock(&d->lock);
	for (i = 0; i < n && r == 0; i++) {
		/* A person sees their own; a supervisor sees all. */
		if (!all && strcmp(v[i].requester, s->acct.name) != 0)
			continue;
		if ((r = mkmsg_start(s->out, MSG_ENTRY)) == 0 &&
		    (r = mkmsg_add_u64(s->out, F_SEQ, v[i].id)) == 0 &&
		    (r = mkmsg_add_str(s->out, F_USER, v[i].requester)) == 0 &&
		    (r = mkmsg_add_str(s->out, F_APPROVER,
		    v[i].approver)) == 0 &&
		    (r = mkmsg_add_str(s->out, F_ACTION, v[i].action)) == 0 &&
		    (r = mkmsg_add_str(s->out, F_OBJECT, v[i].object)) == 0 &&
		    (r = mkmsg_add_u64(s->out, F_COUNT,
		    v[i].count - v[i].used)) == 0 &&
		    (r = mkmsg_add_u64(s->out, F_UNTIL,
		    (uint64_t)v[i].until)) == 0)
			r = mkproto_send(s->fd, s->out);
	}
	free(v);
	return r != 0 ? r : reply_ok(s);
}

int
approval_require(struct session *s, enum action act, const char *object,
    uint32_t n, char *why, size_t whylen)
{
	struct daemon *d = s->d;
	const struct permission *perm = policy_permission(act);
	struct approval ap;
	char id[24], left[16];
	int may, r;

	if (!s->authed) {
		snprintf(why, whylen, "log in first");
		return MK_ERR_DENIED;
	}
	may = policy_may(s->acct.roles, act);
	if (may == MAY_YES)
		return 0;
	if (may == MAY_NO) {
		snprintf(why, whylen, "this account's roles do not allow %s",
		    perm->name);
		return MK_ERR_DENIED;
	}
	pthread_mutex_lock(&d->lock);
	r = approvals_use(d->approvals, s->acct.name, perm->name, object, n,
	    daemon_now(), &ap);
	if (r == 0) {
		struct logkv kv[4] = { { "action", perm->name },
		    { "approver", ap.approver }, { "approval", id },
		    { "remaining", left } };

		snprintf(id, sizeof(id), "%" PRIu64, ap.id);
		snprintf(left, sizeof(left), "%u", ap.count - ap.used);
		if (daemon_log_locked(d, LOG_SEV_INFO, s->acct.name,
		    accounts_primary_role(s->acct.roles), "approval.use",
		    object, 4, kv) != 0)
			r = MK_ERR_LOG;
	}
	pthread_mutex_unlock(&d->lock);
	if (r == MK_ERR_APPROVAL)
		snprintf(why, whylen, "%s of %s needs a supervisor's approval "
		    "for this very object; none is left", perm->name, object);
	else if (r != 0)
		snprintf(why, whylen, "%s", mkerr_str(r));
	return r;
}
