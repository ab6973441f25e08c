// SPDX-License-Identifier: GPL-2.0
/*
 * sockobj selftest: SOCKOBJ_IOC_HANDOFF, an open object becoming an
 * ordinary socket fd.
 *
 * The fd is the same connection (data queued before the hand-off is read
 * from it, what it writes reaches the peer, poll() works, its addresses
 * are the object's), it is close-on-exec (also across a real exec), and
 * O_NONBLOCK with SOCKOBJ_HANDOFF_NONBLOCK; the id and every undelivered
 * record of the object are gone, other objects are not touched; closing
 * the fd closes the connection; the fd outlives the sockobj file and the
 * object's inactivity timer. A PEER_CLOSING object and a UDP object hand
 * off too. CLOSED and CONNECTING objects get ENOTCONN, a bad flag EINVAL,
 * no free descriptor EMFILE, each with nothing changed and no fd leaked.
 *
 * Fixture "ho" runs over lo, IPv4 and IPv6; every test in its own network
 * namespace.
 */
#define _GNU_SOURCE
#include "sotest.h"

#define PORT		8000
#define DROP_PORT	8001	/* SYNs dropped: stays CONNECTING */
#define COOKIE		0x4a4d0000ULL
#define QUICK		so_tmo(5000)
#define T_NET		120

FIXTURE(ho) {
	int fd;
	int lfd;
};

FIXTURE_VARIANT(ho) {
	const char *lo;
	int family;
};

FIXTURE_VARIANT_ADD(ho, ipv4) {
	.lo = "127.0.0.1",
	.family = AF_INET,
};

FIXTURE_VARIANT_ADD(ho, ipv6) {
	.lo = "::1",
	.family = AF_INET6,
};

