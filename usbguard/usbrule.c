#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/text.h"
#include "usbdev.h"
#include "usbfmt.h"
#include "usbrule.h"

/* Attributes, in the order a rule is rendered (that of USBGuard's
 * generate-policy). */
enum attr_id {
	A_ID, A_SERIAL, A_NAME, A_HASH, A_PARENT_HASH, A_VIA_PORT, A_IFACE,
	A_CONNECT, A_COUNT
};

/* What kind of value an attribute takes. */
enum kind { K_ID, K_STR, K_HASH, K_PORT, K_IFACE, K_CONNECT };

enum op { OP_EQUALS, OP_ALL_OF, OP_ONE_OF, OP_NONE_OF, OP_MATCH_ALL };

static const struct {
	const char	*name;
	enum kind	 kind;
} attrs[A_COUNT] = {
	[A_ID] = { "id", K_ID },
	[A_SERIAL] = { "serial", K_STR },
	[A_NAME] = { "name", K_STR },
	[A_HASH] = { "hash", K_HASH },
	[A_PARENT_HASH] = { "parent-hash", K_HASH },
	[A_VIA_PORT] = { "via-port", K_PORT },
	[A_IFACE] = { "with-interface", K_IFACE },
	[A_CONNECT] = { "with-connect-type", K_CONNECT },
};

static const char *const op_names[] = {
	[OP_EQUALS] = "equals",
	[OP_ALL_OF] = "all-of",
	[OP_ONE_OF] = "one-of",
	[OP_NONE_OF] = "none-of",
	[OP_MATCH_ALL] = "match-all",
};

/* The values sysfs port/connect_type can hold, and "" where there is no
 * port (root hubs): anything else is a typo that would never match. */
static const char *const connect_types[] = {
	"hotplug", "hardwired", "not used", "unknown", "",
};

/* value.mask: which parts of an id or interface type are given (not *). */
#define M_VENDOR	0x01
#define M_PRODUCT	0x02
#define M_CLASS		0x01
#define M_SUBCLASS	0x02
#define M_PROTOCOL	0x04

struct value {
	uint8_t		*s;		/* string values, malloc'd */
	size_t		 len;
	uint16_t	 vid, pid;
	uint8_t		 cls, subcls, proto;
	uint8_t		 mask;
};

struct attr {
	int		 present;
	enum op		 op;
	size_t		 n;
	struct value	*v;
};

struct rule {
	enum usbrule_target	 target;
	unsigned		 line;
	struct attr		 a[A_COUNT];
};

struct usbrules {
	struct rule	*r;
	size_t		 n;
	size_t		 cap;
};

enum tok_type { T_END, T_WORD, T_STRING, T_LBRACE, T_RBRACE };

struct token {
	enum tok_type	type;
	size_t		pos;		/* offset in the line */
	size_t		len;		/* bytes, quotes included */
};

struct lexer {
	const uint8_t		*p;	/* the line, without its newline */
	size_t			 n;
	size_t			 pos;
	unsigned		 lineno;
	struct usbrule_error	*err;
	struct token		 back;	/* one token of look-ahead */
	int			 have_back;
};

/*
 * Errors
 */

static unsigned
column(const struct lexer *lx, size_t pos)
{
	unsigned col = 1;
	size_t i;

	/* Characters, not bytes: UTF-8 continuation bytes do not count. */
	for (i = 0; i < pos && i < lx->n; i++) {
		if ((lx->p[i] & 0xc0) != 0x80)
			col++;
	}
	return col;
}

/* Fills the error for the toklen bytes at pos and returns code. */
static int
error_at(struct lexer *lx, int code, size_t pos, size_t toklen,
    const char *fmt, ...)
{
	struct usbrule_error *e = lx->err;
	va_list ap;
	int r;

	e->line = lx->lineno;
	e->column = column(lx, pos);
	if (toklen > USBRULE_TOKEN_SHOW)
		toklen = USBRULE_TOKEN_SHOW;
	if (pos > lx->n || toklen > lx->n - pos)
		toklen = 0;
	/* A cut token is still escaped: it is only shown. */
	(void)mktext_escape(lx->p + pos, toklen, e->token, sizeof(e->token));
	va_start(ap, fmt);
	r = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	if (r < 0)
		e->msg[0] = '\0';
	return code;
}

