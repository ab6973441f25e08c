// SPDX-License-Identifier: GPL-2.0
/*
 * sockobj selftest: many objects on one file, connecting, moving data and
 * closing in a loop for a fixed time against a peer that echoes, closes or
 * resets at random; then the file is closed while connections are in every
 * state; then the module is unloaded and loaded again.
 *
 *   stress [-N OBJECTS] [-T SECONDS]
 *
 * Default scale, chosen at run time: 10,000 objects for 20 s of traffic on
 * the stock kernel; 500 objects for 20 s on the debug kernel
 * (SOCKOBJ_KERNEL=debug, or any kernel with lockdep), where KASAN and
 * lockdep under TCG make 10,000 connections cycling far too slow for make
 * check's budget. Printed first.
 *
 * Checked: every CONNECT that returned 0 produced exactly one attempt whose
 * records arrived complete and in order (CONNECTING, then ESTABLISHED,
 * PEER_CLOSING and CLOSING as they happened, then CLOSED with a reason
 * that fits what we and the peer did), seq strictly increasing per object
 * and never repeated in the file, and, once everything is closed and read,
 * the file's sequence numbers are all accounted for: the largest seq ==
 * the sum of "merged" over state records + the number of data records
 * (the uapi's "no gap other than merging"). GET_INFO's byte counters equal
 * what SEND and RECV reported. No object stays stuck.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "sotest.h"

static long opt_objects = -1;
static long opt_seconds = -1;

static int parse_opts(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "N:T:h")) != -1) {
		switch (c) {
		case 'N':
			opt_objects = strtol(optarg, NULL, 0);
			break;
		case 'T':
			opt_seconds = strtol(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-N OBJECTS] [-T SECONDS]\n",
				argv[0]);
			return 1;
		}
	}
	if (opt_objects < 0)
		opt_objects = so_debug_kernel() ? 500 : 10000;
	if (opt_seconds < 0)
		opt_seconds = 20;
	if (opt_objects < 1 || opt_objects > 16000 || opt_seconds < 1) {
		fprintf(stderr, "%s: bad -N or -T\n", argv[0]);
		return 1;
	}
	optind = 1;
	printf("# stress: %ld objects on one file, %ld s of traffic (%s "
	       "kernel scale)\n", opt_objects, opt_seconds,
	       so_debug_kernel() ? "debug" : "stock");
	return 0;
}

/* ---------------------------------------------------------------------- */

enum plan { PLAN_DISCONNECT, PLAN_ABORT, PLAN_PEER };

struct sobj {
	__u32 id;
	__u64 cookie;
	uint8_t state;			/* from the records */
	uint8_t proto;
	uint8_t plan;
	uint8_t we_closed;		/* DISCONNECT or ABORT issued */
	uint8_t aborted;
	uint8_t eof;
	uint64_t last_seq;
	uint64_t deadline_ns;		/* PLAN_PEER: abort at this time */
	uint32_t connects;		/* CONNECT returned 0 */
	uint32_t attempts;		/* CONNECTING records */
	uint32_t closes;		/* CLOSED records */
	uint32_t established;
	uint64_t to_send, sent, received;	/* this attempt */
	uint64_t sent_total, received_total;
};

struct stress {
	int fd;
	struct sobj *o;
	long n;
	struct so_peer peer;
	__u16 ports[4];
	int nports;
	int port_idle, port_shut;
	struct so_rnd r;
	char *buf;
	uint8_t *seen;
	uint64_t max_seq;
	uint64_t merged_sum, data_records, state_records, merged_gt1;
	uint64_t records, connects, establishes, closes, bytes_sent,
		 bytes_received, reasons[SOCKOBJ_REASON_COUNT];
	long errors;
	int stopping;
};

static struct stress *ST;

#define FAIL(fmt, ...) do {						\
	if (ST->errors++ < 30)						\
		fprintf(stderr, "# FAIL: " fmt "\n", ##__VA_ARGS__);	\
} while (0)

static struct sobj *obj_of(__u64 cookie)
{
	__u64 i = cookie - 0x5eed00000000ULL;

	return i < (__u64)ST->n ? &ST->o[i] : NULL;
}

