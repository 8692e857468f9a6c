/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the configuration loader: a full file, and a table of bad ones. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"

#include <cmocka.h>

static const char full_config[] = "# rackd test configuration\n"
                                  "[server]\n"
                                  "data_dir = /tmp/rackd-data\n"
                                  "boot_dir = /tmp/rackd-boot\n"
                                  "log_level = debug\n"
                                  "log_format = json\n"
                                  "\n"
                                  "[dhcp]\n"
                                  "interfaces = br0 br1   # two served bridges\n"
                                  "server_address = 192.0.2.1\n"
                                  "offer_hold = 30\n"
                                  "\n"
                                  "[tftp]\n"
                                  "listen = 192.0.2.1:6969\n"
                                  "max_transfers = 8\n"
                                  "\n"
                                  "[http]\n"
                                  "listen = 192.0.2.1:8080\n"
                                  "public_url = http://192.0.2.1:8080/\n"
                                  "\n"
                                  "[boot]\n"
                                  "kernel = linux/vmlinuz\n"
                                  "cmdline = console=ttyS0 quiet\n"
                                  "\n"
                                  "[subnet lab]\n"
                                  "cidr = 192.0.2.0/24\n"
                                  "gateway = 192.0.2.1\n"
                                  "dns = 192.0.2.1 192.0.2.2\n"
                                  "domain = lab.example\n"
                                  "lease_time = 600\n"
                                  "interface = br0\n"
                                  "range = 192.0.2.100 192.0.2.199\n"
                                  "range = reserved 192.0.2.200 192.0.2.209\n";

static void full_config_loads(void **state)
{
	struct config cfg;
	char err[CONFIG_ERROR_MAX] = "";

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_load_string(&cfg, full_config, "test.conf", err, sizeof(err)), 0);
	assert_string_equal(cfg.data_dir, "/tmp/rackd-data");
	assert_int_equal(cfg.log_level, LOG_LEVEL_DEBUG);
	assert_int_equal(cfg.log_format, LOG_FORMAT_JSON);
	assert_int_equal(cfg.n_dhcp_interfaces, 2);
	assert_string_equal(cfg.dhcp_interfaces[1], "br1");
	assert_int_equal(cfg.dhcp_server_address, 0xc0000201);
	assert_int_equal(cfg.dhcp_offer_hold, 30);
	assert_int_equal(cfg.tftp_port, 6969);
	assert_int_equal(cfg.tftp_max_transfers, 8);
	/* The trailing slash is dropped because paths are appended to the URL. */
	assert_string_equal(cfg.http_public_url, "http://192.0.2.1:8080");
	assert_string_equal(cfg.boot_cmdline, "console=ttyS0 quiet");
	/* Router advertisements default to the DHCP interfaces. */
	assert_true(cfg.ra_enabled);
	assert_int_equal(cfg.n_ra_interfaces, 2);
	assert_int_equal(cfg.n_subnets, 1);
	assert_string_equal(cfg.subnets[0].subnet.name, "lab");
	assert_int_equal(cfg.subnets[0].subnet.prefix_len, 24);
	assert_int_equal(cfg.subnets[0].subnet.n_dns, 2);
	assert_int_equal(cfg.subnets[0].subnet.lease_time, 600);
	assert_int_equal(cfg.subnets[0].n_ranges, 2);
	assert_int_equal(cfg.subnets[0].ranges[1].kind, STORE_RANGE_RESERVED);
	assert_int_equal(cfg.subnets[0].ranges[0].first, 0xc0000264);
}

static void defaults_need_interfaces(void **state)
{
	struct config cfg;
	char err[CONFIG_ERROR_MAX] = "";

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_load_string(&cfg, "", "empty.conf", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "[dhcp] is enabled but has no interfaces"));

	config_init(&cfg);
	assert_int_equal(
	        config_load_string(&cfg, "[dhcp]\nenabled = false\n", "x.conf", err, sizeof(err)),
	        0);
	assert_false(cfg.ra_enabled);
	assert_string_equal(cfg.http_public_url, "http://127.0.0.1:8080");
}

