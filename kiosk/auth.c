/*
 * Logging in, changing a password and logging out, and the vault key a
 * login brings: the person's credential is opened with the password, then
 * their grant with the credential (kiosk/keys.h). A keyed login is also the
 * moment to finish what needs the key: an interrupted master-key rotation,
 * and the grants of accounts created by someone who holds no key.
 *
 * Argon2id takes a tenth of a second and 64 MiB: it always runs without
 * d->lock held. The account is read, and its failure count updated, under
 * the lock, so two concurrent attempts both count.
 */
#include <stdio.h>
#include <string.h>

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

#define PASSWORD_MAX	1024

static void
log_fail(struct session *s, const char *user, const char *purpose,
    const char *why)
{
	struct logkv kv[3] = { { "reason", why }, { "purpose", purpose },
	    { "peer", s->peer } };

	daemon_log_locked(s->d, LOG_SEV_THAP, user, "-", "auth.fail", user, 3,
	    kv);
}

/* Saves the accounts after a change made under d->lock. */
static int
save_locked(struct daemon *d, char *why, size_t whylen)
{
	int r;

	if ((r = accounts_save(d->accounts, d->sd.accounts)) != 0)
		snprintf(why, whylen, "cannot save the accounts: %s",
		    mkerr_str(r));
	return r;
}

