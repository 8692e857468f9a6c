/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tftp-file -- confined opening of files below the TFTP root.
 */
#include "tftp/tftp-file.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tftp/tftp-wire.h"

#define FILE_OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

/* Skips leading slashes, so an absolute name is relative to the root as with tftpd -s. */
static const char *strip_root(const char *name)
{
	while (*name == '/')
		name++;
	return name;
}

/* True when a component of the '/'-separated path is exactly "..". */
static bool has_dotdot(const char *path)
{
	const char *p = path;

	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += n;
		while (*p == '/')
			p++;
	}
	return false;
}

/* Takes fd; returns it in *ret_fd when it is a regular file, else closes it. */
static int check_regular(int fd, int *ret_fd, uint64_t *ret_size)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		int r = -errno;

		(void)close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		(void)close(fd);
		return -EACCES;
	}
	*ret_fd = fd;
	*ret_size = (uint64_t)st.st_size;
	return 0;
}

/* Maps open errors for a confined lookup to the two the caller distinguishes. */
static int map_open_error(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
		return -ENOENT;
	case EXDEV: /* RESOLVE_BENEATH: the path leaves the root */
	case ELOOP: /* magic link, or a symlink under O_NOFOLLOW */
	case EISDIR:
	case EPERM:
	case EACCES:
	case ENXIO: /* a socket */
		return -EACCES;
	default:
		return -err;
	}
}

int tftp_file_open(int root_fd, const char *name, int *ret_fd, uint64_t *ret_size)
{
	struct open_how how = {
		.flags = FILE_OPEN_FLAGS,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	const char *rel = strip_root(name);
	long fd;

	if (*rel == '\0')
		return -ENOENT;
	if (has_dotdot(rel))
		return -EACCES;

	fd = syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		return tftp_file_open_walk(root_fd, name, ret_fd, ret_size);
	if (fd < 0)
		return map_open_error(errno);
	return check_regular((int)fd, ret_fd, ret_size);
}

/* Opens one component below dir_fd: a directory as O_PATH, or the final file. */
static int open_component(int dir_fd, const char *component, bool last)
{
	int flags = last ? FILE_OPEN_FLAGS : O_PATH | O_DIRECTORY | O_CLOEXEC;
	int fd = openat(dir_fd, component, flags | O_NOFOLLOW);
	struct stat st;
	int err;

	if (fd >= 0)
		return fd;
	err = errno;
	/* O_DIRECTORY | O_NOFOLLOW on a symlink fails with ENOTDIR: report it as a symlink. */
	if (err == ENOTDIR && fstatat(dir_fd, component, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		return -EACCES;
	return map_open_error(err);
}

int tftp_file_open_walk(int root_fd, const char *name, int *ret_fd, uint64_t *ret_size)
{
	char path[TFTP_FILENAME_MAX + 1];
	const char *rel = strip_root(name);
	char *p, *component;
	int dir_fd = root_fd;
	int fd = -1;
	size_t len = strlen(rel);

	if (len == 0)
		return -ENOENT;
	if (len >= sizeof(path))
		return -ENOENT;
	if (has_dotdot(rel))
		return -EACCES;
	memcpy(path, rel, len + 1);

	for (p = path; *p;) {
		size_t n = strcspn(p, "/");
		bool last;

		component = p;
		p += n;
		while (*p == '/')
			*p++ = '\0';
		if (strcmp(component, ".") == 0 && *p)
			continue;
		last = *p == '\0';
		fd = open_component(dir_fd, component, last);
		if (dir_fd != root_fd)
			(void)close(dir_fd);
		if (fd < 0)
			return fd;
		dir_fd = fd;
	}
	return check_regular(fd, ret_fd, ret_size);
}
