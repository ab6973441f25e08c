// SPDX-License-Identifier: GPL-2.0
/*
 * sockobj selftest: what an unprivileged caller can and cannot do, and
 * network namespaces.
 *
 * "Unprivileged" is uid/gid 65534 with no capability, reached with
 * setresuid(), or root of a user namespace of its own (whose capabilities
 * do not reach the namespace the file was opened in). A file acts with
 * the credentials of its opener, whoever calls CONNECT: the unprivileged
 * side opens a node of the device made for uid 65534 (as a udev rule
 * would) after dropping privileges, and root's file, used by an
 * unprivileged process, keeps root's privileges. Checked:
 *  - /dev/sockobj is 0600 root:root when loaded by insmod; /proc/net/sockobj
 *    is root only and lists the objects of its network namespace only, with
 *    pids as the reader's pid namespace sees them; the module parameters are
 *    root-writable only;
 *  - CONNECT with a local port below ip_unprivileged_port_start fails with
 *    EACCES on an unprivileged opener's file (v4 and v6), the object stays
 *    CLOSED with no record; ports at and above it work; root's file may,
 *    also when an unprivileged process calls;
 *  - SO_PRIORITY above 6 fails with EPERM at CONNECT (CLOSED, no record);
 *    6 works; root's file may;
 *  - interface binding: in 6.1 the first SO_BINDTODEVICE of a socket needs
 *    no privilege and only changing an existing binding needs CAP_NET_RAW;
 *    every CONNECT creates a fresh socket, so a binding is never changed:
 *    the test checks that an unprivileged binding works and is in effect
 *    (and that rebinding an object to another interface for its next
 *    connection is a fresh binding, allowed);
 *  - SO_SNDBUF is capped by net.core.wmem_max as setsockopt(2) caps it;
 *  - the socket belongs to the file's opener, whoever called CONNECT
 *    (fstat of the handed-off socket);
 *  - max_objects (EMFILE) and max_user_objects (EDQUOT), counted against
 *    the opener's uid over all its files, also for an fd passed to root;
 *  - an fd passed with SCM_RIGHTS to a process in another network namespace
 *    keeps connecting in the opener's namespace;
 *  - a network namespace whose processes all left while a file opened in it
 *    still has objects (connecting, established, closing) is torn down
 *    cleanly when the file is closed: no crash, no leak (kmemleak, by
 *    tools/testing/vm-run), and the namespace itself is freed (its ucount drops
 *    back).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <linux/sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#include "sotest.h"

#define NOBODY		65534

/* Drop to uid/gid 65534, no capability, no supplementary group. */
static int drop_privileges(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -errno;
	prctl(PR_SET_DUMPABLE, 1);
	return 0;
}

/*
 * Run body in a child process as uid 65534 (ASSERT/EXPECT usable in it);
 * the test fails unless the child passed.
 */
#define AS_NOBODY(...) do {						\
	pid_t __pid;							\
	int __st = 0;							\
									\
	fflush(NULL);							\
	__pid = fork();							\
	ASSERT_LE(0, __pid);						\
	if (__pid == 0) {						\
		if (drop_privileges())					\
			_exit(99);					\
		__VA_ARGS__;						\
		fflush(NULL);						\
		_exit(SO_TEST_PASSING(_metadata) ? 0 : 1);		\
	}								\
	ASSERT_EQ(__pid, waitpid(__pid, &__st, 0));			\
	ASSERT_TRUE(WIFEXITED(__st) && WEXITSTATUS(__st) == 0)		\
		TH_LOG("unprivileged part failed (status 0x%x)", __st);	\
} while (0)

/* A CLOSED object with reason NONE, nothing pending, no record. */
static void expect_untouched(struct __test_metadata *_metadata, int fd,
			     __u32 id)
{
	struct sockobj_info info;

	ASSERT_EQ(0, so_get_info(fd, id, &info));
	EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), info.state);
	EXPECT_EQ(U32(SOCKOBJ_REASON_NONE), info.reason);
	EXPECT_EQ(0U, info.pending);
	EXPECT_EQ(0ULL, info.connect_ns);
	ASSERT_NO_EVENT(fd, id, so_tmo(200));
}

static __u32 new_obj(struct __test_metadata *_metadata, int fd, __u64 cookie,
		     const char *ip, __u16 port)
{
	__u32 id = 0;

	ASSERT_EQ(0, so_new(fd, cookie, ip, port, &id));
	return id;
}

static int configure_local(int fd, __u32 id, const char *ip, __u16 port)
{
	struct sockobj_config c = { .id = id, .mask = SOCKOBJ_CFG_LOCAL };

	so_addr(&c.local, ip, port);
	return so_configure(fd, &c);
}

static int configure_u32(int fd, __u32 id, __u64 bit, size_t off, __u32 v)
{
	struct sockobj_config c = { .id = id, .mask = bit };

	memcpy((char *)&c + off, &v, sizeof(v));
	return so_configure(fd, &c);
}

#define CFG(fd, id, BIT, field, v)					\
	configure_u32(fd, id, SOCKOBJ_CFG_##BIT,			\
		      offsetof(struct sockobj_config, field), v)

