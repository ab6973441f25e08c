// SPDX-License-Identifier: GPL-2.0
/*
 * sockobj selftest: the socket options of struct sockobj_config, each seen
 * from outside the module: on the handed-off socket (getsockopt), on the
 * wire (an AF_PACKET capture in the peer's namespace), at the peer
 * (IP_RECVTOS / IPV6_RECVTCLASS), or by what happens to the connection
 * (keepalive, TCP user timeout, inactivity timeout). Also: out-of-range
 * values and options of the other protocol get EINVAL and change nothing;
 * SO_PRIORITY 7 without CAP_NET_ADMIN (and CAP_NET_RAW, which 6.1 also
 * accepts) gets EPERM from CONNECT, leaving the object CLOSED with no
 * record.
 *
 * Fixture "opt" runs over lo (IPv4 and IPv6); fixture "optnet" (IPv4) has
 * the peer in another namespace behind a veth pair, where nft can stop
 * its acknowledgements and a capture sees exactly the packets exchanged.
 * Every test runs in its own network namespace.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "sotest.h"

#define PORT		7000
#define COOKIE		0x0b700000ULL
#define QUICK		so_tmo(5000)
#define T_NET		120
/*
 * A test with a peer namespace: every ip(8) and nft(8) command takes
 * seconds on the debug kernel under emulation, more on a loaded host.
 */
#define T_PEER		300
#define TOS		0xb8	/* DSCP EF; ECN bits clear (TCP owns them) */

/* A TCP or UDP object with target ip:port and the options in *opts */
static __u32 obj_new(struct __test_metadata *_metadata, int fd, __u32 proto,
		     __u64 cookie, const char *ip, __u16 port,
		     const struct sockobj_config *opts)
{
	struct sockobj_config cfg;
	__u32 id = 0;

	if (opts)
		cfg = *opts;
	else
		memset(&cfg, 0, sizeof(cfg));
	EXPECT_EQ(0, so_create(fd, proto, cookie, &id));
	cfg.id = id;
	cfg.mask |= SOCKOBJ_CFG_TARGET;
	EXPECT_EQ(0, so_addr(&cfg.target, ip, port));
	EXPECT_EQ(0, so_configure(fd, &cfg));
	return id;
}

/* ---------------------------------------------------------------------- */
/* Over lo                                                                */
/* ---------------------------------------------------------------------- */

FIXTURE(opt) {
	int fd;
};

FIXTURE_VARIANT(opt) {
	const char *lo;
	int v6;
};

FIXTURE_VARIANT_ADD(opt, ipv4) {
	.lo = "127.0.0.1",
	.v6 = 0,
};

FIXTURE_VARIANT_ADD(opt, ipv6) {
	.lo = "::1",
	.v6 = 1,
};

