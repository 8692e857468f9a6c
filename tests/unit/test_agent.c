/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_agent -- rackd-agent's kernel command line and URL parsing, fact
 * collection from a fake /proc and /sys tree, the JSON report, and the HTTP
 * client against a loopback server.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* cmocka.h uses types from the headers above, so it comes after them. */
/* clang-format off */
#include <cmocka.h>
/* clang-format on */

#include "agent/agent.h"
#include "agent/facts.h"
#include "agent/http.h"

static int parse_cmdline(const char *text, struct agent_params *params)
{
	return agent_params_parse_cmdline(text, strlen(text), params);
}

static void test_cmdline_typical(void **state)
{
	struct agent_params p = { 0 };
	const char *line = "BOOT_IMAGE=vmlinuz initrd=initrd.img rackd.url=http://192.0.2.1:8080 "
	                   "rackd.machine=42 rackd.token=0123abcd console=ttyS0\n";

	(void)state;
	assert_int_equal(parse_cmdline(line, &p), 0);
	assert_true(p.has_url);
	assert_true(p.has_machine);
	assert_true(p.has_token);
	assert_string_equal(p.url, "http://192.0.2.1:8080");
	assert_int_equal(p.machine_id, 42);
	assert_string_equal(p.token, "0123abcd");
}

static void test_cmdline_quotes_and_order(void **state)
{
	struct agent_params p = { 0 };

	(void)state;
	/* Quotes are dropped, a later value wins, and words after "--" belong to init. */
	assert_int_equal(parse_cmdline("rackd.machine=1 \"rackd.token=ab\" rackd.machine=\"7\" -- "
	                               "rackd.machine=9",
	                               &p),
	                 0);
	assert_int_equal(p.machine_id, 7);
	assert_string_equal(p.token, "ab");
	assert_false(p.has_url);
}

static void test_cmdline_ignores_other_words(void **state)
{
	struct agent_params p = { 0 };

	(void)state;
	assert_int_equal(parse_cmdline("rackd.shell rackd.other=x rackdXurl=y quiet", &p), 0);
	assert_false(p.has_url);
	assert_false(p.has_machine);
	assert_false(p.has_token);
	assert_int_equal(parse_cmdline("", &p), 0);
	assert_int_equal(parse_cmdline("   \n", &p), 0);
}

static void test_cmdline_rejects_bad_values(void **state)
{
	struct agent_params p = { 0 };
	char longline[AGENT_URL_MAX + 64];

	(void)state;
	assert_int_equal(parse_cmdline("rackd.machine=12x", &p), -EINVAL);
	assert_int_equal(parse_cmdline("rackd.machine=", &p), -EINVAL);
	assert_int_equal(parse_cmdline("rackd.machine=9223372036854775808", &p), -EINVAL);
	assert_int_equal(parse_cmdline("rackd.token=\"a b\"", &p), -EINVAL);
	assert_int_equal(parse_cmdline("rackd.token=a\"\r\n\"X-Evil:1", &p), -EINVAL);
	assert_int_equal(parse_cmdline("rackd.url", &p), -EINVAL);
	/* A failed parse leaves the parameters as they were. */
	assert_false(p.has_machine);
	assert_false(p.has_token);

	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	memcpy(longline, "rackd.url=", 10);
	assert_int_equal(parse_cmdline(longline, &p), -E2BIG);
}

static void test_cmdline_lldp_wait(void **state)
{
	struct agent_params p = { 0 };

	(void)state;
	assert_int_equal(parse_cmdline("rackd.lldp_wait=35", &p), 0);
	assert_true(p.has_lldp_wait);
	assert_int_equal(p.lldp_wait_s, 35);
	assert_int_equal(parse_cmdline("rackd.lldp_wait=0", &p), 0);
	assert_int_equal(p.lldp_wait_s, 0);
	assert_int_equal(parse_cmdline("rackd.lldp_wait=3601", &p), -EINVAL);
	assert_int_equal(parse_cmdline("rackd.lldp_wait=-1", &p), -EINVAL);
	assert_int_equal(parse_cmdline("rackd.lldp_wait=", &p), -EINVAL);
	assert_int_equal(p.lldp_wait_s, 0);
}

