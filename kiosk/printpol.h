/*
 * The print policy (docs/architecture.md, "Printing"), as pure functions
 * of the configuration: who may print each classification, whether a
 * supervisor's approval is needed, whether a document that cannot be
 * marked may go out unmarked; and which printers count as local.
 */
#ifndef MATKIOSK_PRINTPOL_H
#define MATKIOSK_PRINTPOL_H

#include <stddef.h>
#include <stdint.h>

#include "common/conf.h"

#define PRINTPOL_QUEUE_MAX	127
#define PRINTPOL_COPIES_MAX	100	/* as APPROVAL_COUNT_MAX */

struct printpol_class {
	uint32_t	roles;		/* ROLE_* that may print it */
	int		approval;	/* 1: a supervisor's approval needed */
	int		unmarked;	/* 1: an unmarkable format may print */
};

struct printpol {
	struct printpol_class	cls[4];	/* by DOCFMT_MAT .. DOCFMT_TUYET_MAT */
	int			allow_file_device;
};

/* From [print]; MK_ERR_CONFIG with why for an unknown role. */
int printpol_load(const struct mkconf *c, struct printpol *p, char *why,
    size_t whylen);
/*
 * 0 if someone holding roles may print a document of classification cls
 * (DOCFMT_*); *approval says whether a supervisor's approval is needed.
 * MK_ERR_DENIED with why otherwise.
 */
int printpol_may(const struct printpol *p, int cls, uint32_t roles,
    int *approval, char *why, size_t whylen);
/* 1 if name is a CUPS queue name we accept (letters, digits, '_', '-'). */
int printpol_queue_valid(const char *name);
/*
 * 1 if a queue with this device URI prints on a printer attached to this
 * machine: usb:, parallel:, or IPP over USB bridged on loopback
 * (ipp://localhost..., ipp://127.0.0.1..., ipp://[::1]...); file: only
 * when allow_file (tests). 0 otherwise, with why (the scheme or host).
 */
int printpol_uri_local(const char *uri, int allow_file, char *why,
    size_t whylen);

#endif /* MATKIOSK_PRINTPOL_H */
