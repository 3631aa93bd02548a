#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "common/text.h"
#include "passwd.h"

static int
refuse(char *why, size_t whylen, const char *rule)
{
	snprintf(why, whylen, "password rejected: %s", rule);
	return MK_ERR_USAGE;
}

int
passwd_check(const char *name, const char *pw, size_t min_len, char *why,
    size_t whylen)
{
	int lower = 0, upper = 0, digit = 0, special = 0;
	size_t i, chars = 0;
	unsigned char c;

	if (!mktext_is_clean(pw, strlen(pw)))
		return refuse(why, whylen, "it contains a control character or "
		    "invalid UTF-8");
	for (i = 0; pw[i] != '\0'; i++) {
		c = (unsigned char)pw[i];
		if ((c & 0xc0) != 0x80)
			chars++;	/* count characters, not UTF-8 bytes */
		/* Letters beyond ASCII (á, ư, Đ) are letters, not "special"
		 * characters; they count towards the length only. */
		if (c >= 0x80)
			continue;
		if (islower(c))
			lower = 1;
		else if (isupper(c))
			upper = 1;
		else if (isdigit(c))
			digit = 1;
		else if (c < 0x20 || c == 0x7f)
			return refuse(why, whylen,
			    "it contains a control character");
		else
			special = 1;
	}
	if (chars < min_len) {
		char rule[64];

		snprintf(rule, sizeof(rule), "it must have at least %zu "
		    "characters", min_len);
		return refuse(why, whylen, rule);
	}
	if (!lower)
		return refuse(why, whylen, "it needs a lower-case letter");
	if (!upper)
		return refuse(why, whylen, "it needs an upper-case letter");
	if (!digit)
		return refuse(why, whylen, "it needs a digit");
	if (!special)
		return refuse(why, whylen, "it needs a special character");
	if (strcasestr(pw, name) != NULL)
		return refuse(why, whylen, "it must not contain the account "
		    "name");
	return 0;
}
