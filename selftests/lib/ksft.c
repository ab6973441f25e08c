// SPDX-License-Identifier: GPL-2.0
/*
 * What a program owes the kselftest runner (run_kselftest.sh), called from
 * the constructor every test program gets from sotest.h:
 *
 *  - so_ksft_missing(): why the program cannot run here (not root, a
 *    kernel option of ./config missing, ip(8) or nft(8) missing, the
 *    module not loaded), so that it skips as a whole with KSFT_SKIP and
 *    that reason instead of failing or passing vacuously;
 *  - so_ksft_reaper(): no process of the program outlives it. The runner
 *    reads the program's output through a pipe until every writer has
 *    closed it, and the harness puts each test in a process group of its
 *    own: a test's leftover process, or the test itself when the runner's
 *    timeout (./settings) ends the program with SIGTERM, would keep the
 *    runner waiting and disturb the programs after it.
 */
#define SO_NO_HARNESS

#include "sotest.h"

#include <limits.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

/* ---------------------------------------------------------------------- */
/* Preconditions                                                          */
/* ---------------------------------------------------------------------- */

/*
 * The running kernel's configuration, read whole (NUL-terminated, to
 * free()) from the file vm-run names (SOCKOBJ_KERNEL_CONFIG: its kernels
 * have no /proc/config.gz), else /proc/config.gz, else Debian's
 * /boot/config-<release>. NULL when none is readable.
 */
