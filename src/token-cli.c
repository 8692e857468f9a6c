/* SPDX-License-Identifier: Apache-2.0 */
/*
 * token-cli -- the "rackd token" subcommand. The secret of a new token is
 * printed once on stdout and never stored: the store keeps its BLAKE2b
 * hash, as the REST API does (http-rest.c).
 */
#include "token-cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/addr.h"
#include "core/config.h"
#include "http/http-rest.h"
#include "http/rest-json.h"
#include "store/store-inventory.h"

#define EXIT_FAILED 1
#define EXIT_USAGE  2

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: rackd --config PATH token create --role ROLE --name NAME [--expires-in DAYS]\n"
	        "       rackd --config PATH token list\n"
	        "       rackd --config PATH token delete NAME\n"
	        "\n"
	        "Manages API tokens in the store of the configuration's data_dir.\n"
	        "create prints the new token once on stdout; only its hash is kept.\n"
	        "\n"
	        "  --role ROLE   admin (everything), operator (machines and interfaces,\n"
	        "                lifecycle) or reader (read only)\n"
	        "  --name NAME   a unique name: letters, digits, '.', '_' or '-'\n"
	        "  --expires-in DAYS\n"
	        "                reject the token after this many days (1 to 36500);\n"
	        "                without it the token does not expire\n"
	        "  --config PATH may also follow the subcommand\n");
}

/* Loads the configuration and opens its store; prints its own errors. */
static int open_store(const char *config_path, struct store **ret_store)
{
	static struct config cfg;
	char err[CONFIG_ERROR_MAX], path[CONFIG_PATH_MAX + 16];
	int r;

	if (config_path == NULL) {
		fprintf(stderr, "rackd: token: missing --config PATH\n");
		return -EINVAL;
	}
	config_init(&cfg);
	if (config_load(&cfg, config_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "rackd: %s\n", err);
		return -EINVAL;
	}
	(void)snprintf(path, sizeof(path), "%s/rackd.db", cfg.data_dir);
	r = store_open(path, ret_store);
	if (r < 0)
		fprintf(stderr, "rackd: store %s could not be opened: %s\n", path, strerror(-r));
	return r;
}

/* Writes the event of a token change made from the command line. */
static int record(struct store_txn *tx, const char *kind, const struct store_token *t, bool created)
{
	char object[STORE_NAME_MAX], *text;
	json_t *obj = rest_token_json(t);
	int r;

	(void)snprintf(object, sizeof(object), "token/%" PRId64, t->id);
	text = obj ? json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(obj);
	if (text == NULL)
		return -ENOMEM;
	r = store_event_insert(tx, "cli", kind, object, NULL, created ? NULL : text,
	                       created ? text : NULL);
	free(text);
	return r;
}

static int token_create(struct store *st, const char *name, const char *role, uint32_t days)
{
	char secret[REST_TOKEN_TEXT_MAX + 1], hash[REST_TOKEN_HASH_HEX + 1];
	struct store_token t = { 0 };
	struct store_txn *tx;
	int64_t id;
	int r;

	(void)snprintf(t.name, sizeof(t.name), "%s", name);
	(void)snprintf(t.role, sizeof(t.role), "%s", role);
	if (days)
		t.expires = (int64_t)time(NULL) + (int64_t)days * 86400;
	rest_token_generate(secret, sizeof(secret), hash);
	r = store_txn_begin(st, true, &tx);
	if (r < 0)
		goto out;
	r = store_token_insert(tx, &t, hash, &id);
	if (r == 0)
		r = store_token_get(tx, id, &t);
	if (r == 0)
		r = record(tx, "token.created", &t, true);
	if (r == 0)
		r = store_txn_commit(tx);
	else
		store_txn_abort(tx);
out:
	if (r == -EEXIST) {
		fprintf(stderr,
		        "rackd: a token named \"%s\" exists; pick another name or delete it\n",
		        name);
	} else if (r < 0) {
		fprintf(stderr, "rackd: token could not be stored: %s: %s\n", strerror(-r),
		        store_last_error(st));
	} else {
		printf("%s\n", secret);
		fprintf(stderr, "rackd: token \"%s\" with role %s created; it is shown only now\n",
		        name, role);
	}
	sodium_memzero(secret, sizeof(secret));
	return r < 0 ? EXIT_FAILED : 0;
}

