// SPDX-License-Identifier: GPL-2.0
/*
 * sockobj selftest: UDP objects.
 *
 * Fixture "udp" (IPv4 and IPv6, over lo): CONNECT is ESTABLISHED at once
 * and puts nothing on the wire; datagram boundaries both ways (empty and
 * maximum-size datagrams included, EMSGSIZE above); truncation and PEEK;
 * the source of each datagram (recv_any objects receive from anyone, a
 * connected one only from its target); an ICMP port unreachable becomes a
 * SOCKOBJ_EV_ERROR record with ECONNREFUSED and the object stays usable;
 * closing a UDP object.
 * Fixture "veth" (IPv4, a veth pair to a peer namespace): broadcasts need
 * SOCKOBJ_CFG_BROADCAST (EACCES without it, from the connect or from the
 * send of a recv_any object), and a recv_any object bound to INADDR_ANY
 * receives the peer's broadcasts with their source; datagrams held in the
 * queue of an unresolved neighbour fill the send buffer (EAGAIN, then
 * WRITABLE once ARP gives up).
 *
 * Every test runs in its own network namespace (unshare, lo up, then open
 * /dev/sockobj).
 */
#define _GNU_SOURCE
#include "sotest.h"

#define PORT		6000	/* the peer (target) */
#define PORT2		6001	/* another peer */
#define OBJ_PORT	6002	/* a bound object */
#define DEAD_PORT	6009	/* nobody, at first */
#define COOKIE		0x0d900000ULL
#define QUICK		so_tmo(5000)
#define T_NET		120
/*
 * A test with a peer namespace: every ip(8) and nft(8) command takes
 * seconds on the debug kernel under emulation, more on a loaded host.
 */
#define T_PEER		300

FIXTURE(udp) {
	int fd;
};

FIXTURE_VARIANT(udp) {
	const char *lo;		/* loopback address */
	const char *lo2;	/* another local address */
	int lo2_add;		/* lo2 must be added to lo (/128) */
	size_t max_dgram;	/* largest datagram over lo */
};

FIXTURE_VARIANT_ADD(udp, ipv4) {
	.lo = "127.0.0.1",
	.lo2 = "127.0.0.2",
	.lo2_add = 0,		/* 127.0.0.0/8 is all local */
	.max_dgram = 65535 - 20 - 8,
};

FIXTURE_VARIANT_ADD(udp, ipv6) {
	.lo = "::1",
	.lo2 = "fd00:77::1",
	.lo2_add = 1,
	.max_dgram = 65535 - 8,
};

