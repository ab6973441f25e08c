// SPDX-License-Identifier: GPL-2.0
/*
 * sockobj selftest: real connections and every way they end.
 *
 * Every test runs in its own network namespace (the harness forks each
 * test; it unshares CLONE_NEWNET, brings lo up, and only then opens
 * /dev/sockobj, because the module creates sockets in the opener's
 * namespace). Two-host tests add a named peer namespace joined by a veth
 * pair; servers and nft rules live there; it is deleted in teardown.
 *
 * Fixture "tcp" runs over IPv4 and IPv6: established (addresses checked
 * against the accepted socket), refused, connect timeout, host and network
 * unreachable, reset while established or connecting, peer closes first,
 * we close first, abort, cancel while connecting, local bind, reconnect,
 * a late reader, destroy, and closing the file with objects in every state.
 * Fixture "single" (IPv4): privileged local ports, decided by the file's
 * opener whoever calls CONNECT (both ways), interface binding, many objects at once, epoll, and a file that
 * keeps its namespace after the caller moves to another one.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "sotest.h"

#define PORT		5000	/* listeners */
#define DROP_PORT	5001	/* SYNs dropped by the peer */
#define REFUSED_PORT	5002	/* nothing listens */
#define COOKIE		0xabcdef0012345678ULL

/* ms allowed for an outcome that should be quick */
#define QUICK		so_tmo(5000)

/*
 * Harness timeout of a test (s): generous, since on the debug kernel under
 * emulation creating namespaces, veth pairs and nft rules alone takes
 * seconds per command.
 */
#define T_NET		240

FIXTURE(tcp) {
	int fd;
	char peer[64];		/* named peer namespace, "" if none */
};

FIXTURE_VARIANT(tcp) {
	const char *lo;		/* our loopback address */
	const char *lo2;	/* another local address (added by the test) */
	const char *any;	/* the unspecified address */
	const char *a;		/* our veth address */
	const char *b;		/* the peer's veth address */
	const char *unused;	/* on the veth subnet, owned by nobody */
	const char *nonet;	/* no route to it */
	int prefix;
};

FIXTURE_VARIANT_ADD(tcp, ipv4) {
	.lo = "127.0.0.1",
	.lo2 = "127.0.0.2",
	.any = "0.0.0.0",
	.a = "10.11.0.1",
	.b = "10.11.0.2",
	.unused = "10.11.0.77",
	.nonet = "10.99.0.1",
	.prefix = 24,
};

FIXTURE_VARIANT_ADD(tcp, ipv6) {
	.lo = "::1",
	.lo2 = "fd00:99::5",
	.any = "::",
	.a = "fd00:11::1",
	.b = "fd00:11::2",
	.unused = "fd00:11::77",
	.nonet = "2001:db8:99::1",
	.prefix = 64,
};

FIXTURE_SETUP(tcp)
{
	self->fd = -1;
	self->peer[0] = 0;
	SO_REQUIRE_DEVICE();
	ASSERT_EQ(0, so_netns_private());
	self->fd = so_open(0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(tcp)
{
	so_param_write("work_delay_ms", 0);	/* test builds only */
	so_close(self->fd);
	so_netns_del(self->peer);
}

/* The peer namespace, joined by veth so_a (variant->a) - so_b (->b) */
static void peer_up(struct __test_metadata *_metadata,
		    FIXTURE_DATA(tcp) *self,
		    const FIXTURE_VARIANT(tcp) *variant)
{
	so_netns_name(self->peer, sizeof(self->peer), "peer");
	ASSERT_EQ(0, so_netns_add(self->peer));
	ASSERT_EQ(0, so_veth_to_ns(self->peer, "so_a", "so_b", variant->a,
				   variant->b, variant->prefix));
}

/* The records of an attempt that failed while CONNECTING */
#define ASSERT_FAILED_CONNECT(fd, id, cookie, tmo, rsn, err, out)	\
	ASSERT_EVENTS_SEQ(fd, id, cookie, tmo, NULL, out,		\
			  EV(CONNECTING, CLOSED),			\
			  EV_CLOSED(CONNECTING, rsn, err))

static uint64_t ms_between(const struct sockobj_event *a,
			   const struct sockobj_event *b)
{
	return (b->timestamp_ns - a->timestamp_ns) / 1000000ULL;
}

/* --------------------------------------------------------------------- */

TEST_F_TIMEOUT(tcp, established, T_NET)
{
	struct sockobj_addr target, peer_local, peer_remote;
	struct sockobj_event ev[2];
	struct sockobj_info info;
	uint64_t t0 = so_now_ns();
	int lfd, srv;
	__u32 id;

	lfd = so_listen(variant->lo, PORT);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, so_new(self->fd, COOKIE, variant->lo, PORT, &id));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS_SEQ(self->fd, id, COOKIE, QUICK, NULL, ev,
			  EV(CONNECTING, CLOSED), EV(ESTABLISHED, CONNECTING));
	srv = so_accept(lfd, QUICK);
	ASSERT_LE(0, srv);

	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(id, info.id);
	EXPECT_EQ(U32(SOCKOBJ_PROTO_TCP), info.proto);
	EXPECT_EQ(COOKIE, info.cookie);
	EXPECT_EQ(U32(SOCKOBJ_STATE_ESTABLISHED), info.state);
	EXPECT_EQ(0, info.error);
	EXPECT_EQ(0U, info.ifindex);
	EXPECT_EQ(0U, info.pending);
	/* our end is the server's peer, and the other way round */
	ASSERT_EQ(0, so_sockname(srv, &peer_remote, 1));
	ASSERT_EQ(0, so_sockname(srv, &peer_local, 0));
	EXPECT_ADDR_EQ(&peer_remote, &info.local);
	EXPECT_ADDR_EQ(&peer_local, &info.remote);
	ASSERT_EQ(0, so_addr(&target, variant->lo, PORT));
	EXPECT_ADDR_EQ(&target, &info.remote);
	EXPECT_NE(0, info.local.port);
	/* times */
	EXPECT_LE(info.created_ns, info.connect_ns);
	EXPECT_LE(t0, info.connect_ns);
	EXPECT_LE(info.connect_ns, info.established_ns);
	EXPECT_LE(info.established_ns, so_now_ns());
	EXPECT_EQ(0ULL, info.closed_ns);
	EXPECT_LE(ev[0].timestamp_ns, ev[1].timestamp_ns);
	EXPECT_LE(t0, ev[0].timestamp_ns);

	/* nothing else happens while the connection is idle */
	ASSERT_NO_EVENT(self->fd, 0, 300);
	close(srv);
	close(lfd);
}

TEST_F_TIMEOUT(tcp, refused, T_NET)
{
	struct sockobj_addr target;
	struct sockobj_info info;
	__u32 id;

	ASSERT_EQ(0, so_new(self->fd, COOKIE, variant->lo, REFUSED_PORT, &id));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_FAILED_CONNECT(self->fd, id, COOKIE, QUICK, REFUSED,
			      ECONNREFUSED, NULL);
	EXPECT_INFO(self->fd, id, CLOSED, REFUSED, CONNECTING, ECONNREFUSED);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	ASSERT_EQ(0, so_addr(&target, variant->lo, REFUSED_PORT));
	EXPECT_ADDR_EQ(&target, &info.remote);
	EXPECT_LE(info.connect_ns, info.closed_ns);
	EXPECT_NE(0ULL, info.connect_ns);
	EXPECT_EQ(0ULL, info.established_ns);
	ASSERT_NO_EVENT(self->fd, 0, 200);
}

/* The peer drops our SYNs; the object's own 1500 ms timeout fires */
TEST_F_TIMEOUT(tcp, connect_timeout, T_NET)
{
	struct sockobj_config cfg;
	struct sockobj_event ev[2];
	uint64_t ms;
	__u32 id;

	peer_up(_metadata, self, variant);
	ASSERT_EQ(0, so_nft_input_rule(self->peer, "tcp dport 5001 drop"));
	ASSERT_EQ(0, so_create(self->fd, SOCKOBJ_PROTO_TCP, COOKIE, &id));
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_CONNECT_TIMEOUT;
	ASSERT_EQ(0, so_addr(&cfg.target, variant->b, DROP_PORT));
	cfg.connect_timeout_ms = 1500;
	ASSERT_EQ(0, so_configure(self->fd, &cfg));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_FAILED_CONNECT(self->fd, id, COOKIE, so_tmo(10000),
			      CONNECT_TIMEOUT, ETIMEDOUT, ev);
	ms = ms_between(&ev[0], &ev[1]);
	TH_LOG("connect timeout after %llu ms (configured 1500)",
	       (unsigned long long)ms);
	EXPECT_LE(1490ULL, ms);
	EXPECT_GE(so_debug_kernel() ? 5500ULL : 2500ULL, ms);
	EXPECT_INFO(self->fd, id, CLOSED, CONNECT_TIMEOUT, CONNECTING,
		    ETIMEDOUT);
}

/*
 * An address of the veth subnet that nobody owns: neighbour resolution
 * fails after about 3 s and the stack reports EHOSTUNREACH.
 */
TEST_F_TIMEOUT(tcp, host_unreachable, T_NET)
{
	struct sockobj_event ev[2];
	uint64_t ms;
	__u32 id;

	peer_up(_metadata, self, variant);
	ASSERT_EQ(0, so_new(self->fd, COOKIE, variant->unused, PORT, &id));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_FAILED_CONNECT(self->fd, id, COOKIE, so_tmo(15000),
			      HOST_UNREACH, EHOSTUNREACH, ev);
	ms = ms_between(&ev[0], &ev[1]);
	TH_LOG("host unreachable after %llu ms", (unsigned long long)ms);
	EXPECT_LE(1500ULL, ms);
	EXPECT_GE(so_debug_kernel() ? 20000ULL : 10000ULL, ms);
	EXPECT_INFO(self->fd, id, CLOSED, HOST_UNREACH, CONNECTING,
		    EHOSTUNREACH);
}

/* No route: known at once, still reported as records, CONNECT returns 0 */
TEST_F_TIMEOUT(tcp, net_unreachable, T_NET)
{
	struct sockobj_info info;
	__u32 id;

	ASSERT_EQ(0, so_new(self->fd, COOKIE, variant->nonet, PORT, &id));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_FAILED_CONNECT(self->fd, id, COOKIE, QUICK, NET_UNREACH,
			      ENETUNREACH, NULL);
	EXPECT_INFO(self->fd, id, CLOSED, NET_UNREACH, CONNECTING,
		    ENETUNREACH);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(0ULL, info.established_ns);
	/* and again: the object can retry */
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_FAILED_CONNECT(self->fd, id, COOKIE, QUICK, NET_UNREACH,
			      ENETUNREACH, NULL);
}

/* The server accepts, then closes with SO_LINGER {1, 0}: a RST */
TEST_F_TIMEOUT(tcp, reset_established, T_NET)
{
	int lfd, srv;
	__u32 id;

	lfd = so_listen(variant->lo, PORT);
	ASSERT_LE(0, lfd);
	id = so_establish(_metadata, self->fd, lfd, variant->lo, PORT, COOKIE,
			  &srv);
	so_close_rst(srv);
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK,
		      EV_CLOSED(ESTABLISHED, RESET, ECONNRESET));
	EXPECT_INFO(self->fd, id, CLOSED, RESET, ESTABLISHED, ECONNRESET);
	close(lfd);
}