/* connect, and expect CONNECTING then ESTABLISHED */
static void connect_ok(struct __test_metadata *_metadata, int fd, __u32 id,
		       __u64 cookie)
{
	ASSERT_EQ(0, so_connect(fd, id));
	ASSERT_EVENTS(fd, id, cookie, so_tmo(5000), EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
}

/* mknod a node of /dev/sockobj owned by 65534 (as a udev rule would) */
static void nobody_node(struct __test_metadata *_metadata, char *node,
			size_t len)
{
	ASSERT_EQ(0, so_nobody_node(node, len));
}

/* In the unprivileged child: a file of its own, opened as 65534 */
static int nobody_file(struct __test_metadata *_metadata, const char *node)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd) TH_LOG("open %s: %s", node, strerror(errno));
	return fd;
}

FIXTURE(priv) {
	int fd;
	int lfd4, lfd6;
	__u16 port;
	long max_objects, max_user_objects;
	char node[64];
};

FIXTURE_SETUP(priv)
{
	self->fd = self->lfd4 = self->lfd6 = -1;
	self->node[0] = 0;
	SO_REQUIRE_DEVICE();
	ASSERT_EQ(0, so_param_read("max_objects", &self->max_objects));
	ASSERT_EQ(0, so_param_read("max_user_objects", &self->max_user_objects));
	ASSERT_EQ(0, so_netns_private());
	self->port = so_port(7);
	self->lfd4 = so_listen_in(NULL, "127.0.0.1", self->port, 128);
	self->lfd6 = so_listen_in(NULL, "::1", self->port, 128);
	ASSERT_LE(0, self->lfd4);
	ASSERT_LE(0, self->lfd6);
	self->fd = so_open(0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(priv)
{
	so_close(self->fd);
	if (self->lfd4 >= 0)
		close(self->lfd4);
	if (self->lfd6 >= 0)
		close(self->lfd6);
	if (self->max_objects)
		so_param_write("max_objects", self->max_objects);
	if (self->max_user_objects)
		so_param_write("max_user_objects", self->max_user_objects);
	if (self->node[0])
		unlink(self->node);
}

/* Is a udev rule (packaging/60-sockobj.rules) installed on this system? */
static int udev_rule_installed(void)
{
	static const char *const dirs[] = {
		"/etc/udev/rules.d", "/lib/udev/rules.d", "/usr/lib/udev/rules.d",
		"/usr/local/lib/udev/rules.d",
	};
	char p[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(p, sizeof(p), "%s/60-sockobj.rules", dirs[i]);
		if (!access(p, F_OK))
			return 1;
	}
	return 0;
}

TEST_F(priv, device_root_only)
{
	struct stat st;
	int fd;

	ASSERT_EQ(0, stat(SO_DEV_PATH, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	if ((st.st_mode & 07777) != 0600 || st.st_uid || st.st_gid) {
		if (udev_rule_installed() && !getenv("SOCKOBJ_VM"))
			SKIP(return, "mode %o uid %u gid %u: the udev rule of "
			     "packaging/ is installed", st.st_mode & 07777,
			     st.st_uid, st.st_gid);
	}
	EXPECT_EQ(0600, (int)(st.st_mode & 07777));
	EXPECT_EQ(0, (int)st.st_uid);
	EXPECT_EQ(0, (int)st.st_gid);
	ASSERT_EQ(0, stat("/proc/net/sockobj", &st));
	EXPECT_EQ(0400, (int)(st.st_mode & 07777));
	AS_NOBODY({
		fd = open(SO_DEV_PATH, O_RDWR);
		EXPECT_EQ(-1, fd);
		EXPECT_EQ(EACCES, errno);
		fd = open("/proc/net/sockobj", O_RDONLY);
		EXPECT_EQ(-1, fd);
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(-EACCES, so_param_write("max_objects", 1000000));
		EXPECT_EQ(-EACCES, so_param_write("max_user_objects", 1000000));
	});
}

TEST_F(priv, low_port_needs_privilege)
{
	int fd = self->fd;
	__u16 port = self->port;
	long start = so_read_long("/proc/sys/net/ipv4/ip_unprivileged_port_start",
				  1024);
	__u32 id;

	ASSERT_LT(80, start);
	/* root may */
	id = new_obj(_metadata, fd, 1, "127.0.0.1", port);
	ASSERT_EQ(0, configure_local(fd, id, "127.0.0.1", 80));
	connect_ok(_metadata, fd, id, 1);
	ASSERT_EQ(0, so_destroy(fd, id, SOCKOBJ_DESTROY_ABORT));

	nobody_node(_metadata, self->node, sizeof(self->node));
	AS_NOBODY({
		static const char *const ips[] = { "127.0.0.1", "::1" };
		static const __u16 low[] = { 1, 80, 443 };
		int nfd = nobody_file(_metadata, self->node);
		size_t i, j;
		__u32 oid;

		for (i = 0; i < ARRAY_SIZE(ips); i++)
			for (j = 0; j < ARRAY_SIZE(low); j++) {
				oid = new_obj(_metadata, nfd, 10 + j, ips[i], port);
				ASSERT_EQ(0, configure_local(nfd, oid, ips[i],
							     low[j]));
				EXPECT_EQ(-EACCES, so_connect(nfd, oid))
					TH_LOG("%s port %u", ips[i], low[j]);
				expect_untouched(_metadata, nfd, oid);
				/* the unspecified address too */
				ASSERT_EQ(0, configure_local(nfd, oid, i ? "::" :
							     "0.0.0.0", low[j]));
				EXPECT_EQ(-EACCES, so_connect(nfd, oid));
				expect_untouched(_metadata, nfd, oid);
				ASSERT_EQ(0, so_destroy(nfd, oid, 0));
			}
		/* at ip_unprivileged_port_start and with any port: fine */
		for (i = 0; i < ARRAY_SIZE(ips); i++) {
			oid = new_obj(_metadata, nfd, 20 + i, ips[i], port);
			ASSERT_EQ(0, configure_local(nfd, oid, ips[i],
						     (__u16)(start + 7 + i)));
			connect_ok(_metadata, nfd, oid, 20 + i);
			ASSERT_EQ(0, so_destroy(nfd, oid, SOCKOBJ_DESTROY_ABORT));
			oid = new_obj(_metadata, nfd, 30 + i, ips[i], port);
			ASSERT_EQ(0, configure_local(nfd, oid, ips[i], 0));
			connect_ok(_metadata, nfd, oid, 30 + i);
			ASSERT_EQ(0, so_destroy(nfd, oid, SOCKOBJ_DESTROY_ABORT));
		}
		/* root's file acts as root, whoever calls */
		oid = new_obj(_metadata, fd, 40, "::1", port);
		ASSERT_EQ(0, configure_local(fd, oid, "::1", 80));
		connect_ok(_metadata, fd, oid, 40);
		ASSERT_EQ(0, so_destroy(fd, oid, SOCKOBJ_DESTROY_ABORT));
	});
}

/*
 * LISTEN as listen(2) would: a low port needs the opener's
 * CAP_NET_BIND_SERVICE, whoever calls; root's file listens there for a
 * caller without it.
 */
TEST_F(priv, low_port_listen_needs_privilege)
{
	struct sockobj_listen l = { .inconmode = SOCKOBJ_INCON_ANY };
	struct sockobj_info info;
	int fd = self->fd;
	__u32 id;

	id = new_obj(_metadata, fd, 1, "127.0.0.1", self->port);
	ASSERT_EQ(0, configure_local(fd, id, "127.0.0.1", 81));
	nobody_node(_metadata, self->node, sizeof(self->node));
	AS_NOBODY({
		int nfd = nobody_file(_metadata, self->node);
		__u32 oid = new_obj(_metadata, nfd, 2, "127.0.0.1", self->port);

		ASSERT_EQ(0, configure_local(nfd, oid, "0.0.0.0", 80));
		l.id = oid;
		EXPECT_EQ(-EACCES, so_ioctl(nfd, SOCKOBJ_IOC_LISTEN, &l));
		expect_untouched(_metadata, nfd, oid);
		/* root's file, called by nobody */
		l.id = id;
		EXPECT_EQ(0, so_ioctl(fd, SOCKOBJ_IOC_LISTEN, &l));
	});
	ASSERT_EQ(0, so_get_info(fd, id, &info));
	EXPECT_EQ((__u32)SOCKOBJ_STATE_LISTENING, info.state);
	EXPECT_EQ(81, info.local.port);
}

TEST_F(priv, priority_above_6_needs_privilege)
{
	int fd = self->fd;
	__u16 port = self->port;
	__u32 id;

	id = new_obj(_metadata, fd, 1, "127.0.0.1", port);
	ASSERT_EQ(0, CFG(fd, id, PRIORITY, priority, 7));
	connect_ok(_metadata, fd, id, 1);		/* root may */
	ASSERT_EQ(0, so_destroy(fd, id, SOCKOBJ_DESTROY_ABORT));

	nobody_node(_metadata, self->node, sizeof(self->node));
	AS_NOBODY({
		static const __u32 prio[] = { 7, 8, 100, 0x7fffffff };
		int nfd = nobody_file(_metadata, self->node);
		size_t i;
		__u32 oid;

		for (i = 0; i < ARRAY_SIZE(prio); i++) {
			oid = new_obj(_metadata, nfd, 10 + i,
				      i % 2 ? "::1" : "127.0.0.1", port);
			ASSERT_EQ(0, CFG(nfd, oid, PRIORITY, priority, prio[i]));
			EXPECT_EQ(-EPERM, so_connect(nfd, oid))
				TH_LOG("priority %u", prio[i]);
			expect_untouched(_metadata, nfd, oid);
			ASSERT_EQ(0, so_destroy(nfd, oid, 0));
		}
		/* UDP objects too */
		ASSERT_EQ(0, so_create(nfd, SOCKOBJ_PROTO_UDP, 40, &oid));
		ASSERT_EQ(0, so_set_target(nfd, oid, "127.0.0.1", port));
		ASSERT_EQ(0, CFG(nfd, oid, PRIORITY, priority, 7));
		EXPECT_EQ(-EPERM, so_connect(nfd, oid));
		expect_untouched(_metadata, nfd, oid);
		ASSERT_EQ(0, so_destroy(nfd, oid, 0));

		oid = new_obj(_metadata, nfd, 50, "127.0.0.1", port);
		ASSERT_EQ(0, CFG(nfd, oid, PRIORITY, priority, 6));
		connect_ok(_metadata, nfd, oid, 50);
		ASSERT_EQ(0, so_destroy(nfd, oid, SOCKOBJ_DESTROY_ABORT));

		/*
		 * LISTEN too, up front: the options only meet a socket when
		 * a connection is accepted, later, in a worker
		 */
		oid = new_obj(_metadata, nfd, 45, "127.0.0.1", port);
		ASSERT_EQ(0, configure_local(nfd, oid, "127.0.0.1", 4999));
		ASSERT_EQ(0, CFG(nfd, oid, PRIORITY, priority, 7));
		{
			struct sockobj_listen l = {
				.id = oid, .inconmode = SOCKOBJ_INCON_ANY,
			};

			EXPECT_EQ(-EPERM, so_ioctl(nfd, SOCKOBJ_IOC_LISTEN, &l));
			expect_untouched(_metadata, nfd, oid);
			ASSERT_EQ(0, CFG(nfd, oid, PRIORITY, priority, 6));
			EXPECT_EQ(0, so_ioctl(nfd, SOCKOBJ_IOC_LISTEN, &l));
		}
		ASSERT_EQ(0, so_destroy(nfd, oid, 0));

		/* root's file acts as root, whoever calls */
		oid = new_obj(_metadata, fd, 60, "127.0.0.1", port);
		ASSERT_EQ(0, CFG(fd, oid, PRIORITY, priority, 7));
		connect_ok(_metadata, fd, oid, 60);
		ASSERT_EQ(0, so_destroy(fd, oid, SOCKOBJ_DESTROY_ABORT));
	});
}

/*
 * See the top of the file: binding needs no privilege for a fresh socket,
 * and each connect makes a fresh socket.
 */
TEST_F(priv, interface_binding_unprivileged)
{
	int lo = (int)if_nametoindex("lo"), dummy;
	__u16 port = self->port;

	ASSERT_EQ(0, so_dummy_add("pv0", "192.168.79.1", 24));
	dummy = (int)if_nametoindex("pv0");
	ASSERT_LT(0, dummy);
	nobody_node(_metadata, self->node, sizeof(self->node));
	AS_NOBODY({
		int fd = nobody_file(_metadata, self->node);
		struct sockobj_info info;
		struct sockobj_event ev;
		__u32 oid;
		int r;

		oid = new_obj(_metadata, fd, 1, "127.0.0.1", port);
		ASSERT_EQ(0, CFG(fd, oid, IFACE, ifindex, (__u32)lo));
		connect_ok(_metadata, fd, oid, 1);
		ASSERT_EQ(0, so_get_info(fd, oid, &info));
		EXPECT_EQ((__u32)lo, info.ifindex);
		ASSERT_EQ(0, so_abort(fd, oid));
		ASSERT_EVENTS(fd, oid, 1, so_tmo(2000),
			      EV_CLOSED(ESTABLISHED, ABORTED, 0));
		/* the next connection of the same object: another interface */
		ASSERT_EQ(0, CFG(fd, oid, IFACE, ifindex, (__u32)dummy));
		ASSERT_EQ(0, CFG(fd, oid, CONNECT_TIMEOUT, connect_timeout_ms,
				 300));
		ASSERT_EQ(0, so_connect(fd, oid));
		ASSERT_EQ(0, so_get_info(fd, oid, &info));
		EXPECT_EQ((__u32)dummy, info.ifindex);
		/* bound to pv0, 127.0.0.1 is not reachable: never ESTABLISHED */
		ASSERT_EVENTS(fd, oid, 1, so_tmo(3000), EV(CONNECTING, CLOSED));
		r = so_next_state_event(fd, oid, &ev, so_tmo(3000));
		ASSERT_EQ(1, r);
		EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), ev.state);
		EXPECT_NE(U32(SOCKOBJ_REASON_NONE), ev.reason);
		ASSERT_EQ(0, so_destroy(fd, oid, 0));
		/* by name */
		oid = new_obj(_metadata, fd, 2, "127.0.0.1", port);
		{
			struct sockobj_config c = { .id = oid,
						    .mask = SOCKOBJ_CFG_IFACE };

			strcpy(c.ifname, "lo");
			ASSERT_EQ(0, so_configure(fd, &c));
		}
		connect_ok(_metadata, fd, oid, 2);
		ASSERT_EQ(0, so_destroy(fd, oid, SOCKOBJ_DESTROY_ABORT));
	});
}

/* The uid that owns a handed-off socket, or -1 */
static int handed_off_uid(int fd, __u32 id)
{
	struct stat st;
	int s = so_handoff(fd, id, 0), uid = -1;

	if (s >= 0 && !fstat(s, &st))
		uid = (int)st.st_uid;
	if (s >= 0)
		close(s);
	return uid;
}

TEST_F(priv, sndbuf_capped_and_socket_owned_by_opener)
{
	int fd = self->fd;
	__u16 port = self->port;
	long wmem_max = so_read_long("/proc/sys/net/core/wmem_max", 212992);
	__u32 id;

	/* root's file: the socket is root's */
	id = new_obj(_metadata, fd, 1, "127.0.0.1", port);
	connect_ok(_metadata, fd, id, 1);
	EXPECT_EQ(0, handed_off_uid(fd, id));
	nobody_node(_metadata, self->node, sizeof(self->node));
	AS_NOBODY({
		int nfd = nobody_file(_metadata, self->node), s, v;
		socklen_t len = sizeof(v);
		__u32 oid = new_obj(_metadata, nfd, 2, "127.0.0.1", port);

		ASSERT_EQ(0, CFG(nfd, oid, SNDBUF, sndbuf, 64 << 20));
		connect_ok(_metadata, nfd, oid, 2);
		s = so_handoff(nfd, oid, 0);
		ASSERT_LE(0, s);
		ASSERT_EQ(0, getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &len));
		EXPECT_GE(2 * wmem_max, (long)v);
		close(s);
		oid = new_obj(_metadata, nfd, 3, "127.0.0.1", port);
		connect_ok(_metadata, nfd, oid, 3);
		EXPECT_EQ(NOBODY, handed_off_uid(nfd, oid));
		/* root's file connected by nobody: still root's socket */
		oid = new_obj(_metadata, fd, 4, "127.0.0.1", port);
		connect_ok(_metadata, fd, oid, 4);
		EXPECT_EQ(0, handed_off_uid(fd, oid));
	});
}

TEST_F(priv, max_objects_emfile)
{
	int fd = self->fd;

	ASSERT_EQ(0, so_param_write("max_objects", 3));
	AS_NOBODY({
		__u32 ids[4];
		struct sockobj_api api;
		int other = so_open(0);	/* EACCES: 0600 root */
		int i;

		EXPECT_GT(0, other);
		ASSERT_EQ(0, so_get_api(fd, &api));
		EXPECT_EQ(3U, api.max_objects);
		for (i = 0; i < 3; i++)
			ASSERT_EQ(0, so_create(fd, SOCKOBJ_PROTO_TCP, 1, &ids[i]));
		EXPECT_EQ(-EMFILE, so_create(fd, SOCKOBJ_PROTO_TCP, 1, &ids[3]));
		EXPECT_EQ(-EMFILE, so_create(fd, SOCKOBJ_PROTO_UDP, 1, &ids[3]));
		ASSERT_EQ(0, so_destroy(fd, ids[0], 0));
		EXPECT_EQ(0, so_create(fd, SOCKOBJ_PROTO_TCP, 1, &ids[0]));
		EXPECT_EQ(-EMFILE, so_create(fd, SOCKOBJ_PROTO_TCP, 1, &ids[3]));
	});
}

TEST_F(priv, max_user_objects_edquot)
{
	int sv[2], root_fd = self->fd;
	__u32 id;

	nobody_node(_metadata, self->node, sizeof(self->node));
	ASSERT_EQ(0, so_param_write("max_user_objects", 6));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	AS_NOBODY({
		int a = open(self->node, O_RDWR | O_CLOEXEC);
		int b = open(self->node, O_RDWR | O_CLOEXEC);
		__u32 ida[4], idb[4], x;
		int i;

		ASSERT_LE(0, a);
		ASSERT_LE(0, b);
		for (i = 0; i < 4; i++)
			ASSERT_EQ(0, so_create(a, SOCKOBJ_PROTO_TCP, 1, &ida[i]));
		for (i = 0; i < 2; i++)
			ASSERT_EQ(0, so_create(b, SOCKOBJ_PROTO_UDP, 1, &idb[i]));
		/* 6 over two files: the user's limit */
		EXPECT_EQ(-EDQUOT, so_create(a, SOCKOBJ_PROTO_TCP, 1, &x));
		EXPECT_EQ(-EDQUOT, so_create(b, SOCKOBJ_PROTO_TCP, 1, &x));
		/* root's own file is another user's */
		EXPECT_EQ(0, so_create(root_fd, SOCKOBJ_PROTO_TCP, 1, &x));
		ASSERT_EQ(0, so_destroy(a, ida[0], 0));
		EXPECT_EQ(0, so_create(b, SOCKOBJ_PROTO_TCP, 1, &idb[2]));
		EXPECT_EQ(-EDQUOT, so_create(b, SOCKOBJ_PROTO_TCP, 1, &x));
		/* closing a file gives its objects back */
		close(a);
		for (i = 0; i < 3; i++)
			EXPECT_EQ(0, so_create(b, SOCKOBJ_PROTO_TCP, 1, &x));
		EXPECT_EQ(-EDQUOT, so_create(b, SOCKOBJ_PROTO_TCP, 1, &x));
		/* the file counts against its opener, whoever uses it */
		ASSERT_EQ(0, so_send_fd(sv[1], b, 0));
		close(b);
	});
	{
		int b = so_recv_fd(sv[0], NULL);

		ASSERT_LE(0, b);
		EXPECT_EQ(-EDQUOT, so_create(b, SOCKOBJ_PROTO_TCP, 1, &id));
		EXPECT_EQ(0, so_create(root_fd, SOCKOBJ_PROTO_TCP, 1, &id));
		close(b);
	}
	close(sv[0]);
	close(sv[1]);
}

/* ---------------------------------------------------------------------- */
/* Network namespaces                                                     */
/* ---------------------------------------------------------------------- */

/*
 * The opener (root, namespace A, listener on P) passes its fd to a child
 * in namespace B (listener on Q, nothing on P). Through the passed fd, P
 * connects and Q is refused: the connections happen in A. The child's own
 * file (opened in B) does the opposite.
 */
TEST_F(priv, passed_fd_keeps_opener_namespace)
{
	__u16 p = self->port, q = (__u16)(self->port + 1);
	int sv[2], st = 0, srv;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd, lq;
		__u32 id;

		ASSERT_EQ(0, so_netns_private());
		lq = so_listen("127.0.0.1", q);
		ASSERT_LE(0, lq);
		fd = so_recv_fd(sv[1], NULL);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, drop_privileges());	/* and unprivileged */
		id = new_obj(_metadata, fd, 1, "127.0.0.1", p);
		connect_ok(_metadata, fd, id, 1);
		id = new_obj(_metadata, fd, 2, "127.0.0.1", q);
		ASSERT_EQ(0, so_connect(fd, id));
		ASSERT_EVENTS(fd, id, 2, so_tmo(5000), EV(CONNECTING, CLOSED),
			      EV_CLOSED(CONNECTING, REFUSED, ECONNREFUSED));
		so_close(fd);
		close(lq);
		fflush(NULL);
		_exit(SO_TEST_PASSING(_metadata) ? 0 : 1);
	}
	ASSERT_EQ(0, so_send_fd(sv[0], self->fd, 0));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("child status 0x%x", st);
	srv = so_accept(self->lfd4, so_tmo(2000));
	EXPECT_LE(0, srv) TH_LOG("the connection did not reach namespace A");
	if (srv >= 0)
		close(srv);

	/* the reverse: a file opened in B connects in B, even used from A */
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int lq, fd;

		ASSERT_EQ(0, so_netns_private());
		lq = so_listen("127.0.0.1", q);
		ASSERT_LE(0, lq);
		fd = so_open(0);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, so_send_fd(sv[1], fd, 0));
		/* keep B's listener until the parent is done */
		ASSERT_EQ(1, (int)read(sv[1], &st, 1));
		_exit(0);
	}
	{
		int fd = so_recv_fd(sv[0], NULL);
		__u32 id;

		ASSERT_LE(0, fd);
		id = new_obj(_metadata, fd, 3, "127.0.0.1", q);
		connect_ok(_metadata, fd, id, 3);
		id = new_obj(_metadata, fd, 4, "127.0.0.1", p);
		ASSERT_EQ(0, so_connect(fd, id));
		ASSERT_EVENTS(fd, id, 4, so_tmo(5000), EV(CONNECTING, CLOSED),
			      EV_CLOSED(CONNECTING, REFUSED, ECONNREFUSED));
		so_close(fd);
		ASSERT_EQ(1, (int)write(sv[0], "x", 1));
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	close(sv[0]);
	close(sv[1]);
}

