/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ra -- Router Advertisement sender: unsolicited advertisements on a timer
 * (RFC 4861 §6.2.4) and replies to Router Solicitations (§6.2.6), multicast
 * to all nodes from the interface's link-local address.
 */
#include "ra/ra.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "ra/ra-wire.h"

#define SUBSYSTEM "ra"

/* RFC 4861 §10 router constants. */
#define MAX_INITIAL_RTR_ADVERTISEMENTS     3
#define MAX_INITIAL_RTR_ADVERT_INTERVAL_MS 16000
#define MIN_DELAY_BETWEEN_RAS_MS           3000
#define MAX_RA_DELAY_MS                    500
/*
 * Retry interval after a failed send. Right after link-up the link-local
 * address is tentative during duplicate address detection (about 1-2 s on
 * Linux) and sendmsg() fails with EINVAL, so only a failure that persists
 * for SEND_FAILURES_WARN retries is logged as a warning.
 */
#define SEND_RETRY_MS      1000
#define SEND_FAILURES_WARN 5
/* Solicitations read per interface per wakeup. */
#define RECV_BURST 16
/* Largest ICMPv6 message read; longer ones are truncated and fail validation. */
#define PACKET_RX_MAX 1280

struct ra_iface {
	char name[IF_NAMESIZE];
	unsigned ifindex;
	int sock;
	unsigned initial_left; /* unsolicited advertisements still at the initial pace */
	uint64_t next_unsolicited_ms;
	uint64_t reply_at_ms;       /* solicited advertisement due; 0 when none is pending */
	uint64_t last_multicast_ms; /* 0 before the first one */
	bool reply_unicast;         /* the pending reply goes to reply_to only */
	struct in6_addr reply_to;
	unsigned send_failures; /* consecutive failed sends */
};

struct ra_sender {
	struct ra_iface ifaces[CONFIG_INTERFACES_MAX];
	size_t n_ifaces;
	uint32_t interval_ms;
	int stop_fd;
	pthread_t thread;
	bool running;
	struct log_ratelimit malformed_rl; /* owned by the thread */

	_Atomic uint64_t sent;
	_Atomic uint64_t solicitations;
	_Atomic uint64_t malformed;
};

static void stat_add(_Atomic uint64_t *counter)
{
	atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

/* A uniformly spread value in [0, n); timing jitter only, so no strength is needed. */
static uint32_t random_below(uint32_t n)
{
	uint32_t v = 0;

	if (n == 0)
		return 0;
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
		v = (uint32_t)log_now_ms();
	return v % n;
}

/*
 * Delay until the next unsolicited advertisement: uniform between 3/4 of
 * the interval and the interval (MinRtrAdvInterval and MaxRtrAdvInterval),
 * capped at 16 s for the first three (RFC 4861 §6.2.4).
 */
static uint64_t next_unsolicited_delay(const struct ra_sender *ra, struct ra_iface *ifc)
{
	uint32_t max = ra->interval_ms;
	uint32_t min = max / 4 * 3;
	uint64_t delay = min + random_below(max - min + 1);

	if (ifc->initial_left > 0) {
		ifc->initial_left--;
		if (delay > MAX_INITIAL_RTR_ADVERT_INTERVAL_MS)
			delay = MAX_INITIAL_RTR_ADVERT_INTERVAL_MS;
	}
	return delay;
}

/* Finds the interface's link-local address and, when it has one, its 6-byte MAC. */
static int iface_addresses(const struct ra_iface *ifc, struct in6_addr *ret_lladdr,
                           uint8_t ret_mac[RA_MAC_LEN], bool *ret_has_mac)
{
	struct ifaddrs *list, *ifa;
	bool found = false, has_mac = false;

	if (getifaddrs(&list) < 0)
		return -errno;
	for (ifa = list; ifa != NULL; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL || strcmp(ifa->ifa_name, ifc->name) != 0)
			continue;
		if (ifa->ifa_addr->sa_family == AF_INET6 && !found) {
			struct sockaddr_in6 sin6;

			memcpy(&sin6, ifa->ifa_addr, sizeof(sin6));
			if (IN6_IS_ADDR_LINKLOCAL(&sin6.sin6_addr)) {
				*ret_lladdr = sin6.sin6_addr;
				found = true;
			}
		} else if (ifa->ifa_addr->sa_family == AF_PACKET && !has_mac) {
			struct sockaddr_ll sll;

			memcpy(&sll, ifa->ifa_addr, sizeof(sll));
			if (sll.sll_halen == RA_MAC_LEN) {
				memcpy(ret_mac, sll.sll_addr, RA_MAC_LEN);
				has_mac = true;
			}
		}
	}
	freeifaddrs(list);
	if (!found)
		return -EADDRNOTAVAIL;
	*ret_has_mac = has_mac;
	return 0;
}

