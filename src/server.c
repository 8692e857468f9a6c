/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server -- creates, starts and stops rackd's services around one store.
 */
#include "server.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/log.h"
#include "dhcp/dhcp-server.h"
#include "dns/dns-server.h"
#include "http/http.h"
#include "inventory/lifecycle-service.h"
#include "ra/ra.h"
#include "store/store.h"
#include "tftp/tftp-server.h"

struct server {
	const struct config *cfg;
	struct store *store;
	struct dhcp_server *dhcp;
	struct tftp_server *tftp;
	struct ra_sender *ra;
	struct http_server *http;
	struct dns_server *dns;
	struct lifecycle_service *lifecycle;
	long pruned; /* events deleted so far in the current pruning run */
};

/* Writes the [subnet NAME] sections into the store; they win over API edits of the same name. */
static int sync_config_subnets(struct server *srv)
{
	const struct config *cfg = srv->cfg;

	for (size_t i = 0; i < cfg->n_subnets; i++) {
		const struct config_subnet *cs = &cfg->subnets[i];
		int64_t id, conflict = 0;
		int r;

		r = store_subnet_upsert(srv->store, &cs->subnet, &id, &conflict);
		if (r == -EADDRINUSE) {
			log_error(
			        "rackd",
			        "subnet %s from the config overlaps subnet id %lld in the store: delete one of them",
			        cs->subnet.name, (long long)conflict);
			return r;
		}
		if (r == 0)
			r = store_range_replace(srv->store, id, cs->ranges, cs->n_ranges);
		if (r < 0) {
			log_error("rackd", "subnet %s from the config could not be stored: %s",
			          cs->subnet.name, store_last_error(srv->store));
			return r;
		}
	}
	return 0;
}

static int open_store(struct server *srv)
{
	char path[CONFIG_PATH_MAX + 16];
	int r;

	if (mkdir(srv->cfg->data_dir, 0750) < 0 && errno != EEXIST) {
		r = -errno;
		log_error("rackd", "mkdir(%s) failed: %s", srv->cfg->data_dir, strerror(errno));
		return r;
	}
	(void)snprintf(path, sizeof(path), "%s/rackd.db", srv->cfg->data_dir);
	r = store_open(path, &srv->store);
	if (r < 0) {
		log_error("rackd", "store %s could not be opened: %s", path, strerror(-r));
		return r;
	}
	log_notice("rackd", "store %s opened", path);
	return 0;
}

static int create_services(struct server *srv)
{
	const struct config *cfg = srv->cfg;
	int r;

	r = http_server_new(cfg, srv->store, &srv->http);
	if (r < 0) {
		log_error("rackd", "boot_dir %s cannot be opened: %s", cfg->boot_dir, strerror(-r));
		return r;
	}
	r = lifecycle_service_new(cfg, srv->store, &srv->lifecycle);
	if (r < 0)
		return r;
	http_server_set_lifecycle(srv->http, srv->lifecycle);
	if (cfg->dhcp_enabled) {
		r = dhcp_server_new(cfg, srv->store, &srv->dhcp);
		if (r < 0) {
			log_error("rackd", "dhcp server setup failed: %s", strerror(-r));
			return r;
		}
		http_server_set_dhcp(srv->http, srv->dhcp);
	}
	if (cfg->tftp_enabled) {
		r = tftp_server_new(cfg, &srv->tftp);
		if (r < 0) {
			log_error("rackd", "tftp server setup failed: %s", strerror(-r));
			return r;
		}
		http_server_set_tftp(srv->http, srv->tftp);
	}
	if (cfg->dns_enabled) {
		r = dns_server_new(cfg, srv->store, &srv->dns);
		if (r < 0) {
			log_error("rackd", "dns server setup failed: %s", strerror(-r));
			return r;
		}
		http_server_set_dns(srv->http, srv->dns);
	}
	if (cfg->ra_enabled) {
		r = ra_sender_new(cfg, &srv->ra);
		if (r < 0) {
			log_error("rackd", "router advertisement setup failed: %s", strerror(-r));
			return r;
		}
	}
	return 0;
}