FIXTURE_SETUP(ho)
{
	self->fd = -1;
	self->lfd = -1;
	SO_REQUIRE_DEVICE();
	ASSERT_EQ(0, so_netns_private());
	self->fd = so_open(0);
	ASSERT_LE(0, self->fd);
	self->lfd = so_listen(variant->lo, PORT);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(ho)
{
	so_close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
}

/* GET_INFO says ENOENT, and so do the other per-object ioctls */
static void assert_gone(struct __test_metadata *_metadata, int fd, __u32 id)
{
	struct sockobj_info info;
	size_t done;

	EXPECT_EQ(-ENOENT, so_get_info(fd, id, &info));
	EXPECT_EQ(-ENOENT, so_io_send(fd, id, "x", 1, &done));
	EXPECT_EQ(-ENOENT, so_handoff(fd, id, 0));
	EXPECT_EQ(-ENOENT, so_abort(fd, id));
	EXPECT_EQ(-ENOENT, so_destroy(fd, id, 0));
}

/* The lowest free descriptor number (nothing is left open) */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

/*
 * The fd is the object's connection: addresses, queued data both ways,
 * poll(), and close.
 */
TEST_F_TIMEOUT(ho, fd_is_the_connection, T_NET)
{
	struct sockobj_addr a;
	struct sockobj_info info;
	struct pollfd pfd;
	char buf[64];
	int srv, sfd, fl;
	size_t done;
	__u32 id;

	id = so_establish(_metadata, self->fd, self->lfd, variant->lo, PORT,
			  COOKIE, &srv);
	/* some traffic through the object first */
	ASSERT_EQ(0, so_io_send(self->fd, id, "via object", 10, &done));
	ASSERT_EQ(10, (int)so_recv_exact(srv, buf, 10, QUICK));
	EXPECT_EQ(0, memcmp(buf, "via object", 10));
	ASSERT_EQ(0, so_send_all(srv, "read by object", 14));
	EXPECT_DATA_EV(self->fd, id, COOKIE, READABLE, QUICK);
	ASSERT_EQ(0, so_io_recv(self->fd, id, buf, sizeof(buf), &done));
	ASSERT_EQ(14U, done);
	/* and some the object leaves queued, its READABLE record unread */
	ASSERT_EQ(0, so_send_all(srv, "left queued", 11));
	ASSERT_EQ(1, poll(&(struct pollfd){ .fd = self->fd, .events = POLLIN },
			  1, QUICK));
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));

	sfd = so_handoff(self->fd, id, 0);
	ASSERT_LE(0, sfd);
	assert_gone(_metadata, self->fd, id);
	ASSERT_NO_RECORD(self->fd, 0, 200);

	/* an ordinary TCP socket with the object's addresses */
	EXPECT_EQ(SOCK_STREAM, so_getint(sfd, SOL_SOCKET, SO_TYPE));
	EXPECT_EQ(IPPROTO_TCP, so_getint(sfd, SOL_SOCKET, SO_PROTOCOL));
	EXPECT_EQ(variant->family, so_getint(sfd, SOL_SOCKET, SO_DOMAIN));
	ASSERT_EQ(0, so_sockname(sfd, &a, 0));
	EXPECT_ADDR_EQ(&info.local, &a);
	ASSERT_EQ(0, so_sockname(sfd, &a, 1));
	EXPECT_ADDR_EQ(&info.remote, &a);
	EXPECT_EQ(FD_CLOEXEC, fcntl(sfd, F_GETFD));
	fl = fcntl(sfd, F_GETFL);
	EXPECT_EQ(O_RDWR, fl & O_ACCMODE);
	EXPECT_EQ(0, fl & O_NONBLOCK);

	/* what the object left queued comes out of the fd */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(11, so_recv(sfd, buf, sizeof(buf), QUICK));
	EXPECT_STREQ("left queued", buf);
	/* both ways, with poll() */
	ASSERT_EQ(0, so_send_all(sfd, "via fd", 6));
	ASSERT_EQ(6, (int)so_recv_exact(srv, buf, 6, QUICK));
	EXPECT_EQ(0, memcmp(buf, "via fd", 6));
	pfd.fd = sfd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	EXPECT_EQ(0, poll(&pfd, 1, 100));
	ASSERT_EQ(0, so_send_all(srv, "to fd", 5));
	ASSERT_EQ(1, poll(&pfd, 1, QUICK));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(5, (int)read(sfd, buf, sizeof(buf)));
	EXPECT_STREQ("to fd", buf);

	/* closing the fd closes the connection */
	close(sfd);
	EXPECT_EQ(0, so_recv(srv, buf, sizeof(buf), QUICK));
	ASSERT_NO_RECORD(self->fd, 0, 100);
	close(srv);
}