static void start_attempt(struct sobj *o)
{
	struct sockobj_config cfg = { .id = o->id, .mask = SOCKOBJ_CFG_TARGET };
	char ip[16];
	int ret;

	snprintf(ip, sizeof(ip), "127.0.0.%u", 1 + so_rnd_below(&ST->r, 4));
	so_addr(&cfg.target, ip,
		ST->ports[so_rnd_below(&ST->r, (uint32_t)ST->nports)]);
	if (so_rnd_pct(&ST->r, 30)) {
		cfg.mask |= SOCKOBJ_CFG_NODELAY;
		cfg.nodelay = 1;
	} else {
		cfg.mask |= SOCKOBJ_CFG_NODELAY;	/* 0: unset */
	}
	ret = so_configure(ST->fd, &cfg);
	if (ret)
		FAIL("CONFIGURE(%u): %s", o->id, strerror(-ret));
	ret = so_connect(ST->fd, o->id);
	if (ret) {
		FAIL("CONNECT(%u): %s", o->id, strerror(-ret));
		return;
	}
	o->connects++;
	ST->connects++;
	o->we_closed = o->aborted = o->eof = 0;
	o->sent = o->received = 0;
	o->to_send = 1 + so_rnd_below(&ST->r, so_rnd_pct(&ST->r, 80) ? 4096 : 65536);
	{
		uint32_t roll = so_rnd_below(&ST->r, 100);

		o->plan = roll < 70 ? PLAN_DISCONNECT :
			  roll < 85 ? PLAN_ABORT : PLAN_PEER;
	}
	o->deadline_ns = 0;
}

static void do_send(struct sobj *o)
{
	struct sockobj_io io = { .id = o->id, .buf = (uintptr_t)ST->buf };
	int ret;

	while (o->sent < o->to_send) {
		io.len = o->to_send - o->sent;
		ret = so_ioctl(ST->fd, SOCKOBJ_IOC_SEND, &io);
		if (ret == -EAGAIN)
			return;		/* WRITABLE follows */
		if (ret) {
			/* the connection may be breaking (peer RST) */
			if (ret != -EPIPE && ret != -ENOTCONN &&
			    ret != -ECONNRESET)
				FAIL("SEND(%u): %s", o->id, strerror(-ret));
			return;
		}
		o->sent += io.done;
		o->sent_total += io.done;
		ST->bytes_sent += io.done;
		if (!io.done)
			return;
	}
}

static void do_close(struct sobj *o, int abort)
{
	int ret;

	if (o->we_closed)
		return;
	o->we_closed = 1;
	ret = abort ? so_abort(ST->fd, o->id) : so_disconnect(ST->fd, o->id);
	/* the peer may have closed meanwhile (its records are on the way) */
	if (ret && ret != -ENOTCONN && !(ret == -EALREADY && !abort))
		FAIL("%s(%u): %s", abort ? "ABORT" : "DISCONNECT", o->id,
		     strerror(-ret));
	if (abort && !ret)
		o->aborted = 1;
}

static void do_recv(struct sobj *o)
{
	struct sockobj_io io = { .id = o->id, .buf = (uintptr_t)ST->buf,
				 .len = 65536 };
	int ret;

	for (;;) {
		ret = so_ioctl(ST->fd, SOCKOBJ_IOC_RECV, &io);
		if (ret == -EAGAIN)
			break;
		if (ret) {
			if (ret != -ENOTCONN)
				FAIL("RECV(%u): %s", o->id, strerror(-ret));
			return;
		}
		if (!io.done) {
			o->eof = 1;
			break;
		}
		o->received += io.done;
		o->received_total += io.done;
		ST->bytes_received += io.done;
	}
	if (o->state == SOCKOBJ_STATE_ESTABLISHED && !o->we_closed &&
	    o->received >= o->to_send) {
		if (o->plan != PLAN_PEER)
			do_close(o, o->plan == PLAN_ABORT);
		else if (!o->deadline_ns)  /* wait a little for the peer */
			o->deadline_ns = so_now_ns() +
					 (uint64_t)so_tmo(300) * 1000000ULL;
	}
	if (o->eof && o->state == SOCKOBJ_STATE_PEER_CLOSING)
		do_close(o, 0);
}

static void seen_set(uint64_t seq)
{
	if (seq > ST->max_seq)
		ST->max_seq = seq;
	if (seq / 8 >= (uint64_t)64 << 20) {
		FAIL("seq %llu out of the test's range", (unsigned long long)seq);
		return;
	}
	if (ST->seen[seq / 8] & (1 << (seq % 8)))
		FAIL("seq %llu delivered twice", (unsigned long long)seq);
	ST->seen[seq / 8] |= (uint8_t)(1 << (seq % 8));
}

