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

#include "core/config.h"
#include "core/log.h"
#include "server.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: rackd --config PATH [--check-config]\n"
		"\n"
		"Runs the rackd services (DHCPv4, TFTP, HTTP netboot and API, router\n"
		"advertisements) described by the configuration file.\n"
		"\n"
		"  -c, --config PATH   configuration file (INI), see docs/configuration.md\n"
		"      --check-config  load and validate the configuration, then exit\n"
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
	if (r < 0) {
		server_free(srv);
		return 1;
	}
	log_notice("rackd", "ready");
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
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

	while ((opt = getopt_long(argc, argv, "c:hV", options, NULL)) != -1) {
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
	if (config_path == NULL || optind != argc) {
		fprintf(stderr, "rackd: %s\n", config_path == NULL ? "missing --config PATH"
								   : "unexpected argument");
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
	log_setup(cfg.log_level, cfg.log_format);
	if (sodium_init() < 0) {
		log_error("rackd", "libsodium initialisation failed");
		return 1;
	}
	log_notice("rackd", "starting version %s config %s", RACKD_VERSION, config_path);
	return run(&cfg);
}