/*
 * The peer answers the SYN with a RST (nft reject with tcp reset). TCP
 * reports a RST that answers a SYN as ECONNREFUSED (tcp_reset() in
 * SYN_SENT), so this is REFUSED, not RESET: the object cannot tell it
 * apart from "no listener".
 */
TEST_F_TIMEOUT(tcp, reset_connecting, T_NET)
{
	__u32 id;

	peer_up(_metadata, self, variant);
	ASSERT_EQ(0, so_nft_input_rule(self->peer,
		"tcp dport 5000 tcp flags syn reject with tcp reset"));
	/* a listener that must not matter */
	ASSERT_LE(0, so_listen_in(self->peer, variant->b, PORT, 16));
	ASSERT_EQ(0, so_new(self->fd, COOKIE, variant->b, PORT, &id));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_FAILED_CONNECT(self->fd, id, COOKIE, QUICK, REFUSED,
			      ECONNREFUSED, NULL);
	EXPECT_INFO(self->fd, id, CLOSED, REFUSED, CONNECTING, ECONNREFUSED);
}

/* Passive close: the peer closes, then we disconnect */
TEST_F_TIMEOUT(tcp, peer_closes_first, T_NET)
{
	int lfd, srv;
	__u32 id;

	lfd = so_listen(variant->lo, PORT);
	ASSERT_LE(0, lfd);
	id = so_establish(_metadata, self->fd, lfd, variant->lo, PORT, COOKIE,
			  &srv);
	ASSERT_EQ(0, close(srv));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK,
		      EV(PEER_CLOSING, ESTABLISHED));
	EXPECT_INFO(self->fd, id, PEER_CLOSING, NONE, CLOSED, 0);
	ASSERT_NO_EVENT(self->fd, id, 200);
	ASSERT_EQ(0, so_disconnect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK,
		      EV(CLOSING, PEER_CLOSING),
		      EV_CLOSED(CLOSING, PEER_CLOSED, 0));
	EXPECT_INFO(self->fd, id, CLOSED, PEER_CLOSED, CLOSING, 0);
	close(lfd);
}

/* Active close: we disconnect, the server sees EOF, then closes */
TEST_F_TIMEOUT(tcp, local_closes_first, T_NET)
{
	char buf[16];
	int lfd, srv;
	__u32 id;

	lfd = so_listen(variant->lo, PORT);
	ASSERT_LE(0, lfd);
	id = so_establish(_metadata, self->fd, lfd, variant->lo, PORT, COOKIE,
			  &srv);
	ASSERT_EQ(0, so_disconnect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CLOSING, ESTABLISHED));
	EXPECT_EQ(0, so_recv(srv, buf, sizeof(buf), QUICK));	/* EOF */
	ASSERT_NO_EVENT(self->fd, id, 200);
	EXPECT_INFO(self->fd, id, CLOSING, NONE, CLOSED, 0);
	ASSERT_EQ(0, close(srv));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK,
		      EV_CLOSED(CLOSING, LOCAL_CLOSED, 0));
	EXPECT_INFO(self->fd, id, CLOSED, LOCAL_CLOSED, CLOSING, 0);
	close(lfd);
}