static int legal(uint8_t from, uint32_t to)
{
	switch (from) {
	case SOCKOBJ_STATE_CLOSED:
		return to == SOCKOBJ_STATE_CONNECTING;
	case SOCKOBJ_STATE_CONNECTING:
		return to == SOCKOBJ_STATE_ESTABLISHED || to == SOCKOBJ_STATE_CLOSED;
	case SOCKOBJ_STATE_ESTABLISHED:
		return to == SOCKOBJ_STATE_PEER_CLOSING ||
		       to == SOCKOBJ_STATE_CLOSING || to == SOCKOBJ_STATE_CLOSED;
	case SOCKOBJ_STATE_PEER_CLOSING:
		return to == SOCKOBJ_STATE_CLOSING || to == SOCKOBJ_STATE_CLOSED;
	case SOCKOBJ_STATE_CLOSING:
		return to == SOCKOBJ_STATE_CLOSED;
	}
	return 0;
}

/* The close reason fits what happened? */
static int reason_fits(struct sobj *o, const struct sockobj_event *e)
{
	switch (e->reason) {
	case SOCKOBJ_REASON_ABORTED:
		return o->aborted && e->phase != SOCKOBJ_STATE_CONNECTING;
	case SOCKOBJ_REASON_CANCELLED:
		return o->we_closed && e->phase == SOCKOBJ_STATE_CONNECTING;
	case SOCKOBJ_REASON_LOCAL_CLOSED:
		return o->we_closed && !o->aborted &&
		       e->phase == SOCKOBJ_STATE_CLOSING;
	case SOCKOBJ_REASON_PEER_CLOSED:
		/* our FIN after the peer's, or crossing it */
		return e->phase == SOCKOBJ_STATE_CLOSING ||
		       e->phase == SOCKOBJ_STATE_PEER_CLOSING;
	case SOCKOBJ_REASON_RESET:
		return e->phase != SOCKOBJ_STATE_CONNECTING &&
		       (e->error == ECONNRESET || e->error == EPIPE ||
			e->error == ECONNREFUSED);
	default:
		return 0;	/* no refusal, timeout or error on loopback */
	}
}

static void handle(const struct sockobj_event *e)
{
	struct sobj *o = obj_of(e->cookie);

	ST->records++;
	if (!o || o->id != e->id) {
		FAIL("record of id %u cookie 0x%llx: not one of ours", e->id,
		     (unsigned long long)e->cookie);
		return;
	}
	if (e->seq <= o->last_seq)
		FAIL("id %u: seq %llu after %llu", e->id,
		     (unsigned long long)e->seq, (unsigned long long)o->last_seq);
	o->last_seq = e->seq;
	seen_set(e->seq);
	if (!e->attempt || e->retry_ms || !e->merged)
		FAIL("id %u: malformed record", e->id);
	if (e->type != SOCKOBJ_EV_STATE) {
		ST->data_records++;
		if (e->state != o->state)
			FAIL("id %u: data record type %u in state %s, object %s",
			     e->id, e->type, so_state_name(e->state),
			     so_state_name(o->state));
		if (o->state == SOCKOBJ_STATE_CLOSED)
			return;
		if (e->type == SOCKOBJ_EV_READABLE)
			do_recv(o);
		else if (e->type == SOCKOBJ_EV_WRITABLE && !o->we_closed)
			do_send(o);
		return;
	}
	ST->state_records++;
	ST->merged_sum += e->merged;
	if (e->merged != 1)
		ST->merged_gt1++;
	if (e->prev_state != o->state || !legal(o->state, e->state))
		FAIL("id %u: record %s <- %s while the object was %s (attempt "
		     "%u)", e->id, so_state_name(e->state),
		     so_state_name(e->prev_state), so_state_name(o->state),
		     o->attempts);
	o->state = (uint8_t)e->state;
	switch (e->state) {
	case SOCKOBJ_STATE_CONNECTING:
		o->attempts++;
		break;
	case SOCKOBJ_STATE_ESTABLISHED:
		o->established++;
		ST->establishes++;
		do_send(o);
		break;
	case SOCKOBJ_STATE_PEER_CLOSING:
		do_recv(o);
		if (o->eof)
			do_close(o, 0);
		break;
	case SOCKOBJ_STATE_CLOSING:
		break;
	case SOCKOBJ_STATE_CLOSED:
		o->closes++;
		ST->closes++;
		if (e->reason < SOCKOBJ_REASON_COUNT)
			ST->reasons[e->reason]++;
		if (!reason_fits(o, e))
			FAIL("id %u: CLOSED reason %s phase %s error %d does not "
			     "fit (we closed %d, aborted %d, plan %d)", e->id,
			     so_reason_name(e->reason), so_state_name(e->phase),
			     e->error, o->we_closed, o->aborted, o->plan);
		if (!ST->stopping)
			start_attempt(o);
		break;
	}
}

