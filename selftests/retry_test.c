// SPDX-License-Identifier: GPL-2.0
/*
 * sockobj selftest: the retry policy (SOCKOBJ_IOC_SET_RETRY).
 *
 * Every test runs in its own network namespace with only lo up. A peer
 * that listens late: the refused attempts, each in its own RETRY_WAIT
 * record, with waits that follow the backoff (measured on the records'
 * timestamps) until ESTABLISHED. A policy that runs out (the last CLOSED
 * says so), a lost connection retried (and a graceful one not), a UDP
 * route that appears, an interface that comes up, jitter within its
 * bounds, every operation while the policy waits, a cancel by DISCONNECT,
 * ABORT and DESTROY, a reader that reads nothing (bounded records, the paused attempt, the whole history
 * after), a flapping peer (accepts, resets, refuses) with every attempt of
 * every object accounted for, and closing the file with waits pending.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "sotest.h"

#define COOKIE		0x7e7e000000000000ULL
#define QUICK		so_tmo(5000)
#define T_RETRY		120

FIXTURE(retry) {
	int fd;
};

FIXTURE_SETUP(retry)
{
	self->fd = -1;
	SO_REQUIRE_DEVICE();
	ASSERT_EQ(0, so_netns_private());
	self->fd = so_open(0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(retry)
{
	so_close(self->fd);
}

static struct sockobj_retry policy(__u32 max, __u32 delay, __u32 max_delay,
				   __u32 factor)
{
	return (struct sockobj_retry){
		.max_attempts = max,
		.delay_ms = delay,
		.max_delay_ms = max_delay,
		.factor_pct = factor,
	};
}

/* A TCP object aimed at 127.0.0.1:port, with policy r. */
static __u32 new_with(struct __test_metadata *_metadata, int fd, __u64 cookie,
		      __u16 port, struct sockobj_retry *r)
{
	__u32 id = 0;

	ASSERT_EQ(0, so_new(fd, cookie, "127.0.0.1", port, &id));
	ASSERT_EQ(0, so_set_retry(fd, id, r));
	return id;
}

/* The next record of id, which must be a state record. */
static struct sockobj_event next_state(struct __test_metadata *_metadata,
				       int fd, __u32 id, int tmo)
{
	struct sockobj_event e;
	int r = so_next_event(fd, id, &e, tmo);

	if (r != 1)
		TH_LOG("object %u: no record within %d ms (%d)", id, tmo, r);
	ASSERT_EQ(1, r);
	if (e.type != SOCKOBJ_EV_STATE || e.merged != 1)
		so_log_event(_metadata, "unexpected", &e);
	ASSERT_EQ((__u32)SOCKOBJ_EV_STATE, e.type);
	ASSERT_EQ(1U, e.merged);
	return e;
}

/* A failed attempt's RETRY_WAIT record: reason, phase, error and number. */
static void expect_wait(struct __test_metadata *_metadata,
			const struct sockobj_event *e, __u32 attempt,
			__u32 prev, __u32 reason, int err)
{
	if (e->state != SOCKOBJ_STATE_RETRY_WAIT || e->attempt != attempt)
		so_log_event(_metadata, "expected RETRY_WAIT", e);
	ASSERT_EQ((__u32)SOCKOBJ_STATE_RETRY_WAIT, e->state);
	EXPECT_EQ(prev, e->prev_state);
	EXPECT_EQ(reason, e->reason);
	EXPECT_EQ(prev, e->phase);
	EXPECT_EQ(err, e->error);
	EXPECT_EQ(attempt, e->attempt);
}

/* A CONNECTING record of attempt number @attempt, after @prev. */
static void expect_connecting_any(struct __test_metadata *_metadata,
				  const struct sockobj_event *e, __u32 attempt,
				  __u32 prev)
{
	if (e->state != SOCKOBJ_STATE_CONNECTING || e->attempt != attempt)
		so_log_event(_metadata, "expected CONNECTING", e);
	ASSERT_EQ((__u32)SOCKOBJ_STATE_CONNECTING, e->state);
	EXPECT_EQ(prev, e->prev_state);
	EXPECT_EQ(attempt, e->attempt);
	EXPECT_EQ(0U, e->reason);
}

/* The next attempt's CONNECTING record, on time (retry_ms 0). */
static void expect_connecting(struct __test_metadata *_metadata,
			      const struct sockobj_event *e, __u32 attempt,
			      __u32 prev)
{
	expect_connecting_any(_metadata, e, attempt, prev);
	EXPECT_EQ(0U, e->retry_ms);
}

/*
 * The wait between a RETRY_WAIT record and the next CONNECTING: at least
 * what the record said (less one jiffy of rounding at HZ=100), at most that
 * plus a generous scheduling allowance.
 */
static void expect_waited(struct __test_metadata *_metadata,
			  const struct sockobj_event *wait,
			  const struct sockobj_event *conn)
{
	__u64 waited = conn->timestamp_ns - wait->timestamp_ns;
	__u64 want = (__u64)wait->retry_ms * 1000000ULL;

	if (waited + 10000000ULL < want || waited > want + so_tmo(1000) * 1000000ULL)
		TH_LOG("attempt %u: waited %llu ms, the record said %u ms",
		       conn->attempt, (unsigned long long)(waited / 1000000ULL),
		       wait->retry_ms);
	EXPECT_LE(want, waited + 10000000ULL);
	EXPECT_GE(want + so_tmo(1000) * 1000000ULL, waited);
}

/*
 * The attempt after the wait of record @wait, which the test had at
 * @wait_read_ns: on time (expect_waited()), or late because the test was.
 * An attempt whose records would not fit stays paused until a read frees
 * their slots, and its CONNECTING record's retry_ms says how late it
 * started (uapi: SOCKOBJ_IOC_SET_RETRY). That needs at least four records
 * unread when the wait ends, the wait's own among them: a test that had
 * the wait's record before the wait was over cannot have paused the
 * attempt. On a loaded debug kernel the test does fall that far behind.
 */