FIXTURE_SETUP(opt)
{
	self->fd = -1;
	SO_REQUIRE_DEVICE();
	ASSERT_EQ(0, so_netns_private());
	self->fd = so_open(0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(opt)
{
	so_close(self->fd);
}

/* Connect a configured TCP object to lfd and hand it off: the fd */
static int connect_handoff(struct __test_metadata *_metadata, int fd,
			   __u32 id, __u64 cookie, int lfd, int *srv)
{
	int sfd;

	EXPECT_EQ(0, so_connect(fd, id));
	ASSERT_EVENTS(fd, id, cookie, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
	*srv = so_accept(lfd, QUICK);
	EXPECT_LE(0, *srv);
	sfd = so_handoff(fd, id, 0);
	EXPECT_LE(0, sfd);
	return sfd;
}

/*
 * Every TCP option shows on the socket: getsockopt() of the handed-off
 * fd, against an object without options. SO_SNDBUF and SO_RCVBUF read back
 * doubled, and capped by net.core.wmem_max/rmem_max as for setsockopt(2).
 */
TEST_F_TIMEOUT(opt, tcp_getsockopt, T_NET)
{
	int ip = variant->v6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int tos = variant->v6 ? IPV6_TCLASS : IP_TOS;
	struct sockobj_config cfg, got;
	int lfd, srv, sfd, plain, big, capped;
	__u32 id;

	lfd = so_listen(variant->lo, PORT);
	ASSERT_LE(0, lfd);

	/* no option: the kernel's defaults */
	id = obj_new(_metadata, self->fd, SOCKOBJ_PROTO_TCP, COOKIE,
		     variant->lo, PORT, NULL);
	sfd = connect_handoff(_metadata, self->fd, id, COOKIE, lfd, &srv);
	ASSERT_LE(0, sfd);
	EXPECT_EQ(0, so_getint(sfd, IPPROTO_TCP, TCP_NODELAY));
	EXPECT_EQ(0, so_getint(sfd, SOL_SOCKET, SO_KEEPALIVE));
	EXPECT_EQ(7200, so_getint(sfd, IPPROTO_TCP, TCP_KEEPIDLE));
	EXPECT_EQ(75, so_getint(sfd, IPPROTO_TCP, TCP_KEEPINTVL));
	EXPECT_EQ(9, so_getint(sfd, IPPROTO_TCP, TCP_KEEPCNT));
	EXPECT_EQ(0, so_getint(sfd, ip, tos));
	EXPECT_EQ(0, so_getint(sfd, SOL_SOCKET, SO_PRIORITY));
	EXPECT_EQ(0, so_getint(sfd, IPPROTO_TCP, TCP_USER_TIMEOUT));
	close(sfd);
	close(srv);

	/* every option */
	memset(&cfg, 0, sizeof(cfg));
	cfg.mask = SOCKOBJ_CFG_NODELAY | SOCKOBJ_CFG_KEEPALIVE |
		   SOCKOBJ_CFG_TOS | SOCKOBJ_CFG_SNDBUF | SOCKOBJ_CFG_RCVBUF |
		   SOCKOBJ_CFG_USER_TIMEOUT;
	cfg.nodelay = 1;
	cfg.keepalive = 1;
	cfg.keepidle_s = 77;
	cfg.keepintvl_s = 13;
	cfg.keepcnt = 4;
	cfg.tos = TOS;
	cfg.sndbuf = 65536;
	cfg.rcvbuf = 98304;
	cfg.user_timeout_ms = 12345;
	id = obj_new(_metadata, self->fd, SOCKOBJ_PROTO_TCP, COOKIE + 1,
		     variant->lo, PORT, &cfg);
	ASSERT_EQ(0, so_get_config(self->fd, id, &got));
	EXPECT_EQ(cfg.mask | SOCKOBJ_CFG_TARGET, got.mask);
	EXPECT_EQ(1U, got.nodelay);
	EXPECT_EQ(1U, got.keepalive);
	EXPECT_EQ(77U, got.keepidle_s);
	EXPECT_EQ(13U, got.keepintvl_s);
	EXPECT_EQ(4U, got.keepcnt);
	EXPECT_EQ(U32(TOS), got.tos);
	EXPECT_EQ(65536U, got.sndbuf);
	EXPECT_EQ(98304U, got.rcvbuf);
	EXPECT_EQ(12345U, got.user_timeout_ms);
	sfd = connect_handoff(_metadata, self->fd, id, COOKIE + 1, lfd, &srv);
	ASSERT_LE(0, sfd);
	EXPECT_EQ(1, so_getint(sfd, IPPROTO_TCP, TCP_NODELAY));
	EXPECT_EQ(1, so_getint(sfd, SOL_SOCKET, SO_KEEPALIVE));
	EXPECT_EQ(77, so_getint(sfd, IPPROTO_TCP, TCP_KEEPIDLE));
	EXPECT_EQ(13, so_getint(sfd, IPPROTO_TCP, TCP_KEEPINTVL));
	EXPECT_EQ(4, so_getint(sfd, IPPROTO_TCP, TCP_KEEPCNT));
	EXPECT_EQ(TOS, so_getint(sfd, ip, tos));
	EXPECT_EQ(2 * 65536, so_getint(sfd, SOL_SOCKET, SO_SNDBUF));
	EXPECT_EQ(2 * 98304, so_getint(sfd, SOL_SOCKET, SO_RCVBUF));
	EXPECT_EQ(12345, so_getint(sfd, IPPROTO_TCP, TCP_USER_TIMEOUT));
	close(sfd);
	close(srv);

	/*
	 * A send buffer above net.core.wmem_max is capped, not refused: as
	 * setsockopt(2) does it on a plain socket of this namespace.
	 */
	plain = socket(variant->v6 ? AF_INET6 : AF_INET,
		       SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, plain);
	big = 0x20000000;
	ASSERT_EQ(0, setsockopt(plain, SOL_SOCKET, SO_SNDBUF, &big,
				sizeof(big)));
	capped = so_getint(plain, SOL_SOCKET, SO_SNDBUF);
	close(plain);
	ASSERT_GT(2 * big, capped);
	memset(&cfg, 0, sizeof(cfg));
	cfg.mask = SOCKOBJ_CFG_SNDBUF;
	cfg.sndbuf = (__u32)big;
	id = obj_new(_metadata, self->fd, SOCKOBJ_PROTO_TCP, COOKIE + 2,
		     variant->lo, PORT, &cfg);
	sfd = connect_handoff(_metadata, self->fd, id, COOKIE + 2, lfd, &srv);
	ASSERT_LE(0, sfd);
	EXPECT_EQ(capped, so_getint(sfd, SOL_SOCKET, SO_SNDBUF));
	close(sfd);
	close(srv);
	close(lfd);
}

/* The UDP options on the handed-off socket */
TEST_F_TIMEOUT(opt, udp_getsockopt, T_NET)
{
	int ip = variant->v6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int tos = variant->v6 ? IPV6_TCLASS : IP_TOS;
	struct sockobj_config cfg;
	int peer, sfd;
	__u32 id;

	peer = so_udp_in(NULL, variant->lo, PORT);
	ASSERT_LE(0, peer);
	memset(&cfg, 0, sizeof(cfg));
	cfg.mask = SOCKOBJ_CFG_TOS | SOCKOBJ_CFG_SNDBUF | SOCKOBJ_CFG_RCVBUF |
		   SOCKOBJ_CFG_BROADCAST;
	cfg.tos = 0xb9;		/* UDP keeps the ECN bits as given */
	cfg.sndbuf = 32768;
	cfg.rcvbuf = 40000;
	cfg.broadcast = 1;
	id = obj_new(_metadata, self->fd, SOCKOBJ_PROTO_UDP, COOKIE,
		     variant->lo, PORT, &cfg);
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
	sfd = so_handoff(self->fd, id, 0);
	ASSERT_LE(0, sfd);
	EXPECT_EQ(SOCK_DGRAM, so_getint(sfd, SOL_SOCKET, SO_TYPE));
	EXPECT_EQ(0xb9, so_getint(sfd, ip, tos));
	EXPECT_EQ(2 * 32768, so_getint(sfd, SOL_SOCKET, SO_SNDBUF));
	EXPECT_EQ(2 * 40000, so_getint(sfd, SOL_SOCKET, SO_RCVBUF));
	EXPECT_EQ(1, so_getint(sfd, SOL_SOCKET, SO_BROADCAST));
	close(sfd);
	close(peer);
}

/*
 * TOS and priority together: both hold on the socket, whatever order the
 * module applies them in. (On IPv4, setting IP_TOS also sets sk_priority
 * from the TOS, so applying TOS after SO_PRIORITY loses the priority.)
 */
static void tos_and_priority(struct __test_metadata *_metadata, int fd,
			     const char *lo, int v6, __u32 proto)
{
	int ip = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int tos = v6 ? IPV6_TCLASS : IP_TOS;
	struct sockobj_config cfg;
	int lfd = -1, srv = -1, sfd;
	__u32 id;

	if (proto == SOCKOBJ_PROTO_TCP) {
		lfd = so_listen(lo, PORT);
		ASSERT_LE(0, lfd);
	} else {
		lfd = so_udp_in(NULL, lo, PORT);
		ASSERT_LE(0, lfd);
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.mask = SOCKOBJ_CFG_TOS | SOCKOBJ_CFG_PRIORITY;
	cfg.tos = TOS;
	cfg.priority = 2;
	id = obj_new(_metadata, fd, proto, COOKIE, lo, PORT, &cfg);
	if (proto == SOCKOBJ_PROTO_TCP) {
		sfd = connect_handoff(_metadata, fd, id, COOKIE, lfd, &srv);
	} else {
		ASSERT_EQ(0, so_connect(fd, id));
		ASSERT_EVENTS(fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED),
			      EV(ESTABLISHED, CONNECTING));
		sfd = so_handoff(fd, id, 0);
	}
	ASSERT_LE(0, sfd);
	EXPECT_EQ(TOS, so_getint(sfd, ip, tos));
	EXPECT_EQ(2, so_getint(sfd, SOL_SOCKET, SO_PRIORITY));
	close(sfd);
	if (srv >= 0)
		close(srv);
	close(lfd);
}

TEST_F_TIMEOUT(opt, tos_and_priority_tcp, T_NET)
{
	tos_and_priority(_metadata, self->fd, variant->lo, variant->v6,
			 SOCKOBJ_PROTO_TCP);
}

TEST_F_TIMEOUT(opt, tos_and_priority_udp, T_NET)
{
	tos_and_priority(_metadata, self->fd, variant->lo, variant->v6,
			 SOCKOBJ_PROTO_UDP);
}

/*
 * The TOS / traffic class of a UDP object's datagrams, as the peer's
 * socket sees it (IP_RECVTOS / IPV6_RECVTCLASS), against an object
 * without the option.
 */
static int recv_tos(int sfd, int v6, int tmo)
{
	struct pollfd pfd = { .fd = sfd, .events = POLLIN };
	char data[64], ctl[256];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *c;

	if (poll(&pfd, 1, tmo) != 1 || recvmsg(sfd, &msg, MSG_DONTWAIT) < 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (!v6 && c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_TOS)
			return *(unsigned char *)CMSG_DATA(c);
		if (v6 && c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_TCLASS)
			return *(int *)CMSG_DATA(c);
	}
	return -2;
}

TEST_F_TIMEOUT(opt, udp_tos_at_peer, T_NET)
{
	struct sockobj_config cfg;
	int peer, one = 1;
	size_t done;
	__u32 plain, marked;

	peer = so_udp_in(NULL, variant->lo, PORT);
	ASSERT_LE(0, peer);
	ASSERT_EQ(0, variant->v6 ?
		  setsockopt(peer, IPPROTO_IPV6, IPV6_RECVTCLASS, &one,
			     sizeof(one)) :
		  setsockopt(peer, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one)));
	plain = obj_new(_metadata, self->fd, SOCKOBJ_PROTO_UDP, COOKIE,
			variant->lo, PORT, NULL);
	memset(&cfg, 0, sizeof(cfg));
	cfg.mask = SOCKOBJ_CFG_TOS;
	cfg.tos = TOS;
	marked = obj_new(_metadata, self->fd, SOCKOBJ_PROTO_UDP, COOKIE + 1,
			 variant->lo, PORT, &cfg);
	ASSERT_EQ(0, so_connect(self->fd, plain));
	ASSERT_EQ(0, so_connect(self->fd, marked));
	ASSERT_EQ(0, so_wait_state(self->fd, marked, SOCKOBJ_STATE_ESTABLISHED,
				   QUICK));

	ASSERT_EQ(0, so_io_send(self->fd, plain, "plain", 5, &done));
	EXPECT_EQ(0, recv_tos(peer, variant->v6, QUICK));
	ASSERT_EQ(0, so_io_send(self->fd, marked, "marked", 6, &done));
	EXPECT_EQ(TOS, recv_tos(peer, variant->v6, QUICK));
	close(peer);
}

/* Out-of-range values, options of the other protocol: EINVAL, no change */
struct bad_opt {
	const char *what;
	__u32 proto;
	__u64 mask;
	size_t off;	/* of the __u32 field in struct sockobj_config */
	__u32 val;
};

#define BAD(p, m, f, v) { #f " " #v " (" #p ")", SOCKOBJ_PROTO_##p,	\
	SOCKOBJ_CFG_##m, offsetof(struct sockobj_config, f), v }

static const struct bad_opt bad_opts[] = {
	BAD(TCP, NODELAY, nodelay, 2),
	BAD(TCP, KEEPALIVE, keepalive, 2),
	BAD(TCP, KEEPALIVE, keepidle_s, SOCKOBJ_KEEPIDLE_MAX_S + 1),
	BAD(TCP, KEEPALIVE, keepintvl_s, SOCKOBJ_KEEPINTVL_MAX_S + 1),
	BAD(TCP, KEEPALIVE, keepcnt, SOCKOBJ_KEEPCNT_MAX + 1),
	BAD(TCP, KEEPALIVE, keepcnt, 0xffffffffU),
	BAD(TCP, TOS, tos, 256),
	BAD(UDP, TOS, tos, 0x10000),
	BAD(TCP, PRIORITY, priority, 0x80000000U),
	BAD(TCP, SNDBUF, sndbuf, 0x80000000U),
	BAD(UDP, RCVBUF, rcvbuf, 0xffffffffU),
	BAD(TCP, USER_TIMEOUT, user_timeout_ms,
	    SOCKOBJ_USER_TIMEOUT_MAX_MS + 1),
	BAD(TCP, INACTIVITY, inactivity_s, SOCKOBJ_INACTIVITY_MAX_S + 1),
	BAD(UDP, INACTIVITY, inactivity_s, SOCKOBJ_INACTIVITY_MAX_S + 1),
	BAD(TCP, BROADCAST, broadcast, 2),
	BAD(UDP, BROADCAST, broadcast, 2),
	BAD(UDP, RECV_ANY, recv_any, 2),
	/* the other protocol's options */
	BAD(UDP, NODELAY, nodelay, 1),
	BAD(UDP, KEEPALIVE, keepalive, 1),
	BAD(UDP, KEEPALIVE, keepidle_s, 10),
	BAD(UDP, USER_TIMEOUT, user_timeout_ms, 1000),
	BAD(TCP, BROADCAST, broadcast, 1),
	BAD(TCP, RECV_ANY, recv_any, 1),
	/* even their default, 0: the option means nothing there */
	BAD(UDP, NODELAY, nodelay, 0),
	BAD(UDP, KEEPALIVE, keepalive, 0),
	BAD(UDP, USER_TIMEOUT, user_timeout_ms, 0),
	BAD(UDP, SENT_THRESHOLD, sent_threshold, 0),
	BAD(TCP, BROADCAST, broadcast, 0),
	BAD(TCP, RECV_ANY, recv_any, 0),
};

/* A value without its mask bit */
static const struct bad_opt unmasked_opts[] = {
	BAD(TCP, TOS, nodelay, 1),
	BAD(TCP, TOS, keepcnt, 3),
	BAD(TCP, NODELAY, priority, 1),
	BAD(UDP, TOS, broadcast, 1),
	BAD(TCP, TOS, inactivity_s, 5),
	BAD(TCP, TOS, sent_threshold, 5),
};

static void set_u32(struct sockobj_config *c, size_t off, __u32 v)
{
	memcpy((char *)c + off, &v, sizeof(v));
}

static void check_bad(struct __test_metadata *_metadata, int fd,
		      const struct bad_opt *b, int masked)
{
	struct sockobj_config base, cfg, before, after;
	__u32 id;

	ASSERT_EQ(0, so_create(fd, b->proto, COOKIE, &id));
	/* a configured object: target, TOS 4, inactivity 100 */
	memset(&base, 0, sizeof(base));
	base.id = id;
	base.mask = SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_TOS |
		    SOCKOBJ_CFG_INACTIVITY;
	ASSERT_EQ(0, so_addr(&base.target, "127.0.0.1", PORT));
	base.tos = 4;
	base.inactivity_s = 100;
	ASSERT_EQ(0, so_configure(fd, &base));
	ASSERT_EQ(0, so_get_config(fd, id, &before));

	/*
	 * Masked: with a valid change in the same request (priority 2, and
	 * keepalive 1 for a TCP keepalive parameter), which must not apply.
	 * Unmasked: the value outside the mask of the request.
	 */
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = b->mask;
	if (masked) {
		cfg.mask |= SOCKOBJ_CFG_PRIORITY;
		cfg.priority = 2;
		if (b->mask == SOCKOBJ_CFG_KEEPALIVE &&
		    b->proto == SOCKOBJ_PROTO_TCP)
			cfg.keepalive = 1;
	}
	set_u32(&cfg, b->off, b->val);
	EXPECT_EQ(-EINVAL, so_configure(fd, &cfg))
		TH_LOG("%s%s", b->what, masked ? "" : " without its mask bit");
	ASSERT_EQ(0, so_get_config(fd, id, &after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)))
		TH_LOG("%s changed the configuration", b->what);
	EXPECT_EQ(0, so_destroy(fd, id, 0));
}

TEST_F(opt, bad_values_change_nothing)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_opts); i++)
		check_bad(_metadata, self->fd, &bad_opts[i], 1);
	for (i = 0; i < ARRAY_SIZE(unmasked_opts); i++)
		check_bad(_metadata, self->fd, &unmasked_opts[i], 0);
}

