/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rackd-agent -- runs in the netboot environment, collects the machine's
 * hardware facts and its LLDP neighbours and posts them to rackd. Parameters
 * come from the kernel command line (rackd.url, rackd.machine, rackd.token,
 * rackd.lldp_wait) or from flags.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/facts.h"
#include "agent/http.h"
#include "agent/lldp-listen.h"
#include "agent/lldp.h"
#include "agent/task.h"
#include "core/addr.h"
#include "core/log.h"

#define AGENT_EXIT_OK      0
#define AGENT_EXIT_FAILED  1
#define AGENT_EXIT_USAGE   2
#define AGENT_BACKOFF_MAX  8 /* seconds between attempts, at most */
#define AGENT_ATTEMPTS_MAX 100

struct agent_options {
	struct agent_params params;
	const char *cmdline_path;
	bool cmdline_explicit;
	const char *root;
	bool print_only;
	uint32_t attempts;
	uint32_t timeout_s;
	bool no_task;
	const char *next_file;
	const char *dev_dir;
};

static void agent_usage(FILE *out)
{
	fputs("Usage: rackd-agent [OPTION]...\n"
	      "Collects this machine's hardware facts and posts them to rackd.\n"
	      "\n"
	      "  --url URL       rackd's base URL, http://A.B.C.D[:PORT][/PATH]\n"
	      "                  (default: rackd.url= on the kernel command line)\n"
	      "  --machine ID    machine id (default: rackd.machine=)\n"
	      "  --token TOKEN   bearer token (default: rackd.token=)\n"
	      "  --lldp-wait SEC seconds to wait for an LLDP neighbour on each interface\n"
	      "                  with carrier, 0-3600 (default: rackd.lldp_wait=, else 0)\n"
	      "  --cmdline FILE  kernel command line to read (default: /proc/cmdline)\n"
	      "  --root DIR      read proc/ and sys/ below DIR instead of /; no LLDP\n"
	      "  --print         write the report to standard output instead of sending it\n"
	      "  --attempts N    send attempts before giving up, 1-100 (default: 8)\n"
	      "  --timeout SEC   limit for one attempt in seconds, 1-3600 (default: 10)\n"
	      "  --no-task       report only; do not fetch and run the task (deploy, erase)\n"
	      "  --next-file F   write what the machine should do next, \"reboot\" or\n"
	      "                  \"poweroff\", into F (default: /run/rackd-agent.next)\n"
	      "  --dev-dir DIR   block devices live in DIR (default: /dev)\n"
	      "  -h, --help      show this help\n"
	      "\n"
	      "Exit status: 0 when rackd accepted the report (HTTP 2xx), 1 when it rejected\n"
	      "it or every attempt failed, 2 for a usage or parameter error.\n",
	      out);
}

static int agent_read_cmdline(const char *path, struct agent_params *params)
{
	char *buf;
	size_t len = 0;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(AGENT_CMDLINE_MAX + 1);
	if (buf == NULL) {
		r = -ENOMEM;
		goto out_close;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, AGENT_CMDLINE_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out_free;
		}
		if (n == 0 || len + (size_t)n > AGENT_CMDLINE_MAX) {
			len += (size_t)n;
			break;
		}
		len += (size_t)n;
	}
	r = len > AGENT_CMDLINE_MAX ? -E2BIG : agent_params_parse_cmdline(buf, len, params);
out_free:
	free(buf);
out_close:
	(void)close(fd);
	return r;
}

static int agent_set_flag(struct agent_params *params, const char *key, const char *value)
{
	int r = agent_params_set(params, key, value);

	if (r < 0)
		log_error("agent", "--%s value \"%s\" is invalid: %s", key,
		          strcmp(key, "token") == 0 ? "(hidden)" : value,
		          r == -E2BIG ? "too long" : "bad characters or number");
	return r;
}