static void expect_next_attempt(struct __test_metadata *_metadata,
				const struct sockobj_event *wait,
				__u64 wait_read_ns,
				const struct sockobj_event *conn, __u32 attempt)
{
	__u64 due = wait->timestamp_ns + (__u64)wait->retry_ms * 1000000ULL;
	__u64 late = (__u64)conn->retry_ms * 1000000ULL;
	__u64 slack = so_tmo(1000) * 1000000ULL;

	expect_connecting_any(_metadata, conn, attempt,
			      SOCKOBJ_STATE_RETRY_WAIT);
	if (!conn->retry_ms) {
		expect_waited(_metadata, wait, conn);
		return;
	}
	TH_LOG("attempt %u started %u ms late: the test had the wait's record %lld ms after the wait's end",
	       attempt, conn->retry_ms,
	       ((long long)wait_read_ns - (long long)due) / 1000000LL);
	EXPECT_LT(due, wait_read_ns);
	/* as late as it says (a jiffy of rounding each way), and no later */
	EXPECT_LE(due + late, conn->timestamp_ns + 20000000ULL);
	EXPECT_GE(due + late + slack, conn->timestamp_ns);
}

/* Values out of range, reserved bytes, unknown flags: EINVAL, no change */
TEST_F(retry, validation)
{
	struct sockobj_retry r, g;
	__u32 id = 0;
	unsigned int i;

	ASSERT_EQ(0, so_new(self->fd, COOKIE, "127.0.0.1", so_port(0), &id));
	for (i = 0; i < 13; i++) {
		r = policy(5, 100, 1000, 200);
		switch (i) {
		case 0: r.flags = 1U << 2; break;
		case 1: r.delay_ms = 0; break;
		case 2: r.max_delay_ms = 99; break;
		case 3: r.max_delay_ms = SOCKOBJ_RETRY_DELAY_MAX_MS + 1; break;
		case 4: r.factor_pct = 99; break;
		case 5: r.factor_pct = 1001; break;
		case 6: r.jitter = 3; break;
		case 7: r.reasons = 1ULL << SOCKOBJ_REASON_ABORTED; break;
		case 8: r.reasons = 1ULL << SOCKOBJ_REASON_LOCAL_CLOSED; break;
		case 9: r.reasons = 1ULL << 63; break;
		case 10: r.pad = 1; break;
		case 11: r.reserved[1] = 1; break;
		case 12: r.max_attempts = 0; break;	/* other fields set */
		}
		EXPECT_EQ(-EINVAL, so_set_retry(self->fd, id, &r))
			TH_LOG("case %u", i);
	}
	/* nothing changed: still no policy */
	ASSERT_EQ(0, so_get_retry(self->fd, id, &g));
	EXPECT_EQ(0U, g.max_attempts);
	EXPECT_EQ(0ULL, g.reasons);

	r = policy(5, 100, 1000, 200);
	EXPECT_EQ(-ENOENT, so_set_retry(self->fd, id + 100, &r));
	ASSERT_EQ(0, so_set_retry(self->fd, id, &r));
	ASSERT_EQ(0, so_get_retry(self->fd, id, &g));
	EXPECT_EQ(id, g.id);
	EXPECT_EQ(5U, g.max_attempts);
	EXPECT_EQ(100U, g.delay_ms);
	EXPECT_EQ(1000U, g.max_delay_ms);
	EXPECT_EQ(200U, g.factor_pct);
	EXPECT_EQ((__u64)SOCKOBJ_RETRY_REASONS_DEFAULT, g.reasons);
	EXPECT_EQ(-ENOENT, so_get_retry(self->fd, id + 100, &g));
	/* GET_RETRY: every byte but id is output */
	memset(&g, 0, sizeof(g));
	g.id = id;
	g.delay_ms = 1;
	EXPECT_EQ(-EINVAL, so_ioctl(self->fd, SOCKOBJ_IOC_GET_RETRY, &g));
	/* removing the policy: all zero */
	r = (struct sockobj_retry){ 0 };
	ASSERT_EQ(0, so_set_retry(self->fd, id, &r));
	ASSERT_EQ(0, so_get_retry(self->fd, id, &g));
	EXPECT_EQ(0U, g.max_attempts);
	EXPECT_EQ(0U, g.delay_ms);
}

/*
 * Nothing listens until ~1.5 s: refused attempts, each a RETRY_WAIT record
 * with its own reason and number, waits 100, 200, 400, 400... as the
 * policy says, then ESTABLISHED once the peer listens. Every refused
 * attempt began before the peer listened and the connection came after it
 * began to: checked on the records' times, not by counting attempts, which
 * a test that falls behind its records (expect_next_attempt()) makes fewer.
 */