/* ABORT: a RST to the server; CLOSED as soon as the ioctl returns */
TEST_F_TIMEOUT(tcp, abort_established, T_NET)
{
	char buf[16];
	int lfd, srv;
	__u32 id;

	lfd = so_listen(variant->lo, PORT);
	ASSERT_LE(0, lfd);
	id = so_establish(_metadata, self->fd, lfd, variant->lo, PORT, COOKIE,
			  &srv);
	ASSERT_EQ(0, so_abort(self->fd, id));
	EXPECT_INFO(self->fd, id, CLOSED, ABORTED, ESTABLISHED, 0);
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK,
		      EV_CLOSED(ESTABLISHED, ABORTED, 0));
	EXPECT_EQ(-ECONNRESET, so_recv(srv, buf, sizeof(buf), QUICK));
	ASSERT_NO_EVENT(self->fd, id, 200);
	close(srv);
	close(lfd);
}

/* DISCONNECT or ABORT while CONNECTING (the peer drops SYNs): CANCELLED */
static void cancel_connecting(struct __test_metadata *_metadata,
			      FIXTURE_DATA(tcp) *self,
			      const FIXTURE_VARIANT(tcp) *variant, int abort)
{
	__u32 id;

	peer_up(_metadata, self, variant);
	ASSERT_EQ(0, so_nft_input_rule(self->peer, "tcp dport 5001 drop"));
	ASSERT_EQ(0, so_new(self->fd, COOKIE, variant->b, DROP_PORT, &id));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED));
	so_sleep_ms(300);	/* well inside SYN_SENT */
	EXPECT_INFO(self->fd, id, CONNECTING, NONE, CLOSED, 0);
	ASSERT_EQ(0, abort ? so_abort(self->fd, id) :
			     so_disconnect(self->fd, id));
	/* "at once": CLOSED when the ioctl returns */
	EXPECT_INFO(self->fd, id, CLOSED, CANCELLED, CONNECTING, 0);
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK,
		      EV_CLOSED(CONNECTING, CANCELLED, 0));
	ASSERT_NO_EVENT(self->fd, id, 300);
}

TEST_F_TIMEOUT(tcp, cancel_by_disconnect, T_NET)
{
	cancel_connecting(_metadata, self, variant, 0);
}

TEST_F_TIMEOUT(tcp, cancel_by_abort, T_NET)
{
	cancel_connecting(_metadata, self, variant, 1);
}

/* A chosen local port, with our address or the unspecified one */
TEST_F_TIMEOUT(tcp, bind_local_port, T_NET)
{
	static const __u16 ports[2] = { 40000, 40001 };
	struct sockobj_addr peer_remote;
	struct sockobj_config cfg;
	struct sockobj_info info;
	int lfd, srv, i;

	lfd = so_listen(variant->lo, PORT);
	ASSERT_LE(0, lfd);
	for (i = 0; i < 2; i++) {
		__u32 id;

		ASSERT_EQ(0, so_create(self->fd, SOCKOBJ_PROTO_TCP, COOKIE + i,
				       &id));
		memset(&cfg, 0, sizeof(cfg));
		cfg.id = id;
		cfg.mask = SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_LOCAL;
		ASSERT_EQ(0, so_addr(&cfg.target, variant->lo, PORT));
		ASSERT_EQ(0, so_addr(&cfg.local, i ? variant->any : variant->lo,
				     ports[i]));
		ASSERT_EQ(0, so_configure(self->fd, &cfg));
		ASSERT_EQ(0, so_connect(self->fd, id));
		ASSERT_EVENTS(self->fd, id, COOKIE + i, QUICK,
			      EV(CONNECTING, CLOSED),
			      EV(ESTABLISHED, CONNECTING));
		srv = so_accept(lfd, QUICK);
		ASSERT_LE(0, srv);
		ASSERT_EQ(0, so_get_info(self->fd, id, &info));
		ASSERT_EQ(0, so_sockname(srv, &peer_remote, 1));
		EXPECT_EQ(ports[i], info.local.port);
		EXPECT_EQ(ports[i], peer_remote.port);
		EXPECT_ADDR_EQ(&peer_remote, &info.local);
		close(srv);
	}
	close(lfd);
}

/* A chosen local address with port 0: any port, on that address */
TEST_F_TIMEOUT(tcp, bind_port_zero, T_NET)
{
	struct sockobj_addr peer_remote, want;
	struct sockobj_config cfg;
	struct sockobj_info info;
	int lfd, srv;
	__u32 id;

	if (strchr(variant->lo2, ':'))
		ASSERT_EQ(0, so_addr_add(NULL, "lo", variant->lo2, 128));
	lfd = so_listen(variant->lo, PORT);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, so_create(self->fd, SOCKOBJ_PROTO_TCP, COOKIE, &id));
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_LOCAL;
	ASSERT_EQ(0, so_addr(&cfg.target, variant->lo, PORT));
	ASSERT_EQ(0, so_addr(&cfg.local, variant->lo2, 0));
	ASSERT_EQ(0, so_configure(self->fd, &cfg));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
	srv = so_accept(lfd, QUICK);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	ASSERT_EQ(0, so_sockname(srv, &peer_remote, 1));
	EXPECT_NE(0, info.local.port);
	EXPECT_ADDR_EQ(&peer_remote, &info.local);
	ASSERT_EQ(0, so_addr(&want, variant->lo2, info.local.port));
	EXPECT_ADDR_EQ(&want, &info.local);
	close(srv);
	close(lfd);
}

/* CLOSED objects connect again, reconfigured or not */
TEST_F_TIMEOUT(tcp, reconnect, T_NET)
{
	struct sockobj_info info;
	__u64 seq = 0;
	int lfd, srv;
	__u32 id;

	ASSERT_EQ(0, so_new(self->fd, COOKIE, variant->lo, PORT, &id));
	/* refused: nobody listens yet */
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS_SEQ(self->fd, id, COOKIE, QUICK, &seq, NULL,
			  EV(CONNECTING, CLOSED),
			  EV_CLOSED(CONNECTING, REFUSED, ECONNREFUSED));
	/* same configuration, now with a listener */
	lfd = so_listen(variant->lo, PORT);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS_SEQ(self->fd, id, COOKIE, QUICK, &seq, NULL,
			  EV(CONNECTING, CLOSED), EV(ESTABLISHED, CONNECTING));
	srv = so_accept(lfd, QUICK);
	ASSERT_LE(0, srv);
	EXPECT_INFO(self->fd, id, ESTABLISHED, NONE, CLOSED, 0);
	ASSERT_EQ(0, so_abort(self->fd, id));
	ASSERT_EVENTS_SEQ(self->fd, id, COOKIE, QUICK, &seq, NULL,
			  EV_CLOSED(ESTABLISHED, ABORTED, 0));
	close(srv);
	/* reconfigured to a port nobody listens on, then back */
	ASSERT_EQ(0, so_set_target(self->fd, id, variant->lo, REFUSED_PORT));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS_SEQ(self->fd, id, COOKIE, QUICK, &seq, NULL,
			  EV(CONNECTING, CLOSED),
			  EV_CLOSED(CONNECTING, REFUSED, ECONNREFUSED));
	ASSERT_EQ(0, so_set_target(self->fd, id, variant->lo, PORT));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS_SEQ(self->fd, id, COOKIE, QUICK, &seq, NULL,
			  EV(CONNECTING, CLOSED), EV(ESTABLISHED, CONNECTING));
	srv = so_accept(lfd, QUICK);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(U32(SOCKOBJ_STATE_ESTABLISHED), info.state);
	EXPECT_LE(info.connect_ns, info.established_ns);
	close(srv);
	close(lfd);
}