/*
 * The number of network namespaces of uid 0 (in the initial user
 * namespace), measured through the max_net_namespaces ucount limit: with
 * limit L an unshare(CLONE_NEWNET) succeeds iff fewer than L exist.
 * Namespaces are freed asynchronously: wait until count <= want (or, with
 * want < 0, just measure). Returns the count, or -errno.
 */
static int try_unshare_netns(void)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) ? 1 : 0);
	if (waitpid(pid, &st, 0) != pid)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static long netns_count_at_most(long want, int timeout_ms, long limit_orig)
{
	char v[32];
	uint64_t deadline = so_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	long n = -1, l;
	int ok;

	if (want >= 0) {
		/* a namespace can be made under limit want + 1: count <= want */
		snprintf(v, sizeof(v), "%ld", want + 1);
		so_write_file("/proc/sys/user/max_net_namespaces", v);
		do {
			ok = try_unshare_netns();
			if (ok)
				break;
			so_sleep_ms(100);
		} while (so_now_ns() < deadline);
		n = ok == 1 ? want : -ETIMEDOUT;
		/* let the probe's own namespace go */
		so_sleep_ms(100);
	} else {
		for (l = 1; l < 4096 && n < 0; l++) {
			snprintf(v, sizeof(v), "%ld", l);
			so_write_file("/proc/sys/user/max_net_namespaces", v);
			if (try_unshare_netns() == 1)
				n = l - 1;
		}
	}
	snprintf(v, sizeof(v), "%ld", limit_orig);
	so_write_file("/proc/sys/user/max_net_namespaces", v);
	return n;
}

