/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli-machine -- "rackctl machine VERB HOST ...": the BMC, power and the
 * lifecycle of one machine. HOST is a machine id, a host name or a MAC.
 * --wait follows a commissioning, deployment or release until the machine
 * leaves that state, with a progress bar on a terminal.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

#define PASSWORD_FILE_MAX 1024
#define USER_DATA_MAX     65536
#define WAIT_DEFAULT      3600 /* seconds --wait follows a machine */

static void machine_usage(FILE *out)
{
	fprintf(out,
	        "Usage: rackctl machine VERB HOST [OPTIONS]\n"
	        "HOST is a machine id, host name or MAC address.\n"
	        "\n"
	        "  set-bmc HOST --type ipmi|redfish|qemu --address ADDR [--user NAME]\n"
	        "               [--password-file FILE]\n"
	        "      ADDR: host[:port] (ipmi), https://host[:port] (redfish), QMP socket path (qemu).\n"
	        "      The password is read from FILE (first line), sealed by rackd and never shown.\n"
	        "  bmc HOST                        show the BMC (without its password)\n"
	        "  power HOST on|off|soft-off|cycle|status [--boot pxe|disk]\n"
	        "  status HOST                     lifecycle state, stage, deadline and progress\n"
	        "  commission HOST [--wait]\n"
	        "  deploy HOST --image NAME|URL --sha256 HEX [--disk DEV] [--hostname NAME]\n"
	        "               [--ssh-key-file FILE] [--user-data FILE] [--wait]\n"
	        "  deploy HOST --installer debian|ubuntu|rhel --kernel PATH --initrd PATH\n"
	        "               [--mirror URL] [--proxy URL] [--ntp-server NAME] [--hostname NAME]\n"
	        "               [--ssh-key-file FILE] [--wait]\n"
	        "      PATH is below rackd's boot_dir; the installer gets a rendered preseed,\n"
	        "      autoinstall or kickstart file.\n"
	        "  release HOST [--erase none|quick|full] [--wait]\n"
	        "  mark-broken HOST --reason TEXT\n"
	        "  mark-fixed HOST [--reason TEXT]\n"
	        "  retire HOST [--reason TEXT]\n"
	        "\n"
	        "--wait follows the machine until it leaves commissioning, deploying or\n"
	        "releasing (at most --timeout SECONDS, default %d) and exits 1 when it ends\n"
	        "anywhere but ready or deployed.\n",
	        WAIT_DEFAULT);
}

/* Reads a small file into a string (caller frees); strip cuts it at the first newline. */
static char *read_small_file(const char *path, size_t max, bool strip)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "rackctl: cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(max + 1);
	n = buf ? fread(buf, 1, max + 1, f) : 0;
	(void)fclose(f);
	if (buf == NULL || n > max) {
		fprintf(stderr, "rackctl: %s is larger than %zu bytes\n", path, max);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (strip)
		buf[strcspn(buf, "\r\n")] = '\0';
	return buf;
}

