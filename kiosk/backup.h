/*
 * Backups (Article 10): the layout on the medium, the manifest, copying
 * with hashes, and the sealed secrets (docs/formats.md, "Backup").
 *
 *   DIR/LATEST                 the newest generation, a decimal number
 *   DIR/manifest.N             what generation N holds (text, below)
 *   DIR/manifest.N.sig         Ed25519 signature of SHA-256(manifest.N)
 *   DIR/secrets.N              device key, log key and transfer key,
 *                              sealed under the vault master key
 *   DIR/objects/XX/SHA256      the state's files, by their content's hash
 *
 * Files are copied only when absent or different from the copy already
 * there (incremental): documents never change after import (but for their
 * key block at a rotation), sealed log segments never change.
 *
 * Manifest, version 1, text lines:
 *   matkiosk-backup 1
 *   device-id HEX32
 *   generation N
 *   created SECONDS
 *   key-epoch E
 *   log-head SEQ:MACHEX16
 *   file SHA256HEX SIZE PATH      one per file, PATH in the state directory
 */
#ifndef MATKIOSK_BACKUP_H
#define MATKIOSK_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#define BACKUP_PATH_MAX		128	/* a file's path in the state directory */
#define BACKUP_FILES_MAX	200000
#define BACKUP_MANIFEST_MAX	(32 * 1024 * 1024)

struct mkbuf;

struct backup_file {
	char		path[BACKUP_PATH_MAX];
	uint8_t		sha[32];
	uint64_t	size;
};

struct backup_manifest {
	char			 device_id[33];
	uint32_t		 generation;
	int64_t			 created;
	uint32_t		 key_epoch;
	uint64_t		 log_seq;
	char			 log_mac[17];
	size_t			 n, cap;
	struct backup_file	*f;
};

void backup_manifest_free(struct backup_manifest *m);
int backup_manifest_add(struct backup_manifest *m, const char *path,
    const uint8_t sha[32], uint64_t size);
const struct backup_file *backup_manifest_find(const struct backup_manifest *m,
    const char *path);
int backup_manifest_format(const struct backup_manifest *m, struct mkbuf *out);
/* MK_ERR_FORMAT with the line in *line for anything malformed: unknown
 * lines, a path with "..", a repeated path. */
int backup_manifest_parse(const char *text, size_t len,
    struct backup_manifest *m, size_t *line);

/* A relative path in the state directory: [A-Za-z0-9._-] components joined by '/',
 * none "." or "..". */
int backup_path_ok(const char *path);

/* SHA-256 and size of a file (streamed). */
int backup_hash_file(const char *path, uint8_t sha[32], uint64_t *size);
/* Copies src to dst (through a temporary name, synced, renamed, directory
 * synced), creating dst's directories; sha/size of what was copied. */
int backup_copy_file(const char *src, const char *dst, uint8_t sha[32],
    uint64_t *size);
/* The same from memory. */
int backup_write_file(const char *dst, const void *p, size_t n);
/* mkdir -p for dst's parent directories (0700). */
int backup_make_parents(const char *dst);

/* The secret files a backup carries sealed: the device key file, the log
 * key file, and this workstation's transfer key (STATE/xfer.key, 32
 * bytes; NULL when it was never made). */
struct backup_secrets {
	struct mkbuf	*devkey;
	struct mkbuf	*logkey;
	struct mkbuf	*xferkey;
};
void backup_secrets_free(struct backup_secrets *sec);

/* Seals the secrets under mk for generation gen of device_id (version 2);
 * opens them again (versions 1, without a transfer key, and 2). */
int backup_seal_secrets(const uint8_t mk[32], uint32_t key_epoch,
    const char *device_id, uint32_t gen, const struct backup_secrets *in,
    struct mkbuf *out);
int backup_open_secrets(const uint8_t mk[32], const char *device_id,
    uint32_t gen, const uint8_t *p, size_t len, struct backup_secrets *out,
    uint32_t *key_epoch);

#endif /* MATKIOSK_BACKUP_H */