static void test_cmdline_accepts_max_machine_id(void **state)
{
	struct agent_params p = { 0 };

	(void)state;
	assert_int_equal(parse_cmdline("rackd.machine=9223372036854775807", &p), 0);
	assert_int_equal(p.machine_id, INT64_MAX);
}

static void test_cmdline_word_longer_than_buffer(void **state)
{
	static const char tail[] = " rackd.machine=5";
	struct agent_params p = { 0 };
	char line[4000 + sizeof(tail)];

	(void)state;
	/* A long foreign word is skipped; a long rackd.* word is an error. */
	memset(line, 'x', 4000);
	memcpy(line + 4000, tail, sizeof(tail));
	assert_int_equal(parse_cmdline(line, &p), 0);
	assert_int_equal(p.machine_id, 5);
	memcpy(line, "rackd.token=", 12);
	assert_int_equal(parse_cmdline(line, &p), -E2BIG);
}

static void test_url_parse(void **state)
{
	struct agent_url u;
	char path[AGENT_PATH_MAX];

	(void)state;
	assert_int_equal(agent_url_parse("http://192.0.2.1:8080", &u), 0);
	assert_int_equal(u.addr, 0xc0000201);
	assert_int_equal(u.port, 8080);
	assert_string_equal(u.host, "192.0.2.1:8080");
	assert_string_equal(u.path, "");
	assert_int_equal(agent_url_join(&u, AGENT_REPORT_PATH, path, sizeof(path)), 0);
	assert_string_equal(path, "/api/v1/agent/report");

	assert_int_equal(agent_url_parse("HTTP://198.51.100.7/rackd/", &u), 0);
	assert_int_equal(u.port, 80);
	assert_string_equal(u.host, "198.51.100.7");
	assert_string_equal(u.path, "/rackd");
	assert_int_equal(agent_url_join(&u, AGENT_REPORT_PATH, path, sizeof(path)), 0);
	assert_string_equal(path, "/rackd/api/v1/agent/report");
	assert_int_equal(agent_url_join(&u, AGENT_REPORT_PATH, path, 8), -ENAMETOOLONG);
}

static void test_url_rejects(void **state)
{
	struct agent_url u = { .port = 1234 };

	(void)state;
	assert_int_equal(agent_url_parse("https://192.0.2.1", &u), -EPROTONOSUPPORT);
	assert_int_equal(agent_url_parse("ftp://192.0.2.1", &u), -EPROTONOSUPPORT);
	assert_int_equal(agent_url_parse("192.0.2.1:8080", &u), -EINVAL);
	assert_int_equal(agent_url_parse("http://rackd.example:8080", &u), -EINVAL);
	assert_int_equal(agent_url_parse("http://user@192.0.2.1", &u), -EINVAL);
	assert_int_equal(agent_url_parse("http://[2001:db8::1]:80", &u), -EINVAL);
	assert_int_equal(agent_url_parse("http://192.0.2.1:0", &u), -EINVAL);
	assert_int_equal(agent_url_parse("http://192.0.2.1:65536", &u), -EINVAL);
	assert_int_equal(agent_url_parse("http://192.0.2.1:", &u), -EINVAL);
	assert_int_equal(agent_url_parse("http://", &u), -EINVAL);
	assert_int_equal(agent_url_parse("http://192.0.2.1/a?b=c", &u), -EINVAL);
	assert_int_equal(agent_url_parse("http://192.0.2.1/a#frag", &u), -EINVAL);
	assert_int_equal(agent_url_parse("http://192.0.2.1/a b", &u), -EINVAL);
	/* Nothing is written on failure. */
	assert_int_equal(u.port, 1234);
}

static int parse_head(const char *text, struct agent_http_head *head)
{
	return agent_http_parse_head(text, strlen(text), head);
}

static void test_http_head_parse(void **state)
{
	struct agent_http_head h;
	const char *ok = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	                 "content-length:  21 \r\n\r\n{\"status\":\"recorded\"}";

	(void)state;
	assert_int_equal(parse_head(ok, &h), 0);
	assert_int_equal(h.status, 200);
	assert_int_equal(h.content_length, 21);
	assert_int_equal(h.head_len, strlen(ok) - 21);

	assert_int_equal(parse_head("HTTP/1.0 401\n\n", &h), 0);
	assert_int_equal(h.status, 401);
	assert_int_equal(h.content_length, -1);
}