/*
 * A child makes a namespace, opens the device there, connects objects
 * (established, connecting to a dropped port, closing, with unread data,
 * UDP), passes the fd to us and exits: no process is left in the
 * namespace. We keep using the file for a while (its namespace stays
 * alive), then close it: every object goes, then the namespace.
 */
TEST_F_TIMEOUT(priv, netns_torn_down_under_objects, 300)
{
	long limit = so_read_long("/proc/sys/user/max_net_namespaces", -1);
	long base, after = -1;
	int round, rounds = 3;

	/* our own namespace (fixture) exists already; wait for others to go */
	ASSERT_LT(0, limit);
	so_sleep_ms(so_debug_kernel() ? 2000 : 300);
	base = netns_count_at_most(-1, 0, limit);
	ASSERT_LE(0, base);
	for (round = 0; round < rounds; round++) {
		int sv[2], st = 0, fd, i;
		struct sockobj_event ev[64];
		pid_t pid;

		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
					sv));
		fflush(NULL);
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			int cfd, lfd, srv[8], nsrv = 0;
			__u32 id;

			ASSERT_EQ(0, so_netns_private());
			so_sh("sysctl -qw net.ipv4.tcp_fin_timeout=1");
			ASSERT_EQ(0, so_nft_input_rule(NULL, "tcp dport 7 drop"));
			lfd = so_listen("127.0.0.1", 5000);
			ASSERT_LE(0, lfd);
			cfd = so_open(0);
			ASSERT_LE(0, cfd);
			for (i = 0; i < 8; i++) {
				id = new_obj(_metadata, cfd, (__u64)i, "127.0.0.1",
					     i % 4 == 3 ? 7 : 5000);
				if (i % 4 == 3) {
					ASSERT_EQ(0, so_connect(cfd, id));
					continue;
				}
				connect_ok(_metadata, cfd, id, (__u64)i);
				srv[nsrv] = so_accept(lfd, so_tmo(2000));
				ASSERT_LE(0, srv[nsrv]);
				if (i % 4 == 1) {
					/* unread data */
					ASSERT_EQ(5, (int)write(srv[nsrv], "hello", 5));
				} else if (i % 4 == 2) {
					ASSERT_EQ(0, so_disconnect(cfd, id));
				}
				nsrv++;
			}
			ASSERT_EQ(0, so_create(cfd, SOCKOBJ_PROTO_UDP, 99, &id));
			ASSERT_EQ(0, so_set_target(cfd, id, "127.0.0.1", 5001));
			ASSERT_EQ(0, so_connect(cfd, id));
			ASSERT_EQ(0, so_send_fd(sv[1], cfd, 0));
			/* leave: the listener and accepted sockets go too */
			_exit(SO_TEST_PASSING(_metadata) ? 0 : 1);
		}
		fd = so_recv_fd(sv[0], NULL);
		ASSERT_LE(0, fd);
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		close(sv[0]);
		close(sv[1]);
		/* the namespace lives on through the file: use it */
		for (i = 0; i < 10; i++) {
			__u32 id;

			ASSERT_EQ(0, so_new(fd, 100 + (__u64)i, "127.0.0.1",
					    i % 2 ? 5000 : 7, &id));
			ASSERT_EQ(0, so_connect(fd, id));
		}
		so_sleep_ms(so_debug_kernel() ? 500 : 100);
		while (so_read_events(fd, ev, 64, 50) > 0)
			;
		if (round == 1) {
			/* leave records unread */
			__u32 id;

			ASSERT_EQ(0, so_new(fd, 200, "127.0.0.1", 5000, &id));
			ASSERT_EQ(0, so_connect(fd, id));
		}
		close(fd);
	}
	/* every namespace made here is freed again */
	after = netns_count_at_most(base, so_debug_kernel() ? 120000 : 30000,
				    limit);
	printf("# netns_torn_down_under_objects: %d rounds; network namespaces "
	       "of uid 0: %ld before, %s after\n", rounds, base,
	       after == base ? "the same" : "MORE (leaked)");
	EXPECT_EQ(base, after) TH_LOG("a network namespace was never freed");
}