int server_new(const struct config *cfg, struct server **ret_server)
{
	struct server *srv;
	int r;

	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return -ENOMEM;
	srv->cfg = cfg;
	/*
	 * Keep up to 64 MiB of freed heap per arena: by default glibc hands the
	 * top of a thread's heap back after each SQLite write transaction and
	 * faults it in again on the next, which took about 40 % of the DHCP
	 * thread's CPU time at 6,000 leases per second (bench/dhcp).
	 */
	(void)mallopt(M_TRIM_THRESHOLD, 64 << 20);
	r = open_store(srv);
	if (r == 0)
		r = sync_config_subnets(srv);
	if (r == 0)
		r = create_services(srv);
	if (r < 0) {
		server_free(srv);
		return r;
	}
	*ret_server = srv;
	return 0;
}

int server_start(struct server *srv)
{
	int r;

	r = lifecycle_service_start(srv->lifecycle);
	if (r == 0)
		r = http_server_start(srv->http);
	if (r == 0 && srv->tftp)
		r = tftp_server_start(srv->tftp);
	if (r == 0 && srv->ra)
		r = ra_sender_start(srv->ra);
	if (r == 0 && srv->dns)
		r = dns_server_start(srv->dns);
	if (r == 0 && srv->dhcp)
		r = dhcp_server_start(srv->dhcp);
	if (r < 0)
		server_stop(srv);
	return r;
}

/*
 * Events deleted per store transaction, the pause between two transactions
 * while a backlog lasts, and the pause once it is gone (milliseconds).
 */
#define PRUNE_BATCH              1000
#define PRUNE_PAUSE_MS           20u
#define HOUSEKEEPING_INTERVAL_MS 3600000u

unsigned server_housekeeping(struct server *srv)
{
	uint32_t days = srv->cfg->event_retention_days;
	int64_t cutoff;
	int r;

	if (days == 0)
		return HOUSEKEEPING_INTERVAL_MS;
	cutoff = (int64_t)time(NULL) - (int64_t)days * 86400;
	r = store_event_prune(srv->store, cutoff, PRUNE_BATCH);
	if (r < 0) {
		log_error("rackd", "audit log pruning failed: %s", store_last_error(srv->store));
		srv->pruned = 0;
		return HOUSEKEEPING_INTERVAL_MS;
	}
	srv->pruned += r;
	/*
	 * One transaction per call, because the store's mutex is not fair: without a
	 * pause the main thread takes it back before a waiting request thread wakes.
	 */
	if (r == PRUNE_BATCH)
		return PRUNE_PAUSE_MS;
	if (srv->pruned > 0)
		log_notice("rackd", "audit log: %ld events older than %u days deleted", srv->pruned,
		           days);
	srv->pruned = 0;
	return HOUSEKEEPING_INTERVAL_MS;
}

void server_stop(struct server *srv)
{
	if (srv->dns)
		dns_server_stop(srv->dns);
	if (srv->dhcp)
		dhcp_server_stop(srv->dhcp);
	if (srv->ra)
		ra_sender_stop(srv->ra);
	if (srv->tftp)
		tftp_server_stop(srv->tftp);
	if (srv->http)
		http_server_stop(srv->http);
	if (srv->lifecycle)
		lifecycle_service_stop(srv->lifecycle);
}

void server_free(struct server *srv)
{
	if (srv == NULL)
		return;
	dhcp_server_free(srv->dhcp);
	ra_sender_free(srv->ra);
	tftp_server_free(srv->tftp);
	dns_server_free(srv->dns);
	http_server_free(srv->http);
	lifecycle_service_free(srv->lifecycle);
	store_free(srv->store);
	free(srv);
}
