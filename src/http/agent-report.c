/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent-report -- validates an agent report with jansson. Every field is
 * optional except machine_id; present fields must have the right type and
 * range, and duplicate keys are rejected.
 */
#include "http/agent-report.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reject(struct agent_report_error *err, const char *code, const char *field,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int reject(struct agent_report_error *err, const char *code, const char *field,
                  const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	err->field = field;
	va_start(ap, fmt);
	(void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* Reads a non-negative integer field no larger than max; absent means 0. */
static int read_count(json_t *body, const char *key, json_int_t max, json_int_t *ret_value,
                      struct agent_report_error *err)
{
	json_t *v = json_object_get(body, key);

	if (v == NULL) {
		*ret_value = 0;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return reject(err, "invalid_field", key, "%s must be an integer from 0 to %lld",
		              key, (long long)max);
	*ret_value = json_integer_value(v);
	return 0;
}

static int read_macs(json_t *list, struct agent_report *report, struct agent_report_error *err)
{
	size_t i;
	json_t *v;

	if (list == NULL)
		return 0;
	if (!json_is_array(list) || json_array_size(list) > AGENT_REPORT_MACS_MAX)
		return reject(err, "invalid_field", "macs",
		              "macs must be an array of at most %d MAC strings",
		              AGENT_REPORT_MACS_MAX);
	json_array_foreach(list, i, v) {
		if (!json_is_string(v) ||
		    addr_parse_mac(json_string_value(v), report->macs[report->n_macs]) < 0)
			return reject(err, "invalid_mac", "macs",
			              "macs[%zu] is not a MAC address such as 52:54:00:ab:cd:ef",
			              i);
		report->n_macs++;
	}
	return 0;
}

static int read_fields(json_t *body, struct agent_report *report, struct agent_report_error *err)
{
	json_t *id = json_object_get(body, "machine_id");
	json_int_t cpus, memory;
	int r;

	if (!json_is_integer(id) || json_integer_value(id) <= 0)
		return reject(err, "invalid_field", "machine_id",
		              "machine_id must be a positive integer");
	report->machine_id = json_integer_value(id);
	r = read_count(body, "cpu_count", AGENT_REPORT_CPUS_MAX, &cpus, err);
	if (r == 0)
		r = read_count(body, "memory_bytes", INT64_MAX, &memory, err);
	if (r == 0)
		r = read_macs(json_object_get(body, "macs"), report, err);
	if (r < 0)
		return r;
	report->cpu_count = (uint32_t)cpus;
	report->memory_bytes = (uint64_t)memory;
	return 0;
}

int agent_report_parse(const char *body, size_t len, struct agent_report *ret_report,
                       struct agent_report_error *ret_error)
{
	struct agent_report report;
	json_error_t jerr;
	json_t *root;
	int r;

	memset(&report, 0, sizeof(report));
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		if (root != NULL)
			return reject(ret_error, "invalid_json", NULL, "body is not a JSON object");
		return reject(ret_error, "invalid_json", NULL,
		              "body is not valid JSON: %s at line %d column %d", jerr.text,
		              jerr.line, jerr.column);
	}
	r = read_fields(root, &report, ret_error);
	if (r == 0) {
		report.facts_json = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
		if (report.facts_json == NULL)
			r = -ENOMEM;
	}
	json_decref(root);
	if (r < 0)
		return r;
	*ret_report = report;
	return 0;
}

void agent_report_done(struct agent_report *report)
{
	free(report->facts_json);
	report->facts_json = NULL;
}
