#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "common/text.h"
#include "crypto/cry.h"
#include "passwd.h"

/*
 * Common passwords and the words people build them from, in Vietnam and
 * elsewhere (written for this product, lower case, letters only: digits and
 * symbols around them are stripped before the comparison).
 */
static const char *const common_words[] = {
	"abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh", "admin",
	"administrator", "anhyeuem", "asdf", "asdfgh", "asdfghjkl",
	"azerty", "baomat", "baseball", "batman", "bimat", "canbo",
	"changeme", "computer", "congan", "congty", "coquan", "dangnhap",
	"default", "dragon", "emyeuanh", "football", "giamdoc", "guest",
	"hanoi", "hello", "hethong", "hochiminh", "hocsinh", "iloveyou",
	"ketoan", "letmein", "login", "master", "matkhau", "matkiosk",
	"maytinh", "monkey", "nhanvien", "office", "pass", "passw",
	"passwd", "password", "princess", "qaz", "qazwsx", "quantri",
	"qwe", "qwer", "qwert", "qwerty", "qwertyuiop", "root", "saigon",
	"secret", "server", "shadow", "sinhvien", "soanthao", "sunshine",
	"superman", "system", "tailieu", "test", "testing", "thanhpho",
	"thutruong", "trustno", "truongphong", "ubnd", "user", "vanphong",
	"vanthu", "vietnam", "welcome", "xinchao", "yeuem", "zxcv",
	"zxcvbn", "zxcvbnm",
};

static int
refuse(char *why, size_t whylen, const char *rule)
{
	snprintf(why, whylen, "password rejected: %s", rule);
	return MK_ERR_POLICY;
}

static int
is_decoration(unsigned char c)
{
	return c < 0x80 && !isalpha(c);
}

/* Reads look-alike digits and symbols as the letters they stand for. */
static char
unleet(unsigned char c)
{
	switch (c) {
	case '@': case '4':
		return 'a';
	case '0':
		return 'o';
	case '1': case '!': case '|':
		return 'i';
	case '3':
		return 'e';
	case '$': case '5':
		return 's';
	case '7': case '+':
		return 't';
	case '8':
		return 'b';
	default:
		return (char)tolower(c);
	}
}

int
passwd_common(const char *pw)
{
	char core[256];
	size_t b = 0, e = strlen(pw), i, n = 0, distinct = 0;
	int seen[256] = { 0 };

	while (b < e && is_decoration((unsigned char)pw[b]))
		b++;
	while (e > b && is_decoration((unsigned char)pw[e - 1]))
		e--;
	if (e - b >= sizeof(core))
		return 0;
	for (i = b; i < e; i++) {
		core[n] = unleet((unsigned char)pw[i]);
		if (!seen[(unsigned char)core[n]]++)
			distinct++;
		n++;
	}
	core[n] = '\0';
	if (distinct < 4)
		return 1;
	for (i = 0; i < sizeof(common_words) / sizeof(common_words[0]); i++)
		if (strcmp(core, common_words[i]) == 0)
			return 1;
	return 0;
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
	if (passwd_common(pw))
		return refuse(why, whylen, "it is a common password, or one "
		    "with a few digits or symbols added");
	return 0;
}

int
passwd_history_hash(const struct account *a, const char *pw,
    const struct keyslot_params *p, uint8_t out[ACCOUNT_HASH_LEN])
{
	return keyslot_hash(pw, strlen(pw), a->hist_salt, p, out);
}

int
passwd_history_check(const struct account *a, unsigned keep,
    const uint8_t hash[ACCOUNT_HASH_LEN], char *why, size_t whylen)
{
	char rule[96];
	unsigned i;

	for (i = 0; i < a->nhist && i < keep; i++) {
		if (cry_ct_equal(a->hist[i], hash, ACCOUNT_HASH_LEN)) {
			snprintf(rule, sizeof(rule), "it is one of the last %u "
			    "passwords of this account", keep);
			return refuse(why, whylen, rule);
		}
	}
	return 0;
}

void
passwd_history_push(struct account *a, unsigned keep,
    const uint8_t hash[ACCOUNT_HASH_LEN])
{
	unsigned n;

	if (keep < 1)
		keep = 1;
	if (keep > ACCOUNT_HISTORY_MAX)
		keep = ACCOUNT_HISTORY_MAX;
	n = a->nhist < keep ? a->nhist : keep - 1;
	memmove(a->hist[1], a->hist[0], (size_t)n * ACCOUNT_HASH_LEN);
	memcpy(a->hist[0], hash, ACCOUNT_HASH_LEN);
	a->nhist = (uint8_t)(n + 1);
	/* Wipe what fell off. */
	for (n = a->nhist; n < ACCOUNT_HISTORY_MAX; n++)
		memset(a->hist[n], 0, ACCOUNT_HASH_LEN);
}