static int
error_tok(struct lexer *lx, const struct token *t, const char *fmt,
    const char *arg)
{
	return error_at(lx, MK_ERR_CONFIG, t->pos, t->len, fmt, arg);
}

/*
 * Lexer: words, "strings", braces; "#" ends the line.
 */

static int
is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static int
is_control(uint8_t c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static int
is_hex(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static unsigned
hex_val(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c - 'A' + 10;
}

/* Checks the string at t->pos and sets its length. Only USBGuard's own
 * escapes exist: \" \\ \xHH (its unescapeString refuses the rest). */
static int
lex_string(struct lexer *lx, struct token *t)
{
	const uint8_t *p = lx->p;
	size_t i = t->pos + 1;

	for (;;) {
		if (i >= lx->n)
			return error_at(lx, MK_ERR_CONFIG, t->pos,
			    lx->n - t->pos, "unterminated string");
		if (p[i] == '"')
			break;
		if (is_control(p[i]))
			return error_at(lx, MK_ERR_CONFIG, i, 1, "control "
			    "character 0x%02x in a string: write it as \\xHH",
			    p[i]);
		if (p[i] != '\\') {
			i++;
			continue;
		}
		if (i + 1 >= lx->n) {
			i++;		/* unterminated: said above */
		} else if (p[i + 1] == '"' || p[i + 1] == '\\') {
			i += 2;
		} else if (i + 3 < lx->n && p[i + 1] == 'x' &&
		    is_hex(p[i + 2]) && is_hex(p[i + 3])) {
			i += 4;
		} else {
			return error_at(lx, MK_ERR_CONFIG, i,
			    i + 4 <= lx->n ? 4 : lx->n - i, "unknown escape "
			    "sequence: only \\\", \\\\ and \\xHH are allowed");
		}
	}
	t->type = T_STRING;
	t->len = i + 1 - t->pos;
	lx->pos = i + 1;
	return 0;
}

static int
lex_word(struct lexer *lx, struct token *t)
{
	const uint8_t *p = lx->p;
	size_t i = t->pos;

	while (i < lx->n && !is_blank(p[i]) && p[i] != '{' && p[i] != '}' &&
	    p[i] != '"' && p[i] != '#') {
		if (is_control(p[i]))
			return error_at(lx, MK_ERR_CONFIG, i, 1,
			    "control character 0x%02x", p[i]);
		i++;
	}
	t->type = T_WORD;
	t->len = i - t->pos;
	lx->pos = i;
	return 0;
}

static int
lex_next(struct lexer *lx, struct token *t)
{
	const uint8_t *p = lx->p;

	if (lx->have_back) {
		*t = lx->back;
		lx->have_back = 0;
		return 0;
	}
	while (lx->pos < lx->n && is_blank(p[lx->pos]))
		lx->pos++;
	t->pos = lx->pos;
	t->len = 0;
	if (lx->pos == lx->n || p[lx->pos] == '#') {
		t->type = T_END;
		return 0;
	}
	if (p[lx->pos] == '{' || p[lx->pos] == '}') {
		t->type = p[lx->pos] == '{' ? T_LBRACE : T_RBRACE;
		t->len = 1;
		lx->pos++;
		return 0;
	}
	if (p[lx->pos] == '"')
		return lex_string(lx, t);
	return lex_word(lx, t);
}

static void
lex_unget(struct lexer *lx, const struct token *t)
{
	lx->back = *t;
	lx->have_back = 1;
}

static int
tok_is(const struct lexer *lx, const struct token *t, const char *word)
{
	return t->type == T_WORD && t->len == strlen(word) &&
	    memcmp(lx->p + t->pos, word, t->len) == 0;
}

/*
 * Values
 */

/* "hhhh" (exactly four hex digits, either case) at p. */
static int
parse_hex4(const uint8_t *p, size_t n, uint16_t *v)
{
	size_t i;

	if (n != 4)
		return 0;
	*v = 0;
	for (i = 0; i < 4; i++) {
		if (!is_hex(p[i]))
			return 0;
		*v = (uint16_t)(*v << 4 | hex_val(p[i]));
	}
	return 1;
}

static int
parse_id(struct lexer *lx, const struct token *t, struct value *v)
{
	const uint8_t *w = lx->p + t->pos, *colon;
	size_t vn, pn;

	if (t->type != T_WORD ||
	    (colon = memchr(w, ':', t->len)) == NULL)
		goto bad;
	vn = (size_t)(colon - w);
	pn = t->len - vn - 1;
	if (vn == 1 && w[0] == '*') {
		if (pn == 1 && colon[1] == '*')
			return 0;
		return error_tok(lx, t, "%s", "with vendor \"*\" the product "
		    "must be \"*\" too");
	}
	if (!parse_hex4(w, vn, &v->vid))
		goto bad;
	v->mask = M_VENDOR;
	if (pn == 1 && colon[1] == '*')
		return 0;
	if (!parse_hex4(colon + 1, pn, &v->pid))
		goto bad;
	v->mask |= M_PRODUCT;
	return 0;
 bad:
	return error_tok(lx, t, "%s", "expected a device id VVVV:PPPP "
	    "(four hex digits each, or * for any)");
}

/* One "hh" or "*" part of an interface type; 1 if hex, 0 if "*". */
static int
iface_part(const uint8_t *p, size_t n, uint8_t *v, int *ok)
{
	if (n == 1 && p[0] == '*')
		return 0;
	if (n != 2 || !is_hex(p[0]) || !is_hex(p[1])) {
		*ok = 0;
		return 0;
	}
	*v = (uint8_t)(hex_val(p[0]) << 4 | hex_val(p[1]));
	return 1;
}

static int
parse_iface(struct lexer *lx, const struct token *t, struct value *v)
{
	const uint8_t *w = lx->p + t->pos, *c1, *c2, *end;
	int ok = 1;

	end = w + t->len;
	if (t->type != T_WORD || (c1 = memchr(w, ':', t->len)) == NULL ||
	    (c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1))) == NULL)
		goto bad;
	if (iface_part(w, (size_t)(c1 - w), &v->cls, &ok))
		v->mask |= M_CLASS;
	if (iface_part(c1 + 1, (size_t)(c2 - c1 - 1), &v->subcls, &ok))
		v->mask |= M_SUBCLASS;
	if (iface_part(c2 + 1, (size_t)(end - c2 - 1), &v->proto, &ok))
		v->mask |= M_PROTOCOL;
	if (!ok)
		goto bad;
	/* USBGuard allows cc:ss:pp, cc:ss:* and cc:*:* only. */
	if (!(v->mask & M_CLASS))
		return error_tok(lx, t, "%s", "the interface class must be "
		    "given (two hex digits)");
	if ((v->mask & M_PROTOCOL) && !(v->mask & M_SUBCLASS))
		return error_tok(lx, t, "%s", "a protocol needs a subclass: "
		    "write cc:ss:pp, cc:ss:* or cc:*:*");
	return 0;
 bad:
	return error_tok(lx, t, "%s", "expected an interface type cc:ss:pp "
	    "(two hex digits each, * for any subclass or protocol)");
}

