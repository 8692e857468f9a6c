/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tftp-transfer -- one read transfer: DATA blocks from the file (octet or
 * netascii), windowed sending (RFC 7440), ACK handling that never resends on a
 * duplicate ACK, retransmission on timeout, and the transfer's log line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/log.h"
#include "tftp/tftp-internal.h"
#include "tftp/tftp-wire.h"

/* First retransmission timeout without a timeout option; doubles up to the max. */
#define TIMEOUT_DEFAULT_MS     1000
#define TIMEOUT_BACKOFF_MAX_MS 8000
/* Retransmissions of one packet or window before the transfer is given up. */
#define RETRIES_MAX 5
/* Receive buffer for ACK and ERROR packets; longer ERROR messages are cut. */
#define PACKET_RX_MAX 1024

/*
 * Copies a client-supplied name for logs: a backslash becomes \\ and bytes
 * outside printable ASCII become \xNN. A name that does not fit ends in "...".
 */
void tftp_escape_name(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; in[i] != '\0'; i++) {
		unsigned char c = (unsigned char)in[i];
		char esc[5];
		size_t len;

		if (c == '\\')
			len = (size_t)snprintf(esc, sizeof(esc), "\\\\");
		else if (c >= 0x20 && c < 0x7f)
			len = (size_t)snprintf(esc, sizeof(esc), "%c", c);
		else
			len = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c);
		if (n + len + sizeof("...") > cap) {
			memcpy(out + n, "...", sizeof("..."));
			return;
		}
		memcpy(out + n, esc, len);
		n += len;
	}
	out[n] = '\0';
}

void tftp_format_peer(const struct sockaddr_in *sa, char *buf, size_t cap)
{
	char ip[INET_ADDRSTRLEN];

	(void)inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
	(void)snprintf(buf, cap, "%s:%u", ip, (unsigned)ntohs(sa->sin_port));
}

/*
 * Block number on the wire: the low 16 bits, so block 65536 goes out as 0,
 * the rollover tftp-hpa's server uses and iPXE and EDK2 accept.
 */
static uint16_t wire_block(uint64_t index)
{
	return (uint16_t)(index & 0xffffu);
}

uint64_t tftp_transfer_timeout_ms(const struct transfer *t)
{
	uint64_t ms;

	/* RFC 2349: the client chose the interval, so it stays fixed. */
	if (t->opts.timeout > 0)
		return (uint64_t)t->opts.timeout * 1000u;
	ms = (uint64_t)TIMEOUT_DEFAULT_MS << (t->retries < 8 ? t->retries : 8);
	return ms > TIMEOUT_BACKOFF_MAX_MS ? TIMEOUT_BACKOFF_MAX_MS : ms;
}

/* Payload bytes in blocks 1..index, all full except a known final block. */
static uint64_t transfer_bytes(const struct transfer *t, uint64_t index)
{
	if (index == 0)
		return 0;
	if (t->last_block != 0 && index == t->last_block)
		return (index - 1) * t->opts.blksize + t->last_len;
	return index * t->opts.blksize;
}

static void log_transfer(const struct transfer *t, enum log_level level, const char *result,
                         const char *outcome)
{
	char peer[INET_ADDRSTRLEN + 8], bytes[24], blksize[12], windowsize[12], duration[24];
	struct log_field fields[] = {
		{ "peer", peer },
		{ "file", t->file },
		{ "bytes", bytes },
		{ "result", result },
		{ "blksize", blksize },
		{ "windowsize", windowsize },
		{ "mode", t->mode == TFTP_MODE_NETASCII ? "netascii" : NULL },
		{ "duration_ms", duration },
	};

	tftp_format_peer(&t->peer, peer, sizeof(peer));
	(void)snprintf(bytes, sizeof(bytes), "%llu",
	               (unsigned long long)transfer_bytes(t, t->acked));
	(void)snprintf(blksize, sizeof(blksize), "%u", t->opts.blksize);
	(void)snprintf(windowsize, sizeof(windowsize), "%u", t->opts.windowsize);
	(void)snprintf(duration, sizeof(duration), "%llu",
	               (unsigned long long)(log_now_ms() - t->started_ms));
	log_fields(level, SUBSYSTEM, fields, sizeof(fields) / sizeof(fields[0]),
	           "transfer to %s %s", peer, outcome);
}