/* The largest legal values, and 0 ("unset") with the mask bit set */
TEST_F(opt, limits_accepted)
{
	struct sockobj_config cfg, got;
	__u32 id, uid;

	ASSERT_EQ(0, so_create(self->fd, SOCKOBJ_PROTO_TCP, COOKIE, &id));
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_KEEPALIVE | SOCKOBJ_CFG_TOS |
		   SOCKOBJ_CFG_USER_TIMEOUT | SOCKOBJ_CFG_INACTIVITY |
		   SOCKOBJ_CFG_PRIORITY | SOCKOBJ_CFG_SNDBUF |
		   SOCKOBJ_CFG_RCVBUF;
	cfg.keepalive = 1;
	cfg.keepidle_s = SOCKOBJ_KEEPIDLE_MAX_S;
	cfg.keepintvl_s = SOCKOBJ_KEEPINTVL_MAX_S;
	cfg.keepcnt = SOCKOBJ_KEEPCNT_MAX;
	cfg.tos = 255;
	cfg.user_timeout_ms = SOCKOBJ_USER_TIMEOUT_MAX_MS;
	cfg.inactivity_s = SOCKOBJ_INACTIVITY_MAX_S;
	cfg.priority = 0x7fffffff;
	cfg.sndbuf = 0x3fffffff;
	cfg.rcvbuf = 0x3fffffff;
	ASSERT_EQ(0, so_configure(self->fd, &cfg));
	ASSERT_EQ(0, so_get_config(self->fd, id, &got));
	EXPECT_EQ(cfg.mask, got.mask);
	EXPECT_EQ(U32(SOCKOBJ_KEEPIDLE_MAX_S), got.keepidle_s);
	EXPECT_EQ(U32(SOCKOBJ_KEEPINTVL_MAX_S), got.keepintvl_s);
	EXPECT_EQ(U32(SOCKOBJ_KEEPCNT_MAX), got.keepcnt);
	EXPECT_EQ(255U, got.tos);
	EXPECT_EQ(SOCKOBJ_USER_TIMEOUT_MAX_MS, got.user_timeout_ms);
	EXPECT_EQ(SOCKOBJ_INACTIVITY_MAX_S, got.inactivity_s);
	EXPECT_EQ(0x7fffffffU, got.priority);

	/* keepcnt 0 with the mask bit: unset, allowed */
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_KEEPALIVE;
	cfg.keepalive = 1;
	cfg.keepidle_s = 60;
	ASSERT_EQ(0, so_configure(self->fd, &cfg));
	ASSERT_EQ(0, so_get_config(self->fd, id, &got));
	EXPECT_EQ(1U, got.keepalive);
	EXPECT_EQ(60U, got.keepidle_s);
	EXPECT_EQ(0U, got.keepintvl_s);
	EXPECT_EQ(0U, got.keepcnt);
	EXPECT_EQ(SOCKOBJ_CFG_KEEPALIVE, got.mask & SOCKOBJ_CFG_KEEPALIVE);
	/* and TOS 0 unsets TOS */
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_TOS;
	ASSERT_EQ(0, so_configure(self->fd, &cfg));
	ASSERT_EQ(0, so_get_config(self->fd, id, &got));
	EXPECT_EQ(0U, got.tos);
	EXPECT_EQ(0ULL, got.mask & SOCKOBJ_CFG_TOS);

	/* UDP: its own options at their limits */
	ASSERT_EQ(0, so_create(self->fd, SOCKOBJ_PROTO_UDP, COOKIE, &uid));
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = uid;
	cfg.mask = SOCKOBJ_CFG_BROADCAST | SOCKOBJ_CFG_RECV_ANY |
		   SOCKOBJ_CFG_TOS | SOCKOBJ_CFG_INACTIVITY;
	cfg.broadcast = 1;
	cfg.recv_any = 1;
	cfg.tos = 255;
	cfg.inactivity_s = 1;
	ASSERT_EQ(0, so_configure(self->fd, &cfg));
	ASSERT_EQ(0, so_get_config(self->fd, uid, &got));
	EXPECT_EQ(cfg.mask, got.mask);
	EXPECT_EQ(1U, got.broadcast);
	EXPECT_EQ(1U, got.recv_any);
}

