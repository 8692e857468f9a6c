/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rackctl -- command-line client of the rackd REST API (libcurl + jansson).
 * The resource commands live in cli-resources.c, the HTTP side in
 * cli-http.c. Exit status: 0 success, 1 request failed, 2 bad usage.
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static void print_dns_records(json_t *items)
{
	size_t i;
	json_t *r;

	printf("%-6s %-40s %-6s %-8s %s\n", "ID", "NAME", "TYPE", "TTL", "DATA");
	json_array_foreach(items, i, r) {
		json_t *ttl = json_object_get(r, "ttl");
		char ttl_text[16];

		if (json_is_integer(ttl))
			(void)snprintf(ttl_text, sizeof(ttl_text), "%lld",
			               (long long)json_integer_value(ttl));
		else
			(void)snprintf(ttl_text, sizeof(ttl_text), "default");
		printf("%-6lld %-40s %-6s %-8s %s\n",
		       (long long)json_integer_value(json_object_get(r, "id")),
		       str_or(r, "name", "-"), str_or(r, "type", "-"), ttl_text,
		       str_or(r, "data", "-"));
	}
}

static void usage_dns_records(FILE *out)
{
	fprintf(out, "Usage: rackctl dns records list\n"
	             "       rackctl dns records create NAME TYPE DATA [--ttl SECONDS]\n"
	             "       rackctl dns records delete ID\n"
	             "\n"
	             "TYPE is A, AAAA, CNAME, TXT, SRV, MX or NS. DATA is the record's value in\n"
	             "zone-file form, for example 192.0.2.5, \"10 mail.lab.example.\" or\n"
	             "\"0 5 5060 sip.lab.example.\". --ttl defaults to the [dns] ttl of rackd.\n");
}

/* Sends a record change and prints the result; expected is the success status. */
static int dns_record_call(const struct options *o, const char *method, const char *path,
                           json_t *body, long expected, const char *verb)
{
	json_t *resp = NULL;
	long status = 0;
	int r;

	r = api_call(o, method, path, body, &status, &resp);
	json_decref(body);
	if (r < 0)
		return EXIT_FAILED;
	if (status != expected) {
		r = print_api_error(status, resp);
	} else if (o->json) {
		json_dumpf(resp, stdout, JSON_INDENT(2));
		printf("\n");
		r = 0;
	} else {
		printf("dns record %lld %s %s %s\n",
		       (long long)json_integer_value(json_object_get(resp, "id")),
		       str_or(resp, "name", "?"), str_or(resp, "type", "?"), verb);
		r = 0;
	}
	json_decref(resp);
	return r;
}

static int cmd_dns_records_create(const struct options *o, int argc, char **argv)
{
	json_t *body;
	char *end;

	if (!(argc == 4 || (argc == 6 && strcmp(argv[4], "--ttl") == 0))) {
		usage_dns_records(stderr);
		return EXIT_USAGE;
	}
	body = json_pack("{s:s, s:s, s:s}", "name", argv[1], "type", argv[2], "data", argv[3]);
	if (argc == 6) {
		errno = 0;
		long long ttl = strtoll(argv[5], &end, 10);

		if (errno || *end || ttl < 0 || ttl > 2147483647) {
			fprintf(stderr,
			        "rackctl: invalid --ttl \"%s\": expected seconds from 0 to 2147483647\n",
			        argv[5]);
			json_decref(body);
			return EXIT_USAGE;
		}
		json_object_set_new(body, "ttl", json_integer(ttl));
	}
	return dns_record_call(o, "POST", "/api/v1/dns/records", body, 201, "created");
}

