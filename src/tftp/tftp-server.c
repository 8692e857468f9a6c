/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tftp-server -- read-only TFTP server: requests on the listening socket,
 * one UDP socket per transfer (RFC 1350 TID) and the epoll thread. Write
 * requests are rejected; files are opened through tftp-file, and
 * tftp-transfer runs each transfer.
 */
#include "tftp/tftp-server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "core/wire.h"
#include "tftp/tftp-file.h"
#include "tftp/tftp-internal.h"
#include "tftp/tftp-wire.h"

/* Hard cap on concurrent transfers, whatever the configuration sets. */
#define TRANSFERS_LIMIT 4096
/*
 * Largest window the server accepts (RFC 7440 lets it answer with less than
 * requested). Bounds the burst one ACK can trigger and the netascii state.
 */
#define WINDOWSIZE_SERVER_MAX 64
#define EVENTS_MAX            64

static void server_check_timeouts(struct tftp_server *srv)
{
	uint64_t now = log_now_ms();

	for (uint32_t i = 0; i < srv->max_transfers; i++) {
		struct transfer *t = &srv->transfers[i];

		if (t->in_use && now >= t->deadline_ms)
			tftp_transfer_on_timeout(srv, t, now);
	}
}

/*
 * Milliseconds until the earliest transfer deadline, or -1 when nothing waits.
 * NOTE: this and server_check_timeouts() scan every slot once per wakeup,
 * which is cheap for the default 64 slots; thousands of slots would want a
 * timer heap.
 */
static int server_next_timeout(const struct tftp_server *srv)
{
	uint64_t now = log_now_ms();
	uint64_t earliest = UINT64_MAX;

	if (srv->n_active == 0)
		return -1;
	for (uint32_t i = 0; i < srv->max_transfers; i++) {
		const struct transfer *t = &srv->transfers[i];

		if (t->in_use && t->deadline_ms < earliest)
			earliest = t->deadline_ms;
	}
	if (earliest <= now)
		return 0;
	return earliest - now > 60000 ? 60000 : (int)(earliest - now);
}

/*
 * Logs a request that did not become a transfer. Rate-limited, because one
 * datagram from anyone triggers it; the next line written reports how many
 * were suppressed.
 */
static void log_request(struct tftp_server *srv, enum log_level level,
                        const struct sockaddr_in *from, const char *file, const char *result)
{
	char peer[INET_ADDRSTRLEN + 8], suppressed[24];
	struct log_field fields[] = {
		{ "peer", peer },
		{ "file", file },
		{ "result", result },
		{ "suppressed", NULL },
	};

	if (!log_enabled(level) || !log_ratelimit_allow(&srv->request_rl))
		return;
	if (srv->request_rl.suppressed > 0) {
		(void)snprintf(suppressed, sizeof(suppressed), "%llu",
		               (unsigned long long)srv->request_rl.suppressed);
		fields[3].value = suppressed;
		srv->request_rl.suppressed = 0;
	}
	tftp_format_peer(from, peer, sizeof(peer));
	log_fields(level, SUBSYSTEM, fields, sizeof(fields) / sizeof(fields[0]),
	           "request from %s rejected: %s", peer, result);
}

/* Result text of a parse failure for the log line. */
static const char *parse_failure_result(int r)
{
	switch (r) {
	case -EOPNOTSUPP:
		return "illegal operation";
	case -ENAMETOOLONG:
		return "file name too long";
	case -EPROTONOSUPPORT:
		return "unsupported mode";
	case -EINVAL:
		return "invalid option value";
	case -E2BIG:
		return "too many options";
	default:
		return "malformed request";
	}
}

/* FNV-1a over the request datagram, to spot a client's retransmitted RRQ. */
static uint64_t request_digest(const uint8_t *buf, size_t len)
{
	struct wire_reader r;
	uint64_t h = 0xcbf29ce484222325ull;

	wire_reader_init(&r, buf, len);
	while (wire_remaining(&r) > 0) {
		h ^= wire_read_u8(&r);
		h *= 0x100000001b3ull;
	}
	return h;
}

/*
 * True when the same peer already has a transfer for a byte-identical request
 * and has not acknowledged it yet. The RRQ is then a retransmission, and a second
 * transfer would only collide with the first.
 */
