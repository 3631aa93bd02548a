/*
 * The raw speed the log verifier is measured against (make bench, parts
 * crypto and export): chained HMAC-SHA256 over n slots of slot bytes from
 * p, each MACed with the previous MAC in place of its first 32 bytes, as
 * the verifier MACs MAC_{i-1} || frame. No framing, parsing or rules.
 */
#ifndef MATKIOSK_BENCH_RAWCHAIN_H
#define MATKIOSK_BENCH_RAWCHAIN_H

#include <gcrypt.h>
#include <stdint.h>

#include "crypto/logrec.h"

static inline gcry_error_t
raw_chain_slots(gcry_mac_hd_t h, const uint8_t *p, size_t slot, uint64_t n,
    uint8_t mac[LOGREC_MAC_LEN])
{
	size_t maclen;
	gcry_error_t e = 0;
	uint64_t i;

	for (i = 0; i < n && e == 0; i++, p += slot) {
		maclen = LOGREC_MAC_LEN;
		if ((e = gcry_mac_reset(h)) == 0 &&
		    (e = gcry_mac_write(h, mac, LOGREC_MAC_LEN)) == 0 &&
		    (e = gcry_mac_write(h, p + LOGREC_MAC_LEN,
		    slot - LOGREC_MAC_LEN)) == 0)
			e = gcry_mac_read(h, mac, &maclen);
	}
	return e;
}

#endif /* MATKIOSK_BENCH_RAWCHAIN_H */
