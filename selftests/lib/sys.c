// SPDX-License-Identifier: GPL-2.0
/*
 * Time, timeouts, module parameters, files, rlimits, and a test's child
 * process watched for a kernel oops.
 */
#define SO_NO_HARNESS

#include "sotest.h"

uint64_t so_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void so_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * A kernel slowed by its checks: SOCKOBJ_KERNEL=debug (KASAN and lockdep,
 * about 25x slower), or any kernel with lockdep (the 6.12 and 7.2 test
 * kernels; 7.2's PREEMPT_RT with lockdep took 364 s to connect the stress
 * test's 10,000 objects).
 */
int so_debug_kernel(void)
{
	static int cached = -1;
	const char *k;

	if (cached < 0) {
		k = getenv("SOCKOBJ_KERNEL");
		cached = (k && !strcmp(k, "debug")) ||
			 !access("/proc/lockdep_stats", F_OK);
	}
	return cached;
}

/* A timeout scaled for the kernel flavour (ms). */
int so_tmo(int ms)
{
	return so_debug_kernel() ? ms * 5 : ms;
}

int so_param_read(const char *name, long *val)
{
	char path[256], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SO_PARAM_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = 0;
	*val = strtol(buf, NULL, 0);
	return 0;
}

int so_param_write(const char *name, long val)
{
	char path[256], buf[64];
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), SO_PARAM_DIR "/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%ld\n", val);
	if (write(fd, buf, (size_t)len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

int so_no_options(int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "usage: %s (no options)\n", argv[0]);
		return 1;
	}
	return 0;
}

/* /proc/sys/kernel/tainted, or 0 */
unsigned long so_tainted(void)
{
	char buf[32];
	ssize_t n;
	int fd = open("/proc/sys/kernel/tainted", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtoul(buf, NULL, 10);
}

/*
 * Wait for child pid for up to timeout_s. A kernel oops leaves the tasks
 * of the test blocked for ever in the kernel (a mutex held by the task
 * that died): the test then fails at once instead of hanging the whole
 * run. Returns the wait status, or -1 (oops or timeout; the child is
 * SIGKILLed and left behind if it cannot die).
 */
int so_wait_child(pid_t pid, int timeout_s, const char *what)
{
	uint64_t end = so_now_ns() + (uint64_t)timeout_s * 1000000000ULL;
	unsigned long taint0 = so_tainted();
	int st = 0, i;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return st;
		if (r < 0 && errno != EINTR)
			return -1;
		if ((so_tainted() & ~taint0) & SO_TAINT_DIE) {
			fprintf(stderr, "# %s: the kernel oopsed (taint D): see "
				"the kernel log; giving up on the test\n", what);
			break;
		}
		if (so_now_ns() > end) {
			fprintf(stderr, "# %s: did not finish within %d s\n",
				what, timeout_s);
			break;
		}
		so_sleep_ms(100);
	}
	kill(pid, SIGKILL);
	for (i = 0; i < 30; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return -1;
		so_sleep_ms(100);
	}
	fprintf(stderr, "# %s: pid %d cannot even be killed: it is stuck in "
		"the kernel\n", what, (int)pid);
	return -1;
}

int so_raise_nofile(rlim_t want)
{
	struct rlimit rl = { want, want };

	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}

int so_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n, len = (ssize_t)strlen(val);

	if (fd < 0)
		return -errno;
	n = write(fd, val, (size_t)len);
	n = n == len ? 0 : (n < 0 ? -errno : -EIO);
	close(fd);
	return (int)n;
}

long so_read_long(const char *path, long dflt)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return dflt;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return dflt;
	buf[n] = 0;
	return strtol(buf, NULL, 0);
}

/* An ephemeral-looking port unlikely to collide, per process. */
__u16 so_port(int k)
{
	return (__u16)(20000 + ((getpid() * 16 + k) % 9000));
}

/* Open file descriptors of this process (to see that none leaked) */
int so_count_fds(void)
{
	int n = 0, fd;

	for (fd = 0; fd < 4096; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/*
 * Pass fd over the AF_UNIX socket sock (SCM_RIGHTS) with a 32-bit tag
 * (an object id, say) as the data. Returns 0 or -errno.
 */
int so_send_fd(int sock, int fd, __u32 tag)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &tag, sizeof(tag) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;

	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == (ssize_t)sizeof(tag) ? 0 : -errno;
}

/*
 * Receive what so_send_fd() sent: the fd (close-on-exec) or -errno, and
 * its tag in *tag when tag is not NULL.
 */
int so_recv_fd(int sock, __u32 *tag)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	__u32 t = 0;
	struct iovec iov = { &t, sizeof(t) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	ssize_t n;
	int fd;

	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(t))
		return -EPROTO;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if (tag)
		*tag = t;
	return fd;
}