static bool request_is_retransmission(const struct tftp_server *srv, const struct sockaddr_in *from,
                                      uint64_t digest)
{
	for (uint32_t i = 0; i < srv->max_transfers; i++) {
		const struct transfer *t = &srv->transfers[i];

		if (t->in_use && !t->got_packet && t->request_digest == digest &&
		    tftp_peer_equal(&t->peer, from))
			return true;
	}
	return false;
}

/* Counts the transfers in progress for the client address of from (any port). */
static uint32_t transfers_of_client(const struct tftp_server *srv, const struct sockaddr_in *from)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < srv->max_transfers; i++) {
		const struct transfer *t = &srv->transfers[i];

		if (t->in_use && t->peer.sin_addr.s_addr == from->sin_addr.s_addr)
			n++;
	}
	return n;
}

static struct transfer *transfer_slot_free(struct tftp_server *srv)
{
	for (uint32_t i = 0; i < srv->max_transfers; i++)
		if (!srv->transfers[i].in_use)
			return &srv->transfers[i];
	return NULL;
}

/* A request as received on the listening socket. */
struct request_ctx {
	struct sockaddr_in peer;
	struct in_addr local; /* address the client sent to; replies come from it */
	uint64_t digest;
	const char *file; /* escaped filename for logs */
};

/* Opens the transfer's own socket on the address the client addressed, with a new port. */
static int transfer_open_socket(const struct in_addr *local)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = *local };
	int fd, r;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		(void)close(fd);
		return r;
	}
	return fd;
}

/*
 * Sets up t for a transfer of file_fd (taken over) and sends the OACK or the
 * first window. Returns 0, or -errno with nothing taken over.
 */
static int transfer_init(struct tftp_server *srv, struct transfer *t, const struct request_ctx *ctx,
                         const struct tftp_request *req, int file_fd,
                         const struct tftp_options *opts)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct netascii_mark *marks = NULL;
	int sock;

	if (req->mode == TFTP_MODE_NETASCII) {
		marks = calloc(opts->windowsize + 1u, sizeof(*marks));
		if (marks == NULL)
			return -ENOMEM;
	}
	sock = transfer_open_socket(&ctx->local);
	if (sock < 0) {
		free(marks);
		return sock;
	}
	t->generation++;
	ev.data.u64 = tftp_transfer_event_data(srv, t);
	if (epoll_ctl(srv->epoll_fd, EPOLL_CTL_ADD, sock, &ev) < 0) {
		int r = -errno;

		(void)close(sock);
		free(marks);
		return r;
	}

	*t = (struct transfer){
		.in_use = true,
		.generation = t->generation,
		.sock = sock,
		.fd = file_fd,
		.peer = ctx->peer,
		.mode = req->mode,
		.opts = *opts,
		.request_digest = ctx->digest,
		.next = 1,
		.started_ms = log_now_ms(),
		.marks = marks,
	};
	(void)snprintf(t->file, sizeof(t->file), "%s", ctx->file);
	t->deadline_ms = t->started_ms + tftp_transfer_timeout_ms(t);
	srv->n_active++;
	atomic_store_explicit(&srv->active, srv->n_active, memory_order_relaxed);
	return 0;
}

static void request_reject(struct tftp_server *srv, const struct request_ctx *ctx,
                           enum tftp_error_code code, const char *message, const char *result)
{
	tftp_stat_add(&srv->rejected, 1);
	tftp_send_error(srv->listen_fd, &ctx->peer, &ctx->local, code, message);
	log_request(srv, LOG_LEVEL_INFO, &ctx->peer, ctx->file, result);
}