FIXTURE_SETUP(udp)
{
	self->fd = -1;
	SO_REQUIRE_DEVICE();
	ASSERT_EQ(0, so_netns_private());
	if (variant->lo2_add)
		ASSERT_EQ(0, so_addr_add(NULL, "lo", variant->lo2, 128));
	self->fd = so_open(0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(udp)
{
	so_close(self->fd);
}

/*
 * A UDP object: target ip:port, optionally bound to lip:lport (lip NULL:
 * no bind) and with the extra options in *extra (mask and values, may be
 * NULL). Returns its id.
 */
static __u32 udp_new(struct __test_metadata *_metadata, int fd, __u64 cookie,
		     const char *ip, __u16 port, const char *lip, __u16 lport,
		     const struct sockobj_config *extra)
{
	struct sockobj_config cfg;
	__u32 id = 0;

	if (extra)
		cfg = *extra;
	else
		memset(&cfg, 0, sizeof(cfg));
	EXPECT_EQ(0, so_create(fd, SOCKOBJ_PROTO_UDP, cookie, &id));
	cfg.id = id;
	cfg.mask |= SOCKOBJ_CFG_TARGET;
	EXPECT_EQ(0, so_addr(&cfg.target, ip, port));
	if (lip) {
		cfg.mask |= SOCKOBJ_CFG_LOCAL;
		EXPECT_EQ(0, so_addr(&cfg.local, lip, lport));
	}
	EXPECT_EQ(0, so_configure(fd, &cfg));
	return id;
}

/* CONNECT: ESTABLISHED when the call returns, the two records follow */
static void udp_connect(struct __test_metadata *_metadata, int fd, __u32 id,
			__u64 cookie)
{
	struct sockobj_info info;

	ASSERT_EQ(0, so_connect(fd, id));
	ASSERT_EQ(0, so_get_info(fd, id, &info));
	ASSERT_EQ(U32(SOCKOBJ_STATE_ESTABLISHED), info.state);
	ASSERT_EVENTS(fd, id, cookie, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
}

/*
 * RECV one datagram, waiting for READABLE when the queue is empty (the
 * edge-triggered way). 0 with *io filled, or -errno.
 */
static int udp_recv_wait(int fd, __u32 id, void *buf, size_t len,
			 __u32 flags, struct sockobj_io *io, int tmo)
{
	struct sockobj_event e;
	int ret;

	for (;;) {
		ret = so_io(fd, SOCKOBJ_IOC_RECV, id, buf, len, flags, io);
		if (ret != -EAGAIN)
			return ret;
		ret = so_wait_type(fd, id, SOCKOBJ_EV_READABLE, &e, tmo, NULL);
		if (ret != 1)
			return ret < 0 ? ret : -ETIMEDOUT;
	}
}

static void pattern(void *buf, size_t len, unsigned int salt)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + salt + (i >> 8));
}

/* recvfrom() on a plain socket within tmo: bytes, -errno, -ETIMEDOUT */
static int peer_recvfrom(int sfd, void *buf, size_t len,
			 struct sockobj_addr *from, int tmo)
{
	struct pollfd pfd = { .fd = sfd, .events = POLLIN };
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	ssize_t n;

	if (poll(&pfd, 1, tmo) <= 0)
		return -ETIMEDOUT;
	n = recvfrom(sfd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
	if (n < 0)
		return -errno;
	if (from)
		so_addr_from_sockaddr(from, &ss);
	return (int)n;
}

/* CONNECT sends nothing: the capture on lo sees no packet until a SEND */
TEST_F_TIMEOUT(udp, connect_sends_nothing, T_NET)
{
	struct sockobj_info info;
	struct sockobj_addr want;
	struct so_pkt pk;
	char buf[16];
	int peer, cap;
	size_t done;
	__u32 id;

	peer = so_udp_in(NULL, variant->lo, PORT);
	ASSERT_LE(0, peer);
	cap = so_capture_open(NULL, "lo");
	ASSERT_LE(0, cap);
	id = udp_new(_metadata, self->fd, COOKIE, variant->lo, PORT, NULL, 0,
		     NULL);
	udp_connect(_metadata, self->fd, id, COOKIE);

	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(U32(SOCKOBJ_PROTO_UDP), info.proto);
	ASSERT_EQ(0, so_addr(&want, variant->lo, PORT));
	EXPECT_ADDR_EQ(&want, &info.remote);
	ASSERT_EQ(0, so_addr(&want, variant->lo, info.local.port));
	EXPECT_ADDR_EQ(&want, &info.local);
	EXPECT_NE(0, info.local.port);
	EXPECT_NE(0ULL, info.established_ns);

	/* nothing on the wire, nothing at the peer */
	EXPECT_EQ(0, so_capture_next(cap, &pk, 300));
	EXPECT_EQ(-ETIMEDOUT, peer_recvfrom(peer, buf, sizeof(buf), NULL, 1));
	ASSERT_NO_RECORD(self->fd, id, 100);

	/* the first SEND is the first packet (the capture works) */
	ASSERT_EQ(0, so_io_send(self->fd, id, "ping", 4, &done));
	ASSERT_EQ(4U, done);
	ASSERT_EQ(1, so_capture_next(cap, &pk, QUICK));
	EXPECT_EQ(IPPROTO_UDP, pk.proto);
	EXPECT_EQ(info.local.port, pk.sport);
	EXPECT_EQ(PORT, pk.dport);
	EXPECT_EQ(4U, pk.payload);
	EXPECT_EQ(4, peer_recvfrom(peer, buf, sizeof(buf), NULL, QUICK));
	close(cap);
	close(peer);
}

/*
 * Loopback queues a send on the sending CPU's backlog: datagrams sent one
 * after the other keep their order only if the task stays on one CPU.
 */
static void stay_on_this_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);	/* best effort */
}