struct bad_case {
	const char *text;
	const char *expected; /* substring of the message, which starts with name:line */
};

static const struct bad_case bad_cases[] = {
	{ "[server]\nbogus = 1\n", "x.conf:2: unknown key \"bogus\" in [server]" },
	{ "[dhcp]\nenabled = false\n[nope]\nkey = 1\n", "x.conf:4: unknown section [nope]" },
	{ "[dhcp]\nenabled = maybe\n", "x.conf:2: invalid value \"maybe\" for [dhcp] enabled" },
	{ "[dhcp]\nenabled = false\nport = 70000\n",
	  "x.conf:3: invalid value \"70000\" for [dhcp] port: expected an integer from 1 to 65535" },
	{ "[dhcp]\nenabled = false\n[server]\nlog_level = loud\n",
	  "x.conf:4: invalid value \"loud\" for [server] log_level" },
	{ "[dhcp]\nenabled = false\n[server]\nlog_format = xml\n",
	  "x.conf:4: invalid value \"xml\" for [server] log_format: expected text or json" },
	{ "[dhcp]\ninterfaces = br0 bad/name\n", "invalid interface name \"bad/name\"" },
	{ "[dhcp]\nenabled = false\n[tftp]\nlisten = 0.0.0.0\n",
	  "x.conf:4: invalid value \"0.0.0.0\" for [tftp] listen" },
	{ "[dhcp]\nenabled = false\n[http]\npublic_url = ftp://x\n",
	  "x.conf:4: invalid value \"ftp://x\" for [http] public_url" },
	{ "[dhcp]\nenabled = false\n[http]\nlisten = 0.0.0.0:8080\n",
	  "set public_url to the address clients use" },
	{ "[dhcp]\nenabled = false\n[boot]\nkernel = ../etc/passwd\n",
	  "x.conf:4: invalid value \"../etc/passwd\" for [boot] kernel" },
	{ "[dhcp]\nenabled = false\n[boot]\nkernel = /vmlinuz\n",
	  "expected a path relative to boot_dir" },
	{ "[dhcp]\nenabled = false\n[subnet a]\ncidr = 192.0.2.1/24\n",
	  "x.conf:4: invalid value \"192.0.2.1/24\" for [subnet a] cidr: host bits are set" },
	{ "[dhcp]\nenabled = false\n[subnet a]\ngateway = 192.0.2.1\n",
	  "x.conf:3: [subnet a] has no cidr" },
	{ "[dhcp]\nenabled = false\n[subnet a]\ncidr = 192.0.2.0/24\nrange = 192.0.2.9 192.0.2.1\n",
	  "x.conf:5: invalid value \"192.0.2.9 192.0.2.1\" for [subnet a] range: FIRST is above LAST" },
	{ "[dhcp]\nenabled = false\n[subnet a]\ncidr = 192.0.2.0/24\nrange = 198.51.100.1 198.51.100.9\n",
	  "x.conf:5: [subnet a] range 198.51.100.1 198.51.100.9 lies outside its cidr 192.0.2.0/24" },
	{ "[dhcp]\nenabled = false\n[subnet a]\ncidr = 192.0.2.0/24\ngateway = 198.51.100.1\n",
	  "x.conf:5: [subnet a] gateway 198.51.100.1 is outside its cidr 192.0.2.0/24" },
	{ "[dhcp]\nenabled = false\n[subnet a]\ncidr = 192.0.2.0/24\n[subnet b]\ncidr = 192.0.2.128/25\n",
	  "x.conf:5: [subnet b] overlaps [subnet a]" },
	{ "[dhcp]\nenabled = false\n[subnet a]\ncidr = 192.0.2.0/24\nrange = 192.0.2.1 192.0.2.9\n"
	  "range = 192.0.2.5 192.0.2.20\n",
	  "x.conf:6: [subnet a] range 192.0.2.5 192.0.2.20 overlaps range 192.0.2.1 192.0.2.9 on line 5" },
	{ "[dhcp]\nenabled = false\n[subnet a]\ncidr = 192.0.2.0/24\ndns = 1.2.3.4 x\n",
	  "invalid address \"x\" in [subnet a] dns" },
	{ "[dhcp]\nenabled = false\n[subnet a]\ncidr = 192.0.2.0/24\nlease_time = 5\n",
	  "expected an integer from 60 to 31536000" },
	{ "[dhcp]\nenabled = false\n[server]\ndata_dir =\n",
	  "x.conf:4: empty value for [server] data_dir" },
	{ "[dhcp]\nenabled = false\nthis line has no equals sign\n", "x.conf:3: syntax error" },
	{ "orphan = 1\n", "x.conf:1: key \"orphan\" outside any section" },
	{ "[ra]\ninterval = 2\n[dhcp]\nenabled = false\n",
	  "x.conf:2: invalid value \"2\" for [ra] interval" },
	{ "[dhcp]\nenabled = false\n[dns]\nenabled = true\n",
	  "[dns] is enabled but has no ns: set ns = NAME" },
	{ "[dhcp]\nenabled = false\n[dns]\nworkers = 0\n",
	  "x.conf:4: invalid value \"0\" for [dns] workers: expected an integer from 1 to 64" },
	{ "[dhcp]\nenabled = false\n[dns]\nns = ns1..lab.example\n",
	  "x.conf:4: invalid domain name \"ns1..lab.example\" in [dns] ns" },
	{ "[dhcp]\nenabled = false\n[dns]\ndomain = lab example\n",
	  "x.conf:4: invalid value \"lab example\" for [dns] domain" },
	{ "[dhcp]\nenabled = false\n[dns]\nsoa_contact = @lab.example\n",
	  "x.conf:4: invalid value \"@lab.example\" for [dns] soa_contact" },
	{ "[dhcp]\nenabled = false\n[dns]\nnotify = 192.0.2.300\n",
	  "x.conf:4: invalid address \"192.0.2.300\" in [dns] notify" },
	{ "[dhcp]\nenabled = false\n[dns]\nallow_transfer = 192.0.2.1/24\n",
	  "x.conf:4: invalid entry \"192.0.2.1/24\" in [dns] allow_transfer" },
	{ "[dhcp]\nenabled = false\n[dns]\nlisten = 127.0.0.1\n",
	  "x.conf:4: invalid value \"127.0.0.1\" for [dns] listen" },
	{ "[dhcp]\nenabled = false\n[dns]\nrecursion = yes\n",
	  "x.conf:4: unknown key \"recursion\" in [dns]" },
	/* [bmc] and [lifecycle] */
	{ "[dhcp]\nenabled = false\n[bmc]\ntimeout = 0\n",
	  "x.conf:4: invalid value \"0\" for [bmc] timeout: expected an integer from 1 to 300" },
	{ "[dhcp]\nenabled = false\n[bmc]\nretries = 11\n",
	  "x.conf:4: invalid value \"11\" for [bmc] retries" },
	{ "[dhcp]\nenabled = false\n[bmc]\nmax_sessions = 0\n",
	  "x.conf:4: invalid value \"0\" for [bmc] max_sessions" },
	{ "[dhcp]\nenabled = false\n[bmc]\nipmi_cipher_suite = 18\n",
	  "x.conf:4: invalid value \"18\" for [bmc] ipmi_cipher_suite" },
	{ "[dhcp]\nenabled = false\n[bmc]\ntls_verify = sometimes\n",
	  "x.conf:4: invalid value \"sometimes\" for [bmc] tls_verify" },
	{ "[dhcp]\nenabled = false\n[bmc]\nqmp_dir = run/qmp\n",
	  "x.conf:4: invalid value \"run/qmp\" for [bmc] qmp_dir: expected an absolute directory" },
	{ "[dhcp]\nenabled = false\n[bmc]\nkey_file =\n",
	  "x.conf:4: empty value for [bmc] key_file" },
	{ "[dhcp]\nenabled = false\n[bmc]\npassword = x\n",
	  "x.conf:4: unknown key \"password\" in [bmc]" },
	{ "[dhcp]\nenabled = false\n[lifecycle]\ndeploy_timeout = -1\n",
	  "x.conf:4: invalid value \"-1\" for [lifecycle] deploy_timeout" },
	{ "[dhcp]\nenabled = false\n[lifecycle]\ncommission_timeout = 604801\n",
	  "x.conf:4: invalid value \"604801\" for [lifecycle] commission_timeout" },
	{ "[dhcp]\nenabled = false\n[lifecycle]\nimage_dir = images\n",
	  "x.conf:4: invalid value \"images\" for [lifecycle] image_dir" },
	{ "[dhcp]\nenabled = false\n[lifecycle]\nerase = full\n",
	  "x.conf:4: unknown key \"erase\" in [lifecycle]" },
};