/*
 * Sends one advertisement from the interface's link-local address, to
 * unicast when it is non-NULL and to ff02::1 otherwise.
 */
static int send_advert(struct ra_iface *ifc, const struct in6_addr *unicast)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} control;
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6, .sin6_scope_id = ifc->ifindex };
	struct in6_pktinfo pi = { .ipi6_ifindex = ifc->ifindex };
	uint8_t mac[RA_MAC_LEN], packet[RA_ADVERT_LEN];
	struct iovec iov = { .iov_base = packet };
	struct msghdr msg = {
		.msg_name = &dst,
		.msg_namelen = sizeof(dst),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cm;
	bool has_mac = false;
	int r;

	r = iface_addresses(ifc, &pi.ipi6_addr, mac, &has_mac);
	if (r < 0)
		return r;
	r = ra_build_advert(packet, sizeof(packet), has_mac ? mac : NULL, &iov.iov_len);
	if (r < 0)
		return r;
	if (unicast)
		dst.sin6_addr = *unicast;
	else
		(void)inet_pton(AF_INET6, "ff02::1", &dst.sin6_addr);

	memset(&control, 0, sizeof(control));
	cm = &control.align; /* CMSG_FIRSTHDR() of our own buffer */
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	if (sendmsg(ifc->sock, &msg, MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

/* Sends a due advertisement and schedules the next one; logs a persistent failure once. */
static void iface_advertise(struct ra_sender *ra, struct ra_iface *ifc, uint64_t now,
                            bool solicited)
{
	bool unicast = solicited && ifc->reply_unicast;
	int r = send_advert(ifc, unicast ? &ifc->reply_to : NULL);

	ifc->reply_at_ms = 0;
	ifc->reply_unicast = false;
	if (r < 0) {
		if (++ifc->send_failures == SEND_FAILURES_WARN)
			log_warning(SUBSYSTEM,
			            "advertisement on %s not sent: %s; retrying every second",
			            ifc->name,
			            r == -EADDRNOTAVAIL ? "no link-local address" : strerror(-r));
		else
			log_debug(SUBSYSTEM, "advertisement on %s not sent: %s", ifc->name,
			          strerror(-r));
		ifc->next_unsolicited_ms = now + SEND_RETRY_MS;
		return;
	}
	if (ifc->send_failures >= SEND_FAILURES_WARN)
		log_notice(SUBSYSTEM, "advertisement on %s sent after %u failures", ifc->name,
		           ifc->send_failures);
	ifc->send_failures = 0;
	stat_add(&ra->sent);
	log_debug(SUBSYSTEM, "advertisement sent on %s solicited=%s unicast=%s", ifc->name,
	          solicited ? "yes" : "no", unicast ? "yes" : "no");
	/* A unicast reply neither counts against the multicast rate nor moves the timer. */
	if (unicast)
		return;
	ifc->last_multicast_ms = now;
	ifc->next_unsolicited_ms = now + next_unsolicited_delay(ra, ifc);
}

/*
 * Schedules the reply to a solicitation after a random delay of up to
 * 500 ms (RFC 4861 §6.2.6). A solicitation from a host with an address is
 * answered by unicast, which the 3 s spacing of multicast advertisements
 * does not apply to, so a booting iPXE waits at most 500 ms. One from the
 * unspecified address, or a second host's while a reply is pending, gets
 * a multicast reply at least 3 s after the previous multicast one.
 */
static void iface_schedule_reply(struct ra_iface *ifc, uint64_t now, const struct in6_addr *from)
{
	uint64_t at = now + random_below(MAX_RA_DELAY_MS + 1);

	if (ifc->reply_at_ms == 0 && from != NULL) {
		ifc->reply_unicast = true;
		ifc->reply_to = *from;
		ifc->reply_at_ms = at;
		return;
	}
	if (ifc->reply_at_ms != 0 && !ifc->reply_unicast)
		return;
	if (ifc->reply_unicast && from != NULL && IN6_ARE_ADDR_EQUAL(from, &ifc->reply_to))
		return;
	ifc->reply_unicast = false;
	if (ifc->last_multicast_ms != 0 && at < ifc->last_multicast_ms + MIN_DELAY_BETWEEN_RAS_MS)
		at = ifc->last_multicast_ms + MIN_DELAY_BETWEEN_RAS_MS;
	ifc->reply_at_ms = at;
}

/* Returns the IP hop limit from the ancillary data, or -1 when it is missing. */
static int received_hop_limit(struct msghdr *msg)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		int hop_limit;

		if (cm->cmsg_level != IPPROTO_IPV6 || cm->cmsg_type != IPV6_HOPLIMIT ||
		    cm->cmsg_len < CMSG_LEN(sizeof(hop_limit)))
			continue;
		memcpy(&hop_limit, CMSG_DATA(cm), sizeof(hop_limit));
		return hop_limit;
	}
	return -1;
}

static void iface_on_solicitation(struct ra_sender *ra, struct ra_iface *ifc, const uint8_t *buf,
                                  size_t len, struct msghdr *msg, const struct sockaddr_in6 *src)
{
	char from[INET6_ADDRSTRLEN];
	struct ra_solicit rs;
	int r;

	r = ra_solicit_parse(buf, len, received_hop_limit(msg),
	                     IN6_IS_ADDR_UNSPECIFIED(&src->sin6_addr), &rs);
	(void)inet_ntop(AF_INET6, &src->sin6_addr, from, sizeof(from));
	if (r < 0 || (msg->msg_flags & MSG_TRUNC)) {
		stat_add(&ra->malformed);
		if (log_enabled(LOG_LEVEL_DEBUG) && log_ratelimit_allow(&ra->malformed_rl))
			log_debug(SUBSYSTEM, "solicitation from %s on %s dropped: invalid", from,
			          ifc->name);
		return;
	}
	stat_add(&ra->solicitations);
	log_debug(SUBSYSTEM, "solicitation from %s on %s", from, ifc->name);
	iface_schedule_reply(ifc, log_now_ms(),
	                     IN6_IS_ADDR_UNSPECIFIED(&src->sin6_addr) ? NULL : &src->sin6_addr);
}

static void iface_on_readable(struct ra_sender *ra, struct ra_iface *ifc)
{
	uint8_t buf[PACKET_RX_MAX];

	for (int i = 0; i < RECV_BURST; i++) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo))];
		} control;
		struct sockaddr_in6 src;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = {
			.msg_name = &src,
			.msg_namelen = sizeof(src),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = control.buf,
			.msg_controllen = sizeof(control.buf),
		};
		ssize_t n = recvmsg(ifc->sock, &msg, 0);

		if (n < 0)
			return;
		if (msg.msg_namelen != sizeof(src) || src.sin6_family != AF_INET6)
			continue;
		iface_on_solicitation(ra, ifc, buf, (size_t)n, &msg, &src);
	}
}