/* Datagrams keep their boundaries both ways; too big is EMSGSIZE */
TEST_F_TIMEOUT(udp, datagram_boundaries, T_NET)
{
	size_t out[] = { 1, 0, 1000, 1472, variant->max_dgram };
	size_t in[] = { 3, 0, 2000, variant->max_dgram };
	size_t i, sum_out = 0, sum_in = 0;
	struct sockobj_addr from, target;
	struct sockobj_info info;
	struct sockobj_io io;
	char *buf, *got;
	int peer, stranger;
	size_t done;
	__u32 id;

	stay_on_this_cpu();
	buf = malloc(70000);
	got = malloc(70000);
	ASSERT_TRUE(buf && got);
	peer = so_udp_in(NULL, variant->lo, PORT);
	ASSERT_LE(0, peer);
	stranger = so_udp_in(NULL, variant->lo, PORT2);
	ASSERT_LE(0, stranger);
	id = udp_new(_metadata, self->fd, COOKIE, variant->lo, PORT, NULL, 0,
		     NULL);
	udp_connect(_metadata, self->fd, id, COOKIE);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	ASSERT_EQ(0, so_addr(&target, variant->lo, PORT));

	/* out: one datagram per SEND, exactly */
	for (i = 0; i < ARRAY_SIZE(out); i++) {
		pattern(buf, out[i], (unsigned int)i);
		ASSERT_EQ(0, so_io_send(self->fd, id, buf, out[i], &done));
		EXPECT_EQ(out[i], done);
		sum_out += out[i];
	}
	EXPECT_EQ(-EMSGSIZE, so_io_send(self->fd, id, buf,
					variant->max_dgram + 1, &done));
	for (i = 0; i < ARRAY_SIZE(out); i++) {
		int n = peer_recvfrom(peer, got, 70000, &from, QUICK);

		ASSERT_EQ((int)out[i], n);
		pattern(buf, out[i], (unsigned int)i);
		EXPECT_EQ(0, memcmp(buf, got, out[i]));
		EXPECT_ADDR_EQ(&info.local, &from);
	}
	EXPECT_EQ(-ETIMEDOUT, peer_recvfrom(peer, got, 70000, NULL, 100));

	/* a connected object does not hear from others than its target */
	ASSERT_EQ(5, so_sendto(stranger, "noise", 5, variant->lo,
			       info.local.port));

	/* in: one datagram per RECV, exactly, from the target */
	for (i = 0; i < ARRAY_SIZE(in); i++) {
		pattern(buf, in[i], (unsigned int)(100 + i));
		ASSERT_EQ((int)in[i], so_sendto(peer, buf, in[i], variant->lo,
						info.local.port));
		sum_in += in[i];
	}
	for (i = 0; i < ARRAY_SIZE(in); i++) {
		ASSERT_EQ(0, udp_recv_wait(self->fd, id, got, 70000, 0, &io,
					   QUICK));
		EXPECT_EQ(in[i], io.done);
		EXPECT_EQ(in[i], io.full_len);
		EXPECT_EQ(0U, io.flags);
		pattern(buf, in[i], (unsigned int)(100 + i));
		EXPECT_EQ(0, memcmp(buf, got, in[i]));
		EXPECT_ADDR_EQ(&target, &io.addr);
	}
	EXPECT_EQ(-EAGAIN, so_io_recv(self->fd, id, got, 70000, &done));

	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(sum_out, info.bytes_sent);
	EXPECT_EQ(sum_in, info.bytes_received);
	EXPECT_EQ(0U, info.rx_queued);
	EXPECT_EQ(0U, info.tx_unacked);
	EXPECT_LT(0U, info.tx_space);
	free(buf);
	free(got);
	close(stranger);
	close(peer);
}