static void bad_configs_name_line_and_value(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct config cfg;
		char err[CONFIG_ERROR_MAX] = "";
		int r;

		config_init(&cfg);
		r = config_load_string(&cfg, bad_cases[i].text, "x.conf", err, sizeof(err));
		if (r != -EINVAL || strstr(err, bad_cases[i].expected) == NULL)
			fail_msg("case %zu: r=%d err=\"%s\", expected \"%s\"", i, r, err,
			         bad_cases[i].expected);
	}
}

static void long_line_rejected(void **state)
{
	char text[512], err[CONFIG_ERROR_MAX] = "";
	char pad[240];
	struct config cfg;

	(void)state;
	memset(pad, 'a', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	/* Without the length check, inih parses the tail of line 4 as "initrd = x/y". */
	(void)snprintf(text, sizeof(text),
	               "[dhcp]\nenabled = false\n[boot]\ncmdline = %s initrd = x/y\n", pad);
	config_init(&cfg);
	assert_int_equal(config_load_string(&cfg, text, "x.conf", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "x.conf:4: line is longer than 198 bytes"));
	assert_string_equal(cfg.boot_initrd, "linux/initrd.img");
}

static void indented_lines_are_keys(void **state)
{
	struct config cfg;
	char err[CONFIG_ERROR_MAX] = "";

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_load_string(&cfg,
	                                    "[dhcp]\nenabled = false\n[boot]\n"
	                                    "  kernel = k/vmlinuz\n\tinitrd = k/initrd\n"
	                                    "  cmdline = console=ttyS0\n",
	                                    "x.conf", err, sizeof(err)),
	                 0);
	assert_string_equal(cfg.boot_kernel, "k/vmlinuz");
	assert_string_equal(cfg.boot_initrd, "k/initrd");
	assert_string_equal(cfg.boot_cmdline, "console=ttyS0");

	/* inih alone would take "    quiet" as the whole new value of cmdline. */
	config_init(&cfg);
	assert_int_equal(config_load_string(&cfg,
	                                    "[dhcp]\nenabled = false\n[boot]\n"
	                                    "cmdline = console=ttyS0\n    quiet\n",
	                                    "x.conf", err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "x.conf:5: syntax error"));
}