static void test_http_head_incomplete_and_bad(void **state)
{
	struct agent_http_head h = { .status = 999 };
	char *big;

	(void)state;
	assert_int_equal(parse_head("", &h), -EAGAIN);
	assert_int_equal(parse_head("HTTP/1.1 200 OK\r\n", &h), -EAGAIN);
	assert_int_equal(parse_head("HTTP/1.1 200 OK\r\nServer: x", &h), -EAGAIN);
	assert_int_equal(parse_head("HTTP/2 200 OK\r\n\r\n", &h), -EBADMSG);
	assert_int_equal(parse_head("HTTP/1.1 20 OK\r\n\r\n", &h), -EBADMSG);
	assert_int_equal(parse_head("HTTP/1.1 2000 OK\r\n\r\n", &h), -EBADMSG);
	assert_int_equal(parse_head("HTTP/1.1 700 OK\r\n\r\n", &h), -EBADMSG);
	assert_int_equal(parse_head("SIP/2.0 200 OK\r\n\r\n", &h), -EBADMSG);
	assert_int_equal(parse_head("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", &h), -EBADMSG);
	assert_int_equal(parse_head("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", &h), -EBADMSG);
	assert_int_equal(
	        parse_head("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", &h),
	        -EBADMSG);
	assert_int_equal(
	        parse_head("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", &h),
	        -EBADMSG);
	assert_int_equal(h.status, 999);

	big = malloc(AGENT_HTTP_HEAD_MAX + 100);
	assert_non_null(big);
	memset(big, 'a', AGENT_HTTP_HEAD_MAX + 100);
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	assert_int_equal(agent_http_parse_head(big, AGENT_HTTP_HEAD_MAX + 100, &h), -E2BIG);
	assert_int_equal(agent_http_parse_head(big, AGENT_HTTP_HEAD_MAX, &h), -EAGAIN);
	free(big);
}

/* A fake root with proc/ and sys/ trees; removed by teardown. */
struct fake_root {
	char dir[64];
};

static void write_file(const struct fake_root *root, const char *rel, const char *content)
{
	char path[512], *slash;
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", root->dir, rel);
	for (slash = strchr(path + strlen(root->dir) + 1, '/'); slash != NULL;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		(void)mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, strlen(content), f), strlen(content));
	assert_int_equal(fclose(f), 0);
}

static void make_link(const struct fake_root *root, const char *rel, const char *target)
{
	char path[512];

	(void)snprintf(path, sizeof(path), "%s/%s", root->dir, rel);
	assert_int_equal(symlink(target, path), 0);
}