TEST_F_TIMEOUT(retry, refused_until_the_peer_listens, T_RETRY)
{
	struct sockobj_retry r = policy(100, 100, 400, 200);
	__u16 port = so_port(1);
	struct sockobj_event prev_wait = { 0 }, e;
	struct sockobj_info info;
	__u32 id, attempt = 1, want_ms = 100;
	uint64_t t0 = so_now_ns(), listen_ns = 0, listened_ns = 0, read_ns;
	uint64_t conn_ns;
	int lfd = -1;

	id = new_with(_metadata, self->fd, COOKIE, port, &r);
	ASSERT_EQ(0, so_connect(self->fd, id));
	e = next_state(_metadata, self->fd, id, QUICK);
	expect_connecting(_metadata, &e, 1, SOCKOBJ_STATE_CLOSED);
	conn_ns = e.timestamp_ns;
	for (;;) {
		if (!listen_ns && so_now_ns() - t0 > 1500000000ULL) {
			listen_ns = so_now_ns();
			lfd = so_listen("127.0.0.1", port);
			ASSERT_LE(0, lfd);
			listened_ns = so_now_ns();
		}
		e = next_state(_metadata, self->fd, id, QUICK);
		read_ns = so_now_ns();
		if (e.state == SOCKOBJ_STATE_ESTABLISHED)
			break;
		expect_wait(_metadata, &e, attempt, SOCKOBJ_STATE_CONNECTING,
			    SOCKOBJ_REASON_REFUSED, ECONNREFUSED);
		/*
		 * Its SYN left before the peer listened: it left after the
		 * CONNECTING record's time (the refusal may be processed
		 * later, on a busy debug kernel after the listen).
		 */
		if (listened_ns)
			EXPECT_GT(listened_ns, conn_ns)
				TH_LOG("attempt %u refused, begun %lld ms after the peer listened",
				       attempt, ((long long)conn_ns -
						 (long long)listened_ns) / 1000000LL);
		EXPECT_EQ(want_ms, e.retry_ms);
		want_ms = want_ms * 2 > 400 ? 400 : want_ms * 2;
		prev_wait = e;
		/*
		 * GET_INFO during the wait, when not already over: a test
		 * that fell behind may find a later attempt's.
		 */
		ASSERT_EQ(0, so_get_info(self->fd, id, &info));
		EXPECT_LE(attempt, info.attempt);
		if (info.state == SOCKOBJ_STATE_RETRY_WAIT &&
		    info.attempt == attempt) {
			EXPECT_EQ((__u32)SOCKOBJ_REASON_REFUSED, info.reason);
			EXPECT_EQ(attempt, info.retries);
			EXPECT_EQ(e.timestamp_ns + (__u64)e.retry_ms * 1000000ULL,
				  info.retry_at_ns);
		}
		e = next_state(_metadata, self->fd, id, so_tmo(3000));
		attempt++;
		expect_next_attempt(_metadata, &prev_wait, read_ns, &e, attempt);
		conn_ns = e.timestamp_ns;
		ASSERT_GT(60U, attempt) TH_LOG("no connection after 60 attempts");
	}
	EXPECT_EQ(attempt, e.attempt);
	EXPECT_EQ((__u32)SOCKOBJ_STATE_CONNECTING, e.prev_state);
	ASSERT_NE(0ULL, listen_ns);
	EXPECT_LE(listen_ns, e.timestamp_ns);
	/* the first attempt's SYN left before the test went on to listen */
	EXPECT_LE(2U, attempt);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ((__u32)SOCKOBJ_STATE_ESTABLISHED, info.state);
	EXPECT_EQ(attempt, info.attempt);
	EXPECT_EQ(attempt - 1, info.retries);
	EXPECT_EQ(0ULL, info.retry_at_ns);
	close(lfd);
}

/* The attempt that fails with max_attempts reached ends the run: CLOSED */
TEST_F_TIMEOUT(retry, exhausted_after_max_attempts, T_RETRY)
{
	struct sockobj_retry r = policy(3, 50, 50, 100);
	struct sockobj_event e, prev_wait = { 0 };
	struct sockobj_info info;
	__u64 wait_read_ns = 0;
	__u32 id, a;

	id = new_with(_metadata, self->fd, COOKIE, so_port(2), &r);
	ASSERT_EQ(0, so_connect(self->fd, id));
	for (a = 1; a <= 3; a++) {
		e = next_state(_metadata, self->fd, id, QUICK);
		if (a == 1)
			expect_connecting(_metadata, &e, a, SOCKOBJ_STATE_CLOSED);
		else
			expect_next_attempt(_metadata, &prev_wait, wait_read_ns,
					    &e, a);
		e = next_state(_metadata, self->fd, id, QUICK);
		wait_read_ns = so_now_ns();
		if (a < 3) {
			expect_wait(_metadata, &e, a, SOCKOBJ_STATE_CONNECTING,
				    SOCKOBJ_REASON_REFUSED, ECONNREFUSED);
			EXPECT_EQ(50U, e.retry_ms);
			prev_wait = e;
		}
	}
	ASSERT_EQ((__u32)SOCKOBJ_STATE_CLOSED, e.state);
	EXPECT_EQ((__u32)SOCKOBJ_REASON_REFUSED, e.reason);
	EXPECT_EQ((__u32)SOCKOBJ_STATE_CONNECTING, e.phase);
	EXPECT_EQ(ECONNREFUSED, e.error);
	EXPECT_EQ(3U, e.attempt);
	EXPECT_EQ(SOCKOBJ_RETRY_EXHAUSTED, e.retry_ms);
	ASSERT_NO_RECORD(self->fd, id, 300);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ((__u32)SOCKOBJ_STATE_CLOSED, info.state);
	EXPECT_EQ(3U, info.attempt);
	EXPECT_EQ(3U, info.retries);
	EXPECT_EQ(0ULL, info.retry_at_ns);

	/*
	 * CONNECT begins a new run: its failures count from 0 again. A wait
	 * long enough that GET_INFO reads it before the next attempt, even on
	 * a loaded debug kernel (at 50 ms that attempt had failed too).
	 */
	r = policy(3, 5000, 5000, 100);
	ASSERT_EQ(0, so_set_retry(self->fd, id, &r));
	ASSERT_EQ(0, so_connect(self->fd, id));
	e = next_state(_metadata, self->fd, id, QUICK);
	expect_connecting(_metadata, &e, 4, SOCKOBJ_STATE_CLOSED);
	e = next_state(_metadata, self->fd, id, QUICK);
	expect_wait(_metadata, &e, 4, SOCKOBJ_STATE_CONNECTING,
		    SOCKOBJ_REASON_REFUSED, ECONNREFUSED);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(1U, info.retries);
	ASSERT_EQ(0, so_disconnect(self->fd, id));

	/* max_attempts 1: nothing retried, the close still says why */
	r = policy(1, 50, 50, 100);
	ASSERT_EQ(0, so_wait_state(self->fd, id, SOCKOBJ_STATE_CLOSED, QUICK));
	ASSERT_EQ(0, so_set_retry(self->fd, id, &r));
	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EQ(0, so_wait_state(self->fd, id, SOCKOBJ_STATE_CLOSED, QUICK));
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ((__u32)SOCKOBJ_REASON_REFUSED, info.reason);
	EXPECT_EQ(1U, info.retries);

	/* the policy removed: retries is 0, as without a policy */
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(0, so_set_retry(self->fd, id, &r));
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(0U, info.retries);
}

