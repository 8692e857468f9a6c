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
#include "dns/dns-server.h"
#include "http/http-internal.h"
#include "http/http.h"
#include "tftp/tftp-server.h"

#define METRICS_TEXT_MAX 16384
#define METRICS_MAX      96

/* One sample; samples of one name follow each other and share its HELP and TYPE. */
struct metric {
	const char *name;
	const char *type; /* "counter" or "gauge" */
	const char *help;
	const char *labels; /* 'key="value"', or NULL */
	uint64_t value;
};

void http_server_set_dhcp(struct http_server *srv, struct dhcp_server *dhcp)
{
	srv->dhcp = dhcp;
}

void http_server_set_dns(struct http_server *srv, struct dns_server *dns)
{
	srv->dns = dns;
}

void http_server_set_tftp(struct http_server *srv, struct tftp_server *tftp)
{
	srv->tftp = tftp;
}

/*
 * Appends one sample, after HELP and TYPE lines unless the previous sample
 * had the same name; false when buf is full.
 */
static bool append_metric(char *buf, size_t size, size_t *len, const struct metric *m,
                          const struct metric *prev)
{
	int n = 0;

	if (prev == NULL || strcmp(prev->name, m->name) != 0)
		n = snprintf(buf + *len, size - *len, "# HELP %s %s\n# TYPE %s %s\n", m->name,
		             m->help, m->name, m->type);
	if (n < 0 || (size_t)n >= size - *len)
		return false;
	*len += (size_t)n;
	n = snprintf(buf + *len, size - *len, "%s%s%s%s %llu\n", m->name, m->labels ? "{" : "",
	             m->labels ? m->labels : "", m->labels ? "}" : "",
	             (unsigned long long)m->value);
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
	metrics[n++] =       \
	        (struct metric){ "rackd_dhcp_" #field "_total", "counter", text, NULL, s.field }

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
		                        "Entries in the DHCP lease table.", NULL, s.leases };
	return n;
}

/* Fills metrics with the DNS server's counters; returns how many. */
static size_t dns_metrics(struct dns_server *dns, struct metric *metrics)
{
	/* Indexed by RCODE; codes without a label are not sent by rackd. */
	static const char *const rcodes[DNS_STATS_RCODES] = {
		[0] = "rcode=\"NOERROR\"",  [1] = "rcode=\"FORMERR\"",  [2] = "rcode=\"SERVFAIL\"",
		[3] = "rcode=\"NXDOMAIN\"", [4] = "rcode=\"NOTIMP\"",   [5] = "rcode=\"REFUSED\"",
		[6] = "rcode=\"YXDOMAIN\"", [7] = "rcode=\"YXRRSET\"",  [8] = "rcode=\"NXRRSET\"",
		[9] = "rcode=\"NOTAUTH\"",  [10] = "rcode=\"NOTZONE\"", [16] = "rcode=\"BADVERS\"",
	};
	static const char queries_help[] = "DNS messages received, by transport.";
	static const char closed_help[] = "DNS TCP connections closed or refused to keep the "
	                                  "service available, by reason.";
	struct dns_stats s;
	size_t n = 0;

	dns_server_get_stats(dns, &s);
	metrics[n++] = (struct metric){ "rackd_dns_queries_total", "counter", queries_help,
		                        "transport=\"udp\"", s.udp_queries };
	metrics[n++] = (struct metric){ "rackd_dns_queries_total", "counter", queries_help,
		                        "transport=\"tcp\"", s.tcp_queries };
	metrics[n++] = (struct metric){ "rackd_dns_unanswered_total", "counter",
		                        "DNS messages dropped without a response (responses, "
		                        "messages shorter than a header).",
		                        NULL, s.unanswered };
	for (size_t i = 0; i < DNS_STATS_RCODES; i++)
		if (rcodes[i] != NULL)
			metrics[n++] = (struct metric){ "rackd_dns_responses_total", "counter",
				                        "DNS responses sent, by RCODE.", rcodes[i],
				                        s.rcodes[i] };
	metrics[n++] = (struct metric){ "rackd_dns_tcp_closed_total", "counter", closed_help,
		                        "reason=\"per_client_limit\"", s.tcp_per_client_rejected };
	metrics[n++] = (struct metric){ "rackd_dns_tcp_closed_total", "counter", closed_help,
		                        "reason=\"idle_evicted\"", s.tcp_idle_evicted };
	metrics[n++] = (struct metric){ "rackd_dns_tcp_closed_total", "counter", closed_help,
		                        "reason=\"output_stalled\"", s.tcp_output_stalled };
	metrics[n++] = (struct metric){ "rackd_dns_tcp_closed_total", "counter", closed_help,
		                        "reason=\"output_overflow\"", s.tcp_output_overflow };
	return n;
}