/* Opens the requested file and starts its transfer, or rejects the request. */
static void request_serve(struct tftp_server *srv, const struct request_ctx *ctx,
                          const struct tftp_request *req)
{
	struct tftp_limits limits = {
		.blksize_max = TFTP_BLKSIZE_MAX,
		.windowsize_max = WINDOWSIZE_SERVER_MAX,
	};
	struct tftp_options opts;
	struct transfer *t;
	char result[96];
	uint64_t size;
	int fd, r;

	/* One client must not hold every slot and block other machines' boots. */
	if (transfers_of_client(srv, &ctx->peer) >= srv->max_transfers_per_client) {
		request_reject(srv, ctx, TFTP_ERR_UNDEFINED, "Too many transfers from this client",
		               "client transfer limit reached");
		return;
	}
	t = transfer_slot_free(srv);
	if (t == NULL) {
		request_reject(srv, ctx, TFTP_ERR_UNDEFINED, "Server busy", "server busy");
		return;
	}
	r = tftp_file_open(srv->root_fd, req->filename, &fd, &size);
	if (r == -ENOENT) {
		request_reject(srv, ctx, TFTP_ERR_NOT_FOUND, "File not found", "file not found");
		return;
	}
	if (r == -EACCES) {
		request_reject(srv, ctx, TFTP_ERR_ACCESS, "Access violation", "access violation");
		return;
	}
	if (r < 0) {
		(void)snprintf(result, sizeof(result), "open failed: %s", strerror(-r));
		request_reject(srv, ctx, TFTP_ERR_UNDEFINED, "Cannot open file", result);
		return;
	}
	if (size > FILE_SIZE_MAX) {
		(void)close(fd);
		request_reject(srv, ctx, TFTP_ERR_UNDEFINED, "File too large", "file too large");
		return;
	}

	/* The size after netascii conversion is not known in advance, so tsize is left out. */
	tftp_options_negotiate(req, &limits, size, req->mode == TFTP_MODE_OCTET, &opts);
	r = transfer_init(srv, t, ctx, req, fd, &opts);
	if (r < 0) {
		(void)close(fd);
		(void)snprintf(result, sizeof(result), "transfer setup failed: %s", strerror(-r));
		request_reject(srv, ctx, TFTP_ERR_UNDEFINED, "Server error", result);
		return;
	}
	log_debug(SUBSYSTEM, "transfer of \"%s\" to port %u started blksize=%u windowsize=%u",
	          t->file, (unsigned)ntohs(ctx->peer.sin_port), opts.blksize, opts.windowsize);
	tftp_transfer_begin(srv, t);
}

static void server_on_request(struct tftp_server *srv, const uint8_t *buf, size_t len,
                              bool truncated, struct request_ctx *ctx)
{
	char file[FILE_DISPLAY_MAX];
	struct tftp_request req;
	int r;

	r = truncated ? -EBADMSG : tftp_request_parse(buf, len, &req);
	if (r < 0) {
		tftp_stat_add(&srv->malformed, 1);
		tftp_send_error(srv->listen_fd, &ctx->peer, &ctx->local, tftp_request_error_code(r),
		                tftp_request_error_message(r));
		log_request(srv, LOG_LEVEL_WARNING, &ctx->peer, NULL, parse_failure_result(r));
		return;
	}
	tftp_stat_add(&srv->requests, 1);
	tftp_escape_name(req.filename, file, sizeof(file));
	ctx->file = file;
	ctx->digest = request_digest(buf, len);

	if (req.opcode == TFTP_OP_WRQ) {
		request_reject(srv, ctx, TFTP_ERR_ACCESS, "Server is read-only",
		               "write request rejected");
		return;
	}
	if (request_is_retransmission(srv, &ctx->peer, ctx->digest)) {
		log_debug(SUBSYSTEM, "retransmitted request for \"%s\" ignored", file);
		return;
	}
	request_serve(srv, ctx, &req);
}

/* Reads pending requests from the listening socket. */
static void server_on_listen(struct tftp_server *srv)
{
	uint8_t buf[TFTP_REQUEST_MAX];

	for (int i = 0; i < RECV_BURST; i++) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		} control;
		struct request_ctx ctx = { 0 };
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = {
			.msg_name = &ctx.peer,
			.msg_namelen = sizeof(ctx.peer),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = control.buf,
			.msg_controllen = sizeof(control.buf),
		};
		ssize_t n;

		n = recvmsg(srv->listen_fd, &msg, 0);
		if (n < 0)
			return;
		if (msg.msg_namelen != sizeof(ctx.peer) || ctx.peer.sin_family != AF_INET ||
		    ctx.peer.sin_port == 0)
			continue;
		ctx.local.s_addr = htonl(srv->address);
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			struct in_pktinfo pi;

			if (cm->cmsg_level != IPPROTO_IP || cm->cmsg_type != IP_PKTINFO)
				continue;
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			ctx.local = pi.ipi_spec_dst;
		}
		server_on_request(srv, buf, (size_t)n, (msg.msg_flags & MSG_TRUNC) != 0, &ctx);
	}
}

