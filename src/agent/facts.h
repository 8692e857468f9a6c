/* SPDX-License-Identifier: Apache-2.0 */
/*
 * facts -- hardware facts of the machine rackd-agent runs on, read from
 * procfs and sysfs. Reads only; a missing file leaves its fact empty, because
 * a bare initramfs lacks many of them. No logging.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "agent/lldp.h"
#include "core/addr.h"

/* Caps on what one machine reports; entries past them are counted, not kept. */
#define FACTS_NICS_MAX  64
#define FACTS_DISKS_MAX 64
#define FACTS_PCI_MAX   256
#define FACTS_LLDP_MAX  64

#define FACTS_NAME_MAX  64  /* interface, block device or PCI slot name */
#define FACTS_TEXT_MAX  128 /* model, serial, vendor and DMI strings */

struct facts_nic {
	char name[FACTS_NAME_MAX];
	char mac[ADDR_MAC_STRLEN];
	char driver[FACTS_NAME_MAX]; /* "" when the interface has no bound driver */
	int64_t speed_mbps;          /* -1 when the kernel does not know */
	char operstate[16];          /* "up", "down", "unknown", ... */
};

struct facts_disk {
	char name[FACTS_NAME_MAX];
	uint64_t size_bytes;
	char vendor[FACTS_TEXT_MAX];
	char model[FACTS_TEXT_MAX];
	char serial[FACTS_TEXT_MAX];
	int rotational; /* 1, 0, or -1 when unknown */
	int removable;  /* 1, 0, or -1 when unknown */
};

struct facts_pci {
	char slot[FACTS_NAME_MAX]; /* "0000:00:03.0" */
	char vendor[8];            /* four hex digits, no 0x */
	char device[8];
	char class_code[8]; /* six hex digits */
	char driver[FACTS_NAME_MAX];
};

struct facts_dmi {
	char sys_vendor[FACTS_TEXT_MAX];
	char product_name[FACTS_TEXT_MAX];
	char product_serial[FACTS_TEXT_MAX];
	char product_uuid[FACTS_TEXT_MAX];
};

/* An LLDP neighbour and the interface its frame arrived on. */
struct facts_lldp {
	char interface[FACTS_NAME_MAX];
	struct lldp_neighbor neighbor;
};

struct facts {
	unsigned cpu_count;
	char cpu_model[FACTS_TEXT_MAX];
	uint64_t memory_bytes;
	char hostname[FACTS_NAME_MAX + 1];
	struct facts_dmi dmi;

	struct facts_nic nics[FACTS_NICS_MAX];
	size_t n_nics;
	size_t n_nics_dropped;
	struct facts_disk disks[FACTS_DISKS_MAX];
	size_t n_disks;
	size_t n_disks_dropped;
	struct facts_pci pci[FACTS_PCI_MAX];
	size_t n_pci;
	size_t n_pci_dropped;

	/* Filled by the LLDP listener, not by agent_facts_collect(). */
	struct facts_lldp lldp[FACTS_LLDP_MAX];
	size_t n_lldp;
	size_t n_lldp_dropped;
};

/*
 * Collects the facts below root ("" for the running system; tests pass a
 * directory holding proc/ and sys/ trees). Entries are sorted by name.
 * Caller frees *ret_facts with agent_facts_free(). Errors: -ENOMEM, or
 * -ENAMETOOLONG when root makes a path too long.
 */
int agent_facts_collect(const char *root, struct facts **ret_facts);

/* Accepts NULL. */
void agent_facts_free(struct facts *facts);

/*
 * Copies a sysfs value into buf: leading and trailing white space removed,
 * each byte outside printable ASCII replaced by '?', cut to fit buf. Used
 * for every string fact, so the report is valid UTF-8 whatever the firmware
 * wrote.
 */
void agent_facts_clean_text(const char *src, size_t len, char *buf, size_t size);
