/*
 * One reply of the daemon (an ENTRY of a listing, or the closing OK) as
 * text the console can print: every text field escaped (mktext_escape),
 * every number field in decimal. Pure: unit-tested without a daemon.
 */
#ifndef MATKIOSK_UIREC_H
#define MATKIOSK_UIREC_H

#include <stddef.h>
#include <stdint.h>

struct mkmsg;

#define UIREC_FIELDS	24

struct uirec {
	size_t	 n;
	uint8_t	 tag[UIREC_FIELDS];
	char	*val[UIREC_FIELDS];	/* escaped, NUL-terminated */
};

/* A growing list of records. */
struct uilist {
	struct uirec	*v;
	size_t		 n, cap;
};

/* Fills r from m (the first UIREC_FIELDS fields). 0 or MK_ERR_ALLOC. */
int uirec_from_msg(const struct mkmsg *m, struct uirec *r);
/* The field's text, or "" if absent. */
const char *uirec_get(const struct uirec *r, uint8_t tag);
/* The number field's value; def if absent. */
uint64_t uirec_num(const struct uirec *r, uint8_t tag, uint64_t def);
int uirec_has(const struct uirec *r, uint8_t tag);
void uirec_clear(struct uirec *r);

/* Appends m as a record. */
int uilist_add(struct uilist *l, const struct mkmsg *m);
void uilist_clear(struct uilist *l);

#endif /* MATKIOSK_UIREC_H */
