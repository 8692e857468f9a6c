/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp-server -- sockets, the server thread, one handler per message type
 * and the reply destination rules of RFC 2131 §4.1. All protocol state
 * belongs to the server thread, and other threads read only the counters.
 */
#include "dhcp/dhcp-server.h"

#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/config.h"
#include "core/log.h"
#include "dhcp/dhcp-boot.h"
#include "dhcp/dhcp-lease.h"
#include "dhcp/dhcp-wire.h"
#include "store/store.h"

#define SUBSYSTEM "dhcp"
/* Datagrams read from one socket per poll wake-up, so one busy interface cannot starve others. */
#define RECV_BURST 64

struct dhcp_iface {
	char name[IFNAMSIZ];
	unsigned ifindex;
	int fd;
	uint32_t address; /* the interface's IPv4 address, 0 until it has one */
};

struct counters {
	_Atomic uint64_t received, malformed, dropped, discovers, offers, requests, acks, naks,
	        releases, declines, informs, pool_exhausted;
};

struct dhcp_server {
	const struct config *cfg;
	struct store *st;
	struct dhcp_leases *leases;
	struct dhcp_iface ifaces[CONFIG_INTERFACES_MAX];
	size_t n_ifaces;
	int stop_fd;
	pthread_t thread;
	bool running;
	struct counters stats;
	struct log_ratelimit rl_malformed;
	struct log_ratelimit rl_exhausted;
	struct log_ratelimit rl_other;
	/* Scratch owned by the server thread, reused for every packet. */
	uint8_t rx[DHCP_PACKET_MAX + 1];
	uint8_t tx[DHCP_REPLY_MAX];
	struct dhcp_message msg;
	struct dhcp_reply reply;
};

/* One received message and what the handlers learn about it. */
struct dhcp_txn {
	struct dhcp_iface *iface;
	const struct dhcp_message *msg;
	enum dhcp_message_type type;
	struct sockaddr_in peer;
	uint32_t dst_addr; /* destination address of the datagram */
	uint32_t server_id;
	enum dhcp_message_type reply_type; /* set by reply_start() */
	struct dhcp_client_id client;
	struct dhcp_clock now;
	char mac[ADDR_MAC_STRLEN];
	char xid[11];
	char hostname[STORE_HOSTNAME_MAX]; /* option 12 when it is a valid host name, else "" */
};

#define COUNT(srv, field) atomic_fetch_add_explicit(&(srv)->stats.field, 1, memory_order_relaxed)

/*
 * Writes the one line per DHCP event: the message, then the fields type,
 * iface, address (when non-zero), mac, hostname (when known) and xid.
 */
static void log_event(enum log_level level, const struct dhcp_txn *tx, enum dhcp_message_type type,
                      uint32_t address, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void log_event(enum log_level level, const struct dhcp_txn *tx, enum dhcp_message_type type,
                      uint32_t address, const char *fmt, ...)
{
	char addr[ADDR_IPV4_STRLEN];
	struct log_field fields[] = {
		{ "type", dhcp_message_type_name(type) },
		{ "iface", tx->iface->name },
		{ "address", address ? addr : NULL },
		{ "mac", tx->mac },
		{ "hostname", tx->hostname[0] ? tx->hostname : NULL },
		{ "xid", tx->xid },
	};
	va_list ap;

	if (!log_enabled(level))
		return;
	addr_format_ipv4(address, addr);
	va_start(ap, fmt);
	log_vfields(level, SUBSYSTEM, fields, sizeof(fields) / sizeof(fields[0]), fmt, ap);
	va_end(ap);
}

/* Formats addr into the caller's buffer and returns it, for log messages. */
static const char *ip_text(uint32_t addr, char buf[ADDR_IPV4_STRLEN])
{
	addr_format_ipv4(addr, buf);
	return buf;
}

static void format_peer(const struct sockaddr_in *peer, char buf[ADDR_IPV4_STRLEN + 6])
{
	char ip[ADDR_IPV4_STRLEN];

	addr_format_ipv4(ntohl(peer->sin_addr.s_addr), ip);
	(void)snprintf(buf, ADDR_IPV4_STRLEN + 6, "%s:%u", ip, ntohs(peer->sin_port));
}

/* Reads the interface's first IPv4 address, or 0 when it has none. */
static uint32_t iface_address(int fd, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	(void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_addr.sa_family = AF_INET;
	if (ioctl(fd, SIOCGIFADDR, &ifr) < 0)
		return 0;
	return ntohl(((struct sockaddr_in *)(void *)&ifr.ifr_addr)->sin_addr.s_addr);
}

/*
 * The server id for replies on iface: the configured address, else the
 * interface's own. NOTE: the interface address is read at start (and again
 * while it is 0), so a later address change needs a restart.
 */
static uint32_t server_id_for(struct dhcp_server *srv, struct dhcp_iface *iface)
{
	if (srv->cfg->dhcp_server_address != 0)
		return srv->cfg->dhcp_server_address;
	if (iface->address == 0)
		iface->address = iface_address(iface->fd, iface->name);
	return iface->address;
}

/* Sends buf to addr:port out of iface, with the interface address as source when known. */
static int send_to(struct dhcp_iface *iface, const uint8_t *buf, size_t len, uint32_t addr,
                   uint16_t port)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} control;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };
	struct msghdr mh = { 0 };
	struct in_pktinfo *pi;
	struct cmsghdr *cm;

	dst.sin_addr.s_addr = htonl(addr);
	dst.sin_port = htons(port);
	memset(&control, 0, sizeof(control));
	mh.msg_name = &dst;
	mh.msg_namelen = sizeof(dst);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = control.buf;
	mh.msg_controllen = sizeof(control.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
	pi = (struct in_pktinfo *)(void *)CMSG_DATA(cm);
	pi->ipi_ifindex = (int)iface->ifindex;
	pi->ipi_spec_dst.s_addr = htonl(iface->address);
	if (sendmsg(iface->fd, &mh, 0) < 0)
		return -errno;
	return 0;
}