/*
 * SO_PRIORITY above 6 needs CAP_NET_ADMIN, the opener's: on a file opened
 * by an unprivileged process CONNECT gets EPERM, the object stays CLOSED
 * (reason NONE, never connected) with no record, and priority 6 works;
 * on root's file the same process may. Root calling CONNECT on the
 * unprivileged process's file gets EPERM too.
 */
enum drop_how { DROP_SETUID, DROP_CAPS };

static int drop_privileges(enum drop_how how)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	int caps[] = { CAP_NET_ADMIN, CAP_NET_RAW };
	unsigned int i;

	if (how == DROP_SETUID)
		return setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		       setresuid(65534, 65534, 65534);
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return -1;
	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		data[CAP_TO_INDEX(caps[i])].effective &= ~CAP_TO_MASK(caps[i]);
		data[CAP_TO_INDEX(caps[i])].permitted &= ~CAP_TO_MASK(caps[i]);
		data[CAP_TO_INDEX(caps[i])].inheritable &=
			~CAP_TO_MASK(caps[i]);
	}
	return syscall(SYS_capset, &hdr, data) ? -1 : 0;
}

/* 0 if CONNECT of id was refused with EPERM and changed nothing */
static int refused_untouched(int fd, __u32 id)
{
	struct sockobj_event ev;
	struct sockobj_info info;
	int ret = so_connect(fd, id);

	if (ret != -EPERM) {
		fprintf(stderr, "# CONNECT with priority 7: %d, expected %d\n",
			ret, -EPERM);
		return 1;
	}
	if (so_get_info(fd, id, &info) ||
	    info.state != SOCKOBJ_STATE_CLOSED ||
	    info.reason != SOCKOBJ_REASON_NONE || info.connect_ns ||
	    info.pending || info.local.family) {
		fprintf(stderr, "# after EPERM: state %u reason %u "
			"connect_ns %llu pending %u\n", info.state, info.reason,
			(unsigned long long)info.connect_ns, info.pending);
		return 2;
	}
	if (so_next_state_event(fd, id, &ev, 300) != 0) {
		fprintf(stderr, "# a record after a refused CONNECT\n");
		return 3;
	}
	return 0;
}