/*
 * GET_INFO times across attempts: connect_ns and established_ns are those
 * of the last attempt, closed_ns is "the time the object last became
 * CLOSED", so a reconnected object still reports its previous close.
 */
TEST_F_TIMEOUT(tcp, info_times_after_reconnect, T_NET)
{
	uint64_t abort0, abort1, conn0, conn1;
	struct sockobj_info info;
	int lfd, srv;
	__u32 id;

	lfd = so_listen(variant->lo, PORT);
	ASSERT_LE(0, lfd);
	id = so_establish(_metadata, self->fd, lfd, variant->lo, PORT, COOKIE,
			  &srv);
	abort0 = so_now_ns();
	ASSERT_EQ(0, so_abort(self->fd, id));
	abort1 = so_now_ns();
	close(srv);
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK,
		      EV_CLOSED(ESTABLISHED, ABORTED, 0));
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_LE(abort0, info.closed_ns);
	EXPECT_GE(abort1, info.closed_ns);

	conn0 = so_now_ns();
	ASSERT_EQ(0, so_connect(self->fd, id));
	conn1 = so_now_ns();
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK,
		      EV(CONNECTING, CLOSED), EV(ESTABLISHED, CONNECTING));
	srv = so_accept(lfd, QUICK);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_LE(conn0, info.connect_ns);
	EXPECT_GE(conn1, info.connect_ns);
	EXPECT_LE(info.connect_ns, info.established_ns);
	EXPECT_LE(abort0, info.closed_ns)
		TH_LOG("closed_ns should still be the previous close");
	EXPECT_GE(abort1, info.closed_ns);
	close(srv);
	close(lfd);
}

/*
 * A timer of one attempt never acts on the next. The module of a test
 * build (a kernel with KUnit) can hold every work item back between
 * taking its requests and locking the object (work_delay_ms), as a busy
 * system does: the timer of attempt 1 fires, its request waits, attempt 1
 * is aborted and attempt 2 begins; when the request is finally handled,
 * attempt 2 (with a long timeout) must be left alone. Elsewhere the knob
 * does not exist and the test is skipped.
 */
#define WORK_DELAY_MS	3000

static void hold_work_back(struct __test_metadata *_metadata)
{
	long v;

	if (so_param_read("work_delay_ms", &v))
		SKIP(return, "work_delay_ms exists only in test builds of the module (a kernel with KUnit)");
	ASSERT_EQ(0, so_param_write("work_delay_ms", WORK_DELAY_MS));
}

TEST_F_TIMEOUT(tcp, inactivity_of_last_attempt_spares_the_next, T_NET)
{
	struct sockobj_config cfg;
	int lfd, srv, srv2;
	__u32 id;

	lfd = so_listen(variant->lo, PORT);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, so_new(self->fd, COOKIE, variant->lo, PORT, &id));
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_INACTIVITY;
	cfg.inactivity_s = 1;
	ASSERT_EQ(0, so_configure(self->fd, &cfg));
	hold_work_back(_metadata);
	if (SO_TEST_SKIPPED(_metadata))
		return;
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
	srv = so_accept(lfd, QUICK);
	ASSERT_LE(0, srv);
	/* attempt 1's inactivity timer fires; its request is held back */
	so_sleep_ms(1800);
	ASSERT_EQ(0, so_abort(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK,
		      EV_CLOSED(ESTABLISHED, ABORTED, 0));
	cfg.inactivity_s = 60;
	ASSERT_EQ(0, so_configure(self->fd, &cfg));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
	srv2 = so_accept(lfd, QUICK);
	ASSERT_LE(0, srv2);
	/* the held request runs meanwhile: attempt 2 stays up */
	ASSERT_NO_EVENT(self->fd, id, WORK_DELAY_MS + 1500);
	EXPECT_INFO(self->fd, id, ESTABLISHED, NONE, CLOSED, 0);
	close(srv2);
	close(srv);
	close(lfd);
}

TEST_F_TIMEOUT(tcp, connect_timeout_of_last_attempt_spares_the_next, T_NET)
{
	struct sockobj_config cfg;
	__u32 id;

	peer_up(_metadata, self, variant);
	ASSERT_EQ(0, so_nft_input_rule(self->peer, "tcp dport 5001 drop"));
	ASSERT_EQ(0, so_new(self->fd, COOKIE, variant->b, DROP_PORT, &id));
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_CONNECT_TIMEOUT;
	cfg.connect_timeout_ms = 1000;
	ASSERT_EQ(0, so_configure(self->fd, &cfg));
	hold_work_back(_metadata);
	if (SO_TEST_SKIPPED(_metadata))
		return;
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED));
	/* attempt 1's connect timer fires; its request is held back */
	so_sleep_ms(1800);
	ASSERT_EQ(0, so_disconnect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK,
		      EV_CLOSED(CONNECTING, CANCELLED, 0));
	cfg.connect_timeout_ms = 60000;
	ASSERT_EQ(0, so_configure(self->fd, &cfg));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED));
	/* the held request runs meanwhile: attempt 2 keeps trying */
	ASSERT_NO_EVENT(self->fd, id, WORK_DELAY_MS + 1500);
	EXPECT_INFO(self->fd, id, CONNECTING, NONE, CLOSED, 0);
}

/*
 * A reader that reads only after every transition happened still gets
 * all of them, in order: CONNECTING, ESTABLISHED, PEER_CLOSING, CLOSING,
 * CLOSED(PEER_CLOSED). The test follows the states with GET_INFO only.
 */
TEST_F_TIMEOUT(tcp, late_reader, T_NET)
{
	struct sockobj_info info;
	int lfd, srv;
	__u32 id;

	lfd = so_listen(variant->lo, PORT);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, so_new(self->fd, COOKIE, variant->lo, PORT, &id));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EQ(0, so_wait_state(self->fd, id, SOCKOBJ_STATE_ESTABLISHED,
				   QUICK));
	srv = so_accept(lfd, QUICK);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, close(srv));
	ASSERT_EQ(0, so_wait_state(self->fd, id, SOCKOBJ_STATE_PEER_CLOSING,
				   QUICK));
	ASSERT_EQ(0, so_disconnect(self->fd, id));
	ASSERT_EQ(0, so_wait_state(self->fd, id, SOCKOBJ_STATE_CLOSED, QUICK));
	so_sleep_ms(100);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	/* the five state records, and the READABLE record of the peer's EOF */
	EXPECT_EQ(6U, info.pending);
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK,
		      EV(CONNECTING, CLOSED), EV(ESTABLISHED, CONNECTING),
		      EV(PEER_CLOSING, ESTABLISHED), EV(CLOSING, PEER_CLOSING),
		      EV_CLOSED(CLOSING, PEER_CLOSED, 0));
	ASSERT_NO_EVENT(self->fd, 0, 100);
	close(lfd);
}