static char *kernel_config(char *what, size_t len)
{
	const char *env = getenv("SOCKOBJ_KERNEL_CONFIG");
	size_t size = 0, cap = 0;
	char *buf = NULL, *nbuf;
	struct utsname u;
	int piped = 0;
	FILE *f;

	if (env && *env) {
		snprintf(what, len, "%s", env);
		f = fopen(env, "re");
	} else if (access("/proc/config.gz", R_OK) == 0) {
		snprintf(what, len, "/proc/config.gz");
		/* stdout is shared with gzip */
		fflush(stdout);
		f = popen("gzip -dc /proc/config.gz 2>/dev/null", "re");
		piped = 1;
	} else {
		if (uname(&u))
			return NULL;
		snprintf(what, len, "/boot/config-%s", u.release);
		f = fopen(what, "re");
	}
	if (!f)
		return NULL;
	for (;;) {
		if (cap - size < 4096) {
			cap = cap ? cap * 2 : 65536;
			nbuf = realloc(buf, cap + 2);
			if (!nbuf)
				break;
			buf = nbuf;
			if (!size)
				buf[size++] = '\n';	/* every option follows a \n */
		}
		if (!fgets(buf + size, (int)(cap - size), f))
			break;
		size += strlen(buf + size);
	}
	if (piped)
		pclose(f);
	else
		fclose(f);
	if (buf)
		buf[size] = 0;
	if (size <= 1) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int option_set(const char *config, const char *opt)
{
	char y[160], m[160];

	snprintf(y, sizeof(y), "\n%s=y\n", opt);
	snprintf(m, sizeof(m), "\n%s=m\n", opt);
	return strstr(config, y) || strstr(config, m);
}

/*
 * The options ./config (next to the program) asks for, up to its
 * "# Optional" line: those every test of the program needs (the optional
 * ones are checked by the tests that use them). Each must be y or m in
 * the running kernel. 0, or 1 with the reason in why.
 */
static int config_missing(char *why, size_t len)
{
	char exe[PATH_MAX], path[PATH_MAX + 8], what[PATH_MAX + 16];
	char line[128], *slash, *eq, *have;
	int missing = 0;
	FILE *want;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return 0;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	snprintf(path, sizeof(path), "%s/config", exe);
	want = fopen(path, "re");
	if (!want) {
		printf("# %s: %s; kernel options not checked\n", path,
		       strerror(errno));
		return 0;
	}
	have = kernel_config(what, sizeof(what));
	if (!have) {
		printf("# the kernel's configuration is not readable (%s, "
		       "/proc/config.gz); the options of %s are not checked\n",
		       what, path);
		fclose(want);
		return 0;
	}
	while (!missing && fgets(line, sizeof(line), want)) {
		if (!strncmp(line, "# Optional", 10))
			break;
		eq = strchr(line, '=');
		if (strncmp(line, "CONFIG_", 7) || !eq)
			continue;
		*eq = 0;
		if (!option_set(have, line)) {
			snprintf(why, len, "%s is not set in this kernel (%s); "
				 "the options the tests need are in %s",
				 line, what, path);
			missing = 1;
		}
	}
	fclose(want);
	free(have);
	return missing;
}

static int in_path(const char *prog)
{
	const char *p = getenv("PATH");
	char dir[PATH_MAX];

	if (!p || !*p)
		p = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	while (*p) {
		size_t n = strcspn(p, ":");

		snprintf(dir, sizeof(dir), "%.*s/%s", (int)n, p, prog);
		if (n && access(dir, X_OK) == 0)
			return 1;
		p += n + (p[n] == ':');
	}
	return 0;
}

int so_ksft_missing(char *why, size_t len)
{
	static const char * const tools[] = { "ip", "nft" };
	size_t i;

	if (geteuid() != 0) {
		snprintf(why, len, "needs root (network namespaces, "
			 "/dev/sockobj, the module's parameters)");
		return 1;
	}
	if (config_missing(why, len))
		return 1;
	for (i = 0; i < ARRAY_SIZE(tools); i++) {
		if (!in_path(tools[i])) {
			snprintf(why, len, "%s(8) is not installed (iproute2, "
				 "nftables)", tools[i]);
			return 1;
		}
	}
	if (!so_device_present()) {
		snprintf(why, len, "%s is absent: the sockobj module is not "
			 "loaded (insmod sockobj.ko)", SO_DEV_PATH);
		return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* No process outlives the program                                        */
/* ---------------------------------------------------------------------- */

static pid_t reaper_pid;

struct so_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* The parent of process pid, or 0; only syscalls: a signal handler calls it. */
static pid_t ppid_of(const char *pid)
{
	char path[64] = "/proc/", buf[512], *p, *end = NULL;
	ssize_t n;
	size_t i;
	int fd;

	i = strlen(path);
	while (*pid && i < sizeof(path) - 8)
		path[i++] = *pid++;
	memcpy(path + i, "/stat", 6);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* "pid (comm) state ppid ...": comm may hold spaces and ')' */
	for (p = buf; *p; p++)
		if (*p == ')')
			end = p;
	if (!end || end[1] != ' ' || !end[2] || end[3] != ' ')
		return 0;
	return (pid_t)strtol(end + 4, NULL, 10);
}

/*
 * SIGKILL each child of this process and its process group (a harness
 * test's group holds what it started). Orphans of the killed become
 * children of this process (a child subreaper), so callers repeat until
 * none is left. Returns the number of children found.
 */
static int kill_children(void)
{
	char buf[4096];
	long n, off;
	int fd, found = 0;

	fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n;) {
			struct so_dirent64 *d = (void *)(buf + off);
			pid_t pid;

			off += d->d_reclen;
			if (d->d_name[0] < '1' || d->d_name[0] > '9' ||
			    ppid_of(d->d_name) != reaper_pid)
				continue;
			pid = (pid_t)strtol(d->d_name, NULL, 10);
			found++;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
		}
	}
	close(fd);
	return found;
}

/*
 * Kill and reap every descendant, giving up after about 5 s (a process
 * stuck in the kernel does not die; the test kernel's hung-task check
 * reports that).
 */
static void kill_descendants(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 500; i++) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (!kill_children())
			return;
		nanosleep(&ts, NULL);
	}
}

/* At the program's end (a test child's exit() does nothing) */
void so_ksft_reap(void)
{
	if (getpid() == reaper_pid)
		kill_descendants();
}

/* The runner's timeout: the program's process group gets SIGTERM. */
static void reaper_sigterm(int sig)
{
	if (getpid() == reaper_pid)
		kill_descendants();
	signal(sig, SIG_DFL);
	raise(sig);
}

void so_ksft_reaper(void)
{
	reaper_pid = getpid();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	atexit(so_ksft_reap);
	signal(SIGTERM, reaper_sigterm);
}