static void dns_section_loads(void **state)
{
	static const char text[] =
	        "[dhcp]\nenabled = false\n"
	        "[dns]\nenabled = true\nlisten = 127.0.0.1:5353\nworkers = 4\n"
	        "domain = lab.example\nzones = a.example b.example\n"
	        "ns = ns1.lab.example ns2.lab.example\nttl = 600\n"
	        "notify = 192.0.2.2 192.0.2.3:5300\nallow_transfer = 192.0.2.0/28\n";
	struct config cfg;
	char err[CONFIG_ERROR_MAX] = "";

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_load_string(&cfg, text, "dns.conf", err, sizeof(err)), 0);
	assert_true(cfg.dns_enabled);
	assert_int_equal(cfg.dns_address, 0x7f000001);
	assert_int_equal(cfg.dns_port, 5353);
	assert_int_equal(cfg.dns_workers, 4);
	assert_int_equal(cfg.n_dns_zones, 2);
	assert_string_equal(cfg.dns_ns[1], "ns2.lab.example");
	assert_int_equal(cfg.dns_ttl, 600);
	assert_int_equal(cfg.dns_negative_ttl, 60);
	/* The contact defaults to hostmaster at the domain. */
	assert_string_equal(cfg.dns_soa_contact, "hostmaster.lab.example");
	assert_int_equal(cfg.n_dns_notify, 2);
	assert_int_equal(cfg.dns_notify_port[0], 53);
	assert_int_equal(cfg.dns_notify_port[1], 5300);
	assert_int_equal(cfg.n_dns_transfer, 1);
	assert_int_equal(cfg.dns_transfer_prefix_len[0], 28);
}