/* DESTROY of an open connection: FIN (default) or RST (ABORT flag) */
TEST_F_TIMEOUT(tcp, destroy_open, T_NET)
{
	struct sockobj_info info;
	char buf[16];
	int lfd, srv;
	__u32 id;

	lfd = so_listen(variant->lo, PORT);
	ASSERT_LE(0, lfd);

	id = so_establish(_metadata, self->fd, lfd, variant->lo, PORT, COOKIE,
			  &srv);
	ASSERT_EQ(0, so_destroy(self->fd, id, 0));
	EXPECT_EQ(-ENOENT, so_get_info(self->fd, id, &info));
	EXPECT_EQ(0, so_recv(srv, buf, sizeof(buf), QUICK));	/* FIN */
	close(srv);

	id = so_establish(_metadata, self->fd, lfd, variant->lo, PORT,
			  COOKIE + 1, &srv);
	ASSERT_EQ(0, so_destroy(self->fd, id, SOCKOBJ_DESTROY_ABORT));
	EXPECT_EQ(-ENOENT, so_get_info(self->fd, id, &info));
	EXPECT_EQ(-ECONNRESET, so_recv(srv, buf, sizeof(buf), QUICK));
	close(srv);

	/* no record of either follows */
	ASSERT_NO_EVENT(self->fd, 0, 500);
	close(lfd);
}

/*
 * Closing the file with objects in every state: never connected, CLOSED,
 * CONNECTING (SYNs dropped), ESTABLISHED, PEER_CLOSING, CLOSING, all with
 * unread records. Nothing may crash; the connections are released (the
 * server of the established one sees EOF or a reset). The VM runner checks
 * kmemleak and rmmod at the end of the run.
 */
TEST_F_TIMEOUT(tcp, close_file_every_state, T_NET)
{
	__u32 never, closed, connecting, est, peer_closing, closing;
	int lfd, srv_est, srv_pc, srv_cl, fd2;
	char buf[16];
	int ret;

	peer_up(_metadata, self, variant);
	ASSERT_EQ(0, so_nft_input_rule(self->peer, "tcp dport 5001 drop"));
	lfd = so_listen(variant->lo, PORT);
	ASSERT_LE(0, lfd);

	ASSERT_EQ(0, so_new(self->fd, 1, variant->lo, PORT, &never));
	ASSERT_EQ(0, so_new(self->fd, 2, variant->lo, REFUSED_PORT, &closed));
	ASSERT_EQ(0, so_connect(self->fd, closed));
	ASSERT_EQ(0, so_new(self->fd, 3, variant->b, DROP_PORT, &connecting));
	ASSERT_EQ(0, so_connect(self->fd, connecting));
	ASSERT_EQ(0, so_new(self->fd, 4, variant->lo, PORT, &est));
	ASSERT_EQ(0, so_connect(self->fd, est));
	ASSERT_EQ(0, so_wait_state(self->fd, est, SOCKOBJ_STATE_ESTABLISHED,
				   QUICK));
	srv_est = so_accept(lfd, QUICK);
	ASSERT_LE(0, srv_est);
	ASSERT_EQ(0, so_new(self->fd, 5, variant->lo, PORT, &peer_closing));
	ASSERT_EQ(0, so_connect(self->fd, peer_closing));
	ASSERT_EQ(0, so_wait_state(self->fd, peer_closing,
				   SOCKOBJ_STATE_ESTABLISHED, QUICK));
	srv_pc = so_accept(lfd, QUICK);
	ASSERT_LE(0, srv_pc);
	close(srv_pc);
	ASSERT_EQ(0, so_new(self->fd, 6, variant->lo, PORT, &closing));
	ASSERT_EQ(0, so_connect(self->fd, closing));
	ASSERT_EQ(0, so_wait_state(self->fd, closing,
				   SOCKOBJ_STATE_ESTABLISHED, QUICK));
	srv_cl = so_accept(lfd, QUICK);
	ASSERT_LE(0, srv_cl);
	ASSERT_EQ(0, so_disconnect(self->fd, closing));

	ASSERT_EQ(0, so_wait_state(self->fd, closed, SOCKOBJ_STATE_CLOSED,
				   QUICK));
	ASSERT_EQ(0, so_wait_state(self->fd, peer_closing,
				   SOCKOBJ_STATE_PEER_CLOSING, QUICK));
	ASSERT_EQ(0, so_wait_state(self->fd, closing, SOCKOBJ_STATE_CLOSING,
				   QUICK));
	EXPECT_INFO(self->fd, never, CLOSED, NONE, CLOSED, 0);
	EXPECT_INFO(self->fd, connecting, CONNECTING, NONE, CLOSED, 0);
	EXPECT_INFO(self->fd, est, ESTABLISHED, NONE, CLOSED, 0);

	so_close(self->fd);
	self->fd = -1;

	/* the established connection goes away: EOF or reset */
	ret = so_recv(srv_est, buf, sizeof(buf), QUICK);
	EXPECT_TRUE(ret == 0 || ret == -ECONNRESET)
		TH_LOG("server of the ESTABLISHED object: recv %d", ret);
	close(srv_est);
	close(srv_cl);
	close(lfd);

	/* the device is fine */
	so_sleep_ms(200);
	fd2 = so_open(0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, so_create(fd2, SOCKOBJ_PROTO_TCP, 7, &never));
	close(fd2);
}

/* --------------------------------------------------------------------- */
/* IPv4-only scenarios                                                   */
/* --------------------------------------------------------------------- */

FIXTURE(single) {
	int fd;
	char peer[64];
	long saved_max_objects;	/* -1: not changed */
};

FIXTURE_SETUP(single)
{
	self->fd = -1;
	self->peer[0] = 0;
	self->saved_max_objects = -1;
	SO_REQUIRE_DEVICE();
	ASSERT_EQ(0, so_netns_private());
	self->fd = so_open(0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(single)
{
	so_close(self->fd);
	so_netns_del(self->peer);
	if (self->saved_max_objects >= 0)
		EXPECT_EQ(0, so_param_write("max_objects",
					    self->saved_max_objects));
}

/*
 * Privileged local port: the privileges that count are those of the file's
 * opener, whoever calls CONNECT (one identity per file, as a socket's).
 */

enum drop_how { DROP_SETUID, DROP_CAPSET };

static int drop_privileges(enum drop_how how)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (how == DROP_SETUID)
		return setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		       setresuid(65534, 65534, 65534);
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_TO_INDEX(CAP_NET_BIND_SERVICE)].effective &=
		~CAP_TO_MASK(CAP_NET_BIND_SERVICE);
	data[CAP_TO_INDEX(CAP_NET_BIND_SERVICE)].permitted &=
		~CAP_TO_MASK(CAP_NET_BIND_SERVICE);
	data[CAP_TO_INDEX(CAP_NET_BIND_SERVICE)].inheritable &=
		~CAP_TO_MASK(CAP_NET_BIND_SERVICE);
	return syscall(SYS_capset, &hdr, data) ? -1 : 0;
}

/* A TCP object to 127.0.0.1:PORT from 127.0.0.1:local; 0 on error. */
static __u32 local_port_obj(int fd, __u64 cookie, __u16 local)
{
	struct sockobj_config cfg;
	__u32 id;

	if (so_create(fd, SOCKOBJ_PROTO_TCP, cookie, &id))
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_LOCAL;
	if (so_addr(&cfg.target, "127.0.0.1", PORT) ||
	    so_addr(&cfg.local, "127.0.0.1", local) || so_configure(fd, &cfg))
		return 0;
	return id;
}