int
auth_check(struct session *s, const char *user, const char *pw,
    const char *purpose, struct account *acct, uint8_t *sk, char *why,
    size_t whylen)
{
	struct daemon *d = s->d;
	struct account *a;
	char until[40], failures[16];
	int64_t now = daemon_now();
	int r, locked;

	pthread_mutex_lock(&d->lock);
	if (!d->provisioned) {
		pthread_mutex_unlock(&d->lock);
		snprintf(why, whylen, "the machine is not provisioned");
		return MK_ERR_NOT_PROVISIONED;
	}
	if ((a = accounts_find_mut(d->accounts, user)) == NULL) {
		log_fail(s, user, purpose, "no such account");
		pthread_mutex_unlock(&d->lock);
		snprintf(why, whylen, "wrong account name or password");
		return MK_ERR_PASSWORD;
	}
	if ((r = policy_login_gate(a, now, why, whylen)) != 0) {
		log_fail(s, user, purpose, why);
		pthread_mutex_unlock(&d->lock);
		return r;
	}
	pthread_mutex_unlock(&d->lock);

	r = keys_credential_open(&d->sd, user, pw, sk);

	pthread_mutex_lock(&d->lock);
	if ((a = accounts_find_mut(d->accounts, user)) == NULL ||
	    (a->flags & ACCOUNT_DISABLED)) {
		/* Disabled while the password was being checked. */
		pthread_mutex_unlock(&d->lock);
		mk_wipe(sk, KEYS_LEN);
		snprintf(why, whylen, "account %s is disabled", user);
		return MK_ERR_DISABLED;
	}
	if (r == MK_ERR_PASSWORD) {
		locked = policy_login_failed(a, &d->conf, now);
		snprintf(failures, sizeof(failures), "%u", a->failed);
		policy_format_time(a->locked_until, until, sizeof(until));
		log_fail(s, user, purpose, "wrong password");
		if (locked) {
			struct logkv kv[3] = { { "failures", failures },
			    { "until", until }, { "peer", s->peer } };

			daemon_log_locked(d, LOG_SEV_TRUNG_BINH, "system", "-",
			    "account.lockout", user, 3, kv);
		}
		if (save_locked(d, why, whylen) != 0) {
			pthread_mutex_unlock(&d->lock);
			return MK_ERR_IO;
		}
		pthread_mutex_unlock(&d->lock);
		if (locked) {
			snprintf(why, whylen, "wrong password; after %s failed "
			    "logins account %s is locked until %s", failures,
			    user, until);
			return MK_ERR_ACCT_LOCKED;
		}
		snprintf(why, whylen, "wrong account name or password");
		return MK_ERR_PASSWORD;
	}
	if (r != 0) {
		snprintf(why, whylen, "cannot open the key slot of %s: %s",
		    user, mkerr_str(r));
		log_fail(s, user, purpose, why);
		pthread_mutex_unlock(&d->lock);
		return r;
	}
	if (a->failed != 0 || a->locked_until != 0) {
		a->failed = 0;
		a->locked_until = 0;
		if ((r = save_locked(d, why, whylen)) != 0) {
			pthread_mutex_unlock(&d->lock);
			mk_wipe(sk, KEYS_LEN);
			return r;
		}
	}
	*acct = *a;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

/* Writes the grants of keyed accounts created or reset by someone who held
 * no key, now that this session holds it (under d->keys_lock). */
static void
grant_pending(struct session *s, const uint8_t *mk, uint32_t epoch)
{
	struct daemon *d = s->d;
	char names[64][ACCOUNT_NAME_MAX + 1];
	uint8_t pks[64][ACCOUNT_PK_LEN];
	const struct account *a;
	struct account *m;
	size_t i, n = 0;
	char why[128];

	pthread_mutex_lock(&d->lock);
	for (i = 0; i < accounts_count(d->accounts) && n < 64; i++) {
		a = accounts_at(d->accounts, i);
		if ((a->flags & ACCOUNT_KEY_PENDING) &&
		    !(a->flags & ACCOUNT_DISABLED) &&
		    (a->roles & ROLES_KEYED)) {
			snprintf(names[n], sizeof(names[n]), "%s", a->name);
			memcpy(pks[n], a->pk, ACCOUNT_PK_LEN);
			n++;
		}
	}
	pthread_mutex_unlock(&d->lock);
	for (i = 0; i < n; i++) {
		if (keys_grant_write(&d->sd, names[i], pks[i], mk, epoch, NULL,
		    0) != 0)
			continue;
		pthread_mutex_lock(&d->lock);
		if ((m = accounts_find_mut(d->accounts, names[i])) != NULL &&
		    memcmp(m->pk, pks[i], ACCOUNT_PK_LEN) == 0) {
			m->flags &= (uint8_t)~ACCOUNT_KEY_PENDING;
			if (save_locked(d, why, sizeof(why)) == 0) {
				struct logkv kv[1] = { { "granted-by",
				    s->acct.name } };

				daemon_log_locked(d, LOG_SEV_INFO,
				    s->acct.name, "supervisor", "key.grant",
				    names[i], 1, kv);
			}
		}
		pthread_mutex_unlock(&d->lock);
	}
}

/*
 * Opens the account's grant and hands the key to the session. A grant file
 * with two keys means a rotation was cut short: it is finished first.
 */
static int
take_vault_key(struct session *s, const char *user, const uint8_t *sk,
    char *why, size_t whylen)
{
	struct daemon *d = s->d;
	uint8_t *mk = NULL, *own = NULL;
	uint32_t epochs[2];
	int n, r;

	if ((mk = cry_secure_alloc(2 * KEYS_LEN)) == NULL ||
	    (own = cry_secure_alloc(KEYS_LEN)) == NULL) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	pthread_mutex_lock(&d->keys_lock);
	if ((r = keys_grant_open(&d->sd, user, sk, mk, epochs, &n)) != 0) {
		snprintf(why, whylen, "cannot open the vault key granted to "
		    "%s: %s", user, mkerr_str(r));
		goto unlock;
	}
	if (n == 2) {
		struct logkv kv[1] = { { "to-epoch", "" } };
		char e[16];

		snprintf(e, sizeof(e), "%u", epochs[0]);
		kv[0].value = e;
		session_log(s, LOG_SEV_TRUNG_BINH, "key.rotate.resume",
		    "vault", 1, kv);
		if ((r = rotate_run(s, mk + KEYS_LEN, epochs[1], mk,
		    epochs[0], why, whylen)) != 0)
			goto unlock;
	}
	if (epochs[0] != atomic_load(&d->key_epoch)) {
		snprintf(why, whylen, "the vault key granted to %s is of epoch "
		    "%u, the vault's is %u: a supervisor must reset the "
		    "account", user, epochs[0], atomic_load(&d->key_epoch));
		r = MK_ERR_LOCKED;
		goto unlock;
	}
	memcpy(own, mk, KEYS_LEN);
	session_take_key(s, own, epochs[0]);
	own = NULL;
	if (s->acct.roles & ROLE_SUPERVISOR)
		grant_pending(s, mk, epochs[0]);
 unlock:
	pthread_mutex_unlock(&d->keys_lock);
 out:
	cry_secure_free(mk, 2 * KEYS_LEN);
	cry_secure_free(own, KEYS_LEN);
	return r;
}

/* Makes the session the person's, after their password was checked. */
static int
establish(struct session *s, const struct account *acct, const uint8_t *sk,
    char *why, size_t whylen)
{
	struct daemon *d = s->d;
	struct account *a;
	int unlock = s->authed && s->locked &&
	    strcmp(s->acct.name, acct->name) == 0;
	struct logkv kv[1] = { { "peer", s->peer } };
	int r;

	if (!unlock)
		session_logout(s, "new login");
	s->acct = *acct;
	s->authed = 1;
	s->locked = 0;
	s->last_active_ms = daemon_mono_ms();
	if ((acct->roles & ROLES_KEYED) &&
	    !(acct->flags & ACCOUNT_KEY_PENDING) &&
	    (r = take_vault_key(s, acct->name, sk, why, whylen)) != 0) {
		s->authed = 0;
		memset(&s->acct, 0, sizeof(s->acct));
		return r;
	}
	pthread_mutex_lock(&d->lock);
	if ((a = accounts_find_mut(d->accounts, acct->name)) != NULL) {
		policy_login_succeeded(a, daemon_now());
		(void)save_locked(d, why, whylen);
	}
	r = daemon_log_locked(d, LOG_SEV_INFO, acct->name,
	    accounts_primary_role(acct->roles), unlock ? "session.unlock" :
	    "auth.login", acct->name, 1, kv);
	pthread_mutex_unlock(&d->lock);
	if (r != 0) {
		session_logout(s, "log failure");
		snprintf(why, whylen, "the audit log cannot be written");
		return MK_ERR_LOG;
	}
	why[0] = '\0';
	return 0;
}

static int
reply_login(struct session *s)
{
	char roles[96];
	int r;

	accounts_roles_str(s->acct.roles, roles, sizeof(roles));
	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_ROLE,
	    accounts_primary_role(s->acct.roles))) != 0 ||
	    (r = mkmsg_add_str(s->out, F_ROLES, roles)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}