static bool is_number(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Resolves HOST to a machine id; prints its own errors. */
static int resolve_host(const struct options *o, const char *host, long long *ret_id)
{
	char path[256], escaped[200];
	json_t *resp = NULL, *items;
	long status = 0;
	int r = EXIT_FAILED;

	if (is_number(host)) {
		*ret_id = strtoll(host, NULL, 10);
		return 0;
	}
	if (!cli_query_escape(host, escaped, sizeof(escaped))) {
		fprintf(stderr, "rackctl: host \"%s\" is too long\n", host);
		return EXIT_USAGE;
	}
	(void)snprintf(path, sizeof(path), "/api/v1/machines?%s=%s",
	               strchr(host, ':') ? "mac" : "hostname", escaped);
	if (api_call(o, "GET", path, NULL, &status, &resp) < 0)
		return EXIT_FAILED;
	if (status != 200) {
		r = print_api_error(status, resp);
	} else {
		items = json_object_get(resp, "items");
		if (json_array_size(items) == 1) {
			*ret_id =
			        json_integer_value(json_object_get(json_array_get(items, 0), "id"));
			r = 0;
		} else {
			fprintf(stderr, "rackctl: no machine with %s \"%s\"\n",
			        strchr(host, ':') ? "MAC" : "host name", host);
		}
	}
	json_decref(resp);
	return r;
}

/* Sends one request to /api/v1/machines/ID/ACTION and prints errors; *ret_resp gets the response
 * body. */
static int call(const struct options *o, long long id, const char *method, const char *action,
                json_t *body, long expected, json_t **ret_resp)
{
	char path[128];
	json_t *resp = NULL;
	long status = 0;
	int r;

	(void)snprintf(path, sizeof(path), "/api/v1/machines/%lld/%s", id, action);
	r = api_call(o, method, path, body, &status, &resp);
	json_decref(body);
	if (r < 0)
		return EXIT_FAILED;
	if (status != expected) {
		r = print_api_error(status, resp);
		json_decref(resp);
		return r;
	}
	if (ret_resp)
		*ret_resp = resp;
	else
		json_decref(resp);
	return 0;
}

static void print_lifecycle(const struct options *o, json_t *lc)
{
	char since[32], deadline[32];
	json_t *progress = json_object_get(lc, "progress");

	if (o->json) {
		json_dumpf(lc, stdout, JSON_INDENT(2));
		printf("\n");
		return;
	}
	cli_format_time(json_integer_value(json_object_get(lc, "since")), since, sizeof(since));
	cli_format_time(json_integer_value(json_object_get(lc, "deadline")), deadline,
	                sizeof(deadline));
	printf("machine %lld: %s", (long long)json_integer_value(json_object_get(lc, "machine_id")),
	       str_or(lc, "state", "?"));
	if (str_or(lc, "stage", "")[0])
		printf(" (stage %s, deadline %s)", str_or(lc, "stage", ""), deadline);
	printf(" since %s", since);
	if (str_or(lc, "reason", "")[0])
		printf(": %s", str_or(lc, "reason", ""));
	printf("\n");
	if (json_is_integer(progress))
		printf("progress: %lld%% %s\n", (long long)json_integer_value(progress),
		       str_or(lc, "progress_message", ""));
}

static void draw_bar(const char *state, long long pct, const char *message, bool tty)
{
	char bar[31];
	int fill = pct < 0 ? 0 : (int)(pct * 30 / 100);

	for (int i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	if (tty)
		fprintf(stderr, "\r\033[2K%-13s [%s] %3lld%% %.40s", state, bar, pct < 0 ? 0 : pct,
		        message);
	else
		fprintf(stderr, "%s %lld%% %s\n", state, pct < 0 ? 0 : pct, message);
	fflush(stderr);
}

static bool is_transient(const char *state)
{
	return strcmp(state, "commissioning") == 0 || strcmp(state, "deploying") == 0 ||
	       strcmp(state, "releasing") == 0;
}

/* Polls the lifecycle once a second until the machine leaves a transient state. */
static int wait_machine(const struct options *o, long long id, long timeout_s)
{
	bool tty = isatty(STDERR_FILENO);
	time_t end = time(NULL) + timeout_s;
	char last[128] = "";
	json_t *lc = NULL;
	int r;

	for (;;) {
		char now[128];
		json_t *p;
		long long pct;

		json_decref(lc);
		lc = NULL;
		r = call(o, id, "GET", "lifecycle", NULL, 200, &lc);
		if (r != 0)
			return r;
		p = json_object_get(lc, "progress");
		pct = json_is_integer(p) ? json_integer_value(p) : -1;
		(void)snprintf(now, sizeof(now), "%s %lld %s", str_or(lc, "state", "?"), pct,
		               str_or(lc, "progress_message", ""));
		if (!is_transient(str_or(lc, "state", "")) || time(NULL) >= end)
			break;
		if (tty || strcmp(now, last) != 0)
			draw_bar(str_or(lc, "state", "?"), pct, str_or(lc, "progress_message", ""),
			         tty);
		(void)snprintf(last, sizeof(last), "%s", now);
		(void)sleep(1);
	}
	if (tty)
		fprintf(stderr, "\r\033[2K");
	print_lifecycle(o, lc);
	r = strcmp(str_or(lc, "state", ""), "ready") == 0 ||
	                    strcmp(str_or(lc, "state", ""), "deployed") == 0
	            ? 0
	            : EXIT_FAILED;
	if (is_transient(str_or(lc, "state", "")))
		fprintf(stderr, "rackctl: machine %lld still %s after %ld s\n", id,
		        str_or(lc, "state", "?"), timeout_s);
	json_decref(lc);
	return r;
}

/* Options shared by the verbs; which ones a verb accepts is checked by the verb. */
struct machine_opts {
	const char *type, *address, *user, *password_file, *boot, *image, *sha256, *disk;
	const char *hostname, *ssh_key_file, *user_data, *erase, *reason;
	const char *installer, *kernel, *initrd, *mirror, *proxy, *ntp_server;
	bool wait;
	long timeout;
};

static int parse_machine_opts(int argc, char **argv, struct machine_opts *mo)
{
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "address", required_argument, NULL, 'a' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "boot", required_argument, NULL, 'b' },
		{ "image", required_argument, NULL, 'i' },
		{ "sha256", required_argument, NULL, 's' },
		{ "disk", required_argument, NULL, 'd' },
		{ "hostname", required_argument, NULL, 'n' },
		{ "ssh-key-file", required_argument, NULL, 'k' },
		{ "user-data", required_argument, NULL, 'U' },
		{ "erase", required_argument, NULL, 'e' },
		{ "reason", required_argument, NULL, 'r' },
		{ "installer", required_argument, NULL, 'I' },
		{ "kernel", required_argument, NULL, 'K' },
		{ "initrd", required_argument, NULL, 'R' },
		{ "mirror", required_argument, NULL, 'M' },
		{ "proxy", required_argument, NULL, 'P' },
		{ "ntp-server", required_argument, NULL, 'N' },
		{ "wait", no_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	const char **slots[] = {
		['t'] = &mo->type,          ['a'] = &mo->address,   ['u'] = &mo->user,
		['p'] = &mo->password_file, ['b'] = &mo->boot,      ['i'] = &mo->image,
		['s'] = &mo->sha256,        ['d'] = &mo->disk,      ['n'] = &mo->hostname,
		['k'] = &mo->ssh_key_file,  ['U'] = &mo->user_data, ['e'] = &mo->erase,
		['r'] = &mo->reason,        ['I'] = &mo->installer, ['K'] = &mo->kernel,
		['R'] = &mo->initrd,        ['M'] = &mo->mirror,    ['P'] = &mo->proxy,
		['N'] = &mo->ntp_server,
	};
	int c;

	mo->timeout = WAIT_DEFAULT;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'w') {
			mo->wait = true;
		} else if (c == 'T') {
			char *end;

			mo->timeout = strtol(optarg, &end, 10);
			if (*end || mo->timeout < 1 || mo->timeout > 604800) {
				fprintf(stderr,
				        "rackctl: invalid --timeout \"%s\": expected seconds from 1 to 604800\n",
				        optarg);
				return EXIT_USAGE;
			}
		} else if (c > 0 && (size_t)c < sizeof(slots) / sizeof(slots[0]) && slots[c]) {
			*slots[c] = optarg;
		} else {
			machine_usage(stderr);
			return EXIT_USAGE;
		}
	}
	return 0;
}

