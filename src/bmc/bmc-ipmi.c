/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bmc-ipmi -- IPMI 2.0 over LAN (RMCP+, "lanplus") through libfreeipmi's
 * ipmi_ctx and chassis commands: Get Chassis Status, Chassis Control and
 * Set System Boot Options (boot flags, parameter 5).
 */
#include <errno.h>
#include <freeipmi/freeipmi.h>
#include <stdio.h>
#include <string.h>

#include "bmc/bmc-internal.h"

/*
 * Some BMCs (OpenIPMI's ipmi_sim 2.0.33 among them) reject the privilege
 * level that libfreeipmi names in the RMCP+ Open Session Request; the
 * "open session privilege" workaround asks for the highest level there and
 * sets the operator level afterwards, as ipmitool does. A login that fails
 * with "privilege level cannot be obtained" is retried once with it.
 */
#define IPMI_WORKAROUND_RETRY IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE

static int map_errnum(int errnum)
{
	switch (errnum) {
	case IPMI_ERR_USERNAME_INVALID:
	case IPMI_ERR_PASSWORD_INVALID:
	case IPMI_ERR_K_G_INVALID:
	case IPMI_ERR_PASSWORD_VERIFICATION_TIMEOUT:
		return -EACCES;
	case IPMI_ERR_PRIVILEGE_LEVEL_INSUFFICIENT:
	case IPMI_ERR_PRIVILEGE_LEVEL_CANNOT_BE_OBTAINED:
	case IPMI_ERR_AUTHENTICATION_TYPE_UNAVAILABLE:
	case IPMI_ERR_CIPHER_SUITE_ID_UNAVAILABLE:
	case IPMI_ERR_IPMI_2_0_UNAVAILABLE:
		return -EPERM;
	case IPMI_ERR_CONNECTION_TIMEOUT:
	case IPMI_ERR_SESSION_TIMEOUT:
	case IPMI_ERR_MESSAGE_TIMEOUT:
		return -ETIMEDOUT;
	case IPMI_ERR_BMC_BUSY:
		return -EBUSY;
	case IPMI_ERR_HOSTNAME_INVALID:
		return -EHOSTUNREACH;
	case IPMI_ERR_OUT_OF_MEMORY:
		return -ENOMEM;
	case IPMI_ERR_COMMAND_INVALID_OR_UNSUPPORTED:
		return -ENOTSUP;
	default:
		return -EPROTO;
	}
}

static int ctx_fail(ipmi_ctx_t ctx, const char *what, struct bmc_error *err)
{
	int errnum = ipmi_ctx_errnum(ctx);

	return bmc_fail(err, map_errnum(errnum), "IPMI %s failed: %s", what,
	                ipmi_ctx_errormsg(ctx));
}

static int open_with(ipmi_ctx_t ctx, const struct bmc_target *t, unsigned workarounds)
{
	unsigned timeout = t->timeout_ms < 100 ? 100 : t->timeout_ms;
	/* libfreeipmi resends a request after retransmission_timeout, within session_timeout. */
	unsigned retransmit = timeout / 4 < 100 ? 100 : timeout / 4;

	return ipmi_ctx_open_outofband_2_0(ctx, t->address, t->username, t->password, NULL, 0,
	                                   IPMI_PRIVILEGE_LEVEL_OPERATOR, t->cipher_suite, timeout,
	                                   retransmit, workarounds, IPMI_FLAGS_DEFAULT);
}

/* Opens an operator session to t; caller destroys *ret_ctx with close_session(). */
static int open_session(const struct bmc_target *t, ipmi_ctx_t *ret_ctx, struct bmc_error *err)
{
	ipmi_ctx_t ctx = ipmi_ctx_create();
	int r;

	if (ctx == NULL)
		return bmc_fail(err, -ENOMEM, "IPMI context allocation failed");
	if (open_with(ctx, t, 0) < 0) {
		if (ipmi_ctx_errnum(ctx) != IPMI_ERR_PRIVILEGE_LEVEL_CANNOT_BE_OBTAINED) {
			r = ctx_fail(ctx, "login", err);
			ipmi_ctx_destroy(ctx);
			return r;
		}
		if (open_with(ctx, t, IPMI_WORKAROUND_RETRY) < 0) {
			r = ctx_fail(ctx, "login", err);
			ipmi_ctx_destroy(ctx);
			return r;
		}
	}
	*ret_ctx = ctx;
	return 0;
}

static void close_session(ipmi_ctx_t ctx)
{
	(void)ipmi_ctx_close(ctx);
	ipmi_ctx_destroy(ctx);
}

static int read_power(ipmi_ctx_t ctx, enum bmc_power *ret_power, struct bmc_error *err)
{
	fiid_obj_t obj = fiid_obj_create(tmpl_cmd_get_chassis_status_rs);
	uint64_t on = 0;
	int r = 0;

	if (obj == NULL)
		return bmc_fail(err, -ENOMEM, "IPMI response allocation failed");
	if (ipmi_cmd_get_chassis_status(ctx, obj) < 0)
		r = ctx_fail(ctx, "Get Chassis Status", err);
	else if (fiid_obj_get(obj, "current_power_state.power_is_on", &on) < 0)
		r = bmc_fail(err, -EPROTO, "IPMI Get Chassis Status answer has no power state");
	fiid_obj_destroy(obj);
	if (r == 0)
		*ret_power = on ? BMC_POWER_ON : BMC_POWER_OFF;
	return r;
}