/* CONNECT was refused with EACCES and changed nothing: 0 if so */
static int refused_untouched(int fd, __u32 id)
{
	struct sockobj_event ev;
	struct sockobj_info info;
	int ret = so_connect(fd, id);

	if (ret != -EACCES) {
		fprintf(stderr, "# CONNECT with local port 80: %d (%s), "
			"expected -EACCES\n", ret, strerror(-ret));
		return 1;
	}
	if (so_get_info(fd, id, &info) || info.state != SOCKOBJ_STATE_CLOSED ||
	    info.reason != SOCKOBJ_REASON_NONE || info.connect_ns ||
	    info.pending) {
		fprintf(stderr, "# after EACCES: state %s reason %s "
			"connect_ns %llu pending %u\n",
			so_state_name(info.state), so_reason_name(info.reason),
			(unsigned long long)info.connect_ns, info.pending);
		return 2;
	}
	if (so_next_state_event(fd, id, &ev, 200) != 0) {
		fprintf(stderr, "# a record after a refused CONNECT\n");
		return 3;
	}
	return 0;
}

/* CONNECT worked and the object is ESTABLISHED from local port: 0 if so */
static int connected_from(int fd, __u32 id, __u16 local)
{
	struct sockobj_info info;
	int ret = so_connect(fd, id);

	if (!ret)
		ret = so_wait_state(fd, id, SOCKOBJ_STATE_ESTABLISHED, QUICK);
	if (!ret)
		ret = so_get_info(fd, id, &info);
	if (ret || info.local.port != local) {
		fprintf(stderr, "# CONNECT from local port %u: %d (%s), port "
			"%u\n", local, ret, strerror(-ret),
			ret ? 0 : info.local.port);
		return 1;
	}
	return 0;
}

/*
 * The child, unprivileged once it dropped privileges: through its own
 * file (opened after the drop), port 80 is refused and 40000 works; through
 * root's file (inherited), port 80 works, the opener being root. It then
 * passes a file of its own, with a port-80 object, to root. Exit status:
 * 0, or the number of the failed check.
 */
static int unprivileged_child(int root_fd, const char *node, int sock,
			      enum drop_how how)
{
	__u32 refused, ok, by_root, passed;
	int fd;

	if (drop_privileges(how)) {
		fprintf(stderr, "# cannot drop privileges: %s\n",
			strerror(errno));
		return 10;
	}
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "# open %s: %s\n", node, strerror(errno));
		return 11;
	}
	refused = local_port_obj(fd, 1, 80);
	ok = local_port_obj(fd, 2, 40000);
	by_root = local_port_obj(root_fd, 3, 80);
	passed = local_port_obj(fd, 4, 80);
	if (!refused || !ok || !by_root || !passed)
		return 12;
	if (refused_untouched(fd, refused))
		return 13;
	if (connected_from(fd, ok, 40000))
		return 14;
	if (connected_from(root_fd, by_root, 80))
		return 15;
	if (so_send_fd(sock, fd, passed))
		return 16;
	return 0;
}

static void privileged_port(struct __test_metadata *_metadata, int fd,
			    enum drop_how how)
{
	char node[64];
	int lfd, status, sv[2], theirs;
	__u32 passed;
	pid_t pid;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	/* a node of the device the child may open, as a udev rule would make */
	ASSERT_EQ(0, so_nobody_node(node, sizeof(node)));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));

	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(unprivileged_child(fd, node, sv[1], how));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	unlink(node);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	/* root calling CONNECT on the child's file is the child: EACCES */
	theirs = so_recv_fd(sv[0], &passed);
	ASSERT_LE(0, theirs);
	EXPECT_EQ(0, refused_untouched(theirs, passed));
	close(theirs);
	close(sv[0]);
	close(sv[1]);
	close(lfd);
}

TEST_F_TIMEOUT(single, privileged_port_setuid, T_NET)
{
	privileged_port(_metadata, self->fd, DROP_SETUID);
}

TEST_F_TIMEOUT(single, privileged_port_capset, T_NET)
{
	privileged_port(_metadata, self->fd, DROP_CAPSET);
}

/*
 * Interface binding. The target 10.12.3.3 (on the peer's lo) is reachable
 * through so_i1 (route metric 10, preferred) and so_i2 (metric 20); so_i3
 * leads to nobody who has it. Which path a connection took shows in its
 * source address (10.12.1.1 or 10.12.2.1), seen by the server.
 */
static void iface_setup(struct __test_metadata *_metadata,
			FIXTURE_DATA(single) *self)
{
	so_netns_name(self->peer, sizeof(self->peer), "ifpeer");
	ASSERT_EQ(0, so_netns_add(self->peer));
	ASSERT_EQ(0, so_veth_to_ns(self->peer, "so_i1", "so_p1", "10.12.1.1",
				   "10.12.1.2", 24));
	ASSERT_EQ(0, so_veth_to_ns(self->peer, "so_i2", "so_p2", "10.12.2.1",
				   "10.12.2.2", 24));
	ASSERT_EQ(0, so_addr_add(self->peer, "lo", "10.12.3.3", 32));
	/* one ip run (-batch) rather than one per command */
	ASSERT_EQ(0, so_sh("printf '%%s\\n' "
		"'route add 10.12.3.3/32 via 10.12.1.2 dev so_i1 metric 10' "
		"'route add 10.12.3.3/32 via 10.12.2.2 dev so_i2 metric 20' "
		"'link add so_i3 type veth peer name so_q3' "
		"'addr add 10.12.9.1/24 dev so_i3' "
		"'link set so_q3 up' 'link set so_i3 up' | ip -batch -"));
}

/* Connect with the given interface configuration; the server's view */
static void iface_connect(struct __test_metadata *_metadata, int fd, int lfd,
			  unsigned int ifindex, const char *ifname,
			  const char *want_src, __u64 cookie)
{
	struct sockobj_addr seen, want;
	struct sockobj_config cfg;
	struct sockobj_info info;
	int srv;
	__u32 id;

	ASSERT_EQ(0, so_create(fd, SOCKOBJ_PROTO_TCP, cookie, &id));
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_TARGET;
	ASSERT_EQ(0, so_addr(&cfg.target, "10.12.3.3", PORT));
	if (ifindex || ifname) {
		cfg.mask |= SOCKOBJ_CFG_IFACE;
		cfg.ifindex = ifindex;
		if (ifname)
			strcpy(cfg.ifname, ifname);
	}
	ASSERT_EQ(0, so_configure(fd, &cfg));
	ASSERT_EQ(0, so_connect(fd, id));
	ASSERT_EVENTS(fd, id, cookie, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
	srv = so_accept(lfd, QUICK);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, so_sockname(srv, &seen, 1));
	ASSERT_EQ(0, so_get_info(fd, id, &info));
	ASSERT_EQ(0, so_addr(&want, want_src, seen.port));
	EXPECT_ADDR_EQ(&want, &seen);
	EXPECT_ADDR_EQ(&seen, &info.local);
	EXPECT_EQ(ifindex || ifname ? if_nametoindex("so_i2") : 0U,
		  info.ifindex);
	close(srv);
}

TEST_F_TIMEOUT(single, iface_honoured, T_NET)
{
	int lfd;

	iface_setup(_metadata, self);
	lfd = so_listen_in(self->peer, "0.0.0.0", PORT, 64);
	ASSERT_LE(0, lfd);
	/* unbound: the preferred route, through so_i1 */
	iface_connect(_metadata, self->fd, lfd, 0, NULL, "10.12.1.1", 1);
	/* bound by name, then by index: through so_i2 */
	iface_connect(_metadata, self->fd, lfd, 0, "so_i2", "10.12.2.1", 2);
	iface_connect(_metadata, self->fd, lfd, if_nametoindex("so_i2"), NULL,
		      "10.12.2.1", 3);
	close(lfd);
}

