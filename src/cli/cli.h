/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli -- what the files of rackctl share: options, HTTP calls to the REST
 * API (libcurl), output helpers and the resource commands.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#define EXIT_FAILED     1
#define EXIT_USAGE      2

#define CLI_URL_DEFAULT "http://127.0.0.1:8080"

/* Where rackctl sends requests and how it prints; see cli_options_load(). */
struct options {
	const char *url;
	const char *token; /* NULL: no Authorization header */
	const char *if_match;
	bool json;
};

/*
 * Fills in url and token that flags left NULL: from RACKD_URL and
 * RACKD_TOKEN, then from the config file (path, or $RACKCTL_CONFIG, or
 * $XDG_CONFIG_HOME/rackctl.conf, or ~/.config/rackctl.conf), then the
 * default URL. Returns 0, or EXIT_USAGE after printing a config file error.
 */
int cli_options_load(struct options *o, const char *config_path);

/*
 * Sends method path with an optional JSON body (borrowed). On a response,
 * writes the status and the parsed body (NULL when empty; caller decrefs)
 * and returns 0. Prints its own error and returns -1 when no response came
 * or it was not JSON.
 */
int api_call(const struct options *o, const char *method, const char *path, json_t *body,
             long *ret_status, json_t **ret_json);

/* Prints the API's error object to stderr; returns EXIT_FAILED. */
int print_api_error(long status, json_t *resp);

/* The string member key of obj, or fallback when absent or empty. */
const char *str_or(json_t *obj, const char *key, const char *fallback);

/*
 * GETs every page of a list (following next_after) into *ret_items (caller
 * decrefs). Returns an exit status; prints its own errors.
 */
int cli_fetch_all(const struct options *o, const char *path, json_t **ret_items);

/*
 * GETs every page of a list (following next_after) and prints the items
 * as a JSON array or with print_table. Returns an exit status.
 */
int list_resource(const struct options *o, const char *path, void (*print_table)(json_t *items));

/* Writes t (Unix seconds) as UTC ISO 8601, or "-" for 0. */
void cli_format_time(json_int_t t, char *buf, size_t size);

/* Percent-encodes s for a query string into buf; false when it does not fit. */
bool cli_query_escape(const char *s, char *buf, size_t size);

/*
 * Runs "RESOURCE VERB ..." for the resources of cli-resources.c. Returns an
 * exit status; -1 when argv[0] names no such resource.
 */
int cli_resource_command(const struct options *o, int argc, char **argv);

/*
 * Runs "machine VERB HOST ..." (cli-machine.c): BMC, power and lifecycle of
 * one machine. Returns an exit status.
 */
int cli_machine_command(const struct options *o, int argc, char **argv);

/* Prints the resource list for rackctl --help. */
void cli_resources_usage(FILE *out);

/*
 * Prints completion candidates for the words after "rackctl" (resources,
 * then verbs, then options), one per line; used by the bash completion.
 */
void cli_complete(int argc, char **argv);
