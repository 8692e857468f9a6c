/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-lifecycle -- routes of the machine lifecycle, BMC power, and what
 * the netboot environment, installers and deployed systems fetch: the
 * agent's task and progress, deploy images, cloud-init NoCloud data and
 * installer templates.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http-rest.h"

/* True when action is one of the machine sub-routes handled here. */
bool http_lifecycle_has_action(const char *action);

/* Dispatches /api/v1/machines/{id}/{action} (http-lifecycle.c); authenticates nothing itself. */
enum MHD_Result http_lifecycle_route(struct rest_request *rq, int64_t id, const char *action);

/* POST .../deploy (http-lifecycle.c). */
enum MHD_Result http_deploy_start(struct rest_request *rq, int64_t id);

/* GET|POST .../power and GET|PUT|DELETE .../bmc (http-power.c). */
enum MHD_Result http_power_route(struct rest_request *rq, int64_t id);
enum MHD_Result http_bmc_route(struct rest_request *rq, int64_t id);

/* The directory deploy images are served from. */
void http_image_dir(const struct config *cfg, char *buf, size_t size);

/*
 * True for the paths http_deploy_route() serves: /api/v1/agent/task,
 * /api/v1/agent/progress, /images/, /cloud-init/ and /install/.
 */
bool http_deploy_path(const char *path);

/* Serves those paths (http-deploy.c); each checks its own credential. */
enum MHD_Result http_deploy_route(struct http_request *req);