/* SOCKOBJ_HANDOFF_NONBLOCK; an unknown flag is EINVAL and changes nothing */
TEST_F_TIMEOUT(ho, nonblock_and_bad_flags, T_NET)
{
	struct sockobj_op op;
	char buf[8];
	int srv, sfd, before, err;
	ssize_t n;
	size_t done;
	__u32 id;

	id = so_establish(_metadata, self->fd, self->lfd, variant->lo, PORT,
			  COOKIE, &srv);
	before = lowest_free_fd();
	EXPECT_EQ(-EINVAL, so_handoff(self->fd, id, 1U << 1));
	EXPECT_EQ(-EINVAL, so_handoff(self->fd, id, 0x80000000U));
	memset(&op, 0, sizeof(op));
	op.id = id;
	op.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, so_ioctl(self->fd, SOCKOBJ_IOC_HANDOFF, &op));
	EXPECT_EQ(before, lowest_free_fd());
	EXPECT_INFO(self->fd, id, ESTABLISHED, NONE, CLOSED, 0);
	ASSERT_EQ(0, so_io_send(self->fd, id, "still", 5, &done));
	ASSERT_EQ(5, (int)so_recv_exact(srv, buf, 5, QUICK));

	sfd = so_handoff(self->fd, id, SOCKOBJ_HANDOFF_NONBLOCK);
	ASSERT_LE(0, sfd);
	EXPECT_EQ(O_NONBLOCK, fcntl(sfd, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(FD_CLOEXEC, fcntl(sfd, F_GETFD));
	/* non-blocking: no data is EAGAIN, at once */
	n = read(sfd, buf, sizeof(buf));
	err = errno;
	EXPECT_EQ(-1, (int)n);
	EXPECT_EQ(EAGAIN, err);
	ASSERT_EQ(0, so_send_all(srv, "nb", 2));
	ASSERT_EQ(2, so_recv(sfd, buf, sizeof(buf), QUICK));
	close(sfd);
	close(srv);
}

/* Close-on-exec for real: an exec'd program does not have the fd */
TEST_F_TIMEOUT(ho, closed_on_exec, T_NET)
{
	int srv, sfd, copy, status;
	pid_t pid;
	__u32 id;

	id = so_establish(_metadata, self->fd, self->lfd, variant->lo, PORT,
			  COOKIE, &srv);
	sfd = so_handoff(self->fd, id, 0);
	ASSERT_LE(0, sfd);
	copy = dup(sfd);	/* the same socket, without FD_CLOEXEC */
	ASSERT_LE(0, copy);
	ASSERT_EQ(0, fcntl(copy, F_GETFD));

	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char cmd[128];

		/* exits 0 iff the copy is there and the fd is not */
		snprintf(cmd, sizeof(cmd),
			 "test -e /proc/self/fd/%d && test ! -e /proc/self/fd/%d",
			 copy, sfd);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(copy);
	close(sfd);
	close(srv);
}

/* CLOSED and CONNECTING objects: ENOTCONN, nothing changed, no fd used */
TEST_F_TIMEOUT(ho, not_open_enotconn, T_NET)
{
	struct sockobj_info before, after;
	int srv, fds;
	__u32 id, cid;

	fds = lowest_free_fd();

	/* never connected */
	ASSERT_EQ(0, so_new(self->fd, COOKIE, variant->lo, PORT, &id));
	ASSERT_EQ(0, so_get_info(self->fd, id, &before));
	EXPECT_EQ(-ENOTCONN, so_handoff(self->fd, id, 0));
	EXPECT_EQ(-ENOTCONN, so_handoff(self->fd, id,
					SOCKOBJ_HANDOFF_NONBLOCK));
	ASSERT_EQ(0, so_get_info(self->fd, id, &after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
	ASSERT_NO_RECORD(self->fd, id, 100);
	EXPECT_EQ(fds, lowest_free_fd());

	/* CONNECTING */
	ASSERT_EQ(0, so_nft_input_rule(NULL, "tcp dport 8001 drop"));
	ASSERT_EQ(0, so_new(self->fd, COOKIE + 1, variant->lo, DROP_PORT,
			    &cid));
	ASSERT_EQ(0, so_connect(self->fd, cid));
	ASSERT_EVENTS(self->fd, cid, COOKIE + 1, QUICK, EV(CONNECTING, CLOSED));
	ASSERT_EQ(0, so_get_info(self->fd, cid, &before));
	EXPECT_EQ(-ENOTCONN, so_handoff(self->fd, cid, 0));
	ASSERT_EQ(0, so_get_info(self->fd, cid, &after));
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), after.state);
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
	ASSERT_NO_RECORD(self->fd, cid, 100);
	EXPECT_EQ(fds, lowest_free_fd());
	/* the attempt goes on as usual */
	ASSERT_EQ(0, so_abort(self->fd, cid));
	ASSERT_EVENTS(self->fd, cid, COOKIE + 1, QUICK,
		      EV_CLOSED(CONNECTING, CANCELLED, 0));

	/* CLOSED after a connection */
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
	srv = so_accept(self->lfd, QUICK);
	ASSERT_LE(0, srv);
	so_close_rst(srv);
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK,
		      EV_CLOSED(ESTABLISHED, RESET, ECONNRESET));
	ASSERT_EQ(0, so_get_info(self->fd, id, &before));
	EXPECT_EQ(-ENOTCONN, so_handoff(self->fd, id, 0));
	ASSERT_EQ(0, so_get_info(self->fd, id, &after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
	EXPECT_EQ(fds, lowest_free_fd());

	/* no such id */
	EXPECT_EQ(-ENOENT, so_handoff(self->fd, id + cid + 10, 0));
	EXPECT_EQ(fds, lowest_free_fd());
}

/* A PEER_CLOSING object: the fd reads EOF and can still write */
TEST_F_TIMEOUT(ho, peer_closing, T_NET)
{
	char buf[16];
	int srv, sfd;
	__u32 id;

	id = so_establish(_metadata, self->fd, self->lfd, variant->lo, PORT,
			  COOKIE, &srv);
	ASSERT_EQ(0, shutdown(srv, SHUT_WR));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(PEER_CLOSING, ESTABLISHED));
	sfd = so_handoff(self->fd, id, 0);
	ASSERT_LE(0, sfd);
	assert_gone(_metadata, self->fd, id);
	EXPECT_EQ(0, so_recv(sfd, buf, sizeof(buf), QUICK));
	ASSERT_EQ(0, so_send_all(sfd, "half", 4));
	ASSERT_EQ(4, (int)so_recv_exact(srv, buf, 4, QUICK));
	EXPECT_EQ(0, memcmp(buf, "half", 4));
	close(sfd);
	EXPECT_EQ(0, so_recv(srv, buf, sizeof(buf), QUICK));
	close(srv);
}

/* No descriptor left: EMFILE, the object untouched */
TEST_F_TIMEOUT(ho, emfile, T_NET)
{
	struct rlimit old, lim;
	char buf[8];
	int srv, sfd, low;
	size_t done;
	__u32 id;

	id = so_establish(_metadata, self->fd, self->lfd, variant->lo, PORT,
			  COOKIE, &srv);
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	low = lowest_free_fd();
	ASSERT_LT(0, low);
	lim = old;
	lim.rlim_cur = (rlim_t)low;	/* every allowed number is taken */
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &lim));
	sfd = so_handoff(self->fd, id, 0);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	ASSERT_EQ(-EMFILE, sfd);
	EXPECT_INFO(self->fd, id, ESTABLISHED, NONE, CLOSED, 0);
	ASSERT_NO_RECORD(self->fd, id, 100);
	ASSERT_EQ(0, so_io_send(self->fd, id, "ok", 2, &done));
	ASSERT_EQ(2, (int)so_recv_exact(srv, buf, 2, QUICK));

	sfd = so_handoff(self->fd, id, 0);
	ASSERT_EQ(low, sfd);
	close(sfd);
	close(srv);
}