/*
 * Adds a neighbour entry for yiaddr -> chaddr, so a unicast reply reaches a
 * client that cannot reply to ARP before it has its address (RFC 2131 §4.1).
 */
static int set_arp_entry(struct dhcp_iface *iface, uint32_t yiaddr, const uint8_t *chaddr)
{
	struct arpreq req;
	struct sockaddr_in *pa = (struct sockaddr_in *)(void *)&req.arp_pa;

	memset(&req, 0, sizeof(req));
	pa->sin_family = AF_INET;
	pa->sin_addr.s_addr = htonl(yiaddr);
	req.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(req.arp_ha.sa_data, chaddr, ADDR_MAC_LEN);
	req.arp_flags = ATF_COM;
	(void)snprintf(req.arp_dev, sizeof(req.arp_dev), "%s", iface->name);
	if (ioctl(iface->fd, SIOCSARP, &req) < 0)
		return -errno;
	return 0;
}

/* Chooses the destination of a reply by RFC 2131 §4.1 and sends it. */
static int send_reply(struct dhcp_server *srv, struct dhcp_txn *tx, const struct dhcp_reply *reply,
                      size_t len)
{
	uint16_t server_port = (uint16_t)srv->cfg->dhcp_port;
	uint16_t client_port = (uint16_t)(server_port + 1);
	const struct dhcp_message *msg = tx->msg;

	if (msg->giaddr != 0)
		return send_to(tx->iface, srv->tx, len, msg->giaddr, server_port);
	if (tx->reply_type == DHCP_NAK)
		return send_to(tx->iface, srv->tx, len, INADDR_BROADCAST, client_port);
	if (msg->ciaddr != 0)
		return send_to(tx->iface, srv->tx, len, msg->ciaddr, client_port);
	if ((msg->flags & DHCP_FLAG_BROADCAST) || reply->yiaddr == 0)
		return send_to(tx->iface, srv->tx, len, INADDR_BROADCAST, client_port);
	if (set_arp_entry(tx->iface, reply->yiaddr, msg->chaddr) == 0 &&
	    send_to(tx->iface, srv->tx, len, reply->yiaddr, client_port) == 0)
		return 0;
	/* Without the neighbour entry a unicast would wait for an ARP reply that never comes. */
	return send_to(tx->iface, srv->tx, len, INADDR_BROADCAST, client_port);
}

/* Builds srv->reply into srv->tx and sends it, logging a failure (rate-limited). */
static int finish_reply(struct dhcp_server *srv, struct dhcp_txn *tx)
{
	const uint8_t *prl = NULL;
	size_t prl_len = 0;
	int len, ret;

	(void)dhcp_message_get(tx->msg, DHCP_OPT_PARAMETER_LIST, &prl, &prl_len);
	len = dhcp_reply_build(&srv->reply, prl, prl_len, dhcp_message_reply_limit(tx->msg),
	                       srv->tx, sizeof(srv->tx));
	if (len < 0) {
		ret = len;
		if (log_ratelimit_allow(&srv->rl_other))
			log_event(LOG_LEVEL_WARNING, tx, tx->type, 0,
			          "reply to %s not sent: building it failed: %s", tx->mac,
			          strerror(-ret));
		return ret;
	}
	ret = send_reply(srv, tx, &srv->reply, (size_t)len);
	if (ret < 0 && log_ratelimit_allow(&srv->rl_other))
		log_event(LOG_LEVEL_WARNING, tx, tx->type, srv->reply.yiaddr,
		          "sendmsg() of reply to %s on %s failed: %s", tx->mac, tx->iface->name,
		          strerror(-ret));
	return ret;
}

/* Options 1, 3, 6, 15 and, with a lease, 51, 58 and 59 (T1 = 1/2, T2 = 7/8 of it). */
static void add_subnet_options(struct dhcp_reply *reply, const struct dhcp_subnet *subnet,
                               uint32_t lease_time)
{
	const struct store_subnet *s = &subnet->subnet;

	if (lease_time > 0) {
		dhcp_reply_add_u32(reply, DHCP_OPT_LEASE_TIME, lease_time, true);
		dhcp_reply_add_u32(reply, DHCP_OPT_RENEWAL_TIME, lease_time / 2, false);
		dhcp_reply_add_u32(reply, DHCP_OPT_REBINDING_TIME,
		                   (uint32_t)((uint64_t)lease_time * 7 / 8), false);
	}
	dhcp_reply_add_addr(reply, DHCP_OPT_SUBNET_MASK, addr_prefix_mask(s->prefix_len), false);
	if (s->gateway != 0)
		dhcp_reply_add_addr(reply, DHCP_OPT_ROUTER, s->gateway, false);
	if (s->n_dns > 0)
		dhcp_reply_add_addrs(reply, DHCP_OPT_DNS, s->dns,
		                     s->n_dns < STORE_DNS_MAX ? s->n_dns : STORE_DNS_MAX);
	if (s->domain[0] != '\0')
		dhcp_reply_add_string(reply, DHCP_OPT_DOMAIN, s->domain);
}