/* A datagram longer than the buffer: TRUNC, full_len, the rest dropped */
TEST_F_TIMEOUT(udp, truncation, T_NET)
{
	struct sockobj_info info;
	struct sockobj_io io;
	char msg[100], buf[200];
	int peer;
	__u32 id;

	stay_on_this_cpu();
	pattern(msg, sizeof(msg), 9);
	peer = so_udp_in(NULL, variant->lo, PORT);
	ASSERT_LE(0, peer);
	id = udp_new(_metadata, self->fd, COOKIE, variant->lo, PORT, NULL, 0,
		     NULL);
	udp_connect(_metadata, self->fd, id, COOKIE);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	ASSERT_EQ(100, so_sendto(peer, msg, 100, variant->lo,
				 info.local.port));
	ASSERT_EQ(50, so_sendto(peer, msg + 50, 50, variant->lo,
				info.local.port));
	EXPECT_DATA_EV(self->fd, id, COOKIE, READABLE, QUICK);

	/* rx_queued is the next datagram's length */
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(100U, info.rx_queued);

	/* PEEK, truncated: reported, nothing consumed */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, so_io(self->fd, SOCKOBJ_IOC_RECV, id, buf, 10,
			   SOCKOBJ_IO_PEEK, &io));
	EXPECT_EQ(10ULL, io.done);
	EXPECT_EQ(100ULL, io.full_len);
	EXPECT_EQ(U32(SOCKOBJ_IO_TRUNC), io.flags & SOCKOBJ_IO_TRUNC);
	EXPECT_EQ(0, memcmp(buf, msg, 10));
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(100U, info.rx_queued);

	/* RECV, truncated: the rest of that datagram is gone */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, so_io(self->fd, SOCKOBJ_IOC_RECV, id, buf, 10, 0, &io));
	EXPECT_EQ(10ULL, io.done);
	EXPECT_EQ(100ULL, io.full_len);
	EXPECT_EQ(U32(SOCKOBJ_IO_TRUNC), io.flags & SOCKOBJ_IO_TRUNC);
	EXPECT_EQ(0, memcmp(buf, msg, 10));
	EXPECT_EQ(0, buf[10]);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(50U, info.rx_queued);

	/*
	 * The next one fits. The struct is passed as it came back, TRUNC
	 * and all (an output: its input is ignored), which clears it.
	 */
	io.len = sizeof(buf);
	ASSERT_EQ(0, so_ioctl(self->fd, SOCKOBJ_IOC_RECV, &io));
	EXPECT_EQ(50ULL, io.done);
	EXPECT_EQ(50ULL, io.full_len);
	EXPECT_EQ(0U, io.flags);
	EXPECT_EQ(0, memcmp(buf, msg + 50, 50));
	EXPECT_EQ(-EAGAIN, so_io(self->fd, SOCKOBJ_IOC_RECV, id, buf,
				 sizeof(buf), 0, &io));
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(0U, info.rx_queued);
	close(peer);
}

/*
 * Bad buffers: SEND and RECV get EFAULT and, as for every failed request,
 * nothing changes: nothing is sent, the datagram stays queued.
 */
TEST_F_TIMEOUT(udp, efault_changes_nothing, T_NET)
{
	struct sockobj_info info;
	struct sockobj_io io;
	char buf[16];
	int peer;
	size_t done;
	__u32 id;

	peer = so_udp_in(NULL, variant->lo, PORT);
	ASSERT_LE(0, peer);
	id = udp_new(_metadata, self->fd, COOKIE, variant->lo, PORT, NULL, 0,
		     NULL);
	udp_connect(_metadata, self->fd, id, COOKIE);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));

	EXPECT_EQ(-EFAULT, so_io_send(self->fd, id, (void *)8, 10, &done));
	EXPECT_EQ(-ETIMEDOUT, peer_recvfrom(peer, buf, sizeof(buf), NULL, 100));

	ASSERT_EQ(5, so_sendto(peer, "keep!", 5, variant->lo, info.local.port));
	EXPECT_DATA_EV(self->fd, id, COOKIE, READABLE, QUICK);
	EXPECT_EQ(-EFAULT, so_io(self->fd, SOCKOBJ_IOC_RECV, id, (void *)8, 5,
				 0, &io));
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(5U, info.rx_queued);
	EXPECT_EQ(0ULL, info.bytes_received);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, so_io(self->fd, SOCKOBJ_IOC_RECV, id, buf, sizeof(buf), 0,
			   &io));
	EXPECT_EQ(5ULL, io.done);
	EXPECT_STREQ("keep!", buf);
	close(peer);
}

/*
 * A recv_any object receives from any source and reports each one; it
 * sends to its target only.
 */
