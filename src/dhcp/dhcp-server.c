/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp-server -- sockets, the server thread, one handler per message type
 * and the reply destination rules of RFC 2131 §4.1. All protocol state
 * belongs to the server thread, and other threads read only the counters.
 *
 * Messages are handled in batches (group commit): recvmmsg() reads up to
 * BATCH_MAX datagrams, every message is decided and its reply built, and
 * replies that promise nothing durable (OFFER, NAK, the ACK of an INFORM)
 * leave at once with sendmmsg(). While the batch has lease rows to write,
 * it goes on reading what arrives within COMMIT_DELAY_US, then writes all
 * its rows in one transaction, and only then sends its ACKs. When that
 * write fails, none of those ACKs is sent and the lease table is rolled
 * back.
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
#include <time.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/config.h"
#include "core/log.h"
#include "dhcp/dhcp-boot.h"
#include "dhcp/dhcp-lease.h"
#include "dhcp/dhcp-limit.h"
#include "dhcp/dhcp-wire.h"
#include "store/store.h"

#define SUBSYSTEM "dhcp"
/*
 * Maximum datagrams in one batch, which is also the maximum number of ACKs
 * one lease write holds back. Each batch reads one socket, so one busy
 * interface cannot starve others.
 */
#define BATCH_MAX 128
/*
 * How long a batch with lease rows goes on collecting datagrams before its
 * write: one disk flush then covers more ACKs, for at most this much delay
 * of each ACK. It reads what arrived every COMMIT_STEP_US, so that each
 * recvmmsg() and sendmmsg() carries many datagrams.
 */
#define COMMIT_DELAY_US 2000
#define COMMIT_STEP_US  500
/* Receive buffer asked for, so datagrams arriving during a disk flush wait instead of dropping. */
#define RCVBUF_BYTES (8 << 20)
/* Token buckets of the DISCOVER rate limits: sets of DHCP_RATE_WAYS buckets. */
#define RATE_SETS_MAC   4096
#define RATE_SETS_RELAY 128
/* A rate limit allows bursts of this many seconds' worth of DISCOVERs. */
#define RATE_BURST_SECONDS 4

struct dhcp_iface {
	char name[IFNAMSIZ];
	unsigned ifindex;
	int fd;
	uint32_t address; /* the interface's IPv4 address, 0 until it has one */
};

struct counters {
	_Atomic uint64_t received, malformed, dropped, discovers, offers, requests, acks, naks,
	        releases, declines, informs, pool_exhausted, rate_limited_mac, rate_limited_relay,
	        mac_lease_limit, reserved_refused, store_errors, batches, batch_rows, send_errors,
	        leases;
};

/*
 * Ancillary data room for one IP_PKTINFO message, which needs
 * CMSG_SPACE(sizeof(struct in_pktinfo)): 32 bytes on 64-bit Linux. The
 * size_t member gives the alignment of struct cmsghdr, whose flexible
 * array would make the union a variable-sized member of struct dhcp_slot.
 */
union pktinfo_control {
	char buf[64];
	size_t align;
};

/* One datagram of a batch: what came in, and its reply. */
struct dhcp_slot {
	uint8_t rx[DHCP_PACKET_MAX + 1];
	struct sockaddr_in peer;
	union pktinfo_control rx_control;
	struct iovec rx_iov;
	bool queued;   /* a reply waits in tx */
	bool ack;      /* the reply is the ACK of a lease in this batch's write */
	bool sent;     /* the reply went out, or failed to */
	bool fallback; /* when the unicast fails, broadcast it instead */
	enum dhcp_message_type reply_type;
	uint32_t address; /* yiaddr of the reply */
	size_t tx_len;
	uint8_t tx[DHCP_REPLY_MAX];
	struct sockaddr_in dst;
	union pktinfo_control tx_control;
	struct iovec tx_iov;
	/* Log fields of the request, for lines written after the commit. */
	struct dhcp_iface *iface;
	char mac[ADDR_MAC_STRLEN];
	char xid[11];
	char hostname[STORE_HOSTNAME_MAX];
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
	struct log_ratelimit rl_limits;
	struct log_ratelimit rl_store;
	struct dhcp_rate_table *rate_mac;
	struct dhcp_rate_table *rate_relay;
	/* Scratch owned by the server thread, reused for every batch. */
	struct dhcp_slot *slots; /* BATCH_MAX of them */
	struct mmsghdr rx_mm[BATCH_MAX];
	struct mmsghdr tx_mm[BATCH_MAX];
	struct dhcp_message msg;
	struct dhcp_reply reply;
};