static int cmd_set_bmc(const struct options *o, long long id, const struct machine_opts *mo)
{
	json_t *body, *resp = NULL;
	char *password = NULL;
	int r;

	if (mo->type == NULL || mo->address == NULL) {
		fprintf(stderr, "rackctl: set-bmc needs --type and --address\n");
		return EXIT_USAGE;
	}
	if (mo->password_file) {
		password = read_small_file(mo->password_file, PASSWORD_FILE_MAX, true);
		if (password == NULL)
			return EXIT_USAGE;
	}
	body = json_pack("{s:s, s:s, s:s}", "type", mo->type, "address", mo->address, "username",
	                 mo->user ? mo->user : "");
	if (password) {
		json_object_set_new(body, "password", json_string(password));
		explicit_bzero(password, strlen(password));
		free(password);
	}
	r = call(o, id, "PUT", "bmc", body, 200, &resp);
	if (r == 0 && o->json) {
		json_dumpf(resp, stdout, JSON_INDENT(2));
		printf("\n");
	} else if (r == 0) {
		printf("machine %lld: BMC %s %s user %s%s\n", id, str_or(resp, "type", "?"),
		       str_or(resp, "address", "?"), str_or(resp, "username", "-"),
		       json_is_true(json_object_get(resp, "password_set")) ? ", password set" : "");
	}
	json_decref(resp);
	return r;
}