static int fake_root_setup(void **state)
{
	struct fake_root *root = calloc(1, sizeof(*root));

	assert_non_null(root);
	(void)snprintf(root->dir, sizeof(root->dir), "/tmp/test_agent.XXXXXX");
	assert_non_null(mkdtemp(root->dir));
	write_file(root, "proc/cpuinfo",
	           "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: QEMU Virtual CPU "
	           "version 2.5+\nflags\t\t: fpu\n\nprocessor\t: 1\nmodel name\t: QEMU Virtual CPU "
	           "version 2.5+\n\n");
	write_file(root, "proc/meminfo", "MemTotal:         504580 kB\nMemFree: 1 kB\n");
	write_file(root, "proc/sys/kernel/hostname", "node7\n");
	write_file(root, "sys/class/dmi/id/sys_vendor", "QEMU\n");
	write_file(root, "sys/class/dmi/id/product_name", "Standard PC \x01(i440FX)\xff\n");
	write_file(root, "sys/class/dmi/id/product_uuid", "1b4e28ba-2fa1-11d2-883f-0016d3cca427\n");
	write_file(root, "sys/class/net/lo/type", "772\n");
	write_file(root, "sys/class/net/lo/address", "00:00:00:00:00:00\n");
	write_file(root, "sys/class/net/eth0/type", "1\n");
	write_file(root, "sys/class/net/eth0/address", "52:54:00:AB:CD:EF\n");
	write_file(root, "sys/class/net/eth0/speed", "1000\n");
	write_file(root, "sys/class/net/eth0/operstate", "up\n");
	write_file(root, "sys/devices/virtio0/uevent", "");
	write_file(root, "sys/bus/virtio/drivers/virtio_net/uevent", "");
	make_link(root, "sys/devices/virtio0/driver", "../../bus/virtio/drivers/virtio_net");
	make_link(root, "sys/class/net/eth0/device", "../../../devices/virtio0");
	write_file(root, "sys/class/net/eth1/type", "1\n");
	write_file(root, "sys/class/net/eth1/address", "52:54:00:00:00:02\n");
	write_file(root, "sys/class/net/eth1/speed", "-1\n");
	write_file(root, "sys/class/net/eth1/operstate", "down\n");
	write_file(root, "sys/class/net/sit0/type", "776\n");
	write_file(root, "sys/class/net/sit0/address", "00:00:00:00\n");
	write_file(root, "sys/block/vda/size", "2097152\n");
	write_file(root, "sys/block/vda/serial", "disk-serial-1\n");
	write_file(root, "sys/block/vda/removable", "0\n");
	write_file(root, "sys/block/vda/queue/rotational", "1\n");
	write_file(root, "sys/block/loop0/size", "0\n");
	write_file(root, "sys/block/sda/size", "4096\n");
	write_file(root, "sys/block/sda/device/model", "QEMU HARDDISK   \n");
	write_file(root, "sys/block/sda/device/vendor", "ATA     \n");
	write_file(root, "sys/bus/pci/devices/0000:00:03.0/vendor", "0x1af4\n");
	write_file(root, "sys/bus/pci/devices/0000:00:03.0/device", "0x1000\n");
	write_file(root, "sys/bus/pci/devices/0000:00:03.0/class", "0x020000\n");
	write_file(root, "sys/bus/pci/drivers/virtio-pci/uevent", "");
	make_link(root, "sys/bus/pci/devices/0000:00:03.0/driver",
	          "../../../bus/pci/drivers/virtio-pci");
	write_file(root, "sys/bus/pci/devices/0000:00:00.0/vendor", "0x8086\n");
	write_file(root, "sys/bus/pci/devices/0000:00:00.0/device", "0x1237\n");
	write_file(root, "sys/bus/pci/devices/0000:00:00.0/class", "0x060000\n");
	*state = root;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

static int fake_root_teardown(void **state)
{
	struct fake_root *root = *state;

	/* Depth first and without following links, so only the tree itself goes. */
	(void)nftw(root->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
	return 0;
}

static void test_facts_collect(void **state)
{
	struct fake_root *root = *state;
	struct facts *f = NULL;

	assert_int_equal(agent_facts_collect(root->dir, &f), 0);
	assert_non_null(f);
	assert_int_equal(f->cpu_count, 2);
	assert_string_equal(f->cpu_model, "QEMU Virtual CPU version 2.5+");
	assert_int_equal(f->memory_bytes, 504580ull * 1024);
	assert_string_equal(f->hostname, "node7");
	assert_string_equal(f->dmi.sys_vendor, "QEMU");
	assert_string_equal(f->dmi.product_name, "Standard PC ?(i440FX)?");
	assert_string_equal(f->dmi.product_serial, "");
	assert_string_equal(f->dmi.product_uuid, "1b4e28ba-2fa1-11d2-883f-0016d3cca427");

	/* lo and the non-Ethernet sit0 are left out; entries are sorted by name. */
	assert_int_equal(f->n_nics, 2);
	assert_string_equal(f->nics[0].name, "eth0");
	assert_string_equal(f->nics[0].mac, "52:54:00:ab:cd:ef");
	assert_string_equal(f->nics[0].driver, "virtio_net");
	assert_int_equal(f->nics[0].speed_mbps, 1000);
	assert_string_equal(f->nics[0].operstate, "up");
	assert_string_equal(f->nics[1].name, "eth1");
	assert_int_equal(f->nics[1].speed_mbps, -1);

	/* loop0 is left out. */
	assert_int_equal(f->n_disks, 2);
	assert_string_equal(f->disks[0].name, "sda");
	assert_int_equal(f->disks[0].size_bytes, 4096ull * 512);
	assert_string_equal(f->disks[0].model, "QEMU HARDDISK");
	assert_string_equal(f->disks[0].vendor, "ATA");
	assert_int_equal(f->disks[0].rotational, -1);
	assert_string_equal(f->disks[1].name, "vda");
	assert_int_equal(f->disks[1].size_bytes, 2097152ull * 512);
	assert_string_equal(f->disks[1].serial, "disk-serial-1");
	assert_int_equal(f->disks[1].rotational, 1);
	assert_int_equal(f->disks[1].removable, 0);

	assert_int_equal(f->n_pci, 2);
	assert_string_equal(f->pci[0].slot, "0000:00:00.0");
	assert_string_equal(f->pci[1].vendor, "1af4");
	assert_string_equal(f->pci[1].device, "1000");
	assert_string_equal(f->pci[1].class_code, "020000");
	assert_string_equal(f->pci[1].driver, "virtio-pci");
	agent_facts_free(f);
}

static void test_facts_nic_cap(void **state)
{
	struct fake_root *root = *state;
	struct facts *f = NULL;
	json_t *doc, *dropped;
	char rel[64], mac[32], *text = NULL;

	for (int i = 0; i < FACTS_NICS_MAX + 3; i++) {
		(void)snprintf(rel, sizeof(rel), "sys/class/net/extra%03d/type", i);
		write_file(root, rel, "1\n");
		(void)snprintf(rel, sizeof(rel), "sys/class/net/extra%03d/address", i);
		(void)snprintf(mac, sizeof(mac), "02:00:00:00:%02x:%02x\n", i >> 8, i & 0xff);
		write_file(root, rel, mac);
	}
	assert_int_equal(agent_facts_collect(root->dir, &f), 0);
	/* The fixture's eth0 and eth1 plus these make FACTS_NICS_MAX + 5 interfaces. */
	assert_int_equal(f->n_nics, FACTS_NICS_MAX);
	assert_int_equal(f->n_nics_dropped, 5);
	assert_int_equal(agent_report_build(f, 1, &text), 0);
	doc = json_loads(text, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(json_array_size(json_object_get(doc, "macs")), FACTS_NICS_MAX);
	dropped = json_object_get(doc, "dropped");
	assert_int_equal(json_integer_value(json_object_get(dropped, "nics")), 5);
	assert_int_equal(json_integer_value(json_object_get(dropped, "disks")), 0);
	json_decref(doc);
	free(text);
	agent_facts_free(f);
}

static void test_facts_missing_root(void **state)
{
	struct facts *f = NULL;

	(void)state;
	/* A bare environment yields empty facts, not an error. */
	assert_int_equal(agent_facts_collect("/nonexistent-agent-root", &f), 0);
	assert_int_equal(f->cpu_count, 0);
	assert_int_equal(f->memory_bytes, 0);
	assert_int_equal(f->n_nics, 0);
	assert_int_equal(f->n_disks, 0);
	agent_facts_free(f);
	agent_facts_free(NULL);
}

static void test_clean_text(void **state)
{
	static const char messy[] = "  ab\tc\x7f\xc3\xa9  \n";
	char buf[8];

	(void)state;
	agent_facts_clean_text(messy, sizeof(messy) - 1, buf, sizeof(buf));
	assert_string_equal(buf, "ab?c???");
	agent_facts_clean_text("0123456789", 10, buf, sizeof(buf));
	assert_string_equal(buf, "0123456");
	agent_facts_clean_text("\n\n", 2, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void test_report_json(void **state)
{
	struct fake_root *root = *state;
	struct facts *f = NULL;
	json_error_t err;
	json_t *doc, *nic;
	char *text = NULL;

	assert_int_equal(agent_facts_collect(root->dir, &f), 0);
	assert_int_equal(agent_report_build(f, 42, &text), 0);
	doc = json_loads(text, 0, &err);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(doc, "machine_id")), 42);
	assert_int_equal(json_integer_value(json_object_get(doc, "cpu_count")), 2);
	assert_int_equal(json_integer_value(json_object_get(doc, "memory_bytes")), 504580 * 1024);
	assert_string_equal(json_string_value(json_object_get(doc, "hostname")), "node7");
	assert_int_equal(json_array_size(json_object_get(doc, "macs")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "macs"), 0)),
	                    "52:54:00:ab:cd:ef");
	nic = json_array_get(json_object_get(doc, "nics"), 1);
	assert_string_equal(json_string_value(json_object_get(nic, "mac")), "52:54:00:00:00:02");
	assert_true(json_is_null(json_object_get(nic, "speed_mbps")));
	assert_int_equal(json_array_size(json_object_get(doc, "disks")), 2);
	assert_int_equal(json_array_size(json_object_get(doc, "pci")), 2);
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(doc, "dmi"), "product_name")),
	        "Standard PC ?(i440FX)?");
	assert_null(json_object_get(doc, "dropped"));
	/* No neighbour heard is an empty list, not a missing member. */
	assert_int_equal(json_array_size(json_object_get(doc, "lldp")), 0);
	json_decref(doc);
	free(text);
	agent_facts_free(f);
}

