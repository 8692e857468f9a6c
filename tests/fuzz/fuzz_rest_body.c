/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: REST API request bodies. Each input is parsed as the
 * server parses a body, then given to every resource's decoder for both
 * create and PATCH; what decodes is turned back into JSON as a response.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "http/rest-body.h"
#include "http/rest-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decodes obj as every resource; create selects the create rules. */
static void decode_all(json_t *obj, bool create)
{
	struct store_ipam_range ranges[REST_SUBNET_RANGES_MAX];
	struct rest_machine_extra extra;
	struct store_ipam_subnet subnet;
	struct store_machine_info machine;
	struct store_interface iface;
	struct store_ipam_range range;
	struct store_ip_address ip;
	struct store_token token;
	struct store_site site;
	struct store_rack rack;
	struct store_tag tag;
	struct rest_error err;
	size_t n_ranges;

	memset(&site, 0, sizeof(site));
	if (rest_decode_site(obj, create, &site, &err) == 0)
		json_decref(rest_site_json(&site));
	memset(&rack, 0, sizeof(rack));
	if (rest_decode_rack(obj, create, &rack, &err) == 0)
		json_decref(rest_rack_json(&rack));
	memset(&tag, 0, sizeof(tag));
	if (rest_decode_tag(obj, create, &tag, &err) == 0)
		json_decref(rest_tag_json(&tag));
	memset(&machine, 0, sizeof(machine));
	memset(&extra, 0, sizeof(extra));
	if (rest_decode_machine(obj, create, &machine, &extra, &err) == 0)
		json_decref(rest_machine_json(&machine));
	memset(&iface, 0, sizeof(iface));
	if (rest_decode_interface(obj, create, &iface, &err) == 0)
		json_decref(rest_interface_json(&iface));
	memset(&subnet, 0, sizeof(subnet));
	/* A PATCH applies onto an existing IPv4 subnet. */
	if (!create) {
		ipaddr_from_v4(0xc0000200, &subnet.network);
		subnet.prefix_len = 24;
	}
	if (rest_decode_subnet(obj, create, &subnet, &err) == 0) {
		if (create && rest_decode_subnet_ranges(obj, &subnet, ranges, &n_ranges, &err) >= 0)
			json_decref(rest_subnet_json(&subnet, ranges, n_ranges, NULL));
	}
	memset(&range, 0, sizeof(range));
	if (rest_decode_range(obj, create, &range, &err) == 0)
		json_decref(rest_range_json(&range, NULL));
	memset(&ip, 0, sizeof(ip));
	if (rest_decode_address(obj, create, &ip, &err) == 0)
		json_decref(rest_address_json(&ip));
	memset(&ip, 0, sizeof(ip));
	(void)rest_decode_allocation(obj, &ip, &err);
	memset(&token, 0, sizeof(token));
	if (rest_decode_token(obj, create, &token, &err) == 0)
		json_decref(rest_token_json(&token));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rest_error err;
	json_t *obj;

	obj = rest_parse_object((const char *)data, size, &err);
	if (obj == NULL)
		return 0;
	decode_all(obj, true);
	decode_all(obj, false);
	json_decref(obj);
	return 0;
}