static int read_some(int timeout_ms)
{
	static struct sockobj_event ev[512];
	int n = so_read_events(ST->fd, ev, 512, timeout_ms), i;

	if (n < 0) {
		FAIL("read: %s", strerror(-n));
		return 0;
	}
	for (i = 0; i < n; i++)
		handle(&ev[i]);
	return n;
}

/* PLAN_PEER objects whose peer did not close in time: abort them. */
static void sweep(void)
{
	uint64_t now = so_now_ns();
	long i;

	for (i = 0; i < ST->n; i++) {
		struct sobj *o = &ST->o[i];

		if (!o->deadline_ns || now < o->deadline_ns)
			continue;
		o->deadline_ns = 0;
		if (o->state != SOCKOBJ_STATE_CLOSED && !o->we_closed)
			do_close(o, 1);
	}
}

/* The end: close what is open, then wait for every CLOSED record. */
static long wind_down(int timeout_ms)
{
	uint64_t t0 = so_now_ns(), end = t0 + (uint64_t)timeout_ms * 1000000ULL;
	int aborted = 0;
	long i, open;

	ST->stopping = 1;
	for (;;) {
		open = 0;
		for (i = 0; i < ST->n; i++) {
			struct sobj *o = &ST->o[i];

			if (o->state == SOCKOBJ_STATE_CLOSED &&
			    o->closes == o->connects)
				continue;
			open++;
			if (!o->we_closed &&
			    (o->state == SOCKOBJ_STATE_ESTABLISHED ||
			     o->state == SOCKOBJ_STATE_PEER_CLOSING))
				do_close(o, 0);
		}
		if (!open || so_now_ns() > end)
			return open;
		/* half the time gone: reset whatever still hangs on */
		if (!aborted && so_now_ns() > t0 + (end - t0) / 2) {
			aborted = 1;
			for (i = 0; i < ST->n; i++) {
				struct sobj *o = &ST->o[i];

				if (o->state != SOCKOBJ_STATE_CLOSED && !o->aborted) {
					o->we_closed = 1;
					if (!so_abort(ST->fd, o->id))
						o->aborted = 1;
				}
			}
		}
		read_some(20);
	}
}

static int st_setup(struct __test_metadata *_metadata, int with_peer_acts,
			int extra_listeners)
{
	long i;
	int k;

	ST = calloc(1, sizeof(*ST));
	ASSERT_NE(NULL, ST);
	ST->n = opt_objects;
	ST->o = calloc((size_t)ST->n, sizeof(*ST->o));
	ST->buf = malloc(65536);
	ST->seen = calloc(1, (size_t)64 << 20);
	ASSERT_NE(NULL, ST->o);
	ASSERT_NE(NULL, ST->buf);
	ASSERT_NE(NULL, ST->seen);
	ST->r.s = (uint64_t)time(NULL);
	memset(ST->buf, 'x', 65536);

	ASSERT_EQ(0, so_netns_private());
	so_sh("sysctl -qw net.ipv4.ip_local_port_range='1024 65000' "
	      "net.core.somaxconn=8192 net.ipv4.tcp_max_syn_backlog=16384");
	ASSERT_EQ(0, so_raise_nofile((rlim_t)ST->n * 2 + 4096));
	so_peer_init(&ST->peer, ST->r.s);
	if (with_peer_acts) {
		ST->peer.pct[SO_PEER_FIN_NOW] = 4;
		ST->peer.pct[SO_PEER_RST_NOW] = 4;
		ST->peer.pct[SO_PEER_FIN_LATER] = 8;
		ST->peer.pct[SO_PEER_RST_LATER] = 8;
		ST->peer.pct[SO_PEER_SHUT_WR] = 6;
		ST->peer.pct[SO_PEER_HOLD] = 2;
		ST->peer.later_ms = 300;
	}
	for (k = 0; k < 4; k++) {
		int port = so_peer_add_tcp(&ST->peer, "0.0.0.0", 0, 8192);

		ASSERT_LT(0, port);
		ST->ports[ST->nports++] = (__u16)port;
	}
	if (extra_listeners) {
		ST->port_idle = so_peer_add_tcp_act(&ST->peer, "127.0.0.1", 0, 8192,
						    SO_PEER_IDLE);
		ST->port_shut = so_peer_add_tcp_act(&ST->peer, "127.0.0.1", 0, 8192,
						    SO_PEER_SHUT_WR);
		ASSERT_LT(0, ST->port_idle);
		ASSERT_LT(0, ST->port_shut);
	}
	ASSERT_EQ(0, so_peer_start(&ST->peer));
	ST->fd = so_open(O_NONBLOCK);
	ASSERT_LE(0, ST->fd);
	for (i = 0; i < ST->n; i++) {
		struct sobj *o = &ST->o[i];

		o->cookie = 0x5eed00000000ULL + (__u64)i;
		ASSERT_EQ(0, so_create(ST->fd, SOCKOBJ_PROTO_TCP, o->cookie,
				       &o->id));
	}
	return 0;
}

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
	SO_REQUIRE_DEVICE();
}

