/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for src/tftp/tftp-file (confinement to the root) and
 * src/tftp/tftp-server (exact packet sequences over loopback, played by a
 * client written here).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

/* clang-format off */
#include <cmocka.h>
/* clang-format on */

#include "core/config.h"
#include "core/log.h"
#include "core/wire.h"
#include "tftp/tftp-file.h"
#include "tftp/tftp-server.h"
#include "tftp/tftp-wire.h"

#define PKT(s) (const uint8_t *)(s), (sizeof(s) - 1)

struct fixture {
	char root[64];
	int root_fd;
	struct config cfg;
	struct tftp_server *srv;
	uint16_t port;
};

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[256];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void make_tree(const char *root)
{
	char path[256];

	write_file(root, "a", "hello", 5);
	(void)snprintf(path, sizeof(path), "%s/d", root);
	assert_int_equal(mkdir(path, 0755), 0);
	write_file(root, "d/b", "inner", 5);
	(void)snprintf(path, sizeof(path), "%s/in", root);
	assert_int_equal(symlink("a", path), 0);
	(void)snprintf(path, sizeof(path), "%s/out", root);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	(void)snprintf(path, sizeof(path), "%s/dirout", root);
	assert_int_equal(symlink("/etc", path), 0);
	(void)snprintf(path, sizeof(path), "%s/up", root);
	assert_int_equal(symlink("../", path), 0);
	(void)snprintf(path, sizeof(path), "%s/fifo", root);
	assert_int_equal(mkfifo(path, 0644), 0);
}

/* Picks a free UDP port on 127.0.0.1 by binding port 0 once. */
static uint16_t free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	(void)close(fd);
	return ntohs(sa.sin_port);
}

static int setup_tree(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	(void)snprintf(fx->root, sizeof(fx->root), "/tmp/rackd-tftp-XXXXXX");
	assert_non_null(mkdtemp(fx->root));
	make_tree(fx->root);
	fx->root_fd = open(fx->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fx->root_fd >= 0);
	*state = fx;
	return 0;
}

static int start_server(struct fixture *fx, uint32_t max_transfers)
{
	config_init(&fx->cfg);
	(void)snprintf(fx->cfg.boot_dir, sizeof(fx->cfg.boot_dir), "%s", fx->root);
	fx->cfg.tftp_address = 0x7f000001;
	fx->port = free_port();
	fx->cfg.tftp_port = fx->port;
	fx->cfg.tftp_max_transfers = max_transfers;
	assert_int_equal(tftp_server_new(&fx->cfg, &fx->srv), 0);
	return tftp_server_start(fx->srv);
}