static void test_report_lldp_neighbors(void **state)
{
	struct facts *f = calloc(1, sizeof(*f));
	struct lldp_neighbor *n;
	json_t *doc, *entry;
	char *text = NULL;

	(void)state;
	assert_non_null(f);
	f->n_lldp = 1;
	memcpy(f->lldp[0].interface, "eth0", 5);
	n = &f->lldp[0].neighbor;
	n->chassis_id_subtype = LLDP_CHASSIS_MAC_ADDRESS;
	memcpy(n->chassis_id, "52:54:00:12:34:56", 18);
	n->port_id_subtype = LLDP_PORT_INTERFACE_NAME;
	memcpy(n->port_id, "swp7", 5);
	n->ttl = 120;
	memcpy(n->system_name, "leaf1", 6);
	memcpy(n->mgmt_addrs[0], "192.0.2.1", 10);
	n->n_mgmt_addrs = 1;
	n->vlan_id = 42;
	assert_int_equal(agent_report_build(f, 1, &text), 0);
	doc = json_loads(text, 0, NULL);
	assert_non_null(doc);
	entry = json_array_get(json_object_get(doc, "lldp"), 0);
	assert_string_equal(json_string_value(json_object_get(entry, "interface")), "eth0");
	assert_string_equal(json_string_value(json_object_get(entry, "chassis_id")),
	                    "52:54:00:12:34:56");
	assert_string_equal(json_string_value(json_object_get(entry, "chassis_id_subtype")),
	                    "mac_address");
	assert_string_equal(json_string_value(json_object_get(entry, "port_id")), "swp7");
	assert_string_equal(json_string_value(json_object_get(entry, "port_id_subtype")),
	                    "interface_name");
	assert_int_equal(json_integer_value(json_object_get(entry, "ttl")), 120);
	assert_string_equal(json_string_value(json_object_get(entry, "system_name")), "leaf1");
	assert_true(json_is_null(json_object_get(entry, "port_description")));
	assert_string_equal(json_string_value(json_array_get(
	                            json_object_get(entry, "management_addresses"), 0)),
	                    "192.0.2.1");
	assert_int_equal(json_integer_value(json_object_get(entry, "vlan_id")), 42);
	json_decref(doc);
	free(text);
	agent_facts_free(f);
}