/* True when the client listed code in its option 55. */
static bool client_requested(const struct dhcp_message *msg, uint8_t code)
{
	const uint8_t *prl;
	size_t len;

	if (dhcp_message_get(msg, DHCP_OPT_PARAMETER_LIST, &prl, &len) < 0)
		return false;
	return memchr(prl, code, len) != NULL;
}

/* Adds the boot options dhcp-boot chose for this client, if any. */
static void add_boot_options(struct dhcp_server *srv, struct dhcp_txn *tx)
{
	static const uint8_t ipxe_encap[] = { DHCP_IPXE_NO_PXEDHCP, 1, 1 };
	struct dhcp_reply *reply = &srv->reply;
	struct dhcp_boot_params params = {
		.public_url = srv->cfg->http_public_url,
		.tftp_address = srv->cfg->tftp_address ? srv->cfg->tftp_address : tx->server_id,
	};
	char tftp[ADDR_IPV4_STRLEN];
	struct dhcp_boot boot;
	int ret;

	ret = dhcp_boot_select(&params, tx->msg, &boot);
	if (ret < 0) {
		if (log_ratelimit_allow(&srv->rl_other))
			log_event(LOG_LEVEL_WARNING, tx, tx->type, 0, "no boot file for %s: %s",
			          tx->mac,
			          ret == -EOPNOTSUPP ? "client architecture not supported"
			                             : strerror(-ret));
		return;
	}
	switch (boot.kind) {
	case DHCP_BOOT_NONE:
		return;
	case DHCP_BOOT_IPXE:
		dhcp_reply_add(reply, DHCP_OPT_IPXE_ENCAP, ipxe_encap, sizeof(ipxe_encap), false);
		break;
	case DHCP_BOOT_HTTP:
		dhcp_reply_add_string(reply, DHCP_OPT_VENDOR_CLASS, "HTTPClient");
		break;
	case DHCP_BOOT_PXE:
		/* The binary names of dhcp-boot are short; the check keeps the copy in bounds. */
		if (strlen(boot.filename) >= sizeof(reply->file))
			return;
		reply->siaddr = boot.siaddr;
		memcpy(reply->file, boot.filename, strlen(boot.filename) + 1);
		addr_format_ipv4(boot.siaddr, tftp);
		dhcp_reply_add_string(reply, DHCP_OPT_TFTP_SERVER, tftp);
		break;
	}
	dhcp_reply_add_string(reply, DHCP_OPT_BOOTFILE, boot.filename);
}

/* Starts srv->reply: message type, server id and the client id echo (RFC 6842). */
static void reply_start(struct dhcp_server *srv, struct dhcp_txn *tx, enum dhcp_message_type type)
{
	const uint8_t *id;
	size_t id_len;

	tx->reply_type = type;
	dhcp_reply_init(&srv->reply, tx->msg, type);
	dhcp_reply_add_addr(&srv->reply, DHCP_OPT_SERVER_ID, tx->server_id, true);
	if (dhcp_message_get(tx->msg, DHCP_OPT_CLIENT_ID, &id, &id_len) == 0)
		dhcp_reply_add(&srv->reply, DHCP_OPT_CLIENT_ID, id, id_len, true);
}

/* Builds and sends an OFFER or ACK for address with the subnet's configuration. */
static int send_lease_reply(struct dhcp_server *srv, struct dhcp_txn *tx,
                            const struct dhcp_subnet *subnet, enum dhcp_message_type type,
                            uint32_t address)
{
	struct dhcp_reply *reply = &srv->reply;
	uint32_t lease_time =
	        subnet->subnet.lease_time ? subnet->subnet.lease_time : DHCP_LEASE_TIME_DEFAULT;

	reply_start(srv, tx, type);
	reply->yiaddr = address;
	/* RFC 2131 table 3: an ACK echoes ciaddr, an OFFER has none. */
	if (type == DHCP_ACK)
		reply->ciaddr = tx->msg->ciaddr;
	add_subnet_options(reply, subnet, lease_time);
	if (tx->hostname[0] != '\0' && client_requested(tx->msg, DHCP_OPT_HOSTNAME))
		dhcp_reply_add_string(reply, DHCP_OPT_HOSTNAME, tx->hostname);
	add_boot_options(srv, tx);
	return finish_reply(srv, tx);
}

static void send_nak(struct dhcp_server *srv, struct dhcp_txn *tx, uint32_t address,
                     const char *reason)
{
	char a[ADDR_IPV4_STRLEN];

	reply_start(srv, tx, DHCP_NAK);
	dhcp_reply_add_string(&srv->reply, DHCP_OPT_MESSAGE, reason);
	/* RFC 2131 §4.1: a relayed NAK has the broadcast bit set; a direct one is broadcast. */
	srv->reply.flags = tx->msg->giaddr ? DHCP_FLAG_BROADCAST : tx->msg->flags;
	COUNT(srv, naks);
	log_event(LOG_LEVEL_INFO, tx, DHCP_NAK, address, "nak %s to %s: %s", ip_text(address, a),
	          tx->mac, reason);
	(void)finish_reply(srv, tx);
}

static struct dhcp_subnet *find_subnet(struct dhcp_server *srv, struct dhcp_txn *tx, uint32_t hint)
{
	return dhcp_leases_find_subnet(srv->leases, tx->iface->name, tx->iface->address,
	                               tx->msg->giaddr, hint);
}