/* a TCP object to lo:PORT with a priority; 0 on error */
static __u32 prio_obj(int fd, const char *lo, __u32 prio)
{
	struct sockobj_config cfg;
	__u32 id;

	if (so_create(fd, SOCKOBJ_PROTO_TCP, COOKIE + prio, &id))
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_PRIORITY;
	cfg.priority = prio;
	if (so_addr(&cfg.target, lo, PORT) || so_configure(fd, &cfg))
		return 0;
	return id;
}

/*
 * The unprivileged child: its own file (opened after the drop) refuses
 * priority 7 and takes 6; root's file (inherited) takes 7 from it. It then
 * passes its file, with a priority 7 object, to root. Exit status: 0 or
 * the number of the failed check.
 */
static int unprivileged_child(int root_fd, const char *node, int sock,
			      const char *lo, enum drop_how how)
{
	__u32 p7, p6, by_root, passed;
	int fd;

	if (drop_privileges(how)) {
		fprintf(stderr, "# cannot drop privileges: %s\n",
			strerror(errno));
		return 10;
	}
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 11;
	p7 = prio_obj(fd, lo, 7);
	p6 = prio_obj(fd, lo, 6);
	by_root = prio_obj(root_fd, lo, 7);
	passed = prio_obj(fd, lo, 7);
	if (!p7 || !p6 || !by_root || !passed)
		return 12;
	if (refused_untouched(fd, p7))
		return 13;
	if (so_connect(fd, p6) ||
	    so_wait_state(fd, p6, SOCKOBJ_STATE_ESTABLISHED, QUICK)) {
		fprintf(stderr, "# priority 6: not ESTABLISHED\n");
		return 14;
	}
	if (so_connect(root_fd, by_root) ||
	    so_wait_state(root_fd, by_root, SOCKOBJ_STATE_ESTABLISHED, QUICK)) {
		fprintf(stderr, "# priority 7 on root's file: not ESTABLISHED\n");
		return 15;
	}
	if (so_send_fd(sock, fd, passed))
		return 16;
	return 0;
}