/* Milliseconds until the next due advertisement on any interface. */
static int next_timeout(const struct ra_sender *ra)
{
	uint64_t now = log_now_ms(), earliest = UINT64_MAX;

	for (size_t i = 0; i < ra->n_ifaces; i++) {
		const struct ra_iface *ifc = &ra->ifaces[i];

		if (ifc->next_unsolicited_ms < earliest)
			earliest = ifc->next_unsolicited_ms;
		if (ifc->reply_at_ms != 0 && ifc->reply_at_ms < earliest)
			earliest = ifc->reply_at_ms;
	}
	if (earliest <= now)
		return 0;
	return earliest - now > 60000 ? 60000 : (int)(earliest - now);
}

static void *sender_thread(void *arg)
{
	struct ra_sender *ra = arg;
	struct pollfd fds[CONFIG_INTERFACES_MAX + 1];

	fds[0] = (struct pollfd){ .fd = ra->stop_fd, .events = POLLIN };
	for (size_t i = 0; i < ra->n_ifaces; i++)
		fds[i + 1] = (struct pollfd){ .fd = ra->ifaces[i].sock, .events = POLLIN };

	for (;;) {
		uint64_t now;
		int n = poll(fds, ra->n_ifaces + 1, next_timeout(ra));

		if (n < 0 && errno != EINTR) {
			log_error(SUBSYSTEM, "poll() failed: %s; advertisements stopped",
			          strerror(errno));
			break;
		}
		if (n > 0 && (fds[0].revents & POLLIN))
			break;
		for (size_t i = 0; n > 0 && i < ra->n_ifaces; i++)
			if (fds[i + 1].revents & POLLIN)
				iface_on_readable(ra, &ra->ifaces[i]);

		now = log_now_ms();
		for (size_t i = 0; i < ra->n_ifaces; i++) {
			struct ra_iface *ifc = &ra->ifaces[i];
			bool solicited = ifc->reply_at_ms != 0 && now >= ifc->reply_at_ms;

			if (solicited || now >= ifc->next_unsolicited_ms)
				iface_advertise(ra, ifc, now, solicited);
		}
	}
	return NULL;
}

