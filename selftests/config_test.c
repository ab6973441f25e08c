// SPDX-License-Identifier: GPL-2.0
/*
 * sockobj selftest: object configuration and the misuse errors of the
 * per-object ioctls.
 *
 * SOCKOBJ_IOC_CONFIGURE / GET_CONFIG round trips; every invalid value
 * (EINVAL, ENODEV) with nothing changed; EISCONN outside CLOSED; connect
 * without a target (EDESTADDRREQ) or twice (EISCONN); the per-file object
 * limit (EMFILE, module parameter max_objects); UDP (EPROTONOSUPPORT);
 * EBUSY when undelivered records would overflow an object's ring;
 * DISCONNECT/ABORT state errors.
 *
 * Each test runs in its own network namespace with lo up.
 */
#define _GNU_SOURCE
#include "sotest.h"

#define PORT		5000	/* listener */
#define DROP_PORT	5001	/* SYNs dropped by nft: stays CONNECTING */
#define REFUSED_PORT	5002	/* nothing listens */
#define COOKIE		0xc0f16000ULL

FIXTURE(cfg) {
	int fd;
	long saved_max_objects;	/* -1: not changed */
};

FIXTURE_SETUP(cfg)
{
	self->fd = -1;
	self->saved_max_objects = -1;
	SO_REQUIRE_DEVICE();
	ASSERT_EQ(0, so_netns_private());
	self->fd = so_open(0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(cfg)
{
	so_close(self->fd);
	if (self->saved_max_objects >= 0)
		EXPECT_EQ(0, so_param_write("max_objects",
					    self->saved_max_objects));
}

static __u32 new_obj(struct __test_metadata *_metadata, int fd, __u64 cookie)
{
	__u32 id = 0;

	ASSERT_EQ(0, so_create(fd, SOCKOBJ_PROTO_TCP, cookie, &id));
	ASSERT_NE(0U, id);
	return id;
}

/*
 * GET_CONFIG equals exp. A property set to its "none" value (local family
 * 0, no interface, timeout 0) may or may not keep its bit in mask: the
 * contract says "family 0 unsets", "0 for none", "0 for the kernel's SYN
 * retries", so either reading is accepted; every other bit must match.
 */
static void assert_config_eq(struct __test_metadata *_metadata,
			     const struct sockobj_config *exp,
			     const struct sockobj_config *got)
{
	__u64 either = 0;

	if (!exp->local.family)
		either |= SOCKOBJ_CFG_LOCAL;
	if (!exp->ifindex)
		either |= SOCKOBJ_CFG_IFACE;
	if (!exp->connect_timeout_ms)
		either |= SOCKOBJ_CFG_CONNECT_TIMEOUT;
	EXPECT_EQ(exp->id, got->id);
	EXPECT_EQ(0U, got->flags);
	EXPECT_EQ(exp->mask & ~either, got->mask & ~either);
	EXPECT_EQ(0ULL, got->mask & ~exp->mask);
	EXPECT_ADDR_EQ(&exp->target, &got->target);
	EXPECT_ADDR_EQ(&exp->local, &got->local);
	EXPECT_EQ(exp->ifindex, got->ifindex);
	EXPECT_EQ(exp->connect_timeout_ms, got->connect_timeout_ms);
	EXPECT_STREQ(exp->ifname, got->ifname);
	EXPECT_EQ(0, memcmp(exp->reserved, got->reserved,
			    sizeof(got->reserved)));
}

TEST_F(cfg, defaults)
{
	__u32 id = new_obj(_metadata, self->fd, COOKIE);
	struct sockobj_config cfg, zero;

	ASSERT_EQ(0, so_get_config(self->fd, id, &cfg));
	memset(&zero, 0, sizeof(zero));
	zero.id = id;
	EXPECT_EQ(0, memcmp(&zero, &cfg, sizeof(cfg)));
}

TEST_F(cfg, round_trip)
{
	__u32 id = new_obj(_metadata, self->fd, COOKIE);
	struct sockobj_config set, exp, got;
	unsigned int lo = if_nametoindex("lo");
	__u32 other;

	ASSERT_NE(0U, lo);
	memset(&exp, 0, sizeof(exp));
	exp.id = id;

	/* target only */
	memset(&set, 0, sizeof(set));
	set.id = id;
	set.mask = SOCKOBJ_CFG_TARGET;
	ASSERT_EQ(0, so_addr(&set.target, "127.0.0.1", PORT));
	ASSERT_EQ(0, so_configure(self->fd, &set));
	exp.mask = SOCKOBJ_CFG_TARGET;
	exp.target = set.target;
	ASSERT_EQ(0, so_get_config(self->fd, id, &got));
	assert_config_eq(_metadata, &exp, &got);

	/* connect timeout; the target keeps its value */
	memset(&set, 0, sizeof(set));
	set.id = id;
	set.mask = SOCKOBJ_CFG_CONNECT_TIMEOUT;
	set.connect_timeout_ms = 1500;
	ASSERT_EQ(0, so_configure(self->fd, &set));
	exp.mask |= SOCKOBJ_CFG_CONNECT_TIMEOUT;
	exp.connect_timeout_ms = 1500;
	ASSERT_EQ(0, so_get_config(self->fd, id, &got));
	assert_config_eq(_metadata, &exp, &got);

	/* the largest timeout is accepted */
	set.connect_timeout_ms = SOCKOBJ_CONNECT_TIMEOUT_MAX_MS;
	ASSERT_EQ(0, so_configure(self->fd, &set));
	exp.connect_timeout_ms = SOCKOBJ_CONNECT_TIMEOUT_MAX_MS;
	ASSERT_EQ(0, so_get_config(self->fd, id, &got));
	assert_config_eq(_metadata, &exp, &got);

	/* local address and port */
	memset(&set, 0, sizeof(set));
	set.id = id;
	set.mask = SOCKOBJ_CFG_LOCAL;
	ASSERT_EQ(0, so_addr(&set.local, "127.0.0.2", 40000));
	ASSERT_EQ(0, so_configure(self->fd, &set));
	exp.mask |= SOCKOBJ_CFG_LOCAL;
	exp.local = set.local;
	ASSERT_EQ(0, so_get_config(self->fd, id, &got));
	assert_config_eq(_metadata, &exp, &got);

	/* interface by name: GET_CONFIG has its index and name */
	memset(&set, 0, sizeof(set));
	set.id = id;
	set.mask = SOCKOBJ_CFG_IFACE;
	strcpy(set.ifname, "lo");
	ASSERT_EQ(0, so_configure(self->fd, &set));
	exp.mask |= SOCKOBJ_CFG_IFACE;
	exp.ifindex = lo;
	strcpy(exp.ifname, "lo");
	ASSERT_EQ(0, so_get_config(self->fd, id, &got));
	assert_config_eq(_metadata, &exp, &got);

	/* interface by index: GET_CONFIG fills in its name */
	memset(&set, 0, sizeof(set));
	set.id = id;
	set.mask = SOCKOBJ_CFG_IFACE;
	set.ifindex = lo;
	ASSERT_EQ(0, so_configure(self->fd, &set));
	ASSERT_EQ(0, so_get_config(self->fd, id, &got));
	assert_config_eq(_metadata, &exp, &got);

	/* everything at once, switching to IPv6 (families change together) */
	memset(&set, 0, sizeof(set));
	set.id = id;
	set.mask = SO_CFG_V1;
	ASSERT_EQ(0, so_addr(&set.target, "::1", PORT + 1));
	ASSERT_EQ(0, so_addr(&set.local, "::1", 0));
	set.ifindex = lo;
	set.connect_timeout_ms = 0;
	ASSERT_EQ(0, so_configure(self->fd, &set));
	exp.mask = SO_CFG_V1;
	exp.target = set.target;
	exp.local = set.local;
	exp.connect_timeout_ms = 0;
	ASSERT_EQ(0, so_get_config(self->fd, id, &got));
	assert_config_eq(_metadata, &exp, &got);

	/* a link-local target with its scope */
	memset(&set, 0, sizeof(set));
	set.id = id;
	set.mask = SOCKOBJ_CFG_TARGET;
	ASSERT_EQ(0, so_addr(&set.target, "fe80::1", PORT));
	set.target.scope_id = lo;
	ASSERT_EQ(0, so_configure(self->fd, &set));
	exp.target = set.target;
	ASSERT_EQ(0, so_get_config(self->fd, id, &got));
	assert_config_eq(_metadata, &exp, &got);

	/* local family 0 unsets the local address; ifindex 0 and no name
	 * unset the interface */
	memset(&set, 0, sizeof(set));
	set.id = id;
	set.mask = SOCKOBJ_CFG_LOCAL | SOCKOBJ_CFG_IFACE;
	ASSERT_EQ(0, so_configure(self->fd, &set));
	ASSERT_EQ(0, so_get_config(self->fd, id, &got));
	memset(&exp.local, 0, sizeof(exp.local));
	exp.ifindex = 0;
	exp.ifname[0] = 0;
	assert_config_eq(_metadata, &exp, &got);
	EXPECT_NE(0ULL, got.mask & SOCKOBJ_CFG_TARGET);

	/* another object's configuration is its own */
	other = new_obj(_metadata, self->fd, COOKIE + 1);
	ASSERT_EQ(0, so_get_config(self->fd, other, &got));
	EXPECT_EQ(0ULL, got.mask);
	EXPECT_EQ(0, got.target.family);
}

struct bad_case {
	const char *what;
	int err;
	struct sockobj_config cfg;
};

static void fill_addr(struct sockobj_addr *a, const char *ip, __u16 port)
{
	if (so_addr(a, ip, port))
		abort();
}

/* The bad configurations of the bad_values test, for object id */
#define CASE(desc, e) (c[n].what = (desc), c[n].err = (e),		\
		       memset(&c[n].cfg, 0, sizeof(c[n].cfg)),		\
		       c[n].cfg.id = id, &c[n++].cfg)

static void build_cases(struct bad_case *c, unsigned int *np, __u32 id)
{
	struct sockobj_config *x;
	unsigned int n = 0;

	x = CASE("target family 99", EINVAL);
	x->mask = SOCKOBJ_CFG_TARGET;
	fill_addr(&x->target, "10.0.0.1", 80);
	x->target.family = 99;

	x = CASE("target family AF_UNIX", EINVAL);
	x->mask = SOCKOBJ_CFG_TARGET;
	fill_addr(&x->target, "10.0.0.1", 80);
	x->target.family = AF_UNIX;

	x = CASE("IPv4 target with byte 4 set", EINVAL);
	x->mask = SOCKOBJ_CFG_TARGET;
	fill_addr(&x->target, "10.0.0.1", 80);
	x->target.addr[4] = 1;

	x = CASE("IPv4 target with byte 15 set", EINVAL);
	x->mask = SOCKOBJ_CFG_TARGET;
	fill_addr(&x->target, "10.0.0.1", 80);
	x->target.addr[15] = 0x80;

	x = CASE("IPv4 target with a scope_id", EINVAL);
	x->mask = SOCKOBJ_CFG_TARGET;
	fill_addr(&x->target, "10.0.0.1", 80);
	x->target.scope_id = 1;

	x = CASE("IPv4 local with byte 8 set", EINVAL);
	x->mask = SOCKOBJ_CFG_LOCAL;
	fill_addr(&x->local, "127.0.0.1", 0);
	x->local.addr[8] = 1;

	x = CASE("local family 99", EINVAL);
	x->mask = SOCKOBJ_CFG_LOCAL;
	fill_addr(&x->local, "127.0.0.1", 0);
	x->local.family = 99;

	x = CASE("link-local IPv6 target without scope_id", EINVAL);
	x->mask = SOCKOBJ_CFG_TARGET;
	fill_addr(&x->target, "fe80::1", 80);

	x = CASE("IPv6 local while the target is IPv4", EINVAL);
	x->mask = SOCKOBJ_CFG_LOCAL;
	fill_addr(&x->local, "::1", 0);

	x = CASE("IPv6 target and IPv4 local together", EINVAL);
	x->mask = SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_LOCAL;
	fill_addr(&x->target, "::1", 80);
	fill_addr(&x->local, "127.0.0.1", 0);

	x = CASE("IPv4 target and IPv6 local together", EINVAL);
	x->mask = SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_LOCAL;
	fill_addr(&x->target, "127.0.0.1", 80);
	fill_addr(&x->local, "::1", 0);

	x = CASE("the first unknown mask bit", EINVAL);
	x->mask = SOCKOBJ_CFG_ALL + 1;

	x = CASE("unknown mask bit 63 with valid ones", EINVAL);
	x->mask = SOCKOBJ_CFG_CONNECT_TIMEOUT | (1ULL << 63);
	x->connect_timeout_ms = 100;

	x = CASE("connect timeout max + 1", EINVAL);
	x->mask = SOCKOBJ_CFG_CONNECT_TIMEOUT;
	x->connect_timeout_ms = SOCKOBJ_CONNECT_TIMEOUT_MAX_MS + 1;

	x = CASE("connect timeout 0xffffffff", EINVAL);
	x->mask = SOCKOBJ_CFG_CONNECT_TIMEOUT;
	x->connect_timeout_ms = 0xffffffff;

	x = CASE("valid IPv6 target with a bad timeout", EINVAL);
	x->mask = SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_CONNECT_TIMEOUT;
	fill_addr(&x->target, "::1", 81);
	x->connect_timeout_ms = SOCKOBJ_CONNECT_TIMEOUT_MAX_MS + 1;

	x = CASE("ifname without NUL", EINVAL);
	x->mask = SOCKOBJ_CFG_IFACE;
	memset(x->ifname, 'x', sizeof(x->ifname));

	x = CASE("nonexistent ifindex", ENODEV);
	x->mask = SOCKOBJ_CFG_IFACE;
	x->ifindex = 99999;

	x = CASE("nonexistent ifname", ENODEV);
	x->mask = SOCKOBJ_CFG_IFACE;
	strcpy(x->ifname, "sonosuch0");

	x = CASE("valid timeout with a nonexistent ifindex", ENODEV);
	x->mask = SOCKOBJ_CFG_IFACE | SOCKOBJ_CFG_CONNECT_TIMEOUT;
	x->ifindex = 99999;
	x->connect_timeout_ms = 42;
#undef CASE
	*np = n;
}

/*
 * Each bad configuration fails with its errno and changes nothing,
 * starting from a configured object.
 */
TEST_F(cfg, bad_values)
{
	__u32 id = new_obj(_metadata, self->fd, COOKIE);
	struct sockobj_config base, before, after, x;
	static struct bad_case c[32];
	unsigned int n = 0, i;
	__u32 id2;

	memset(&base, 0, sizeof(base));
	base.id = id;
	base.mask = SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_CONNECT_TIMEOUT;
	fill_addr(&base.target, "127.0.0.1", PORT);
	base.connect_timeout_ms = 5000;
	ASSERT_EQ(0, so_configure(self->fd, &base));
	ASSERT_EQ(0, so_get_config(self->fd, id, &before));
	build_cases(c, &n, id);

	for (i = 0; i < n; i++) {
		EXPECT_EQ(-c[i].err, so_configure(self->fd, &c[i].cfg))
			TH_LOG("case \"%s\"", c[i].what);
		ASSERT_EQ(0, so_get_config(self->fd, id, &after));
		EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)))
			TH_LOG("case \"%s\" changed the configuration",
			       c[i].what);
	}

	/* the family check also holds the other way round */
	id2 = new_obj(_metadata, self->fd, COOKIE + 1);
	memset(&x, 0, sizeof(x));
	x.id = id2;
	x.mask = SOCKOBJ_CFG_LOCAL;
	fill_addr(&x.local, "127.0.0.1", 0);
	ASSERT_EQ(0, so_configure(self->fd, &x));
	ASSERT_EQ(0, so_get_config(self->fd, id2, &before));
	memset(&x, 0, sizeof(x));
	x.id = id2;
	x.mask = SOCKOBJ_CFG_TARGET;
	fill_addr(&x.target, "::1", 80);
	EXPECT_EQ(-EINVAL, so_configure(self->fd, &x));
	ASSERT_EQ(0, so_get_config(self->fd, id2, &after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
}

/* CONFIGURE and CONNECT outside CLOSED: EISCONN, nothing changes */
TEST_F_TIMEOUT(cfg, not_closed, 90)
{
	struct sockobj_config before, after, set;
	struct sockobj_info info;
	int lfd, srv;
	__u32 id, id2;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, so_nft_input_rule(NULL, "tcp dport 5001 drop"));

	memset(&set, 0, sizeof(set));
	set.mask = SOCKOBJ_CFG_CONNECT_TIMEOUT;
	set.connect_timeout_ms = 777;

	/* CONNECTING (the SYN is dropped) */
	ASSERT_EQ(0, so_new(self->fd, COOKIE, "127.0.0.1", DROP_PORT, &id));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, so_tmo(3000),
		      EV(CONNECTING, CLOSED));
	ASSERT_EQ(0, so_get_config(self->fd, id, &before));
	set.id = id;
	EXPECT_EQ(-EISCONN, so_configure(self->fd, &set));
	EXPECT_EQ(-EISCONN, so_connect(self->fd, id));
	ASSERT_EQ(0, so_get_config(self->fd, id, &after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), info.state);
	ASSERT_EQ(0, so_abort(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, so_tmo(3000),
		      EV_CLOSED(CONNECTING, CANCELLED, 0));

	/* ESTABLISHED */
	id2 = so_establish(_metadata, self->fd, lfd, "127.0.0.1", PORT,
			   COOKIE + 1, &srv);
	ASSERT_EQ(0, so_get_config(self->fd, id2, &before));
	set.id = id2;
	EXPECT_EQ(-EISCONN, so_configure(self->fd, &set));
	EXPECT_EQ(-EISCONN, so_connect(self->fd, id2));

	/* PEER_CLOSING */
	close(srv);
	ASSERT_EVENTS(self->fd, id2, COOKIE + 1, so_tmo(3000),
		      EV(PEER_CLOSING, ESTABLISHED));
	EXPECT_EQ(-EISCONN, so_configure(self->fd, &set));
	EXPECT_EQ(-EISCONN, so_connect(self->fd, id2));
	ASSERT_EQ(0, so_get_config(self->fd, id2, &after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
	ASSERT_EQ(0, so_disconnect(self->fd, id2));
	ASSERT_EVENTS(self->fd, id2, COOKIE + 1, so_tmo(3000),
		      EV(CLOSING, PEER_CLOSING),
		      EV_CLOSED(CLOSING, PEER_CLOSED, 0));

	/* CLOSING: we disconnect, the server does not close */
	id = so_establish(_metadata, self->fd, lfd, "127.0.0.1", PORT,
			  COOKIE + 2, &srv);
	ASSERT_EQ(0, so_disconnect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE + 2, so_tmo(3000),
		      EV(CLOSING, ESTABLISHED));
	set.id = id;
	EXPECT_EQ(-EISCONN, so_configure(self->fd, &set));
	EXPECT_EQ(-EISCONN, so_connect(self->fd, id));
	close(srv);
	ASSERT_EVENTS(self->fd, id, COOKIE + 2, so_tmo(3000),
		      EV_CLOSED(CLOSING, LOCAL_CLOSED, 0));

	/* CLOSED again: configurable */
	EXPECT_EQ(0, so_configure(self->fd, &set));
	ASSERT_EQ(0, so_get_config(self->fd, id, &after));
	EXPECT_EQ(777U, after.connect_timeout_ms);
	close(lfd);
}

TEST_F(cfg, connect_without_target)
{
	__u32 id = new_obj(_metadata, self->fd, COOKIE);
	struct sockobj_config set;
	struct sockobj_info info;

	EXPECT_EQ(-EDESTADDRREQ, so_connect(self->fd, id));
	/* a local address and a timeout are no target either */
	memset(&set, 0, sizeof(set));
	set.id = id;
	set.mask = SOCKOBJ_CFG_LOCAL | SOCKOBJ_CFG_CONNECT_TIMEOUT;
	ASSERT_EQ(0, so_addr(&set.local, "127.0.0.1", 0));
	set.connect_timeout_ms = 1000;
	ASSERT_EQ(0, so_configure(self->fd, &set));
	EXPECT_EQ(-EDESTADDRREQ, so_connect(self->fd, id));

	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), info.state);
	EXPECT_EQ(U32(SOCKOBJ_REASON_NONE), info.reason);
	EXPECT_EQ(0ULL, info.connect_ns);
	EXPECT_EQ(0U, info.pending);
	ASSERT_NO_EVENT(self->fd, 0, 200);
}

