#include <langinfo.h>
#include <libgen.h>
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uilang.h"

#define DOMAIN	"matkiosk"
#ifndef UI_LOCALEDIR
#define UI_LOCALEDIR	"/usr/share/locale"
#endif

static int english;

/*
 * The catalogue beside the program (BUILD/locale) when the program runs
 * from a build tree, else UI_LOCALEDIR. The test is for the catalogue
 * itself: an installed /usr/bin/matkiosk has /usr/bin/locale beside it,
 * which is glibc's locale program, not a directory (the boot test found
 * the console in English).
 */
static void
bind_catalogue(void)
{
	char exe[PATH_MAX], dir[PATH_MAX + 16], mo[PATH_MAX + 64];
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((size_t)snprintf(dir, sizeof(dir), "%s/locale",
		    dirname(exe)) < sizeof(dir) &&
		    (size_t)snprintf(mo, sizeof(mo), "%s/vi/LC_MESSAGES/%s.mo",
		    dir, DOMAIN) < sizeof(mo) && access(mo, R_OK) == 0) {
			bindtextdomain(DOMAIN, dir);
			return;
		}
	}
	bindtextdomain(DOMAIN, UI_LOCALEDIR);
}

int
uilang_init(const char *lang)
{
	if (setlocale(LC_ALL, "") == NULL ||
	    strcmp(nl_langinfo(CODESET), "UTF-8") != 0) {
		if (setlocale(LC_ALL, "C.UTF-8") == NULL)
			return -1;
	}
	bind_catalogue();
	bind_textdomain_codeset(DOMAIN, "UTF-8");
	textdomain(DOMAIN);
	uilang_set(lang);
	return 0;
}

void
uilang_set(const char *lang)
{
	english = strcmp(lang, "en") == 0;
	/* gettext honours LANGUAGE in any locale but "C"; the locale here
	 * is UTF-8, so this picks the catalogue whatever LANG says. */
	setenv("LANGUAGE", english ? "en" : "vi", 1);
}

const char *
uilang_get(void)
{
	return english ? "en" : "vi";
}

const char *
uilang_tr(const char *msgid)
{
	if (english)
		return msgid;
	return dgettext(DOMAIN, msgid);
}
