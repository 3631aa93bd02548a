/*
 * A QR code drawn with Unicode half blocks for a terminal (libqrencode),
 * two module rows per text line, light modules drawn and dark ones blank,
 * with a quiet zone of 2 modules: readable by a phone camera off a dark
 * terminal, as `qrencode -t UTF8` draws. For matctl log head and the
 * console's head screen. Only the programs that draw one link libqrencode.
 */
#ifndef MATKIOSK_QRTEXT_H
#define MATKIOSK_QRTEXT_H

struct mkbuf;

/* Appends the code for text (error correction M) to out, NUL-free UTF-8
 * lines ending in '\n'. MK_ERR_ARGUMENT if text cannot be encoded. */
int qrtext_render(const char *text, struct mkbuf *out);

#endif /* MATKIOSK_QRTEXT_H */
