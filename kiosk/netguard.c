#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fsutil.h"
#include "netguard.h"

#define NL_BUF		65536
/* A large receive buffer makes an overrun unlikely; one is still handled
 * (as a violation until a scan proves the machine clean). */
#define NL_RCVBUF	(4 << 20)

struct netguard {
	int		evfd;
	char		sysfs[256];
	/* Scans run on the main thread and on a supervisor's session thread
	 * (clearing a lockdown): each takes its own sequence number. */
	atomic_uint	seq;
};

static int
nl_socket(unsigned groups, int *out)
{
	struct sockaddr_nl sa;
	int fd, sz = NL_RCVBUF;

	*out = -1;
	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    NETLINK_ROUTE)) < 0)
		return mkerr_from_errno(errno);
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = groups;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return mkerr_from_errno(errno);
	}
	*out = fd;
	return 0;
}

int
netguard_open(const char *sysfs, struct netguard **out)
{
	struct netguard *ng;
	int r;

	*out = NULL;
	if ((ng = calloc(1, sizeof(*ng))) == NULL)
		return MK_ERR_ALLOC;
	snprintf(ng->sysfs, sizeof(ng->sysfs), "%s", sysfs);
	if ((r = nl_socket(RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
	    RTMGRP_IPV6_IFADDR, &ng->evfd)) != 0) {
		free(ng);
		return r;
	}
	*out = ng;
	return 0;
}

void
netguard_free(struct netguard *ng)
{
	if (ng == NULL)
		return;
	close(ng->evfd);
	free(ng);
}

int
netguard_fd(const struct netguard *ng)
{
	return ng->evfd;
}

static int
addr_is_loopback(int family, const uint8_t *a)
{
	static const uint8_t v6lo[16] = { [15] = 1 };

	if (family == AF_INET)
		return a[0] == 127;
	if (family == AF_INET6)
		return memcmp(a, v6lo, 16) == 0;
	return 0;
}

static void
link_from_msg(const struct nlmsghdr *nh, struct netif *ifc)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	const struct rtattr *rta;
	int len = (int)IFLA_PAYLOAD(nh);

	memset(ifc, 0, sizeof(*ifc));
	ifc->index = ifi->ifi_index;
	ifc->flags = ifi->ifi_flags;
	ifc->loopback = (ifi->ifi_flags & IFF_LOOPBACK) != 0;
	snprintf(ifc->name, sizeof(ifc->name), "if%d", ifi->ifi_index);
	for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == IFLA_IFNAME && RTA_PAYLOAD(rta) > 0)
			snprintf(ifc->name, sizeof(ifc->name), "%.*s",
			    (int)strnlen(RTA_DATA(rta), RTA_PAYLOAD(rta)),
			    (const char *)RTA_DATA(rta));
	if (ifc->name[0] == '.' || strchr(ifc->name, '/') != NULL)
		snprintf(ifc->name, sizeof(ifc->name), "if%d", ifc->index);
}

/* Fills a from an address message; 0 if it carried no address. */
static int
addr_from_msg(const struct nlmsghdr *nh, struct netaddr *a)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	const struct rtattr *rta;
	const uint8_t *bytes = NULL;
	char ip[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];
	int len = (int)IFA_PAYLOAD(nh);
	size_t want = ifa->ifa_family == AF_INET ? 4 : 16;

	memset(a, 0, sizeof(*a));
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if ((rta->rta_type == IFA_LOCAL ||
		    (rta->rta_type == IFA_ADDRESS && bytes == NULL)) &&
		    RTA_PAYLOAD(rta) == want)
			bytes = RTA_DATA(rta);
	if (bytes == NULL)
		return 0;
	a->index = (int)ifa->ifa_index;
	a->family = ifa->ifa_family;
	a->loopback = addr_is_loopback(a->family, bytes);
	inet_ntop(a->family, bytes, ip, sizeof(ip));
	if (if_indextoname((unsigned)a->index, ifname) == NULL)
		snprintf(ifname, sizeof(ifname), "if%d", a->index);
	if (snprintf(a->text, sizeof(a->text), "%s/%u on %s", ip,
	    ifa->ifa_prefixlen, ifname) < 0)
		a->text[0] = '\0';
	return 1;
}

static int
dump_request(int fd, uint16_t type, uint32_t seq)
{
	struct {
		struct nlmsghdr	nh;
		struct rtgenmsg	g;
	} req;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = seq;
	req.g.rtgen_family = AF_UNSPEC;
	return send(fd, &req, sizeof(req), 0) == (ssize_t)sizeof(req) ? 0 :
	    mkerr_from_errno(errno);
}