TEST_F_TIMEOUT(udp, recv_any_sources, T_NET)
{
	struct sockobj_addr want, from;
	struct sockobj_config extra;
	struct sockobj_info info;
	struct sockobj_io io;
	struct {
		int sfd;
		const char *ip;
		__u16 port;
		const char *msg;
	} src[3];
	bool seen[3] = { false, false, false };
	char buf[64];
	int p1, p2, i, n;
	size_t done;
	__u32 id;

	p1 = so_udp_in(NULL, variant->lo, PORT);
	ASSERT_LE(0, p1);
	p2 = so_udp_in(NULL, variant->lo2, PORT2);
	ASSERT_LE(0, p2);
	memset(&extra, 0, sizeof(extra));
	extra.mask = SOCKOBJ_CFG_RECV_ANY;
	extra.recv_any = 1;
	id = udp_new(_metadata, self->fd, COOKIE, variant->lo, PORT,
		     variant->lo, OBJ_PORT, &extra);
	udp_connect(_metadata, self->fd, id, COOKIE);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	ASSERT_EQ(0, so_addr(&want, variant->lo, OBJ_PORT));
	EXPECT_ADDR_EQ(&want, &info.local);

	src[0].sfd = p1; src[0].ip = variant->lo; src[0].port = PORT;
	src[0].msg = "one";
	src[1].sfd = p2; src[1].ip = variant->lo2; src[1].port = PORT2;
	src[1].msg = "second";
	src[2].sfd = p1; src[2].ip = variant->lo; src[2].port = PORT;
	src[2].msg = "third!!";
	for (i = 0; i < 3; i++)
		ASSERT_EQ((int)strlen(src[i].msg),
			  so_sendto(src[i].sfd, src[i].msg, strlen(src[i].msg),
				    variant->lo, OBJ_PORT));
	/*
	 * Sent from two sockets and maybe two CPUs (see stay_on_this_cpu()),
	 * the datagrams may arrive in any order: each is matched by content.
	 */
	for (n = 0; n < 3; n++) {
		memset(buf, 0, sizeof(buf));
		ASSERT_EQ(0, udp_recv_wait(self->fd, id, buf, sizeof(buf), 0,
					   &io, QUICK));
		for (i = 0; i < 3; i++)
			if (!seen[i] && !strcmp(src[i].msg, buf))
				break;
		ASSERT_GT(3, i) TH_LOG("unexpected or repeated datagram '%s'",
				       buf);
		seen[i] = true;
		EXPECT_EQ(strlen(src[i].msg), io.done);
		ASSERT_EQ(0, so_addr(&want, src[i].ip, src[i].port));
		EXPECT_ADDR_EQ(&want, &io.addr);
	}

	/* SEND goes to the target */
	ASSERT_EQ(0, so_io_send(self->fd, id, "reply", 5, &done));
	ASSERT_EQ(5U, done);
	ASSERT_EQ(5, peer_recvfrom(p1, buf, sizeof(buf), &from, QUICK));
	EXPECT_EQ(0, memcmp(buf, "reply", 5));
	ASSERT_EQ(0, so_addr(&want, variant->lo, OBJ_PORT));
	EXPECT_ADDR_EQ(&want, &from);
	EXPECT_EQ(-ETIMEDOUT, peer_recvfrom(p2, buf, sizeof(buf), NULL, 100));
	close(p1);
	close(p2);
}

/*
 * ICMP port unreachable: an ERROR record with ECONNREFUSED; the object
 * stays ESTABLISHED, the error is not reported again by SEND or RECV, and
 * the object works once someone listens.
 */
TEST_F_TIMEOUT(udp, icmp_port_unreachable, T_NET)
{
	struct sockobj_event e;
	struct sockobj_info info;
	struct sockobj_addr from;
	char buf[16];
	int peer;
	size_t done;
	__u32 id;

	id = udp_new(_metadata, self->fd, COOKIE, variant->lo, DEAD_PORT,
		     NULL, 0, NULL);
	udp_connect(_metadata, self->fd, id, COOKIE);
	ASSERT_EQ(0, so_io_send(self->fd, id, "x", 1, &done));
	ASSERT_EQ(1U, done);
	so_expect_data(_metadata, self->fd, id, COOKIE, SOCKOBJ_EV_ERROR,
		       SOCKOBJ_STATE_ESTABLISHED, ECONNREFUSED, QUICK, &e);
	EXPECT_EQ(1U, e.merged);
	ASSERT_NO_RECORD(self->fd, id, 200);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(U32(SOCKOBJ_STATE_ESTABLISHED), info.state);
	EXPECT_EQ(U32(SOCKOBJ_REASON_NONE), info.reason);
	EXPECT_EQ(0, info.error);
	/* consumed: neither RECV nor SEND report it */
	EXPECT_EQ(-EAGAIN, so_io_recv(self->fd, id, buf, sizeof(buf), &done));
	ASSERT_EQ(0, so_io_send(self->fd, id, "y", 1, &done));
	ASSERT_EQ(1U, done);
	so_expect_data(_metadata, self->fd, id, COOKIE, SOCKOBJ_EV_ERROR,
		       SOCKOBJ_STATE_ESTABLISHED, ECONNREFUSED, QUICK, NULL);

	/* someone listens now: the object simply works */
	peer = so_udp_in(NULL, variant->lo, DEAD_PORT);
	ASSERT_LE(0, peer);
	ASSERT_EQ(0, so_io_send(self->fd, id, "z", 1, &done));
	ASSERT_EQ(1, peer_recvfrom(peer, buf, sizeof(buf), &from, QUICK));
	EXPECT_EQ('z', buf[0]);
	EXPECT_EQ(-ETIMEDOUT, peer_recvfrom(peer, buf, sizeof(buf), NULL, 50));
	ASSERT_EQ(5, so_sendto(peer, "hello", 5, variant->lo, from.port));
	EXPECT_DATA_EV(self->fd, id, COOKIE, READABLE, QUICK);
	ASSERT_EQ(0, so_io_recv(self->fd, id, buf, sizeof(buf), &done));
	EXPECT_EQ(5U, done);
	ASSERT_NO_RECORD(self->fd, id, 200);
	EXPECT_INFO(self->fd, id, ESTABLISHED, NONE, CLOSED, 0);
	close(peer);
}

