/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lldp-listen -- the AF_PACKET side of LLDP: interface discovery with
 * if_nameindex() and SIOCGIFFLAGS, multicast membership, the frames this
 * host announces itself with, and the receive loop that keeps one table
 * entry per sender (chassis ID and port ID) and interface.
 */
#include "agent/lldp-listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/facts.h"
#include "agent/lldp.h"
#include "core/log.h"
#include "core/wire.h"

/* Larger than any LLDPDU a standard frame carries; longer frames are truncated and dropped. */
#define LLDP_FRAME_MAX 9216

/* How often carrier is checked again while waiting, in milliseconds. */
#define LLDP_POLL_MS 500

/*
 * An interface without carrier counts as unplugged only this long after the
 * listener opens. Link autonegotiation can take seconds after "ip link set
 * up", and the netboot environment starts the agent right after DHCP.
 */
#define LLDP_CARRIER_GRACE_MS 5000

/* msgTxInterval and msgTxHold of IEEE 802.1AB: a frame every 30 s, each valid for 4 of them. */
#define LLDP_TX_INTERVAL_MS 30000
#define LLDP_TX_TTL         120

struct lldp_iface {
	int ifindex;
	char name[IF_NAMESIZE];
	uint8_t mac[6];
};

struct lldp_listener {
	int fd;
	int ctl_fd; /* AF_INET datagram socket for SIOCGIFFLAGS */
	struct lldp_iface ifaces[LLDP_LISTEN_IFACES_MAX];
	size_t n_ifaces;
	struct facts_lldp table[FACTS_LLDP_MAX];
	size_t n_table;
	size_t n_dropped; /* neighbours that did not fit in the table */
	size_t n_bad;
	uint64_t opened_ms;                 /* CLOCK_MONOTONIC, see log_now_ms() */
	char system_name[LLDP_TEXT_STRLEN]; /* announced; "" for no announcements */
	char system_description[LLDP_TEXT_STRLEN];
	uint64_t next_announce_ms;
	size_t n_sent;
};