/* The bytes of a checked string token, unescaped, into a new buffer. */
static int
decode_string(const struct lexer *lx, const struct token *t,
    struct value *v)
{
	const uint8_t *p = lx->p + t->pos + 1;
	size_t n = t->len - 2, i, o = 0;

	if ((v->s = malloc(n + 1)) == NULL)
		return MK_ERR_ALLOC;
	for (i = 0; i < n; o++) {
		if (p[i] != '\\') {
			v->s[o] = p[i++];
		} else if (p[i + 1] == 'x') {
			v->s[o] = (uint8_t)(hex_val(p[i + 2]) << 4 |
			    hex_val(p[i + 3]));
			i += 4;
		} else {
			v->s[o] = p[i + 1];
			i += 2;
		}
	}
	v->len = o;
	return 0;
}

static int
known_connect_type(const struct value *v)
{
	size_t i;

	for (i = 0; i < sizeof(connect_types) / sizeof(connect_types[0]);
	    i++) {
		if (v->len == strlen(connect_types[i]) &&
		    memcmp(v->s, connect_types[i], v->len) == 0)
			return 1;
	}
	return 0;
}

/* A value that can never match is a mistake: say so now rather than let
 * the rule sit there silently. */
static int
check_string(struct lexer *lx, const struct token *t, enum kind kind,
    const struct value *v)
{
	switch (kind) {
	case K_HASH:
		if (!usbdev_is_hash((const char *)v->s, v->len))
			return error_tok(lx, t, "%s", "not a device hash (44 "
			    "base64 characters, as usbguard generate-policy "
			    "prints)");
		return 0;
	case K_PORT:
		if (v->len > USBDEV_PORT_MAX)
			return error_tok(lx, t, "%s", "longer than any port "
			    "name");
		return 0;
	case K_CONNECT:
		if (!known_connect_type(v))
			return error_tok(lx, t, "%s", "unknown connect type "
			    "(hotplug, hardwired, not used, unknown or \"\")");
		return 0;
	default:
		if (v->len > USBDEV_STR_MAX)
			return error_tok(lx, t, "%s", "longer than any device "
			    "string (384 bytes)");
		return 0;
	}
}

