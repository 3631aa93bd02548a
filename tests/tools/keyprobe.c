/*
 * keyprobe: what an attacker holding copies of a person's key files can
 * open, offline. Used by the account tests to show that a disabled
 * person's old slot, and the master key a rotation replaced, open nothing.
 *
 *   keyprobe STATE LABEL SLOT [GRANT]     password on stdin
 *
 * Opens SLOT (a copy of keys/slots/LABEL.slot) with the password, then
 * GRANT (a copy of keys/grants/LABEL.grant; default: the state's), then
 * tries every key the grant holds on every document of STATE/vault.
 * Prints what happened; exit 0 if some document opened, 1 if the slot did
 * not open, 2 if the grant did not, 3 if the keys opened no document.
 *
 *   keyprobe --plant N STATE LABEL          password on stdin
 *
 * Writes N small documents into STATE/vault with the key LABEL's own files
 * open (fast: a test needs many documents to interrupt a rotation).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "crypto/cry.h"
#include "crypto/keyslot.h"
#include "crypto/seal.h"
#include "kiosk/statedir.h"
#include "kiosk/vault.h"

static int
read_exact(const char *path, uint8_t *out, size_t min, size_t max,
    size_t *len)
{
	struct mkbuf *b = NULL;
	int r;

	if ((r = mkfs_read_file(path, max, &b)) != 0)
		return r;
	*len = mkbuf_len(b);
	if (*len < min)
		r = MK_ERR_FORMAT;
	else
		memcpy(out, mkbuf_ptr(b), *len);
	mkbuf_free(b);
	return r;
}

static int
plant(int argc, char **argv)
{
	uint8_t slot[KEYSLOT_LEN], grant[SEAL_GRANT_LEN], sk[32], mk[32];
	char pw[1100], path[STATEDIR_PATH_MAX + 80], body[64];
	struct docfmt_meta meta;
	struct vault_import *im;
	struct statedir sd;
	struct vault *v = NULL;
	uint64_t size;
	uint8_t sha[32];
	uint32_t epoch;
	size_t len;
	long i, n;
	int r;

	if (argc != 5 || (n = strtol(argv[2], NULL, 10)) <= 0)
		return 64;
	if (cry_init(1 << 20, 0) != 0 || statedir_init(&sd, argv[3]) != 0 ||
	    fgets(pw, sizeof(pw), stdin) == NULL)
		return 70;
	pw[strcspn(pw, "\n")] = '\0';
	if (statedir_slot_path(&sd, argv[4], path, sizeof(path)) != 0 ||
	    read_exact(path, slot, KEYSLOT_LEN, KEYSLOT_LEN, &len) != 0 ||
	    keyslot_unwrap(argv[4], pw, strlen(pw), slot, sk, &epoch) != 0)
		return 1;
	snprintf(path, sizeof(path), "%s/%s.grant", sd.grants, argv[4]);
	if (read_exact(path, grant, SEAL_GRANT_LEN, SEAL_GRANT_LEN, &len) != 0 ||
	    seal_open(argv[4], sk, grant, mk, &epoch) != 0)
		return 2;
	if (vault_open(sd.vault, &v) != 0)
		return 70;
	memset(&meta, 0, sizeof(meta));
	snprintf(meta.author, sizeof(meta.author), "%s", argv[4]);
	for (i = 0; i < n; i++) {
		snprintf(meta.title, sizeof(meta.title), "planted %ld", i);
		snprintf(body, sizeof(body), "document %ld\n", i);
		if ((r = vault_import_begin(v, mk, epoch, DOCFMT_MAT, &meta,
		    &im)) != 0 ||
		    (r = vault_import_write(im, body, strlen(body))) != 0 ||
		    (r = vault_import_commit(im, &size, sha)) != 0) {
			fprintf(stderr, "plant: %s\n", mkerr_str(r));
			return 70;
		}
	}
	vault_free(v);
	cry_done();
	return 0;
}

int
main(int argc, char **argv)
{
	uint8_t slot[KEYSLOT_LEN], grants[2 * SEAL_GRANT_LEN];
	uint8_t sk[32], mk[32];
	char pw[1100], gpath[STATEDIR_PATH_MAX + 80];
	struct statedir sd;
	struct vault *v = NULL;
	struct vault_doc doc;
	char **ids = NULL;
	size_t n = 0, i, k, len, opened = 0, gok = 0;
	uint32_t epoch;
	int r;

	if (argc > 1 && strcmp(argv[1], "--plant") == 0)
		return plant(argc, argv);
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: keyprobe STATE LABEL SLOT [GRANT]\n");
		return 64;
	}
	if (cry_init(1 << 20, 0) != 0 || statedir_init(&sd, argv[1]) != 0)
		return 70;
	if (fgets(pw, sizeof(pw), stdin) == NULL)
		return 64;
	pw[strcspn(pw, "\n")] = '\0';
	if ((r = read_exact(argv[3], slot, KEYSLOT_LEN, KEYSLOT_LEN,
	    &len)) != 0 || (r = keyslot_unwrap(argv[2], pw, strlen(pw), slot,
	    sk, &epoch)) != 0) {
		printf("slot: %s\n", mkerr_str(r));
		return 1;
	}
	printf("slot: opened\n");
	if (argc == 5)
		snprintf(gpath, sizeof(gpath), "%s", argv[4]);
	else
		snprintf(gpath, sizeof(gpath), "%s/%s.grant", sd.grants,
		    argv[2]);
	if ((r = read_exact(gpath, grants, SEAL_GRANT_LEN, sizeof(grants),
	    &len)) != 0) {
		printf("grant: %s\n", mkerr_str(r));
		return 2;
	}
	if (vault_open(sd.vault, &v) != 0 || vault_ids(v, &ids, &n) != 0)
		return 70;
	for (k = 0; k * SEAL_GRANT_LEN < len; k++) {
		if ((r = seal_open(argv[2], sk, grants + k * SEAL_GRANT_LEN, mk,
		    &epoch)) != 0) {
			printf("grant %zu: %s\n", k, mkerr_str(r));
			continue;
		}
		printf("grant %zu: master key of epoch %u\n", k, epoch);
		gok++;
		for (i = 0; i < n; i++)
			if (vault_describe(v, mk, ids[i], &doc) == 0)
				opened++;
	}
	printf("documents opened: %zu of %zu\n", opened, n);
	vault_ids_free(ids, n);
	vault_free(v);
	cry_done();
	if (opened > 0)
		return 0;
	return gok > 0 ? 3 : 2;
}