/*
 * The object lines of /proc/net/sockobj (the reader's namespace); with
 * want, the number of lines that start with it.
 */
static int proc_net_lines(struct __test_metadata *_metadata, const char *want)
{
	char line[512];
	int n = 0, first = 1;
	FILE *f = fopen("/proc/net/sockobj", "re");

	if (!f) {
		TH_LOG("/proc/net/sockobj: %s", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (first) {
			first = 0;	/* the header */
			continue;
		}
		if (!want || !strncmp(line, want, strlen(want)))
			n++;
	}
	fclose(f);
	return n;
}

/*
 * /proc/net/sockobj lists the objects of the reader's network namespace
 * only, with the opener's pid as the reader sees it: a child in a
 * namespace of its own (and a pid namespace of its own) sees its object as
 * opened by pid 1 and not ours; we see ours with our pid and not its.
 */
TEST_F(priv, proc_net_lists_its_namespace_only)
{
	char want[64];
	int sv[2], st = 0;
	__u32 id;
	pid_t pid;

	id = new_obj(_metadata, self->fd, 1, "127.0.0.1", self->port);
	snprintf(want, sizeof(want), "%u %d tcp CLOSED", id, (int)getpid());
	EXPECT_EQ(1, proc_net_lines(_metadata, want));
	EXPECT_EQ(1, proc_net_lines(_metadata, NULL));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, unshare(CLONE_NEWPID));	/* for the next child */
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		__u32 cid;
		int fd, i;
		char c = 0;

		ASSERT_EQ(0, so_netns_private());
		/* procfs shows the pids of the namespace it was mounted for */
		ASSERT_EQ(0, unshare(CLONE_NEWNS));
		ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
		ASSERT_EQ(0, mount("proc", "/proc", "proc", 0, NULL));
		fd = so_open(0);
		ASSERT_LE(0, fd);
		for (i = 0; i < 2; i++)
			ASSERT_EQ(0, so_create(fd, SOCKOBJ_PROTO_UDP, 2, &cid));
		snprintf(want, sizeof(want), "%u 1 udp CLOSED", cid);
		EXPECT_EQ(1, proc_net_lines(_metadata, want));
		EXPECT_EQ(2, proc_net_lines(_metadata, NULL));
		ASSERT_EQ(1, (int)write(sv[1], "r", 1));
		ASSERT_EQ(1, (int)read(sv[1], &c, 1));	/* parent looked */
		so_close(fd);
		fflush(NULL);
		_exit(SO_TEST_PASSING(_metadata) ? 0 : 1);
	}
	{
		char c;

		ASSERT_EQ(1, (int)read(sv[0], &c, 1));
		/* the child's two objects are not ours to see */
		snprintf(want, sizeof(want), "%u %d tcp CLOSED", id,
			 (int)getpid());
		EXPECT_EQ(1, proc_net_lines(_metadata, want));
		EXPECT_EQ(1, proc_net_lines(_metadata, NULL));
		ASSERT_EQ(1, (int)write(sv[0], "d", 1));
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("child status 0x%x", st);
	close(sv[0]);
	close(sv[1]);
}