static int
parse_value(struct lexer *lx, const struct token *t, enum kind kind,
    struct value *v)
{
	int r;

	memset(v, 0, sizeof(*v));
	if (t->type == T_END)
		return error_tok(lx, t, "%s", "a value is missing before the "
		    "end of the line");
	if (kind == K_ID)
		return parse_id(lx, t, v);
	if (kind == K_IFACE)
		return parse_iface(lx, t, v);
	if (t->type != T_STRING)
		return error_tok(lx, t, "%s", "expected a quoted string");
	if ((r = decode_string(lx, t, v)) != 0)
		return r;
	return check_string(lx, t, kind, v);
}

/*
 * Rules
 */

static int
add_value(struct attr *a, size_t *cap, struct value **slot)
{
	struct value *nv;
	size_t ncap;

	if (a->n == *cap) {
		ncap = *cap == 0 ? 4 : *cap * 2;
		if ((nv = realloc(a->v, ncap * sizeof(*nv))) == NULL)
			return MK_ERR_ALLOC;
		a->v = nv;
		*cap = ncap;
	}
	*slot = &a->v[a->n];
	memset(*slot, 0, sizeof(**slot));
	return 0;
}

static int
parse_set(struct lexer *lx, enum kind kind, struct attr *a)
{
	struct token t;
	struct value *v;
	size_t cap = 0;
	int r;

	for (;;) {
		if ((r = lex_next(lx, &t)) != 0)
			return r;
		if (t.type == T_RBRACE)
			break;
		if (t.type == T_END)
			return error_tok(lx, &t, "%s", "missing \"}\" before "
			    "the end of the line");
		if (t.type == T_LBRACE)
			return error_tok(lx, &t, "%s", "sets do not nest");
		if (a->n >= USBRULE_SET_MAX)
			return error_at(lx, MK_ERR_TOO_LARGE, t.pos, t.len,
			    "more than %d values in one set", USBRULE_SET_MAX);
		if ((r = add_value(a, &cap, &v)) != 0)
			return r;
		/* Counted first so that the rules' free sees the value. */
		a->n++;
		if ((r = parse_value(lx, &t, kind, v)) != 0)
			return r;
	}
	if (a->n == 0)
		return error_tok(lx, &t, "%s", "empty set");
	return 0;
}

static int
find_op(const struct lexer *lx, const struct token *t, enum op *op)
{
	size_t i;

	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++) {
		if (tok_is(lx, t, op_names[i])) {
			*op = (enum op)i;
			return 1;
		}
	}
	return 0;
}

/* After the attribute's name: one value, or [operator] { values }. */
static int
parse_attr_value(struct lexer *lx, enum attr_id k, struct attr *a)
{
	struct token t;
	int r;

	a->present = 1;
	a->op = OP_EQUALS;
	if ((r = lex_next(lx, &t)) != 0)
		return r;
	if (tok_is(lx, &t, "equals-ordered"))
		return error_tok(lx, &t, "%s", "the operator equals-ordered "
		    "is not supported (the order of interfaces is up to the "
		    "device): use equals");
	if (find_op(lx, &t, &a->op)) {
		if ((r = lex_next(lx, &t)) != 0)
			return r;
		if (t.type != T_LBRACE)
			return error_tok(lx, &t, "%s", "expected \"{\" after "
			    "the operator");
	}
	if (t.type == T_LBRACE)
		return parse_set(lx, attrs[k].kind, a);
	if ((a->v = calloc(1, sizeof(*a->v))) == NULL)
		return MK_ERR_ALLOC;
	a->n = 1;
	return parse_value(lx, &t, attrs[k].kind, &a->v[0]);
}

static int
unknown_attr(struct lexer *lx, const struct token *t)
{
	if (t->type != T_WORD)
		return error_tok(lx, t, "%s", "expected an attribute name");
	if (tok_is(lx, t, "if"))
		return error_tok(lx, t, "%s", "rule conditions (if ...) are "
		    "not supported");
	if (tok_is(lx, t, "label"))
		return error_tok(lx, t, "%s", "label is not supported: put "
		    "the note in a comment");
	return error_tok(lx, t, "%s", "unknown attribute");
}