static int ipmi_status(const struct bmc_target *t, enum bmc_power *ret_power, struct bmc_error *err)
{
	ipmi_ctx_t ctx;
	int r;

	r = open_session(t, &ctx, err);
	if (r < 0)
		return r;
	r = read_power(ctx, ret_power, err);
	close_session(ctx);
	return r;
}

static int chassis_control(ipmi_ctx_t ctx, uint8_t control, struct bmc_error *err)
{
	fiid_obj_t obj = fiid_obj_create(tmpl_cmd_chassis_control_rs);
	int r = 0;

	if (obj == NULL)
		return bmc_fail(err, -ENOMEM, "IPMI response allocation failed");
	if (ipmi_cmd_chassis_control(ctx, control, obj) < 0)
		r = ctx_fail(ctx, "Chassis Control", err);
	fiid_obj_destroy(obj);
	return r;
}

static int ipmi_action(const struct bmc_target *t, enum bmc_action action, struct bmc_error *err)
{
	enum bmc_power power = BMC_POWER_UNKNOWN;
	uint8_t control;
	ipmi_ctx_t ctx;
	int r;

	r = open_session(t, &ctx, err);
	if (r < 0)
		return r;
	switch (action) {
	case BMC_ACTION_ON:
		control = IPMI_CHASSIS_CONTROL_POWER_UP;
		break;
	case BMC_ACTION_OFF:
		control = IPMI_CHASSIS_CONTROL_POWER_DOWN;
		break;
	case BMC_ACTION_SOFT_OFF:
		control = IPMI_CHASSIS_CONTROL_INITIATE_SOFT_SHUTDOWN;
		break;
	default:
		/* IPMI 2.0 §28.3: a power cycle of a machine that is off may do nothing. */
		r = read_power(ctx, &power, err);
		control = power == BMC_POWER_OFF ? IPMI_CHASSIS_CONTROL_POWER_UP
		                                 : IPMI_CHASSIS_CONTROL_POWER_CYCLE;
		break;
	}
	if (r == 0)
		r = chassis_control(ctx, control, err);
	close_session(ctx);
	return r;
}

static int ipmi_set_boot(const struct bmc_target *t, enum bmc_boot_device device, bool efi,
                         struct bmc_error *err)
{
	uint8_t dev = device == BMC_BOOT_PXE
	                      ? IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_BOOT_DEVICE_FORCE_PXE
	                      : IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_BOOT_DEVICE_FORCE_HARD_DRIVE;
	uint8_t type = efi ? IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_BOOT_TYPE_EFI
	                   : IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_BOOT_TYPE_PC_COMPATIBLE;
	fiid_obj_t obj;
	ipmi_ctx_t ctx;
	int r;

	r = open_session(t, &ctx, err);
	if (r < 0)
		return r;
	obj = fiid_obj_create(tmpl_cmd_set_system_boot_options_rs);
	if (obj == NULL) {
		close_session(ctx);
		return bmc_fail(err, -ENOMEM, "IPMI response allocation failed");
	}
	if (ipmi_cmd_set_system_boot_options_boot_flags(
	            ctx, IPMI_SYSTEM_BOOT_OPTIONS_PARAMETER_VALID_UNLOCKED, type,
	            IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_VALID_FOR_NEXT_BOOT,
	            IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_VALID, IPMI_SYSTEM_BOOT_OPTION_DISABLE,
	            IPMI_SYSTEM_BOOT_OPTION_DISABLE, dev, IPMI_SYSTEM_BOOT_OPTION_DISABLE,
	            IPMI_SYSTEM_BOOT_OPTION_DISABLE,
	            IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_CONSOLE_REDIRECTION_DEFAULT,
	            IPMI_SYSTEM_BOOT_OPTION_DISABLE, IPMI_SYSTEM_BOOT_OPTION_DISABLE,
	            IPMI_SYSTEM_BOOT_OPTION_DISABLE,
	            IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_FIRMWARE_BIOS_VERBOSITY_DEFAULT,
	            IPMI_SYSTEM_BOOT_OPTION_DISABLE, 0, 0, 0, obj) < 0) {
		r = ctx_fail(ctx, "Set System Boot Options", err);
		/* A BMC without boot flags answers "invalid data field" or "invalid command". */
		if (ipmi_ctx_errnum(ctx) == IPMI_ERR_BAD_COMPLETION_CODE ||
		    ipmi_ctx_errnum(ctx) == IPMI_ERR_COMMAND_INVALID_OR_UNSUPPORTED)
			r = err->code = -ENOTSUP;
	}
	fiid_obj_destroy(obj);
	close_session(ctx);
	return r;
}

const struct bmc_driver bmc_ipmi_driver = {
	.status = ipmi_status,
	.action = ipmi_action,
	.set_boot = ipmi_set_boot,
};