/*
 * In RETRY_WAIT: not CLOSED (CONFIGURE, CONNECT, SET_RETRY: EISCONN), not
 * open (SEND, RECV, HANDOFF: ENOTCONN); DISCONNECT and ABORT cancel the
 * wait at once, DESTROY ends it without a record, and no attempt follows.
 */
TEST_F_TIMEOUT(retry, every_operation_while_waiting, T_RETRY)
{
	struct sockobj_retry r = policy(10, 60000, 60000, 100);
	struct sockobj_config cfg = { 0 };
	struct sockobj_event e;
	struct sockobj_info info;
	size_t done;
	__u32 id[3];
	char buf[8] = "x";
	uint64_t before;
	int i;

	for (i = 0; i < 3; i++) {
		id[i] = new_with(_metadata, self->fd, COOKIE + i, so_port(3), &r);
		ASSERT_EQ(0, so_connect(self->fd, id[i]));
		e = next_state(_metadata, self->fd, id[i], QUICK);
		e = next_state(_metadata, self->fd, id[i], QUICK);
		expect_wait(_metadata, &e, 1, SOCKOBJ_STATE_CONNECTING,
			    SOCKOBJ_REASON_REFUSED, ECONNREFUSED);
		EXPECT_EQ(60000U, e.retry_ms);
	}
	before = so_now_ns();
	ASSERT_EQ(0, so_get_info(self->fd, id[0], &info));
	EXPECT_EQ((__u32)SOCKOBJ_STATE_RETRY_WAIT, info.state);
	EXPECT_EQ((__u32)SOCKOBJ_REASON_REFUSED, info.reason);
	EXPECT_EQ((__u32)SOCKOBJ_STATE_CONNECTING, info.phase);
	EXPECT_EQ(ECONNREFUSED, info.error);
	EXPECT_LT(before, info.retry_at_ns);
	EXPECT_GT(before + 61000000000ULL, info.retry_at_ns);
	EXPECT_EQ(0U, info.tx_unacked);

	cfg.id = id[0];
	cfg.mask = SOCKOBJ_CFG_CONNECT_TIMEOUT;
	cfg.connect_timeout_ms = 1000;
	EXPECT_EQ(-EISCONN, so_configure(self->fd, &cfg));
	EXPECT_EQ(-EISCONN, so_connect(self->fd, id[0]));
	EXPECT_EQ(-EISCONN, so_set_retry(self->fd, id[0], &r));
	EXPECT_EQ(-ENOTCONN, so_io_send(self->fd, id[0], buf, 1, &done));
	EXPECT_EQ(-ENOTCONN, so_io_recv(self->fd, id[0], buf, sizeof(buf), &done));
	EXPECT_EQ(-ENOTCONN, so_handoff(self->fd, id[0], 0));
	/* SENT_THRESHOLD may change in any state */
	cfg.mask = SOCKOBJ_CFG_SENT_THRESHOLD;
	cfg.connect_timeout_ms = 0;
	cfg.sent_threshold = 10;
	EXPECT_EQ(0, so_configure(self->fd, &cfg));

	ASSERT_EQ(0, so_disconnect(self->fd, id[0]));
	ASSERT_EVENTS(self->fd, id[0], COOKIE, QUICK,
		      EV_CLOSED(RETRY_WAIT, CANCELLED, 0));
	EXPECT_INFO(self->fd, id[0], CLOSED, CANCELLED, RETRY_WAIT, 0);
	EXPECT_EQ(-ENOTCONN, so_disconnect(self->fd, id[0]));

	ASSERT_EQ(0, so_abort(self->fd, id[1]));
	ASSERT_EVENTS(self->fd, id[1], COOKIE + 1, QUICK,
		      EV_CLOSED(RETRY_WAIT, CANCELLED, 0));
	ASSERT_EQ(0, so_get_info(self->fd, id[1], &info));
	EXPECT_EQ(0ULL, info.retry_at_ns);
	EXPECT_EQ(-ENOTCONN, so_abort(self->fd, id[1]));

	ASSERT_EQ(0, so_destroy(self->fd, id[2], 0));
	ASSERT_NO_RECORD(self->fd, 0, 300);
	/* a cancelled object connects again, as any CLOSED one */
	ASSERT_EQ(0, so_connect(self->fd, id[0]));
	e = next_state(_metadata, self->fd, id[0], QUICK);
	expect_connecting(_metadata, &e, 2, SOCKOBJ_STATE_CLOSED);
}

/*
 * A reader that reads nothing while retries come every 10 ms: the object
 * holds at most its 8 records, the due attempt waits (retry_at_ns in the
 * past), and once read, the history is whole: no record merged, attempts
 * numbered without a gap, and the late attempt says how late it was.
 */
