/*
 * Checking a person's password (for a login, a password change or an
 * approval) and rotating the vault master key; shared by kiosk/auth.c,
 * kiosk/acctops.c and kiosk/rotate.c.
 */
#ifndef MATKIOSK_AUTH_H
#define MATKIOSK_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "accounts.h"

struct session;
struct mkmsg;

/*
 * Checks user's password as a login does: refused while the account is
 * disabled or locked; a wrong password counts towards the lockout; each
 * failure and lockout is logged (purpose says what for: "login",
 * "approval", ...). On success acct is the account and sk (secure memory,
 * KEYS_LEN) its credential's secret key. why is for the person.
 */
int auth_check(struct session *s, const char *user, const char *pw,
    const char *purpose, struct account *acct, uint8_t *sk, char *why,
    size_t whylen);

/* A password field into secure memory (free with auth_free_password). */
int auth_read_password(const struct mkmsg *m, uint8_t tag, char **pw);
void auth_free_password(char *pw);

/*
 * Rotates the vault master key from old_mk (old_epoch) to new_mk
 * (new_epoch): every grant is re-issued with both keys, the machine's epoch
 * advanced, every document's key re-wrapped, then the old key's grants
 * dropped. Restartable at any step: a login that finds two grants runs it
 * again. The caller holds d->keys_lock and no other lock.
 */
int rotate_run(struct session *s, const uint8_t *old_mk, uint32_t old_epoch,
    const uint8_t *new_mk, uint32_t new_epoch, char *why, size_t whylen);

#endif /* MATKIOSK_AUTH_H */