/* The account name of a request, escaped for the log if it is not one. */
static int
read_user(const struct mkmsg *m, uint8_t tag, char *user, size_t len,
    char *esc, size_t esclen)
{
	const struct mkfield *f = mkmsg_get(m, tag);

	if (mkmsg_str(m, tag, user, len) == 0 && mktext_valid_name(user))
		return 0;
	mktext_escape(f != NULL ? f->p : (const uint8_t *)"", f != NULL ?
	    f->len : 0, esc, esclen);
	return MK_ERR_USAGE;
}

int
auth_read_password(const struct mkmsg *m, uint8_t tag, char **pw)
{
	if ((*pw = cry_secure_alloc(PASSWORD_MAX + 1)) == NULL)
		return MK_ERR_ALLOC;
	if (mkmsg_str(m, tag, *pw, PASSWORD_MAX + 1) != 0) {
		cry_secure_free(*pw, PASSWORD_MAX + 1);
		*pw = NULL;
		return MK_ERR_USAGE;
	}
	return 0;
}

void
auth_free_password(char *pw)
{
	cry_secure_free(pw, PASSWORD_MAX + 1);
}

int
h_auth(struct session *s, const struct mkmsg *m)
{
	char user[ACCOUNT_NAME_MAX + 1], esc[160], why[320];
	struct account acct;
	uint8_t *sk = NULL;
	char *pw = NULL;
	int r;

	if (read_user(m, F_USER, user, sizeof(user), esc, sizeof(esc)) != 0) {
		pthread_mutex_lock(&s->d->lock);
		if (s->d->provisioned)
			log_fail(s, esc, "login", "invalid account name");
		pthread_mutex_unlock(&s->d->lock);
		return reply_err(s, MK_ERR_PASSWORD,
		    "wrong account name or password");
	}
	if ((r = auth_read_password(m, F_PASSWORD, &pw)) != 0)
		return reply_err(s, r, "password missing or too long");
	if ((sk = cry_secure_alloc(KEYS_LEN)) == NULL) {
		r = reply_err(s, MK_ERR_ALLOC, NULL);
		goto out;
	}
	/* A different person at a locked console ends the locked session. */
	if (s->authed && strcmp(s->acct.name, user) != 0)
		session_logout(s, "another login");
	if ((r = auth_check(s, user, pw, "login", &acct, sk, why,
	    sizeof(why))) != 0) {
		r = reply_err(s, r, why);
		goto out;
	}
	if ((r = policy_password_due(&acct, &s->d->conf, daemon_now(), why,
	    sizeof(why))) != 0) {
		struct logkv kv[1] = { { "reason", why } };

		daemon_log(s->d, LOG_SEV_INFO, user, "-",
		    "auth.password-due", user, 1, kv);
		r = reply_err(s, r, why);
		goto out;
	}
	if ((r = establish(s, &acct, sk, why, sizeof(why))) != 0) {
		r = reply_err(s, r, why);
		goto out;
	}
	r = reply_login(s);
 out:
	auth_free_password(pw);
	cry_secure_free(sk, KEYS_LEN);
	return r;
}