FIXTURE_TEARDOWN(stress)
{
}

/* The loop; then everything closes and is checked. */
static void connect_exchange_close(struct __test_metadata *_metadata)
{
	uint64_t t0, end, last_sweep = 0, consumed;
	long i, stuck, mismatched = 0;
	double secs;

	st_setup(_metadata, 1, 0);
	t0 = so_now_ns();
	/*
	 * Start in waves so the listen queues are not flooded at once. Between
	 * waves, read what is there, but not until nothing is left: objects
	 * already started keep cycling, so that could take the whole run.
	 */
	for (i = 0; i < ST->n; i++) {
		start_attempt(&ST->o[i]);
		if (i % 256 == 255) {
			int k;

			for (k = 0; k < 4 && read_some(0) > 0; k++)
				;
		}
	}
	printf("# stress: %ld objects connecting after %.1f s\n", ST->n,
	       (double)(so_now_ns() - t0) / 1e9);
	/* the fixed time of traffic starts now */
	end = so_now_ns() + (uint64_t)opt_seconds * 1000000000ULL;
	while (so_now_ns() < end) {
		read_some(10);
		if (so_now_ns() - last_sweep > 100000000ULL) {
			sweep();
			last_sweep = so_now_ns();
		}
	}
	printf("# stress: traffic phase over after %.1f s: %llu connections, "
	       "%llu records\n", (double)(so_now_ns() - t0) / 1e9,
	       (unsigned long long)ST->connects,
	       (unsigned long long)ST->records);
	stuck = wind_down(so_debug_kernel() ? 150000 : 60000);
	/* anything left is read now: nothing can move any more */
	so_sleep_ms(200);
	while (read_some(50) > 0)
		;
	secs = (double)(so_now_ns() - t0) / 1e9;

	for (i = 0; i < ST->n; i++) {
		struct sobj *o = &ST->o[i];
		struct sockobj_info info;
		int ret = so_get_info(ST->fd, o->id, &info);

		if (ret) {
			FAIL("GET_INFO(%u): %s", o->id, strerror(-ret));
			continue;
		}
		if (o->attempts != o->connects || o->closes != o->connects ||
		    info.state != SOCKOBJ_STATE_CLOSED || info.pending ||
		    info.bytes_sent != o->sent_total ||
		    info.bytes_received != o->received_total) {
			if (mismatched++ < 10)
				FAIL("id %u: %u CONNECTs, %u CONNECTING and %u "
				     "CLOSED records, state %s (%s), %u pending, "
				     "bytes sent %llu/%llu received %llu/%llu",
				     o->id, o->connects, o->attempts, o->closes,
				     so_state_name(info.state),
				     so_state_name(o->state), info.pending,
				     (unsigned long long)info.bytes_sent,
				     (unsigned long long)o->sent_total,
				     (unsigned long long)info.bytes_received,
				     (unsigned long long)o->received_total);
		}
	}
	consumed = ST->merged_sum + ST->data_records;
	printf("# stress: %.1f s: %llu connections (%llu established), %llu "
	       "closed, %llu bytes sent, %llu received, %llu records (%llu "
	       "state, %llu data, %llu merged > 1)\n", secs,
	       (unsigned long long)ST->connects,
	       (unsigned long long)ST->establishes,
	       (unsigned long long)ST->closes,
	       (unsigned long long)ST->bytes_sent,
	       (unsigned long long)ST->bytes_received,
	       (unsigned long long)ST->records,
	       (unsigned long long)ST->state_records,
	       (unsigned long long)ST->data_records,
	       (unsigned long long)ST->merged_gt1);
	printf("# stress: reasons:");
	for (i = 1; i < SOCKOBJ_REASON_COUNT; i++)
		if (ST->reasons[i])
			printf(" %s=%llu", so_reason_name((__u32)i),
			       (unsigned long long)ST->reasons[i]);
	printf("; peer: %lu accepted, %lu FIN, %lu RST, %lu bytes echoed\n",
	       atomic_load(&ST->peer.accepted), atomic_load(&ST->peer.fins),
	       atomic_load(&ST->peer.rsts), atomic_load(&ST->peer.echoed));
	printf("# stress: seq: largest %llu, consumed (sum of merged + data "
	       "records) %llu\n", (unsigned long long)ST->max_seq,
	       (unsigned long long)consumed);
	if (ST->max_seq != consumed)
		FAIL("sequence numbers: largest %llu but %llu accounted for",
		     (unsigned long long)ST->max_seq,
		     (unsigned long long)consumed);
	if (stuck)
		FAIL("%ld objects never completed their lifecycle", stuck);
	close(ST->fd);
	so_peer_stop(&ST->peer, 1);
	EXPECT_LT(0, (long)ST->establishes);
	EXPECT_EQ(0, ST->errors);
}

