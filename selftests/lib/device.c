// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/sockobj, the ioctls (0 or -errno), struct sockobj_addr, and the
 * errno contract of every ioctl.
 */
#define SO_NO_HARNESS

#include "sotest.h"

int so_device_present(void)
{
	return access(SO_DEV_PATH, F_OK) == 0;
}

int so_open(int extra_flags)
{
	return open(SO_DEV_PATH, O_RDWR | O_CLOEXEC | extra_flags);
}

/*
 * Make node (a path in /tmp, unique to this process) a node of the device
 * that uid/gid 65534 may open, as a udev rule granting a group would: so
 * that an unprivileged process can be the opener of a file. 0 or -errno.
 */
int so_nobody_node(char *node, size_t len)
{
	struct stat st;

	if (stat(SO_DEV_PATH, &st))
		return -errno;
	snprintf(node, len, "/tmp/sockobj-nobody-%d", (int)getpid());
	unlink(node);
	if (mknod(node, S_IFCHR | 0600, st.st_rdev) ||
	    chown(node, 65534, 65534))
		return -errno;
	return 0;
}

/*
 * Skip the current test when the module is not loaded, and only then.
 * The 6.1 harness runs the test body even after SKIP() in a fixture setup,
 * so the forked test ends here with the harness's skip status
 * (SO_SKIP_STATUS: 255 up to v6.8, KSFT_SKIP since, see sotest.h).
 */
void so_skip_exit(void)
{
	fflush(NULL);
	_exit(SO_SKIP_STATUS);
}

/* ioctl returning 0 or -errno */
int so_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

int so_get_api(int fd, struct sockobj_api *api)
{
	memset(api, 0, sizeof(*api));
	return so_ioctl(fd, SOCKOBJ_IOC_GET_API, api);
}

int so_create(int fd, __u32 proto, __u64 cookie, __u32 *id)
{
	struct sockobj_create c = { .proto = proto, .cookie = cookie };
	int ret = so_ioctl(fd, SOCKOBJ_IOC_CREATE, &c);

	if (!ret && id)
		*id = c.id;
	return ret;
}

int so_op(int fd, unsigned long req, __u32 id, __u32 flags)
{
	struct sockobj_op op = { .id = id, .flags = flags };

	return so_ioctl(fd, req, &op);
}

int so_connect(int fd, __u32 id)
{
	return so_op(fd, SOCKOBJ_IOC_CONNECT, id, 0);
}

int so_disconnect(int fd, __u32 id)
{
	return so_op(fd, SOCKOBJ_IOC_DISCONNECT, id, 0);
}

int so_abort(int fd, __u32 id)
{
	return so_op(fd, SOCKOBJ_IOC_ABORT, id, 0);
}

int so_destroy(int fd, __u32 id, __u32 flags)
{
	return so_op(fd, SOCKOBJ_IOC_DESTROY, id, flags);
}

int so_get_info(int fd, __u32 id, struct sockobj_info *info)
{
	memset(info, 0, sizeof(*info));
	info->id = id;
	return so_ioctl(fd, SOCKOBJ_IOC_GET_INFO, info);
}

int so_get_config(int fd, __u32 id, struct sockobj_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->id = id;
	return so_ioctl(fd, SOCKOBJ_IOC_GET_CONFIG, cfg);
}

int so_configure(int fd, struct sockobj_config *cfg)
{
	return so_ioctl(fd, SOCKOBJ_IOC_CONFIGURE, cfg);
}

/* SET_RETRY of r, with r->id set to id */
int so_set_retry(int fd, __u32 id, struct sockobj_retry *r)
{
	r->id = id;
	return so_ioctl(fd, SOCKOBJ_IOC_SET_RETRY, r);
}

int so_get_retry(int fd, __u32 id, struct sockobj_retry *r)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	return so_ioctl(fd, SOCKOBJ_IOC_GET_RETRY, r);
}