TEST_F_TIMEOUT(cfg, connect_twice, 90)
{
	int lfd, srv;
	__u32 id;

	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, so_nft_input_rule(NULL, "tcp dport 5001 drop"));

	/* while CONNECTING */
	ASSERT_EQ(0, so_new(self->fd, COOKIE, "127.0.0.1", DROP_PORT, &id));
	ASSERT_EQ(0, so_connect(self->fd, id));
	EXPECT_EQ(-EISCONN, so_connect(self->fd, id));
	ASSERT_EQ(0, so_disconnect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, so_tmo(3000),
		      EV(CONNECTING, CLOSED),
		      EV_CLOSED(CONNECTING, CANCELLED, 0));

	/* while ESTABLISHED */
	id = so_establish(_metadata, self->fd, lfd, "127.0.0.1", PORT,
			  COOKIE + 1, &srv);
	EXPECT_EQ(-EISCONN, so_connect(self->fd, id));
	ASSERT_NO_EVENT(self->fd, id, 200);
	ASSERT_EQ(0, so_abort(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE + 1, so_tmo(3000),
		      EV_CLOSED(ESTABLISHED, ABORTED, 0));
	close(srv);
	close(lfd);
}

/* DISCONNECT and ABORT in the wrong state */
TEST_F_TIMEOUT(cfg, op_state_errors, 90)
{
	struct sockobj_info info;
	__u32 id = new_obj(_metadata, self->fd, COOKIE);
	int lfd, srv;

	/* never connected */
	EXPECT_EQ(-ENOTCONN, so_disconnect(self->fd, id));
	EXPECT_EQ(-ENOTCONN, so_abort(self->fd, id));

	/* CLOSED after a failure */
	ASSERT_EQ(0, so_set_target(self->fd, id, "127.0.0.1", REFUSED_PORT));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, so_tmo(3000),
		      EV(CONNECTING, CLOSED),
		      EV_CLOSED(CONNECTING, REFUSED, ECONNREFUSED));
	EXPECT_EQ(-ENOTCONN, so_disconnect(self->fd, id));
	EXPECT_EQ(-ENOTCONN, so_abort(self->fd, id));

	/* CLOSING: DISCONNECT again is EALREADY; ABORT still works */
	lfd = so_listen("127.0.0.1", PORT);
	ASSERT_LE(0, lfd);
	id = so_establish(_metadata, self->fd, lfd, "127.0.0.1", PORT,
			  COOKIE + 1, &srv);
	ASSERT_EQ(0, so_disconnect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE + 1, so_tmo(3000),
		      EV(CLOSING, ESTABLISHED));
	EXPECT_EQ(-EALREADY, so_disconnect(self->fd, id));
	ASSERT_EQ(0, so_abort(self->fd, id));
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), info.state);
	EXPECT_EQ(U32(SOCKOBJ_REASON_ABORTED), info.reason);
	EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSING), info.phase);
	EXPECT_EQ(0, info.error);
	ASSERT_EVENTS(self->fd, id, COOKIE + 1, so_tmo(3000),
		      EV_CLOSED(CLOSING, ABORTED, 0));
	EXPECT_EQ(-ENOTCONN, so_disconnect(self->fd, id));
	EXPECT_EQ(-ENOTCONN, so_abort(self->fd, id));
	close(srv);
	close(lfd);
}