TEST_F_TIMEOUT(stress, connect_exchange_close, 420)
{
	SO_IN_CHILD(400, connect_exchange_close(_metadata));
}

/*
 * Close the file while objects are CONNECTING (SYN dropped), ESTABLISHED
 * (idle, with unread data, with a full send buffer), PEER_CLOSING,
 * CLOSING (FIN_WAIT2), and CLOSED with unread records.
 */
static void close_in_every_state(struct __test_metadata *_metadata)
{
	enum { K_CONNECTING, K_IDLE, K_UNREAD, K_FULL, K_PEER_CLOSING,
	       K_CLOSING, K_CLOSED, K_N };
	static const char *const kname[K_N] = {
		"CONNECTING", "ESTABLISHED idle", "ESTABLISHED unread",
		"ESTABLISHED full", "PEER_CLOSING", "CLOSING", "CLOSED",
	};
	static const uint8_t want[K_N] = {
		SOCKOBJ_STATE_CONNECTING, SOCKOBJ_STATE_ESTABLISHED,
		SOCKOBJ_STATE_ESTABLISHED, SOCKOBJ_STATE_ESTABLISHED,
		SOCKOBJ_STATE_PEER_CLOSING, SOCKOBJ_STATE_CLOSING,
		SOCKOBJ_STATE_CLOSED,
	};
	long i, count[K_N] = { 0 }, reached[K_N] = { 0 };
	int port_echo, port_idle, port_shut, k;
	uint64_t deadline, t;
	char line[512], me[32];
	FILE *f;

	st_setup(_metadata, 0, 1);
	port_echo = ST->ports[0];
	port_idle = ST->port_idle;
	port_shut = ST->port_shut;
	ASSERT_EQ(0, so_nft_input_rule(NULL, "tcp dport 7 drop"));

	for (i = 0; i < ST->n; i++) {
		struct sobj *o = &ST->o[i];
		struct sockobj_config cfg = { .id = o->id,
					      .mask = SOCKOBJ_CFG_TARGET };
		__u16 port;

		k = (int)(i % K_N);
		o->plan = (uint8_t)k;
		count[k]++;
		port = k == K_CONNECTING ? 7 :
		       k == K_PEER_CLOSING ? (__u16)port_shut :
		       (k == K_FULL || k == K_CLOSING) ? (__u16)port_idle :
		       (__u16)port_echo;
		so_addr(&cfg.target, "127.0.0.1", port);
		ASSERT_EQ(0, so_configure(ST->fd, &cfg));
		ASSERT_EQ(0, so_connect(ST->fd, o->id));
		if (i % 128 == 127)
			so_sleep_ms(so_debug_kernel() ? 50 : 5);
	}
	/* drive each object to its state (GET_INFO, records left unread) */
	deadline = so_now_ns() + (uint64_t)so_tmo(30000) * 1000000ULL;
	for (;;) {
		long missing = 0;

		for (i = 0; i < ST->n; i++) {
			struct sobj *o = &ST->o[i];
			struct sockobj_info info;
			struct sockobj_io io = { .id = o->id,
						 .buf = (uintptr_t)ST->buf };

			if (o->eof)	/* reached */
				continue;
			if (so_get_info(ST->fd, o->id, &info))
				continue;
			k = o->plan;
			if (info.state == want[k] &&
			    (k != K_UNREAD || info.rx_queued) &&
			    (k != K_FULL || !info.tx_space)) {
				o->eof = 1;
				reached[k]++;
				continue;
			}
			missing++;
			if (info.state != SOCKOBJ_STATE_ESTABLISHED)
				continue;
			if (k == K_UNREAD && !o->sent) {
				io.len = 100;
				if (!so_ioctl(ST->fd, SOCKOBJ_IOC_SEND, &io))
					o->sent = 1;
			} else if (k == K_FULL) {
				io.len = 65536;
				so_ioctl(ST->fd, SOCKOBJ_IOC_SEND, &io);
			} else if (k == K_CLOSING || k == K_CLOSED) {
				if (k == K_CLOSED)
					so_abort(ST->fd, o->id);
				else
					so_disconnect(ST->fd, o->id);
			}
		}
		if (!missing || so_now_ns() > deadline)
			break;
		so_sleep_ms(20);
	}
	for (k = 0; k < K_N; k++)
		printf("# close_in_every_state: %s: %ld of %ld\n", kname[k],
		       reached[k], count[k]);
	t = so_now_ns();
	close(ST->fd);
	printf("# close_in_every_state: close() of the file with %ld objects "
	       "took %.3f s\n", ST->n, (double)(so_now_ns() - t) / 1e9);
	/* nothing of this file is left */
	snprintf(me, sizeof(me), " %d ", (int)getpid());
	f = fopen("/proc/net/sockobj", "re");
	ASSERT_NE(NULL, f);
	i = 0;
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');

		if (sp && !strncmp(sp, me, strlen(me)))
			i++;
	}
	fclose(f);
	EXPECT_EQ(0, i);
	/* the peer sees every connection end */
	so_sleep_ms(so_debug_kernel() ? 2000 : 500);
	so_peer_stop(&ST->peer, 1);
	for (k = 0; k < K_N; k++)
		EXPECT_LT(0, reached[k]) TH_LOG("no object reached state %d", k);
	EXPECT_EQ(0, ST->errors);
}