/* Bound to an interface that leads nowhere near the target */
TEST_F_TIMEOUT(single, iface_wrong, T_NET)
{
	struct sockobj_event ev[2];
	struct sockobj_config cfg;
	struct sockobj_info info;
	int lfd;
	__u32 id;

	iface_setup(_metadata, self);
	lfd = so_listen_in(self->peer, "0.0.0.0", PORT, 64);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, so_create(self->fd, SOCKOBJ_PROTO_TCP, COOKIE, &id));
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_IFACE;
	ASSERT_EQ(0, so_addr(&cfg.target, "10.12.3.3", PORT));
	strcpy(cfg.ifname, "so_i3");
	ASSERT_EQ(0, so_configure(self->fd, &cfg));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS_SEQ(self->fd, id, COOKIE, QUICK, NULL, ev,
			  EV(CONNECTING, CLOSED));
	/* without a route through so_i3 either reason is right */
	ASSERT_EQ(1, so_next_event(self->fd, id, &ev[1], so_tmo(15000)));
	so_log_event(_metadata, "close", &ev[1]);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), ev[1].state);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), ev[1].prev_state);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), ev[1].phase);
	EXPECT_EQ(1U, ev[1].merged);
	EXPECT_TRUE((ev[1].reason == SOCKOBJ_REASON_HOST_UNREACH &&
		     ev[1].error == EHOSTUNREACH) ||
		    (ev[1].reason == SOCKOBJ_REASON_NET_UNREACH &&
		     ev[1].error == ENETUNREACH));
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(if_nametoindex("so_i3"), info.ifindex);
	/* nothing reached the server */
	EXPECT_EQ(-ETIMEDOUT, so_accept(lfd, 100));
	close(lfd);
}

/*
 * An interface that was deleted after it was configured: CONNECT itself
 * says ENODEV and changes nothing (no record, still CLOSED, never opened),
 * whether it was configured by index or by name.
 */
static void deleted_iface(struct __test_metadata *_metadata, int fd,
			  int by_name)
{
	struct sockobj_config cfg;
	unsigned int ifindex;
	__u32 id;

	ASSERT_EQ(0, so_dummy_add("so_gone", "10.12.7.1", 24));
	ifindex = if_nametoindex("so_gone");
	ASSERT_NE(0U, ifindex);
	ASSERT_EQ(0, so_create(fd, SOCKOBJ_PROTO_TCP, COOKIE, &id));
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_IFACE;
	ASSERT_EQ(0, so_addr(&cfg.target, "10.12.7.2", PORT));
	if (by_name)
		strcpy(cfg.ifname, "so_gone");
	else
		cfg.ifindex = ifindex;
	ASSERT_EQ(0, so_configure(fd, &cfg));
	ASSERT_EQ(0, so_link_del("so_gone"));
	EXPECT_EQ(-ENODEV, so_connect(fd, id));
	ASSERT_NO_EVENT(fd, id, 200);
	EXPECT_INFO(fd, id, CLOSED, NONE, CLOSED, 0);
}

TEST_F_TIMEOUT(single, connect_deleted_iface_by_index, T_NET)
{
	deleted_iface(_metadata, self->fd, 0);
}

TEST_F_TIMEOUT(single, connect_deleted_iface_by_name, T_NET)
{
	deleted_iface(_metadata, self->fd, 1);
}

/*
 * Many objects connecting at once to one listener: every one reaches
 * ESTABLISHED, every record arrives exactly once, sequence numbers are
 * unique and without gaps.
 */
struct acceptor {
	int lfd;
	int want;
	atomic_int accepted;
	int *fds;
	int err;
};

static void *acceptor_fn(void *p)
{
	struct acceptor *a = p;

	while (atomic_load(&a->accepted) < a->want) {
		int fd = so_accept(a->lfd, so_tmo(30000));

		if (fd < 0) {
			a->err = -fd;
			break;
		}
		a->fds[atomic_load(&a->accepted)] = fd;
		atomic_fetch_add(&a->accepted, 1);
	}
	return NULL;
}

static int cmp_u64(const void *x, const void *y)
{
	__u64 a = *(const __u64 *)x, b = *(const __u64 *)y;

	return a < b ? -1 : a > b;
}

TEST_F_TIMEOUT(single, many_objects, 300)
{
	int n = so_debug_kernel() ? 200 : 1000;
	struct acceptor acc = { 0 };
	struct sockobj_event *buf;
	struct sockobj_api api;
	struct rlimit rl;
	unsigned char *seen;	/* per object: records seen */
	__u32 *ids;
	__u64 *seqs;
	int i, got = 0, lfd;
	uint64_t t0, t1;
	pthread_t th;

	if (so_debug_kernel())
		TH_LOG("debug kernel: %d objects instead of 1000 "
		       "(the debug kernel is about 25x slower)", n);
	ASSERT_EQ(0, so_get_api(self->fd, &api));
	if (api.max_objects < (__u32)n) {
		long orig = 0;

		ASSERT_EQ(0, so_param_read("max_objects", &orig));
		ASSERT_EQ(0, so_param_write("max_objects", n));
		self->saved_max_objects = orig;
		so_close(self->fd);
		self->fd = so_open(0);
		ASSERT_LE(0, self->fd);
	}
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_cur < (rlim_t)n + 256) {
		rl.rlim_cur = (rlim_t)n + 256;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	}
	ASSERT_EQ(0, so_sh("sysctl -qw net.core.somaxconn=4096 "
			   "net.ipv4.tcp_max_syn_backlog=4096"));
	lfd = so_listen_in(NULL, "127.0.0.1", PORT, 4096);
	ASSERT_LE(0, lfd);

	ids = calloc(n, sizeof(*ids));
	seen = calloc(n, 1);
	seqs = calloc(2 * n, sizeof(*seqs));
	buf = calloc(256, sizeof(*buf));
	acc.fds = calloc(n, sizeof(int));
	ASSERT_TRUE(ids && seen && seqs && buf && acc.fds);
	acc.lfd = lfd;
	acc.want = n;
	ASSERT_EQ(0, pthread_create(&th, NULL, acceptor_fn, &acc));

	for (i = 0; i < n; i++)
		ASSERT_EQ(0, so_new(self->fd, (__u64)i, "127.0.0.1", PORT,
				    &ids[i]))
			TH_LOG("object #%d", i);
	t0 = so_now_ns();
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, so_connect(self->fd, ids[i]))
			TH_LOG("connect #%d", i);

	/* cookie i tells which object a record belongs to */
	while (got < 2 * n) {
		int r = so_read_events(self->fd, buf, 256, so_tmo(20000));
		int k;

		ASSERT_LT(0, r) TH_LOG("%d of %d records, then %s", got,
				       2 * n, r ? strerror(-r) : "timeout");
		for (k = 0; k < r; k++) {
			struct sockobj_event *e = &buf[k];
			__u64 c = e->cookie;

			ASSERT_GT((__u64)n, c);
			ASSERT_EQ(ids[c], e->id);
			ASSERT_EQ(U32(SOCKOBJ_EV_STATE), e->type);
			ASSERT_EQ(1U, e->merged);
			ASSERT_EQ(0U, e->reason);
			ASSERT_EQ(0, e->error);
			if (seen[c] == 0) {
				ASSERT_EQ(U32(SOCKOBJ_STATE_CONNECTING),
					  e->state);
				ASSERT_EQ(U32(SOCKOBJ_STATE_CLOSED),
					  e->prev_state);
			} else {
				ASSERT_EQ(1, seen[c])
					TH_LOG("object %u: a third record",
					       e->id);
				ASSERT_EQ(U32(SOCKOBJ_STATE_ESTABLISHED),
					  e->state);
				ASSERT_EQ(U32(SOCKOBJ_STATE_CONNECTING),
					  e->prev_state);
			}
			seen[c]++;
			seqs[got++] = e->seq;
		}
	}
	t1 = so_now_ns();
	TH_LOG("%d objects established in %llu ms", n,
	       (unsigned long long)((t1 - t0) / 1000000ULL));
	/* exactly once: nothing more arrives */
	ASSERT_NO_EVENT(self->fd, 0, 300);
	for (i = 0; i < n; i++)
		ASSERT_EQ(2, seen[i]);
	qsort(seqs, 2 * n, sizeof(*seqs), cmp_u64);
	for (i = 1; i < 2 * n; i++)
		ASSERT_EQ(seqs[i - 1] + 1, seqs[i])
			TH_LOG("sequence numbers: %llu then %llu",
			       (unsigned long long)seqs[i - 1],
			       (unsigned long long)seqs[i]);
	/* the server got them all */
	pthread_join(th, NULL);
	EXPECT_EQ(0, acc.err);
	EXPECT_EQ(n, atomic_load(&acc.accepted));
	for (i = 0; i < atomic_load(&acc.accepted); i++)
		close(acc.fds[i]);
	close(lfd);
}