/* Logs the one line for the transfer, counts it and releases its slot. */
void tftp_transfer_finish(struct tftp_server *srv, struct transfer *t, enum transfer_end end,
                          const char *result)
{
	char outcome[160];

	switch (end) {
	case TRANSFER_OK:
		tftp_stat_add(&srv->transfers_ok, 1);
		log_transfer(t, LOG_LEVEL_INFO, "ok", "done");
		break;
	case TRANSFER_PROBE:
		log_transfer(t, LOG_LEVEL_INFO, result,
		             "ended by the client after the option acknowledgement");
		break;
	case TRANSFER_FAILED:
		tftp_stat_add(&srv->transfers_failed, 1);
		(void)snprintf(outcome, sizeof(outcome), "failed: %s", result);
		log_transfer(t, LOG_LEVEL_WARNING, result, outcome);
		break;
	}
	(void)close(t->sock);
	(void)close(t->fd);
	free(t->marks);
	t->marks = NULL;
	t->in_use = false;
	srv->n_active--;
	atomic_store_explicit(&srv->active, srv->n_active, memory_order_relaxed);
}

/* Sends one datagram from fd to peer; src, when not NULL, sets the source address. */
static int send_packet(int fd, const struct sockaddr_in *peer, const struct in_addr *src,
                       struct iovec *iov, size_t n_iov)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	} control;
	struct sockaddr_in dst = *peer; /* msghdr takes a non-const pointer */
	struct msghdr msg = {
		.msg_name = &dst,
		.msg_namelen = sizeof(dst),
		.msg_iov = iov,
		.msg_iovlen = n_iov,
	};

	if (src != NULL) {
		struct in_pktinfo pi = { .ipi_spec_dst = *src };
		struct cmsghdr *cm;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		cm = &control.align; /* CMSG_FIRSTHDR() of our own buffer */
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
	if (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

void tftp_send_error(int fd, const struct sockaddr_in *peer, const struct in_addr *src,
                     enum tftp_error_code code, const char *message)
{
	uint8_t buf[TFTP_HEADER_LEN + 128];
	struct iovec iov = { .iov_base = buf };

	if (tftp_build_error(buf, sizeof(buf), code, message, &iov.iov_len) < 0)
		return;
	/* Best effort: the peer may already be gone, and nothing waits for an ACK. */
	(void)send_packet(fd, peer, src, &iov, 1);
}

/* Reads the octet-mode payload of block index into buf; returns its length or -errno. */
static ssize_t read_block_octet(int fd, uint64_t index, uint32_t blksize, uint8_t *buf)
{
	uint64_t offset = (index - 1) * blksize;
	size_t len = 0;

	if (offset >= FILE_SIZE_MAX)
		return 0;
	while (len < blksize) {
		ssize_t n = pread(fd, buf + len, blksize - len, (off_t)(offset + len));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return (ssize_t)len;
}

/*
 * Encodes the netascii payload of block index into srv->block_buf, starting
 * from the mark stored for it, and stores the mark for the block after it.
 */
static ssize_t read_block_netascii(struct tftp_server *srv, struct transfer *t, uint64_t index)
{
	size_t ring = t->opts.windowsize + 1u;
	struct netascii_mark m = t->marks[index % ring];
	uint32_t blksize = t->opts.blksize;
	size_t len = 0;

	while (len < blksize) {
		size_t room = blksize - len, used;
		ssize_t n = 0;

		/* Each input byte yields at least one output byte, so room bytes suffice. */
		if (m.offset < FILE_SIZE_MAX)
			n = pread(t->fd, srv->text_buf, room, (off_t)m.offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		len += tftp_netascii_encode(&m.enc, srv->text_buf, (size_t)n, srv->block_buf + len,
		                            room, &used);
		m.offset += used;
		if (n == 0)
			break; /* end of file, after flushing a pending byte */
	}
	t->marks[(index + 1) % ring] = m;
	return (ssize_t)len;
}

/* Reads the payload of block index into srv->block_buf; returns its length or -errno. */
static ssize_t block_read(struct tftp_server *srv, struct transfer *t, uint64_t index)
{
	ssize_t n;

	if (t->mode == TFTP_MODE_NETASCII)
		n = read_block_netascii(srv, t, index);
	else
		n = read_block_octet(t->fd, index, t->opts.blksize, srv->block_buf);
	if (n >= 0 && (size_t)n < t->opts.blksize) {
		t->last_block = index;
		t->last_len = (size_t)n;
	}
	return n;
}

/* Sends DATA block index with the len payload bytes in srv->block_buf. Returns 0 or -errno. */
static int block_send(struct tftp_server *srv, struct transfer *t, uint64_t index, size_t len)
{
	uint8_t header[TFTP_HEADER_LEN];
	struct iovec iov[2];
	size_t header_len;
	int r;

	(void)tftp_build_data_header(header, sizeof(header), wire_block(index), &header_len);
	iov[0] = (struct iovec){ .iov_base = header, .iov_len = header_len };
	iov[1] = (struct iovec){ .iov_base = srv->block_buf, .iov_len = len };
	r = send_packet(t->sock, &t->peer, NULL, iov, 2);
	if (r < 0)
		return r;
	tftp_stat_add(&srv->bytes_sent, len);
	return 0;
}

uint64_t tftp_transfer_event_data(const struct tftp_server *srv, const struct transfer *t)
{
	uint64_t slot = (uint64_t)(t - srv->transfers);

	return (uint64_t)t->generation << 32 | (EV_TRANSFER_BASE + slot);
}

static void transfer_watch_output(struct tftp_server *srv, struct transfer *t, bool on)
{
	struct epoll_event ev = {
		.events = EPOLLIN | (on ? EPOLLOUT : 0u),
		.data.u64 = tftp_transfer_event_data(srv, t),
	};

	t->want_out = on;
	(void)epoll_ctl(srv->epoll_fd, EPOLL_CTL_MOD, t->sock, &ev);
}

/* Ends a transfer after a failed read or send, telling the client why. */
static void transfer_abort(struct tftp_server *srv, struct transfer *t, int err,
                           const char *failure)
{
	char result[96];

	(void)snprintf(result, sizeof(result), "%s: %s", failure, strerror(-err));
	tftp_send_error(t->sock, &t->peer, NULL, TFTP_ERR_UNDEFINED, "Server error");
	tftp_transfer_finish(srv, t, TRANSFER_FAILED, result);
}

/*
 * Sends blocks from t->next up to the end of the window (acked + windowsize)
 * or the final block. A full socket buffer pauses sending until EPOLLOUT, and
 * a packet the kernel dropped (ENOBUFS) is resent after the timeout. A failed
 * read or send ends the transfer. Returns 0, or -errno when the transfer ended.
 */
static int transfer_pump(struct tftp_server *srv, struct transfer *t)
{
	while (t->next <= t->acked + t->opts.windowsize &&
	       (t->last_block == 0 || t->next <= t->last_block)) {
		ssize_t n = block_read(srv, t, t->next);
		int r;

		if (n < 0) {
			transfer_abort(srv, t, (int)n, "read failed");
			return (int)n;
		}
		r = block_send(srv, t, t->next, (size_t)n);
		if (r == -EAGAIN || r == -EWOULDBLOCK) {
			transfer_watch_output(srv, t, true);
			return 0;
		}
		if (r == -ENOBUFS)
			return 0;
		if (r < 0) {
			transfer_abort(srv, t, r, "send failed");
			return r;
		}
		if (t->next > t->sent_max)
			t->sent_max = t->next;
		t->next++;
	}
	return 0;
}

static int send_oack(struct transfer *t)
{
	uint8_t buf[128];
	struct iovec iov = { .iov_base = buf };
	int r;

	r = tftp_build_oack(buf, sizeof(buf), &t->opts, &iov.iov_len);
	if (r < 0)
		return r;
	r = send_packet(t->sock, &t->peer, NULL, &iov, 1);
	/* A full socket buffer is a lost packet: the timeout sends it again. */
	if (r == -EWOULDBLOCK || r == -ENOBUFS)
		return 0;
	return r;
}

static void transfer_on_ack(struct tftp_server *srv, struct transfer *t, uint16_t block)
{
	uint64_t now = log_now_ms();
	uint16_t distance;

	if (t->oack_pending) {
		if (block != 0)
			return;
		t->oack_pending = false;
		t->next = 1;
	} else {
		/*
		 * Map the 16-bit number onto the blocks in flight, (acked, sent_max].
		 * A duplicate or older ACK is ignored: resending on it would double
		 * the traffic for the rest of the transfer (Sorcerer's Apprentice).
		 */
		distance = (uint16_t)(wire_block(t->sent_max) - block);
		if (distance >= t->sent_max - t->acked)
			return;
		t->acked = t->sent_max - distance;
		if (t->last_block != 0 && t->acked == t->last_block) {
			tftp_transfer_finish(srv, t, TRANSFER_OK, "ok");
			return;
		}
		/* RFC 7440: the next window starts after the acknowledged block. */
		t->next = t->acked + 1;
	}
	t->retries = 0;
	t->deadline_ms = now + tftp_transfer_timeout_ms(t);
	if (t->want_out)
		return; /* EPOLLOUT resumes sending from t->next */
	(void)transfer_pump(srv, t);
}

static void transfer_on_error(struct tftp_server *srv, struct transfer *t,
                              const struct tftp_packet *pkt)
{
	char message[FILE_DISPLAY_MAX];
	char result[FILE_DISPLAY_MAX + 48];

	tftp_escape_name(pkt->error_message, message, sizeof(message));
	/* EDK2 requests tsize, then ends with error 8 and requests the file again. */
	if (t->oack_pending && pkt->error_code == TFTP_ERR_OPTION) {
		(void)snprintf(result, sizeof(result), "aborted after OACK: error %u: %s",
		               pkt->error_code, message);
		tftp_transfer_finish(srv, t, TRANSFER_PROBE, result);
		return;
	}
	(void)snprintf(result, sizeof(result), "aborted by client: error %u: %s", pkt->error_code,
	               message);
	tftp_transfer_finish(srv, t, TRANSFER_FAILED, result);
}

/* Handles one datagram on a transfer socket. */
static void transfer_on_packet(struct tftp_server *srv, struct transfer *t, const uint8_t *buf,
                               size_t len, const struct sockaddr_in *from)
{
	struct tftp_packet pkt;
	char peer[INET_ADDRSTRLEN + 8];

	/* RFC 1350: a packet from another port gets error 5 and leaves the transfer alone. */
	if (!tftp_peer_equal(from, &t->peer)) {
		tftp_send_error(t->sock, from, NULL, TFTP_ERR_UNKNOWN_TID, "Unknown transfer ID");
		return;
	}
	if (tftp_packet_parse(buf, len, &pkt) < 0) {
		tftp_stat_add(&srv->malformed, 1);
		if (log_enabled(LOG_LEVEL_DEBUG)) {
			tftp_format_peer(from, peer, sizeof(peer));
			log_debug(SUBSYSTEM, "packet from %s ignored: not an ACK or ERROR", peer);
		}
		return;
	}
	t->got_packet = true;
	if (pkt.opcode == TFTP_OP_ACK)
		transfer_on_ack(srv, t, pkt.block);
	else
		transfer_on_error(srv, t, &pkt);
}

void tftp_transfer_on_readable(struct tftp_server *srv, struct transfer *t)
{
	uint8_t buf[PACKET_RX_MAX];

	for (int i = 0; i < RECV_BURST && t->in_use; i++) {
		struct sockaddr_in from;
		socklen_t from_len = sizeof(from);
		ssize_t n;

		n = recvfrom(t->sock, buf, sizeof(buf), 0, (struct sockaddr *)&from, &from_len);
		if (n < 0)
			return; /* EAGAIN, or an error queued on the socket: nothing to read */
		if (from_len != sizeof(from) || from.sin_family != AF_INET)
			continue;
		transfer_on_packet(srv, t, buf, (size_t)n, &from);
	}
}

void tftp_transfer_on_writable(struct tftp_server *srv, struct transfer *t)
{
	transfer_watch_output(srv, t, false);
	if (!t->oack_pending)
		(void)transfer_pump(srv, t);
}

/* Retransmits the OACK or the window after a silent interval, or gives up. */
void tftp_transfer_on_timeout(struct tftp_server *srv, struct transfer *t, uint64_t now)
{
	char result[64];
	int r;

	if (++t->retries > RETRIES_MAX) {
		(void)snprintf(result, sizeof(result), "timed out after %d retransmissions",
		               RETRIES_MAX);
		tftp_transfer_finish(srv, t, TRANSFER_FAILED, result);
		return;
	}
	log_debug(SUBSYSTEM, "transfer of block %llu timed out, retransmission %u",
	          (unsigned long long)(t->acked + 1), t->retries);
	t->deadline_ms = now + tftp_transfer_timeout_ms(t);
	if (!t->oack_pending) {
		t->next = t->acked + 1;
		if (!t->want_out)
			(void)transfer_pump(srv, t);
		return;
	}
	r = send_oack(t);
	if (r < 0)
		transfer_abort(srv, t, r, "send failed");
}

/* Sends the first packet of a new transfer: the OACK, or DATA when no option was accepted. */
void tftp_transfer_begin(struct tftp_server *srv, struct transfer *t)
{
	int r;

	if (t->opts.acked == 0) {
		(void)transfer_pump(srv, t);
		return;
	}
	t->oack_pending = true;
	r = send_oack(t);
	if (r < 0)
		transfer_abort(srv, t, r, "send failed");
}