/*
 * The fd outlives the sockobj file, and the object's inactivity timer
 * does not reach it.
 */
TEST_F_TIMEOUT(ho, outlives_file_and_timers, T_NET)
{
	struct sockobj_config cfg;
	char buf[16];
	int srv, sfd;
	__u32 id;

	ASSERT_EQ(0, so_new(self->fd, COOKIE, variant->lo, PORT, &id));
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_INACTIVITY;
	cfg.inactivity_s = 1;
	ASSERT_EQ(0, so_configure(self->fd, &cfg));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
	srv = so_accept(self->lfd, QUICK);
	ASSERT_LE(0, srv);
	sfd = so_handoff(self->fd, id, 0);
	ASSERT_LE(0, sfd);
	so_close(self->fd);
	self->fd = -1;

	/* well past the inactivity timeout: no reset */
	EXPECT_EQ(-ETIMEDOUT, so_recv(srv, buf, sizeof(buf), 2500));
	ASSERT_EQ(0, so_send_all(sfd, "alive", 5));
	ASSERT_EQ(5, (int)so_recv_exact(srv, buf, 5, QUICK));
	ASSERT_EQ(0, so_send_all(srv, "yes", 3));
	ASSERT_EQ(3, so_recv(sfd, buf, sizeof(buf), QUICK));
	close(sfd);
	EXPECT_EQ(0, so_recv(srv, buf, sizeof(buf), QUICK));
	close(srv);
}