static void
take_msg(struct netstate *st, const struct nlmsghdr *nh)
{
	if (nh->nlmsg_type == RTM_NEWLINK &&
	    nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)) &&
	    st->nifs < NETSTATE_IFS_MAX)
		link_from_msg(nh, &st->ifs[st->nifs++]);
	else if (nh->nlmsg_type == RTM_NEWADDR &&
	    nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifaddrmsg)) &&
	    st->naddrs < NETSTATE_ADDRS_MAX &&
	    addr_from_msg(nh, &st->addrs[st->naddrs]))
		st->naddrs++;
}

/* Reads one dump to its end. A dump that overflows our tables is itself a
 * violation: we could not see everything. */
static int
dump_read(int fd, uint32_t seq, struct netstate *st)
{
	static __thread uint8_t buf[NL_BUF];
	struct nlmsghdr *nh;
	ssize_t n;
	int len;

	for (;;) {
		if ((n = recv(fd, buf, sizeof(buf), 0)) < 0) {
			if (errno == EINTR)
				continue;
			return mkerr_from_errno(errno);
		}
		if (n == 0)
			return MK_ERR_TRUNCATED;
		len = (int)n;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (unsigned)len);
		    nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type == NLMSG_ERROR)
				return MK_ERR_SYSTEM;
			take_msg(st, nh);
		}
	}
}

static int
dump(struct netguard *ng, uint16_t type, struct netstate *st)
{
	struct timeval tv = { .tv_sec = 2 };
	uint32_t seq = atomic_fetch_add(&ng->seq, 1) + 1;
	int fd, r;

	/* A blocking socket of its own: the event socket stays untouched.
	 * The kernel answers a dump at once; a guard that waits longer is
	 * broken, and a scan error fails closed. */
	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_ROUTE)) < 0)
		return mkerr_from_errno(errno);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if ((r = dump_request(fd, type, seq)) == 0)
		r = dump_read(fd, seq, st);
	close(fd);
	return r;
}

static int
read_int_file(const char *path, int *v)
{
	char buf[32];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	*v = atoi(buf);
	return 0;
}

static void
read_str_file(const char *path, char *out, size_t outlen)
{
	ssize_t n;
	int fd;

	out[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, out, outlen - 1);
	close(fd);
	out[n > 0 ? n : 0] = '\0';
	out[strcspn(out, "\n")] = '\0';
}

static void
scan_radios(struct netguard *ng, struct netstate *st)
{
	char dir[300], path[600];
	struct dirent *de;
	struct radio *rd;
	DIR *d;

	if (mkfs_path(dir, sizeof(dir), "%s/class/rfkill", ng->sysfs) != 0 ||
	    (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && st->nradios < NETSTATE_RADIOS_MAX) {
		if (strncmp(de->d_name, "rfkill", 6) != 0)
			continue;
		rd = &st->radios[st->nradios++];
		snprintf(rd->name, sizeof(rd->name), "%.31s", de->d_name);
		/* Unreadable state counts as unblocked: fail closed. */
		rd->soft = rd->hard = 0;
		if (mkfs_path(path, sizeof(path), "%s/%s/type", dir,
		    de->d_name) == 0)
			read_str_file(path, rd->type, sizeof(rd->type));
		if (mkfs_path(path, sizeof(path), "%s/%s/soft", dir,
		    de->d_name) == 0)
			read_int_file(path, &rd->soft);
		if (mkfs_path(path, sizeof(path), "%s/%s/hard", dir,
		    de->d_name) == 0)
			read_int_file(path, &rd->hard);
	}
	closedir(d);
}

/* 1 if the directory holds an entry starting with prefix. */
static int
has_entry(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d;
	int found = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL)
		found = strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return found;
}

/* Bluetooth controllers (HCI). One with an rfkill switch is already among
 * the rfkill radios; one without can never be blocked, so it is listed as
 * an unblocked radio: a violation. */
