/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lldp-listen -- receives LLDP frames on every Ethernet interface that is up
 * (loopback excluded) through one AF_PACKET socket, and keeps a table of the
 * neighbours heard on each. After lldp_listen_announce() it also sends this
 * host's own frames on those interfaces, so the switches learn which port it
 * is on.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct facts;
struct lldp_listener;

/* Interfaces listened on; further ones are not listened on. */
#define LLDP_LISTEN_IFACES_MAX 64

/*
 * Opens the socket and joins the LLDP multicast group on each interface that
 * is up. Frames start queueing at once, so facts can be collected before
 * lldp_listen_run(). Caller frees *ret_listener with lldp_listen_free().
 * An interface whose multicast membership fails is left out. Errors:
 * -ENOMEM, or the negative errno of the failed socket() or if_nameindex()
 * (-EPERM without CAP_NET_RAW). Logs nothing.
 */
int lldp_listen_open(struct lldp_listener **ret_listener);

/*
 * Sends a frame on every interface listened on: chassis ID the interface's
 * MAC, port ID its name, system name and description as given, TTL 120 s.
 * lldp_listen_run() repeats it every 30 s while it waits. A failed send is
 * skipped and logged at debug level.
 */
void lldp_listen_announce(struct lldp_listener *listener, const char *system_name,
                          const char *system_description);

/* Number of frames sent so far. */
size_t lldp_listen_frames_sent(const struct lldp_listener *listener);

/* Number of interfaces listened on. */
size_t lldp_listen_interface_count(const struct lldp_listener *listener);

/*
 * Receives frames until every listened interface that has carrier has at
 * least one neighbour, or until deadline_ms (CLOCK_MONOTONIC milliseconds,
 * see log_now_ms()) passes. An interface without carrier is waited for
 * during the first 5 seconds after lldp_listen_open(), because its link may
 * still be coming up. Frames already queued are read even when the
 * deadline has passed. A frame that does not parse is counted and dropped.
 * Returns 0, or the negative errno of a failed poll() or recvfrom().
 */
int lldp_listen_run(struct lldp_listener *listener, uint64_t deadline_ms);

/* Number of frames dropped because they did not parse. */
size_t lldp_listen_bad_frames(const struct lldp_listener *listener);

/* Copies the neighbour table into facts->lldp, in the order the neighbours were first heard. */
void lldp_listen_export(const struct lldp_listener *listener, struct facts *facts);

/* Closes the socket; accepts NULL. */
void lldp_listen_free(struct lldp_listener *listener);
