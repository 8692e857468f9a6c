/* SPDX-License-Identifier: Apache-2.0 */
/*
 * replay -- runs a fuzz target over every file in the given files or
 * directories (recursively), so seed corpora and past crashers are
 * regression tests with any compiler. Exit status 0 when all inputs ran.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_INPUT_MAX (4u << 20)

static int run_file(const char *path, size_t *count)
{
	struct stat st;
	uint8_t *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		return -1;
	}
	if ((uint64_t)st.st_size > REPLAY_INPUT_MAX) {
		fprintf(stderr, "replay: %s is larger than %u bytes, skipped\n", path,
		        REPLAY_INPUT_MAX);
		(void)close(fd);
		return 0;
	}
	/* An exact-size heap copy lets ASan catch reads one past the input. */
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (buf == NULL) {
		(void)close(fd);
		return -1;
	}
	n = read(fd, buf, (size_t)st.st_size);
	(void)close(fd);
	if (n != st.st_size) {
		fprintf(stderr, "replay: short read on %s\n", path);
		free(buf);
		return -1;
	}
	(void)LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	(*count)++;
	return 0;
}

static int run_path(const char *path, size_t *count)
{
	struct stat st;
	struct dirent *de;
	DIR *dir;
	int r = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: cannot stat %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path, count);

	dir = opendir(path);
	if (dir == NULL)
		return -1;
	while ((de = readdir(dir)) != NULL) {
		char child[4096];

		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, de->d_name) >=
		    sizeof(child))
			continue;
		if (run_path(child, count) < 0)
			r = -1;
	}
	(void)closedir(dir);
	return r;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int r = 0;

	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], &count) < 0)
			r = 1;
	printf("replay: %zu inputs ran\n", count);
	if (count == 0) {
		fprintf(stderr, "replay: no inputs found\n");
		return 1;
	}
	return r;
}
