/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-crud -- get, create, PATCH and delete of one object, the same way
 * for every resource: one write transaction holds the read of the current
 * object, the If-Match check, the write and the audit event, so a change
 * is atomic and its event always matches it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http-rest.h"

/* Answers the outcome r of a callback: its 4xx in *err, or 503. Aborts tx. */
static enum MHD_Result fail_tx(struct rest_request *rq, struct store_txn *tx, int r,
                               const struct rest_error *err, const char *what)
{
	enum MHD_Result ret;

	if (r == -EINVAL) {
		store_txn_abort(tx);
		return rest_send_error(rq, err);
	}
	/* Log the store's error text before the rollback replaces it. */
	ret = rest_store_failed(rq, r, what);
	store_txn_abort(tx);
	return ret;
}

enum MHD_Result rest_commit_change(struct rest_request *rq, struct store_txn *tx, const char *kind,
                                   const char *object, const json_t *before, json_t *after,
                                   unsigned status, int64_t version, const char *location)
{
	int r;

	r = rest_event(tx, rq, kind, object, before, after);
	if (r == 0)
		r = store_txn_commit(tx);
	else
		store_txn_abort(tx);
	if (r < 0) {
		json_decref(after);
		return rest_store_failed(rq, r, "recording the change");
	}
	rest_log_change(rq, kind, object);
	return rest_send(rq, status, after, version, location);
}

enum MHD_Result rest_crud_get(struct rest_request *rq, const struct rest_resource *res)
{
	struct store_txn *tx;
	enum MHD_Result ret;
	json_t *body;
	void *rec;
	int r;

	if (!rest_no_query(rq, &ret))
		return ret;
	rec = calloc(1, res->size);
	if (rec == NULL)
		return MHD_NO;
	r = store_txn_begin(rq->store, false, &tx);
	if (r < 0) {
		free(rec);
		return rest_store_failed(rq, r, "opening a read transaction");
	}
	r = res->get(tx, rq->id, rec);
	if (r < 0) {
		ret = r == -ENOENT ? rest_not_found(rq, res->name)
		                   : rest_store_failed(rq, r, "reading an object");
		store_txn_abort(tx);
		free(rec);
		return ret;
	}
	body = res->to_json(tx, rec);
	store_txn_abort(tx);
	ret = rest_send(rq, MHD_HTTP_OK, body, res->version(rec), NULL);
	free(rec);
	return ret;
}

enum MHD_Result rest_crud_create(struct rest_request *rq, const struct rest_resource *res)
{
	char object[STORE_NAME_MAX], location[96], kind[STORE_NAME_MAX];
	struct rest_error err = { 0 };
	struct store_txn *tx = NULL;
	enum MHD_Result ret;
	json_t *body;
	int64_t id;
	void *rec;
	int r;

	body = rest_body(rq, &ret);
	if (body == NULL)
		return ret;
	rec = calloc(1, res->size);
	if (rec == NULL) {
		json_decref(body);
		return MHD_NO;
	}
	if (res->init)
		res->init(rec);
	r = res->decode(body, true, rec, &err);
	json_decref(body);
	if (r < 0) {
		free(rec);
		return rest_send_error(rq, &err);
	}
	r = store_txn_begin(rq->store, true, &tx);
	if (r < 0) {
		free(rec);
		return rest_store_failed(rq, r, "opening a write transaction");
	}
	r = res->check ? res->check(tx, NULL, rec, &err) : 0;
	if (r == 0)
		r = res->insert(tx, rec, &id, &err);
	if (r == 0)
		r = res->get(tx, id, rec);
	if (r < 0) {
		ret = fail_tx(rq, tx, r, &err, "creating an object");
		free(rec);
		return ret;
	}
	(void)snprintf(object, sizeof(object), "%s/%" PRId64, res->name, id);
	(void)snprintf(kind, sizeof(kind), "%s.created", res->name);
	(void)snprintf(location, sizeof(location), "/api/v1/%s/%" PRId64, res->path, id);
	ret = rest_commit_change(rq, tx, kind, object, NULL, res->to_json(tx, rec),
	                         MHD_HTTP_CREATED, res->version(rec), location);
	free(rec);
	return ret;
}

/* Reads the current object in tx and checks If-Match; answers and aborts on failure. */
static bool load_current(struct rest_request *rq, const struct rest_resource *res,
                         struct store_txn *tx, int64_t expected, void *cur, enum MHD_Result *ret)
{
	char object[STORE_NAME_MAX];
	int r;