int ra_sender_new(const struct config *cfg, struct ra_sender **ret_sender)
{
	struct ra_sender *ra;

	if (cfg->n_ra_interfaces == 0 || cfg->n_ra_interfaces > CONFIG_INTERFACES_MAX ||
	    cfg->ra_interval == 0)
		return -EINVAL;
	ra = calloc(1, sizeof(*ra));
	if (ra == NULL)
		return -ENOMEM;
	ra->n_ifaces = cfg->n_ra_interfaces;
	ra->interval_ms = cfg->ra_interval * 1000u;
	ra->stop_fd = -1;
	ra->malformed_rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(1000, 10);
	for (size_t i = 0; i < ra->n_ifaces; i++) {
		(void)snprintf(ra->ifaces[i].name, sizeof(ra->ifaces[i].name), "%s",
		               cfg->ra_interfaces[i]);
		ra->ifaces[i].sock = -1;
	}
	*ret_sender = ra;
	return 0;
}

/* Applies one socket option; logs the failing call with the interface. */
static int set_option(const struct ra_iface *ifc, int level, int name, const void *value,
                      socklen_t len, const char *what)
{
	int r;

	if (setsockopt(ifc->sock, level, name, value, len) == 0)
		return 0;
	r = -errno;
	log_error(SUBSYSTEM, "setsockopt(%s) on %s failed: %s", what, ifc->name, strerror(-r));
	return r;
}

/*
 * Opens the interface's raw ICMPv6 socket: bound to the device, hop limit 255
 * both ways, only Router Solicitations passed in, member of ff02::2.
 */
static int iface_open(struct ra_iface *ifc)
{
	struct ipv6_mreq mreq = { .ipv6mr_interface = ifc->ifindex };
	struct icmp6_filter filter;
	int hops = RA_HOP_LIMIT, one = 1, zero = 0, r;
	int ifindex;

	ifc->sock = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (ifc->sock < 0) {
		r = -errno;
		log_error(SUBSYSTEM, "socket(ICMPv6) for %s failed: %s", ifc->name, strerror(-r));
		return r;
	}
	ICMP6_FILTER_SETBLOCKALL(&filter);
	ICMP6_FILTER_SETPASS(ND_ROUTER_SOLICIT, &filter);
	(void)inet_pton(AF_INET6, "ff02::2", &mreq.ipv6mr_multiaddr);
	ifindex = (int)ifc->ifindex;

	r = set_option(ifc, SOL_SOCKET, SO_BINDTODEVICE, ifc->name, (socklen_t)strlen(ifc->name),
	               "SO_BINDTODEVICE");
	if (r == 0)
		r = set_option(ifc, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter),
		               "ICMP6_FILTER");
	if (r == 0)
		r = set_option(ifc, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops),
		               "IPV6_MULTICAST_HOPS");
	if (r == 0)
		r = set_option(ifc, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops),
		               "IPV6_UNICAST_HOPS");
	if (r == 0)
		r = set_option(ifc, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex),
		               "IPV6_MULTICAST_IF");
	if (r == 0)
		r = set_option(ifc, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero),
		               "IPV6_MULTICAST_LOOP");
	if (r == 0)
		r = set_option(ifc, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one),
		               "IPV6_RECVHOPLIMIT");
	if (r == 0)
		r = set_option(ifc, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mreq, sizeof(mreq),
		               "IPV6_ADD_MEMBERSHIP ff02::2");
	return r;
}