static void server_dispatch(struct tftp_server *srv, const struct epoll_event *ev)
{
	uint32_t source = (uint32_t)(ev->data.u64 & 0xffffffffu);
	uint32_t generation = (uint32_t)(ev->data.u64 >> 32);
	struct transfer *t;

	if (source == EV_LISTEN) {
		server_on_listen(srv);
		return;
	}
	t = &srv->transfers[source - EV_TRANSFER_BASE];
	/* An earlier event of this batch may have ended the transfer or reused its slot. */
	if (!t->in_use || t->generation != generation)
		return;
	if (ev->events & (EPOLLIN | EPOLLERR))
		tftp_transfer_on_readable(srv, t);
	if (t->in_use && t->want_out && (ev->events & EPOLLOUT))
		tftp_transfer_on_writable(srv, t);
}

static void *server_thread(void *arg)
{
	struct tftp_server *srv = arg;
	struct epoll_event events[EVENTS_MAX];
	bool stopping = false;

	while (!stopping) {
		int n = epoll_wait(srv->epoll_fd, events, EVENTS_MAX, server_next_timeout(srv));

		if (n < 0 && errno != EINTR) {
			log_error(SUBSYSTEM, "epoll_wait() failed: %s; server stopped",
			          strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			if (events[i].data.u64 == EV_STOP)
				stopping = true;
			else
				server_dispatch(srv, &events[i]);
		}
		server_check_timeouts(srv);
	}

	for (uint32_t i = 0; i < srv->max_transfers; i++)
		if (srv->transfers[i].in_use)
			tftp_transfer_finish(srv, &srv->transfers[i], TRANSFER_FAILED,
			                     "server stopped");
	return NULL;
}

int tftp_server_new(const struct config *cfg, struct tftp_server **ret_server)
{
	struct tftp_server *srv;

	if (cfg->tftp_max_transfers == 0)
		return -EINVAL;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return -ENOMEM;
	(void)snprintf(srv->root, sizeof(srv->root), "%s", cfg->boot_dir);
	srv->address = cfg->tftp_address;
	srv->port = cfg->tftp_port;
	srv->max_transfers = cfg->tftp_max_transfers > TRANSFERS_LIMIT ? TRANSFERS_LIMIT
	                                                               : cfg->tftp_max_transfers;
	srv->max_transfers_per_client = cfg->tftp_max_transfers_per_client
	                                        ? cfg->tftp_max_transfers_per_client
	                                        : srv->max_transfers;
	srv->root_fd = srv->listen_fd = srv->epoll_fd = srv->stop_fd = -1;
	srv->request_rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(100, 50);
	srv->transfers = calloc(srv->max_transfers, sizeof(*srv->transfers));
	srv->block_buf = malloc(TFTP_BLKSIZE_MAX);
	srv->text_buf = malloc(TFTP_BLKSIZE_MAX);
	if (srv->transfers == NULL || srv->block_buf == NULL || srv->text_buf == NULL) {
		tftp_server_free(srv);
		return -ENOMEM;
	}
	*ret_server = srv;
	return 0;
}

static void server_close_fds(struct tftp_server *srv)
{
	int *fds[] = { &srv->root_fd, &srv->listen_fd, &srv->epoll_fd, &srv->stop_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			(void)close(*fds[i]);
		*fds[i] = -1;
	}
}

/* Creates and binds the listening socket; logs the failing call. */
static int server_bind(struct tftp_server *srv, const char *where)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(srv->port),
		.sin_addr.s_addr = htonl(srv->address),
	};
	int one = 1, r;

	srv->listen_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->listen_fd < 0) {
		r = -errno;
		log_error(SUBSYSTEM, "socket() failed: %s", strerror(-r));
		return r;
	}
	/* IP_PKTINFO gives the address each request was sent to, for the reply's source. */
	if (setsockopt(srv->listen_fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0) {
		r = -errno;
		log_error(SUBSYSTEM, "setsockopt(IP_PKTINFO) failed: %s", strerror(-r));
		return r;
	}
	if (bind(srv->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		log_error(SUBSYSTEM, "bind() on %s failed: %s", where, strerror(-r));
		return r;
	}
	return 0;
}

/* Creates the epoll set with the stop eventfd and the listening socket. */
static int server_setup_epoll(struct tftp_server *srv)
{
	struct epoll_event stop_ev = { .events = EPOLLIN, .data.u64 = EV_STOP };
	struct epoll_event listen_ev = { .events = EPOLLIN, .data.u64 = EV_LISTEN };
	int r;

	srv->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->epoll_fd < 0) {
		r = -errno;
		log_error(SUBSYSTEM, "epoll_create1() failed: %s", strerror(-r));
		return r;
	}
	srv->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (srv->stop_fd < 0) {
		r = -errno;
		log_error(SUBSYSTEM, "eventfd() failed: %s", strerror(-r));
		return r;
	}
	if (epoll_ctl(srv->epoll_fd, EPOLL_CTL_ADD, srv->stop_fd, &stop_ev) < 0 ||
	    epoll_ctl(srv->epoll_fd, EPOLL_CTL_ADD, srv->listen_fd, &listen_ev) < 0) {
		r = -errno;
		log_error(SUBSYSTEM, "epoll_ctl() failed: %s", strerror(-r));
		return r;
	}
	return 0;
}

