/*
 * Accounts: one per person, with roles, the state of their password (when
 * set, failures, lock) and the public half of their credential key pair
 * (kiosk/keys.h). The file holds no key; it does hold Argon2id hashes of
 * the last passwords (to refuse a reused one), so it is 0600 like the slots
 * and written atomically.
 *
 * File, version 2 (docs/formats.md, "Accounts"): magic "MATKACCT", u16
 * version, u16 count, then per account: bstr name, bstr full name, u32
 * roles, i64 created, u8 flags, public key[32], i64 password set, u32
 * failures, i64 locked until, i64 last login, i64 disabled at, history
 * salt[16], u8 history count, count x hash[32].
 */
#ifndef MATKIOSK_ACCOUNTS_H
#define MATKIOSK_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#define ACCOUNT_NAME_MAX	32
#define ACCOUNT_FULLNAME_MAX	128
#define ACCOUNTS_MAX		1000

/* Roles (a person may hold several). */
#define ROLE_DRAFTER		0x01	/* cán bộ soạn thảo */
#define ROLE_SUPERVISOR		0x02	/* thủ trưởng */
#define ROLE_IT_OFFICER		0x04	/* cán bộ chuyên trách CNTT */
#define ROLE_TECHNICIAN		0x08	/* kỹ thuật viên */
#define ROLE_INSPECTOR		0x10	/* Công an tỉnh */
#define ROLE_ALL		0x1f

/* Roles that hold a vault key (a grant); the others never do. */
#define ROLES_KEYED		(ROLE_DRAFTER | ROLE_SUPERVISOR)

#define ACCOUNT_DISABLED	0x01
#define ACCOUNT_MUST_CHANGE	0x02	/* someone else set the password */
#define ACCOUNT_KEY_PENDING	0x04	/* keyed role, grant not yet written */
#define ACCOUNT_FLAGS		0x07

#define ACCOUNT_HISTORY_MAX	24
#define ACCOUNT_HASH_LEN	32
#define ACCOUNT_SALT_LEN	16
#define ACCOUNT_PK_LEN		32

struct account {
	char		name[ACCOUNT_NAME_MAX + 1];
	char		full_name[ACCOUNT_FULLNAME_MAX + 1];
	uint32_t	roles;
	int64_t		created;
	uint8_t		flags;
	uint8_t		pk[ACCOUNT_PK_LEN];	/* credential public key */
	int64_t		pw_set;		/* when the password was set */
	uint32_t	failed;		/* consecutive failed logins */
	int64_t		locked_until;	/* 0, or the end of a lockout */
	int64_t		last_login;
	int64_t		disabled_at;
	uint8_t		hist_salt[ACCOUNT_SALT_LEN];
	uint8_t		nhist;		/* newest first */
	uint8_t		hist[ACCOUNT_HISTORY_MAX][ACCOUNT_HASH_LEN];
};

struct accounts;

struct accounts *accounts_new(void);
/* MK_ERR_NOT_FOUND if the file does not exist. */
int accounts_load(const char *path, struct accounts **out);
int accounts_save(const struct accounts *a, const char *path);
void accounts_free(struct accounts *a);

size_t accounts_count(const struct accounts *a);
const struct account *accounts_at(const struct accounts *a, size_t i);
const struct account *accounts_find(const struct accounts *a,
    const char *name);
/* The same, for changing it in place (then accounts_save). */
struct account *accounts_find_mut(struct accounts *a, const char *name);
/* Validates the name and full name; MK_ERR_EXISTS for a taken name. */
int accounts_add(struct accounts *a, const struct account *acct);
/* Active (not disabled) accounts holding any of roles, except skip (may
 * be NULL). */
size_t accounts_count_active(const struct accounts *a, uint32_t roles,
    const char *skip);

/* "drafter,supervisor" -> bits; MK_ERR_USAGE for an unknown role or an
 * empty list. */
int accounts_roles_parse(const char *s, uint32_t *roles);
/* "disabled,must-change,key-pending,locked" (locked: at now). */
void accounts_flags_str(const struct account *acct, int64_t now, char *out,
    size_t outlen);

/* "supervisor,it-officer,drafter" (highest role first). */
int accounts_roles_str(uint32_t roles, char *out, size_t outlen);
/* The role a person acts in for logging: the highest they hold. */
const char *accounts_primary_role(uint32_t roles);

#endif /* MATKIOSK_ACCOUNTS_H */