static int lldp_iface_flags(const struct lldp_listener *l, const char *name, short *ret_flags)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	(void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(l->ctl_fd, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	*ret_flags = ifr.ifr_flags;
	return 0;
}

/* True for an Ethernet interface; fills mac with its address. */
static bool lldp_iface_is_ethernet(const struct lldp_listener *l, const char *name, uint8_t mac[6])
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	(void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(l->ctl_fd, SIOCGIFHWADDR, &ifr) < 0 || ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return false;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return true;
}

/* Joins 01:80:c2:00:00:0e on one interface; NICs drop that group unless asked for it. */
static int lldp_join(const struct lldp_listener *l, int ifindex)
{
	static const uint8_t group[] = LLDP_MULTICAST_MAC;
	struct packet_mreq mreq;

	memset(&mreq, 0, sizeof(mreq));
	mreq.mr_ifindex = ifindex;
	mreq.mr_type = PACKET_MR_MULTICAST;
	mreq.mr_alen = sizeof(group);
	memcpy(mreq.mr_address, group, sizeof(group));
	if (setsockopt(l->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0)
		return -errno;
	return 0;
}

/* Adds every Ethernet interface that is up, except loopback, and joins the group on it. */
static int lldp_add_interfaces(struct lldp_listener *l)
{
	struct if_nameindex *list = if_nameindex();

	if (list == NULL)
		return -errno;
	for (struct if_nameindex *it = list; it->if_index != 0 && it->if_name != NULL; it++) {
		struct lldp_iface *iface;
		uint8_t mac[6];
		short flags;

		if (lldp_iface_flags(l, it->if_name, &flags) < 0 || !(flags & IFF_UP) ||
		    (flags & IFF_LOOPBACK) || !lldp_iface_is_ethernet(l, it->if_name, mac))
			continue;
		if (l->n_ifaces == LLDP_LISTEN_IFACES_MAX)
			break;
		/* An interface that vanished or rejects the group is left out. */
		if (lldp_join(l, (int)it->if_index) < 0)
			continue;
		iface = &l->ifaces[l->n_ifaces++];
		iface->ifindex = (int)it->if_index;
		(void)snprintf(iface->name, sizeof(iface->name), "%s", it->if_name);
		memcpy(iface->mac, mac, sizeof(mac));
	}
	if_freenameindex(list);
	return 0;
}

int lldp_listen_open(struct lldp_listener **ret_listener)
{
	struct lldp_listener *l;
	int r;

	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	l->ctl_fd = -1;
	l->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(LLDP_ETHERTYPE));
	if (l->fd < 0) {
		r = -errno;
		goto out_free;
	}
	l->ctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (l->ctl_fd < 0) {
		r = -errno;
		goto out_free;
	}
	r = lldp_add_interfaces(l);
	if (r < 0)
		goto out_free;
	l->opened_ms = log_now_ms();
	*ret_listener = l;
	return 0;
out_free:
	lldp_listen_free(l);
	return r;
}

/* Sends one announcement on every interface listened on; a failed send is skipped. */
static void lldp_send_all(struct lldp_listener *l)
{
	static const uint8_t group[] = LLDP_MULTICAST_MAC;
	uint8_t frame[LLDP_BUILD_FRAME_MAX];

	for (size_t i = 0; i < l->n_ifaces; i++) {
		const struct lldp_iface *iface = &l->ifaces[i];
		struct lldp_local local = { .ifname = iface->name,
			                    .system_name = l->system_name,
			                    .system_description = l->system_description,
			                    .ttl = LLDP_TX_TTL };
		struct sockaddr_ll to = { .sll_family = AF_PACKET,
			                  .sll_protocol = htons(LLDP_ETHERTYPE),
			                  .sll_ifindex = iface->ifindex,
			                  .sll_halen = sizeof(group) };
		int len;

		memcpy(local.mac, iface->mac, sizeof(local.mac));
		memcpy(to.sll_addr, group, sizeof(group));
		len = lldp_build_frame(&local, frame, sizeof(frame));
		if (len < 0)
			continue;
		if (sendto(l->fd, frame, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			log_debug("lldp", "frame not sent: %s iface=%s", strerror(errno),
			          iface->name);
			continue;
		}
		l->n_sent++;
	}
}

void lldp_listen_announce(struct lldp_listener *listener, const char *system_name,
                          const char *system_description)
{
	(void)snprintf(listener->system_name, sizeof(listener->system_name), "%s", system_name);
	(void)snprintf(listener->system_description, sizeof(listener->system_description), "%s",
	               system_description);
	lldp_send_all(listener);
	listener->next_announce_ms = log_now_ms() + LLDP_TX_INTERVAL_MS;
}

size_t lldp_listen_frames_sent(const struct lldp_listener *listener)
{
	return listener->n_sent;
}

size_t lldp_listen_interface_count(const struct lldp_listener *listener)
{
	return listener->n_ifaces;
}

size_t lldp_listen_bad_frames(const struct lldp_listener *listener)
{
	return listener->n_bad;
}

static const struct lldp_iface *lldp_find_iface(const struct lldp_listener *l, int ifindex)
{
	for (size_t i = 0; i < l->n_ifaces; i++)
		if (l->ifaces[i].ifindex == ifindex)
			return &l->ifaces[i];
	return NULL;
}

/* Adds, refreshes or (TTL 0, a shutdown LLDPDU) removes one neighbour of iface. */
static void lldp_update(struct lldp_listener *l, const struct lldp_iface *iface,
                        const struct lldp_neighbor *n)
{
	size_t i;

	for (i = 0; i < l->n_table; i++)
		if (strcmp(l->table[i].interface, iface->name) == 0 &&
		    lldp_neighbor_same_sender(&l->table[i].neighbor, n))
			break;
	if (n->ttl == 0) {
		if (i < l->n_table) {
			memmove(&l->table[i], &l->table[i + 1],
			        (l->n_table - i - 1) * sizeof(l->table[0]));
			l->n_table--;
		}
		return;
	}
	if (i == l->n_table) {
		if (l->n_table == FACTS_LLDP_MAX) {
			l->n_dropped++;
			return;
		}
		l->n_table++;
		_Static_assert(sizeof(iface->name) <= sizeof(l->table[i].interface),
		               "interface names fit the table");
		memcpy(l->table[i].interface, iface->name, sizeof(iface->name));
	}
	l->table[i].neighbor = *n;
}

/*
 * True when the frame's source address is one of the listened interfaces:
 * two of them on one segment whose switch floods LLDP hear each other's
 * announcements, and a host is no neighbour of itself.
 */
static bool lldp_is_own_frame(const struct lldp_listener *l, const uint8_t *frame, size_t len)
{
	struct wire_reader r;
	const uint8_t *source;

	wire_reader_init(&r, frame, len);
	wire_skip(&r, 6);
	source = wire_read_span(&r, 6);
	if (wire_reader_error(&r) < 0)
		return false;
	for (size_t i = 0; i < l->n_ifaces; i++)
		if (memcmp(source, l->ifaces[i].mac, sizeof(l->ifaces[i].mac)) == 0)
			return true;
	return false;
}

/* Reads every queued frame; returns 0 when the queue is empty, or a negative errno. */
static int lldp_drain(struct lldp_listener *l, uint8_t *buf)
{
	for (;;) {
		struct sockaddr_ll from;
		socklen_t from_len = sizeof(from);
		const struct lldp_iface *iface;
		struct lldp_neighbor n;
		ssize_t len;

		len = recvfrom(l->fd, buf, LLDP_FRAME_MAX, MSG_TRUNC, (struct sockaddr *)&from,
		               &from_len);
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		iface = lldp_find_iface(l, from.sll_ifindex);
		if (iface == NULL || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if ((size_t)len <= LLDP_FRAME_MAX && lldp_is_own_frame(l, buf, (size_t)len))
			continue;
		if ((size_t)len > LLDP_FRAME_MAX || lldp_parse_frame(buf, (size_t)len, &n) < 0) {
			l->n_bad++;
			log_debug("lldp", "frame dropped: malformed iface=%s", iface->name);
			continue;
		}
		lldp_update(l, iface, &n);
	}
}

/*
 * Reads the carrier from sysfs (netif_carrier_ok(), without the delay of the
 * operational state), or uses IFF_RUNNING when sysfs is not mounted.
 */
static bool lldp_has_carrier(const struct lldp_listener *l, const char *name)
{
	char path[64], c = '0';
	short flags;
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		/* The read fails with EINVAL while the interface is down. */
		n = read(fd, &c, 1);
		(void)close(fd);
		return n == 1 && c == '1';
	}
	return lldp_iface_flags(l, name, &flags) == 0 && (flags & IFF_RUNNING);
}

static bool lldp_iface_heard(const struct lldp_listener *l, const char *name)
{
	for (size_t j = 0; j < l->n_table; j++)
		if (strcmp(l->table[j].interface, name) == 0)
			return true;
	return false;
}

/*
 * True when every interface has a neighbour or no carrier, where "no
 * carrier" counts only after LLDP_CARRIER_GRACE_MS.
 */
static bool lldp_is_complete(const struct lldp_listener *l, uint64_t now_ms)
{
	bool in_grace = now_ms - l->opened_ms < LLDP_CARRIER_GRACE_MS;

	for (size_t i = 0; i < l->n_ifaces; i++) {
		if (lldp_iface_heard(l, l->ifaces[i].name))
			continue;
		if (in_grace || lldp_has_carrier(l, l->ifaces[i].name))
			return false;
	}
	return true;
}

int lldp_listen_run(struct lldp_listener *listener, uint64_t deadline_ms)
{
	uint8_t *buf = malloc(LLDP_FRAME_MAX);
	int r;

	if (buf == NULL)
		return -ENOMEM;
	for (;;) {
		struct pollfd pfd = { .fd = listener->fd, .events = POLLIN };
		uint64_t now;
		int timeout;

		r = lldp_drain(listener, buf);
		now = log_now_ms();
		if (r < 0 || now >= deadline_ms || lldp_is_complete(listener, now))
			break;
		if (listener->next_announce_ms != 0 && now >= listener->next_announce_ms) {
			lldp_send_all(listener);
			listener->next_announce_ms = now + LLDP_TX_INTERVAL_MS;
		}
		timeout =
		        deadline_ms - now < LLDP_POLL_MS ? (int)(deadline_ms - now) : LLDP_POLL_MS;
		if (poll(&pfd, 1, timeout) < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
	}
	free(buf);
	return r;
}

void lldp_listen_export(const struct lldp_listener *listener, struct facts *facts)
{
	memcpy(facts->lldp, listener->table, listener->n_table * sizeof(listener->table[0]));
	facts->n_lldp = listener->n_table;
	facts->n_lldp_dropped = listener->n_dropped;
}

void lldp_listen_free(struct lldp_listener *listener)
{
	if (listener == NULL)
		return;
	if (listener->fd >= 0)
		(void)close(listener->fd);
	if (listener->ctl_fd >= 0)
		(void)close(listener->ctl_fd);
	free(listener);
}