static int
parse_attr(struct lexer *lx, const struct token *t, struct rule *ru)
{
	size_t k;

	for (k = 0; k < A_COUNT; k++) {
		if (tok_is(lx, t, attrs[k].name))
			break;
	}
	if (k == A_COUNT)
		return unknown_attr(lx, t);
	if (ru->a[k].present)
		return error_tok(lx, t, "attribute %s given twice",
		    attrs[k].name);
	return parse_attr_value(lx, (enum attr_id)k, &ru->a[k]);
}

static int
parse_target(struct lexer *lx, const struct token *t, struct rule *ru)
{
	if (tok_is(lx, t, "allow"))
		ru->target = USBRULE_ALLOW;
	else if (tok_is(lx, t, "block"))
		ru->target = USBRULE_BLOCK;
	else if (tok_is(lx, t, "reject"))
		ru->target = USBRULE_REJECT;
	else if (tok_is(lx, t, "match") || tok_is(lx, t, "device"))
		return error_tok(lx, t, "%s", "only the targets allow, block "
		    "and reject are supported");
	else
		return error_tok(lx, t, "%s", "a rule starts with allow, "
		    "block or reject");
	return 0;
}

/* USBGuard lets a device id follow the target without "id". */
static int
parse_bare_id(struct lexer *lx, struct rule *ru)
{
	struct token t;
	int r;

	if ((r = lex_next(lx, &t)) != 0)
		return r;
	if (t.type != T_WORD || t.len == 0 ||
	    memchr(lx->p + t.pos, ':', t.len) == NULL ||
	    !(is_hex(lx->p[t.pos]) || lx->p[t.pos] == '*')) {
		lex_unget(lx, &t);
		return 0;
	}
	if ((ru->a[A_ID].v = calloc(1, sizeof(struct value))) == NULL)
		return MK_ERR_ALLOC;
	ru->a[A_ID].present = 1;
	ru->a[A_ID].op = OP_EQUALS;
	ru->a[A_ID].n = 1;
	return parse_id(lx, &t, &ru->a[A_ID].v[0]);
}

static int
new_rule(struct usbrules *rs, struct lexer *lx, const struct token *t,
    struct rule **out)
{
	struct rule *nr;
	size_t ncap;

	if (rs->n >= USBRULES_MAX)
		return error_at(lx, MK_ERR_TOO_LARGE, t->pos, t->len,
		    "more than %d rules", USBRULES_MAX);
	if (rs->n == rs->cap) {
		ncap = rs->cap == 0 ? 16 : rs->cap * 2;
		if ((nr = realloc(rs->r, ncap * sizeof(*nr))) == NULL)
			return MK_ERR_ALLOC;
		rs->r = nr;
		rs->cap = ncap;
	}
	*out = &rs->r[rs->n++];
	memset(*out, 0, sizeof(**out));
	(*out)->line = lx->lineno;
	return 0;
}

static int
parse_line(struct usbrules *rs, const uint8_t *p, size_t n,
    unsigned lineno, struct usbrule_error *err)
{
	struct lexer lx;
	struct token t;
	struct rule *ru = NULL;
	int r;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	memset(&lx, 0, sizeof(lx));
	lx.p = p;
	lx.n = n;
	lx.lineno = lineno;
	lx.err = err;
	if (n > USBRULE_LINE_MAX)
		return error_at(&lx, MK_ERR_TOO_LARGE, USBRULE_LINE_MAX, 0,
		    "line longer than %d bytes", USBRULE_LINE_MAX);
	if ((r = lex_next(&lx, &t)) != 0 || t.type == T_END)
		return r;
	if ((r = new_rule(rs, &lx, &t, &ru)) != 0 ||
	    (r = parse_target(&lx, &t, ru)) != 0 ||
	    (r = parse_bare_id(&lx, ru)) != 0)
		return r;
	for (;;) {
		if ((r = lex_next(&lx, &t)) != 0)
			return r;
		if (t.type == T_END)
			return 0;
		if ((r = parse_attr(&lx, &t, ru)) != 0)
			return r;
	}
}

