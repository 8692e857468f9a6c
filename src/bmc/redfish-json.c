/* SPDX-License-Identifier: Apache-2.0 */
/*
 * redfish-json -- jansson-based readers of Redfish answers (DSP0266,
 * ComputerSystem schema). Unknown members are ignored, as the standard asks
 * of clients.
 */
#include "bmc/redfish-json.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const struct {
	enum redfish_reset bit;
	const char *name;
} reset_names[] = {
	{ REDFISH_RESET_ON, "On" },
	{ REDFISH_RESET_FORCE_OFF, "ForceOff" },
	{ REDFISH_RESET_GRACEFUL_SHUTDOWN, "GracefulShutdown" },
	{ REDFISH_RESET_POWER_CYCLE, "PowerCycle" },
	{ REDFISH_RESET_FORCE_RESTART, "ForceRestart" },
};

const char *redfish_reset_name(enum redfish_reset reset)
{
	for (size_t i = 0; i < sizeof(reset_names) / sizeof(reset_names[0]); i++)
		if (reset_names[i].bit == reset)
			return reset_names[i].name;
	return "";
}

bool redfish_path_valid(const char *path)
{
	size_t len = strlen(path);

	if (len >= REDFISH_PATH_MAX || strncmp(path, "/redfish/v1/", 12) != 0 ||
	    strstr(path, "/../") != NULL)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)path[i];

		if (c <= ' ' || c >= 0x7f || c == '?' || c == '#' || c == '%' || c == '\\')
			return false;
	}
	return true;
}

static json_t *load_object(const char *body, size_t len)
{
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);

	if (root != NULL && !json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* Copies a service path from value into out; -EBADMSG unless it is one. */
static int copy_path(json_t *value, char *out)
{
	const char *s = json_string_value(value);

	if (s == NULL || !redfish_path_valid(s))
		return -EBADMSG;
	(void)snprintf(out, REDFISH_PATH_MAX, "%s", s);
	return 0;
}

int redfish_parse_first_member(const char *body, size_t len, char *path)
{
	json_t *root = load_object(body, len);
	json_t *members;
	int r;

	if (root == NULL)
		return -EBADMSG;
	members = json_object_get(root, "Members");
	r = json_is_array(members) && json_array_size(members) > 0
	            ? copy_path(json_object_get(json_array_get(members, 0), "@odata.id"), path)
	            : -EBADMSG;
	json_decref(root);
	return r;
}

static unsigned parse_reset_types(json_t *list)
{
	unsigned bits = 0;
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);

		for (size_t k = 0; s && k < sizeof(reset_names) / sizeof(reset_names[0]); k++)
			if (strcmp(s, reset_names[k].name) == 0)
				bits |= (unsigned)reset_names[k].bit;
	}
	return bits;
}

int redfish_parse_system(const char *body, size_t len, struct redfish_system *ret_system)
{
	struct redfish_system sys = { .power = BMC_POWER_UNKNOWN };
	json_t *root = load_object(body, len);
	json_t *reset;
	const char *power;

	if (root == NULL)
		return -EBADMSG;
	power = json_string_value(json_object_get(root, "PowerState"));
	if (power && strcmp(power, "On") == 0)
		sys.power = BMC_POWER_ON;
	else if (power && strcmp(power, "Off") == 0)
		sys.power = BMC_POWER_OFF;
	reset = json_object_get(json_object_get(root, "Actions"), "#ComputerSystem.Reset");
	if (json_is_object(reset)) {
		json_t *target = json_object_get(reset, "target");

		if (target && copy_path(target, sys.reset_target) < 0) {
			json_decref(root);
			return -EBADMSG;
		}
		sys.reset_types = parse_reset_types(
		        json_object_get(reset, "ResetType@Redfish.AllowableValues"));
	}
	json_decref(root);
	*ret_system = sys;
	return 0;
}