int so_io(int fd, unsigned long req, __u32 id, const void *buf,
	  size_t len, __u32 flags, struct sockobj_io *io)
{
	memset(io, 0, sizeof(*io));
	io->id = id;
	io->flags = flags;
	io->buf = (__u64)(uintptr_t)buf;
	io->len = len;
	return so_ioctl(fd, req, io);
}

/* SOCKOBJ_IOC_SEND: 0 with *done set, or -errno */
int so_io_send(int fd, __u32 id, const void *buf, size_t len,
	       size_t *done)
{
	struct sockobj_io io;
	int ret = so_io(fd, SOCKOBJ_IOC_SEND, id, buf, len, 0, &io);

	if (!ret && done)
		*done = (size_t)io.done;
	return ret;
}

/* SOCKOBJ_IOC_RECV: 0 with *done set, or -errno */
int so_io_recv(int fd, __u32 id, void *buf, size_t len,
	       size_t *done)
{
	struct sockobj_io io;
	int ret = so_io(fd, SOCKOBJ_IOC_RECV, id, buf, len, 0, &io);

	if (!ret && done)
		*done = (size_t)io.done;
	return ret;
}

/* HANDOFF returns a new fd: so_op() would take it for an error. */
int so_handoff(int fd, __u32 id, __u32 flags)
{
	struct sockobj_op op = { .id = id, .flags = flags };
	int ret = ioctl(fd, SOCKOBJ_IOC_HANDOFF, &op);

	return ret < 0 ? -errno : ret;
}

int so_family_of(const char *str)
{
	return strchr(str, ':') ? AF_INET6 : AF_INET;
}

/* "1.2.3.4" or "::1" and a host-order port; 0 or -EINVAL. */
int so_addr(struct sockobj_addr *a, const char *str, __u16 port)
{
	memset(a, 0, sizeof(*a));
	a->port = port;
	if (inet_pton(AF_INET, str, a->addr) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, str, a->addr) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

void so_addr_from_sockaddr(struct sockobj_addr *a,
			   const struct sockaddr_storage *ss)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		a->family = AF_INET;
		a->port = ntohs(in->sin_port);
		memcpy(a->addr, &in->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		a->family = AF_INET6;
		a->port = ntohs(in6->sin6_port);
		a->scope_id = in6->sin6_scope_id;
		memcpy(a->addr, &in6->sin6_addr, 16);
	}
}

socklen_t so_sockaddr(struct sockaddr_storage *ss,
		      const struct sockobj_addr *a)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *in = (void *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(a->port);
		memcpy(&in->sin_addr, a->addr, 4);
		return sizeof(*in);
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *in6 = (void *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(a->port);
		in6->sin6_scope_id = a->scope_id;
		memcpy(&in6->sin6_addr, a->addr, 16);
		return sizeof(*in6);
	}
	return 0;
}

const char *so_addr_str(const struct sockobj_addr *a,
			char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (a->family == AF_INET || a->family == AF_INET6)
		inet_ntop(a->family, a->addr, ip, sizeof(ip));
	snprintf(buf, len, "%s%s%s:%u%%%u (family %u)",
		 a->family == AF_INET6 ? "[" : "", ip,
		 a->family == AF_INET6 ? "]" : "", a->port, a->scope_id,
		 a->family);
	return buf;
}

int so_addr_eq(const struct sockobj_addr *x,
	       const struct sockobj_addr *y)
{
	return !memcmp(x, y, sizeof(*x));
}

/* Configure target (and nothing else); 0 or -errno */
int so_set_target(int fd, __u32 id, const char *ip, __u16 port)
{
	struct sockobj_config cfg = { .id = id, .mask = SOCKOBJ_CFG_TARGET };

	if (so_addr(&cfg.target, ip, port))
		return -EINVAL;
	return so_configure(fd, &cfg);
}

/* Create a TCP object with a target; 0 or -errno */
int so_new(int fd, __u64 cookie, const char *ip, __u16 port,
	   __u32 *id)
{
	int ret = so_create(fd, SOCKOBJ_PROTO_TCP, cookie, id);

	return ret ? ret : so_set_target(fd, *id, ip, port);
}