	r = res->get(tx, rq->id, cur);
	if (r < 0) {
		*ret = r == -ENOENT ? rest_not_found(rq, res->name)
		                    : rest_store_failed(rq, r, "reading an object");
		store_txn_abort(tx);
		return false;
	}
	if (expected != 0 && res->version(cur) != expected) {
		(void)snprintf(object, sizeof(object), "%s %" PRId64, res->name, rq->id);
		*ret = rest_precondition_failed(rq, object);
		store_txn_abort(tx);
		return false;
	}
	return true;
}

/* Applies the PATCH body onto rec, checks it and writes it; 0 or as the callbacks. */
static int apply_patch(struct store_txn *tx, const struct rest_resource *res, int64_t id,
                       json_t *body, const void *cur, void *rec, const json_t *before,
                       bool *ret_unchanged, struct rest_error *err)
{
	json_t *candidate;
	int r;

	memcpy(rec, cur, res->size);
	r = res->decode(body, false, rec, err);
	if (r == 0 && res->check)
		r = res->check(tx, cur, rec, err);
	if (r < 0)
		return r;
	/* A PATCH that changes nothing writes nothing: no new version, no event. */
	candidate = res->to_json(tx, rec);
	*ret_unchanged = candidate && json_equal(candidate, before);
	json_decref(candidate);
	if (*ret_unchanged)
		return 0;
	r = res->update(tx, rec, res->version(cur), err);
	if (r == 0)
		r = res->get(tx, id, rec);
	return r;
}

enum MHD_Result rest_crud_update(struct rest_request *rq, const struct rest_resource *res)
{
	char object[STORE_NAME_MAX], kind[STORE_NAME_MAX];
	struct rest_error err = { 0 };
	void *cur = NULL, *rec = NULL;
	json_t *body, *before = NULL;
	int64_t expected;
	struct store_txn *tx;
	enum MHD_Result ret;
	bool unchanged;
	int r;

	if (!rest_no_query(rq, &ret) || !rest_if_match(rq, &expected, &ret))
		return ret;
	body = rest_body(rq, &ret);
	if (body == NULL)
		return ret;
	cur = calloc(1, res->size);
	rec = calloc(1, res->size);
	r = cur && rec ? store_txn_begin(rq->store, true, &tx) : -ENOMEM;
	if (r < 0) {
		ret = r == -ENOMEM ? MHD_NO
		                   : rest_store_failed(rq, r, "opening a write transaction");
		goto out;
	}
	if (!load_current(rq, res, tx, expected, cur, &ret))
		goto out;
	before = res->to_json(tx, cur);
	r = apply_patch(tx, res, rq->id, body, cur, rec, before, &unchanged, &err);
	if (r < 0) {
		ret = fail_tx(rq, tx, r, &err, "updating an object");
		goto out;
	}
	if (unchanged) {
		store_txn_abort(tx);
		ret = rest_send(rq, MHD_HTTP_OK, before, res->version(cur), NULL);
		before = NULL;
		goto out;
	}
	(void)snprintf(object, sizeof(object), "%s/%" PRId64, res->name, rq->id);
	(void)snprintf(kind, sizeof(kind), "%s.updated", res->name);
	ret = rest_commit_change(rq, tx, kind, object, before, res->to_json(tx, rec), MHD_HTTP_OK,
	                         res->version(rec), NULL);
out:
	json_decref(before);
	json_decref(body);
	free(cur);
	free(rec);
	return ret;
}

enum MHD_Result rest_crud_delete(struct rest_request *rq, const struct rest_resource *res)
{
	char object[STORE_NAME_MAX], kind[STORE_NAME_MAX];
	struct rest_error err = { 0 };
	struct store_txn *tx;
	enum MHD_Result ret;
	int64_t expected;
	json_t *before;
	void *cur;
	int r;

	if (!rest_no_query(rq, &ret) || !rest_if_match(rq, &expected, &ret))
		return ret;
	cur = calloc(1, res->size);
	if (cur == NULL)
		return MHD_NO;
	r = store_txn_begin(rq->store, true, &tx);
	if (r < 0) {
		free(cur);
		return rest_store_failed(rq, r, "opening a write transaction");
	}
	if (!load_current(rq, res, tx, expected, cur, &ret)) {
		free(cur);
		return ret;
	}
	before = res->to_json(tx, cur);
	r = res->remove(tx, rq->id, res->version(cur), &err);
	if (r < 0) {
		json_decref(before);
		free(cur);
		return fail_tx(rq, tx, r, &err, "deleting an object");
	}
	(void)snprintf(object, sizeof(object), "%s/%" PRId64, res->name, rq->id);
	(void)snprintf(kind, sizeof(kind), "%s.deleted", res->name);
	ret = rest_commit_change(rq, tx, kind, object, before, NULL, MHD_HTTP_NO_CONTENT, 0, NULL);
	json_decref(before);
	free(cur);
	return ret;
}