/* One received message and what the handlers learn about it. */
struct dhcp_txn {
	struct dhcp_iface *iface;
	struct dhcp_slot *slot;
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
	char hostname[STORE_HOSTNAME_MAX]; /* option 12 with invalid bytes replaced, or "" */
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

/* Fills mh to send iov to dst out of iface, with the interface address as source when known. */
static void fill_send(struct msghdr *mh, struct dhcp_iface *iface, struct sockaddr_in *dst,
                      struct iovec *iov, union pktinfo_control *control)
{
	struct in_pktinfo *pi;
	struct cmsghdr *cm;

	memset(mh, 0, sizeof(*mh));
	memset(control, 0, sizeof(*control));
	mh->msg_name = dst;
	mh->msg_namelen = sizeof(*dst);
	mh->msg_iov = iov;
	mh->msg_iovlen = 1;
	mh->msg_control = control->buf;
	mh->msg_controllen = CMSG_SPACE(sizeof(struct in_pktinfo));
	cm = CMSG_FIRSTHDR(mh);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
	pi = (struct in_pktinfo *)(void *)CMSG_DATA(cm);
	pi->ipi_ifindex = (int)iface->ifindex;
	pi->ipi_spec_dst.s_addr = htonl(iface->address);
}

/* Sends the slot's reply to the broadcast address at once, after its unicast failed. */
static int send_broadcast(struct dhcp_server *srv, struct dhcp_slot *slot)
{
	union pktinfo_control control;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct iovec iov = { .iov_base = slot->tx, .iov_len = slot->tx_len };
	struct msghdr mh;

	dst.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	dst.sin_port = htons((uint16_t)(srv->cfg->dhcp_port + 1));
	fill_send(&mh, slot->iface, &dst, &iov, &control);
	if (sendmsg(slot->iface->fd, &mh, 0) < 0)
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

static void set_destination(struct dhcp_slot *slot, uint32_t addr, uint16_t port)
{
	memset(&slot->dst, 0, sizeof(slot->dst));
	slot->dst.sin_family = AF_INET;
	slot->dst.sin_addr.s_addr = htonl(addr);
	slot->dst.sin_port = htons(port);
}

/* Chooses the destination of a reply by RFC 2131 §4.1. */
static void route_reply(struct dhcp_server *srv, struct dhcp_txn *tx,
                        const struct dhcp_reply *reply)
{
	uint16_t server_port = (uint16_t)srv->cfg->dhcp_port;
	uint16_t client_port = (uint16_t)(server_port + 1);
	const struct dhcp_message *msg = tx->msg;
	struct dhcp_slot *slot = tx->slot;

	slot->fallback = false;
	if (msg->giaddr != 0)
		set_destination(slot, msg->giaddr, server_port);
	else if (tx->reply_type == DHCP_NAK)
		set_destination(slot, INADDR_BROADCAST, client_port);
	else if (msg->ciaddr != 0)
		set_destination(slot, msg->ciaddr, client_port);
	else if ((msg->flags & DHCP_FLAG_BROADCAST) || reply->yiaddr == 0)
		set_destination(slot, INADDR_BROADCAST, client_port);
	else if (set_arp_entry(tx->iface, reply->yiaddr, msg->chaddr) == 0) {
		set_destination(slot, reply->yiaddr, client_port);
		/* A unicast that fails goes out as a broadcast, which every client can receive. */
		slot->fallback = true;
	} else {
		/* Without the neighbour entry a unicast would wait for an ARP reply that never
		 * comes. */
		set_destination(slot, INADDR_BROADCAST, client_port);
	}
}

/*
 * Builds srv->reply into the transaction's slot and queues it there, to be
 * sent with the batch's other replies (ACKs of leases only after the
 * batch's write). Logs a failure (rate-limited).
 */
static int finish_reply(struct dhcp_server *srv, struct dhcp_txn *tx)
{
	struct dhcp_slot *slot = tx->slot;
	const uint8_t *prl = NULL;
	size_t prl_len = 0;
	int len;

	(void)dhcp_message_get(tx->msg, DHCP_OPT_PARAMETER_LIST, &prl, &prl_len);
	len = dhcp_reply_build(&srv->reply, prl, prl_len, dhcp_message_reply_limit(tx->msg),
	                       slot->tx, sizeof(slot->tx));
	if (len < 0) {
		if (log_ratelimit_allow(&srv->rl_other))
			log_event(LOG_LEVEL_WARNING, tx, tx->type, 0,
			          "reply to %s not sent: building it failed: %s", tx->mac,
			          strerror(-len));
		return len;
	}
	slot->tx_len = (size_t)len;
	slot->reply_type = tx->reply_type;
	slot->address = srv->reply.yiaddr;
	route_reply(srv, tx, &srv->reply);
	slot->queued = true;
	return 0;
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

/* The 48 bits of a MAC as a rate table key. */
static uint64_t mac_key(const uint8_t mac[ADDR_MAC_LEN])
{
	uint64_t key = 0;

	for (size_t i = 0; i < ADDR_MAC_LEN; i++)
		key = key << 8 | mac[i];
	return key;
}

/*
 * Applies the rate limits on new bindings, which every DISCOVER and every
 * REQUEST for an address the client holds no offer or lease on count
 * against: per MAC first, so one noisy client does not use up its relay's
 * tokens, then per relay (giaddr), or per interface for clients on the link.
 * A REQUEST that follows our OFFER, and a renewal, pass free. True when the
 * message may go on.
 */
static bool binding_allowed(struct dhcp_server *srv, struct dhcp_txn *tx,
                            enum dhcp_message_type type, uint32_t address)
{
	uint64_t now_ms = log_now_ms();
	/*
	 * A relayed message counts against the address it came from, not its
	 * giaddr: any client can write a giaddr, which would give it buckets of
	 * its own. Clients on the link share their interface's bucket.
	 */
	uint32_t relay = tx->msg->giaddr ? ntohl(tx->peer.sin_addr.s_addr) : 0;
	uint64_t relay_key = tx->msg->giaddr ? relay : (1ull << 32) | tx->iface->ifindex;
	const char *name = dhcp_message_type_name(type);
	char a[ADDR_IPV4_STRLEN];

	if (!dhcp_rate_allow(srv->rate_mac, mac_key(tx->msg->chaddr), now_ms)) {
		COUNT(srv, rate_limited_mac);
		if (log_ratelimit_allow(&srv->rl_limits))
			log_event(LOG_LEVEL_WARNING, tx, type, address,
			          "%s from %s dropped: over %u new bindings per second for one MAC",
			          name, tx->mac, srv->cfg->dhcp_discover_rate_per_mac);
		return false;
	}
	if (!dhcp_rate_allow(srv->rate_relay, relay_key, now_ms)) {
		COUNT(srv, rate_limited_relay);
		if (log_ratelimit_allow(&srv->rl_limits))
			log_event(LOG_LEVEL_WARNING, tx, type, address,
			          "%s from %s dropped: over %u new bindings per second %s %s", name,
			          tx->mac, srv->cfg->dhcp_discover_rate_per_relay,
			          tx->msg->giaddr ? "through relay" : "on",
			          tx->msg->giaddr ? ip_text(relay, a) : tx->iface->name);
		return false;
	}
	return true;
}

static void drop_mac_limit(struct dhcp_server *srv, struct dhcp_txn *tx,
                           enum dhcp_message_type type, uint32_t address)
{
	COUNT(srv, mac_lease_limit);
	if (log_ratelimit_allow(&srv->rl_limits))
		log_event(LOG_LEVEL_WARNING, tx, type, address,
		          "%s from %s dropped: the MAC holds %u offers or leases already",
		          dhcp_message_type_name(type), tx->mac, srv->cfg->dhcp_max_leases_per_mac);
}

static void handle_discover(struct dhcp_server *srv, struct dhcp_txn *tx)
{
	uint32_t requested = 0, address;
	struct dhcp_subnet *subnet;
	char a[ADDR_IPV4_STRLEN];
	int ret;

	COUNT(srv, discovers);
	if (!binding_allowed(srv, tx, DHCP_DISCOVER, 0))
		return;
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
	if (ret == -EDQUOT) {
		drop_mac_limit(srv, tx, DHCP_DISCOVER, 0);
		return;
	}
	if (ret < 0) {
		COUNT(srv, dropped);
		if (log_ratelimit_allow(&srv->rl_other))
			log_event(LOG_LEVEL_WARNING, tx, DHCP_DISCOVER, 0, "no offer to %s: %s",
			          tx->mac, strerror(-ret));
		return;
	}
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

	if (reason == -EADDRINUSE) {
		send_nak(srv, tx, address, "address not available to this client");
	} else if (reason == -EACCES) {
		COUNT(srv, reserved_refused);
		send_nak(srv, tx, address, "address is reserved for another client");
	} else if (!addr_in_prefix4(address, s->network, s->prefix_len)) {
		send_nak(srv, tx, address, "address is not in this client's subnet");
	} else {
		send_nak(srv, tx, address, "address is not in a dynamic range");
	}
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
	if (!dhcp_leases_holds(srv->leases, &tx->client, address) &&
	    !binding_allowed(srv, tx, DHCP_REQUEST, address))
		return;
	ret = dhcp_leases_request(srv->leases, subnet, &tx->client, tx->msg->chaddr,
	                          tx->hostname[0] ? tx->hostname : NULL, address, kind, &tx->now,
	                          NULL);
	if (ret == 0) {
		/* Logged and counted once the batch's write has succeeded. */
		if (send_lease_reply(srv, tx, subnet, DHCP_ACK, address) == 0)
			tx->slot->ack = true;
	} else if (ret == -EADDRNOTAVAIL || ret == -EADDRINUSE || ret == -EACCES) {
		nak_request(srv, tx, subnet, address, ret);
	} else if (ret == -EDQUOT) {
		drop_mac_limit(srv, tx, DHCP_REQUEST, address);
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

/*
 * Copies option 12 as a host name. Each byte other than a letter, digit,
 * '-', '_' or '.' becomes '-', and '-' and '.' are cut from both ends, so
 * "web 01" becomes "web-01". A name with nothing left is "".
 */
static void client_hostname(const struct dhcp_message *msg, char buf[STORE_HOSTNAME_MAX])
{
	char name[STORE_HOSTNAME_MAX];
	size_t start = 0, end;

	buf[0] = '\0';
	if (dhcp_message_get_string(msg, DHCP_OPT_HOSTNAME, name, sizeof(name)) < 0)
		return;
	for (char *p = name; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			*p = '-';
	}
	end = strlen(name);
	while (start < end && (name[start] == '-' || name[start] == '.'))
		start++;
	while (end > start && (name[end - 1] == '-' || name[end - 1] == '.'))
		end--;
	memcpy(buf, name + start, end - start);
	buf[end - start] = '\0';
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
	/* A group or all-zero chaddr is no NIC's, and a reply to it reaches no one. */
	if ((msg->chaddr[0] & 0x01) || memcmp(msg->chaddr, "\0\0\0\0\0\0", ADDR_MAC_LEN) == 0) {
		*ret_reason = "client hardware address is broadcast, multicast or zero";
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

static void handle_packet(struct dhcp_server *srv, struct dhcp_iface *iface, struct dhcp_slot *slot,
                          size_t len, uint32_t dst_addr, const struct dhcp_clock *now)
{
	struct dhcp_txn tx = { .iface = iface,
		               .slot = slot,
		               .msg = &srv->msg,
		               .peer = slot->peer,
		               .dst_addr = dst_addr,
		               .now = *now };
	const char *reason = NULL;
	int ret;

	ret = dhcp_message_parse(slot->rx, len, &srv->msg);
	if (ret < 0) {
		if (ret == -E2BIG)
			reason = "too many options";
		else if (len < DHCP_OPTIONS_OFF)
			reason = "shorter than the 240-byte header";
		else
			reason = "bad magic cookie or truncated options";
		drop_malformed(srv, iface, &slot->peer, len, reason);
		return;
	}
	addr_format_mac(srv->msg.chaddr, tx.mac);
	(void)snprintf(tx.xid, sizeof(tx.xid), "0x%08x", srv->msg.xid);
	ret = check_message(&tx, &reason);
	if (ret == -EBADMSG) {
		drop_malformed(srv, iface, &slot->peer, len, reason);
		return;
	}
	if (ret < 0) {
		COUNT(srv, dropped);
		log_debug(SUBSYSTEM, "packet from %s dropped: not a DHCP request from Ethernet",
		          tx.mac);
		return;
	}
	client_hostname(&srv->msg, tx.hostname);
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
	memcpy(slot->mac, tx.mac, sizeof(slot->mac));
	memcpy(slot->xid, tx.xid, sizeof(slot->xid));
	memcpy(slot->hostname, tx.hostname, sizeof(slot->hostname));
	dispatch(srv, &tx);
}

/* Reads up to BATCH_MAX - first datagrams from iface into srv->slots[first..]; returns how many. */
static size_t receive_batch(struct dhcp_server *srv, struct dhcp_iface *iface, size_t first)
{
	int n;

	for (size_t i = first; i < BATCH_MAX; i++) {
		struct dhcp_slot *slot = &srv->slots[i];
		struct msghdr *mh = &srv->rx_mm[i].msg_hdr;

		slot->rx_iov.iov_base = slot->rx;
		slot->rx_iov.iov_len = sizeof(slot->rx);
		memset(mh, 0, sizeof(*mh));
		mh->msg_name = &slot->peer;
		mh->msg_namelen = sizeof(slot->peer);
		mh->msg_iov = &slot->rx_iov;
		mh->msg_iovlen = 1;
		mh->msg_control = slot->rx_control.buf;
		mh->msg_controllen = sizeof(slot->rx_control.buf);
		srv->rx_mm[i].msg_len = 0;
	}
	do {
		n = recvmmsg(iface->fd, &srv->rx_mm[first], (unsigned)(BATCH_MAX - first),
		             MSG_DONTWAIT, NULL);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && log_ratelimit_allow(&srv->rl_other))
			log_error(SUBSYSTEM, "recvmmsg() on %s failed: %s", iface->name,
			          strerror(errno));
		return 0;
	}
	return (size_t)n;
}

/* The destination address of a received datagram, from its IP_PKTINFO. */
static uint32_t datagram_destination(struct msghdr *mh)
{
	uint32_t dst_addr = 0;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			dst_addr = ntohl(pi.ipi_addr.s_addr);
		}
	}
	return dst_addr;
}

/* Counts a reply that went out, and writes the ACK line deferred until its lease was stored. */
static void count_sent(struct dhcp_server *srv, const struct dhcp_slot *slot)
{
	char a[ADDR_IPV4_STRLEN];

	switch (slot->reply_type) {
	case DHCP_OFFER:
		COUNT(srv, offers);
		break;
	case DHCP_NAK:
		COUNT(srv, naks);
		break;
	default:
		COUNT(srv, acks);
		break;
	}
	if (slot->ack && log_enabled(LOG_LEVEL_INFO)) {
		struct dhcp_txn tx = { .iface = slot->iface };

		memcpy(tx.mac, slot->mac, sizeof(tx.mac));
		memcpy(tx.xid, slot->xid, sizeof(tx.xid));
		memcpy(tx.hostname, slot->hostname, sizeof(tx.hostname));
		log_event(LOG_LEVEL_INFO, &tx, DHCP_ACK, slot->address, "ack %s to %s",
		          ip_text(slot->address, a), slot->mac);
	}
}

/* Sends one failed unicast again as a broadcast, or counts and logs the failure. */
static void send_failed(struct dhcp_server *srv, struct dhcp_slot *slot, int err)
{
	if (slot->fallback && send_broadcast(srv, slot) == 0) {
		count_sent(srv, slot);
		return;
	}
	COUNT(srv, send_errors);
	if (log_ratelimit_allow(&srv->rl_other))
		log_warning(SUBSYSTEM, "sendmmsg() of reply to %s on %s failed: %s", slot->mac,
		            slot->iface->name, strerror(err));
}

/*
 * Sends the queued replies of slots[first..end), only those that are not
 * ACKs of this batch's leases unless acks is set, with as few sendmmsg()
 * calls as the kernel allows.
 */
static void send_batch(struct dhcp_server *srv, struct dhcp_iface *iface, size_t first, size_t end,
                       bool acks)
{
	struct dhcp_slot *queued[BATCH_MAX];
	size_t n_queued = 0, off = 0;

	for (size_t i = first; i < end; i++) {
		struct dhcp_slot *slot = &srv->slots[i];

		if (!slot->queued || slot->sent || (slot->ack && !acks))
			continue;
		slot->sent = true;
		slot->tx_iov.iov_base = slot->tx;
		slot->tx_iov.iov_len = slot->tx_len;
		fill_send(&srv->tx_mm[n_queued].msg_hdr, iface, &slot->dst, &slot->tx_iov,
		          &slot->tx_control);
		srv->tx_mm[n_queued].msg_len = 0;
		queued[n_queued++] = slot;
	}
	while (off < n_queued) {
		int sent = sendmmsg(iface->fd, &srv->tx_mm[off], (unsigned)(n_queued - off), 0);

		if (sent < 0 && errno == EINTR)
			continue;
		if (sent <= 0) {
			/* The message at off failed; the ones after it are tried again. */
			send_failed(srv, queued[off], sent < 0 ? errno : EIO);
			off++;
			continue;
		}
		for (int i = 0; i < sent; i++)
			count_sent(srv, queued[off + (size_t)i]);
		off += (size_t)sent;
	}
}

/* Drops the ACKs of a batch whose lease write failed, and logs it (rate-limited). */
static void drop_batch(struct dhcp_server *srv, size_t n, size_t rows, int err)
{
	size_t acks = 0;

	COUNT(srv, store_errors);
	for (size_t i = 0; i < n; i++) {
		if (!srv->slots[i].queued || srv->slots[i].sent)
			continue;
		COUNT(srv, dropped);
		acks++;
	}
	if (log_ratelimit_allow(&srv->rl_store)) {
		char changes_text[24], acks_text[24];
		struct log_field fields[] = {
			{ "changes", changes_text },
			{ "acks", acks_text },
		};

		(void)snprintf(changes_text, sizeof(changes_text), "%zu", rows);
		(void)snprintf(acks_text, sizeof(acks_text), "%zu", acks);
		log_fields(LOG_LEVEL_ERROR, SUBSYSTEM, fields, 2,
		           "lease batch not stored, its ACKs not sent: %s", strerror(-err));
	}
}

/* Decides the messages in slots[first..end) and sends the replies that need no write. */
static void handle_slots(struct dhcp_server *srv, struct dhcp_iface *iface, size_t first,
                         size_t end, const struct dhcp_clock *now)
{
	for (size_t i = first; i < end; i++) {
		struct dhcp_slot *slot = &srv->slots[i];
		struct msghdr *mh = &srv->rx_mm[i].msg_hdr;
		size_t len = srv->rx_mm[i].msg_len;

		slot->queued = false;
		slot->ack = false;
		slot->sent = false;
		slot->iface = iface;
		COUNT(srv, received);
		if ((mh->msg_flags & MSG_TRUNC) || len > DHCP_PACKET_MAX) {
			drop_malformed(srv, iface, &slot->peer, len, "longer than 4096 bytes");
			continue;
		}
		handle_packet(srv, iface, slot, len, datagram_destination(mh), now);
	}
	send_batch(srv, iface, first, end, false);
}

static uint64_t monotonic_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void sleep_us(uint64_t us)
{
	struct timespec ts = { .tv_sec = (time_t)(us / 1000000u),
		               .tv_nsec = (long)(us % 1000000u) * 1000 };

	(void)nanosleep(&ts, NULL);
}

/*
 * Handles one batch from iface: reads it, decides every message, writes
 * the batch's lease rows in one transaction, then sends the ACKs. An ACK
 * never leaves before the lease it acknowledges is on disk.
 */
static void process_batch(struct dhcp_server *srv, struct dhcp_iface *iface)
{
	struct dhcp_clock now;
	uint64_t deadline;
	size_t n, k, rows;
	int ret;

	n = receive_batch(srv, iface, 0);
	if (n == 0)
		return;
	dhcp_clock_now(&now);
	sync_leases(srv, &now);
	(void)dhcp_leases_begin(srv->leases);
	handle_slots(srv, iface, 0, n, &now);
	deadline = monotonic_us() + COMMIT_DELAY_US;
	while (n < BATCH_MAX && dhcp_leases_batch_rows(srv->leases) > 0) {
		uint64_t t = monotonic_us();

		if (t >= deadline)
			break;
		sleep_us(deadline - t < COMMIT_STEP_US ? deadline - t : COMMIT_STEP_US);
		k = receive_batch(srv, iface, n);
		handle_slots(srv, iface, n, n + k, &now);
		n += k;
	}
	rows = dhcp_leases_batch_rows(srv->leases);
	ret = dhcp_leases_commit(srv->leases);
	atomic_store_explicit(&srv->stats.leases, dhcp_leases_count(srv->leases),
	                      memory_order_relaxed);
	if (ret < 0) {
		drop_batch(srv, n, rows, ret);
		return;
	}
	if (rows > 0) {
		COUNT(srv, batches);
		atomic_fetch_add_explicit(&srv->stats.batch_rows, rows, memory_order_relaxed);
	}
	send_batch(srv, iface, 0, n, true);
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
				process_batch(srv, &srv->ifaces[i]);
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
	/* A larger buffer than net.core.rmem_max needs CAP_NET_ADMIN; without it, take the cap. */
	if (setsockopt(iface->fd, SOL_SOCKET, SO_RCVBUFFORCE, &(int){ RCVBUF_BYTES }, sizeof(int)) <
	    0)
		(void)setsockopt(iface->fd, SOL_SOCKET, SO_RCVBUF, &(int){ RCVBUF_BYTES },
		                 sizeof(int));
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
	srv->rl_limits = (struct log_ratelimit)LOG_RATELIMIT_INIT(1000, 5);
	srv->rl_store = (struct log_ratelimit)LOG_RATELIMIT_INIT(1000, 5);
	srv->slots = calloc(BATCH_MAX, sizeof(*srv->slots));
	if (srv->slots == NULL) {
		ret = -ENOMEM;
		goto out_free;
	}
	ret = dhcp_rate_table_new(RATE_SETS_MAC, cfg->dhcp_discover_rate_per_mac,
	                          cfg->dhcp_discover_rate_per_mac * RATE_BURST_SECONDS,
	                          &srv->rate_mac);
	if (ret < 0)
		goto out_free;
	ret = dhcp_rate_table_new(RATE_SETS_RELAY, cfg->dhcp_discover_rate_per_relay,
	                          cfg->dhcp_discover_rate_per_relay * RATE_BURST_SECONDS,
	                          &srv->rate_relay);
	if (ret < 0)
		goto out_free;
	dhcp_clock_now(&now);
	ret = dhcp_leases_new(st, cfg->dhcp_offer_hold, cfg->dhcp_decline_hold, &now, &srv->leases);
	if (ret < 0)
		goto out_free;
	dhcp_leases_set_max_per_mac(srv->leases, cfg->dhcp_max_leases_per_mac);
	*ret_server = srv;
	return 0;

out_free:
	dhcp_rate_table_free(srv->rate_mac);
	dhcp_rate_table_free(srv->rate_relay);
	free(srv->slots);
	free(srv);
	return ret;
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
	dhcp_rate_table_free(srv->rate_mac);
	dhcp_rate_table_free(srv->rate_relay);
	free(srv->slots);
	free(srv);
}

#define LOAD(field) atomic_load_explicit(&c->field, memory_order_relaxed)

void dhcp_server_get_stats(struct dhcp_server *srv, struct dhcp_stats *ret_stats)
{
	const struct counters *c = &srv->stats;

	*ret_stats = (struct dhcp_stats){
		.received = LOAD(received),
		.malformed = LOAD(malformed),
		.dropped = LOAD(dropped),
		.discovers = LOAD(discovers),
		.offers = LOAD(offers),
		.requests = LOAD(requests),
		.acks = LOAD(acks),
		.naks = LOAD(naks),
		.releases = LOAD(releases),
		.declines = LOAD(declines),
		.informs = LOAD(informs),
		.pool_exhausted = LOAD(pool_exhausted),
		.rate_limited_mac = LOAD(rate_limited_mac),
		.rate_limited_relay = LOAD(rate_limited_relay),
		.mac_lease_limit = LOAD(mac_lease_limit),
		.reserved_refused = LOAD(reserved_refused),
		.store_errors = LOAD(store_errors),
		.batches = LOAD(batches),
		.batch_rows = LOAD(batch_rows),
		.send_errors = LOAD(send_errors),
		.leases = LOAD(leases),
	};
}