static void bmc_and_lifecycle_sections_load(void **state)
{
	static const char text[] =
	        "[dhcp]\nenabled = false\n"
	        "[bmc]\nkey_file = /etc/rackd/bmc.key\ntimeout = 3\nretries = 0\n"
	        "max_sessions = 2\nipmi_cipher_suite = 17\nredfish_session = false\n"
	        "tls_verify = false\nqmp_dir = /run/rackd/qmp\n"
	        "[lifecycle]\ncommission_timeout = 60\ndeploy_timeout = 0\n"
	        "release_timeout = 120\nimage_dir = /srv/images\n";
	struct config cfg;
	char err[CONFIG_ERROR_MAX] = "";

	(void)state;
	config_init(&cfg);
	assert_int_equal(cfg.bmc_timeout, 5);
	assert_int_equal(cfg.bmc_ipmi_cipher_suite, 3);
	assert_true(cfg.bmc_redfish_session);
	assert_string_equal(cfg.bmc_qmp_dir, "");
	assert_int_equal(config_load_string(&cfg, text, "bmc.conf", err, sizeof(err)), 0);
	assert_string_equal(cfg.bmc_key_file, "/etc/rackd/bmc.key");
	assert_int_equal(cfg.bmc_timeout, 3);
	assert_int_equal(cfg.bmc_retries, 0);
	assert_int_equal(cfg.bmc_max_sessions, 2);
	assert_int_equal(cfg.bmc_ipmi_cipher_suite, 17);
	assert_false(cfg.bmc_redfish_session);
	assert_false(cfg.bmc_tls_verify);
	assert_string_equal(cfg.bmc_qmp_dir, "/run/rackd/qmp");
	assert_int_equal(cfg.lifecycle_commission_timeout, 60);
	assert_int_equal(cfg.lifecycle_deploy_timeout, 0);
	assert_int_equal(cfg.lifecycle_release_timeout, 120);
	assert_string_equal(cfg.lifecycle_image_dir, "/srv/images");
}

static void missing_file_reports_path(void **state)
{
	struct config cfg;
	char err[CONFIG_ERROR_MAX] = "";

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_load(&cfg, "/nonexistent/rackd.conf", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/rackd.conf: cannot open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_config_loads),
		cmocka_unit_test(defaults_need_interfaces),
		cmocka_unit_test(bad_configs_name_line_and_value),
		cmocka_unit_test(long_line_rejected),
		cmocka_unit_test(indented_lines_are_keys),
		cmocka_unit_test(dns_section_loads),
		cmocka_unit_test(bmc_and_lifecycle_sections_load),
		cmocka_unit_test(missing_file_reports_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