/* epoll, level-triggered: EPOLLIN while records pend, not once drained */
TEST_F_TIMEOUT(single, epoll_level, T_NET)
{
	struct epoll_event ee = { .events = EPOLLIN | EPOLLRDNORM };
	struct sockobj_event ev;
	struct pollfd pfd;
	int ep;
	__u32 id;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ee));
	EXPECT_EQ(0, epoll_wait(ep, &ee, 1, 0));

	ASSERT_EQ(0, so_new(self->fd, COOKIE, "127.0.0.1", REFUSED_PORT, &id));
	EXPECT_EQ(0, epoll_wait(ep, &ee, 1, 100));	/* created: no record */
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EQ(0, so_wait_state(self->fd, id, SOCKOBJ_STATE_CLOSED, QUICK));
	ASSERT_EQ(1, epoll_wait(ep, &ee, 1, QUICK));
	EXPECT_EQ((__u32)(EPOLLIN | EPOLLRDNORM), ee.events);
	/* level-triggered: still reported */
	ASSERT_EQ(1, epoll_wait(ep, &ee, 1, 0));
	pfd.fd = self->fd;
	pfd.events = POLLIN | POLLRDNORM;
	pfd.revents = 0;
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN | POLLRDNORM, pfd.revents);
	/* one of two read: still pending */
	ASSERT_EQ(1, so_read_events(self->fd, &ev, 1, 0));
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), ev.state);
	ASSERT_EQ(1, epoll_wait(ep, &ee, 1, 0));
	ASSERT_EQ(1, so_read_events(self->fd, &ev, 1, 0));
	EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), ev.state);
	EXPECT_EQ(U32(SOCKOBJ_REASON_REFUSED), ev.reason);
	/* drained */
	EXPECT_EQ(0, epoll_wait(ep, &ee, 1, 0));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	/* and an epoll_wait sleeping when a record arrives wakes up */
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EQ(1, epoll_wait(ep, &ee, 1, QUICK));
	close(ep);
}

/* epoll, edge-triggered: one report per arrival, none while unchanged */
TEST_F_TIMEOUT(single, epoll_edge, T_NET)
{
	struct epoll_event ee = { .events = EPOLLIN | EPOLLET };
	struct sockobj_event ev;
	struct sockobj_info info;
	int ep;
	__u32 a, b;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ee));
	ASSERT_EQ(0, so_new(self->fd, 1, "127.0.0.1", REFUSED_PORT, &a));
	ASSERT_EQ(0, so_new(self->fd, 2, "127.0.0.1", REFUSED_PORT, &b));

	ASSERT_EQ(0, so_connect(self->fd, a));
	ASSERT_EQ(0, so_wait_state(self->fd, a, SOCKOBJ_STATE_CLOSED, QUICK));
	ASSERT_EQ(0, so_get_info(self->fd, a, &info));
	ASSERT_EQ(2U, info.pending);
	ASSERT_EQ(1, epoll_wait(ep, &ee, 1, QUICK));
	EXPECT_NE(0U, ee.events & EPOLLIN);
	/* no new arrival: no new report, although records pend */
	EXPECT_EQ(0, epoll_wait(ep, &ee, 1, 200));
	/* reading one is no arrival either */
	ASSERT_EQ(1, so_read_events(self->fd, &ev, 1, 0));
	EXPECT_EQ(0, epoll_wait(ep, &ee, 1, 200));
	/* a new record is */
	ASSERT_EQ(0, so_connect(self->fd, b));
	ASSERT_EQ(1, epoll_wait(ep, &ee, 1, QUICK));
	EXPECT_NE(0U, ee.events & EPOLLIN);
	ASSERT_EQ(0, so_wait_state(self->fd, b, SOCKOBJ_STATE_CLOSED, QUICK));
	so_sleep_ms(50);
	/* consume a report of b's second record, if it came separately */
	epoll_wait(ep, &ee, 1, 0);
	/* drain (1 record of a, 2 of b); afterwards nothing is reported */
	ASSERT_EQ(1, so_count_events(self->fd, a, 0));
	ASSERT_EQ(2, so_count_events(self->fd, b, 0));
	EXPECT_EQ(0, epoll_wait(ep, &ee, 1, 100));
	close(ep);
}

/*
 * A file keeps the namespace it was opened in: after the caller setns()es
 * into B, its connections still happen in A. 127.0.0.1:PORT has a
 * listener only in A (in B it is refused), and a file opened in B does
 * connect in B.
 */
TEST_F_TIMEOUT(single, netns_of_opener, T_NET)
{
	struct stat ns_b, ns_now;
	int lfd, nsfd, fd_b, srv;
	__u32 id, id_b;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	so_netns_name(self->peer, sizeof(self->peer), "nsb");
	ASSERT_EQ(0, so_netns_add(self->peer));
	nsfd = so_netns_fd(self->peer);
	ASSERT_LE(0, nsfd);
	ASSERT_EQ(0, setns(nsfd, CLONE_NEWNET));
	/* the caller is in B now */
	ASSERT_EQ(0, fstat(nsfd, &ns_b));
	ASSERT_EQ(0, stat("/proc/self/ns/net", &ns_now));
	ASSERT_EQ(ns_b.st_ino, ns_now.st_ino);
	close(nsfd);

	ASSERT_EQ(0, so_new(self->fd, COOKIE, "127.0.0.1", PORT, &id));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
	srv = so_accept(lfd, QUICK);	/* A's listener got it */
	ASSERT_LE(0, srv);
	close(srv);

	fd_b = so_open(0);
	ASSERT_LE(0, fd_b);
	ASSERT_EQ(0, so_new(fd_b, COOKIE + 1, "127.0.0.1", PORT, &id_b));
	ASSERT_EQ(0, so_connect(fd_b, id_b));
	ASSERT_FAILED_CONNECT(fd_b, id_b, COOKIE + 1, QUICK, REFUSED,
			      ECONNREFUSED, NULL);
	so_close(fd_b);
	close(lfd);
}

SO_HARNESS_MAIN
