/*
 * The air-gap guard (R1): proves through rtnetlink that no non-loopback
 * link is up and no non-loopback address exists, and watches the kernel's
 * link and address events (not polling). Radios are read from rfkill.
 *
 * Violations: a non-loopback link that is administratively up; any address
 * outside 127.0.0.0/8 and ::1 (on any link, lo included); an rfkill radio
 * that is neither soft- nor hard-blocked; a Bluetooth controller (HCI)
 * with no rfkill switch at all; an overrun of the event socket
 * (events were lost, so the state is unknown until a fresh scan).
 * A non-loopback link that exists but is down is allowed and shown.
 */
#ifndef MATKIOSK_NETGUARD_H
#define MATKIOSK_NETGUARD_H

#include <stddef.h>
#include <stdint.h>

#define NETSTATE_IFS_MAX	64
#define NETSTATE_ADDRS_MAX	128
#define NETSTATE_RADIOS_MAX	16

struct netif {
	int		index;
	char		name[32];
	unsigned	flags;		/* IFF_* */
	int		loopback;
	int		wireless;
};

struct netaddr {
	int		index;
	int		family;		/* AF_INET, AF_INET6 */
	char		text[64];	/* "192.0.2.1/24 on eth0" */
	int		loopback;
};

struct radio {
	char	name[32];
	char	type[16];	/* wlan, bluetooth, wwan, ... */
	int	soft, hard;	/* 1 = blocked */
};

struct netstate {
	size_t		nifs;
	struct netif	ifs[NETSTATE_IFS_MAX];
	size_t		naddrs;
	struct netaddr	addrs[NETSTATE_ADDRS_MAX];
	size_t		nradios;
	struct radio	radios[NETSTATE_RADIOS_MAX];
	int		violation;
	char		reason[256];
};

struct netguard;

/* Opens the event socket (link and address groups). sysfs is where the
 * radios are read (normally "/sys"). */
int netguard_open(const char *sysfs, struct netguard **out);
void netguard_free(struct netguard *ng);
/* The event socket, for the daemon's poll loop. */
int netguard_fd(const struct netguard *ng);
/* A full scan (dump of links, addresses, radios), evaluated. */
int netguard_scan(struct netguard *ng, struct netstate *st);
/*
 * Drains pending events. *violation is set, with reason, when an event
 * itself shows a violation (a link coming up, an address added) or the
 * socket overran; *changed when anything happened that calls for a
 * rescan. Returns 0 or an error (the socket is broken: fail closed).
 */
int netguard_read(struct netguard *ng, int *violation, int *changed,
    char *reason, size_t reasonlen);
/* Evaluates st, setting st->violation and st->reason. */
void netstate_evaluate(struct netstate *st);
/* One line per interface, address and radio, for status and evidence. */
int netstate_format(const struct netstate *st, char *out, size_t outlen);

#endif /* MATKIOSK_NETGUARD_H */