static void priority_unprivileged(struct __test_metadata *_metadata,
				  int fd, const char *lo, enum drop_how how)
{
	int lfd, status, sv[2], theirs, srv, sfd;
	char node[64];
	__u32 passed, p7;
	pid_t pid;

	lfd = so_listen(lo, PORT);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, so_nobody_node(node, sizeof(node)));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(unprivileged_child(fd, node, sv[1], lo, how));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	unlink(node);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	/* root calling CONNECT on the child's file is the child: EPERM */
	theirs = so_recv_fd(sv[0], &passed);
	ASSERT_LE(0, theirs);
	EXPECT_EQ(0, refused_untouched(theirs, passed));
	close(theirs);
	close(sv[0]);
	close(sv[1]);

	/* root's own file: the socket has the priority */
	p7 = prio_obj(fd, lo, 7);
	ASSERT_NE(0U, p7);
	sfd = connect_handoff(_metadata, fd, p7, COOKIE + 7, lfd, &srv);
	ASSERT_LE(0, sfd);
	EXPECT_EQ(7, so_getint(sfd, SOL_SOCKET, SO_PRIORITY));
	close(sfd);
	close(srv);
	close(lfd);
}

TEST_F_TIMEOUT(opt, priority_needs_cap_setuid, T_NET)
{
	priority_unprivileged(_metadata, self->fd, variant->lo, DROP_SETUID);
}

TEST_F_TIMEOUT(opt, priority_needs_cap_capset, T_NET)
{
	priority_unprivileged(_metadata, self->fd, variant->lo, DROP_CAPS);
}

/*
 * Inactivity: an ESTABLISHED object with no data either way for
 * inactivity_s is reset: CLOSED(INACTIVITY, ETIMEDOUT), the peer sees the
 * reset.
 */
TEST_F_TIMEOUT(opt, inactivity_closes_idle, T_NET)
{
	struct sockobj_event ev[2];
	struct sockobj_config cfg;
	struct sockobj_info info;
	int lfd, srv;
	char buf[8];
	int64_t idle;
	__u32 id;

	lfd = so_listen(variant->lo, PORT);
	ASSERT_LE(0, lfd);
	memset(&cfg, 0, sizeof(cfg));
	cfg.mask = SOCKOBJ_CFG_INACTIVITY;
	cfg.inactivity_s = 2;
	id = obj_new(_metadata, self->fd, SOCKOBJ_PROTO_TCP, COOKIE,
		     variant->lo, PORT, &cfg);
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS_SEQ(self->fd, id, COOKIE, QUICK, NULL, ev,
			  EV(CONNECTING, CLOSED), EV(ESTABLISHED, CONNECTING));
	srv = so_accept(lfd, QUICK);
	ASSERT_LE(0, srv);
	ASSERT_EVENTS_SEQ(self->fd, id, COOKIE, so_tmo(8000), NULL, &ev[0],
			  EV_CLOSED(ESTABLISHED, INACTIVITY, ETIMEDOUT));
	EXPECT_INFO(self->fd, id, CLOSED, INACTIVITY, ESTABLISHED, ETIMEDOUT);
	EXPECT_EQ(-ECONNRESET, so_recv(srv, buf, sizeof(buf), QUICK));
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	idle = (int64_t)(info.closed_ns - info.established_ns) / 1000000;
	TH_LOG("closed after %lld ms idle", (long long)idle);
	EXPECT_LE(1950, idle);
	EXPECT_GE(so_tmo(5000), idle);
	close(srv);
	close(lfd);
}

/* ... but not while data flows, whichever way; then it does */
TEST_F_TIMEOUT(opt, inactivity_not_while_data_flows, T_NET)
{
	struct sockobj_config cfg;
	struct sockobj_info info;
	uint64_t last;
	int lfd, srv, i;
	char buf[8];
	size_t done;
	int64_t idle;
	__u32 id;

	lfd = so_listen(variant->lo, PORT);
	ASSERT_LE(0, lfd);
	memset(&cfg, 0, sizeof(cfg));
	cfg.mask = SOCKOBJ_CFG_INACTIVITY;
	cfg.inactivity_s = 2;
	id = obj_new(_metadata, self->fd, SOCKOBJ_PROTO_TCP, COOKIE,
		     variant->lo, PORT, &cfg);
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
	srv = so_accept(lfd, QUICK);
	ASSERT_LE(0, srv);

	/* 3.2 s of our data, a byte every 400 ms */
	for (i = 0; i < 8; i++) {
		so_sleep_ms(400);
		ASSERT_EQ(0, so_io_send(self->fd, id, "o", 1, &done));
		ASSERT_EQ(1, so_recv(srv, buf, sizeof(buf), QUICK));
	}
	/* 3.2 s of the peer's */
	for (i = 0; i < 8; i++) {
		so_sleep_ms(400);
		ASSERT_EQ(0, so_send_all(srv, "i", 1));
		EXPECT_DATA_EV(self->fd, id, COOKIE, READABLE, QUICK);
		ASSERT_EQ(0, so_io_recv(self->fd, id, buf, sizeof(buf), &done));
		ASSERT_EQ(1U, done);
	}
	last = so_now_ns();
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	ASSERT_EQ(U32(SOCKOBJ_STATE_ESTABLISHED), info.state);
	ASSERT_NO_EVENT(self->fd, id, 0);

	/* silence */
	ASSERT_EVENTS(self->fd, id, COOKIE, so_tmo(8000),
		      EV_CLOSED(ESTABLISHED, INACTIVITY, ETIMEDOUT));
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	idle = (int64_t)(info.closed_ns - last) / 1000000;
	TH_LOG("closed %lld ms after the last data", (long long)idle);
	EXPECT_LE(1900, idle);
	EXPECT_GE(so_tmo(5000), idle);
	close(srv);
	close(lfd);
}