/* getsockopt() of an int option: its value, or INT_MIN on error */
int so_getint(int sfd, int level, int name)
{
	int v = 0;
	socklen_t l = sizeof(v);

	return getsockopt(sfd, level, name, &v, &l) ? INT32_MIN : v;
}

/*
 * The errno contract: the errors each ioctl may return, from the doc block
 * of uapi/linux/sockobj.h, plus the rules of its preamble that apply to
 * every ioctl: EFAULT for a bad pointer. Lists end with 0.
 */
const int so_errs_get_api[] = { EINVAL, EFAULT, 0 };
const int so_errs_create[] = {
	EINVAL, EPROTONOSUPPORT, EMFILE, EDQUOT, ENOMEM, EFAULT, 0 };
const int so_errs_configure[] = {
	ENOENT, EISCONN, EINVAL, ENODEV, EFAULT, 0 };
const int so_errs_get_config[] = { ENOENT, EINVAL, EFAULT, 0 };
/*
 * CONNECT: its own list plus "another errno of socket(2)/bind(2)" (and of
 * the setsockopt(2) calls it makes as the caller): socket(2) EAFNOSUPPORT,
 * EPROTONOSUPPORT, EMFILE, ENFILE; network outcomes (ENETUNREACH,
 * ECONNREFUSED...) are events, never a return value.
 */
const int so_errs_connect[] = {
	ENOENT, EISCONN, EDESTADDRREQ, EBUSY, EINVAL, EACCES, EADDRINUSE,
	EADDRNOTAVAIL, EPERM, ENODEV, ENOMEM, ENOBUFS, EAFNOSUPPORT,
	EPROTONOSUPPORT, EMFILE, ENFILE, EFAULT, 0 };
const int so_errs_disconnect[] = {
	ENOENT, ENOTCONN, EALREADY, EINVAL, EFAULT, 0 };
const int so_errs_abort[] = { ENOENT, ENOTCONN, EINVAL, EFAULT, 0 };
const int so_errs_destroy[] = { ENOENT, EINVAL, EFAULT, 0 };
const int so_errs_get_info[] = { ENOENT, EINVAL, EFAULT, 0 };
const int so_errs_set_retry[] = { ENOENT, EISCONN, EINVAL, EFAULT, 0 };
const int so_errs_listen[] = {
	ENOENT, EINVAL, EOPNOTSUPP, EISCONN, EDESTADDRREQ, EBUSY, EACCES,
	EADDRINUSE, EADDRNOTAVAIL, ENODEV, ENOMEM, ENOBUFS, EPERM, EMFILE,
	ENFILE, EFAULT, 0 };
const int so_errs_get_retry[] = { ENOENT, EINVAL, EFAULT, 0 };
/*
 * SEND: its list plus "the socket's error": what a non-blocking
 * sendmsg(2) on a TCP or UDP socket reports for a connection that broke or
 * a datagram the network refused.
 */
const int so_errs_send[] = {
	ENOENT, EINVAL, EFAULT, ENOTCONN, EPIPE, EAGAIN, EMSGSIZE,
	ECONNRESET, ECONNREFUSED, ECONNABORTED, ETIMEDOUT, EHOSTUNREACH,
	EHOSTDOWN, ENETUNREACH, ENETDOWN, EACCES, EPERM, ENOMEM, ENOBUFS, 0 };
const int so_errs_recv[] = {
	ENOENT, EINVAL, EFAULT, ENOTCONN, EAGAIN, 0 };
const int so_errs_handoff[] = {
	ENOENT, EINVAL, ENOTCONN, EBUSY, EMFILE, ENFILE, ENOMEM, EFAULT, 0 };
const int so_errs_batch[] = { EINVAL, EFAULT, 0 };
const int so_errs_read[] = { EINVAL, EAGAIN, EINTR, EFAULT, 0 };
const int so_errs_ring_setup[] = { EINVAL, EBUSY, ENOMEM, EFAULT, 0 };
const int so_errs_unknown[] = { ENOTTY, 0 };

int so_err_allowed(const int *list, int err)
{
	for (; *list; list++)
		if (*list == err)
			return 1;
	return 0;
}