static int cmd_power(const struct options *o, long long id, const char *what,
                     const struct machine_opts *mo)
{
	json_t *resp = NULL, *body;
	int r;

	if (strcmp(what, "status") == 0) {
		r = call(o, id, "GET", "power", NULL, 200, &resp);
	} else {
		body = json_pack("{s:s}", "action", what);
		if (mo->boot)
			json_object_set_new(body, "boot", json_string(mo->boot));
		r = call(o, id, "POST", "power", body, 200, &resp);
	}
	if (r == 0 && o->json) {
		json_dumpf(resp, stdout, JSON_INDENT(2));
		printf("\n");
	} else if (r == 0) {
		printf("machine %lld: power %s\n", id, str_or(resp, "power", "unknown"));
	}
	json_decref(resp);
	return r;
}

/* Builds the deploy body from the options; NULL after printing why. */
static json_t *deploy_body(const struct machine_opts *mo)
{
	json_t *body;
	char *text;

	if (mo->installer != NULL) {
		if (mo->image || mo->sha256 || mo->kernel == NULL || mo->initrd == NULL) {
			fprintf(stderr,
			        "rackctl: an installer deploy needs --kernel and --initrd, and "
			        "takes no --image or --sha256\n");
			return NULL;
		}
		body = json_pack("{s:s, s:s, s:s}", "installer", mo->installer, "kernel",
		                 mo->kernel, "initrd", mo->initrd);
		if (mo->mirror)
			json_object_set_new(body, "mirror", json_string(mo->mirror));
		if (mo->proxy)
			json_object_set_new(body, "proxy", json_string(mo->proxy));
		if (mo->ntp_server)
			json_object_set_new(body, "ntp_server", json_string(mo->ntp_server));
	} else if (mo->kernel || mo->initrd || mo->mirror || mo->proxy || mo->ntp_server) {
		fprintf(stderr, "rackctl: --kernel, --initrd, --mirror, --proxy and --ntp-server "
		                "need --installer\n");
		return NULL;
	} else if (mo->image == NULL || mo->sha256 == NULL) {
		fprintf(stderr, "rackctl: deploy needs --image and --sha256, or --installer\n");
		return NULL;
	} else {
		body = json_pack("{s:s, s:s}", "image", mo->image, "sha256", mo->sha256);
	}
	if (mo->disk)
		json_object_set_new(body, "disk", json_string(mo->disk));
	if (mo->hostname)
		json_object_set_new(body, "hostname", json_string(mo->hostname));
	if (mo->ssh_key_file) {
		text = read_small_file(mo->ssh_key_file, 16384, true);
		if (text == NULL) {
			json_decref(body);
			return NULL;
		}
		json_object_set_new(body, "ssh_keys", json_pack("[s]", text));
		free(text);
	}
	if (mo->user_data) {
		text = read_small_file(mo->user_data, USER_DATA_MAX, false);
		if (text == NULL) {
			json_decref(body);
			return NULL;
		}
		json_object_set_new(body, "user_data", json_string(text));
		free(text);
	}
	return body;
}