int
usbrules_parse(const void *text, size_t len, struct usbrules **out,
    struct usbrule_error *err)
{
	struct usbrule_error dummy;
	struct usbrules *rs = NULL;
	const uint8_t *p = text, *nl;
	size_t off = 0, n;
	unsigned lineno = 0;
	int r;

	*out = NULL;
	if (err == NULL)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	if (text == NULL && len > 0)
		return MK_ERR_ARGUMENT;
	if (len > USBRULES_FILE_MAX) {
		r = snprintf(err->msg, sizeof(err->msg), "larger than %d "
		    "bytes", USBRULES_FILE_MAX);
		if (r < 0 || (size_t)r >= sizeof(err->msg))
			err->msg[0] = '\0';
		return MK_ERR_TOO_LARGE;
	}
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return MK_ERR_ALLOC;
	while (off < len) {
		lineno++;
		nl = memchr(p + off, '\n', len - off);
		n = nl != NULL ? (size_t)(nl - (p + off)) : len - off;
		if ((r = parse_line(rs, p + off, n, lineno, err)) != 0)
			goto out;
		off += n + (nl != NULL);
	}
	*out = rs;
	rs = NULL;
	r = 0;
 out:
	usbrules_free(rs);
	return r;
}

void
usbrules_free(struct usbrules *rs)
{
	size_t i, k, j;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n; i++) {
		for (k = 0; k < A_COUNT; k++) {
			for (j = 0; j < rs->r[i].a[k].n; j++)
				free(rs->r[i].a[k].v[j].s);
			free(rs->r[i].a[k].v);
		}
	}
	free(rs->r);
	free(rs);
}

size_t
usbrules_count(const struct usbrules *rs)
{
	return rs == NULL ? 0 : rs->n;
}

enum usbrule_target
usbrules_target(const struct usbrules *rs, size_t i)
{
	return rs->r[i].target;
}

unsigned
usbrules_line(const struct usbrules *rs, size_t i)
{
	return rs->r[i].line;
}

/* The attribute names its device(s): present, with an operator other
 * than none-of, and every value passing ok(). */
static int
names(const struct attr *a, int (*ok)(const struct value *))
{
	size_t j;

	if (!a->present || a->op == OP_NONE_OF)
		return 0;
	for (j = 0; j < a->n; j++) {
		if (!ok(&a->v[j]))
			return 0;
	}
	return 1;
}

static int
any_value(const struct value *v)
{
	(void)v;
	return 1;
}

static int
full_id(const struct value *v)
{
	return v->mask == (M_VENDOR | M_PRODUCT);
}

static int
nonempty(const struct value *v)
{
	return v->len > 0;
}

int
usbrules_registers(const struct usbrules *rs, size_t i)
{
	const struct rule *ru = &rs->r[i];

	if (ru->target != USBRULE_ALLOW)
		return 0;
	return names(&ru->a[A_HASH], any_value) ||
	    (names(&ru->a[A_ID], full_id) &&
	    names(&ru->a[A_SERIAL], nonempty));
}

/*
 * Matching
 */

struct devview {
	const struct usbdev	*d;
	char			 hash[USBDEV_HASH_LEN];
	int			 hash_done;
	int			 err;
};

static const char *
dev_hash(struct devview *dv)
{
	int r;

	if (!dv->hash_done) {
		dv->hash_done = 1;
		r = usbdev_hash(dv->d, dv->hash);
		/* Not parsed: no hash, which no rule value equals. */
		if (r != 0 && r != MK_ERR_ARGUMENT)
			dv->err = r;
	}
	return dv->hash;
}

static int
bytes_eq(const struct value *v, const void *p, size_t n)
{
	return v->len == n && (n == 0 || memcmp(v->s, p, n) == 0);
}

static int
iface_applies(const struct value *v, const struct usbdev_iface *it)
{
	return (!(v->mask & M_CLASS) || v->cls == it->cls) &&
	    (!(v->mask & M_SUBCLASS) || v->subcls == it->subcls) &&
	    (!(v->mask & M_PROTOCOL) || v->proto == it->proto);
}

/* Rule value v against the device's j-th value of attribute k (every
 * attribute but with-interface has exactly one). */
