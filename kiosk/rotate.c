/*
 * Master-key rotation (Article 8.6: revocation). The new key is sealed to
 * every keyed account and the recovery code alongside the old one, the
 * machine's key epoch advanced, each document's data key re-wrapped in
 * place (64 bytes, synced; bodies are never rewritten), and only then the
 * old key's grants dropped. A crash at any point leaves grants holding both
 * keys, and the next keyed login finishes the work (kiosk/auth.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "common/buf.h"
#include "common/err.h"
#include "crypto/cry.h"
#include "daemon.h"
#include "keys.h"
#include "machine.h"
#include "vault.h"

struct recipient {
	char	name[ACCOUNT_NAME_MAX + 1];
	uint8_t	pk[ACCOUNT_PK_LEN];
};

/* Every keyed, active account with a grant, and the recovery code. */
static int
recipients(struct daemon *d, struct recipient **out, size_t *n)
{
	const struct account *a;
	struct recipient *v;
	size_t i, k = 0, count;

	pthread_mutex_lock(&d->lock);
	count = accounts_count(d->accounts);
	if ((v = calloc(count + 1, sizeof(*v))) == NULL) {
		pthread_mutex_unlock(&d->lock);
		return MK_ERR_ALLOC;
	}
	for (i = 0; i < count; i++) {
		a = accounts_at(d->accounts, i);
		if ((a->roles & ROLES_KEYED) &&
		    !(a->flags & (ACCOUNT_DISABLED | ACCOUNT_KEY_PENDING))) {
			snprintf(v[k].name, sizeof(v[k].name), "%s", a->name);
			memcpy(v[k].pk, a->pk, ACCOUNT_PK_LEN);
			k++;
		}
	}
	snprintf(v[k].name, sizeof(v[k].name), "%s", KEYS_RECOVERY_LABEL);
	memcpy(v[k].pk, d->machine.recovery_pk, ACCOUNT_PK_LEN);
	k++;
	pthread_mutex_unlock(&d->lock);
	*out = v;
	*n = k;
	return 0;
}

static int
set_epoch(struct daemon *d, uint32_t epoch)
{
	struct machine m;
	int r;

	pthread_mutex_lock(&d->lock);
	m = d->machine;
	m.key_epoch = epoch;
	if ((r = machine_save(d->sd.machine, &m)) == 0) {
		d->machine.key_epoch = epoch;
		atomic_store(&d->key_epoch, epoch);
	}
	pthread_mutex_unlock(&d->lock);
	return r;
}

static int
rewrap_all(struct session *s, const uint8_t *old_mk, const uint8_t *new_mk,
    uint32_t new_epoch, unsigned *done, unsigned *failed)
{
	char **ids = NULL;
	size_t n = 0, i;
	int r, did;

	*done = *failed = 0;
	if ((r = vault_ids(s->d->vault, &ids, &n)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		r = vault_rewrap(s->d->vault, ids[i], old_mk, new_mk,
		    new_epoch, &did);
		if (r == 0) {
			*done += (unsigned)did;
			continue;
		}
		if (r == MK_ERR_NO_SPACE || r == MK_ERR_IO ||
		    r == MK_ERR_SYSTEM)
			break;	/* the disk: stop, a later login resumes */
		/* A document the old key does not open (damaged) stays as
		 * it is; it is recorded by id. */
		(*failed)++;
		{
			struct logkv kv[1] = { { "error", mkerr_str(r) } };

			session_log(s, LOG_SEV_TRUNG_BINH, "doc.rewrap-failed",
			    ids[i], 1, kv);
		}
		r = 0;
	}
	vault_ids_free(ids, n);
	return r;
}

int
rotate_run(struct session *s, const uint8_t *old_mk, uint32_t old_epoch,
    const uint8_t *new_mk, uint32_t new_epoch, char *why, size_t whylen)
{
	struct daemon *d = s->d;
	struct recipient *rc = NULL;
	char e_old[16], e_new[16], docs[16], bad[16], who[16];
	unsigned done = 0, failed = 0;
	size_t n = 0, i;
	int r;

	snprintf(e_old, sizeof(e_old), "%u", old_epoch);
	snprintf(e_new, sizeof(e_new), "%u", new_epoch);
	pthread_rwlock_wrlock(&d->vault_rw);
	if ((r = recipients(d, &rc, &n)) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if ((r = keys_grant_write(&d->sd, rc[i].name, rc[i].pk, new_mk,
		    new_epoch, old_mk, old_epoch)) != 0) {
			snprintf(why, whylen, "cannot write the grant of %s: "
			    "%s", rc[i].name, mkerr_str(r));
			goto out;
		}
	if ((r = set_epoch(d, new_epoch)) != 0) {
		snprintf(why, whylen, "cannot save the key epoch: %s",
		    mkerr_str(r));
		goto out;
	}
	if ((r = rewrap_all(s, old_mk, new_mk, new_epoch, &done,
	    &failed)) != 0) {
		snprintf(why, whylen, "re-wrapping the documents stopped: %s; "
		    "the next login of a supervisor or drafter resumes it",
		    mkerr_str(r));
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((r = keys_grant_write(&d->sd, rc[i].name, rc[i].pk, new_mk,
		    new_epoch, NULL, 0)) != 0) {
			snprintf(why, whylen, "cannot write the grant of %s: "
			    "%s", rc[i].name, mkerr_str(r));
			goto out;
		}
	snprintf(docs, sizeof(docs), "%u", done);
	snprintf(bad, sizeof(bad), "%u", failed);
	snprintf(who, sizeof(who), "%zu", n - 1);
	{
		struct logkv kv[5] = { { "from-epoch", e_old },
		    { "to-epoch", e_new }, { "documents", docs },
		    { "failed", bad }, { "accounts", who } };

		r = session_log(s, failed ? LOG_SEV_TRUNG_BINH : LOG_SEV_INFO,
		    "key.rotate", "vault", 5, kv);
	}
 out:
	pthread_rwlock_unlock(&d->vault_rw);
	free(rc);
	return r;
}
