/*
 * The manifest of an inspection export (docs/formats.md, "Inspection
 * export"): one line of text per fact, the SHA-256 and size of every other
 * member, the kinds of record the machine has none of, and the log head the
 * export reaches. The daemon signs SHA-256(MANIFEST) with the device key
 * (MANIFEST.sig); matverify checks it with the device key that the log,
 * authenticated from K_0, carries in its first record.
 */
#ifndef MATKIOSK_EXPMAN_H
#define MATKIOSK_EXPMAN_H

#include <stddef.h>
#include <stdint.h>

#define EXPMAN_MAGIC		"matkiosk-inspection-export 1"
#define EXPMAN_MAX		(4u << 20)	/* manifest bytes */
#define EXPMAN_MEMBERS_MAX	8192
#define EXPMAN_PATH_MAX		200
#define EXPMAN_NAME_MAX		64
#define EXPMAN_NONE_MAX		16

struct mkbuf;

struct expman_member {
	char		path[EXPMAN_PATH_MAX];
	uint8_t		sha[32];
	uint64_t	size;
};

struct expman {
	char			 device_id[EXPMAN_NAME_MAX];
	uint8_t			 device_key[32];
	int64_t			 created;
	char			 exporter[EXPMAN_NAME_MAX];
	char			 approver[EXPMAN_NAME_MAX];
	uint64_t		 head_seq;
	uint8_t			 head_mac[32];
	struct expman_member	*m;
	size_t			 n;
	char			 none[EXPMAN_NONE_MAX][EXPMAN_NAME_MAX];
	size_t			 nnone;
};

/* A member path the manifest and matverify accept: printable ASCII, no
 * space, relative, no "." or ".." component. */
int expman_path_ok(const char *path);
/* A name (device id, account, kind): [A-Za-z0-9._-], 1..63 bytes. */
int expman_name_ok(const char *s);
int expman_add(struct expman *m, const char *path, const uint8_t sha[32],
    uint64_t size);
/* Records that the machine holds nothing of kind ("repair"). */
int expman_add_none(struct expman *m, const char *kind);
int expman_format(const struct expman *m, struct mkbuf *out);
/* 0, or MK_ERR_FORMAT / MK_ERR_TOO_LARGE / MK_ERR_VERSION with *line the
 * 1-based line at fault. */
int expman_parse(const char *text, size_t len, struct expman *m,
    size_t *line);
const struct expman_member *expman_find(const struct expman *m,
    const char *path);
/* Accepts a zeroed struct. */
void expman_free(struct expman *m);

#endif /* MATKIOSK_EXPMAN_H */