/* Starts the thread with every signal blocked, so signals reach the main thread. */
static int server_spawn(struct tftp_server *srv)
{
	sigset_t all, old;
	int r;

	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&srv->thread, NULL, server_thread, srv);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		log_error(SUBSYSTEM, "pthread_create() failed: %s", strerror(-r));
	return r;
}

int tftp_server_start(struct tftp_server *srv)
{
	char ip[INET_ADDRSTRLEN], where[INET_ADDRSTRLEN + 8];
	struct in_addr addr = { .s_addr = htonl(srv->address) };
	int r;

	if (srv->running)
		return -EALREADY;
	(void)inet_ntop(AF_INET, &addr, ip, sizeof(ip));
	(void)snprintf(where, sizeof(where), "%s:%u", ip, (unsigned)srv->port);

	srv->root_fd = open(srv->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (srv->root_fd < 0) {
		r = -errno;
		log_error(SUBSYSTEM, "root directory \"%s\" cannot be opened: %s", srv->root,
		          strerror(-r));
		goto out_close;
	}
	r = server_bind(srv, where);
	if (r < 0)
		goto out_close;
	r = server_setup_epoll(srv);
	if (r < 0)
		goto out_close;
	r = server_spawn(srv);
	if (r < 0)
		goto out_close;

	srv->running = true;
	log_notice(SUBSYSTEM, "server listening on %s root=%s max_transfers=%u", where, srv->root,
	           srv->max_transfers);
	return 0;

out_close:
	server_close_fds(srv);
	return r;
}

void tftp_server_stop(struct tftp_server *srv)
{
	uint64_t one = 1;

	if (srv == NULL || !srv->running)
		return;
	if (write(srv->stop_fd, &one, sizeof(one)) != sizeof(one))
		log_error(SUBSYSTEM, "stop signal failed: %s", strerror(errno));
	(void)pthread_join(srv->thread, NULL);
	srv->running = false;
	server_close_fds(srv);
	log_notice(SUBSYSTEM, "server stopped");
}

void tftp_server_free(struct tftp_server *srv)
{
	if (srv == NULL)
		return;
	tftp_server_stop(srv);
	free(srv->transfers);
	free(srv->block_buf);
	free(srv->text_buf);
	free(srv);
}

void tftp_server_get_stats(struct tftp_server *srv, struct tftp_stats *ret_stats)
{
	*ret_stats = (struct tftp_stats){
		.requests = atomic_load_explicit(&srv->requests, memory_order_relaxed),
		.transfers_ok = atomic_load_explicit(&srv->transfers_ok, memory_order_relaxed),
		.transfers_failed =
		        atomic_load_explicit(&srv->transfers_failed, memory_order_relaxed),
		.malformed = atomic_load_explicit(&srv->malformed, memory_order_relaxed),
		.rejected = atomic_load_explicit(&srv->rejected, memory_order_relaxed),
		.active = atomic_load_explicit(&srv->active, memory_order_relaxed),
		.bytes_sent = atomic_load_explicit(&srv->bytes_sent, memory_order_relaxed),
	};
}