/*
 * DISCONNECT ends a UDP object with LOCAL_CLOSED (there is no closing
 * handshake), ABORT with ABORTED; then SEND and RECV say ENOTCONN, and the
 * object connects again.
 */
TEST_F_TIMEOUT(udp, close_and_reconnect, T_NET)
{
	struct sockobj_event e;
	char buf[16];
	int peer;
	size_t done;
	__u32 id;

	peer = so_udp_in(NULL, variant->lo, PORT);
	ASSERT_LE(0, peer);
	id = udp_new(_metadata, self->fd, COOKIE, variant->lo, PORT, NULL, 0,
		     NULL);
	udp_connect(_metadata, self->fd, id, COOKIE);
	ASSERT_EQ(0, so_disconnect(self->fd, id));
	ASSERT_EQ(0, so_wait_state(self->fd, id, SOCKOBJ_STATE_CLOSED, QUICK));
	EXPECT_INFO(self->fd, id, CLOSED, LOCAL_CLOSED, ESTABLISHED, 0);
	/* the last record says the same */
	do {
		ASSERT_EQ(1, so_next_state_event(self->fd, id, &e, QUICK));
	} while (e.state != SOCKOBJ_STATE_CLOSED);
	EXPECT_EQ(U32(SOCKOBJ_REASON_LOCAL_CLOSED), e.reason);
	EXPECT_EQ(0, e.error);
	EXPECT_EQ(-ENOTCONN, so_io_send(self->fd, id, "x", 1, &done));
	EXPECT_EQ(-ENOTCONN, so_io_recv(self->fd, id, buf, sizeof(buf), &done));

	udp_connect(_metadata, self->fd, id, COOKIE);
	ASSERT_EQ(0, so_io_send(self->fd, id, "again", 5, &done));
	EXPECT_EQ(5, peer_recvfrom(peer, buf, sizeof(buf), NULL, QUICK));
	ASSERT_EQ(0, so_abort(self->fd, id));
	EXPECT_INFO(self->fd, id, CLOSED, ABORTED, ESTABLISHED, 0);
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK,
		      EV_CLOSED(ESTABLISHED, ABORTED, 0));
	EXPECT_EQ(-ENOTCONN, so_io_send(self->fd, id, "x", 1, &done));
	close(peer);
}

/* ---------------------------------------------------------------------- */
/* Broadcast, between two namespaces                                      */
/* ---------------------------------------------------------------------- */

#define BC_A		"10.14.0.1"	/* us */
#define BC_B		"10.14.0.2"	/* the peer */
#define BC_BRD		"10.14.0.255"

FIXTURE(veth) {
	int fd;
	char peer[64];
};

