/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sandbox -- the daemon's privilege drop and system call filter, applied
 * once every socket is bound. Does not log; callers log the outcome.
 */
#pragma once

#include <stddef.h>

/*
 * Gives data_dir and the store files in it to user, then switches every
 * thread to that user's uid and gid with no supplementary groups. As root
 * turns into an ordinary user, all capabilities go too. Returns 0,
 * -ENOENT (no such user) or -errno of the failed call; err names the call.
 */
int sandbox_drop_privileges(const char *user, const char *data_dir, char *err, size_t err_size);

/*
 * Installs a seccomp filter on every thread that kills the process on
 * system calls rackd never makes: program execution, tracing, mounts,
 * namespaces, kernel modules, reboot, BPF and keyrings. Returns 0 or
 * -errno.
 */
int sandbox_install_seccomp(void);