static void drop_no_subnet(struct dhcp_server *srv, struct dhcp_txn *tx)
{
	COUNT(srv, dropped);
	if (log_ratelimit_allow(&srv->rl_other))
		log_event(LOG_LEVEL_WARNING, tx, tx->type, 0,
		          "%s from %s dropped: no DHCP subnet is served on %s%s",
		          dhcp_message_type_name(tx->type), tx->mac, tx->iface->name,
		          tx->msg->giaddr ? " for this relay" : "");
}

static void handle_discover(struct dhcp_server *srv, struct dhcp_txn *tx)
{
	uint32_t requested = 0, address;
	struct dhcp_subnet *subnet;
	char a[ADDR_IPV4_STRLEN];
	int ret;

	COUNT(srv, discovers);
	(void)dhcp_message_get_addr(tx->msg, DHCP_OPT_REQUESTED_ADDRESS, &requested);
	log_event(LOG_LEVEL_INFO, tx, DHCP_DISCOVER, requested, "discover from %s", tx->mac);
	subnet = find_subnet(srv, tx, 0);
	if (subnet == NULL) {
		drop_no_subnet(srv, tx);
		return;
	}
	ret = dhcp_leases_offer(srv->leases, subnet, &tx->client, tx->msg->chaddr, requested,
	                        &tx->now, &address);
	if (ret == -ENOSPC) {
		COUNT(srv, pool_exhausted);
		if (log_ratelimit_allow(&srv->rl_exhausted))
			log_event(LOG_LEVEL_WARNING, tx, DHCP_DISCOVER, 0,
			          "no offer to %s: pool of subnet %s exhausted", tx->mac,
			          subnet->subnet.name);
		return;
	}
	if (ret < 0) {
		COUNT(srv, dropped);
		if (log_ratelimit_allow(&srv->rl_other))
			log_event(LOG_LEVEL_WARNING, tx, DHCP_DISCOVER, 0, "no offer to %s: %s",
			          tx->mac, strerror(-ret));
		return;
	}
	COUNT(srv, offers);
	log_event(LOG_LEVEL_INFO, tx, DHCP_OFFER, address, "offer %s to %s", ip_text(address, a),
	          tx->mac);
	(void)send_lease_reply(srv, tx, subnet, DHCP_OFFER, address);
}

/* Reads what a REQUEST's fields say about the client's state (RFC 2131 §4.3.2, table 4). */
static int classify_request(const struct dhcp_txn *tx, enum dhcp_request_kind *ret_kind,
                            uint32_t *ret_address)
{
	const struct dhcp_message *msg = tx->msg;
	uint32_t requested = 0;
	bool has_requested;

	has_requested = dhcp_message_get_addr(msg, DHCP_OPT_REQUESTED_ADDRESS, &requested) == 0;
	if (dhcp_message_has(msg, DHCP_OPT_SERVER_ID)) {
		if (!has_requested)
			return -EBADMSG;
		*ret_kind = DHCP_REQUEST_SELECTING;
		*ret_address = requested;
		return 0;
	}
	if (has_requested && msg->ciaddr == 0) {
		*ret_kind = DHCP_REQUEST_INIT_REBOOT;
		*ret_address = requested;
		return 0;
	}
	if (msg->ciaddr != 0) {
		/* Renewal is unicast to this server; rebinding is broadcast or relayed. */
		bool unicast = tx->dst_addr != INADDR_BROADCAST && msg->giaddr == 0;

		*ret_kind = unicast ? DHCP_REQUEST_RENEWING : DHCP_REQUEST_REBINDING;
		*ret_address = msg->ciaddr;
		return 0;
	}
	return -EBADMSG;
}

/* True when a message names a server id other than ours; a missing one names nobody. */
static bool for_other_server(const struct dhcp_txn *tx, uint32_t *ret_other)
{
	uint32_t id;

	if (dhcp_message_get_addr(tx->msg, DHCP_OPT_SERVER_ID, &id) < 0 || id == tx->server_id)
		return false;
	*ret_other = id;
	return true;
}

static void nak_request(struct dhcp_server *srv, struct dhcp_txn *tx,
                        const struct dhcp_subnet *subnet, uint32_t address, int reason)
{
	const struct store_subnet *s = &subnet->subnet;

	if (reason == -EADDRINUSE)
		send_nak(srv, tx, address, "address not available to this client");
	else if (!addr_in_prefix4(address, s->network, s->prefix_len))
		send_nak(srv, tx, address, "address is not in this client's subnet");
	else
		send_nak(srv, tx, address, "address is not in a dynamic range");
}