static void sender_close_fds(struct ra_sender *ra)
{
	for (size_t i = 0; i < ra->n_ifaces; i++) {
		if (ra->ifaces[i].sock >= 0)
			(void)close(ra->ifaces[i].sock);
		ra->ifaces[i].sock = -1;
	}
	if (ra->stop_fd >= 0)
		(void)close(ra->stop_fd);
	ra->stop_fd = -1;
}

/* Starts the thread with every signal blocked, so signals reach the main thread. */
static int sender_spawn(struct ra_sender *ra)
{
	sigset_t all, old;
	int r;

	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&ra->thread, NULL, sender_thread, ra);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		log_error(SUBSYSTEM, "pthread_create() failed: %s", strerror(-r));
	return r;
}

int ra_sender_start(struct ra_sender *ra)
{
	int r;

	if (ra->running)
		return -EALREADY;
	for (size_t i = 0; i < ra->n_ifaces; i++) {
		struct ra_iface *ifc = &ra->ifaces[i];

		ifc->ifindex = if_nametoindex(ifc->name);
		if (ifc->ifindex == 0) {
			r = -ENODEV;
			log_error(SUBSYSTEM, "interface %s not found", ifc->name);
			goto out_close;
		}
		r = iface_open(ifc);
		if (r < 0)
			goto out_close;
		ifc->initial_left = MAX_INITIAL_RTR_ADVERTISEMENTS;
		ifc->next_unsolicited_ms = 0; /* the first advertisement goes out at once */
		ifc->reply_at_ms = 0;
		ifc->last_multicast_ms = 0;
		ifc->send_failures = 0;
	}
	ra->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ra->stop_fd < 0) {
		r = -errno;
		log_error(SUBSYSTEM, "eventfd() failed: %s", strerror(-r));
		goto out_close;
	}
	r = sender_spawn(ra);
	if (r < 0)
		goto out_close;

	ra->running = true;
	for (size_t i = 0; i < ra->n_ifaces; i++)
		log_notice(SUBSYSTEM, "sending router advertisements on %s interval=%u",
		           ra->ifaces[i].name, ra->interval_ms / 1000u);
	return 0;

out_close:
	sender_close_fds(ra);
	return r;
}

void ra_sender_stop(struct ra_sender *ra)
{
	uint64_t one = 1;

	if (ra == NULL || !ra->running)
		return;
	if (write(ra->stop_fd, &one, sizeof(one)) != sizeof(one))
		log_error(SUBSYSTEM, "stop signal failed: %s", strerror(errno));
	(void)pthread_join(ra->thread, NULL);
	ra->running = false;
	sender_close_fds(ra);
}

void ra_sender_free(struct ra_sender *ra)
{
	if (ra == NULL)
		return;
	ra_sender_stop(ra);
	free(ra);
}

void ra_sender_get_stats(struct ra_sender *ra, struct ra_stats *ret_stats)
{
	*ret_stats = (struct ra_stats){
		.sent = atomic_load_explicit(&ra->sent, memory_order_relaxed),
		.solicitations = atomic_load_explicit(&ra->solicitations, memory_order_relaxed),
		.malformed = atomic_load_explicit(&ra->malformed, memory_order_relaxed),
	};
}