/*
 * UDP is reserved in version 1 (EPROTONOSUPPORT); a module that advertises
 * SOCKOBJ_FEAT_UDP creates UDP objects instead.
 */
TEST_F(cfg, udp_proto)
{
	struct sockobj_info info;
	struct sockobj_api api;
	__u32 id = 0;
	unsigned int i;

	ASSERT_EQ(0, so_get_api(self->fd, &api));
	if (api.features & SO_FEAT_UDP_) {
		TH_LOG("the module advertises UDP: UDP objects are created");
		ASSERT_EQ(0, so_create(self->fd, SOCKOBJ_PROTO_UDP, COOKIE,
				       &id));
		ASSERT_EQ(0, so_get_info(self->fd, id, &info));
		EXPECT_EQ(U32(SOCKOBJ_PROTO_UDP), info.proto);
		EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), info.state);
		return;
	}
	EXPECT_EQ(-EPROTONOSUPPORT,
		  so_create(self->fd, SOCKOBJ_PROTO_UDP, COOKIE, &id));
	EXPECT_EQ(0U, id);
	for (i = 1; i <= 64; i++)
		EXPECT_EQ(-ENOENT, so_get_info(self->fd, i, &info));
}

/* The per-file object limit, from the max_objects module parameter */
TEST_F(cfg, max_objects)
{
	struct sockobj_api api;
	__u32 ids[4], extra = 0, x;
	long orig = 0;
	int fd, fd2, i;

	ASSERT_EQ(0, so_param_read("max_objects", &orig))
		TH_LOG("cannot read %s/max_objects", SO_PARAM_DIR);
	ASSERT_EQ(0, so_param_write("max_objects", 4));
	self->saved_max_objects = orig;

	fd = so_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, so_get_api(fd, &api));
	EXPECT_EQ(4U, api.max_objects);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, so_create(fd, SOCKOBJ_PROTO_TCP, i, &ids[i]));
	EXPECT_EQ(-EMFILE, so_create(fd, SOCKOBJ_PROTO_TCP, 9, &extra));
	EXPECT_EQ(-EMFILE, so_create(fd, SOCKOBJ_PROTO_TCP, 9, &extra));
	/* destroying one makes room for exactly one */
	ASSERT_EQ(0, so_destroy(fd, ids[2], 0));
	ASSERT_EQ(0, so_create(fd, SOCKOBJ_PROTO_TCP, 10, &extra));
	EXPECT_EQ(-EMFILE, so_create(fd, SOCKOBJ_PROTO_TCP, 11, &ids[2]));
	/* the limit is per file: another file has its own */
	fd2 = so_open(0);
	ASSERT_LE(0, fd2);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, so_create(fd2, SOCKOBJ_PROTO_TCP, i, &x));
	EXPECT_EQ(-EMFILE, so_create(fd2, SOCKOBJ_PROTO_TCP, 9, &x));
	close(fd2);
	close(fd);

	ASSERT_EQ(0, so_param_write("max_objects", orig));
	self->saved_max_objects = -1;
	fd = so_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, so_get_api(fd, &api));
	EXPECT_EQ((__u32)orig, api.max_objects);
	close(fd);
}