TEST_F_TIMEOUT(retry, a_reader_that_never_reads, T_RETRY)
{
	enum { N = 20, PER = 12, MAXEV = 8192 };
	struct sockobj_retry r = policy(SOCKOBJ_RETRY_UNLIMITED, 10, 10, 100);
	struct sockobj_event *ev, *mine[N][PER];
	unsigned int cnt[N] = { 0 }, done = 0, n = 0, k;
	struct sockobj_info info;
	__u32 id[N];
	uint64_t now;
	int i, got;

	for (i = 0; i < N; i++) {
		id[i] = new_with(_metadata, self->fd, COOKIE + i, so_port(4), &r);
		ASSERT_EQ(0, so_connect(self->fd, id[i]));
	}
	so_sleep_ms(1000);
	now = so_now_ns();
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, so_get_info(self->fd, id[i], &info));
		/* 8 slots: attempt 1 (2 records), attempt 2 (2), then 4 free */
		EXPECT_EQ((__u32)SOCKOBJ_STATE_RETRY_WAIT, info.state);
		EXPECT_EQ(2U, info.attempt);
		EXPECT_EQ(4U, info.pending);
		EXPECT_GT(now, info.retry_at_ns);
	}
	/* now read, until every object shows its first six attempts */
	ev = calloc(MAXEV, sizeof(*ev));
	ASSERT_NE(NULL, ev);
	while (done < N) {
		ASSERT_GT(MAXEV - 256U, n) TH_LOG("%u objects of %d done", done, N);
		got = so_read_events(self->fd, ev + n, 256, QUICK);
		ASSERT_LT(0, got);
		for (k = n; k < n + (unsigned int)got; k++) {
			for (i = 0; i < N && id[i] != ev[k].id; i++)
				;
			ASSERT_GT(N, i);
			if (cnt[i] < PER) {
				mine[i][cnt[i]++] = &ev[k];
				done += cnt[i] == PER;
			}
		}
		n += (unsigned int)got;
	}
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, so_abort(self->fd, id[i]));
	for (i = 0; i < N; i++) {
		for (k = 0; k < PER; k++) {
			struct sockobj_event *e = mine[i][k];
			__u32 a = k / 2 + 1;

			ASSERT_EQ((__u32)SOCKOBJ_EV_STATE, e->type);
			ASSERT_EQ(1U, e->merged);
			if (k)
				ASSERT_LT(mine[i][k - 1]->seq, e->seq);
			if (k % 2) {
				expect_wait(_metadata, e, a, SOCKOBJ_STATE_CONNECTING,
					    SOCKOBJ_REASON_REFUSED, ECONNREFUSED);
				continue;
			}
			ASSERT_EQ((__u32)SOCKOBJ_STATE_CONNECTING, e->state);
			EXPECT_EQ(a, e->attempt);
			/* on time but the third, which waited for the reader */
			if (a < 3)
				EXPECT_EQ(0U, e->retry_ms);
			if (a == 3)
				EXPECT_LT(0U, e->retry_ms);
		}
	}
	free(ev);
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, so_wait_state(self->fd, id[i],
					   SOCKOBJ_STATE_CLOSED, QUICK));
}

/*
 * A connection reset once ESTABLISHED is retried with SOCKOBJ_RETRY_LOST
 * (and its run starts again with SOCKOBJ_RETRY_RESET_BACKOFF); without
 * the flag it ends in CLOSED; a graceful close by the peer is never
 * retried: PEER_CLOSING stays for the application.
 */
TEST_F_TIMEOUT(retry, lost_connections, T_RETRY)
{
	struct sockobj_retry r = policy(5, 50, 50, 100);
	__u16 port = so_port(5);
	struct sockobj_info info;
	struct sockobj_event e;
	int lfd, c;
	__u32 id, plain, fin;

	lfd = so_listen("127.0.0.1", port);
	ASSERT_LE(0, lfd);
	r.flags = SOCKOBJ_RETRY_LOST | SOCKOBJ_RETRY_RESET_BACKOFF;
	id = new_with(_metadata, self->fd, COOKIE, port, &r);
	r.flags = 0;
	plain = new_with(_metadata, self->fd, COOKIE + 1, port, &r);

	ASSERT_EQ(0, so_connect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
	c = so_accept(lfd, QUICK);
	ASSERT_LE(0, c);
	so_close_rst(c);
	e = next_state(_metadata, self->fd, id, QUICK);
	expect_wait(_metadata, &e, 1, SOCKOBJ_STATE_ESTABLISHED,
		    SOCKOBJ_REASON_RESET, ECONNRESET);
	e = next_state(_metadata, self->fd, id, QUICK);
	expect_connecting(_metadata, &e, 2, SOCKOBJ_STATE_RETRY_WAIT);
	e = next_state(_metadata, self->fd, id, QUICK);
	ASSERT_EQ((__u32)SOCKOBJ_STATE_ESTABLISHED, e.state);
	EXPECT_EQ(2U, e.attempt);
	ASSERT_EQ(0, so_get_info(self->fd, id, &info));
	EXPECT_EQ(0U, info.retries);	/* RESET_BACKOFF: a new run */
	c = so_accept(lfd, QUICK);
	ASSERT_LE(0, c);

	ASSERT_EQ(0, so_connect(self->fd, plain));
	ASSERT_EVENTS(self->fd, plain, COOKIE + 1, QUICK, EV(CONNECTING, CLOSED),
		      EV(ESTABLISHED, CONNECTING));
	fin = so_accept(lfd, QUICK);
	ASSERT_LE(0, (int)fin);
	so_close_rst((int)fin);
	ASSERT_EVENTS(self->fd, plain, COOKIE + 1, QUICK,
		      EV_CLOSED(ESTABLISHED, RESET, ECONNRESET));

	/* the peer's FIN: PEER_CLOSING, no retry even with LOST */
	close(c);
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(PEER_CLOSING, ESTABLISHED));
	ASSERT_NO_EVENT(self->fd, id, 300);
	ASSERT_EQ(0, so_disconnect(self->fd, id));
	ASSERT_EVENTS(self->fd, id, COOKIE, QUICK, EV(CLOSING, PEER_CLOSING),
		      EV_CLOSED(CLOSING, PEER_CLOSED, 0));
	close(lfd);
}

