/*
 * Accounts: one per person, with roles. The file holds no secret (the
 * password protects the person's key slot, nothing else stores it), but it
 * is still 0600 and written atomically.
 *
 * File, version 1: magic "MATKACCT", u16 version, u16 count, then per
 * account: bstr name, bstr full name, u32 roles, i64 created, u8 flags.
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

#define ACCOUNT_DISABLED	0x01

struct account {
	char		name[ACCOUNT_NAME_MAX + 1];
	char		full_name[ACCOUNT_FULLNAME_MAX + 1];
	uint32_t	roles;
	int64_t		created;
	uint8_t		flags;
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
/* Validates the name and full name; MK_ERR_EXISTS for a taken name. */
int accounts_add(struct accounts *a, const struct account *acct);

/* "supervisor,it-officer,drafter" (highest role first). */
int accounts_roles_str(uint32_t roles, char *out, size_t outlen);
/* The role a person acts in for logging: the highest they hold. */
const char *accounts_primary_role(uint32_t roles);

#endif /* MATKIOSK_ACCOUNTS_H */