/*
 * Only the handed-off object's undelivered records go (state and data);
 * another object's stay.
 */
TEST_F_TIMEOUT(ho, other_objects_untouched, T_NET)
{
	struct sockobj_event e;
	int sa, sb, sfd;
	char buf[8];
	__u32 a, b;

	/* neither object's records are read before the hand-off */
	ASSERT_EQ(0, so_new(self->fd, COOKIE + 1, variant->lo, PORT, &a));
	ASSERT_EQ(0, so_new(self->fd, COOKIE + 2, variant->lo, PORT, &b));
	ASSERT_EQ(0, so_connect(self->fd, a));
	ASSERT_EQ(0, so_wait_state(self->fd, a, SOCKOBJ_STATE_ESTABLISHED,
				   QUICK));
	sa = so_accept(self->lfd, QUICK);
	ASSERT_LE(0, sa);
	ASSERT_EQ(0, so_connect(self->fd, b));
	ASSERT_EQ(0, so_wait_state(self->fd, b, SOCKOBJ_STATE_ESTABLISHED,
				   QUICK));
	sb = so_accept(self->lfd, QUICK);
	ASSERT_LE(0, sb);
	ASSERT_EQ(0, so_send_all(sa, "A", 1));
	ASSERT_EQ(0, so_send_all(sb, "B", 1));
	so_sleep_ms(100);

	sfd = so_handoff(self->fd, a, 0);
	ASSERT_LE(0, sfd);
	/* b: CONNECTING, ESTABLISHED, READABLE; a: nothing */
	ASSERT_EVENTS(self->fd, b, COOKIE + 2, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
	ASSERT_EQ(1, so_next_event(self->fd, 0, &e, QUICK));
	EXPECT_EQ(b, e.id);
	EXPECT_EQ(U32(SOCKOBJ_EV_READABLE), e.type);
	ASSERT_NO_RECORD(self->fd, 0, 200);
	ASSERT_EQ(1, so_recv(sfd, buf, sizeof(buf), QUICK));
	EXPECT_EQ('A', buf[0]);
	close(sfd);
	close(sa);
	close(sb);
}

/* A UDP object hands off as a connected datagram socket */
TEST_F_TIMEOUT(ho, udp, T_NET)
{
	struct sockobj_addr a, want;
	struct sockobj_config cfg;
	char buf[16];
	int peer, sfd;
	__u32 id;

	peer = so_udp_in(NULL, variant->lo, PORT);
	ASSERT_LE(0, peer);
	ASSERT_EQ(0, so_create(self->fd, SOCKOBJ_PROTO_UDP, COOKIE, &id));
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_TARGET;
	ASSERT_EQ(0, so_addr(&cfg.target, variant->lo, PORT));
	ASSERT_EQ(0, so_configure(self->fd, &cfg));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
	sfd = so_handoff(self->fd, id, 0);
	ASSERT_LE(0, sfd);
	assert_gone(_metadata, self->fd, id);
	EXPECT_EQ(SOCK_DGRAM, so_getint(sfd, SOL_SOCKET, SO_TYPE));
	ASSERT_EQ(0, so_sockname(sfd, &a, 1));
	ASSERT_EQ(0, so_addr(&want, variant->lo, PORT));
	EXPECT_ADDR_EQ(&want, &a);
	ASSERT_EQ(4, (int)send(sfd, "dgrm", 4, 0));
	ASSERT_EQ(4, so_recv(peer, buf, sizeof(buf), QUICK));
	ASSERT_EQ(0, so_sockname(sfd, &a, 0));
	ASSERT_EQ(5, so_sendto(peer, "reply", 5, variant->lo, a.port));
	ASSERT_EQ(5, so_recv(sfd, buf, sizeof(buf), QUICK));
	close(sfd);
	close(peer);
}

SO_HARNESS_MAIN