/* The time between two records of an object, in ms */
static __u64 ms_apart(const struct sockobj_event *a,
		      const struct sockobj_event *b)
{
	return (b->timestamp_ns - a->timestamp_ns) / 1000000ULL;
}

/*
 * Each of an attempt's timeouts and the wait before the next, in turn and
 * at their times: attempt 1's SYNs are dropped (CONNECT_TIMEOUT after 300
 * ms, retried), attempts 2 and 3 connect and idle (INACTIVITY after 1 s,
 * retried with SOCKOBJ_RETRY_LOST), the third failure exhausts the policy.
 * The module serves the three with one timer, armed for each in turn.
 */
TEST_F_TIMEOUT(retry, timeouts_and_waits_in_turn, T_RETRY)
{
	/* a wait long enough for nft to remove its rule before attempt 2 */
	struct sockobj_retry r = policy(3, so_tmo(1000), so_tmo(1000), 100);
	__u64 slack = so_tmo(1000), ms;
	struct sockobj_event e[8];
	struct sockobj_config cfg;
	__u16 port = so_port(9);
	char rule[64];
	int lfd;
	__u32 id;

	lfd = so_listen("127.0.0.1", port);
	ASSERT_LE(0, lfd);
	snprintf(rule, sizeof(rule), "tcp dport %u drop", port);
	ASSERT_EQ(0, so_nft_input_rule(NULL, rule));
	r.flags = SOCKOBJ_RETRY_LOST;
	id = new_with(_metadata, self->fd, COOKIE, port, &r);
	memset(&cfg, 0, sizeof(cfg));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_CONNECT_TIMEOUT | SOCKOBJ_CFG_INACTIVITY;
	cfg.connect_timeout_ms = 300;
	cfg.inactivity_s = 1;
	ASSERT_EQ(0, so_configure(self->fd, &cfg));
	ASSERT_EQ(0, so_connect(self->fd, id));

	e[0] = next_state(_metadata, self->fd, id, QUICK);
	ASSERT_EQ((__u32)SOCKOBJ_STATE_CONNECTING, e[0].state);
	e[1] = next_state(_metadata, self->fd, id, QUICK);
	expect_wait(_metadata, &e[1], 1, SOCKOBJ_STATE_CONNECTING,
		    SOCKOBJ_REASON_CONNECT_TIMEOUT, ETIMEDOUT);
	ms = ms_apart(&e[0], &e[1]);
	TH_LOG("connect timeout after %llu ms (300)", (unsigned long long)ms);
	EXPECT_LE(290ULL, ms);
	EXPECT_GE(300ULL + slack, ms);
	ASSERT_EQ(0, so_nft_delete(NULL));

	e[2] = next_state(_metadata, self->fd, id, QUICK);
	expect_connecting(_metadata, &e[2], 2, SOCKOBJ_STATE_RETRY_WAIT);
	expect_waited(_metadata, &e[1], &e[2]);
	e[3] = next_state(_metadata, self->fd, id, QUICK);
	ASSERT_EQ((__u32)SOCKOBJ_STATE_ESTABLISHED, e[3].state);
	e[4] = next_state(_metadata, self->fd, id, QUICK);
	expect_wait(_metadata, &e[4], 2, SOCKOBJ_STATE_ESTABLISHED,
		    SOCKOBJ_REASON_INACTIVITY, ETIMEDOUT);
	e[5] = next_state(_metadata, self->fd, id, QUICK);
	expect_connecting(_metadata, &e[5], 3, SOCKOBJ_STATE_RETRY_WAIT);
	expect_waited(_metadata, &e[4], &e[5]);
	e[6] = next_state(_metadata, self->fd, id, QUICK);
	ASSERT_EQ((__u32)SOCKOBJ_STATE_ESTABLISHED, e[6].state);
	e[7] = next_state(_metadata, self->fd, id, QUICK);
	ASSERT_EQ((__u32)SOCKOBJ_STATE_CLOSED, e[7].state);
	EXPECT_EQ((__u32)SOCKOBJ_REASON_INACTIVITY, e[7].reason);
	EXPECT_EQ((__u32)SOCKOBJ_STATE_ESTABLISHED, e[7].phase);
	EXPECT_EQ(SOCKOBJ_RETRY_EXHAUSTED, e[7].retry_ms);
	EXPECT_EQ(3U, e[7].attempt);
	for (int i = 3; i < 8; i += 3) {
		ms = ms_apart(&e[i], &e[i + 1]);
		TH_LOG("attempt %u idle for %llu ms (1000)", e[i].attempt,
		       (unsigned long long)ms);
		EXPECT_LE(990ULL, ms);
		EXPECT_GE(1000ULL + slack, ms);
	}
	ASSERT_NO_RECORD(self->fd, 0, 300);
	close(lfd);
}

/*
 * Read the records of UDP object id (retrying with NET_UNREACH) until it is
 * ESTABLISHED; after the wait-th failed attempt, run the shell command
 * that gives it a way out. Returns how many attempts failed.
 */
static int unreachable_until(struct __test_metadata *_metadata, int fd,
			     __u32 id, int wait, const char *cmd)
{
	struct sockobj_event e;
	int waits = 0;

	for (;;) {
		e = next_state(_metadata, fd, id, QUICK);
		if (e.state == SOCKOBJ_STATE_ESTABLISHED)
			return waits;
		if (e.state == SOCKOBJ_STATE_RETRY_WAIT) {
			expect_wait(_metadata, &e, e.attempt,
				    SOCKOBJ_STATE_CONNECTING,
				    SOCKOBJ_REASON_NET_UNREACH, ENETUNREACH);
			if (++waits == wait)
				SH_OK("%s", cmd);
		}
		ASSERT_GT(50, waits);
	}
}