/* Dispatches "dns records VERB ...". */
static int cmd_dns(const struct options *o, int argc, char **argv)
{
	char path[64];
	char *end;

	if (argc < 2 || strcmp(argv[0], "records") != 0) {
		usage_dns_records(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "list") == 0 && argc == 2)
		return list_resource(o, "/api/v1/dns/records", print_dns_records);
	if (strcmp(argv[1], "create") == 0)
		return cmd_dns_records_create(o, argc - 1, argv + 1);
	if (strcmp(argv[1], "delete") == 0 && argc == 3) {
		long long id = strtoll(argv[2], &end, 10);

		if (*end || id <= 0) {
			fprintf(stderr, "rackctl: invalid record id \"%s\"\n", argv[2]);
			return EXIT_USAGE;
		}
		(void)snprintf(path, sizeof(path), "/api/v1/dns/records/%lld", id);
		return dns_record_call(o, "DELETE", path, NULL, 200, "deleted");
	}
	if (strcmp(argv[1], "--help") == 0) {
		usage_dns_records(stdout);
		return 0;
	}
	usage_dns_records(stderr);
	return EXIT_USAGE;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: rackctl [OPTIONS] RESOURCE VERB [ARGS] [OPTIONS]\n"
	             "       rackctl [OPTIONS] whoami\n"
	             "       rackctl [OPTIONS] machine VERB HOST [ARGS] (BMC, power, lifecycle;\n"
	             "                         rackctl machine --help)\n"
	             "\n"
	             "Resources (rackctl RESOURCE --help lists their verbs):\n");
	cli_resources_usage(out);
	fprintf(out,
	        "  %-12s %s\n"
	        "\n"
	        "Verbs: list, get, create, update, delete; allocate (subnets, ranges);\n"
	        "reserve (addresses); every verb takes --help.\n"
	        "\n"
	        "Options:\n"
	        "  --url URL       rackd base URL (default: $RACKD_URL, the config file, or\n"
	        "                  " CLI_URL_DEFAULT ")\n"
	        "  --token TOKEN   API token (default: $RACKD_TOKEN or the config file)\n"
	        "  --config PATH   config file with \"url = ...\" and \"token = ...\" lines\n"
	        "                  (default: $RACKCTL_CONFIG or ~/.config/rackctl.conf)\n"
	        "  --json          print JSON instead of a table\n"
	        "  --help          show this help\n"
	        "  --version       show the version\n"
	        "\n"
	        "Exit status: 0 success, 1 request failed, 2 bad usage.\n",
	        "dns", "DNS records (rackctl dns records --help)");
}

static int cmd_whoami(const struct options *o, int argc, char **argv)
{
	json_t *resp = NULL;
	long status = 0;
	int r;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("Usage: rackctl whoami\n\nShows the name and role of the API token in use.\n");
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "Usage: rackctl whoami\n");
		return EXIT_USAGE;
	}
	if (api_call(o, "GET", "/api/v1/whoami", NULL, &status, &resp) < 0)
		return EXIT_FAILED;
	if (status != 200) {
		r = print_api_error(status, resp);
	} else if (o->json) {
		json_dumpf(resp, stdout, JSON_INDENT(2));
		printf("\n");
		r = 0;
	} else {
		printf("token %s, role %s, at %s\n", str_or(resp, "name", "?"),
		       str_or(resp, "role", "?"), o->url);
		r = 0;
	}
	json_decref(resp);
	return r;
}

/* Dispatches "RESOURCE VERB ..." after the global options. */
static int run_command(const struct options *o, int argc, char **argv)
{
	int r;

	if (strcmp(argv[0], "whoami") == 0)
		return cmd_whoami(o, argc, argv);
	if (strcmp(argv[0], "machine") == 0)
		return cli_machine_command(o, argc - 1, argv + 1);
	if (strcmp(argv[0], "dns") == 0) {
		if (argc == 2 && strcmp(argv[1], "--help") == 0) {
			usage_dns_records(stdout);
			return 0;
		}
		if (argc < 2) {
			usage_dns_records(stderr);
			return EXIT_USAGE;
		}
		return cmd_dns(o, argc - 1, argv + 1);
	}
	r = cli_resource_command(o, argc, argv);
	if (r >= 0)
		return r;
	fprintf(stderr, "rackctl: unknown resource \"%s\"; rackctl --help lists them\n", argv[0]);
	return EXIT_USAGE;
}

/* Takes --json out of argv wherever it stands, as in "machines list --json". */
static int take_json_flag(int argc, char **argv, struct options *o)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--json") == 0) {
			o->json = true;
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i - 1) * sizeof(char *));
			argc--;
			i--;
		}
	}
	return argc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "token", required_argument, NULL, 't' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { 0 };
	const char *config = NULL;
	int opt, r;

	/* Completion words come before any option handling: "rackctl __complete WORD..." */
	if (argc >= 2 && strcmp(argv[1], "__complete") == 0) {
		cli_complete(argc - 2, argv + 2);
		return 0;
	}
	/* "+" stops at the first command word so subcommands parse their own options. */
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'u':
			o.url = optarg;
			break;
		case 't':
			o.token = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("rackctl %s\n", RACKD_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	r = cli_options_load(&o, config);
	if (r != 0)
		return r;
	argc = optind + take_json_flag(argc - optind, argv + optind, &o);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	r = run_command(&o, argc - optind, argv + optind);
	curl_global_cleanup();
	return r;
}
