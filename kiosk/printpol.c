#include <stdio.h>
#include <string.h>

#include "accounts.h"
#include "common/err.h"
#include "crypto/docfmt.h"
#include "printpol.h"

int
printpol_load(const struct mkconf *c, struct printpol *p, char *why,
    size_t whylen)
{
	static const char *names[3] = { "mat", "toi_mat", "tuyet_mat" };
	int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < 3; i++) {
		struct printpol_class *k = &p->cls[DOCFMT_MAT + i];

		if (accounts_roles_parse(c->print.roles[i], &k->roles) != 0) {
			snprintf(why, whylen, "[print] %s_roles: unknown role "
			    "in '%s'", names[i], c->print.roles[i]);
			return MK_ERR_CONFIG;
		}
		k->approval = strcmp(c->print.approval[i], "no") != 0;
		k->unmarked = strcmp(c->print.unmarked[i], "yes") == 0;
	}
	p->allow_file_device = strcmp(c->print.allow_file_device, "yes") == 0;
	return 0;
}

int
printpol_may(const struct printpol *p, int cls, uint32_t roles,
    int *approval, char *why, size_t whylen)
{
	char allowed[128];

	*approval = 1;
	if (cls < DOCFMT_MAT || cls > DOCFMT_TUYET_MAT) {
		snprintf(why, whylen, "unknown classification");
		return MK_ERR_DENIED;
	}
	if ((roles & p->cls[cls].roles) == 0) {
		if (accounts_roles_str(p->cls[cls].roles, allowed,
		    sizeof(allowed)) != 0)
			snprintf(allowed, sizeof(allowed), "?");
		snprintf(why, whylen, "the print policy lets only %s print "
		    "%s documents", allowed, docfmt_class_token(cls));
		return MK_ERR_DENIED;
	}
	*approval = p->cls[cls].approval;
	return 0;
}

int
printpol_queue_valid(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= PRINTPOL_QUEUE_MAX && strspn(name,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
	    == n;
}

/* 1 if host (the text after "//", up to ':' or '/') is the loopback. */
static int
loopback_host(const char *rest)
{
	static const char *hosts[] = { "localhost", "127.0.0.1", "[::1]" };
	size_t i, n;

	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		n = strlen(hosts[i]);
		if (strncmp(rest, hosts[i], n) == 0 &&
		    (rest[n] == ':' || rest[n] == '/' || rest[n] == '\0'))
			return 1;
	}
	return 0;
}

int
printpol_uri_local(const char *uri, int allow_file, char *why,
    size_t whylen)
{
	const char *colon = strchr(uri, ':');
	size_t n = colon != NULL ? (size_t)(colon - uri) : 0;

	if (n == 0 || n > 16) {
		snprintf(why, whylen, "device URI without a scheme");
		return 0;
	}
	if ((n == 3 && strncmp(uri, "usb", 3) == 0) ||
	    (n == 8 && strncmp(uri, "parallel", 8) == 0))
		return 1;
	if (n == 4 && strncmp(uri, "file", 4) == 0) {
		if (allow_file)
			return 1;
		snprintf(why, whylen, "a file: queue is not a printer "
		    "([print] allow_file_device is for tests)");
		return 0;
	}
	/* IPP over USB (ipp-usb) serves the printer on the loopback; a
	 * loopback URI naming a CUPS queue (/printers/, /classes/) could
	 * forward anywhere, so it does not count. */
	if (strstr(colon, "/printers/") == NULL &&
	    strstr(colon, "/classes/") == NULL &&
	    ((n == 3 && strncmp(uri, "ipp", 3) == 0) ||
	    (n == 4 && strncmp(uri, "ipps", 4) == 0)) &&
	    strncmp(colon, "://", 3) == 0 && loopback_host(colon + 3))
		return 1;
	snprintf(why, whylen, "the queue's device is a %.*s: connection, "
	    "not a printer attached to this machine (Article 13.2 forbids "
	    "printing secrets on networked equipment)", (int)n, uri);
	return 0;
}