static void handle_request(struct dhcp_server *srv, struct dhcp_txn *tx)
{
	enum dhcp_request_kind kind = DHCP_REQUEST_SELECTING;
	struct dhcp_subnet *subnet;
	char a[ADDR_IPV4_STRLEN], b[ADDR_IPV4_STRLEN];
	uint32_t address = 0, other;
	int ret;

	COUNT(srv, requests);
	ret = classify_request(tx, &kind, &address);
	log_event(LOG_LEVEL_INFO, tx, DHCP_REQUEST, address, "request for %s from %s",
	          ip_text(address, a), tx->mac);
	if (ret < 0) {
		COUNT(srv, dropped);
		if (log_ratelimit_allow(&srv->rl_other))
			log_event(
			        LOG_LEVEL_WARNING, tx, DHCP_REQUEST, 0,
			        "request from %s dropped: it has no requested address and no ciaddr",
			        tx->mac);
		return;
	}
	subnet = find_subnet(srv, tx, address);
	if (kind == DHCP_REQUEST_SELECTING && for_other_server(tx, &other)) {
		/* RFC 2131 §4.3.2: the client chose another server, so our offer is void. */
		if (subnet != NULL)
			dhcp_leases_forget_offer(srv->leases, subnet, &tx->client, &tx->now);
		COUNT(srv, dropped);
		log_event(LOG_LEVEL_INFO, tx, DHCP_REQUEST, address,
		          "request from %s ignored: it selected server %s", tx->mac,
		          ip_text(other, b));
		return;
	}
	if (subnet == NULL) {
		drop_no_subnet(srv, tx);
		return;
	}
	ret = dhcp_leases_request(srv->leases, subnet, &tx->client, tx->msg->chaddr,
	                          tx->hostname[0] ? tx->hostname : NULL, address, kind, &tx->now,
	                          NULL);
	if (ret == 0) {
		COUNT(srv, acks);
		log_event(LOG_LEVEL_INFO, tx, DHCP_ACK, address, "ack %s to %s", a, tx->mac);
		(void)send_lease_reply(srv, tx, subnet, DHCP_ACK, address);
	} else if (ret == -EADDRNOTAVAIL || ret == -EADDRINUSE) {
		nak_request(srv, tx, subnet, address, ret);
	} else if (ret == -ENOENT) {
		COUNT(srv, dropped);
		log_event(LOG_LEVEL_INFO, tx, DHCP_REQUEST, address,
		          "request for %s from %s ignored: no record of this client", a, tx->mac);
	} else {
		COUNT(srv, dropped);
		if (log_ratelimit_allow(&srv->rl_other))
			log_event(LOG_LEVEL_ERROR, tx, DHCP_REQUEST, address,
			          "lease %s for %s not stored, no ACK sent: %s", a, tx->mac,
			          strerror(-ret));
	}
}

static void handle_decline(struct dhcp_server *srv, struct dhcp_txn *tx)
{
	char a[ADDR_IPV4_STRLEN], b[ADDR_IPV4_STRLEN];
	uint32_t address = 0, other;
	int ret;

	COUNT(srv, declines);
	(void)dhcp_message_get_addr(tx->msg, DHCP_OPT_REQUESTED_ADDRESS, &address);
	log_event(LOG_LEVEL_INFO, tx, DHCP_DECLINE, address, "decline %s from %s",
	          ip_text(address, a), tx->mac);
	if (for_other_server(tx, &other)) {
		COUNT(srv, dropped);
		log_event(LOG_LEVEL_INFO, tx, DHCP_DECLINE, address,
		          "decline from %s ignored: it is for server %s", tx->mac,
		          ip_text(other, b));
		return;
	}
	ret = dhcp_leases_decline(srv->leases, &tx->client, address, &tx->now);
	if (ret == -ENOENT) {
		COUNT(srv, dropped);
		log_event(LOG_LEVEL_INFO, tx, DHCP_DECLINE, address,
		          "decline of %s from %s ignored: the client holds no lease on it", a,
		          tx->mac);
		return;
	}
	log_event(LOG_LEVEL_NOTICE, tx, DHCP_DECLINE, address,
	          "address %s quarantined for %u s: %s reports it in use", a,
	          srv->cfg->dhcp_decline_hold, tx->mac);
	if (ret < 0)
		log_event(LOG_LEVEL_ERROR, tx, DHCP_DECLINE, address,
		          "quarantine of %s not stored, it ends on restart: %s", a, strerror(-ret));
}

static void handle_release(struct dhcp_server *srv, struct dhcp_txn *tx)
{
	char a[ADDR_IPV4_STRLEN], b[ADDR_IPV4_STRLEN];
	uint32_t address = tx->msg->ciaddr, other;
	int ret;

	COUNT(srv, releases);
	log_event(LOG_LEVEL_INFO, tx, DHCP_RELEASE, address, "release %s from %s",
	          ip_text(address, a), tx->mac);
	if (for_other_server(tx, &other)) {
		COUNT(srv, dropped);
		log_event(LOG_LEVEL_INFO, tx, DHCP_RELEASE, address,
		          "release from %s ignored: it is for server %s", tx->mac,
		          ip_text(other, b));
		return;
	}
	ret = dhcp_leases_release(srv->leases, &tx->client, address, &tx->now);
	if (ret == -ENOENT) {
		COUNT(srv, dropped);
		log_event(LOG_LEVEL_INFO, tx, DHCP_RELEASE, address,
		          "release of %s from %s ignored: the client holds no lease on it", a,
		          tx->mac);
	} else if (ret < 0 && log_ratelimit_allow(&srv->rl_other)) {
		log_event(LOG_LEVEL_ERROR, tx, DHCP_RELEASE, address,
		          "release of %s not stored: %s", a, strerror(-ret));
	}
}

static void handle_inform(struct dhcp_server *srv, struct dhcp_txn *tx)
{
	uint32_t address = tx->msg->ciaddr;
	struct dhcp_subnet *subnet;
	char a[ADDR_IPV4_STRLEN];

	COUNT(srv, informs);
	/* RFC 2131 §4.3.5 puts the address in ciaddr; the source address covers clients that do
	 * not. */
	if (address == 0)
		address = ntohl(tx->peer.sin_addr.s_addr);
	log_event(LOG_LEVEL_INFO, tx, DHCP_INFORM, address, "inform from %s at %s", tx->mac,
	          ip_text(address, a));
	subnet = find_subnet(srv, tx, address);
	if (subnet == NULL || address == 0) {
		drop_no_subnet(srv, tx);
		return;
	}
	/* Configuration only: no lease time, no yiaddr, and the lease table is untouched. */
	reply_start(srv, tx, DHCP_ACK);
	srv->reply.ciaddr = address;
	add_subnet_options(&srv->reply, subnet, 0);
	add_boot_options(srv, tx);
	COUNT(srv, acks);
	log_event(LOG_LEVEL_INFO, tx, DHCP_ACK, address, "ack %s to %s for its inform", a, tx->mac);
	(void)finish_reply(srv, tx);
}

