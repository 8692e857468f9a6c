/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sandbox -- privilege drop (setgroups, setgid, setuid) and a libseccomp
 * deny list. It is a deny list, not an allow list, because libmicrohttpd,
 * SQLite and glibc choose their own system calls across versions. The
 * listed calls are ones an attacker needs and rackd never makes.
 */
#include "core/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * LeakSanitizer checks for leaks at exit from a helper that ptraces the
 * process, so sanitizer builds keep ptrace allowed and the process
 * dumpable after the privilege drop. Release builds do neither.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZED 1
#endif
#endif
#ifndef SANDBOX_SANITIZED
#define SANDBOX_SANITIZED 0
#endif

static int failed(char *err, size_t err_size, const char *call)
{
	int r = -errno;

	(void)snprintf(err, err_size, "%s failed: %s", call, strerror(errno));
	return r;
}

/* Changes the owner of data_dir and of the regular files directly inside it. */
static int chown_data_dir(const char *data_dir, uid_t uid, gid_t gid, char *err, size_t err_size)
{
	struct dirent *de;
	DIR *dir;
	int dfd;

	dfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return failed(err, err_size, "open(data_dir)");
	if (fchown(dfd, uid, gid) < 0) {
		int r = failed(err, err_size, "fchown(data_dir)");

		(void)close(dfd);
		return r;
	}
	dir = fdopendir(dfd);
	if (dir == NULL) {
		int r = failed(err, err_size, "fdopendir(data_dir)");

		(void)close(dfd);
		return r;
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		/* AT_SYMLINK_NOFOLLOW: a planted symlink must not hand out another file. */
		if (fchownat(dfd, de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
			int r = failed(err, err_size, "fchownat(data_dir entry)");

			(void)closedir(dir);
			return r;
		}
	}
	(void)closedir(dir);
	return 0;
}

int sandbox_drop_privileges(const char *user, const char *data_dir, char *err, size_t err_size)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	int r;

	r = getpwnam_r(user, &pw, buf, sizeof(buf), &found);
	if (r != 0 || found == NULL) {
		(void)snprintf(err, err_size,
		               "user \"%s\" not found: create it or change [server] user", user);
		return -ENOENT;
	}
	r = chown_data_dir(data_dir, pw.pw_uid, pw.pw_gid, err, err_size);
	if (r < 0)
		return r;
	/* glibc applies setgroups/setgid/setuid to every thread of the process. */
	if (setgroups(0, NULL) < 0)
		return failed(err, err_size, "setgroups()");
	if (setgid(pw.pw_gid) < 0)
		return failed(err, err_size, "setgid()");
	if (setuid(pw.pw_uid) < 0)
		return failed(err, err_size, "setuid()");
	/* A process that can become root again did not really drop root. */
	if (pw.pw_uid != 0 && setuid(0) == 0) {
		(void)snprintf(err, err_size, "setuid(0) succeeded after dropping to %s", user);
		return -EPERM;
	}
	if (SANDBOX_SANITIZED)
		(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return 0;
}

int sandbox_install_seccomp(void)
{
	static const int denied[] = {
		SCMP_SYS(execve),          SCMP_SYS(execveat),      SCMP_SYS(mount),
		SCMP_SYS(umount2),         SCMP_SYS(pivot_root),    SCMP_SYS(chroot),
		SCMP_SYS(setns),           SCMP_SYS(unshare),       SCMP_SYS(init_module),
		SCMP_SYS(finit_module),    SCMP_SYS(delete_module), SCMP_SYS(kexec_load),
		SCMP_SYS(kexec_file_load), SCMP_SYS(reboot),        SCMP_SYS(swapon),
		SCMP_SYS(swapoff),         SCMP_SYS(bpf),           SCMP_SYS(perf_event_open),
		SCMP_SYS(keyctl),          SCMP_SYS(add_key),       SCMP_SYS(request_key),
		SCMP_SYS(userfaultfd),     SCMP_SYS(personality),   SCMP_SYS(acct),
		SCMP_SYS(settimeofday),    SCMP_SYS(clock_settime), SCMP_SYS(open_by_handle_at),
	};
	scmp_filter_ctx ctx;
	int r;

	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (ctx == NULL)
		return -ENOMEM;
	/* TSYNC puts the filter on the service threads already running too. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (size_t i = 0; r == 0 && i < sizeof(denied) / sizeof(denied[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, denied[i], 0);
	if (r == 0 && !SANDBOX_SANITIZED)
		r = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(ptrace), 0);
	if (r == 0 && !SANDBOX_SANITIZED)
		r = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(process_vm_readv), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(process_vm_writev), 0);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}