static int setup_server(void **state)
{
	struct fixture *fx;

	setup_tree(state);
	fx = *state;
	assert_int_equal(start_server(fx, 4), 0);
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	tftp_server_free(fx->srv);
	(void)close(fx->root_fd);
	assert_int_equal(nftw(fx->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(fx);
	return 0;
}

typedef int (*open_fn)(int root_fd, const char *name, int *ret_fd, uint64_t *ret_size);

/* Returns the open result and checks that a success gives the expected content. */
static int try_open(open_fn fn, int root_fd, const char *name, const char *content)
{
	char buf[16] = { 0 };
	uint64_t size = 0;
	int fd = -1, r;

	r = fn(root_fd, name, &fd, &size);
	if (r == 0) {
		assert_int_equal(size, strlen(content));
		assert_int_equal(read(fd, buf, sizeof(buf) - 1), (ssize_t)strlen(content));
		assert_string_equal(buf, content);
		(void)close(fd);
	} else {
		assert_int_equal(fd, -1);
	}
	return r;
}

/* Cases both lookups treat the same way. */
static void check_common_confinement(open_fn fn, int root_fd)
{
	assert_int_equal(try_open(fn, root_fd, "a", "hello"), 0);
	assert_int_equal(try_open(fn, root_fd, "/a", "hello"), 0);
	assert_int_equal(try_open(fn, root_fd, "//d//b", "inner"), 0);
	assert_int_equal(try_open(fn, root_fd, "d/./b", "inner"), 0);
	assert_int_equal(try_open(fn, root_fd, "missing", NULL), -ENOENT);
	assert_int_equal(try_open(fn, root_fd, "a/x", NULL), -ENOENT);
	assert_int_equal(try_open(fn, root_fd, "", NULL), -ENOENT);
	assert_int_equal(try_open(fn, root_fd, "///", NULL), -ENOENT);
	assert_int_equal(try_open(fn, root_fd, "..", NULL), -EACCES);
	assert_int_equal(try_open(fn, root_fd, "../etc/passwd", NULL), -EACCES);
	assert_int_equal(try_open(fn, root_fd, "d/../a", NULL), -EACCES);
	assert_int_equal(try_open(fn, root_fd, "d/../../etc/passwd", NULL), -EACCES);
	assert_int_equal(try_open(fn, root_fd, "/../../../../etc/passwd", NULL), -EACCES);
	assert_int_equal(try_open(fn, root_fd, "out", NULL), -EACCES);
	assert_int_equal(try_open(fn, root_fd, "dirout/passwd", NULL), -EACCES);
	assert_int_equal(try_open(fn, root_fd, "up/etc/passwd", NULL), -EACCES);
	assert_int_equal(try_open(fn, root_fd, "d", NULL), -EACCES);
	assert_int_equal(try_open(fn, root_fd, "fifo", NULL), -EACCES);
}

static void file_open_confined(void **state)
{
	struct fixture *fx = *state;

	check_common_confinement(tftp_file_open, fx->root_fd);
	/* A symlink that stays below the root is followed. */
	assert_int_equal(try_open(tftp_file_open, fx->root_fd, "in", "hello"), 0);
}

static void file_open_walk_confined(void **state)
{
	struct fixture *fx = *state;

	check_common_confinement(tftp_file_open_walk, fx->root_fd);
	/* The fallback rejects every symlink. */
	assert_int_equal(try_open(tftp_file_open_walk, fx->root_fd, "in", NULL), -EACCES);
}

/* A client socket on 127.0.0.1 that fails the test when nothing arrives in 5 s. */
struct client {
	int fd;
	uint16_t server_port;   /* the listening port */
	struct sockaddr_in tid; /* the transfer's address, learnt from the first reply */
};

static void client_open(struct client *c, uint16_t server_port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	struct timeval tv = { .tv_sec = 5 };

	c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	c->server_port = server_port;
	memset(&c->tid, 0, sizeof(c->tid));
}

static void client_send_port(struct client *c, uint16_t port, const void *buf, size_t len)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(0x7f000001),
		.sin_port = htons(port),
	};

	assert_int_equal(sendto(c->fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)),
	                 (ssize_t)len);
}

static void client_request(struct client *c, const void *buf, size_t len)
{
	client_send_port(c, c->server_port, buf, len);
}

static void client_ack(struct client *c, uint16_t block)
{
	uint8_t buf[4];
	size_t len;

	assert_int_equal(tftp_build_ack(buf, sizeof(buf), block, &len), 0);
	client_send_port(c, ntohs(c->tid.sin_port), buf, len);
}

/* A received packet: opcode, the 16-bit field after it, and the rest. */
struct reply {
	uint16_t opcode;
	uint16_t block; /* block number, or error code */
	uint8_t payload[TFTP_BLKSIZE_MAX];
	size_t len;
};

static void client_recv(struct client *c, struct reply *rep)
{
	static uint8_t buf[TFTP_BLKSIZE_MAX + 8];
	struct sockaddr_in from;
	socklen_t from_len = sizeof(from);
	struct wire_reader r;
	ssize_t n;

	n = recvfrom(c->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &from_len);
	assert_true(n >= 4);
	if (c->tid.sin_port == 0)
		c->tid = from;
	else
		assert_int_equal(from.sin_port, c->tid.sin_port);
	wire_reader_init(&r, buf, (size_t)n);
	rep->opcode = wire_read_u16(&r);
	rep->block = wire_read_u16(&r);
	rep->len = wire_remaining(&r);
	wire_read_bytes(&r, rep->payload, rep->len);
}

static void expect_data(struct client *c, uint16_t block, const void *payload, size_t len)
{
	static struct reply rep;

	client_recv(c, &rep);
	assert_int_equal(rep.opcode, TFTP_OP_DATA);
	assert_int_equal(rep.block, block);
	assert_int_equal(rep.len, len);
	if (payload != NULL)
		assert_memory_equal(rep.payload, payload, len);
}

