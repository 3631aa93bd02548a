/*
 * Test tool: the forger of t_export.sh. Signs SHA-256(MANIFEST) with a
 * fresh Ed25519 key that is not the device's, as someone who rewrote an
 * export's manifest would have to; matverify must refuse the result.
 *   resign MANIFEST SIGFILE
 */
#include <stdio.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "crypto/cry.h"
#include "crypto/sign.h"

int
main(int argc, char **argv)
{
	struct signkey *k = NULL;
	struct mkbuf *b = NULL;
	uint8_t hash[32], sig[SIGN_SIG_LEN];
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: resign MANIFEST SIGFILE\n");
		return 2;
	}
	if ((r = cry_init(65536, 0)) == 0 &&
	    (r = mkfs_read_file(argv[1], 1u << 24, &b)) == 0 &&
	    (r = signkey_generate(&k)) == 0) {
		cry_sha256(mkbuf_ptr(b), mkbuf_len(b), hash);
		if ((r = signkey_sign(k, hash, sizeof(hash), sig)) == 0)
			r = mkfs_atomic_write(argv[2], sig, sizeof(sig), 0644);
	}
	if (r != 0)
		fprintf(stderr, "resign: %s\n", mkerr_str(r));
	signkey_free(k);
	mkbuf_free(b);
	cry_done();
	return r == 0 ? 0 : 1;
}