static int token_list(struct store *st)
{
	struct store_page page = { .limit = INT64_MAX };
	struct store_token *items = NULL;
	struct store_txn *tx;
	int64_t total;
	size_t n = 0;
	int r;

	r = store_txn_begin(st, false, &tx);
	if (r == 0) {
		r = store_token_list(tx, NULL, &page, &items, &n, &total);
		store_txn_abort(tx);
	}
	if (r < 0) {
		fprintf(stderr, "rackd: tokens could not be listed: %s\n", strerror(-r));
		return EXIT_FAILED;
	}
	printf("%-6s %-32s %-9s %-10s %-10s %s\n", "ID", "NAME", "ROLE", "CREATED", "EXPIRES",
	       "LAST_USED");
	for (size_t i = 0; i < n; i++) {
		char expires[24] = "never", used[24] = "never";

		if (items[i].expires)
			(void)snprintf(expires, sizeof(expires), "%" PRId64, items[i].expires);
		if (items[i].last_used)
			(void)snprintf(used, sizeof(used), "%" PRId64, items[i].last_used);
		printf("%-6" PRId64 " %-32s %-9s %-10" PRId64 " %-10s %s\n", items[i].id,
		       items[i].name, items[i].role, items[i].created, expires, used);
	}
	free(items);
	return 0;
}

static int token_delete(struct store *st, const char *name)
{
	struct store_page page = { .limit = INT64_MAX };
	struct store_token *items = NULL, found = { 0 };
	struct store_txn *tx;
	int64_t total;
	size_t n = 0;
	int r;

	r = store_txn_begin(st, true, &tx);
	if (r < 0)
		goto out;
	r = store_token_list(tx, NULL, &page, &items, &n, &total);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (strcmp(items[i].name, name) == 0)
			found = items[i];
	free(items);
	if (r == 0 && found.id == 0)
		r = -ENOENT;
	if (r == 0)
		r = store_token_delete(tx, found.id, 0);
	if (r == 0)
		r = record(tx, "token.deleted", &found, false);
	if (r == 0)
		r = store_txn_commit(tx);
	else
		store_txn_abort(tx);
out:
	if (r == -ENOENT)
		fprintf(stderr, "rackd: no token named \"%s\"\n", name);
	else if (r < 0)
		fprintf(stderr, "rackd: token could not be deleted: %s\n", strerror(-r));
	else
		fprintf(stderr, "rackd: token \"%s\" deleted\n", name);
	return r < 0 ? EXIT_FAILED : 0;
}

int token_command(const char *config_path, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "expires-in", required_argument, NULL, 'e' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *role = NULL, *name = NULL, *expires_in = NULL, *verb;
	uint32_t days = 0;
	struct store *st;
	int opt, r;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	verb = argv[1];
	optind = 2;
	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			role = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'e':
			expires_in = optarg;
			break;
		case 'c':
			config_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (strcmp(verb, "create") == 0) {
		if (optind != argc || role == NULL || name == NULL) {
			fprintf(stderr, "rackd: token create needs --role and --name\n");
			return EXIT_USAGE;
		}
		if (!rest_valid_role(role) || !rest_valid_name(name)) {
			fprintf(stderr, "rackd: invalid %s \"%s\": %s\n",
			        rest_valid_role(role) ? "name" : "role",
			        rest_valid_role(role) ? name : role,
			        rest_valid_role(role) ? "use letters, digits, '.', '_' or '-'"
			                              : "expected admin, operator or reader");
			return EXIT_USAGE;
		}
		if (expires_in && addr_parse_u32(expires_in, 1, 36500, &days) < 0) {
			fprintf(stderr,
			        "rackd: invalid --expires-in \"%s\": expected whole days from 1 to "
			        "36500\n",
			        expires_in);
			return EXIT_USAGE;
		}
	} else if (strcmp(verb, "list") == 0) {
		if (optind != argc || role || name || expires_in) {
			usage(stderr);
			return EXIT_USAGE;
		}
	} else if (strcmp(verb, "delete") == 0) {
		if (optind != argc - 1 || role || name || expires_in) {
			fprintf(stderr, "rackd: token delete needs exactly one NAME\n");
			return EXIT_USAGE;
		}
		name = argv[optind];
	} else {
		fprintf(stderr,
		        "rackd: unknown token command \"%s\": expected create, list or delete\n",
		        verb);
		return EXIT_USAGE;
	}
	if (open_store(config_path, &st) < 0)
		return EXIT_FAILED;
	if (sodium_init() < 0) {
		fprintf(stderr, "rackd: libsodium initialisation failed\n");
		store_free(st);
		return EXIT_FAILED;
	}
	if (strcmp(verb, "create") == 0)
		r = token_create(st, name, role, days);
	else if (strcmp(verb, "list") == 0)
		r = token_list(st);
	else
		r = token_delete(st, name);
	store_free(st);
	return r;
}