static void expect_error(struct client *c, uint16_t code)
{
	static struct reply rep;

	client_recv(c, &rep);
	assert_int_equal(rep.opcode, TFTP_OP_ERROR);
	assert_int_equal(rep.block, code);
}

/* Waits until the server has no transfer left, so its counters are final. */
static void wait_idle(struct tftp_server *srv, struct tftp_stats *ret_stats)
{
	for (int i = 0; i < 500; i++) {
		tftp_server_get_stats(srv, ret_stats);
		if (ret_stats->active == 0)
			return;
		(void)usleep(10000);
	}
	fail_msg("transfers still active");
}

static void plain_transfer(void **state)
{
	struct fixture *fx = *state;
	struct tftp_stats st;
	struct client c;

	client_open(&c, fx->port);
	client_request(&c, PKT("\0\1a\0octet\0"));
	expect_data(&c, 1, "hello", 5);
	client_ack(&c, 1);
	wait_idle(fx->srv, &st);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.transfers_ok, 1);
	assert_int_equal(st.transfers_failed, 0);
	assert_int_equal(st.bytes_sent, 5);
	(void)close(c.fd);
}

static void oack_then_small_blocks(void **state)
{
	struct fixture *fx = *state;
	static struct reply rep;
	struct tftp_stats st;
	struct client c;

	write_file(fx->root, "sixteen", "0123456789abcdef", 16);
	client_open(&c, fx->port);
	client_request(&c, PKT("\0\1sixteen\0octet\0blksize\0008\0tsize\0000\0"));
	client_recv(&c, &rep);
	assert_int_equal(rep.opcode, TFTP_OP_OACK);
	assert_int_equal(rep.len + 2, sizeof("blksize\0008\0tsize\00016"));
	client_ack(&c, 0);
	expect_data(&c, 1, "01234567", 8);
	client_ack(&c, 1);
	expect_data(&c, 2, "89abcdef", 8);
	client_ack(&c, 2);
	/* A file that ends on a block boundary ends with an empty block. */
	expect_data(&c, 3, NULL, 0);
	client_ack(&c, 3);
	wait_idle(fx->srv, &st);
	assert_int_equal(st.transfers_ok, 1);
	(void)close(c.fd);
}

static void duplicate_ack_not_answered(void **state)
{
	struct fixture *fx = *state;
	static struct reply rep;
	struct tftp_stats st;
	struct client c;

	write_file(fx->root, "three", "aaaaaaaabbbbbbbbcc", 18);
	client_open(&c, fx->port);
	client_request(&c, PKT("\0\1three\0octet\0blksize\0008\0"));
	client_recv(&c, &rep);
	assert_int_equal(rep.opcode, TFTP_OP_OACK);
	client_ack(&c, 0);
	expect_data(&c, 1, "aaaaaaaa", 8);
	client_ack(&c, 1);
	expect_data(&c, 2, "bbbbbbbb", 8);
	/* Sorcerer's Apprentice: a repeated or older ACK must not trigger a resend. */
	client_ack(&c, 1);
	client_ack(&c, 0);
	client_ack(&c, 2);
	expect_data(&c, 3, "cc", 2);
	client_ack(&c, 3);
	wait_idle(fx->srv, &st);
	assert_int_equal(st.transfers_ok, 1);
	assert_int_equal(st.bytes_sent, 18);
	(void)close(c.fd);
}

static void window_restarts_after_partial_ack(void **state)
{
	struct fixture *fx = *state;
	static struct reply rep;
	struct tftp_stats st;
	struct client c;

	write_file(fx->root, "forty", "1111111122222222333333334444444455555555", 40);
	client_open(&c, fx->port);
	client_request(&c, PKT("\0\1forty\0octet\0blksize\0008\0windowsize\0004\0"));
	client_recv(&c, &rep);
	assert_int_equal(rep.opcode, TFTP_OP_OACK);
	client_ack(&c, 0);
	expect_data(&c, 1, "11111111", 8);
	expect_data(&c, 2, "22222222", 8);
	expect_data(&c, 3, "33333333", 8);
	expect_data(&c, 4, "44444444", 8);
	/* RFC 7440: an ACK inside the window starts the next window right after it. */
	client_ack(&c, 2);
	expect_data(&c, 3, "33333333", 8);
	expect_data(&c, 4, "44444444", 8);
	expect_data(&c, 5, "55555555", 8);
	expect_data(&c, 6, NULL, 0);
	client_ack(&c, 1); /* stale: ignored */
	client_ack(&c, 6);
	wait_idle(fx->srv, &st);
	assert_int_equal(st.transfers_ok, 1);
	assert_int_equal(st.transfers_failed, 0);
	(void)close(c.fd);
}

