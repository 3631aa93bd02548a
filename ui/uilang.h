/*
 * The console's languages: Vietnamese (the default) and English. Every
 * string shown to people is written in English in the source, marked _()
 * and translated through the gettext catalogue po/vi.po, compiled by the
 * Makefile into BUILD/locale/vi/LC_MESSAGES/matkiosk.mo.
 *
 * The catalogue is found beside the program (BUILD/locale) or in
 * UI_LOCALEDIR; only a UTF-8 LC_CTYPE is needed (C.UTF-8 will do), not a
 * generated vi_VN locale: the language is chosen by LANGUAGE, which gettext
 * honours for any locale but "C".
 */
#ifndef MATKIOSK_UILANG_H
#define MATKIOSK_UILANG_H

#define _(s)	uilang_tr(s)
#define N_(s)	(s)

/* Sets a UTF-8 locale (the environment's, else C.UTF-8) and binds the
 * catalogue. lang is "vi" or "en". -1 if no UTF-8 locale exists. */
int uilang_init(const char *lang);
/* Switches language ("vi" or "en"). */
void uilang_set(const char *lang);
const char *uilang_get(void);
/* The translation of msgid in the current language. */
const char *uilang_tr(const char *msgid);

#endif /* MATKIOSK_UILANG_H */