static int
value_applies(enum attr_id k, const struct value *v, struct devview *dv,
    size_t j)
{
	const uint8_t *p;
	const char *s;
	size_t n;

	switch (k) {
	case A_ID:
		return (!(v->mask & M_VENDOR) ||
		    v->vid == usbdev_vendor(dv->d)) &&
		    (!(v->mask & M_PRODUCT) ||
		    v->pid == usbdev_product(dv->d));
	case A_SERIAL:
		p = usbdev_serial(dv->d, &n);
		return bytes_eq(v, p, n);
	case A_NAME:
		p = usbdev_name(dv->d, &n);
		return bytes_eq(v, p, n);
	case A_CONNECT:
		p = usbdev_connect_type(dv->d, &n);
		return bytes_eq(v, p, n);
	case A_HASH:
		s = dev_hash(dv);
		return bytes_eq(v, s, strlen(s));
	case A_PARENT_HASH:
		s = usbdev_parent_hash(dv->d);
		return bytes_eq(v, s, strlen(s));
	case A_VIA_PORT:
		s = usbdev_port(dv->d);
		return bytes_eq(v, s, strlen(s));
	case A_IFACE:
		return iface_applies(v, usbdev_iface(dv->d, j));
	default:
		return 0;
	}
}

/* Some device value is matched by rule value i. */
static int
rule_value_found(enum attr_id k, const struct attr *a, size_t i,
    struct devview *dv, size_t nd)
{
	size_t j;

	for (j = 0; j < nd; j++) {
		if (value_applies(k, &a->v[i], dv, j))
			return 1;
	}
	return 0;
}

/* Device value j is matched by some rule value. */
static int
dev_value_covered(enum attr_id k, const struct attr *a, size_t j,
    struct devview *dv)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (value_applies(k, &a->v[i], dv, j))
			return 1;
	}
	return 0;
}

static int
all_found(enum attr_id k, const struct attr *a, struct devview *dv,
    size_t nd)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (!rule_value_found(k, a, i, dv, nd))
			return 0;
	}
	return 1;
}

static int
all_covered(enum attr_id k, const struct attr *a, struct devview *dv,
    size_t nd)
{
	size_t j;

	for (j = 0; j < nd; j++) {
		if (!dev_value_covered(k, a, j, dv))
			return 0;
	}
	return 1;
}

static int
any_found(enum attr_id k, const struct attr *a, struct devview *dv,
    size_t nd)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (rule_value_found(k, a, i, dv, nd))
			return 1;
	}
	return 0;
}

static int
attr_applies(enum attr_id k, const struct attr *a, struct devview *dv)
{
	size_t nd = k == A_IFACE ? usbdev_niface(dv->d) : 1;

	switch (a->op) {
	case OP_ONE_OF:
		return any_found(k, a, dv, nd);
	case OP_NONE_OF:
		return !any_found(k, a, dv, nd);
	case OP_ALL_OF:
		return all_found(k, a, dv, nd);
	case OP_MATCH_ALL:
		return all_covered(k, a, dv, nd);
	case OP_EQUALS:
	default:
		/* USBGuard checks the count and that each rule value is
		 * found; we also check that each device value is covered,
		 * so "equals { 08:*:* 08:*:* }" cannot let a keyboard
		 * interface ride along with a storage one. */
		return a->n == nd && all_found(k, a, dv, nd) &&
		    all_covered(k, a, dv, nd);
	}
}

static int
rule_applies(const struct rule *ru, struct devview *dv)
{
	size_t k;

	for (k = 0; k < A_COUNT; k++) {
		if (ru->a[k].present &&
		    !attr_applies((enum attr_id)k, &ru->a[k], dv))
			return 0;
	}
	return 1;
}

int
usbrules_match(const struct usbrules *rs, const struct usbdev *d,
    enum usbrule_target *target, int *index)
{
	struct devview dv;
	size_t i;

	*target = USBRULE_BLOCK;
	*index = -1;
	memset(&dv, 0, sizeof(dv));
	dv.d = d;
	for (i = 0; i < usbrules_count(rs); i++) {
		if (rule_applies(&rs->r[i], &dv) && dv.err == 0) {
			*target = rs->r[i].target;
			*index = (int)i;
			return 0;
		}
		if (dv.err != 0)
			return dv.err;
	}
	return 0;
}

/*
 * Rendering
 */

const char *
usbrule_target_name(enum usbrule_target t)
{
	switch (t) {
	case USBRULE_ALLOW:
		return "allow";
	case USBRULE_REJECT:
		return "reject";
	case USBRULE_BLOCK:
	default:
		return "block";
	}
}