static void retransmits_on_timeout(void **state)
{
	struct fixture *fx = *state;
	static struct reply rep;
	struct tftp_stats st;
	struct client c;

	client_open(&c, fx->port);
	client_request(&c, PKT("\0\1a\0octet\0timeout\0001\0"));
	client_recv(&c, &rep);
	assert_int_equal(rep.opcode, TFTP_OP_OACK);
	client_recv(&c, &rep); /* no ACK sent: the OACK comes again */
	assert_int_equal(rep.opcode, TFTP_OP_OACK);
	client_ack(&c, 0);
	expect_data(&c, 1, "hello", 5);
	expect_data(&c, 1, "hello", 5);
	client_ack(&c, 1);
	wait_idle(fx->srv, &st);
	assert_int_equal(st.transfers_ok, 1);
	assert_int_equal(st.bytes_sent, 10);
	(void)close(c.fd);
}

static void edk2_size_probe_not_failure(void **state)
{
	static const uint8_t oack[] = "blksize\0001468\0tsize\0005\0windowsize\0004";
	static const uint8_t abort_probe[] = "\0\5\0\10tsize only";
	struct fixture *fx = *state;
	static struct reply rep;
	struct tftp_stats st;
	struct client c;

	client_open(&c, fx->port);
	client_request(&c, PKT("\0\1a\0octet\0tsize\0000\0blksize\0001468\0windowsize\0004\0"));
	client_recv(&c, &rep);
	assert_int_equal(rep.opcode, TFTP_OP_OACK);
	/* client_recv() put the first two bytes of the OACK body ("bl") into rep.block. */
	assert_int_equal(rep.len + 2, sizeof(oack));
	assert_memory_equal(rep.payload, oack + 2, sizeof(oack) - 2);
	client_send_port(&c, ntohs(c.tid.sin_port), abort_probe, sizeof(abort_probe));
	wait_idle(fx->srv, &st);
	assert_int_equal(st.transfers_ok, 0);
	assert_int_equal(st.transfers_failed, 0);
	(void)close(c.fd);

	client_open(&c, fx->port);
	client_request(&c, PKT("\0\1a\0octet\0blksize\0001468\0windowsize\0004\0"));
	client_recv(&c, &rep);
	assert_int_equal(rep.opcode, TFTP_OP_OACK);
	client_ack(&c, 0);
	expect_data(&c, 1, "hello", 5);
	client_ack(&c, 1);
	wait_idle(fx->srv, &st);
	assert_int_equal(st.requests, 2);
	assert_int_equal(st.transfers_ok, 1);
	assert_int_equal(st.transfers_failed, 0);
	(void)close(c.fd);
}

static void client_error_fails_transfer(void **state)
{
	static const uint8_t abort_transfer[] = "\0\5\0\0disk full";
	struct fixture *fx = *state;
	struct tftp_stats st;
	struct client c;

	client_open(&c, fx->port);
	client_request(&c, PKT("\0\1a\0octet\0"));
	expect_data(&c, 1, "hello", 5);
	client_send_port(&c, ntohs(c.tid.sin_port), abort_transfer, sizeof(abort_transfer));
	wait_idle(fx->srv, &st);
	assert_int_equal(st.transfers_failed, 1);
	(void)close(c.fd);
}

static void rejected_requests_get_errors(void **state)
{
	struct fixture *fx = *state;
	struct tftp_stats st;
	struct client c;

	client_open(&c, fx->port);
	client_request(&c, PKT("\0\2a\0octet\0"));
	expect_error(&c, TFTP_ERR_ACCESS);
	client_request(&c, PKT("\0\1missing\0octet\0"));
	expect_error(&c, TFTP_ERR_NOT_FOUND);
	client_request(&c, PKT("\0\1../etc/passwd\0octet\0"));
	expect_error(&c, TFTP_ERR_ACCESS);
	client_request(&c, PKT("\0\1out\0octet\0"));
	expect_error(&c, TFTP_ERR_ACCESS);
	client_request(&c, PKT("\0\1d\0octet\0"));
	expect_error(&c, TFTP_ERR_ACCESS);
	wait_idle(fx->srv, &st);
	assert_int_equal(st.requests, 5);
	assert_int_equal(st.rejected, 5);
	assert_int_equal(st.malformed, 0);
	(void)close(c.fd);
}