/*
 * Root of its own user namespace (uid 65534 outside) has every capability
 * there, but not over the network namespace the file was opened in.
 */
TEST_F(priv, user_namespace_root_gets_nothing)
{
	const char *knob = "/proc/sys/kernel/unprivileged_userns_clone";
	long old = so_read_long(knob, -1);
	__u16 port = self->port;

	if (old == 0)
		so_write_file(knob, "1");
	nobody_node(_metadata, self->node, sizeof(self->node));
	AS_NOBODY({
		int fd = nobody_file(_metadata, self->node);
		char map[64];
		__u32 oid;
		int f, dfd;

		if (unshare(CLONE_NEWUSER)) {
			TH_LOG("unshare(CLONE_NEWUSER): %s", strerror(errno));
			ASSERT_EQ(0, errno);
		}
		snprintf(map, sizeof(map), "0 %d 1", NOBODY);
		ASSERT_EQ(0, so_write_file("/proc/self/setgroups", "deny"));
		ASSERT_EQ(0, so_write_file("/proc/self/uid_map", map));
		ASSERT_EQ(0, so_write_file("/proc/self/gid_map", map));
		ASSERT_EQ(0, (int)geteuid());
		/* root here, yet the device stays closed to it */
		dfd = open(SO_DEV_PATH, O_RDWR);
		EXPECT_EQ(-1, dfd);
		EXPECT_EQ(EACCES, errno);
		/*
		 * its file was opened by 65534 before: its capabilities
		 * here change nothing for that file (nor would they reach
		 * the file's namespace)
		 */
		oid = new_obj(_metadata, fd, 1, "127.0.0.1", port);
		ASSERT_EQ(0, configure_local(fd, oid, "127.0.0.1", 80));
		EXPECT_EQ(-EACCES, so_connect(fd, oid));
		expect_untouched(_metadata, fd, oid);
		ASSERT_EQ(0, so_destroy(fd, oid, 0));
		oid = new_obj(_metadata, fd, 2, "127.0.0.1", port);
		ASSERT_EQ(0, CFG(fd, oid, PRIORITY, priority, 7));
		EXPECT_EQ(-EPERM, so_connect(fd, oid));
		expect_untouched(_metadata, fd, oid);
		ASSERT_EQ(0, so_destroy(fd, oid, 0));
		/* nor the list of the file's namespace */
		f = open("/proc/net/sockobj", O_RDONLY);
		EXPECT_EQ(-1, f);
		EXPECT_EQ(EACCES, errno);
		/* its own network namespace cannot be entered by the file */
		ASSERT_EQ(0, unshare(CLONE_NEWNET));
		oid = new_obj(_metadata, fd, 3, "127.0.0.1", port);
		connect_ok(_metadata, fd, oid, 3);	/* still the opener's */
		/* the list of its own namespace is its own, and empty */
		EXPECT_EQ(0, proc_net_lines(_metadata, NULL));
		ASSERT_EQ(0, so_destroy(fd, oid, SOCKOBJ_DESTROY_ABORT));
	});
	if (old == 0)
		so_write_file(knob, "0");
}

SO_HARNESS_MAIN_OPTS("privilege_test", so_no_options)
