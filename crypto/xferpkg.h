/*
 * Transfer packages (issue 8, docs/formats.md "Transfer package"): a
 * document copied out to a medium for one named receiving workstation,
 * encrypted to that workstation's X25519 key and signed with the sending
 * workstation's Ed25519 device key, so that it is unreadable in transit
 * and the receiver can prove where it came from.
 *
 * Version 1, big-endian:
 *   header (XFERPKG_HDR_LEN = 192 bytes):
 *     magic "MATKXFER" | u16 version (1) | u16 reserved (0)
 *     | sender Ed25519 public key[32] | recipient X25519 public key[32]
 *     | grant[108] (crypto/seal.h: the package key sealed to the
 *       recipient, label "matkiosk-xfer", epoch 0) | u64 document length
 *   document: a document of crypto/docfmt.h whose master key is the
 *     package key (classification, id, title, author and date bound to it)
 *   signature[64]: Ed25519 by the sender over
 *     "matkiosk xfer v1" (16 bytes) | SHA-256(header | document)
 */
#ifndef MATKIOSK_XFERPKG_H
#define MATKIOSK_XFERPKG_H

#include <stddef.h>
#include <stdint.h>

#include "seal.h"
#include "sign.h"

#define XFERPKG_VERSION		1
#define XFERPKG_HDR_LEN		192
#define XFERPKG_SIG_LEN		SIGN_SIG_LEN
#define XFERPKG_LABEL		"matkiosk-xfer"
/* The largest document a package may carry (a bound for readers). */
#define XFERPKG_DOC_MAX		(UINT64_C(1) << 40)
#define XFERPKG_SIGMSG_LEN	48

struct xferpkg_hdr {
	uint16_t	version;
	uint8_t		sender[SIGN_PUBLIC_LEN];
	uint8_t		recipient[SEAL_KEY_LEN];
	uint8_t		grant[SEAL_GRANT_LEN];
	uint64_t	doc_len;
};

/* Seals key (32 bytes, the package key) to recipient and writes the
 * header. */
int xferpkg_header_build(const uint8_t sender[SIGN_PUBLIC_LEN],
    const uint8_t recipient[SEAL_KEY_LEN], const uint8_t key[SEAL_KEY_LEN],
    uint64_t doc_len, uint8_t out[XFERPKG_HDR_LEN]);
/* Parses a header: MK_ERR_TRUNCATED if len < XFERPKG_HDR_LEN,
 * MK_ERR_FORMAT (magic, reserved, length over the bound), MK_ERR_VERSION. */
int xferpkg_header_parse(const uint8_t *p, size_t len,
    struct xferpkg_hdr *h);
/* The message the sender signs, from SHA-256(header | document). */
void xferpkg_sigmsg(const uint8_t hash[32], uint8_t out[XFERPKG_SIGMSG_LEN]);
/* Opens the package key with the recipient's secret key (secure memory).
 * MK_ERR_AUTH if the package was not sealed to it. */
int xferpkg_open_key(const struct xferpkg_hdr *h,
    const uint8_t sk[SEAL_KEY_LEN], uint8_t key[SEAL_KEY_LEN]);
/*
 * A whole package in memory (tests, fuzzing): checks the header, the
 * total length (header + document + signature), that the sender is
 * `sender` (a key the receiver registered: an arbitrary key from the
 * package is never handed to libgcrypt, whose Ed25519 verification
 * aborts the process on some malformed points), and the signature.
 * *doc, *doclen point into p. MK_ERR_SIGNATURE, MK_ERR_FORMAT,
 * MK_ERR_TRUNCATED, MK_ERR_TRAILING.
 */
int xferpkg_parse(const uint8_t *p, size_t len,
    const uint8_t sender[SIGN_PUBLIC_LEN], struct xferpkg_hdr *h,
    const uint8_t **doc, size_t *doclen);

#endif /* MATKIOSK_XFERPKG_H */