static void dispatch(struct dhcp_server *srv, struct dhcp_txn *tx)
{
	switch (tx->type) {
	case DHCP_DISCOVER:
		handle_discover(srv, tx);
		break;
	case DHCP_REQUEST:
		handle_request(srv, tx);
		break;
	case DHCP_DECLINE:
		handle_decline(srv, tx);
		break;
	case DHCP_RELEASE:
		handle_release(srv, tx);
		break;
	case DHCP_INFORM:
		handle_inform(srv, tx);
		break;
	case DHCP_OFFER:
	case DHCP_ACK:
	case DHCP_NAK:
		/* Server messages arriving here come from another server or a loop: not ours. */
		COUNT(srv, dropped);
		log_debug(SUBSYSTEM, "%s from %s dropped: a server message on %s",
		          dhcp_message_type_name(tx->type), tx->mac, tx->iface->name);
		break;
	}
}

static void drop_malformed(struct dhcp_server *srv, struct dhcp_iface *iface,
                           const struct sockaddr_in *peer, size_t len, const char *reason)
{
	char from[ADDR_IPV4_STRLEN + 6], bytes[24];
	struct log_field fields[] = {
		{ "iface", iface->name },
		{ "peer", from },
		{ "bytes", bytes },
	};

	COUNT(srv, malformed);
	if (!log_ratelimit_allow(&srv->rl_malformed))
		return;
	format_peer(peer, from);
	(void)snprintf(bytes, sizeof(bytes), "%zu", len);
	log_fields(LOG_LEVEL_WARNING, SUBSYSTEM, fields, sizeof(fields) / sizeof(fields[0]),
	           "malformed packet from %s dropped: %s", from, reason);
}

/* Copies option 12 when it is a plausible host name (letters, digits, '-', '_', '.'). */
static void client_hostname(const struct dhcp_message *msg, char buf[STORE_HOSTNAME_MAX])
{
	char name[STORE_HOSTNAME_MAX];

	buf[0] = '\0';
	if (dhcp_message_get_string(msg, DHCP_OPT_HOSTNAME, name, sizeof(name)) < 0)
		return;
	for (const char *p = name; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return;
	}
	memcpy(buf, name, sizeof(name));
}

/*
 * Checks what the handlers rely on. Returns 0, -EBADMSG (malformed, with
 * *ret_reason set) or -EPROTONOSUPPORT (well-formed but not served).
 */
static int check_message(struct dhcp_txn *tx, const char **ret_reason)
{
	const struct dhcp_message *msg = tx->msg;
	const uint8_t *id = NULL;
	size_t id_len = 0;
	int ret;

	if (msg->op != DHCP_OP_BOOTREQUEST || msg->htype != DHCP_HTYPE_ETHER ||
	    msg->hlen != ADDR_MAC_LEN)
		return -EPROTONOSUPPORT;
	ret = dhcp_message_get_type(msg, &tx->type);
	if (ret == -ENOENT)
		return -EPROTONOSUPPORT; /* plain BOOTP */
	if (ret < 0) {
		*ret_reason = "invalid message type option";
		return -EBADMSG;
	}
	(void)dhcp_message_get(msg, DHCP_OPT_CLIENT_ID, &id, &id_len);
	if (dhcp_client_id_set(id, id_len, msg->chaddr, &tx->client) < 0) {
		*ret_reason = "invalid client identifier option";
		return -EBADMSG;
	}
	if (dhcp_message_has(msg, DHCP_OPT_REQUESTED_ADDRESS) &&
	    dhcp_message_get_addr(msg, DHCP_OPT_REQUESTED_ADDRESS, &(uint32_t){ 0 }) < 0) {
		*ret_reason = "invalid requested address option";
		return -EBADMSG;
	}
	if (dhcp_message_has(msg, DHCP_OPT_SERVER_ID) &&
	    dhcp_message_get_addr(msg, DHCP_OPT_SERVER_ID, &(uint32_t){ 0 }) < 0) {
		*ret_reason = "invalid server identifier option";
		return -EBADMSG;
	}
	return 0;
}

static void sync_leases(struct dhcp_server *srv, const struct dhcp_clock *now)
{
	int ret = dhcp_leases_sync(srv->leases, now);

	if (ret == 1)
		log_notice(SUBSYSTEM, "subnets and ranges reloaded");
	else if (ret < 0 && log_ratelimit_allow(&srv->rl_other))
		log_error(SUBSYSTEM, "reload of subnets failed, the previous ones stay in use: %s",
		          strerror(-ret));
}

