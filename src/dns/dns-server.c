/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dns-server -- sockets and threads around dns-answer. Readers publish the
 * snapshot they use in a per-thread hazard slot. The refresher swaps the
 * current pointer and frees the old snapshot once no slot points at it, so
 * answers never wait for a rebuild.
 */
#include "dns/dns-server.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/log.h"
#include "dns/dns-answer.h"
#include "dns/dns-zone.h"
#include "store/store-dns.h"

#define DNS_WORKERS_MAX 64
#define UDP_BATCH       32
#define UDP_QUERY_MAX   4096
#define TCP_CONNS_MAX   256
#define TCP_IDLE_MS     10000 /* RFC 7766 §6.2.3 leaves the idle timeout to the server */
/*
 * Queued response bytes per connection. At TCP_OUT_PAUSE the connection's
 * further queries wait until the client reads, so answers to queries never
 * queue more than TCP_OUT_PAUSE plus one 64 KiB message. Only a zone
 * transfer, which is queued whole and only for allow_transfer peers, may
 * reach TCP_OUT_XFR_MAX.
 */
#define TCP_OUT_PAUSE      (64u << 10)
#define TCP_OUT_QUERY_MAX  (TCP_OUT_PAUSE + 2u + DNS_TCP_MAX)
#define TCP_OUT_XFR_MAX    (64u << 20)
#define WAKE_MS            200
#define NOTIFY_PENDING_MAX 1024
#define NOTIFY_RETRY_MS    2000
#define NOTIFY_TRIES       5
#define SERIAL_RESERVE     1000 /* serials reserved in the store ahead of use */

struct dns_server;

/*
 * Query counters written by one thread only, so a relaxed load and store
 * count without a locked instruction; other threads read them relaxed.
 */
struct query_counters {
	atomic_uint_least64_t queries;
	atomic_uint_least64_t unanswered;
	atomic_uint_least64_t rcodes[DNS_STATS_RCODES];
};

struct dns_worker {
	struct dns_server *srv;
	struct query_counters counters;
	pthread_t thread;
	int fd;
	bool started;
	_Atomic(struct dns_snapshot *) hazard;
	uint8_t in[UDP_BATCH][UDP_QUERY_MAX];
	uint8_t out[UDP_BATCH][DNS_UDP_MAX];
};

struct tcp_conn {
	int fd;
	uint32_t peer;    /* source address, host order */
	uint64_t last_ms; /* last byte received or sent */
	uint8_t in[2 + DNS_TCP_MAX];
	size_t in_len;
	uint8_t *out;
	size_t out_len;
	size_t out_off;
	size_t out_cap;
	bool allowed;           /* peer may transfer unsigned */
	uint32_t transfer_keys; /* bit i: peer may transfer with a request signed by key i */
	bool transfer;          /* a zone transfer is being queued */
	bool closing;
};

/* TCP connections closed or rejected to keep the service available. */
struct tcp_counters {
	atomic_uint_least64_t per_client_rejected; /* over [dns] tcp_connections_per_client */
	atomic_uint_least64_t idle_evicted;    /* closed to make room when all slots were taken */
	atomic_uint_least64_t output_stalled;  /* queued answers not read within TCP_IDLE_MS */
	atomic_uint_least64_t output_overflow; /* queued output above its cap */
	struct query_counters queries;
};

struct notify_entry {
	uint8_t apex[DNS_NAME_MAX];
	size_t apex_len;
	uint32_t address;
	uint16_t port;
	uint16_t id;
	unsigned tries;
	uint64_t next_ms;
	int key;                    /* index into the keyring that signs, or -1 */
	struct dns_tsig_state tsig; /* contains the sent NOTIFY's MAC for the response check */
};

struct dns_server {
	const struct config *cfg;
	struct store *st;
	struct dns_zone_params params;
	struct dns_tsig_keyring keys;
	_Atomic(struct dns_snapshot *) current;
	_Atomic bool stopping;

	struct dns_worker *workers;
	size_t n_workers;

	int tcp_fd;
	int epoll_fd;
	pthread_t tcp_thread;
	bool tcp_started;
	_Atomic(struct dns_snapshot *) tcp_hazard;
	struct tcp_conn *conns[TCP_CONNS_MAX];
	uint8_t tcp_scratch[DNS_TCP_MAX];
	struct tcp_counters tcp_counters; /* written only by the TCP thread */
	struct log_ratelimit tcp_rl;

	pthread_t refresher;
	bool refresher_started;
	struct store_dns_changes seen;
	struct store_dns_inventory inv;
	int notify_fd;
	struct notify_entry notify[NOTIFY_PENDING_MAX];
	size_t n_notify;
	uint16_t notify_id;
};

static uint64_t now_ms(void)
{
	return log_now_ms();
}

