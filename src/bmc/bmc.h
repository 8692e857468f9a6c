/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bmc -- one interface over the BMC drivers: IPMI 2.0 over LAN (lanplus,
 * libfreeipmi), Redfish (libcurl) and QEMU's QMP socket. Each call opens a
 * session, does one operation and closes it, within the target's timeout,
 * retrying timeouts and refused connections a bounded number of times. A
 * session limit (struct bmc_sessions) caps how many run at once.
 *
 * Calls are blocking and thread-safe; they return 0 or a negative errno
 * with a message in *err, and never log (the caller logs once, and must not
 * log the target's password).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BMC_ADDRESS_MAX  256
#define BMC_USER_MAX     64
#define BMC_PASSWORD_MAX 128
#define BMC_MESSAGE_MAX  256

enum bmc_type {
	BMC_TYPE_IPMI,
	BMC_TYPE_REDFISH,
	BMC_TYPE_QEMU,
};

enum bmc_power {
	BMC_POWER_UNKNOWN,
	BMC_POWER_ON,
	BMC_POWER_OFF,
};

enum bmc_action {
	BMC_ACTION_ON,
	BMC_ACTION_OFF,      /* hard: cut the power */
	BMC_ACTION_SOFT_OFF, /* ask the operating system to shut down (ACPI) */
	BMC_ACTION_CYCLE,    /* off then on; powers on a machine that is off */
};

enum bmc_boot_device {
	BMC_BOOT_PXE,
	BMC_BOOT_DISK,
};

/* BMC address and login. The password is clear text that the caller wipes after use. */
struct bmc_target {
	enum bmc_type type;
	char address[BMC_ADDRESS_MAX]; /* ipmi: host[:port]; redfish: https://host[:port]; qemu:
	                                  socket path */
	char username[BMC_USER_MAX];
	char password[BMC_PASSWORD_MAX];
	unsigned timeout_ms;  /* one attempt, at least 100 */
	unsigned retries;     /* extra attempts after a timeout or refused connection */
	uint8_t cipher_suite; /* IPMI cipher suite id (3: HMAC-SHA1, AES-128) */
	bool tls_verify;      /* Redfish: check the server certificate */
	bool redfish_session; /* Redfish: log in through SessionService, else basic auth */
	const char *qmp_dir;  /* QEMU: sockets must lie directly in this directory */
};

/* Why a call failed: the negative errno and a message naming the BMC's answer. */
struct bmc_error {
	int code;
	char message[BMC_MESSAGE_MAX];
};

/* Parses "ipmi", "redfish" or "qemu"; -EINVAL otherwise. */
int bmc_type_parse(const char *name, enum bmc_type *ret_type);
const char *bmc_type_name(enum bmc_type type);
const char *bmc_power_name(enum bmc_power power);

/* Parses "on", "off", "soft-off" or "cycle"; -EINVAL otherwise. */
int bmc_action_parse(const char *name, enum bmc_action *ret_action);
const char *bmc_action_name(enum bmc_action action);

/* Parses "pxe" or "disk"; -EINVAL otherwise. */
int bmc_boot_device_parse(const char *name, enum bmc_boot_device *ret_device);

/*
 * Checks the address of a target of its type: host[:port] for IPMI, an
 * http:// or https:// URL without credentials for Redfish, an absolute
 * socket path for QEMU. Returns 0 or -EINVAL with a message in err.
 */
int bmc_address_check(enum bmc_type type, const char *address, struct bmc_error *err);

/*
 * Reads the power state. Errors: -EACCES (login rejected), -ETIMEDOUT (no
 * answer), -ECONNREFUSED, -EHOSTUNREACH, -EPROTO (unexpected answer),
 * -EINVAL (bad address), -ENOMEM.
 */
int bmc_power_status(const struct bmc_target *t, enum bmc_power *ret_power, struct bmc_error *err);

/* Runs a power action; errors as bmc_power_status(). */
int bmc_power_action(const struct bmc_target *t, enum bmc_action action, struct bmc_error *err);

/*
 * Sets the device of the next boot only. efi picks the UEFI boot type where
 * the protocol has one. -ENOTSUP when the BMC does not support it; other
 * errors as bmc_power_status().
 */
int bmc_set_boot_device(const struct bmc_target *t, enum bmc_boot_device device, bool efi,
                        struct bmc_error *err);

/* Fills err and returns code (negative errno). */
int bmc_fail(struct bmc_error *err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* A cap on concurrent BMC sessions shared by all callers. */
struct bmc_sessions;

/* Caller frees with bmc_sessions_free(). -ENOMEM, or -EINVAL when max is 0. */
int bmc_sessions_new(unsigned max, struct bmc_sessions **ret);
void bmc_sessions_free(struct bmc_sessions *s);

/*
 * Takes a session slot, waiting at most wait_ms for one to free up.
 * Returns 0, or -EBUSY when every slot stayed taken. Release with
 * bmc_sessions_release().
 */
int bmc_sessions_acquire(struct bmc_sessions *s, unsigned wait_ms);
void bmc_sessions_release(struct bmc_sessions *s);

/* Number of sessions running now. */
unsigned bmc_sessions_active(struct bmc_sessions *s);