/* A one-shot loopback HTTP server: records the request and sends a canned reply. */
struct fake_server {
	int listen_fd;
	uint16_t port;
	const char *reply; /* NULL: accept, read, and never answer */
	char request[4096];
	size_t request_len;
};

static void *fake_server_run(void *arg)
{
	struct fake_server *s = arg;
	int fd = accept(s->listen_fd, NULL, NULL);
	ssize_t n;

	if (fd < 0)
		return NULL;
	/* The request is small, so a short read loop until the body arrives is enough. */
	while (s->request_len < sizeof(s->request) - 1) {
		n = recv(fd, s->request + s->request_len, sizeof(s->request) - 1 - s->request_len,
		         0);
		if (n <= 0)
			break;
		s->request_len += (size_t)n;
		s->request[s->request_len] = '\0';
		if (strstr(s->request, "\r\n\r\n{") != NULL &&
		    s->request[s->request_len - 1] == '}')
			break;
	}
	if (s->reply != NULL)
		(void)send(fd, s->reply, strlen(s->reply), MSG_NOSIGNAL);
	else
		(void)recv(fd, s->request + s->request_len, 1, 0);
	(void)close(fd);
	return NULL;
}

static void fake_server_start(struct fake_server *s, pthread_t *thread)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
		                   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);

	s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->listen_fd >= 0);
	assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(s->listen_fd, 1), 0);
	assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&sin, &len), 0);
	s->port = ntohs(sin.sin_port);
	assert_int_equal(pthread_create(thread, NULL, fake_server_run, s), 0);
}