/* UDP: no route yet (NET_UNREACH, retried), then a route: ESTABLISHED */
TEST_F_TIMEOUT(retry, udp_until_a_route_appears, T_RETRY)
{
	struct sockobj_retry r = policy(SOCKOBJ_RETRY_UNLIMITED, 100, 100, 100);
	__u32 id = 0;

	ASSERT_EQ(0, so_create(self->fd, SOCKOBJ_PROTO_UDP, COOKIE, &id));
	ASSERT_EQ(0, so_set_target(self->fd, id, "10.99.0.1", 9));
	ASSERT_EQ(0, so_set_retry(self->fd, id, &r));
	ASSERT_EQ(0, so_connect(self->fd, id));
	EXPECT_LE(3, unreachable_until(_metadata, self->fd, id, 3,
				       "ip addr add 10.99.0.2/24 dev lo"));
}

/*
 * UDP bound to an interface that is down: no route through it
 * (NET_UNREACH, retried); once it is up, the next attempt connects.
 */
TEST_F_TIMEOUT(retry, udp_until_the_interface_is_up, T_RETRY)
{
	struct sockobj_retry r = policy(SOCKOBJ_RETRY_UNLIMITED, 100, 100, 100);
	struct sockobj_config cfg = { 0 };
	__u32 id = 0;

	SH_OK("ip link add so_late type dummy && "
	      "ip addr add 10.66.0.1/24 dev so_late");
	ASSERT_EQ(0, so_create(self->fd, SOCKOBJ_PROTO_UDP, COOKIE, &id));
	ASSERT_EQ(0, so_set_target(self->fd, id, "10.66.0.2", 9));
	cfg.id = id;
	cfg.mask = SOCKOBJ_CFG_IFACE;
	strcpy(cfg.ifname, "so_late");
	ASSERT_EQ(0, so_configure(self->fd, &cfg));
	ASSERT_EQ(0, so_set_retry(self->fd, id, &r));
	ASSERT_EQ(0, so_connect(self->fd, id));
	EXPECT_LE(2, unreachable_until(_metadata, self->fd, id, 2,
				       "ip link set so_late up"));
}

/* Jitter draws each wait within the backoff's bounds */
TEST_F_TIMEOUT(retry, jitter_within_bounds, T_RETRY)
{
	struct sockobj_retry r = policy(8, 40, 160, 200);
	__u32 full, equal, back[2] = { 40, 40 }, a;
	struct sockobj_event e;

	r.jitter = SOCKOBJ_JITTER_FULL;
	full = new_with(_metadata, self->fd, COOKIE, so_port(6), &r);
	r.jitter = SOCKOBJ_JITTER_EQUAL;
	equal = new_with(_metadata, self->fd, COOKIE + 1, so_port(6), &r);
	ASSERT_EQ(0, so_connect(self->fd, full));
	ASSERT_EQ(0, so_connect(self->fd, equal));
	for (a = 1; a < 8; a++) {
		e = next_state(_metadata, self->fd, full, QUICK);
		e = next_state(_metadata, self->fd, full, QUICK);
		ASSERT_EQ((__u32)SOCKOBJ_STATE_RETRY_WAIT, e.state);
		EXPECT_GE(back[0], e.retry_ms);
		back[0] = back[0] * 2 > 160 ? 160 : back[0] * 2;

		e = next_state(_metadata, self->fd, equal, QUICK);
		e = next_state(_metadata, self->fd, equal, QUICK);
		ASSERT_EQ((__u32)SOCKOBJ_STATE_RETRY_WAIT, e.state);
		EXPECT_GE(back[1], e.retry_ms);
		EXPECT_LE((back[1] + 1) / 2, e.retry_ms);
		back[1] = back[1] * 2 > 160 ? 160 : back[1] * 2;
	}
	ASSERT_EQ(0, so_wait_state(self->fd, full, SOCKOBJ_STATE_CLOSED, QUICK));
	ASSERT_EQ(0, so_wait_state(self->fd, equal, SOCKOBJ_STATE_CLOSED, QUICK));
}

/* A peer that listens 300 ms (resetting what it accepted), refuses 300 ms. */
struct flap {
	__u16 port;
	atomic_int stop;
	atomic_int accepted;
};

static void *flap_peer(void *arg)
{
	struct flap *f = arg;
	int c[512], n, i, lfd;
	uint64_t end;

	while (!atomic_load(&f->stop)) {
		lfd = so_listen("127.0.0.1", f->port);
		if (lfd < 0)
			return NULL;
		n = 0;
		end = so_now_ns() + 300000000ULL;
		while (so_now_ns() < end) {
			int fd = so_accept(lfd, 20);

			if (fd >= 0 && n < 512) {
				c[n++] = fd;
				atomic_fetch_add(&f->accepted, 1);
			} else if (fd >= 0) {
				so_close_rst(fd);
			}
		}
		for (i = 0; i < n; i++)
			so_close_rst(c[i]);
		close(lfd);	/* the backlog not accepted is reset too */
		so_sleep_ms(300);
	}
	return NULL;
}

struct flap_obj {
	__u32 state, attempt;
	unsigned int established, refused, reset, records;
	int after_established;
};