/* Fills metrics with the TFTP server's counters; returns how many. */
static size_t tftp_metrics(struct tftp_server *tftp, struct metric *metrics)
{
	static const char transfers_help[] = "TFTP transfers ended, by result.";
	struct tftp_stats s;
	size_t n = 0;

	tftp_server_get_stats(tftp, &s);
	metrics[n++] =
	        (struct metric){ "rackd_tftp_requests_total", "counter",
		                 "Well-formed TFTP read and write requests.", NULL, s.requests };
	metrics[n++] = (struct metric){ "rackd_tftp_transfers_total", "counter", transfers_help,
		                        "result=\"ok\"", s.transfers_ok };
	metrics[n++] = (struct metric){ "rackd_tftp_transfers_total", "counter", transfers_help,
		                        "result=\"failed\"", s.transfers_failed };
	metrics[n++] = (struct metric){ "rackd_tftp_malformed_total", "counter",
		                        "Bad TFTP requests and bad packets on transfer sockets.",
		                        NULL, s.malformed };
	metrics[n++] = (struct metric){ "rackd_tftp_rejected_total", "counter",
		                        "TFTP requests answered with an error: writes, files not "
		                        "found, access violations, server busy.",
		                        NULL, s.rejected };
	metrics[n++] = (struct metric){ "rackd_tftp_active_transfers", "gauge",
		                        "TFTP transfers in progress.", NULL, s.active };
	metrics[n++] = (struct metric){ "rackd_tftp_sent_bytes_total", "counter",
		                        "TFTP DATA payload bytes sent, retransmissions included.",
		                        NULL, s.bytes_sent };
	return n;
}

enum MHD_Result http_metrics(struct http_request *req)
{
	static const char enrol_help[] =
	        "Boot script requests of unknown MACs rejected, by reason: the per-client "
	        "enrolment rate, or [boot] max_new_machines machines in state new.";
	const struct http_server *srv = req->srv;
	struct metric metrics[METRICS_MAX];
	char text[METRICS_TEXT_MAX];
	size_t n = 0, len = 0;

	if (strcmp(req->method, "GET") != 0)
		return http_send_error(req, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed", NULL,
		                       "use GET on %s", req->path);
	metrics[n++] = (struct metric){ "rackd_dhcp_enabled", "gauge",
		                        "1 when the DHCP server runs.", NULL, srv->dhcp != NULL };
	if (srv->dhcp != NULL)
		n += dhcp_metrics(srv->dhcp, &metrics[n]);
	metrics[n++] = (struct metric){ "rackd_dns_enabled", "gauge", "1 when the DNS server runs.",
		                        NULL, srv->dns != NULL };
	if (srv->dns != NULL)
		n += dns_metrics(srv->dns, &metrics[n]);
	metrics[n++] = (struct metric){ "rackd_tftp_enabled", "gauge",
		                        "1 when the TFTP server runs.", NULL, srv->tftp != NULL };
	if (srv->tftp != NULL)
		n += tftp_metrics(srv->tftp, &metrics[n]);
	metrics[n++] = (struct metric){ "rackd_netboot_enrol_rejected_total", "counter", enrol_help,
		                        "reason=\"rate_limited\"",
		                        atomic_load(&req->srv->enrol_rate_limited) };
	metrics[n++] = (struct metric){ "rackd_netboot_enrol_rejected_total", "counter", enrol_help,
		                        "reason=\"full\"", atomic_load(&req->srv->enrol_full) };
	text[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!append_metric(text, sizeof(text), &len, &metrics[i],
		                   i ? &metrics[i - 1] : NULL))
			return http_send_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
			                       NULL, "metrics exceed %u bytes", METRICS_TEXT_MAX);
	}
	return http_send_text(req, MHD_HTTP_OK, "text/plain; version=0.0.4", text);
}