static void handle_packet(struct dhcp_server *srv, struct dhcp_iface *iface, size_t len,
                          const struct sockaddr_in *peer, uint32_t dst_addr)
{
	struct dhcp_txn tx = {
		.iface = iface, .msg = &srv->msg, .peer = *peer, .dst_addr = dst_addr
	};
	const char *reason = NULL;
	int ret;

	ret = dhcp_message_parse(srv->rx, len, &srv->msg);
	if (ret < 0) {
		if (ret == -E2BIG)
			reason = "too many options";
		else if (len < DHCP_OPTIONS_OFF)
			reason = "shorter than the 240-byte header";
		else
			reason = "bad magic cookie or truncated options";
		drop_malformed(srv, iface, peer, len, reason);
		return;
	}
	addr_format_mac(srv->msg.chaddr, tx.mac);
	(void)snprintf(tx.xid, sizeof(tx.xid), "0x%08x", srv->msg.xid);
	ret = check_message(&tx, &reason);
	if (ret == -EBADMSG) {
		drop_malformed(srv, iface, peer, len, reason);
		return;
	}
	if (ret < 0) {
		COUNT(srv, dropped);
		log_debug(SUBSYSTEM, "packet from %s dropped: not a DHCP request from Ethernet",
		          tx.mac);
		return;
	}
	client_hostname(&srv->msg, tx.hostname);
	dhcp_clock_now(&tx.now);
	sync_leases(srv, &tx.now);
	tx.server_id = server_id_for(srv, iface);
	if (tx.server_id == 0) {
		COUNT(srv, dropped);
		if (log_ratelimit_allow(&srv->rl_other))
			log_warning(
			        SUBSYSTEM,
			        "packet on %s dropped: the interface has no IPv4 address and [dhcp] server_address is not set",
			        iface->name);
		return;
	}
	dispatch(srv, &tx);
}

/* Reads up to RECV_BURST datagrams from one interface socket. */
static void read_socket(struct dhcp_server *srv, struct dhcp_iface *iface)
{
	for (int i = 0; i < RECV_BURST; i++) {
		union {
			char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
			struct cmsghdr align;
		} control;
		struct sockaddr_in peer;
		struct iovec iov = { .iov_base = srv->rx, .iov_len = sizeof(srv->rx) };
		struct msghdr mh = { .msg_name = &peer,
			             .msg_namelen = sizeof(peer),
			             .msg_iov = &iov,
			             .msg_iovlen = 1,
			             .msg_control = control.buf,
			             .msg_controllen = sizeof(control.buf) };
		uint32_t dst_addr = 0;
		ssize_t n;

		n = recvmsg(iface->fd, &mh, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    log_ratelimit_allow(&srv->rl_other))
				log_error(SUBSYSTEM, "recvmsg() on %s failed: %s", iface->name,
				          strerror(errno));
			return;
		}
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
				dst_addr = ntohl(pi.ipi_addr.s_addr);
			}
		}
		COUNT(srv, received);
		if ((mh.msg_flags & MSG_TRUNC) || (size_t)n > DHCP_PACKET_MAX) {
			drop_malformed(srv, iface, &peer, (size_t)n, "longer than 4096 bytes");
			continue;
		}
		handle_packet(srv, iface, (size_t)n, &peer, dst_addr);
	}
}

static void *server_thread(void *arg)
{
	struct dhcp_server *srv = arg;
	struct pollfd fds[CONFIG_INTERFACES_MAX + 1];

	for (size_t i = 0; i < srv->n_ifaces; i++)
		fds[i] = (struct pollfd){ .fd = srv->ifaces[i].fd, .events = POLLIN };
	fds[srv->n_ifaces] = (struct pollfd){ .fd = srv->stop_fd, .events = POLLIN };

	for (;;) {
		int n = poll(fds, srv->n_ifaces + 1, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_error(SUBSYSTEM, "poll() failed, DHCP service stopped: %s",
			          strerror(errno));
			break;
		}
		if (fds[srv->n_ifaces].revents)
			break;
		for (size_t i = 0; i < srv->n_ifaces; i++) {
			if (fds[i].revents & POLLIN)
				read_socket(srv, &srv->ifaces[i]);
		}
	}
	return NULL;
}

static int set_option(struct dhcp_iface *iface, int level, int name, const void *value,
                      socklen_t len, const char *what)
{
	int ret;

	if (setsockopt(iface->fd, level, name, value, len) == 0)
		return 0;
	ret = -errno;
	log_error(SUBSYSTEM, "setsockopt(%s) on %s failed: %s", what, iface->name, strerror(-ret));
	return ret;
}

/* Opens the socket of one served interface: bound to the device, port cfg->dhcp_port. */
static int open_iface(struct dhcp_server *srv, const char *name, struct dhcp_iface *iface)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
	const int on = 1;
	int ret;

	(void)snprintf(iface->name, sizeof(iface->name), "%s", name);
	iface->ifindex = if_nametoindex(name);
	if (iface->ifindex == 0) {
		log_error(SUBSYSTEM, "interface %s not found: check [dhcp] interfaces", name);
		return -ENODEV;
	}
	iface->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (iface->fd < 0) {
		ret = -errno;
		log_error(SUBSYSTEM, "socket() for %s failed: %s", name, strerror(-ret));
		return ret;
	}
	/* Every interface has its own socket on the same port, so the port must be shared. */
	ret = set_option(iface, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on), "SO_REUSEADDR");
	if (ret == 0)
		ret = set_option(iface, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on), "SO_BROADCAST");
	if (ret == 0)
		ret = set_option(iface, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on), "IP_PKTINFO");
	if (ret == 0)
		ret = set_option(iface, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t)strlen(name),
		                 "SO_BINDTODEVICE");
	if (ret < 0)
		return ret;
	sa.sin_port = htons((uint16_t)srv->cfg->dhcp_port);
	if (bind(iface->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		log_error(SUBSYSTEM, "bind() on 0.0.0.0:%u for %s failed: %s", srv->cfg->dhcp_port,
		          name, strerror(-ret));
		return ret;
	}
	iface->address = iface_address(iface->fd, name);
	return 0;
}

