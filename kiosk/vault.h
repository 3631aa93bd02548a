/*
 * The document store: files STATE/vault/ID.mkd in the format of
 * crypto/docfmt.h. A new document is written to an unnamed temporary file
 * (O_TMPFILE, or a .tmp- file where the filesystem lacks it), synced, and
 * only then given its name and the directory synced, so a crash never leaves
 * a partial document under a document's name. Reading authenticates the
 * whole document before the first plaintext byte is handed out.
 */
#ifndef MATKIOSK_VAULT_H
#define MATKIOSK_VAULT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/docfmt.h"

#define VAULT_ID_HEX	(2 * DOCFMT_ID_LEN)

struct vault;
struct vault_import;
struct vault_reader;

struct vault_doc {
	char			id[VAULT_ID_HEX + 1];
	int			classification;
	struct docfmt_meta	meta;
	uint64_t		size;		/* plaintext bytes */
	int			err;		/* 0, or why it cannot be read */
};

int vault_open(const char *dir, struct vault **out);
void vault_free(struct vault *v);
/* Removes leftovers of interrupted imports; *removed says how many. */
int vault_cleanup(struct vault *v, unsigned *removed);
/* 1 if id is 32 lower-case hex digits. */
int vault_id_valid(const char *id);

/* Streaming import: begin, write any number of times, commit or abort.
 * The document's id is known from begin on, for the write-ahead record. */
int vault_import_begin(struct vault *v, const uint8_t mk[DOCFMT_KEY_LEN],
    uint32_t key_epoch, int classification, const struct docfmt_meta *meta,
    struct vault_import **out);
const char *vault_import_id(const struct vault_import *im);
int vault_import_write(struct vault_import *im, const void *p, size_t n);
/* Seals the last chunk, syncs and names the file. size and sha256 (of the
 * plaintext) describe what was stored. Frees im whatever happens. */
int vault_import_commit(struct vault_import *im, uint64_t *size,
    uint8_t sha256[32]);
/* Discards the import; accepts NULL. */
void vault_import_abort(struct vault_import *im);

/* The ids of every document, sorted; free with vault_ids_free. */
int vault_ids(struct vault *v, char ***ids, size_t *n);
void vault_ids_free(char **ids, size_t n);
/* Opens id's header with mk to describe it (quick: no body is read). */
int vault_describe(struct vault *v, const uint8_t mk[DOCFMT_KEY_LEN],
    const char *id, struct vault_doc *doc);

/* Opens id: reads and authenticates its header with mk (quick; the only
 * use of mk), describing it in doc. */
int vault_read_open(struct vault *v, const uint8_t mk[DOCFMT_KEY_LEN],
    const char *id, struct vault_doc *doc, struct vault_reader **out);
/* Returns non-zero when long work must stop (a lockdown). */
typedef int (*vault_cancel_fn)(void *arg);
/* Authenticates every chunk before any is read (MK_ERR_AUTH,
 * MK_ERR_TRUNCATED, MK_ERR_TRAILING... if the document does not verify;
 * MK_ERR_LOCKED if cancelled). Call before vault_read_next. */
int vault_read_verify(struct vault_reader *rd, vault_cancel_fn cancel,
    void *arg);
/* Next plaintext piece into buf (DOCFMT_CHUNK bytes); *n = 0 at the end. */
int vault_read_next(struct vault_reader *rd, uint8_t *buf, size_t *n);
void vault_read_close(struct vault_reader *rd);

/*
 * Re-wraps id's data key from old_mk to new_mk (epoch new_epoch) in place:
 * only the 64-byte key block changes (one sector, written and synced), never
 * the body. *done is 1 if it was re-wrapped, 0 if it already had
 * new_epoch. MK_ERR_AUTH if old_mk does not open it.
 */
int vault_rewrap(struct vault *v, const char *id,
    const uint8_t old_mk[DOCFMT_KEY_LEN],
    const uint8_t new_mk[DOCFMT_KEY_LEN], uint32_t new_epoch, int *done);
/* The key epoch id's header claims (no key needed). */
int vault_key_epoch(struct vault *v, const char *id, uint32_t *epoch);

/* Crypto-erases the document (its wrapped key is overwritten and synced)
 * and removes it. */
int vault_delete(struct vault *v, const char *id);

#endif /* MATKIOSK_VAULT_H */
