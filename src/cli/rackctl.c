/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rackctl -- command-line client of the rackd REST API (libcurl + jansson).
 * Exit status: 0 success, 1 request failed, 2 bad usage.
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RESPONSE_MAX (64u << 20)
#define EXIT_FAILED  1
#define EXIT_USAGE   2

struct options {
	const char *url;
	bool json;
};

struct buffer {
	char *data;
	size_t len;
	bool overflow;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct buffer *b = userdata;
	size_t n = size * nmemb;
	char *p;

	if (n > RESPONSE_MAX - b->len) {
		b->overflow = true;
		return 0;
	}
	p = realloc(b->data, b->len + n + 1);
	if (p == NULL)
		return 0;
	memcpy(p + b->len, ptr, n);
	b->len += n;
	p[b->len] = '\0';
	b->data = p;
	return n;
}

/*
 * Sends method path with an optional JSON body. On success writes the
 * parsed response to *ret_json (caller decrefs) and the status to
 * *ret_status. Prints its own error and returns -1 on transport failure.
 */
static int api_call(const struct options *o, const char *method, const char *path, json_t *body,
		    long *ret_status, json_t **ret_json)
{
	struct buffer resp = { 0 };
	struct curl_slist *headers = NULL;
	char url[2048], *payload = NULL;
	json_error_t jerr;
	CURLcode rc;
	CURL *curl;
	int r = -1;

	if ((size_t)snprintf(url, sizeof(url), "%s%s", o->url, path) >= sizeof(url)) {
		fprintf(stderr, "rackctl: URL too long\n");
		return -1;
	}
	curl = curl_easy_init();
	if (curl == NULL)
		return -1;
	headers = curl_slist_append(headers, "Accept: application/json");
	if (body) {
		payload = json_dumps(body, JSON_COMPACT);
		headers = curl_slist_append(headers, "Content-Type: application/json");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload);
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		fprintf(stderr, "rackctl: %s %s failed: %s (is rackd running and --url right?)\n",
			method, url, resp.overflow ? "response too large" : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, ret_status);
	*ret_json = json_loadb(resp.data ? resp.data : "", resp.len, 0, &jerr);
	if (*ret_json == NULL) {
		fprintf(stderr, "rackctl: %s %s returned status %ld and no JSON: %s\n", method,
			url, *ret_status, jerr.text);
		goto out;
	}
	r = 0;
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	free(payload);
	free(resp.data);
	return r;
}

/* Prints the API's error object; returns EXIT_FAILED. */
static int print_api_error(long status, json_t *resp)
{
	json_t *err = json_object_get(resp, "error");
	const char *code = json_string_value(json_object_get(err, "code"));
	const char *message = json_string_value(json_object_get(err, "message"));

	fprintf(stderr, "rackctl: request failed with status %ld: %s (%s)\n", status,
		message ? message : "no message", code ? code : "no code");
	return EXIT_FAILED;
}

static const char *str_or(json_t *obj, const char *key, const char *fallback)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s && *s ? s : fallback;
}

static void format_time(json_int_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0) {
		(void)snprintf(buf, size, "-");
		return;
	}
	(void)gmtime_r(&tt, &tm);
	(void)strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void print_machines(json_t *items)
{
	size_t i;
	json_t *m;

	printf("%-4s %-17s %-15s %-7s %-9s %-6s %-20s %-20s %4s %9s\n", "ID", "MAC", "ADDRESS",
	       "ARCH", "FIRMWARE", "STATE", "FIRST SEEN", "REPORTED", "CPUS", "MEMORY");
	json_array_foreach(items, i, m) {
		char seen[32], reported[32], mem[32];
		json_int_t bytes = json_integer_value(json_object_get(m, "memory_bytes"));

		format_time(json_integer_value(json_object_get(m, "first_seen")), seen,
			    sizeof(seen));
		format_time(json_integer_value(json_object_get(m, "reported_at")), reported,
			    sizeof(reported));
		(void)snprintf(mem, sizeof(mem), "%lld MiB", (long long)(bytes >> 20));
		printf("%-4lld %-17s %-15s %-7s %-9s %-6s %-20s %-20s %4lld %9s\n",
		       (long long)json_integer_value(json_object_get(m, "id")),
		       str_or(m, "mac", "-"), str_or(m, "first_address", "-"),
		       str_or(m, "arch", "-"), str_or(m, "firmware", "-"), str_or(m, "state", "-"),
		       seen, reported, (long long)json_integer_value(json_object_get(m, "cpu_count")),
		       bytes ? mem : "-");
	}
}