int dhcp_server_new(const struct config *cfg, struct store *st, struct dhcp_server **ret_server)
{
	struct dhcp_server *srv;
	struct dhcp_clock now;
	int ret;

	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return -ENOMEM;
	srv->cfg = cfg;
	srv->st = st;
	srv->stop_fd = -1;
	srv->rl_malformed = (struct log_ratelimit)LOG_RATELIMIT_INIT(1000, 10);
	srv->rl_exhausted = (struct log_ratelimit)LOG_RATELIMIT_INIT(1000, 5);
	srv->rl_other = (struct log_ratelimit)LOG_RATELIMIT_INIT(1000, 10);
	dhcp_clock_now(&now);
	ret = dhcp_leases_new(st, cfg->dhcp_offer_hold, cfg->dhcp_decline_hold, &now, &srv->leases);
	if (ret < 0) {
		free(srv);
		return ret;
	}
	*ret_server = srv;
	return 0;
}

static void close_ifaces(struct dhcp_server *srv)
{
	for (size_t i = 0; i < srv->n_ifaces; i++) {
		if (srv->ifaces[i].fd >= 0)
			(void)close(srv->ifaces[i].fd);
	}
	srv->n_ifaces = 0;
	if (srv->stop_fd >= 0)
		(void)close(srv->stop_fd);
	srv->stop_fd = -1;
}

/* Keeps rackd's own addresses out of every pool. */
static void exclude_own_addresses(struct dhcp_server *srv)
{
	(void)dhcp_leases_exclude(srv->leases, srv->cfg->dhcp_server_address);
	for (size_t i = 0; i < srv->n_ifaces; i++) {
		if (srv->ifaces[i].address != 0)
			(void)dhcp_leases_exclude(srv->leases, srv->ifaces[i].address);
	}
}

int dhcp_server_start(struct dhcp_server *srv)
{
	const struct config *cfg = srv->cfg;
	int ret;

	if (!cfg->dhcp_enabled || srv->running)
		return 0;
	if (cfg->n_dhcp_interfaces == 0) {
		log_error(SUBSYSTEM, "no interfaces to serve: set [dhcp] interfaces");
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->n_dhcp_interfaces; i++) {
		srv->ifaces[i].fd = -1;
		srv->n_ifaces = i + 1;
		ret = open_iface(srv, cfg->dhcp_interfaces[i], &srv->ifaces[i]);
		if (ret < 0)
			goto out_close;
	}
	exclude_own_addresses(srv);
	srv->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (srv->stop_fd < 0) {
		ret = -errno;
		log_error(SUBSYSTEM, "eventfd() failed: %s", strerror(-ret));
		goto out_close;
	}
	ret = -pthread_create(&srv->thread, NULL, server_thread, srv);
	if (ret < 0) {
		log_error(SUBSYSTEM, "pthread_create() failed: %s", strerror(-ret));
		goto out_close;
	}
	srv->running = true;
	for (size_t i = 0; i < srv->n_ifaces; i++) {
		char a[ADDR_IPV4_STRLEN];
		struct log_field fields[] = { { "iface", srv->ifaces[i].name } };

		log_fields(LOG_LEVEL_NOTICE, SUBSYSTEM, fields, 1,
		           "serving %s on port %u, address %s", srv->ifaces[i].name, cfg->dhcp_port,
		           ip_text(server_id_for(srv, &srv->ifaces[i]), a));
	}
	return 0;

out_close:
	close_ifaces(srv);
	return ret;
}

void dhcp_server_stop(struct dhcp_server *srv)
{
	uint64_t wake = 1;

	if (srv == NULL || !srv->running)
		return;
	if (write(srv->stop_fd, &wake, sizeof(wake)) < 0)
		log_error(SUBSYSTEM, "write() to the stop eventfd failed: %s", strerror(errno));
	(void)pthread_join(srv->thread, NULL);
	srv->running = false;
}

void dhcp_server_free(struct dhcp_server *srv)
{
	if (srv == NULL)
		return;
	dhcp_server_stop(srv);
	close_ifaces(srv);
	dhcp_leases_free(srv->leases);
	free(srv);
}

void dhcp_server_get_stats(struct dhcp_server *srv, struct dhcp_stats *ret_stats)
{
	struct counters *c = &srv->stats;

	ret_stats->received = atomic_load_explicit(&c->received, memory_order_relaxed);
	ret_stats->malformed = atomic_load_explicit(&c->malformed, memory_order_relaxed);
	ret_stats->dropped = atomic_load_explicit(&c->dropped, memory_order_relaxed);
	ret_stats->discovers = atomic_load_explicit(&c->discovers, memory_order_relaxed);
	ret_stats->offers = atomic_load_explicit(&c->offers, memory_order_relaxed);
	ret_stats->requests = atomic_load_explicit(&c->requests, memory_order_relaxed);
	ret_stats->acks = atomic_load_explicit(&c->acks, memory_order_relaxed);
	ret_stats->naks = atomic_load_explicit(&c->naks, memory_order_relaxed);
	ret_stats->releases = atomic_load_explicit(&c->releases, memory_order_relaxed);
	ret_stats->declines = atomic_load_explicit(&c->declines, memory_order_relaxed);
	ret_stats->informs = atomic_load_explicit(&c->informs, memory_order_relaxed);
	ret_stats->pool_exhausted = atomic_load_explicit(&c->pool_exhausted, memory_order_relaxed);
}
