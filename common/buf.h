/*
 * Byte buffers and a bounded reader for the project's binary encodings
 * (protocol frames, log records, document headers). All integers are
 * big-endian. A "bstr" is a 16-bit length followed by that many bytes.
 */
#ifndef MATKIOSK_BUF_H
#define MATKIOSK_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct mkbuf;

/* A growable buffer that refuses to grow past max bytes. NULL if no memory. */
struct mkbuf *mkbuf_new(size_t max);
/* Wipes the contents and frees; accepts NULL. */
void mkbuf_free(struct mkbuf *b);
/* Wipes the contents; keeps the allocation. */
void mkbuf_reset(struct mkbuf *b);

const uint8_t *mkbuf_ptr(const struct mkbuf *b);
uint8_t *mkbuf_mutable_ptr(struct mkbuf *b);
size_t mkbuf_len(const struct mkbuf *b);
/* Cuts the buffer to len bytes (len <= current length), wiping the rest. */
int mkbuf_truncate(struct mkbuf *b, size_t len);

/* Appends n bytes and returns where to write them. */
int mkbuf_reserve(struct mkbuf *b, size_t n, uint8_t **dst);
int mkbuf_put(struct mkbuf *b, const void *p, size_t n);
int mkbuf_put_u8(struct mkbuf *b, uint8_t v);
int mkbuf_put_u16(struct mkbuf *b, uint16_t v);
int mkbuf_put_u32(struct mkbuf *b, uint32_t v);
int mkbuf_put_u64(struct mkbuf *b, uint64_t v);
/* 16-bit length-prefixed bytes; MK_ERR_TOO_LARGE above 65535. */
int mkbuf_put_bstr(struct mkbuf *b, const void *p, size_t n);
int mkbuf_put_cstr(struct mkbuf *b, const char *s);
/* Appends formatted text (no NUL is kept, but it needs one byte of room
 * while formatting); MK_ERR_TOO_LARGE past the buffer's max, the buffer
 * unchanged; MK_ERR_FORMAT if the format fails. */
int mkbuf_printf(struct mkbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int mkbuf_vprintf(struct mkbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* A cursor over bytes someone else owns. Every read is bounds-checked. */
struct mkrd {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
};

void mkrd_init(struct mkrd *r, const void *p, size_t len);
size_t mkrd_left(const struct mkrd *r);
int mkrd_bytes(struct mkrd *r, size_t n, const uint8_t **out);
int mkrd_u8(struct mkrd *r, uint8_t *v);
int mkrd_u16(struct mkrd *r, uint16_t *v);
int mkrd_u32(struct mkrd *r, uint32_t *v);
int mkrd_u64(struct mkrd *r, uint64_t *v);
/* A bstr no longer than max; *out points into the reader's bytes. */
int mkrd_bstr(struct mkrd *r, size_t max, const uint8_t **out, size_t *len);
/* A bstr copied into out (size bytes, NUL-terminated): MK_ERR_TOO_LARGE if
 * it does not fit, MK_ERR_FORMAT if it holds a NUL (which would silently
 * cut a name short). */
int mkrd_cstr(struct mkrd *r, char *out, size_t size);

void mk_put_be16(uint8_t *p, uint16_t v);
void mk_put_be32(uint8_t *p, uint32_t v);
void mk_put_be64(uint8_t *p, uint64_t v);
uint16_t mk_get_be16(const uint8_t *p);
uint32_t mk_get_be32(const uint8_t *p);
uint64_t mk_get_be64(const uint8_t *p);

/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void mk_hex(const void *p, size_t n, char *out);
/* Parses exactly 2n hex digits into out; MK_ERR_FORMAT otherwise. */
int mk_unhex(const char *s, void *out, size_t n);

/* Wipes memory in a way the compiler may not elide. */
void mk_wipe(void *p, size_t n);

#endif /* MATKIOSK_BUF_H */