/*
 * CONNECT refuses (EBUSY) to start an attempt for which the object's ring
 * has no room, and reading makes room again; nothing is lost or merged.
 *
 * The contract says both "refuses to start an attempt for which the ring
 * has no room" (an attempt produces up to SOCKOBJ_TRANSITIONS_MAX records,
 * the ring holds SOCKOBJ_OBJ_RECORDS) and, in the error list, "EBUSY (the
 * object still holds SOCKOBJ_TRANSITIONS_MAX or more undelivered records)".
 * With 8 and 5 these disagree for 4 pending records (4 + 5 > 8: the ring
 * could overflow). This test checks the rule that keeps the no-merge
 * guarantee: EBUSY as soon as more than OBJ_RECORDS - TRANSITIONS_MAX
 * records are pending.
 */
#define BUSY_AT	(SOCKOBJ_OBJ_RECORDS - SOCKOBJ_TRANSITIONS_MAX + 1)

static void refused_attempt(struct __test_metadata *_metadata, int fd,
			    __u32 id)
{
	ASSERT_EQ(0, so_connect(fd, id));
	ASSERT_EQ(0, so_wait_state(fd, id, SOCKOBJ_STATE_CLOSED, so_tmo(3000)));
}

TEST_F_TIMEOUT(cfg, connect_busy, 90)
{
	struct sockobj_info info;
	struct sockobj_event ev;
	__u32 pending = 0, id;
	__u64 seq = 0;
	int attempts = 0, i;

	ASSERT_EQ(4, BUSY_AT);
	ASSERT_EQ(0, so_new(self->fd, COOKIE, "127.0.0.1", REFUSED_PORT, &id));
	/* attempts while fewer than BUSY_AT records are pending: 2, then 4 */
	while (pending < BUSY_AT) {
		refused_attempt(_metadata, self->fd, id);
		attempts++;
		pending += 2;
		ASSERT_EQ(0, so_get_info(self->fd, id, &info));
		EXPECT_EQ(pending, info.pending);
	}
	EXPECT_EQ(-EBUSY, so_connect(self->fd, id));
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(U32(SOCKOBJ_STATE_CLOSED), info.state);
	EXPECT_EQ(pending, info.pending);

	/* read one record: BUSY_AT - 1 pending, an attempt fits again */
	ASSERT_EQ(1, so_read_events(self->fd, &ev, 1, 1000));
	EXPECT_EQ(U32(SOCKOBJ_STATE_CONNECTING), ev.state);
	EXPECT_EQ(1U, ev.merged);
	seq = ev.seq;
	pending--;
	refused_attempt(_metadata, self->fd, id);
	attempts++;
	pending += 2;
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(pending, info.pending);
	EXPECT_EQ(-EBUSY, so_connect(self->fd, id));

	/* all the records, in order, none merged: the rest of attempt 1 */
	ASSERT_EVENTS_SEQ(self->fd, id, COOKIE, so_tmo(3000), &seq, NULL,
			  EV_CLOSED(CONNECTING, REFUSED, ECONNREFUSED));
	for (i = 1; i < attempts; i++)
		ASSERT_EVENTS_SEQ(self->fd, id, COOKIE, so_tmo(3000), &seq,
				  NULL, EV(CONNECTING, CLOSED),
				  EV_CLOSED(CONNECTING, REFUSED, ECONNREFUSED));
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(0U, info.pending);
	ASSERT_NO_EVENT(self->fd, 0, 50);

	/* and connecting works again */
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS_SEQ(self->fd, id, COOKIE, so_tmo(3000), &seq, NULL,
			  EV(CONNECTING, CLOSED),
			  EV_CLOSED(CONNECTING, REFUSED, ECONNREFUSED));
}

SO_HARNESS_MAIN
