/*
 * make bench, the export part: verifying an inspection export in process,
 * exactly as matverify does it (crypto/expverify.c: the ustar reader, the
 * manifest, the whole MAC chain from K_0 with checkpoints, the signature,
 * SHA-256 of every member), beside raw chained HMAC-SHA256 over as many
 * records of the export's mean record size, interleaved, best of three.
 * The raw chain MACs the export's own bytes, as mapped for the verifier,
 * so that both read the same memory and only the verifier's own work
 * differs.
 * Run in a fresh process whose random generator is untouched, as
 * matverify is.
 *   bench_export K0HEX EXPORT
 * Prints "name value" lines: export.records, export.record_bytes,
 * export.bytes, export.verify and export.raw (records/s).
 */
#include <errno.h>
#include <fcntl.h>
#include <gcrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/err.h"
#include "crypto/cry.h"
#include "crypto/expverify.h"
#include "crypto/logrec.h"
#include "rawchain.h"

#define ROUNDS		3

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
raw_chain(const uint8_t k0[32], uint64_t records, size_t reclen,
    const uint8_t *data, size_t size, double *secs)
{
	size_t slot = LOGREC_MAC_LEN + reclen;
	uint8_t mac[LOGREC_MAC_LEN];
	const uint8_t *p = data;
	gcry_mac_hd_t h;
	gcry_error_t e;
	double t = now();

	if (records > size / slot)
		return MK_ERR_INTERNAL;
	memset(mac, 0, sizeof(mac));
	if ((e = gcry_mac_open(&h, GCRY_MAC_HMAC_SHA256, 0, NULL)) != 0)
		return cry_err(e);
	e = gcry_mac_setkey(h, k0, 32);
	if (e == 0)
		e = raw_chain_slots(h, p, slot, records, mac);
	gcry_mac_close(h);
	*secs = now() - t;
	return e == 0 ? 0 : cry_err(e);
}

static struct expverify_report rep;

int
main(int argc, char **argv)
{
	uint8_t k0[32];
	struct stat st;
	void *map;
	double t, best_v = 1e30, best_r = 1e30, s;
	uint64_t frames = 0;
	size_t reclen, i;
	int fd, r, k;

	if (argc != 3 || mk_unhex(argv[1], k0, 32) != 0) {
		fprintf(stderr, "usage: bench_export K0HEX EXPORT\n");
		return 2;
	}
	if (cry_init(65536, 0) != 0 || (fd = open(argv[2], O_RDONLY)) < 0 ||
	    fstat(fd, &st) != 0 || (map = mmap(NULL, (size_t)st.st_size,
	    PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		fprintf(stderr, "bench_export: %s: %s\n", argv[2],
		    strerror(errno));
		return 1;
	}
	for (k = 0; k < ROUNDS; k++) {
		t = now();
		r = expverify_run(map, (size_t)st.st_size, k0, NULL, NULL, &rep);
		s = now() - t;
		if (r != 0) {
			fprintf(stderr, "bench_export: the export does not "
			    "verify: %s: %s\n", rep.step[rep.failed].name,
			    rep.step[rep.failed].detail);
			return 1;
		}
		best_v = s < best_v ? s : best_v;
		if (frames == 0) {
			for (i = 0; i < rep.man.n; i++)
				if (strncmp(rep.man.m[i].path, "log/", 4) == 0)
					frames += rep.man.m[i].size;
			frames -= rep.log.segments * LOGREC_SEGHDR_LEN +
			    rep.log.sealed_segments * LOGREC_TRAILER_LEN;
		}
		reclen = (size_t)(frames / rep.log.records) - LOGREC_MAC_LEN;
		if (raw_chain(k0, rep.log.records, reclen, map,
		    (size_t)st.st_size, &s) != 0)
			return 1;
		best_r = s < best_r ? s : best_r;
		if (k + 1 < ROUNDS)
			expverify_free(&rep);
	}
	printf("export.records %llu\nexport.record_bytes %zu\n"
	    "export.bytes %lld\nexport.verify %.3f\nexport.raw %.3f\n",
	    (unsigned long long)rep.log.records, reclen + LOGREC_MAC_LEN,
	    (long long)st.st_size, rep.log.records / best_v,
	    rep.log.records / best_r);
	expverify_free(&rep);
	munmap(map, (size_t)st.st_size);
	close(fd);
	return 0;
}