/* A UDP object too, and its datagrams count as data */
TEST_F_TIMEOUT(opt, inactivity_udp, T_NET)
{
	struct sockobj_config cfg;
	struct sockobj_info info;
	uint64_t last;
	int peer, i;
	char buf[8];
	size_t done;
	int64_t idle;
	__u32 id;

	peer = so_udp_in(NULL, variant->lo, PORT);
	ASSERT_LE(0, peer);
	memset(&cfg, 0, sizeof(cfg));
	cfg.mask = SOCKOBJ_CFG_INACTIVITY;
	cfg.inactivity_s = 2;
	id = obj_new(_metadata, self->fd, SOCKOBJ_PROTO_UDP, COOKIE,
		     variant->lo, PORT, &cfg);
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
	for (i = 0; i < 8; i++) {
		so_sleep_ms(400);
		ASSERT_EQ(0, so_io_send(self->fd, id, "u", 1, &done));
		ASSERT_EQ(1, (int)recv(peer, buf, sizeof(buf), 0));
	}
	last = so_now_ns();
	EXPECT_INFO(self->fd, id, ESTABLISHED, NONE, CLOSED, 0);
	ASSERT_EVENTS(self->fd, id, COOKIE, so_tmo(8000),
		      EV_CLOSED(ESTABLISHED, INACTIVITY, ETIMEDOUT));
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	idle = (int64_t)(info.closed_ns - last) / 1000000;
	EXPECT_LE(1900, idle);
	EXPECT_GE(so_tmo(5000), idle);
	close(peer);
}

/* ---------------------------------------------------------------------- */
/* With a peer namespace: the wire, and a peer that stops answering       */
/* ---------------------------------------------------------------------- */

#define NA	"10.15.0.1"	/* us */
#define NB	"10.15.0.2"	/* the peer */

FIXTURE(optnet) {
	int fd;
	char peer[64];
};

FIXTURE_SETUP(optnet)
{
	self->fd = -1;
	self->peer[0] = 0;
	SO_REQUIRE_DEVICE();
	ASSERT_EQ(0, so_netns_private());
	so_netns_name(self->peer, sizeof(self->peer), "opeer");
	ASSERT_EQ(0, so_netns_add(self->peer));
	ASSERT_EQ(0, so_veth_to_ns(self->peer, "so_a", "so_b", NA, NB, 24));
	self->fd = so_open(0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(optnet)
{
	so_close(self->fd);
	so_netns_del(self->peer);
}

/*
 * TOS of a TCP object on the wire, captured in the peer's namespace:
 * every packet we send (SYN included) carries it; the peer's do not.
 */
TEST_F_TIMEOUT(optnet, tcp_tos_on_the_wire, T_PEER)
{
	struct sockobj_config cfg;
	struct sockobj_info info;
	unsigned int ours = 0, theirs = 0, syn = 0, data = 0;
	struct so_pkt pk;
	int lfd, srv, cap;
	char buf[16];
	size_t done;
	__u32 id;

	lfd = so_listen_in(self->peer, NB, PORT, 4);
	ASSERT_LE(0, lfd);
	cap = so_capture_open(self->peer, "so_b");
	ASSERT_LE(0, cap);
	memset(&cfg, 0, sizeof(cfg));
	cfg.mask = SOCKOBJ_CFG_TOS;
	cfg.tos = TOS;
	id = obj_new(_metadata, self->fd, SOCKOBJ_PROTO_TCP, COOKIE, NB, PORT,
		     &cfg);
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
	srv = so_accept(lfd, QUICK);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, so_io_send(self->fd, id, "tos!", 4, &done));
	ASSERT_EQ(4, (int)so_recv_exact(srv, buf, 4, QUICK));
	ASSERT_EQ(0, so_send_all(srv, "back", 4));
	EXPECT_DATA_EV(self->fd, id, COOKIE, READABLE, QUICK);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));

	while (so_capture_next(cap, &pk, 300) == 1) {
		if (pk.family != AF_INET || pk.proto != IPPROTO_TCP)
			continue;
		if (pk.sport == info.local.port && pk.dport == PORT) {
			ours++;
			syn += !!(pk.tcp_flags & SO_TCP_SYN);
			data += pk.payload == 4;
			EXPECT_EQ(TOS, pk.tos)
				TH_LOG("our packet, flags 0x%x: tos 0x%x",
				       pk.tcp_flags, pk.tos);
		} else if (pk.sport == PORT) {
			theirs++;
			EXPECT_EQ(0, pk.tos);
		}
	}
	EXPECT_LE(3U, ours);	/* SYN, ACK, data */
	EXPECT_EQ(1U, syn);
	EXPECT_EQ(1U, data);
	EXPECT_LE(2U, theirs);	/* SYN-ACK, data */
	close(cap);
	close(srv);
	close(lfd);
}

/*
 * Keepalive with a 1 s idle time and interval: the peer sees the probes
 * (no payload, one below our next sequence number); once it stops
 * answering, keepcnt unanswered probes end the connection (ETIMEDOUT).
 */
