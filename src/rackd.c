/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rackd -- entry point: parses arguments, loads the config, runs the
 * services until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "core/sandbox.h"
#include "dns/dns-server.h"
#include "server.h"
#include "store/store.h"
#include "token-cli.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: rackd --config PATH [--check-config]\n"
	             "       rackd --config PATH zone export ZONE\n"
	             "       rackd --config PATH token create --role ROLE --name NAME\n"
	             "\n"
	             "Runs the rackd services (DHCPv4, TFTP, HTTP netboot and API, router\n"
	             "advertisements) described by the configuration file.\n"
	             "\n"
	             "  -c, --config PATH   configuration file (INI), see docs/configuration.md\n"
	             "      --check-config  load and validate the configuration, then exit\n"
	             "  zone export ZONE    write a served DNS zone to stdout in RFC 1035\n"
	             "                      master-file form, then exit\n"
	             "  token create|list|delete  manage API tokens (rackd token --help)\n"
	             "  -h, --help          show this help\n"
	             "  -V, --version       show the version\n");
}

/* Blocks the signals every thread would otherwise receive; main waits for them. */
static void block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);

	/* Writes to a closed peer return EPIPE instead of killing the process. */
	struct sigaction ign = { .sa_handler = SIG_IGN };
	(void)sigaction(SIGPIPE, &ign, NULL);
}

/* Runs "zone export ZONE" against the store under data_dir; returns the exit status. */
static int zone_command(const struct config *cfg, int argc, char **argv)
{
	char path[CONFIG_PATH_MAX + 16], err[CONFIG_ERROR_MAX];
	struct store *st;
	int r;

	if (argc != 3 || strcmp(argv[0], "zone") != 0 || strcmp(argv[1], "export") != 0) {
		fprintf(stderr, "rackd: unknown command: expected \"zone export ZONE\"\n");
		usage(stderr);
		return 2;
	}
	(void)snprintf(path, sizeof(path), "%s/rackd.db", cfg->data_dir);
	r = store_open(path, &st);
	if (r < 0) {
		fprintf(stderr, "rackd: store %s could not be opened: %s\n", path, strerror(-r));
		return 1;
	}
	r = dns_zone_export(cfg, st, argv[2], stdout, err, sizeof(err));
	store_free(st);
	if (r < 0) {
		fprintf(stderr, "rackd: zone export failed: %s\n", err);
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

/* Drops root and installs the system call filter, once every port is bound. */
static int confine(const struct config *cfg)
{
	char err[256];
	int r;

	if (cfg->user[0]) {
		r = sandbox_drop_privileges(cfg->user, cfg->data_dir, err, sizeof(err));
		if (r < 0) {
			log_error("rackd", "privilege drop to %s failed: %s", cfg->user, err);
			return r;
		}
		log_notice("rackd", "privileges dropped to user %s", cfg->user);
	} else if (geteuid() == 0) {
		log_warning("rackd",
		            "running as root: set [server] user to drop privileges after binding");
	}
	if (cfg->seccomp) {
		r = sandbox_install_seccomp();
		if (r < 0) {
			log_error("rackd", "seccomp filter could not be installed: %s",
			          strerror(-r));
			return r;
		}
		log_notice("rackd", "seccomp filter installed");
	}
	return 0;
}

static int run(const struct config *cfg)
{
	struct server *srv;
	sigset_t set;
	int sig, r;

	block_signals(&set);
	r = server_new(cfg, &srv);
	if (r < 0)
		return 1;
	r = server_start(srv);
	if (r == 0)
		r = confine(cfg);
	if (r < 0) {
		server_stop(srv);
		server_free(srv);
		return 1;
	}
	log_notice("rackd", "ready");
	for (;;) {
		unsigned ms = server_housekeeping(srv);
		struct timespec wait = { .tv_sec = ms / 1000,
			                 .tv_nsec = (long)(ms % 1000) * 1000000 };

		sig = sigtimedwait(&set, NULL, &wait);
		if (sig < 0)
			continue; /* EAGAIN: housekeeping is due; EINTR */
		if (sig == SIGHUP) {
			log_notice("rackd", "SIGHUP ignored: configuration reload needs a restart");
			continue;
		}
		break;
	}
	log_notice("rackd", "stopping on signal %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
	server_stop(srv);
	server_free(srv);
	log_notice("rackd", "stopped");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct config cfg;
	const char *config_path = NULL;
	bool check_only = false;
	char err[CONFIG_ERROR_MAX];
	int opt;

	/* "+" stops at the first subcommand word, which parses its own options. */
	while ((opt = getopt_long(argc, argv, "+c:hV", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'k':
			check_only = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("rackd %s\n", RACKD_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc && strcmp(argv[optind], "token") == 0)
		return token_command(config_path, argc - optind, argv + optind);
	if (config_path == NULL || (optind != argc && strcmp(argv[optind], "zone") != 0)) {
		fprintf(stderr, "rackd: %s\n",
		        config_path == NULL ? "missing --config PATH" : "unexpected argument");
		usage(stderr);
		return 2;
	}

	config_init(&cfg);
	if (config_load(&cfg, config_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "rackd: %s\n", err);
		return 1;
	}
	if (check_only) {
		printf("rackd: %s is valid\n", config_path);
		return 0;
	}
	if (optind != argc)
		return zone_command(&cfg, argc - optind, argv + optind);
	log_setup(cfg.log_level, cfg.log_format);
	if (sodium_init() < 0) {
		log_error("rackd", "libsodium initialisation failed");
		return 1;
	}
	log_notice("rackd", "starting version %s config %s", RACKD_VERSION, config_path);
	return run(&cfg);
}