static int cmd_lifecycle(const struct options *o, long long id, const char *verb,
                         const struct machine_opts *mo)
{
	json_t *body, *resp = NULL;
	int r;

	if (strcmp(verb, "deploy") == 0) {
		body = deploy_body(mo);
		if (body == NULL)
			return EXIT_USAGE;
	} else {
		body = json_object();
		if (mo->reason)
			json_object_set_new(body, "reason", json_string(mo->reason));
		if (mo->erase)
			json_object_set_new(body, "erase", json_string(mo->erase));
	}
	r = call(o, id, "POST", verb, body, 202, &resp);
	if (r != 0)
		return r;
	if (mo->wait) {
		json_decref(resp);
		return wait_machine(o, id, mo->timeout);
	}
	print_lifecycle(o, resp);
	json_decref(resp);
	return 0;
}

int cli_machine_command(const struct options *o, int argc, char **argv)
{
	static const char *const lifecycle_verbs[] = { "commission",  "deploy",     "release",
		                                       "mark-broken", "mark-fixed", "retire",
		                                       NULL };
	struct machine_opts mo = { 0 };
	const char *verb, *power_action = NULL;
	json_t *resp = NULL;
	long long id = 0;
	int r, skip = 2;

	if (argc < 2 || strcmp(argv[0], "--help") == 0) {
		machine_usage(argc < 2 && (argc == 0 || strcmp(argv[0], "--help") != 0) ? stderr
		                                                                        : stdout);
		return argc < 2 && (argc == 0 || strcmp(argv[0], "--help") != 0) ? EXIT_USAGE : 0;
	}
	verb = argv[0];
	/* --help anywhere after the verb shows the usage, so it is never taken for a host. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			machine_usage(stdout);
			return 0;
		}
	}
	if (strcmp(verb, "power") == 0) {
		if (argc < 3) {
			machine_usage(stderr);
			return EXIT_USAGE;
		}
		power_action = argv[2];
		skip = 3;
	}
	r = parse_machine_opts(argc - skip + 1, argv + skip - 1, &mo);
	if (r != 0)
		return r;
	if (optind != argc - skip + 1) {
		fprintf(stderr, "rackctl: unexpected argument \"%s\"\n", argv[skip - 1 + optind]);
		return EXIT_USAGE;
	}
	r = resolve_host(o, argv[1], &id);
	if (r != 0)
		return r;
	if (strcmp(verb, "set-bmc") == 0)
		return cmd_set_bmc(o, id, &mo);
	if (power_action)
		return cmd_power(o, id, power_action, &mo);
	if (strcmp(verb, "bmc") == 0 || strcmp(verb, "status") == 0) {
		r = call(o, id, "GET", strcmp(verb, "bmc") == 0 ? "bmc" : "lifecycle", NULL, 200,
		         &resp);
		if (r == 0 && (o->json || strcmp(verb, "bmc") == 0)) {
			json_dumpf(resp, stdout, JSON_INDENT(2));
			printf("\n");
		} else if (r == 0) {
			print_lifecycle(o, resp);
		}
		json_decref(resp);
		return r;
	}
	for (const char *const *v = lifecycle_verbs; *v; v++)
		if (strcmp(verb, *v) == 0)
			return cmd_lifecycle(o, id, verb, &mo);
	fprintf(stderr, "rackctl: machine has no verb \"%s\"\n", verb);
	machine_usage(stderr);
	return EXIT_USAGE;
}