FIXTURE_SETUP(veth)
{
	self->fd = -1;
	self->peer[0] = 0;
	SO_REQUIRE_DEVICE();
	ASSERT_EQ(0, so_netns_private());
	so_netns_name(self->peer, sizeof(self->peer), "bpeer");
	ASSERT_EQ(0, so_netns_add(self->peer));
	ASSERT_EQ(0, so_veth_to_ns(self->peer, "so_a", "so_b", BC_A, BC_B, 24));
	self->fd = so_open(0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(veth)
{
	so_close(self->fd);
	so_netns_del(self->peer);
}

static int set_broadcast(int sfd)
{
	int one = 1;

	return setsockopt(sfd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
}

/* A connected object to the broadcast address needs SOCKOBJ_CFG_BROADCAST */
TEST_F_TIMEOUT(veth, broadcast_connected_needs_option, T_PEER)
{
	struct sockobj_config cfg;
	struct sockobj_addr from, want;
	struct sockobj_info info;
	char buf[32];
	int peer;
	size_t done;
	__u32 id;

	peer = so_udp_in(self->peer, "0.0.0.0", PORT);
	ASSERT_LE(0, peer);
	id = udp_new(_metadata, self->fd, COOKIE, BC_BRD, PORT, NULL, 0, NULL);

	/* refused by the connect, reported as the outcome of the attempt */
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED),
		      EV_CLOSED(CONNECTING, ERROR, EACCES));
	EXPECT_INFO(self->fd, id, CLOSED, ERROR, CONNECTING, EACCES);
	EXPECT_EQ(-ENOTCONN, so_io_send(self->fd, id, "x", 1, &done));
	EXPECT_EQ(-ETIMEDOUT, peer_recvfrom(peer, buf, sizeof(buf), NULL, 200));

	/* with the option */
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_BROADCAST;
	cfg.broadcast = 1;
	ASSERT_EQ(0, so_configure(self->fd, &cfg));
	udp_connect(_metadata, self->fd, id, COOKIE);
	ASSERT_EQ(0, so_io_send(self->fd, id, "to everyone", 11, &done));
	ASSERT_EQ(11U, done);
	ASSERT_EQ(11, peer_recvfrom(peer, buf, sizeof(buf), &from, QUICK));
	EXPECT_EQ(0, memcmp(buf, "to everyone", 11));
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	ASSERT_EQ(0, so_addr(&want, BC_A, info.local.port));
	EXPECT_ADDR_EQ(&want, &from);
	close(peer);
}

/* A recv_any object: the SEND to the broadcast address gets EACCES */
TEST_F_TIMEOUT(veth, broadcast_recv_any_send_needs_option, T_PEER)
{
	struct sockobj_config extra;
	struct sockobj_addr from, want;
	char buf[32];
	int peer;
	size_t done;
	__u32 id;

	peer = so_udp_in(self->peer, "0.0.0.0", PORT);
	ASSERT_LE(0, peer);
	memset(&extra, 0, sizeof(extra));
	extra.mask = SOCKOBJ_CFG_RECV_ANY;
	extra.recv_any = 1;
	id = udp_new(_metadata, self->fd, COOKIE, BC_BRD, PORT, "0.0.0.0",
		     OBJ_PORT, &extra);
	udp_connect(_metadata, self->fd, id, COOKIE);
	EXPECT_EQ(-EACCES, so_io_send(self->fd, id, "x", 1, &done));
	EXPECT_INFO(self->fd, id, ESTABLISHED, NONE, CLOSED, 0);
	EXPECT_EQ(-ETIMEDOUT, peer_recvfrom(peer, buf, sizeof(buf), NULL, 200));

	ASSERT_EQ(0, so_abort(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK,
		      EV_CLOSED(ESTABLISHED, ABORTED, 0));
	memset(&extra, 0, sizeof(extra));
	extra.id = id;
	extra.mask = SOCKOBJ_CFG_BROADCAST;
	extra.broadcast = 1;
	ASSERT_EQ(0, so_configure(self->fd, &extra));
	udp_connect(_metadata, self->fd, id, COOKIE);
	ASSERT_EQ(0, so_io_send(self->fd, id, "hear ye", 7, &done));
	ASSERT_EQ(7U, done);
	ASSERT_EQ(7, peer_recvfrom(peer, buf, sizeof(buf), &from, QUICK));
	EXPECT_EQ(0, memcmp(buf, "hear ye", 7));
	ASSERT_EQ(0, so_addr(&want, BC_A, OBJ_PORT));
	EXPECT_ADDR_EQ(&want, &from);
	close(peer);
}

/*
 * A recv_any object bound to INADDR_ANY:port receives the peer's
 * broadcast, with the peer's address as its source; it answers to its
 * target.
 */
TEST_F_TIMEOUT(veth, recv_any_receives_broadcast, T_PEER)
{
	struct sockobj_config extra;
	struct sockobj_addr from, want;
	struct sockobj_io io;
	char buf[32];
	int peer;
	size_t done;
	__u32 id;

	peer = so_udp_in(self->peer, BC_B, PORT2);
	ASSERT_LE(0, peer);
	ASSERT_EQ(0, set_broadcast(peer));
	memset(&extra, 0, sizeof(extra));
	extra.mask = SOCKOBJ_CFG_RECV_ANY;
	extra.recv_any = 1;
	id = udp_new(_metadata, self->fd, COOKIE, BC_B, PORT2, "0.0.0.0",
		     OBJ_PORT, &extra);
	udp_connect(_metadata, self->fd, id, COOKIE);

	ASSERT_EQ(10, so_sendto(peer, "broadcast!", 10, BC_BRD, OBJ_PORT));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, udp_recv_wait(self->fd, id, buf, sizeof(buf), 0, &io,
				   QUICK));
	EXPECT_EQ(10ULL, io.done);
	EXPECT_EQ(10ULL, io.full_len);
	EXPECT_STREQ("broadcast!", buf);
	ASSERT_EQ(0, so_addr(&want, BC_B, PORT2));
	EXPECT_ADDR_EQ(&want, &io.addr);

	/* and a unicast one, also with its source */
	ASSERT_EQ(7, so_sendto(peer, "unicast", 7, BC_A, OBJ_PORT));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, udp_recv_wait(self->fd, id, buf, sizeof(buf), 0, &io,
				   QUICK));
	EXPECT_STREQ("unicast", buf);
	EXPECT_ADDR_EQ(&want, &io.addr);

	ASSERT_EQ(0, so_io_send(self->fd, id, "ack", 3, &done));
	ASSERT_EQ(3, peer_recvfrom(peer, buf, sizeof(buf), &from, QUICK));
	EXPECT_EQ(0, memcmp(buf, "ack", 3));
	ASSERT_EQ(0, so_addr(&want, BC_A, OBJ_PORT));
	EXPECT_ADDR_EQ(&want, &from);
	close(peer);
}

