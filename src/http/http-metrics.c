/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-metrics -- GET /metrics: the services' counters in the Prometheus
 * text exposition format (version 0.0.4). Counters only, so no token is
 * needed to read it; it carries no client data.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dhcp/dhcp-server.h"
#include "http/http-internal.h"
#include "http/http.h"

#define METRICS_TEXT_MAX 8192

struct metric {
	const char *name;
	const char *type; /* "counter" or "gauge" */
	const char *help;
	uint64_t value;
};

void http_server_set_dhcp(struct http_server *srv, struct dhcp_server *dhcp)
{
	srv->dhcp = dhcp;
}

/* Appends one metric with its HELP and TYPE lines; false when buf is full. */
static bool append_metric(char *buf, size_t size, size_t *len, const struct metric *m)
{
	int n = snprintf(buf + *len, size - *len, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", m->name,
	                 m->help, m->name, m->type, m->name, (unsigned long long)m->value);

	if (n < 0 || (size_t)n >= size - *len)
		return false;
	*len += (size_t)n;
	return true;
}

/* Fills metrics with the DHCP server's counters; returns how many. */
static size_t dhcp_metrics(struct dhcp_server *dhcp, struct metric *metrics)
{
	struct dhcp_stats s;
	size_t n = 0;

#define COUNTER(field, text) \
	metrics[n++] = (struct metric){ "rackd_dhcp_" #field "_total", "counter", text, s.field }

	dhcp_server_get_stats(dhcp, &s);
	COUNTER(received, "DHCP datagrams read.");
	COUNTER(malformed, "DHCP datagrams dropped because they did not parse.");
	COUNTER(dropped, "Well-formed DHCP messages ignored, or replies dropped.");
	COUNTER(discovers, "DHCPDISCOVER messages received.");
	COUNTER(offers, "DHCPOFFER messages sent.");
	COUNTER(requests, "DHCPREQUEST messages received.");
	COUNTER(acks, "DHCPACK messages sent.");
	COUNTER(naks, "DHCPNAK messages sent.");
	COUNTER(releases, "DHCPRELEASE messages received.");
	COUNTER(declines, "DHCPDECLINE messages received.");
	COUNTER(informs, "DHCPINFORM messages received.");
	COUNTER(pool_exhausted, "DISCOVERs left without an offer because the pool was full.");
	COUNTER(rate_limited_mac,
	        "DISCOVERs and new-binding REQUESTs dropped over the per-MAC rate limit.");
	COUNTER(rate_limited_relay, "DISCOVERs and new-binding REQUESTs dropped over the per-relay"
	                            " or per-interface rate limit.");
	COUNTER(mac_lease_limit,
	        "DISCOVERs and REQUESTs dropped because the MAC held max_leases_per_mac.");
	COUNTER(reserved_refused,
	        "REQUESTs refused because the address is reserved for another MAC.");
	COUNTER(store_errors, "Batches whose lease write failed; none of their replies was sent.");
	COUNTER(batches, "Batches that wrote lease rows, each in one transaction.");
	COUNTER(batch_rows, "Lease rows written by those batches.");
	COUNTER(send_errors, "DHCP replies the kernel did not take.");
#undef COUNTER
	metrics[n++] = (struct metric){ "rackd_dhcp_leases", "gauge",
		                        "Entries in the DHCP lease table.", s.leases };
	return n;
}

enum MHD_Result http_metrics(struct http_request *req)
{
	struct metric metrics[32];
	char text[METRICS_TEXT_MAX];
	size_t n = 0, len = 0;

	if (strcmp(req->method, "GET") != 0)
		return http_send_error(req, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed", NULL,
		                       "use GET on %s", req->path);
	metrics[n++] = (struct metric){ "rackd_dhcp_enabled", "gauge",
		                        "1 when the DHCP server runs.", req->srv->dhcp != NULL };
	if (req->srv->dhcp != NULL)
		n += dhcp_metrics(req->srv->dhcp, &metrics[n]);
	metrics[n++] = (struct metric){
		"rackd_netboot_enrol_rate_limited_total", "counter",
		"Boot script requests of unknown MACs rejected by the per-client enrolment rate.",
		atomic_load(&req->srv->enrol_rate_limited)
	};
	metrics[n++] = (struct metric){
		"rackd_netboot_enrol_full_total", "counter",
		"Boot script requests of unknown MACs rejected because [boot] max_new_machines were new.",
		atomic_load(&req->srv->enrol_full)
	};
	text[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!append_metric(text, sizeof(text), &len, &metrics[i]))
			return http_send_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
			                       NULL, "metrics exceed %u bytes", METRICS_TEXT_MAX);
	}
	return http_send_text(req, MHD_HTTP_OK, "text/plain; version=0.0.4", text);
}