static void loopback_url(uint16_t port, struct agent_url *url)
{
	char text[64];

	(void)snprintf(text, sizeof(text), "http://127.0.0.1:%u", port);
	assert_int_equal(agent_url_parse(text, url), 0);
}

static void test_http_post_roundtrip(void **state)
{
	/* Content-Length is one short of the body, so the client must stop at 16 bytes. */
	struct fake_server s = {
		.reply = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 16\r\n\r\n"
		         "{\"error\":\"token\"}",
	};
	struct agent_http_response resp;
	struct agent_url url;
	pthread_t thread;
	const char *body = "{\"machine_id\":1}";

	(void)state;
	fake_server_start(&s, &thread);
	loopback_url(s.port, &url);
	assert_int_equal(agent_http_post(&url, "/api/v1/agent/report", "feedbeef", body,
	                                 strlen(body), 5000, &resp),
	                 0);
	assert_int_equal(pthread_join(thread, NULL), 0);
	(void)close(s.listen_fd);
	assert_int_equal(resp.status, 401);
	assert_string_equal(resp.body, "{\"error\":\"token\"");
	assert_non_null(strstr(s.request, "POST /api/v1/agent/report HTTP/1.1\r\n"));
	assert_non_null(strstr(s.request, "\r\nAuthorization: Bearer feedbeef\r\n"));
	assert_non_null(strstr(s.request, "\r\nContent-Length: 16\r\n"));
	assert_non_null(strstr(s.request, "\r\nContent-Type: application/json\r\n"));
	assert_non_null(strstr(s.request, "\r\n\r\n{\"machine_id\":1}"));
}

static void test_http_post_timeout(void **state)
{
	struct fake_server s = { .reply = NULL };
	struct agent_http_response resp = { .status = 7 };
	struct agent_url url;
	pthread_t thread;

	(void)state;
	fake_server_start(&s, &thread);
	loopback_url(s.port, &url);
	assert_int_equal(agent_http_post(&url, "/r", "t", "{}", 2, 300, &resp), -ETIMEDOUT);
	assert_int_equal(resp.status, 7);
	assert_int_equal(pthread_join(thread, NULL), 0);
	(void)close(s.listen_fd);
}

static void test_http_post_refused(void **state)
{
	struct agent_http_response resp;
	struct sockaddr_in sin = { .sin_family = AF_INET,
		                   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	struct agent_url url;
	int fd;

	(void)state;
	/* A port bound but not listening refuses connections. */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	loopback_url(ntohs(sin.sin_port), &url);
	assert_int_equal(agent_http_post(&url, "/r", "t", "{}", 2, 2000, &resp), -ECONNREFUSED);
	(void)close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmdline_typical),
		cmocka_unit_test(test_cmdline_quotes_and_order),
		cmocka_unit_test(test_cmdline_ignores_other_words),
		cmocka_unit_test(test_cmdline_rejects_bad_values),
		cmocka_unit_test(test_cmdline_lldp_wait),
		cmocka_unit_test(test_cmdline_accepts_max_machine_id),
		cmocka_unit_test(test_cmdline_word_longer_than_buffer),
		cmocka_unit_test(test_url_parse),
		cmocka_unit_test(test_url_rejects),
		cmocka_unit_test(test_http_head_parse),
		cmocka_unit_test(test_http_head_incomplete_and_bad),
		cmocka_unit_test_setup_teardown(test_facts_collect, fake_root_setup,
		                                fake_root_teardown),
		cmocka_unit_test_setup_teardown(test_facts_nic_cap, fake_root_setup,
		                                fake_root_teardown),
		cmocka_unit_test(test_facts_missing_root),
		cmocka_unit_test(test_clean_text),
		cmocka_unit_test_setup_teardown(test_report_json, fake_root_setup,
		                                fake_root_teardown),
		cmocka_unit_test(test_report_lldp_neighbors),
		cmocka_unit_test(test_http_post_roundtrip),
		cmocka_unit_test(test_http_post_timeout),
		cmocka_unit_test(test_http_post_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