static int agent_parse_number_flag(const char *name, const char *value, uint32_t max,
                                   uint32_t *ret_value)
{
	if (addr_parse_u32(value, 1, max, ret_value) < 0) {
		log_error("agent", "--%s value \"%s\" is invalid: expected a number from 1 to %u",
		          name, value, max);
		return -EINVAL;
	}
	return 0;
}

/* Parses the flags into opts; flag values override the kernel command line later. */
static int agent_parse_flags(int argc, char **argv, struct agent_options *opts,
                             struct agent_params *flags)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "machine", required_argument, NULL, 'm' },
		{ "token", required_argument, NULL, 't' },
		{ "lldp-wait", required_argument, NULL, 'l' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "root", required_argument, NULL, 'r' },
		{ "print", no_argument, NULL, 'p' },
		{ "attempts", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "no-task", no_argument, NULL, 'n' },
		{ "next-file", required_argument, NULL, 'N' },
		{ "dev-dir", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int r = 0;

		switch (c) {
		case 'u':
			r = agent_set_flag(flags, "url", optarg);
			break;
		case 'm':
			r = agent_set_flag(flags, "machine", optarg);
			break;
		case 't':
			r = agent_set_flag(flags, "token", optarg);
			break;
		case 'l':
			r = agent_set_flag(flags, "lldp_wait", optarg);
			break;
		case 'c':
			opts->cmdline_path = optarg;
			opts->cmdline_explicit = true;
			break;
		case 'r':
			opts->root = optarg;
			break;
		case 'p':
			opts->print_only = true;
			break;
		case 'a':
			r = agent_parse_number_flag("attempts", optarg, AGENT_ATTEMPTS_MAX,
			                            &opts->attempts);
			break;
		case 'T':
			r = agent_parse_number_flag("timeout", optarg, 3600, &opts->timeout_s);
			break;
		case 'n':
			opts->no_task = true;
			break;
		case 'N':
			opts->next_file = optarg;
			break;
		case 'D':
			opts->dev_dir = optarg;
			break;
		case 'h':
			agent_usage(stdout);
			exit(AGENT_EXIT_OK);
		default:
			agent_usage(stderr);
			return -EINVAL;
		}
		if (r < 0)
			return r;
	}
	if (optind < argc) {
		log_error("agent", "unexpected argument \"%s\"", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* Merges the kernel command line and the flags (flags win) into opts->params. */
static int agent_load_params(struct agent_options *opts, const struct agent_params *flags)
{
	int r;

	r = agent_read_cmdline(opts->cmdline_path, &opts->params);
	if (r == -ENOENT && !opts->cmdline_explicit)
		r = 0;
	if (r < 0) {
		log_error("agent", "kernel command line %s is unusable: %s", opts->cmdline_path,
		          strerror(-r));
		return r;
	}
	if (flags->has_url)
		(void)agent_params_set(&opts->params, "url", flags->url);
	if (flags->has_token)
		(void)agent_params_set(&opts->params, "token", flags->token);
	if (flags->has_machine) {
		opts->params.machine_id = flags->machine_id;
		opts->params.has_machine = true;
	}
	if (flags->has_lldp_wait) {
		opts->params.lldp_wait_s = flags->lldp_wait_s;
		opts->params.has_lldp_wait = true;
	}
	return 0;
}

static bool agent_status_is_retryable(int status)
{
	return status >= 500 || status == 408 || status == 429;
}

/* Posts the report until it is accepted, rejected, or the attempts run out. */
static int agent_send(const struct agent_options *opts, const struct agent_url *url,
                      const char *json)
{
	char path[AGENT_PATH_MAX], attempt_text[16], status_text[16];
	unsigned backoff = 1;

	if (agent_url_join(url, AGENT_REPORT_PATH, path, sizeof(path)) < 0) {
		log_error("agent", "report URL too long url=%s", opts->params.url);
		return AGENT_EXIT_USAGE;
	}
	for (uint32_t attempt = 1; attempt <= opts->attempts; attempt++) {
		struct agent_http_response resp;
		struct log_field fields[] = {
			{ "attempt", attempt_text },
			{ "server", url->host },
			{ "status", NULL },
		};
		int r;

		(void)snprintf(attempt_text, sizeof(attempt_text), "%u", attempt);
		r = agent_http_post(url, path, opts->params.token, json, strlen(json),
		                    opts->timeout_s * 1000, &resp);
		if (r == 0) {
			(void)snprintf(status_text, sizeof(status_text), "%d", resp.status);
			fields[2].value = status_text;
			if (resp.status >= 200 && resp.status < 300) {
				log_fields(LOG_LEVEL_INFO, "agent", fields, 3, "report accepted");
				return AGENT_EXIT_OK;
			}
			if (!agent_status_is_retryable(resp.status)) {
				log_fields(LOG_LEVEL_ERROR, "agent", fields, 3,
				           "report rejected: %s", resp.body);
				return AGENT_EXIT_FAILED;
			}
			log_fields(LOG_LEVEL_WARNING, "agent", fields, 3,
			           "report failed: server error: %s", resp.body);
		} else {
			log_fields(LOG_LEVEL_WARNING, "agent", fields, 2, "report failed: %s",
			           strerror(-r));
		}
		if (attempt < opts->attempts) {
			(void)sleep(backoff);
			if (backoff < AGENT_BACKOFF_MAX)
				backoff *= 2;
		}
	}
	log_error("agent", "report not delivered after %u attempts server=%s", opts->attempts,
	          url->host);
	return AGENT_EXIT_FAILED;
}

static void agent_log_facts(const struct facts *f)
{
	char cpus[16], memory[24], nics[16], disks[16], pci[16], lldp[16];
	const struct log_field fields[] = {
		{ "cpus", cpus },   { "memory", memory }, { "nics", nics },
		{ "disks", disks }, { "pci", pci },       { "lldp_neighbors", lldp },
	};

	(void)snprintf(cpus, sizeof(cpus), "%u", f->cpu_count);
	(void)snprintf(memory, sizeof(memory), "%llu", (unsigned long long)f->memory_bytes);
	(void)snprintf(nics, sizeof(nics), "%zu", f->n_nics);
	(void)snprintf(disks, sizeof(disks), "%zu", f->n_disks);
	(void)snprintf(pci, sizeof(pci), "%zu", f->n_pci);
	(void)snprintf(lldp, sizeof(lldp), "%zu", f->n_lldp);
	log_fields(LOG_LEVEL_INFO, "agent", fields, 6, "facts collected");
}

/*
 * Opens the LLDP listener before the facts are collected, so frames arriving
 * meanwhile count, and announces this host on each interface. Returns NULL
 * when facts come from a test tree (--root) or the listener failed, so the
 * report goes out without neighbours.
 */
static struct lldp_listener *agent_lldp_open(const struct agent_options *opts)
{
	char name[LLDP_TEXT_STRLEN], description[LLDP_TEXT_STRLEN];
	struct lldp_listener *l;
	struct utsname un;
	int r;

	if (opts->root[0] != '\0')
		return NULL;
	r = lldp_listen_open(&l);
	if (r < 0) {
		log_warning("agent", "lldp listener not started: %s; reporting no neighbours",
		            strerror(-r));
		return NULL;
	}
	if (gethostname(name, sizeof(name)) < 0)
		name[0] = '\0';
	name[sizeof(name) - 1] = '\0';
	if (uname(&un) == 0)
		(void)snprintf(description, sizeof(description), "rackd-agent %s, %s %s %s",
		               RACKD_VERSION, un.sysname, un.release, un.machine);
	else
		(void)snprintf(description, sizeof(description), "rackd-agent %s", RACKD_VERSION);
	lldp_listen_announce(l, name, description);
	return l;
}

/* Waits for neighbours until deadline_ms and copies them into facts. */
static void agent_lldp_collect(struct lldp_listener *l, uint64_t deadline_ms, struct facts *facts)
{
	char ifaces[16], neighbors[16], bad[16], sent[16], waited[24];
	const struct log_field fields[] = {
		{ "interfaces", ifaces }, { "neighbors", neighbors }, { "bad_frames", bad },
		{ "frames_sent", sent },  { "waited_ms", waited },
	};
	uint64_t start = log_now_ms();
	int r;

	if (l == NULL)
		return;
	r = lldp_listen_run(l, deadline_ms);
	if (r < 0)
		log_warning("agent",
		            "lldp receive failed: %s; reporting the neighbours heard so far",
		            strerror(-r));
	lldp_listen_export(l, facts);
	(void)snprintf(ifaces, sizeof(ifaces), "%zu", lldp_listen_interface_count(l));
	(void)snprintf(neighbors, sizeof(neighbors), "%zu", facts->n_lldp);
	(void)snprintf(bad, sizeof(bad), "%zu", lldp_listen_bad_frames(l));
	(void)snprintf(sent, sizeof(sent), "%zu", lldp_listen_frames_sent(l));
	(void)snprintf(waited, sizeof(waited), "%llu", (unsigned long long)(log_now_ms() - start));
	log_fields(LOG_LEVEL_INFO, "agent", fields, 5, "lldp listening done");
}

/* Checks that the parameters needed to send are present and usable. */
static int agent_check_params(const struct agent_options *opts, struct agent_url *ret_url)
{
	const struct agent_params *p = &opts->params;
	int r;

	if (!p->has_url || !p->has_machine || !p->has_token) {
		log_error("agent",
		          "missing %s: pass rackd.url=, rackd.machine= and rackd.token= "
		          "on the kernel command line or --url, --machine and --token",
		          !p->has_url       ? "rackd.url"
		          : !p->has_machine ? "rackd.machine"
		                            : "rackd.token");
		return -EINVAL;
	}
	r = agent_url_parse(p->url, ret_url);
	if (r < 0)
		log_error("agent", "rackd.url \"%s\" is invalid: %s", p->url,
		          r == -EPROTONOSUPPORT
		                  ? "only http:// is supported"
		                  : "expected http://A.B.C.D[:PORT][/PATH] with an IPv4 address");
	return r;
}

/*
 * Seeds jansson's hash tables from the clock. Left unseeded, jansson reads
 * /dev/urandom on first use, and on Linux 6.1 that read waits for the kernel's
 * random number generator: about a second after boot in a QEMU TCG machine
 * without a hardware RNG (measured). The agent only builds JSON from its own
 * facts, so a predictable seed opens no hash-flooding risk.
 */
static void agent_seed_json(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	json_object_seed(((size_t)ts.tv_nsec ^ (size_t)getpid()) | 1u);
}

/* Fetches the task, retrying like the report; 0 with *ret_task, or a negative errno. */
static int agent_fetch_task(const struct agent_options *opts, const struct agent_url *url,
                            struct agent_task *ret_task)
{
	char path[AGENT_PATH_MAX], suffix[64];
	unsigned backoff = 1;
	int r = -EIO;

	(void)snprintf(suffix, sizeof(suffix), AGENT_TASK_PATH "?machine_id=%llu",
	               (unsigned long long)opts->params.machine_id);
	if (agent_url_join(url, suffix, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	for (uint32_t attempt = 1; attempt <= opts->attempts; attempt++) {
		struct agent_http_response resp;

		r = agent_http_get(url, path, opts->params.token, opts->timeout_s * 1000, &resp);
		if (r == 0 && resp.status == 200)
			return agent_task_parse(resp.body, resp.body_len, ret_task);
		if (r == 0 && !agent_status_is_retryable(resp.status)) {
			log_error("agent", "task rejected: status=%d %s", resp.status, resp.body);
			return -EACCES;
		}
		log_warning("agent", "task fetch failed: %s attempt=%u",
		            r < 0 ? strerror(-r) : resp.body, attempt);
		if (attempt < opts->attempts) {
			(void)sleep(backoff);
			if (backoff < AGENT_BACKOFF_MAX)
				backoff *= 2;
		}
	}
	return r < 0 ? r : -EIO;
}

/* Writes "reboot" or "poweroff" into the next file for /init. */
static void agent_write_next(const char *path, bool reboot)
{
	FILE *f = fopen(path, "we");

	if (f == NULL) {
		log_warning("agent", "next action not written to %s: %s", path, strerror(errno));
		return;
	}
	fputs(reboot ? "reboot\n" : "poweroff\n", f);
	if (fclose(f) != 0)
		log_warning("agent", "next action not written to %s: %s", path, strerror(errno));
}

/* Fetches and runs the task after the report; returns the exit status. */
static int agent_do_task(const struct agent_options *opts, const struct agent_url *url,
                         const struct facts *facts)
{
	struct agent_task_context ctx = {
		.server = url,
		.machine_id = opts->params.machine_id,
		.token = opts->params.token,
		.dev_dir = opts->dev_dir,
		.timeout_ms = opts->timeout_s * 1000,
	};
	static const char *const names[] = { "none", "deploy", "erase" };
	struct agent_task task;
	int r;

	r = agent_fetch_task(opts, url, &task);
	if (r < 0) {
		log_error("agent", "no task: %s", strerror(-r));
		return AGENT_EXIT_FAILED;
	}
	log_info("agent", "task %s then %s", names[task.action],
	         task.reboot ? "reboot" : "poweroff");
	r = agent_task_run(&task, facts, &ctx);
	/* A failed deploy leaves no bootable disk: power off rather than boot it. */
	agent_write_next(opts->next_file, r == 0 && task.reboot);
	return r == 0 ? AGENT_EXIT_OK : AGENT_EXIT_FAILED;
}

int main(int argc, char **argv)
{
	struct agent_options opts = {
		.cmdline_path = "/proc/cmdline",
		.root = "",
		.attempts = 8,
		.timeout_s = 10,
		.next_file = "/run/rackd-agent.next",
		.dev_dir = "/dev",
	};
	struct agent_params flags = { .machine_id = 0 };
	struct lldp_listener *lldp = NULL;
	struct facts *facts = NULL;
	uint64_t lldp_deadline;
	struct agent_url url;
	char *json = NULL;
	int ret = AGENT_EXIT_USAGE, r;

	log_setup(LOG_LEVEL_INFO, LOG_FORMAT_TEXT);
	agent_seed_json();
	if (agent_parse_flags(argc, argv, &opts, &flags) < 0 ||
	    agent_load_params(&opts, &flags) < 0)
		goto out;
	if (!opts.print_only && agent_check_params(&opts, &url) < 0)
		goto out;

	ret = AGENT_EXIT_FAILED;
	lldp_deadline = log_now_ms() + (uint64_t)opts.params.lldp_wait_s * 1000u;
	lldp = agent_lldp_open(&opts);
	r = agent_facts_collect(opts.root, &facts);
	if (r < 0) {
		log_error("agent", "collecting facts failed: %s", strerror(-r));
		goto out;
	}
	agent_lldp_collect(lldp, lldp_deadline, facts);
	lldp_listen_free(lldp);
	lldp = NULL;
	agent_log_facts(facts);
	r = agent_report_build(facts, opts.params.machine_id, &json);
	if (r < 0) {
		log_error("agent", "building the report failed: %s", strerror(-r));
		goto out;
	}
	if (opts.print_only) {
		ret = puts(json) < 0 ? AGENT_EXIT_FAILED : AGENT_EXIT_OK;
		goto out;
	}
	ret = agent_send(&opts, &url, json);
	if (ret == AGENT_EXIT_OK && !opts.no_task)
		ret = agent_do_task(&opts, &url, facts);
out:
	free(json);
	lldp_listen_free(lldp);
	agent_facts_free(facts);
	return ret;
}