/*
 * To an address of the subnet that nobody owns: the datagrams wait for
 * ARP, charged to the socket, so a small send buffer fills (EAGAIN, and
 * tx_unacked counts them). When ARP gives up (about 3 s) they are dropped:
 * WRITABLE. The object stays ESTABLISHED and usable.
 */
TEST_F_TIMEOUT(veth, udp_send_buffer_full, T_PEER)
{
	struct sockobj_config extra;
	struct sockobj_info info;
	struct sockobj_event e;
	int i, n = 0;
	char msg[1000];
	size_t done;
	int ret;
	__u32 id;

	memset(msg, 'u', sizeof(msg));
	memset(&extra, 0, sizeof(extra));
	extra.mask = SOCKOBJ_CFG_SNDBUF;
	extra.sndbuf = 4096;
	id = udp_new(_metadata, self->fd, COOKIE, "10.14.0.77", PORT, NULL, 0,
		     &extra);
	udp_connect(_metadata, self->fd, id, COOKIE);
	for (i = 0; i < 1000; i++) {
		ret = so_io_send(self->fd, id, msg, sizeof(msg), &done);
		if (ret == -EAGAIN)
			break;
		ASSERT_EQ(0, ret);
		ASSERT_EQ(sizeof(msg), done);
		n++;
	}
	ASSERT_EQ(-EAGAIN, ret);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_LT(0U, info.tx_unacked);
	TH_LOG("%d datagrams queued, tx_unacked %u, tx_space %u", n,
	       info.tx_unacked, info.tx_space);

	/*
	 * ARP gives up, the datagrams are dropped: WRITABLE. (The local
	 * ICMP host unreachable is not a hard error for UDP: like a plain
	 * socket without IP_RECVERR, the object need not report it; if it
	 * does, as an ERROR record with EHOSTUNREACH.)
	 */
	do {
		ASSERT_EQ(1, so_next_event(self->fd, id, &e, so_tmo(10000)));
		EXPECT_EQ(U32(SOCKOBJ_STATE_ESTABLISHED), e.state);
		if (e.type != SOCKOBJ_EV_WRITABLE) {
			EXPECT_EQ(U32(SOCKOBJ_EV_ERROR), e.type);
			EXPECT_EQ(EHOSTUNREACH, e.error);
		}
	} while (e.type != SOCKOBJ_EV_WRITABLE);
	EXPECT_EQ(0, e.error);
	ASSERT_EQ(0, WAIT_INFO(self->fd, id, info, info.tx_unacked == 0, QUICK));
	EXPECT_INFO(self->fd, id, ESTABLISHED, NONE, CLOSED, 0);
	ASSERT_EQ(0, so_io_send(self->fd, id, msg, sizeof(msg), &done));
	ASSERT_EQ(sizeof(msg), done);
}

SO_HARNESS_MAIN