static void
render_iface(struct usbfmt *f, uint8_t mask, uint8_t cls, uint8_t subcls,
    uint8_t proto)
{
	usbfmt_printf(f, "%02x:", cls);
	if (!(mask & M_SUBCLASS))
		usbfmt_put(f, "*:*");
	else if (!(mask & M_PROTOCOL))
		usbfmt_printf(f, "%02x:*", subcls);
	else
		usbfmt_printf(f, "%02x:%02x", subcls, proto);
}

static void
render_value(struct usbfmt *f, enum kind kind, const struct value *v)
{
	switch (kind) {
	case K_ID:
		if (!(v->mask & M_VENDOR))
			usbfmt_put(f, "*:*");
		else if (!(v->mask & M_PRODUCT))
			usbfmt_printf(f, "%04x:*", v->vid);
		else
			usbfmt_printf(f, "%04x:%04x", v->vid, v->pid);
		break;
	case K_IFACE:
		render_iface(f, v->mask, v->cls, v->subcls, v->proto);
		break;
	default:
		usbfmt_put_rule_string(f, v->s, v->len);
		break;
	}
}

/* As USBGuard writes an attribute: the set form only when needed. */
static void
render_attr(struct usbfmt *f, enum attr_id k, const struct attr *a)
{
	size_t j;

	usbfmt_printf(f, " %s ", attrs[k].name);
	if (a->op == OP_EQUALS && a->n == 1) {
		render_value(f, attrs[k].kind, &a->v[0]);
		return;
	}
	if (a->op != OP_EQUALS)
		usbfmt_printf(f, "%s ", op_names[a->op]);
	usbfmt_put(f, "{");
	for (j = 0; j < a->n; j++) {
		usbfmt_put(f, " ");
		render_value(f, attrs[k].kind, &a->v[j]);
	}
	usbfmt_put(f, " }");
}

int
usbrules_render(const struct usbrules *rs, size_t i, char *out,
    size_t outlen)
{
	const struct rule *ru = &rs->r[i];
	struct usbfmt f;
	size_t k;

	usbfmt_init(&f, out, outlen);
	usbfmt_put(&f, usbrule_target_name(ru->target));
	for (k = 0; k < A_COUNT; k++) {
		if (ru->a[k].present)
			render_attr(&f, (enum attr_id)k, &ru->a[k]);
	}
	return usbfmt_done(&f);
}

int
usbrule_render_device(const struct usbdev *d, enum usbrule_target t,
    char *out, size_t outlen)
{
	const struct usbdev_iface *it;
	char hash[USBDEV_HASH_LEN];
	struct usbfmt f;
	const uint8_t *p;
	size_t n, i;
	int r;

	usbfmt_init(&f, out, outlen);
	if ((r = usbdev_hash(d, hash)) != 0)
		return r;
	usbfmt_printf(&f, "%s id %04x:%04x serial ", usbrule_target_name(t),
	    usbdev_vendor(d), usbdev_product(d));
	p = usbdev_serial(d, &n);
	usbfmt_put_rule_string(&f, p, n);
	usbfmt_put(&f, " name ");
	p = usbdev_name(d, &n);
	usbfmt_put_rule_string(&f, p, n);
	usbfmt_printf(&f, " hash \"%s\"", hash);
	/* The canonical form, as usbrules_render would write it back. */
	n = usbdev_niface(d);
	if (n > 0)
		usbfmt_put(&f, n == 1 ? " with-interface" :
		    " with-interface {");
	for (i = 0; (it = usbdev_iface(d, i)) != NULL; i++) {
		usbfmt_put(&f, " ");
		render_iface(&f, M_CLASS | M_SUBCLASS | M_PROTOCOL, it->cls,
		    it->subcls, it->proto);
	}
	if (n > 1)
		usbfmt_put(&f, " }");
	return usbfmt_done(&f);
}

int
usbrule_error_format(const struct usbrule_error *e, char *out,
    size_t outlen)
{
	int r;

	if (outlen == 0)
		return MK_ERR_ARGUMENT;
	if (e->line == 0)
		r = snprintf(out, outlen, "rules file: %s", e->msg);
	else if (e->token[0] != '\0')
		r = snprintf(out, outlen, "line %u, column %u (at %s): %s",
		    e->line, e->column, e->token, e->msg);
	else
		r = snprintf(out, outlen, "line %u, column %u: %s", e->line,
		    e->column, e->msg);
	if (r < 0 || (size_t)r >= outlen)
		return MK_ERR_TOO_LARGE;
	return 0;
}