TEST_F_TIMEOUT(stress, close_in_every_state, 250)
{
	SO_IN_CHILD(230, close_in_every_state(_metadata));
}

/* ---------------------------------------------------------------------- */
/* rmmod / insmod                                                          */
/* ---------------------------------------------------------------------- */

/* The module file vm-run loaded (its guest-init.sh writes modules.list). */
static int module_path(char *path, size_t len)
{
	const char *dir = getenv("SOCKOBJ_VM_RUN_DIR");
	char file[512], name[128], p[512];
	FILE *f;
	int found = 0;

	if (!dir)
		return -ENOENT;
	snprintf(file, sizeof(file), "%s/modules.list", dir);
	f = fopen(file, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%127s %511s", name, p) == 2)
		if (!strcmp(name, "sockobj")) {
			snprintf(path, len, "%s", p);
			found = 1;
			break;
		}
	fclose(f);
	return found ? 0 : -ENOENT;
}

static int rmmod(void)
{
	return syscall(SYS_delete_module, "sockobj", O_NONBLOCK) ? -errno : 0;
}

static int insmod(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * Passive opens too: objects LISTENING on a port of their own (a new one
 * each time: the last file's listening socket may still be closing), one
 * of them keeping the connection it takes for reconnects, and clients
 * whose connections are taken, queued for a busy listener or reset; UDP
 * objects on the same port number, and peers whose datagrams engage them,
 * wait in their queues or are dropped.
 */
static void listeners(struct __test_metadata *_metadata, int fd)
{
	static __u16 port = 4800;
	struct sockobj_config c = { .mask = SOCKOBJ_CFG_LOCAL };
	struct sockaddr_in to = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int i, k, s;

	port++;
	for (i = 0; i < 4; i++) {
		struct sockobj_listen l = {
			.inconmode = SOCKOBJ_INCON_ANY,
			.reconmode = i == 1 ? SOCKOBJ_RECON_SAME_HOST :
					      SOCKOBJ_RECON_NONE,
		};

		ASSERT_EQ(0, so_create(fd, SOCKOBJ_PROTO_TCP, 100 + i, &l.id));
		c.id = l.id;
		ASSERT_EQ(0, so_addr(&c.local, "127.0.0.1", port));
		ASSERT_EQ(0, so_configure(fd, &c));
		ASSERT_EQ(0, so_ioctl(fd, SOCKOBJ_IOC_LISTEN, &l));
	}
	for (i = 0; i < 6; i++) {
		struct sockaddr_in a = {
			.sin_family = AF_INET,
			.sin_port = htons(port),
			.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		};

		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ASSERT_LE(0, s);
		/* half of them stay open until the test ends; resets are fine */
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) || i % 2)
			close(s);
	}
	for (i = 0; i < 2; i++) {
		struct sockobj_listen l = {
			.inconmode = SOCKOBJ_INCON_ANY,
			.reconmode = i ? SOCKOBJ_RECON_ANY : SOCKOBJ_RECON_NONE,
		};

		ASSERT_EQ(0, so_create(fd, SOCKOBJ_PROTO_UDP, 200 + i, &l.id));
		c.id = l.id;
		ASSERT_EQ(0, so_addr(&c.local, "127.0.0.1", port));
		ASSERT_EQ(0, so_configure(fd, &c));
		ASSERT_EQ(0, so_ioctl(fd, SOCKOBJ_IOC_LISTEN, &l));
	}
	to.sin_port = htons(port);
	for (i = 0; i < 4; i++) {
		s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		ASSERT_LE(0, s);
		for (k = 0; k < 3; k++)
			sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
		close(s);
	}
}

/*
 * Objects in several states, some retrying a refused port (their retry
 * timer pending at the close on the stock kernel; on the slower debug
 * kernel their next attempt waits for its records to be read), then
 * close; returns the fd closed (-1).
 */
static void busy_file(struct __test_metadata *_metadata, __u16 port, int n,
		      int close_it, int *fdp)
{
	struct sockobj_retry r = {
		.max_attempts = SOCKOBJ_RETRY_UNLIMITED,
		.delay_ms = 40,
		.max_delay_ms = 40,
		.factor_pct = 100,
	};
	int fd = so_open(O_NONBLOCK), i;

	ASSERT_LE(0, fd);
	for (i = 0; i < n; i++) {
		__u32 id;

		if (i % 7 == 3) {
			ASSERT_EQ(0, so_new(fd, (__u64)i, "127.0.0.1", 9, &id));
			ASSERT_EQ(0, so_set_retry(fd, id, &r));
			ASSERT_EQ(0, so_connect(fd, id));
			continue;
		}
		ASSERT_EQ(0, so_new(fd, (__u64)i, "127.0.0.1",
				    i % 3 ? port : 7, &id));
		ASSERT_EQ(0, so_connect(fd, id));
		if (i % 5 == 0)
			so_disconnect(fd, id);
	}
	listeners(_metadata, fd);
	so_sleep_ms(so_debug_kernel() ? 200 : 50);
	if (close_it) {
		close(fd);
		fd = -1;
	}
	*fdp = fd;
}

TEST_F_TIMEOUT(stress, rmmod_insmod_cycle, 200)
{
	char path[512];
	int cycle, ret, fd, lport, tries;
	__u32 id;
	struct stat st;
	struct so_peer p;

	if (module_path(path, sizeof(path)))
		SKIP(return, "not in a tools/testing/vm-run guest (no "
		     "$SOCKOBJ_VM_RUN_DIR/modules.list): the module's path "
		     "is unknown, no rmmod/insmod cycle");
	ASSERT_EQ(0, so_netns_private());
	ASSERT_EQ(0, so_nft_input_rule(NULL, "tcp dport 7 drop"));
	so_peer_init(&p, 1);
	lport = so_peer_add_tcp(&p, "127.0.0.1", 0, 1024);
	ASSERT_LT(0, lport);
	ASSERT_EQ(0, so_peer_start(&p));

	for (cycle = 0; cycle < 3; cycle++) {
		/* an open file pins the module */
		busy_file(_metadata, (__u16)lport, 30, 0, &fd);
		ret = rmmod();
		EXPECT_TRUE(ret == -EWOULDBLOCK || ret == -EBUSY)
			TH_LOG("rmmod with an open file: %d", ret);
		if (!ret) {
			/* unloaded under an open file: do not go on */
			ASSERT_EQ(0, insmod(path));
			close(fd);
			break;
		}
		close(fd);
		/* objects of a closed file, work still pending */
		busy_file(_metadata, (__u16)lport, 60, 1, &fd);
		for (tries = 0; (ret = rmmod()) && tries < 100; tries++)
			so_sleep_ms(50);
		ASSERT_EQ(0, ret) TH_LOG("rmmod after close: %s",
					 strerror(-ret));
		EXPECT_NE(0, access(SO_DEV_PATH, F_OK));
		ret = insmod(path);
		ASSERT_EQ(0, ret) TH_LOG("insmod %s: %s", path, strerror(-ret));
		ASSERT_EQ(0, stat(SO_DEV_PATH, &st));
		EXPECT_EQ(0600, (int)(st.st_mode & 07777));
		EXPECT_EQ(0, (int)st.st_uid);
		EXPECT_EQ(0, (int)st.st_gid);
		/* and it works */
		fd = so_open(0);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, so_new(fd, 1, "127.0.0.1", (__u16)lport, &id));
		ASSERT_EQ(0, so_connect(fd, id));
		ASSERT_EVENTS(fd, id, 1, so_tmo(5000), EV(CONNECTING, CLOSED),
			      EV(ESTABLISHED, CONNECTING));
		so_close(fd);
	}
	printf("# rmmod_insmod_cycle: %d cycles of rmmod + insmod %s\n", cycle,
	       path);
	so_peer_stop(&p, 1);
}

SO_HARNESS_MAIN_OPTS("stress", parse_opts)
