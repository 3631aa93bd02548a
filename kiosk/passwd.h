/*
 * Password rules of Article 8.9: at least min_len characters (8 or more)
 * with a lower-case and an upper-case letter, a digit and a special
 * character; not the account name; not a common password; not one of the
 * account's last N passwords. Every refusal is MK_ERR_POLICY with why
 * naming the rule.
 */
#ifndef MATKIOSK_PASSWD_H
#define MATKIOSK_PASSWD_H

#include <stddef.h>
#include <stdint.h>

#include "accounts.h"
#include "crypto/keyslot.h"

#define PASSWD_MIN_LEN	8

/* The rules that need no history. */
int passwd_check(const char *name, const char *pw, size_t min_len,
    char *why, size_t whylen);
/* 1 if pw is a common password, or one dressed up: "P@ssw0rd1",
 * "Matkhau@123" (the word inside, with look-alike digits and symbols read
 * as letters, is on the list). */
int passwd_common(const char *pw);

/* The hash of pw kept in a's history (a's history salt, Argon2id). */
int passwd_history_hash(const struct account *a, const char *pw,
    const struct keyslot_params *p, uint8_t out[ACCOUNT_HASH_LEN]);
/* MK_ERR_POLICY if hash is among a's last keep passwords. */
int passwd_history_check(const struct account *a, unsigned keep,
    const uint8_t hash[ACCOUNT_HASH_LEN], char *why, size_t whylen);
/* Puts hash first in a's history, keeping at most keep (and at least the
 * newest one, so the current password is always known). */
void passwd_history_push(struct account *a, unsigned keep,
    const uint8_t hash[ACCOUNT_HASH_LEN]);

#endif /* MATKIOSK_PASSWD_H */