static void print_leases(json_t *items)
{
	size_t i;
	json_t *l;

	printf("%-15s %-17s %-9s %-20s %s\n", "ADDRESS", "MAC", "STATE", "EXPIRES", "HOSTNAME");
	json_array_foreach(items, i, l) {
		char expires[32];

		format_time(json_integer_value(json_object_get(l, "expires")), expires,
			    sizeof(expires));
		printf("%-15s %-17s %-9s %-20s %s\n", str_or(l, "address", "-"),
		       str_or(l, "mac", "-"), str_or(l, "state", "-"), expires,
		       str_or(l, "hostname", "-"));
	}
}

static void print_subnets(json_t *items)
{
	size_t i, j;
	json_t *s, *r;

	printf("%-4s %-16s %-18s %-15s %-10s %s\n", "ID", "NAME", "CIDR", "GATEWAY", "INTERFACE",
	       "RANGES");
	json_array_foreach(items, i, s) {
		printf("%-4lld %-16s %-18s %-15s %-10s",
		       (long long)json_integer_value(json_object_get(s, "id")),
		       str_or(s, "name", "-"), str_or(s, "cidr", "-"), str_or(s, "gateway", "-"),
		       str_or(s, "interface", "-"));
		json_array_foreach(json_object_get(s, "ranges"), j, r)
			printf(" %s%s-%s", strcmp(str_or(r, "kind", ""), "reserved") == 0 ? "reserved:" : "",
			       str_or(r, "first", "?"), str_or(r, "last", "?"));
		printf("\n");
	}
}

/* GETs a list resource and prints it as JSON or with print_table. */
static int list_resource(const struct options *o, const char *path,
			 void (*print_table)(json_t *items))
{
	json_t *resp = NULL;
	long status = 0;
	int r;

	if (api_call(o, "GET", path, NULL, &status, &resp) < 0)
		return EXIT_FAILED;
	if (status != 200) {
		r = print_api_error(status, resp);
	} else {
		if (o->json)
			json_dumpf(json_object_get(resp, "items"), stdout, JSON_INDENT(2));
		else
			print_table(json_object_get(resp, "items"));
		if (o->json)
			printf("\n");
		r = 0;
	}
	json_decref(resp);
	return r;
}

static void usage_subnets_create(FILE *out)
{
	fprintf(out, "Usage: rackctl subnets create NAME --cidr CIDR [--gateway IP] [--dns IP[,IP]]\n"
		     "         [--domain NAME] [--lease-time SECONDS] [--interface IFNAME]\n"
		     "         [--range FIRST-LAST]... [--reserved FIRST-LAST]... [--no-dhcp]\n");
}

/* Appends {"first","last","kind"} parsed from "FIRST-LAST" to ranges. */
static int add_range(json_t *ranges, const char *spec, const char *kind)
{
	const char *dash = strchr(spec, '-');
	char first[32];

	if (dash == NULL || (size_t)(dash - spec) >= sizeof(first)) {
		fprintf(stderr, "rackctl: invalid range \"%s\": expected FIRST-LAST\n", spec);
		return -1;
	}
	memcpy(first, spec, (size_t)(dash - spec));
	first[dash - spec] = '\0';
	json_array_append_new(ranges,
			      json_pack("{s:s, s:s, s:s}", "first", first, "last", dash + 1, "kind", kind));
	return 0;
}

static int parse_subnet_options(int argc, char **argv, json_t *body)
{
	static const struct option opts[] = {
		{ "cidr", required_argument, NULL, 'c' },
		{ "gateway", required_argument, NULL, 'g' },
		{ "dns", required_argument, NULL, 'd' },
		{ "domain", required_argument, NULL, 'D' },
		{ "lease-time", required_argument, NULL, 'l' },
		{ "interface", required_argument, NULL, 'i' },
		{ "range", required_argument, NULL, 'r' },
		{ "reserved", required_argument, NULL, 'R' },
		{ "no-dhcp", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	json_t *ranges = json_array(), *dns = json_array();
	char *end, *save = NULL;
	int opt;

	json_object_set_new(body, "ranges", ranges);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
		case 'g':
		case 'D':
		case 'i':
			json_object_set_new(body, opt == 'c'   ? "cidr"
						  : opt == 'g' ? "gateway"
						  : opt == 'D' ? "domain"
							       : "interface",
					    json_string(optarg));
			break;
		case 'd':
			for (char *t = strtok_r(optarg, ",", &save); t; t = strtok_r(NULL, ",", &save))
				json_array_append_new(dns, json_string(t));
			json_object_set(body, "dns", dns);
			break;
		case 'l': {
			errno = 0;
			long long v = strtoll(optarg, &end, 10);

			if (errno || *end || v <= 0) {
				fprintf(stderr, "rackctl: invalid --lease-time \"%s\": expected seconds\n",
					optarg);
				json_decref(dns);
				return -1;
			}
			json_object_set_new(body, "lease_time", json_integer(v));
			break;
		}
		case 'r':
		case 'R':
			if (add_range(ranges, optarg, opt == 'r' ? "dynamic" : "reserved") < 0) {
				json_decref(dns);
				return -1;
			}
			break;
		case 'n':
			json_object_set_new(body, "dhcp", json_false());
			break;
		case 'h':
			usage_subnets_create(stdout);
			json_decref(dns);
			return 1;
		default:
			json_decref(dns);
			return -1;
		}
	}
	json_decref(dns);
	return 0;
}