static void
scan_hci(struct netguard *ng, struct netstate *st)
{
	char dir[300], sub[600];
	struct dirent *de;
	struct radio *rd;
	DIR *d;

	if (mkfs_path(dir, sizeof(dir), "%s/class/bluetooth", ng->sysfs) != 0 ||
	    (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && st->nradios < NETSTATE_RADIOS_MAX) {
		if (strncmp(de->d_name, "hci", 3) != 0 ||
		    mkfs_path(sub, sizeof(sub), "%s/%s", dir, de->d_name) != 0 ||
		    has_entry(sub, "rfkill"))
			continue;
		rd = &st->radios[st->nradios++];
		snprintf(rd->name, sizeof(rd->name), "%.31s", de->d_name);
		snprintf(rd->type, sizeof(rd->type), "bluetooth-hci");
		rd->soft = rd->hard = 0;
	}
	closedir(d);
}

static void
mark_wireless(struct netguard *ng, struct netstate *st)
{
	char path[400];
	struct stat sb;
	size_t i;

	for (i = 0; i < st->nifs; i++)
		if (mkfs_path(path, sizeof(path), "%s/class/net/%s/wireless",
		    ng->sysfs, st->ifs[i].name) == 0)
			st->ifs[i].wireless = stat(path, &sb) == 0;
}

void
netstate_evaluate(struct netstate *st)
{
	size_t i;

	st->violation = 0;
	st->reason[0] = '\0';
	for (i = 0; i < st->nifs && !st->violation; i++)
		if (!st->ifs[i].loopback && (st->ifs[i].flags & IFF_UP)) {
			st->violation = 1;
			snprintf(st->reason, sizeof(st->reason),
			    "network link %s is up", st->ifs[i].name);
		}
	for (i = 0; i < st->naddrs && !st->violation; i++)
		if (!st->addrs[i].loopback) {
			st->violation = 1;
			snprintf(st->reason, sizeof(st->reason),
			    "network address %s", st->addrs[i].text);
		}
	for (i = 0; i < st->nradios && !st->violation; i++)
		if (!st->radios[i].soft && !st->radios[i].hard) {
			st->violation = 1;
			snprintf(st->reason, sizeof(st->reason),
			    "radio %s (%s) is not blocked", st->radios[i].name,
			    st->radios[i].type);
		}
}

int
netguard_scan(struct netguard *ng, struct netstate *st)
{
	int r;

	memset(st, 0, sizeof(*st));
	if ((r = dump(ng, RTM_GETLINK, st)) != 0 ||
	    (r = dump(ng, RTM_GETADDR, st)) != 0)
		return r;
	mark_wireless(ng, st);
	scan_radios(ng, st);
	scan_hci(ng, st);
	netstate_evaluate(st);
	if (!st->violation && (st->nifs == NETSTATE_IFS_MAX ||
	    st->naddrs == NETSTATE_ADDRS_MAX)) {
		st->violation = 1;
		snprintf(st->reason, sizeof(st->reason),
		    "too many links or addresses to account for");
	}
	return 0;
}

/* The fast path: does this one event show a violation by itself? */
static int
event_violation(const struct nlmsghdr *nh, char *reason, size_t reasonlen)
{
	struct netif ifc;
	struct netaddr a;

	if (nh->nlmsg_type == RTM_NEWLINK &&
	    nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg))) {
		link_from_msg(nh, &ifc);
		if (!ifc.loopback && (ifc.flags & IFF_UP)) {
			snprintf(reason, reasonlen, "network link %s is up",
			    ifc.name);
			return 1;
		}
	} else if (nh->nlmsg_type == RTM_NEWADDR &&
	    nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifaddrmsg)) &&
	    addr_from_msg(nh, &a) && !a.loopback) {
		snprintf(reason, reasonlen, "network address %s", a.text);
		return 1;
	}
	return 0;
}

int
netguard_read(struct netguard *ng, int *violation, int *changed,
    char *reason, size_t reasonlen)
{
	static __thread uint8_t buf[NL_BUF];
	struct nlmsghdr *nh;
	ssize_t n;
	int len;

	*violation = *changed = 0;
	for (;;) {
		if ((n = recv(ng->evfd, buf, sizeof(buf), 0)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			if (errno == ENOBUFS) {
				*violation = *changed = 1;
				snprintf(reason, reasonlen, "network events were "
				    "lost (netlink overrun): state unknown");
				continue;
			}
			return mkerr_from_errno(errno);
		}
		len = (int)n;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (unsigned)len);
		    nh = NLMSG_NEXT(nh, len)) {
			*changed = 1;
			if (!*violation && event_violation(nh, reason,
			    reasonlen))
				*violation = 1;
		}
	}
}

int
netstate_format(const struct netstate *st, char *out, size_t outlen)
{
	size_t i, o = 0;
	int n;

	out[0] = '\0';
	for (i = 0; i < st->nifs; i++) {
		n = snprintf(out + o, outlen - o, "link %s%s%s %s\n",
		    st->ifs[i].name, st->ifs[i].loopback ? " (loopback)" : "",
		    st->ifs[i].wireless ? " (wireless)" : "",
		    st->ifs[i].flags & IFF_UP ? "UP" : "down");
		if (n < 0 || (size_t)n >= outlen - o)
			return MK_ERR_TOO_LARGE;
		o += (size_t)n;
	}
	for (i = 0; i < st->naddrs; i++) {
		n = snprintf(out + o, outlen - o, "address %s\n",
		    st->addrs[i].text);
		if (n < 0 || (size_t)n >= outlen - o)
			return MK_ERR_TOO_LARGE;
		o += (size_t)n;
	}
	for (i = 0; i < st->nradios; i++) {
		n = snprintf(out + o, outlen - o, "radio %s %s %s\n",
		    st->radios[i].name, st->radios[i].type,
		    st->radios[i].soft || st->radios[i].hard ? "blocked" :
		    "UNBLOCKED");
		if (n < 0 || (size_t)n >= outlen - o)
			return MK_ERR_TOO_LARGE;
		o += (size_t)n;
	}
	return 0;
}