static void malformed_requests_counted(void **state)
{
	struct fixture *fx = *state;
	struct tftp_stats st;
	struct client c;

	client_open(&c, fx->port);
	client_request(&c, PKT("\0\1a"));
	expect_error(&c, TFTP_ERR_ILLEGAL_OP);
	client_request(&c, PKT("\0\1a\0octet\0blksize\0002\0"));
	expect_error(&c, TFTP_ERR_OPTION);
	client_request(&c, PKT("\0\1a\0mail\0"));
	expect_error(&c, TFTP_ERR_ILLEGAL_OP);
	client_request(&c, PKT("\0\4\0\1"));
	expect_error(&c, TFTP_ERR_ILLEGAL_OP);
	wait_idle(fx->srv, &st);
	assert_int_equal(st.malformed, 4);
	assert_int_equal(st.requests, 0);
	(void)close(c.fd);
}

static void unknown_tid_gets_error(void **state)
{
	struct fixture *fx = *state;
	struct tftp_stats st;
	struct client c, stray;

	client_open(&c, fx->port);
	client_open(&stray, fx->port);
	client_request(&c, PKT("\0\1a\0octet\0"));
	expect_data(&c, 1, "hello", 5);
	stray.tid = c.tid;
	client_ack(&stray, 1);
	expect_error(&stray, TFTP_ERR_UNKNOWN_TID);
	client_ack(&c, 1);
	wait_idle(fx->srv, &st);
	assert_int_equal(st.transfers_ok, 1);
	(void)close(c.fd);
	(void)close(stray.fd);
}

static void retransmitted_request_ignored(void **state)
{
	struct fixture *fx = *state;
	struct tftp_stats st;
	struct client c;

	client_open(&c, fx->port);
	client_request(&c, PKT("\0\1a\0octet\0"));
	client_request(&c, PKT("\0\1a\0octet\0"));
	expect_data(&c, 1, "hello", 5);
	client_ack(&c, 1);
	/* A second transfer would stay active, waiting for an ACK that never comes. */
	wait_idle(fx->srv, &st);
	assert_int_equal(st.requests, 2);
	assert_int_equal(st.transfers_ok, 1);
	(void)close(c.fd);
}

static void netascii_converted(void **state)
{
	struct fixture *fx = *state;
	struct tftp_stats st;
	struct client c;

	write_file(fx->root, "text", "a\nb\r", 4);
	client_open(&c, fx->port);
	client_request(&c, PKT("\0\1text\0netascii\0"));
	expect_data(&c, 1, "a\r\nb\r\0", 6);
	client_ack(&c, 1);
	wait_idle(fx->srv, &st);
	assert_int_equal(st.transfers_ok, 1);
	(void)close(c.fd);
}

/* 65537 blocks of 8 bytes: block numbers run 65535, 0, 1 with a window of 64. */
static void block_numbers_wrap(void **state)
{
	enum { BLOCKS = 65537, SIZE = (BLOCKS - 1) * 8 + 3 };
	struct fixture *fx = *state;
	static uint8_t data[SIZE];
	static struct reply rep;
	struct tftp_stats st;
	struct client c;
	uint32_t index = 0;

	for (size_t i = 0; i < SIZE; i++)
		data[i] = (uint8_t)(i * 7 + i / 256);
	write_file(fx->root, "big", data, SIZE);
	client_open(&c, fx->port);
	client_request(&c, PKT("\0\1big\0octet\0blksize\0008\0windowsize\00064\0"));
	client_recv(&c, &rep);
	assert_int_equal(rep.opcode, TFTP_OP_OACK);
	client_ack(&c, 0);
	while (index < BLOCKS) {
		for (int w = 0; w < 64 && index < BLOCKS; w++) {
			size_t len = index + 1 == BLOCKS ? 3 : 8;

			index++;
			expect_data(&c, (uint16_t)index, data + (size_t)(index - 1) * 8, len);
		}
		client_ack(&c, (uint16_t)index);
	}
	wait_idle(fx->srv, &st);
	assert_int_equal(st.transfers_ok, 1);
	assert_int_equal(st.bytes_sent, SIZE);
	(void)close(c.fd);
}