static int cmd_subnets_create(const struct options *o, int argc, char **argv)
{
	json_t *body = json_object(), *resp = NULL;
	long status = 0;
	int r;

	if (argc < 2 || argv[1][0] == '-') {
		json_decref(body);
		if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
			usage_subnets_create(stdout);
			return 0;
		}
		usage_subnets_create(stderr);
		return EXIT_USAGE;
	}
	json_object_set_new(body, "name", json_string(argv[1]));
	optind = 2;
	r = parse_subnet_options(argc, argv, body);
	if (r != 0 || optind != argc || json_object_get(body, "cidr") == NULL) {
		if (r == 0)
			usage_subnets_create(stderr);
		json_decref(body);
		return r > 0 ? 0 : EXIT_USAGE;
	}
	r = api_call(o, "POST", "/api/v1/subnets", body, &status, &resp);
	json_decref(body);
	if (r < 0)
		return EXIT_FAILED;
	if (status != 201) {
		r = print_api_error(status, resp);
	} else {
		if (o->json) {
			json_dumpf(resp, stdout, JSON_INDENT(2));
			printf("\n");
		} else {
			printf("subnet %s created with id %lld\n", str_or(resp, "name", "?"),
			       (long long)json_integer_value(json_object_get(resp, "id")));
		}
		r = 0;
	}
	json_decref(resp);
	return r;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: rackctl [--url URL] [--json] COMMAND\n"
		"\n"
		"Commands:\n"
		"  machines list             list machines known to rackd\n"
		"  leases list               list DHCP leases\n"
		"  subnets list              list subnets and their ranges\n"
		"  subnets create NAME ...   create a subnet (see: rackctl subnets create --help)\n"
		"\n"
		"Options:\n"
		"  --url URL   rackd API base URL (default: $RACKD_URL or http://127.0.0.1:8080)\n"
		"  --json      print JSON instead of a table\n"
		"  --help      show this help\n"
		"\n"
		"Exit status: 0 success, 1 request failed, 2 bad usage.\n");
}

/* Dispatches "RESOURCE VERB ..." after the global options. */
static int run_command(const struct options *o, int argc, char **argv)
{
	static const struct {
		const char *resource;
		const char *path;
		void (*print_table)(json_t *items);
	} lists[] = {
		{ "machines", "/api/v1/machines", print_machines },
		{ "leases", "/api/v1/leases", print_leases },
		{ "subnets", "/api/v1/subnets", print_subnets },
	};

	if (argc < 2) {
		fprintf(stderr, "rackctl: missing verb after \"%s\": try list\n", argv[0]);
		return EXIT_USAGE;
	}
	if (strcmp(argv[0], "subnets") == 0 && strcmp(argv[1], "create") == 0)
		return cmd_subnets_create(o, argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		if (strcmp(argv[0], lists[i].resource) != 0)
			continue;
		if (strcmp(argv[1], "list") != 0 || argc != 2) {
			fprintf(stderr, "rackctl: unknown command \"%s %s\": try \"%s list\"\n",
				argv[0], argv[1], argv[0]);
			return EXIT_USAGE;
		}
		return list_resource(o, lists[i].path, lists[i].print_table);
	}
	fprintf(stderr, "rackctl: unknown resource \"%s\": expected machines, leases or subnets\n",
		argv[0]);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { .url = getenv("RACKD_URL") };
	int opt, r;

	if (o.url == NULL || o.url[0] == '\0')
		o.url = "http://127.0.0.1:8080";
	/* "+" stops at the first command word so subcommands parse their own options. */
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'u':
			o.url = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			usage(stdout);
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
	/* --json may also follow the command, as in "machines list --json". */
	for (int i = optind; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			o.json = true;
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i - 1) * sizeof(char *));
			argc--;
			i--;
		}
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	r = run_command(&o, argc - optind, argv + optind);
	curl_global_cleanup();
	return r;
}