static uint64_t now_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t wall_seconds(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

/*
 * Applies [dns] allow_transfer to addr: an entry without a key allows it
 * unsigned, an entry with key i allows requests that key signed.
 */
static void transfer_acl(const struct config *cfg, uint32_t addr, struct dns_answer_opts *opts)
{
	opts->transfer_allowed = false;
	opts->transfer_keys = 0;
	for (size_t i = 0; i < cfg->n_dns_transfer; i++) {
		if (!addr_in_prefix4(addr, cfg->dns_transfer_network[i],
		                     cfg->dns_transfer_prefix_len[i]))
			continue;
		if (cfg->dns_transfer_key[i] < 0)
			opts->transfer_allowed = true;
		else
			opts->transfer_keys |= 1u << cfg->dns_transfer_key[i];
	}
}

/* Snapshots */

static struct dns_snapshot *snapshot_acquire(struct dns_server *srv,
                                             _Atomic(struct dns_snapshot *) *hazard)
{
	struct dns_snapshot *s;

	/* Publish, then re-check: the refresher cannot free what a slot shows. */
	do {
		s = atomic_load(&srv->current);
		atomic_store(hazard, s);
	} while (s != atomic_load(&srv->current));
	return s;
}

static void snapshot_release(_Atomic(struct dns_snapshot *) *hazard)
{
	atomic_store(hazard, NULL);
}

static bool snapshot_in_use(struct dns_server *srv, const struct dns_snapshot *s)
{
	for (size_t i = 0; i < srv->n_workers; i++)
		if (atomic_load(&srv->workers[i].hazard) == s)
			return true;
	return atomic_load(&srv->tcp_hazard) == s;
}

/* Frees a snapshot taken out of srv->current once no reader uses it. */
static void snapshot_retire(struct dns_server *srv, struct dns_snapshot *old)
{
	struct timespec pause = { .tv_nsec = 20000 };

	while (old && snapshot_in_use(srv, old))
		(void)nanosleep(&pause, NULL);
	dns_snapshot_free(old);
}

/* Serials */

static void apex_text(const struct dns_zone *z, char buf[DNS_NAME_STRLEN])
{
	size_t len;

	if (dns_name_to_text(z->apex, buf, DNS_NAME_STRLEN) < 0)
		buf[0] = '\0';
	len = strlen(buf);
	if (len > 1)
		buf[len - 1] = '\0'; /* stored without the final dot */
}

/*
 * Gives zones new to snap the serial the store remembers, or one above
 * everything served before when their content changed meanwhile; reserves
 * serials ahead in the store so a crash never reuses one. Sets changed[i]
 * when zone i must be written back and announced.
 */
static int resolve_serials(struct store *st, struct dns_snapshot *snap,
                           const struct dns_snapshot *prev, bool *changed)
{
	for (size_t i = 0; i < snap->n_zones; i++) {
		struct dns_zone *z = &snap->zones[i];
		const struct dns_zone *old = dns_snapshot_zone_by_apex(prev, z->apex, z->apex_len);
		struct store_dns_zone_state state = { 0 };
		char apex[DNS_NAME_STRLEN];
		int r;

		changed[i] = false;
		if (old && old->serial == z->serial)
			continue;
		apex_text(z, apex);
		r = store_dns_zone_state_get(st, apex, &state);
		if (r < 0 && r != -ENOENT)
			return r;
		if (old == NULL) {
			uint32_t serial = r == 0 && state.content_hash == z->content_hash
			                          ? state.serial
			                          : state.serial_ceiling + 1;

			dns_snapshot_set_serial(snap, i, serial ? serial : 1);
		}
		changed[i] = r == -ENOENT || z->serial != state.serial ||
		             z->content_hash != state.content_hash;
		if (r == -ENOENT || (int32_t)(z->serial - state.serial_ceiling) > 0) {
			state.serial = z->serial;
			state.content_hash = z->content_hash;
			state.serial_ceiling = z->serial + SERIAL_RESERVE;
			r = store_dns_zone_state_put(st, apex, &state);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Writes serial and content hash of changed zones; runs after the swap, off the answer path. */
static void persist_serials(struct dns_server *srv, const struct dns_snapshot *snap,
                            const bool *changed)
{
	for (size_t i = 0; i < snap->n_zones; i++) {
		const struct dns_zone *z = &snap->zones[i];
		struct store_dns_zone_state state;
		char apex[DNS_NAME_STRLEN];

		if (!changed[i])
			continue;
		apex_text(z, apex);
		if (store_dns_zone_state_get(srv->st, apex, &state) < 0)
			continue;
		state.serial = z->serial;
		state.content_hash = z->content_hash;
		if (store_dns_zone_state_put(srv->st, apex, &state) < 0)
			log_warning("dns", "zone %s serial %u not stored: %s", apex, z->serial,
			            store_last_error(srv->st));
	}
}

/*
 * Builds a snapshot from the store; reloads the inventory when
 * reload_inventory. Writes the time the store reads ended to *ret_loaded_us
 * (may be NULL): the reads wait for a writer's commit, the build does not.
 */
static int build(const struct dns_zone_params *params, struct store *st,
                 struct store_dns_inventory *inv, bool reload_inventory, struct dns_snapshot *prev,
                 struct dns_snapshot **ret_snap, size_t *ret_skipped, uint64_t *ret_loaded_us)
{
	struct store_dns_record *records = NULL;
	size_t n_records = 0;
	int r;

	if (reload_inventory) {
		struct store_dns_inventory fresh;

		r = store_dns_inventory_load(st, &fresh);
		if (r < 0)
			return r;
		store_dns_inventory_done(inv);
		*inv = fresh;
	}
	r = store_dns_record_list(st, &records, &n_records);
	if (r < 0)
		return r;
	if (ret_loaded_us)
		*ret_loaded_us = now_us();
	r = dns_snapshot_build(params, inv, records, n_records, prev, !reload_inventory, ret_snap,
	                       ret_skipped);
	free(records);
	return r;
}

/* NOTIFY (RFC 1996) */

static void notify_send(struct dns_server *srv, struct notify_entry *e)
{
	const struct dns_snapshot *snap = atomic_load(&srv->current);
	const struct dns_zone *z = dns_snapshot_zone_by_apex(snap, e->apex, e->apex_len);
	struct sockaddr_in to = { .sin_family = AF_INET,
		                  .sin_port = htons(e->port),
		                  .sin_addr.s_addr = htonl(e->address) };
	uint8_t msg[DNS_UDP_MIN];
	size_t len;

	e->tries++;
	e->next_ms = now_ms() + NOTIFY_RETRY_MS;
	if (z == NULL || dns_notify_build(z, e->id, msg, sizeof(msg), &len) < 0)
		return;
	if (e->key >= 0) {
		dns_tsig_state_init(&e->tsig, &srv->keys.keys[e->key]);
		if (dns_tsig_sign(&e->tsig, msg, len, sizeof(msg), wall_seconds(), &len) < 0)
			return;
	}
	if (sendto(srv->notify_fd, msg, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		log_debug("dns", "sendto() of NOTIFY failed: %s", strerror(errno));
}

static void notify_queue(struct dns_server *srv, const struct dns_zone *z)
{
	for (size_t k = 0; k < srv->cfg->n_dns_notify; k++) {
		struct notify_entry *e = NULL;

		for (size_t i = 0; i < srv->n_notify && e == NULL; i++)
			if (srv->notify[i].apex_len == z->apex_len &&
			    memcmp(srv->notify[i].apex, z->apex, z->apex_len) == 0 &&
			    srv->notify[i].address == srv->cfg->dns_notify_address[k] &&
			    srv->notify[i].port == srv->cfg->dns_notify_port[k])
				e = &srv->notify[i];
		if (e == NULL && srv->n_notify == NOTIFY_PENDING_MAX) {
			log_warning("dns", "NOTIFY dropped: %d notifications pending",
			            NOTIFY_PENDING_MAX);
			return;
		}
		if (e == NULL)
			e = &srv->notify[srv->n_notify++];
		memcpy(e->apex, z->apex, z->apex_len);
		e->apex_len = z->apex_len;
		e->address = srv->cfg->dns_notify_address[k];
		e->port = srv->cfg->dns_notify_port[k];
		e->key = srv->cfg->dns_notify_key[k];
		e->id = ++srv->notify_id;
		e->tries = 0;
		notify_send(srv, e);
	}
}

static void notify_remove(struct dns_server *srv, size_t i)
{
	srv->notify[i] = srv->notify[--srv->n_notify];
}

/*
 * Checks the TSIG of a NOTIFY response when the NOTIFY was signed. A bad
 * one is logged and the NOTIFY stays pending, so it is sent again.
 */
static bool notify_response_ok(struct notify_entry *e, const uint8_t *msg, size_t len)
{
	char ip[ADDR_IPV4_STRLEN];
	int r;

	if (e->key < 0)
		return true;
	r = dns_tsig_verify_response(&e->tsig, msg, len, wall_seconds());
	if (r == 0)
		return true;
	addr_format_ipv4(e->address, ip);
	log_warning("dns", "NOTIFY response from %s:%u ignored: TSIG %s", ip, e->port,
	            r == -ENOENT    ? "missing"
	            : r == -EBADMSG ? "malformed"
	                            : "not valid");
	return false;
}

/* Reads NOTIFY responses and resends the unanswered ones. */
static void notify_poll(struct dns_server *srv)
{
	uint8_t buf[DNS_UDP_MAX];
	struct sockaddr_in from;
	socklen_t fromlen = sizeof(from);
	ssize_t n;

	while ((n = recvfrom(srv->notify_fd, buf, sizeof(buf), MSG_DONTWAIT,
	                     (struct sockaddr *)&from, &fromlen)) >= DNS_HEADER_LEN) {
		struct wire_reader r;
		uint16_t id;

		wire_reader_init(&r, buf, (size_t)n);
		id = wire_read_u16(&r);
		for (size_t i = 0; i < srv->n_notify; i++) {
			if (srv->notify[i].id == id &&
			    srv->notify[i].address == ntohl(from.sin_addr.s_addr)) {
				if (notify_response_ok(&srv->notify[i], buf, (size_t)n))
					notify_remove(srv, i);
				break;
			}
		}
		fromlen = sizeof(from);
	}
	for (size_t i = 0; i < srv->n_notify; i++) {
		struct notify_entry *e = &srv->notify[i];
		char ip[ADDR_IPV4_STRLEN];

		if (e->next_ms > now_ms())
			continue;
		if (e->tries < NOTIFY_TRIES) {
			notify_send(srv, e);
			continue;
		}
		addr_format_ipv4(e->address, ip);
		log_warning("dns", "NOTIFY to %s:%u unanswered after %u tries, given up", ip,
		            e->port, e->tries);
		notify_remove(srv, i--);
	}
}

/* Refresher */

static void refresh(struct dns_server *srv)
{
	struct store_dns_changes now;
	struct dns_snapshot *snap, *prev = atomic_load(&srv->current);
	uint64_t start = now_us(), loaded = start, swapped;
	size_t skipped = 0, n_changed = 0;
	bool reload;
	bool *changed;
	int r;

	store_dns_changes(srv->st, &now);
	reload = now.inventory != srv->seen.inventory;
	srv->seen = now; /* read before the data, so a change during the build is seen next round */
	r = build(&srv->params, srv->st, &srv->inv, reload, prev, &snap, &skipped, &loaded);
	if (r < 0) {
		log_error("dns", "zones not rebuilt: %s", strerror(-r));
		return;
	}
	changed = calloc(snap->n_zones ? snap->n_zones : 1, sizeof(*changed));
	if (changed == NULL || resolve_serials(srv->st, snap, prev, changed) < 0) {
		log_error("dns", "zones not rebuilt: serial state unavailable: %s",
		          store_last_error(srv->st));
		free(changed);
		dns_snapshot_free(snap);
		return;
	}
	/* From here on every new batch of queries reads the new snapshot. */
	prev = atomic_exchange(&srv->current, snap);
	swapped = now_us();
	store_dns_set_applied(srv->st, &now);
	snapshot_retire(srv, prev);
	for (size_t i = 0; i < snap->n_zones; i++) {
		if (!changed[i])
			continue;
		n_changed++;
		notify_queue(srv, &snap->zones[i]);
	}
	persist_serials(srv, snap, changed);
	free(changed);
	/*
	 * read_us: store reads, which wait for the writer's commit to finish;
	 * build_us: from the data read to the new snapshot published.
	 */
	log_info(
	        "dns",
	        "zones rebuilt zones=%zu changed=%zu skipped_records=%zu inventory=%s read_us=%llu build_us=%llu",
	        snap->n_zones, n_changed, skipped, reload ? "reloaded" : "kept",
	        (unsigned long long)(loaded - start), (unsigned long long)(swapped - loaded));
}

static void *refresher_main(void *arg)
{
	struct dns_server *srv = arg;

	while (!atomic_load(&srv->stopping)) {
		bool changed = store_dns_wait_changes(srv->st, &srv->seen, WAKE_MS);

		if (changed && !atomic_load(&srv->stopping))
			refresh(srv);
		if (srv->n_notify > 0)
			notify_poll(srv);
	}
	return NULL;
}

/* Adds one to a counter that only the calling thread writes. */
static void count(atomic_uint_least64_t *counter)
{
	atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
}

/* Counts a query, and the RCODE of its response unless r < 0 (no response). */
static void count_query(struct query_counters *c, int r, uint16_t rcode)
{
	count(&c->queries);
	if (r < 0)
		count(&c->unanswered);
	else
		count(&c->rcodes[rcode < DNS_STATS_RCODES ? rcode : rcode & 0x0f]);
}

/* UDP */

static void udp_batch(struct dns_worker *w, struct mmsghdr *msgs, struct iovec *iovs,
                      struct sockaddr_in *peers, int n)
{
	struct dns_server *srv = w->srv;
	struct mmsghdr out[UDP_BATCH];
	struct iovec out_iov[UDP_BATCH];
	const struct dns_snapshot *snap = snapshot_acquire(srv, &w->hazard);
	int n_out = 0, sent = 0;

	for (int i = 0; i < n; i++) {
		struct dns_answer_opts opts = { .tcp = false, .keys = &srv->keys };
		struct dns_answer_info info;
		size_t len;
		int r;

		if (peers[i].sin_family != AF_INET)
			continue;
		transfer_acl(srv->cfg, ntohl(peers[i].sin_addr.s_addr), &opts);
		opts.now = wall_seconds();
		r = dns_answer(snap, w->in[i], msgs[i].msg_len, &opts, w->out[n_out],
		               sizeof(w->out[n_out]), &len, &info);
		count_query(&w->counters, r, r < 0 ? 0 : info.rcode);
		if (r < 0)
			continue;
		out_iov[n_out] = (struct iovec){ .iov_base = w->out[n_out], .iov_len = len };
		out[n_out].msg_hdr = (struct msghdr){ .msg_name = &peers[i],
			                              .msg_namelen = sizeof(peers[i]),
			                              .msg_iov = &out_iov[n_out],
			                              .msg_iovlen = 1 };
		n_out++;
	}
	snapshot_release(&w->hazard);
	(void)iovs;
	while (sent < n_out) {
		int r = sendmmsg(w->fd, out + sent, (unsigned)(n_out - sent), 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* A failed datagram (e.g. an unreachable peer) is skipped, not retried. */
			sent++;
			continue;
		}
		sent += r;
	}
}

static void *udp_main(void *arg)
{
	struct dns_worker *w = arg;
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iovs[UDP_BATCH];
	struct sockaddr_in peers[UDP_BATCH];

	while (!atomic_load(&w->srv->stopping)) {
		int n;

		for (int i = 0; i < UDP_BATCH; i++) {
			iovs[i] = (struct iovec){ .iov_base = w->in[i], .iov_len = UDP_QUERY_MAX };
			msgs[i].msg_hdr = (struct msghdr){ .msg_name = &peers[i],
				                           .msg_namelen = sizeof(peers[i]),
				                           .msg_iov = &iovs[i],
				                           .msg_iovlen = 1 };
			msgs[i].msg_len = 0;
		}
		/* Blocks for the first datagram, then takes whatever else is queued. */
		n = recvmmsg(w->fd, msgs, UDP_BATCH, MSG_WAITFORONE, NULL);
		if (n <= 0)
			continue; /* timeout (SO_RCVTIMEO) or EINTR: re-check stopping */
		udp_batch(w, msgs, iovs, peers, n);
	}
	return NULL;
}

static int open_socket(const struct config *cfg, int type, int *ret_fd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		                  .sin_port = htons(cfg->dns_port),
		                  .sin_addr.s_addr = htonl(cfg->dns_address) };
	struct timeval tv = { .tv_usec = WAKE_MS * 1000 };
	int one = 1, rcvbuf = 4 << 20;
	char ip[ADDR_IPV4_STRLEN];
	int fd, r;

	addr_format_ipv4(cfg->dns_address, ip);
	fd = socket(AF_INET, type | SOCK_CLOEXEC | (type == SOCK_STREAM ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0) {
		r = -errno;
		log_error("dns", "socket() failed: %s", strerror(errno));
		return r;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (type == SOCK_DGRAM) {
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 128) < 0)) {
		r = -errno;
		log_error("dns", "bind() on %s:%u/%s failed: %s", ip, cfg->dns_port,
		          type == SOCK_STREAM ? "tcp" : "udp", strerror(errno));
		(void)close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

/* TCP */

static void conn_close(struct dns_server *srv, size_t slot)
{
	struct tcp_conn *c = srv->conns[slot];

	(void)close(c->fd);
	free(c->out);
	free(c);
	srv->conns[slot] = NULL;
}

static void conn_close_counted(struct dns_server *srv, size_t slot, atomic_uint_least64_t *counter,
                               const char *reason)
{
	char ip[ADDR_IPV4_STRLEN];

	count(counter);
	addr_format_ipv4(srv->conns[slot]->peer, ip);
	if (log_ratelimit_allow(&srv->tcp_rl))
		log_warning("dns", "TCP connection from %s closed: %s total=%llu", ip, reason,
		            (unsigned long long)atomic_load(counter));
	conn_close(srv, slot);
}

static int conn_queue(void *ctx, const uint8_t *msg, size_t len)
{
	struct tcp_conn *c = ctx;
	size_t need = c->out_len + 2 + len;

	if (need > (c->transfer ? TCP_OUT_XFR_MAX : TCP_OUT_QUERY_MAX))
		return -E2BIG;
	if (need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		void *p;

		while (cap < need)
			cap *= 2;
		p = realloc(c->out, cap);
		if (p == NULL)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	c->out[c->out_len] = (uint8_t)(len >> 8);
	c->out[c->out_len + 1] = (uint8_t)len;
	memcpy(c->out + c->out_len + 2, msg, len);
	c->out_len += 2 + len;
	return 0;
}

/*
 * Counts a transfer request by the RCODE of the first message dns_transfer()
 * queued from offset first of the output (NOTAUTH for a name that is no zone
 * apex, although dns_answer() passed it), or as unanswered when it queued none.
 */
static void count_transfer(struct query_counters *counters, const struct tcp_conn *c, size_t first)
{
	const size_t flags_low = first + 2 + 3; /* after the length prefix and the ID */

	if (c->out_len <= flags_low)
		count_query(counters, -1, 0);
	else
		count_query(counters, 0, c->out[flags_low] & 0x0f);
}

static void log_transfer(const struct tcp_conn *c, const struct dns_query *q,
                         const struct dns_answer_info *info)
{
	char ip[ADDR_IPV4_STRLEN], key[DNS_NAME_STRLEN] = "none";

	addr_format_ipv4(c->peer, ip);
	if (info->signed_request && dns_name_to_text(info->tsig.name, key, sizeof(key)) < 0)
		key[0] = '\0';
	log_info("dns", "zone transfer %s %s peer=%s bytes=%zu key=%s",
	         q->qtype == DNS_TYPE_AXFR ? "AXFR" : "IXFR",
	         info->transfer_allowed ? "sent" : "refused", ip, c->out_len, key);
}

/* Answers one length-prefixed message (RFC 1035 §4.2.2). */
static int conn_message(struct dns_server *srv, struct tcp_conn *c, const uint8_t *msg, size_t len)
{
	struct dns_answer_opts opts = { .tcp = true,
		                        .transfer_allowed = c->allowed,
		                        .transfer_keys = c->transfer_keys,
		                        .keys = &srv->keys,
		                        .now = wall_seconds() };
	const struct dns_snapshot *snap = snapshot_acquire(srv, &srv->tcp_hazard);
	struct dns_answer_info info;
	size_t out_len;
	int r;

	r = dns_answer(snap, msg, len, &opts, srv->tcp_scratch, sizeof(srv->tcp_scratch), &out_len,
	               &info);
	if (r == 0 && info.transfer) {
		size_t first = c->out_len;
		struct dns_query q;

		(void)dns_query_parse(msg, len, &q);
		c->transfer = true;
		r = dns_transfer(snap, &q, info.transfer_allowed,
		                 info.signed_request ? &info.tsig : NULL, opts.now,
		                 srv->tcp_scratch, sizeof(srv->tcp_scratch), conn_queue, c);
		c->transfer = false;
		count_transfer(&srv->tcp_counters.queries, c, first);
		if (r == 0)
			log_transfer(c, &q, &info);
	} else if (r == 0) {
		count_query(&srv->tcp_counters.queries, r, info.rcode);
		r = conn_queue(c, srv->tcp_scratch, out_len);
	} else {
		count_query(&srv->tcp_counters.queries, r, 0);
		r = 0; /* a response message: nothing to send */
	}
	snapshot_release(&srv->tcp_hazard);
	return r;
}

static bool conn_has_message(const struct tcp_conn *c)
{
	return c->in_len >= 2 && c->in_len >= 2 + ((size_t)c->in[0] << 8 | c->in[1]);
}

/*
 * Answers the complete messages in the input buffer, in order (RFC 7766
 * §6.2.1.1 allows either order), until the queued output reaches
 * TCP_OUT_PAUSE. Returns -E2BIG when the output cap was hit.
 */
static int conn_answer_buffered(struct dns_server *srv, struct tcp_conn *c)
{
	while (c->out_len < TCP_OUT_PAUSE && conn_has_message(c)) {
		size_t len = (size_t)c->in[0] << 8 | c->in[1];
		int r = conn_message(srv, c, c->in + 2, len);

		if (r < 0)
			return r;
		memmove(c->in, c->in + 2 + len, c->in_len - 2 - len);
		c->in_len -= 2 + len;
	}
	return 0;
}

static void conn_flush(struct tcp_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				c->closing = true;
			break;
		}
		c->out_off += (size_t)n;
		c->last_ms = now_ms();
	}
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
	} else if (c->out_off >= TCP_OUT_PAUSE) {
		/* Keep the unsent tail at the front so the queue stays below its cap. */
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
}

/*
 * Answers buffered queries and sends, alternating while the client keeps
 * reading. Reading stops while TCP_OUT_PAUSE bytes wait to be sent.
 */
static void conn_service(struct dns_server *srv, size_t slot)
{
	struct tcp_conn *c = srv->conns[slot];
	struct epoll_event ev = { .data.u64 = slot };

	do {
		if (conn_answer_buffered(srv, c) < 0) {
			conn_close_counted(srv, slot, &srv->tcp_counters.output_overflow,
			                   "queued answers over their cap");
			return;
		}
		conn_flush(c);
	} while (!c->closing && c->out_len < TCP_OUT_PAUSE && conn_has_message(c));
	ev.events = (c->out_len < TCP_OUT_PAUSE ? EPOLLIN : 0) | (c->out_len ? EPOLLOUT : 0);
	(void)epoll_ctl(srv->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void conn_read(struct dns_server *srv, size_t slot)
{
	struct tcp_conn *c = srv->conns[slot];
	ssize_t n;

	if (c->out_len >= TCP_OUT_PAUSE)
		return; /* the input buffer may be full: a read of 0 bytes would look like EOF */
	n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			c->closing = true;
		return;
	}
	c->in_len += (size_t)n;
	c->last_ms = now_ms();
	conn_service(srv, slot);
}

static size_t conns_from(const struct dns_server *srv, uint32_t peer)
{
	size_t n = 0;

	for (size_t s = 0; s < TCP_CONNS_MAX; s++)
		n += srv->conns[s] && srv->conns[s]->peer == peer;
	return n;
}

/*
 * Returns a free slot. When every slot is taken, closes the connection that
 * has been idle longest and has no output queued (as NSD and Knot do), so
 * a flood of idle connections cannot lock new clients out. Returns
 * TCP_CONNS_MAX when every connection is still sending.
 */
static size_t conn_slot(struct dns_server *srv)
{
	size_t oldest = TCP_CONNS_MAX;

	for (size_t s = 0; s < TCP_CONNS_MAX; s++) {
		const struct tcp_conn *c = srv->conns[s];

		if (c == NULL)
			return s;
		if (c->out_len == 0 &&
		    (oldest == TCP_CONNS_MAX || c->last_ms < srv->conns[oldest]->last_ms))
			oldest = s;
	}
	if (oldest < TCP_CONNS_MAX)
		conn_close_counted(srv, oldest, &srv->tcp_counters.idle_evicted,
		                   "idle longest while all connection slots were taken");
	return oldest;
}

/* Closes fd when its source address already has [dns] tcp_connections_per_client open. */
static bool accept_allowed(struct dns_server *srv, int fd, uint32_t peer)
{
	char ip[ADDR_IPV4_STRLEN];

	if (conns_from(srv, peer) < srv->cfg->dns_tcp_per_client)
		return true;
	count(&srv->tcp_counters.per_client_rejected);
	addr_format_ipv4(peer, ip);
	if (log_ratelimit_allow(&srv->tcp_rl))
		log_warning(
		        "dns",
		        "TCP connection from %s rejected: %u connections from this address are open total=%llu",
		        ip, srv->cfg->dns_tcp_per_client,
		        (unsigned long long)atomic_load(&srv->tcp_counters.per_client_rejected));
	(void)close(fd);
	return false;
}

static void tcp_accept(struct dns_server *srv)
{
	for (;;) {
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		int fd = accept4(srv->tcp_fd, (struct sockaddr *)&peer, &plen,
		                 SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct dns_answer_opts acl = { .tcp = true };
		uint32_t address;
		struct tcp_conn *c;
		size_t slot;

		if (fd < 0)
			return;
		address = ntohl(peer.sin_addr.s_addr);
		if (!accept_allowed(srv, fd, address))
			continue;
		slot = conn_slot(srv);
		c = slot < TCP_CONNS_MAX ? calloc(1, sizeof(*c)) : NULL;
		if (c == NULL) {
			(void)close(fd); /* every slot is sending: RFC 7766 §6.2.2 allows closing */
			continue;
		}
		c->fd = fd;
		c->peer = address;
		c->last_ms = now_ms();
		transfer_acl(srv->cfg, address, &acl);
		c->allowed = acl.transfer_allowed;
		c->transfer_keys = acl.transfer_keys;
		srv->conns[slot] = c;
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = slot };
		if (epoll_ctl(srv->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
			conn_close(srv, slot);
	}
}

/* Closes connections that failed, sat idle, or left their answers unread for TCP_IDLE_MS. */
static void tcp_sweep(struct dns_server *srv)
{
	uint64_t now = now_ms(); /* after the events, which move last_ms forward */

	for (size_t s = 0; s < TCP_CONNS_MAX; s++) {
		struct tcp_conn *c = srv->conns[s];

		if (c == NULL)
			continue;
		if (c->closing || (c->out_len == 0 && c->last_ms + TCP_IDLE_MS < now))
			conn_close(srv, s);
		else if (c->last_ms + TCP_IDLE_MS < now)
			conn_close_counted(srv, s, &srv->tcp_counters.output_stalled,
			                   "answers not read within the idle timeout");
	}
}

static void *tcp_main(void *arg)
{
	struct dns_server *srv = arg;
	struct epoll_event events[64];

	while (!atomic_load(&srv->stopping)) {
		int n = epoll_wait(srv->epoll_fd, events, 64, WAKE_MS);

		for (int i = 0; i < n; i++) {
			uint64_t slot = events[i].data.u64;

			if (slot == UINT64_MAX) {
				tcp_accept(srv);
				continue;
			}
			if (srv->conns[slot] == NULL)
				continue;
			if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				conn_read(srv, slot);
			if (srv->conns[slot] &&
			    (events[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
				conn_service(srv, slot);
		}
		tcp_sweep(srv);
	}
	return NULL;
}

/* Lifecycle */

int dns_server_new(const struct config *cfg, struct store *st, struct dns_server **ret_server)
{
	struct dns_server *srv;

	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return -ENOMEM;
	srv->cfg = cfg;
	srv->st = st;
	srv->tcp_fd = srv->epoll_fd = srv->notify_fd = -1;
	srv->tcp_rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(1000, 5);
	if (dns_zone_params_from_config(cfg, &srv->params) < 0 ||
	    dns_tsig_keyring_from_config(cfg, &srv->keys) < 0) {
		free(srv);
		return -EINVAL;
	}
	srv->n_workers = cfg->dns_workers < DNS_WORKERS_MAX ? cfg->dns_workers : DNS_WORKERS_MAX;
	srv->workers = calloc(srv->n_workers, sizeof(*srv->workers));
	if (srv->workers == NULL) {
		free(srv);
		return -ENOMEM;
	}
	for (size_t i = 0; i < srv->n_workers; i++) {
		srv->workers[i].srv = srv;
		srv->workers[i].fd = -1;
	}
	*ret_server = srv;
	return 0;
}

static int first_snapshot(struct dns_server *srv)
{
	struct dns_snapshot *snap;
	size_t skipped = 0;
	bool *changed;
	int r;

	store_dns_changes(srv->st, &srv->seen);
	r = build(&srv->params, srv->st, &srv->inv, true, NULL, &snap, &skipped, NULL);
	if (r < 0) {
		log_error("dns", "zones could not be built: %s", strerror(-r));
		return r;
	}
	changed = calloc(snap->n_zones ? snap->n_zones : 1, sizeof(*changed));
	r = changed ? resolve_serials(srv->st, snap, NULL, changed) : -ENOMEM;
	if (r == 0)
		persist_serials(srv, snap, changed);
	free(changed);
	if (r < 0) {
		log_error("dns", "zone serials could not be read: %s", store_last_error(srv->st));
		dns_snapshot_free(snap);
		return r;
	}
	atomic_store(&srv->current, snap);
	store_dns_set_applied(srv->st, &srv->seen);
	log_notice("dns", "zones loaded zones=%zu skipped_records=%zu", snap->n_zones, skipped);
	return 0;
}

static int start_threads(struct dns_server *srv)
{
	int r;

	for (size_t i = 0; i < srv->n_workers; i++) {
		r = pthread_create(&srv->workers[i].thread, NULL, udp_main, &srv->workers[i]);
		if (r)
			return -r;
		srv->workers[i].started = true;
	}
	r = pthread_create(&srv->tcp_thread, NULL, tcp_main, srv);
	if (r)
		return -r;
	srv->tcp_started = true;
	r = pthread_create(&srv->refresher, NULL, refresher_main, srv);
	if (r)
		return -r;
	srv->refresher_started = true;
	return 0;
}

int dns_server_start(struct dns_server *srv)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = UINT64_MAX };
	char ip[ADDR_IPV4_STRLEN];
	int r;

	r = first_snapshot(srv);
	for (size_t i = 0; r == 0 && i < srv->n_workers; i++)
		r = open_socket(srv->cfg, SOCK_DGRAM, &srv->workers[i].fd);
	if (r == 0)
		r = open_socket(srv->cfg, SOCK_STREAM, &srv->tcp_fd);
	if (r < 0)
		return r;
	srv->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	srv->notify_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (srv->epoll_fd < 0 || srv->notify_fd < 0 ||
	    epoll_ctl(srv->epoll_fd, EPOLL_CTL_ADD, srv->tcp_fd, &ev) < 0) {
		r = -errno;
		log_error("dns", "epoll or NOTIFY socket setup failed: %s", strerror(errno));
		return r;
	}
	r = start_threads(srv);
	if (r < 0) {
		log_error("dns", "pthread_create() failed: %s", strerror(-r));
		dns_server_stop(srv);
		return r;
	}
	addr_format_ipv4(srv->cfg->dns_address, ip);
	log_notice("dns", "listening on %s:%u workers=%zu", ip, srv->cfg->dns_port, srv->n_workers);
	/* Zones loaded before a restart may have changed meanwhile: tell the secondaries. */
	for (size_t i = 0; i < atomic_load(&srv->current)->n_zones; i++)
		notify_queue(srv, &atomic_load(&srv->current)->zones[i]);
	return 0;
}

void dns_server_get_stats(struct dns_server *srv, struct dns_stats *ret_stats)
{
	const struct tcp_counters *t = &srv->tcp_counters;
	struct dns_stats s = {
		.tcp_queries = atomic_load_explicit(&t->queries.queries, memory_order_relaxed),
		.unanswered = atomic_load_explicit(&t->queries.unanswered, memory_order_relaxed),
		.tcp_per_client_rejected =
		        atomic_load_explicit(&t->per_client_rejected, memory_order_relaxed),
		.tcp_idle_evicted = atomic_load_explicit(&t->idle_evicted, memory_order_relaxed),
		.tcp_output_stalled =
		        atomic_load_explicit(&t->output_stalled, memory_order_relaxed),
		.tcp_output_overflow =
		        atomic_load_explicit(&t->output_overflow, memory_order_relaxed),
	};

	for (size_t k = 0; k < DNS_STATS_RCODES; k++)
		s.rcodes[k] = atomic_load_explicit(&t->queries.rcodes[k], memory_order_relaxed);
	for (size_t i = 0; i < srv->n_workers; i++) {
		const struct query_counters *c = &srv->workers[i].counters;

		s.udp_queries += atomic_load_explicit(&c->queries, memory_order_relaxed);
		s.unanswered += atomic_load_explicit(&c->unanswered, memory_order_relaxed);
		for (size_t k = 0; k < DNS_STATS_RCODES; k++)
			s.rcodes[k] += atomic_load_explicit(&c->rcodes[k], memory_order_relaxed);
	}
	*ret_stats = s;
}

void dns_server_stop(struct dns_server *srv)
{
	atomic_store(&srv->stopping, true);
	for (size_t i = 0; i < srv->n_workers; i++) {
		if (srv->workers[i].started)
			(void)pthread_join(srv->workers[i].thread, NULL);
		srv->workers[i].started = false;
	}
	if (srv->tcp_started)
		(void)pthread_join(srv->tcp_thread, NULL);
	if (srv->refresher_started)
		(void)pthread_join(srv->refresher, NULL);
	srv->tcp_started = srv->refresher_started = false;
}

void dns_server_free(struct dns_server *srv)
{
	if (srv == NULL)
		return;
	dns_server_stop(srv);
	for (size_t i = 0; i < srv->n_workers; i++)
		if (srv->workers[i].fd >= 0)
			(void)close(srv->workers[i].fd);
	for (size_t s = 0; s < TCP_CONNS_MAX; s++)
		if (srv->conns[s])
			conn_close(srv, s);
	if (srv->tcp_fd >= 0)
		(void)close(srv->tcp_fd);
	if (srv->epoll_fd >= 0)
		(void)close(srv->epoll_fd);
	if (srv->notify_fd >= 0)
		(void)close(srv->notify_fd);
	dns_snapshot_free(atomic_load(&srv->current));
	store_dns_inventory_done(&srv->inv);
	free(srv->workers);
	explicit_bzero(&srv->keys, sizeof(srv->keys));
	free(srv);
}

int dns_zone_export(const struct config *cfg, struct store *st, const char *zone_name, FILE *out,
                    char *err, size_t err_size)
{
	struct store_dns_inventory inv = { 0 };
	struct dns_zone_params params;
	struct dns_snapshot *snap = NULL;
	const struct dns_zone *z;
	uint8_t apex[DNS_NAME_MAX];
	size_t apex_len;
	bool *changed = NULL;
	int r;

	if (dns_zone_params_from_config(cfg, &params) < 0) {
		(void)snprintf(err, err_size, "[dns] ns is missing or invalid");
		return -EINVAL;
	}
	if (dns_name_from_text(zone_name, apex, &apex_len) < 0) {
		(void)snprintf(err, err_size, "invalid zone name \"%s\"", zone_name);
		return -EINVAL;
	}
	dns_name_lower(apex);
	r = build(&params, st, &inv, true, NULL, &snap, NULL, NULL);
	if (r == 0)
		changed = calloc(snap->n_zones ? snap->n_zones : 1, sizeof(*changed));
	if (r == 0)
		r = changed ? resolve_serials(st, snap, NULL, changed) : -ENOMEM;
	if (r < 0) {
		(void)snprintf(err, err_size, "zones could not be built: %s", strerror(-r));
		goto out;
	}
	z = dns_snapshot_zone_by_apex(snap, apex, apex_len);
	if (z == NULL) {
		size_t off = (size_t)snprintf(err, err_size,
		                              "rackd serves no zone \"%s\"; zones:", zone_name);

		for (size_t i = 0; i < snap->n_zones && off < err_size; i++) {
			char text[DNS_NAME_STRLEN];

			apex_text(&snap->zones[i], text);
			off += (size_t)snprintf(err + off, err_size - off, " %s", text);
		}
		r = -ENOENT;
		goto out;
	}
	r = dns_zone_write_master(z, out);
	if (r < 0)
		(void)snprintf(err, err_size, "writing the zone failed: %s", strerror(-r));
out:
	free(changed);
	dns_snapshot_free(snap);
	store_dns_inventory_done(&inv);
	return r;
}