/* One record of an object of the flapping test, checked and counted. */
static void flap_account(struct __test_metadata *_metadata,
			 struct flap_obj *o, const struct sockobj_event *e)
{
	o->records++;
	if (e->type != SOCKOBJ_EV_STATE) {
		ASSERT_EQ(o->attempt, e->attempt);
		return;
	}
	if (e->merged != 1 || e->prev_state != o->state)
		so_log_event(_metadata, "out of sequence", e);
	ASSERT_EQ(1U, e->merged);
	ASSERT_EQ(o->state, e->prev_state);
	if (e->state == SOCKOBJ_STATE_CONNECTING) {
		ASSERT_EQ(o->attempt + 1, e->attempt);
	} else {
		ASSERT_EQ(o->attempt, e->attempt);
	}
	o->state = e->state;
	o->attempt = e->attempt;
	switch (e->state) {
	case SOCKOBJ_STATE_ESTABLISHED:
		o->established++;
		o->after_established = 1;
		break;
	case SOCKOBJ_STATE_RETRY_WAIT:
		if (e->reason == SOCKOBJ_REASON_REFUSED) {
			ASSERT_EQ((__u32)SOCKOBJ_STATE_CONNECTING, e->phase);
			o->refused++;
		} else {	/* before or after the handshake completed */
			if (e->reason != SOCKOBJ_REASON_RESET)
				so_log_event(_metadata, "unexpected reason", e);
			ASSERT_EQ((__u32)SOCKOBJ_REASON_RESET, e->reason);
			o->reset++;
		}
		/* RESET_BACKOFF: the first wait after a connection is short */
		if (o->after_established) {
			ASSERT_GE(20U, e->retry_ms);
		}
		ASSERT_GE(200U, e->retry_ms);
		o->after_established = 0;
		break;
	case SOCKOBJ_STATE_CLOSED:
		ASSERT_TRUE(e->reason == SOCKOBJ_REASON_CANCELLED ||
			    e->reason == SOCKOBJ_REASON_ABORTED);
		break;
	}
}

/*
 * A peer that flaps for 20 s (10 on the debug kernel) under 50 objects
 * (20) with an unlimited policy that retries lost connections: every
 * record in order, every attempt numbered without a gap, connections
 * made, refused and reset, the backoff reset by each connection, and at
 * the end GET_INFO's attempt is the last one seen.
 */
TEST_F_TIMEOUT(retry, flapping_peer, T_RETRY + 60)
{
	const int n = so_debug_kernel() ? 20 : 50;
	const uint64_t secs = so_debug_kernel() ? 10 : 20;
	struct sockobj_retry r = policy(SOCKOBJ_RETRY_UNLIMITED, 20, 200, 200);
	struct flap f = { .port = so_port(8) };
	struct flap_obj o[50] = { 0 };
	struct sockobj_event ev[256];
	struct sockobj_info info;
	unsigned int closed = 0, refused = 0, reset = 0;
	__u32 id[50];
	pthread_t peer;
	uint64_t end;
	int i, k, got;

	r.jitter = SOCKOBJ_JITTER_FULL;
	r.flags = SOCKOBJ_RETRY_LOST | SOCKOBJ_RETRY_RESET_BACKOFF;
	ASSERT_EQ(0, pthread_create(&peer, NULL, flap_peer, &f));
	for (i = 0; i < n; i++) {
		id[i] = new_with(_metadata, self->fd, COOKIE + i, f.port, &r);
		ASSERT_EQ((__u32)i + 1, id[i]);	/* the index of o[] */
		ASSERT_EQ(0, so_connect(self->fd, id[i]));
	}
	end = so_now_ns() + secs * 1000000000ULL;
	while (so_now_ns() < end) {
		got = so_read_events(self->fd, ev, 256, 100);
		ASSERT_LE(0, got);
		for (k = 0; k < got; k++) {
			ASSERT_GE((__u32)n, ev[k].id);
			flap_account(_metadata, &o[ev[k].id - 1], &ev[k]);
		}
	}
	atomic_store(&f.stop, 1);
	pthread_join(peer, NULL);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, so_abort(self->fd, id[i]));
		ASSERT_EQ(0, so_get_info(self->fd, id[i], &info));
		ASSERT_EQ((__u32)SOCKOBJ_STATE_CLOSED, info.state);
	}
	/* the rest of the history, up to each CLOSED */
	while (closed < (unsigned int)n) {
		got = so_read_events(self->fd, ev, 256, QUICK);
		ASSERT_LT(0, got) TH_LOG("%u of %d objects closed", closed, n);
		for (k = 0; k < got; k++) {
			flap_account(_metadata, &o[ev[k].id - 1], &ev[k]);
			closed += ev[k].type == SOCKOBJ_EV_STATE &&
				  ev[k].state == SOCKOBJ_STATE_CLOSED;
		}
	}
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, so_get_info(self->fd, id[i], &info));
		EXPECT_EQ(o[i].attempt, info.attempt);
		EXPECT_LE(1U, o[i].established) TH_LOG("object %d never connected", i);
		refused += o[i].refused;
		reset += o[i].reset;
	}
	TH_LOG("%d objects: %u refused, %u reset, %d accepted by the peer",
	       n, refused, reset, atomic_load(&f.accepted));
	EXPECT_LT(0U, refused);
	EXPECT_LT(0U, reset);
}

/*
 * Closing the file while objects wait (on a timer, or paused for their
 * reader) leaves nothing behind: the module's references go back to what
 * they were before the file was opened.
 */
TEST_F_TIMEOUT(retry, file_closed_while_waiting, T_RETRY)
{
	struct sockobj_retry slow = policy(10, 60000, 60000, 100);
	struct sockobj_retry fast = policy(SOCKOBJ_RETRY_UNLIMITED, 5, 5, 100);
	long before, after = -1;
	uint64_t dl;
	__u32 id;
	int fd, i;

	before = so_read_long("/sys/module/sockobj/refcnt", -1);
	ASSERT_LE(0, before);
	fd = so_open(0);
	ASSERT_LE(0, fd);
	for (i = 0; i < 20; i++) {
		id = new_with(_metadata, fd, COOKIE + i, so_port(7),
			      i % 2 ? &slow : &fast);
		ASSERT_EQ(0, so_connect(fd, id));
	}
	so_sleep_ms(300);
	so_close(fd);
	dl = so_now_ns() + (uint64_t)so_tmo(5000) * 1000000ULL;
	while (so_now_ns() < dl) {
		after = so_read_long("/sys/module/sockobj/refcnt", -1);
		if (after == before)
			break;
		so_sleep_ms(20);
	}
	EXPECT_EQ(before, after);
}

TEST_HARNESS_MAIN