static void busy_when_full(void **state)
{
	struct fixture *fx = *state;
	struct tftp_stats st;
	struct client c, late;

	tftp_server_free(fx->srv);
	assert_int_equal(start_server(fx, 1), 0);
	client_open(&c, fx->port);
	client_open(&late, fx->port);
	client_request(&c, PKT("\0\1a\0octet\0"));
	expect_data(&c, 1, "hello", 5);
	client_request(&late, PKT("\0\1a\0octet\0"));
	expect_error(&late, TFTP_ERR_UNDEFINED);
	client_ack(&c, 1);
	wait_idle(fx->srv, &st);
	assert_int_equal(st.transfers_ok, 1);
	assert_int_equal(st.rejected, 1);
	(void)close(c.fd);
	(void)close(late.fd);
}

static void stop_ends_transfers(void **state)
{
	struct fixture *fx = *state;
	struct tftp_stats st;
	struct client c;

	client_open(&c, fx->port);
	client_request(&c, PKT("\0\1a\0octet\0"));
	expect_data(&c, 1, "hello", 5);
	tftp_server_stop(fx->srv);
	tftp_server_get_stats(fx->srv, &st);
	assert_int_equal(st.active, 0);
	assert_int_equal(st.transfers_failed, 1);
	tftp_server_stop(fx->srv); /* a second stop does nothing */
	(void)close(c.fd);
}

static void start_failures(void **state)
{
	struct fixture *fx = *state;
	struct tftp_server *srv;

	/* The port is taken by the fixture's own server. */
	assert_int_equal(tftp_server_new(&fx->cfg, &srv), 0);
	assert_int_equal(tftp_server_start(srv), -EADDRINUSE);
	tftp_server_free(srv);

	(void)snprintf(fx->cfg.boot_dir, sizeof(fx->cfg.boot_dir), "%s/none", fx->root);
	assert_int_equal(tftp_server_new(&fx->cfg, &srv), 0);
	assert_int_equal(tftp_server_start(srv), -ENOENT);
	tftp_server_free(srv);

	fx->cfg.tftp_max_transfers = 0;
	assert_int_equal(tftp_server_new(&fx->cfg, &srv), -EINVAL);
	tftp_server_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(file_open_confined, setup_tree, teardown),
		cmocka_unit_test_setup_teardown(file_open_walk_confined, setup_tree, teardown),
		cmocka_unit_test_setup_teardown(plain_transfer, setup_server, teardown),
		cmocka_unit_test_setup_teardown(oack_then_small_blocks, setup_server, teardown),
		cmocka_unit_test_setup_teardown(duplicate_ack_not_answered, setup_server, teardown),
		cmocka_unit_test_setup_teardown(window_restarts_after_partial_ack, setup_server,
		                                teardown),
		cmocka_unit_test_setup_teardown(retransmits_on_timeout, setup_server, teardown),
		cmocka_unit_test_setup_teardown(edk2_size_probe_not_failure, setup_server,
		                                teardown),
		cmocka_unit_test_setup_teardown(client_error_fails_transfer, setup_server,
		                                teardown),
		cmocka_unit_test_setup_teardown(rejected_requests_get_errors, setup_server,
		                                teardown),
		cmocka_unit_test_setup_teardown(malformed_requests_counted, setup_server, teardown),
		cmocka_unit_test_setup_teardown(unknown_tid_gets_error, setup_server, teardown),
		cmocka_unit_test_setup_teardown(retransmitted_request_ignored, setup_server,
		                                teardown),
		cmocka_unit_test_setup_teardown(netascii_converted, setup_server, teardown),
		cmocka_unit_test_setup_teardown(block_numbers_wrap, setup_server, teardown),
		cmocka_unit_test_setup_teardown(busy_when_full, setup_server, teardown),
		cmocka_unit_test_setup_teardown(stop_ends_transfers, setup_server, teardown),
		cmocka_unit_test_setup_teardown(start_failures, setup_server, teardown),
	};

	log_setup(LOG_LEVEL_WARNING, LOG_FORMAT_TEXT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