/*
 * A new password for an account whose current one is known: checked
 * against every rule, then the credential is wrapped under it. Needs no
 * session (an expired or temporary password cannot log in); the session
 * is logged in afterwards.
 */
int
h_passwd(struct session *s, const struct mkmsg *m)
{
	char user[ACCOUNT_NAME_MAX + 1], esc[160], why[320];
	uint8_t *sk = NULL, *hash = NULL;
	struct keyslot_params kp;
	struct account acct, *a;
	char *pw = NULL, *npw = NULL;
	unsigned keep;
	int r;

	if (read_user(m, F_USER, user, sizeof(user), esc, sizeof(esc)) != 0)
		return reply_err(s, MK_ERR_PASSWORD,
		    "wrong account name or password");
	if (auth_read_password(m, F_PASSWORD, &pw) != 0 ||
	    auth_read_password(m, F_NEWPASSWORD, &npw) != 0) {
		r = reply_err(s, MK_ERR_USAGE, "the current and the new "
		    "password are both needed");
		goto out;
	}
	if ((sk = cry_secure_alloc(KEYS_LEN)) == NULL ||
	    (hash = cry_secure_alloc(ACCOUNT_HASH_LEN)) == NULL) {
		r = reply_err(s, MK_ERR_ALLOC, NULL);
		goto out;
	}
	if ((r = passwd_check(user, npw, s->d->conf.password_min_length, why,
	    sizeof(why))) != 0) {
		r = reply_err(s, r, why);
		goto out;
	}
	if (s->authed && strcmp(s->acct.name, user) != 0)
		session_logout(s, "another login");
	if ((r = auth_check(s, user, pw, "password change", &acct, sk, why,
	    sizeof(why))) != 0) {
		r = reply_err(s, r, why);
		goto out;
	}
	keyslot_default_params(&kp);
	keep = s->d->conf.password_history;
	if ((r = passwd_history_hash(&acct, npw, &kp, hash)) != 0 ||
	    (r = passwd_history_check(&acct, keep > 0 ? keep : 1, hash, why,
	    sizeof(why))) != 0) {
		if (r != MK_ERR_POLICY)
			snprintf(why, sizeof(why), "%s", mkerr_str(r));
		r = reply_err(s, r, why);
		goto out;
	}
	/* The log first: a password that changed unrecorded must not be. */
	if ((r = daemon_log(s->d, LOG_SEV_INFO, user,
	    accounts_primary_role(acct.roles), "account.password", user, 0,
	    NULL)) != 0) {
		r = reply_err(s, MK_ERR_LOG, NULL);
		goto out;
	}
	if ((r = keys_credential_rewrap(&s->d->sd, user, sk, npw)) != 0) {
		snprintf(why, sizeof(why), "cannot write the new key slot: %s",
		    mkerr_str(r));
		r = reply_err(s, r, why);
		goto out;
	}
	pthread_mutex_lock(&s->d->lock);
	if ((a = accounts_find_mut(s->d->accounts, user)) != NULL) {
		a->pw_set = daemon_now();
		a->flags &= (uint8_t)~ACCOUNT_MUST_CHANGE;
		passwd_history_push(a, keep, hash);
		acct = *a;
		r = save_locked(s->d, why, sizeof(why));
	}
	pthread_mutex_unlock(&s->d->lock);
	if (r != 0) {
		r = reply_err(s, r, why);
		goto out;
	}
	if ((r = establish(s, &acct, sk, why, sizeof(why))) != 0) {
		r = reply_err(s, r, why);
		goto out;
	}
	r = reply_login(s);
 out:
	auth_free_password(pw);
	auth_free_password(npw);
	cry_secure_free(sk, KEYS_LEN);
	cry_secure_free(hash, ACCOUNT_HASH_LEN);
	return r;
}

int
h_logout(struct session *s, const struct mkmsg *m)
{
	(void)m;
	session_logout(s, "logout");
	return reply_ok(s);
}
