/*
 * Password rules of Article 8.9: at least min_len characters (8 or more)
 * with a lower-case and an upper-case letter, a digit and a special
 * character, and not the account name.
 */
#ifndef MATKIOSK_PASSWD_H
#define MATKIOSK_PASSWD_H

#include <stddef.h>

#define PASSWD_MIN_LEN	8

/* 0 if pw is acceptable for account name; otherwise MK_ERR_USAGE and why
 * names the rule that failed. */
int passwd_check(const char *name, const char *pw, size_t min_len,
    char *why, size_t whylen);

#endif /* MATKIOSK_PASSWD_H */