TEST_F_TIMEOUT(optnet, keepalive_probes, T_PEER)
{
	struct sockobj_config cfg;
	struct sockobj_info info;
	struct sockobj_event ev;
	unsigned int probes = 0, bad = 0;
	uint64_t t0, t_drop;
	__u32 isn = 0;
	int lfd, srv, cap, have_syn = 0;
	struct so_pkt pk;
	int64_t ms;
	__u32 id;

	lfd = so_listen_in(self->peer, NB, PORT, 4);
	ASSERT_LE(0, lfd);
	cap = so_capture_open(self->peer, "so_b");
	ASSERT_LE(0, cap);
	memset(&cfg, 0, sizeof(cfg));
	cfg.mask = SOCKOBJ_CFG_KEEPALIVE;
	cfg.keepalive = 1;
	cfg.keepidle_s = 1;
	cfg.keepintvl_s = 1;
	cfg.keepcnt = 3;
	id = obj_new(_metadata, self->fd, SOCKOBJ_PROTO_TCP, COOKIE, NB, PORT,
		     &cfg);
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
	srv = so_accept(lfd, QUICK);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));

	/* 4.5 s of an idle connection, as the peer sees it */
	t0 = so_now_ns();
	while (so_now_ns() - t0 < 4500000000ULL) {
		if (so_capture_next(cap, &pk, 100) != 1)
			continue;
		if (pk.proto != IPPROTO_TCP || pk.sport != info.local.port)
			continue;
		if (pk.tcp_flags & SO_TCP_SYN) {
			isn = pk.seq;
			have_syn = 1;
		} else if (pk.payload == 0 && have_syn && pk.seq == isn &&
			   pk.tcp_flags == SO_TCP_ACK) {
			probes++;	/* seq = snd_una - 1 = isn */
		} else if (have_syn && pk.seq != isn + 1) {
			bad++;
		}
	}
	ASSERT_TRUE(have_syn);
	TH_LOG("%u keepalive probes in 4.5 s", probes);
	EXPECT_LE(2U, probes);
	EXPECT_GE(6U, probes);
	EXPECT_EQ(0U, bad);
	EXPECT_INFO(self->fd, id, ESTABLISHED, NONE, CLOSED, 0);

	/* the peer goes silent: 3 probes later, the connection is dead */
	ASSERT_EQ(0, so_nft_input_rule(self->peer, "tcp dport 7000 drop"));
	t_drop = so_now_ns();
	ASSERT_EQ(1, so_next_state_event(self->fd, id, &ev, so_tmo(15000)));
	ms = ((int64_t)ev.timestamp_ns - (int64_t)t_drop) / 1000000;
	TH_LOG("closed %lld ms after the peer went silent", (long long)ms);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), ev.state);
	EXPECT_EQ(U32(SOCKOBJ_STATE_ESTABLISHED), ev.phase);
	EXPECT_EQ(ETIMEDOUT, ev.error);
	/*
	 * The contract has no reason of its own for unanswered keepalive
	 * probes: ETIMEDOUT while ESTABLISHED, like unacknowledged data,
	 * is RETRANS_TIMEOUT.
	 */
	EXPECT_EQ(U32(SOCKOBJ_REASON_RETRANS_TIMEOUT), ev.reason)
		TH_LOG("reason %u", ev.reason);
	EXPECT_LE(2000, ms);
	EXPECT_GE(so_tmo(7000), ms);
	close(cap);
	close(srv);
	close(lfd);
}

/*
 * TCP_USER_TIMEOUT 1500 ms: data the peer never acknowledges closes the
 * object with RETRANS_TIMEOUT / ETIMEDOUT about 1.5 s after it was sent
 * (the kernel default would retransmit for many minutes).
 */
TEST_F_TIMEOUT(optnet, user_timeout, T_PEER)
{
	struct sockobj_config cfg;
	struct sockobj_event ev;
	uint64_t t_send;
	int lfd, srv;
	size_t done;
	int64_t ms;
	__u32 id;

	lfd = so_listen_in(self->peer, NB, PORT, 4);
	ASSERT_LE(0, lfd);
	memset(&cfg, 0, sizeof(cfg));
	cfg.mask = SOCKOBJ_CFG_USER_TIMEOUT;
	cfg.user_timeout_ms = 1500;
	id = obj_new(_metadata, self->fd, SOCKOBJ_PROTO_TCP, COOKIE, NB, PORT,
		     &cfg);
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
	srv = so_accept(lfd, QUICK);
	ASSERT_LE(0, srv);

	/* idle: nothing unacknowledged, nothing happens */
	ASSERT_NO_EVENT(self->fd, id, 1000);
	ASSERT_EQ(0, so_nft_input_rule(self->peer, "tcp dport 7000 drop"));
	t_send = so_now_ns();
	ASSERT_EQ(0, so_io_send(self->fd, id, "lost in the void", 16, &done));
	ASSERT_EQ(16U, done);
	ASSERT_EQ(1, so_next_state_event(self->fd, id, &ev, so_tmo(30000)));
	ms = ((int64_t)ev.timestamp_ns - (int64_t)t_send) / 1000000;
	TH_LOG("closed %lld ms after the send", (long long)ms);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), ev.state);
	EXPECT_EQ(U32(SOCKOBJ_REASON_RETRANS_TIMEOUT), ev.reason);
	EXPECT_EQ(U32(SOCKOBJ_STATE_ESTABLISHED), ev.phase);
	EXPECT_EQ(ETIMEDOUT, ev.error);
	/*
	 * Not before the user timeout; after it, about 1.9 s here, but a
	 * guest that the host's load stalls fires its retransmit timer late
	 * (7.2 s seen on PREEMPT_RT beside a kernel build). Without the
	 * option the retransmissions would go on for about 15 minutes
	 * (tcp_retries2), so 20 s still tells the two apart.
	 */
	EXPECT_LE(1400, ms);
	EXPECT_GE(so_tmo(20000), ms);
	EXPECT_INFO(self->fd, id, CLOSED, RETRANS_TIMEOUT, ESTABLISHED,
		    ETIMEDOUT);
	close(srv);
	close(lfd);
}

SO_HARNESS_MAIN
