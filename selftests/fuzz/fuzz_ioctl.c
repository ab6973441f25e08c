// SPDX-License-Identifier: GPL-2.0
/*
 * sockobj selftest: structured random calls of every ioctl, read(), poll()
 * and close()/open(), from several threads on one file and on several
 * files, while real connections come and go.
 *
 *   fuzz_ioctl [-n ITERATIONS] [-s SEED] [-t THREADS] [-f FILES]
 *              [-T SECONDS] [-v]
 *
 * The seed is printed first; the same seed replays the same choices of
 * every thread (the interleaving of the threads is the scheduler's, so a
 * violation also dumps the last operations of every thread, in time order,
 * and the kernel's own record of the ids involved: the sockobj_id_publish
 * and sockobj_id_release tracepoints, enabled for the run when tracefs is
 * there). The random run gets SECONDS (default: 580 per 100,000
 * iterations) before it is declared hung.
 *
 * The peers: a TCP listener (v4 and v6) that echoes, closes, resets or
 * holds connections at random, UDP echo sockets, a port with no listener
 * (refused), a port where nftables drops SYNs (stays CONNECTING), a dummy
 * interface whose subnet swallows everything, destinations without a route
 * (v4 and v6), link-local and broadcast targets, garbage. Some SEND and
 * RECV buffers have pages that come late (userfaultfd, see slowpage.c);
 * some batches close and reconnect one object again and again. Some
 * batches' ops go one by one as io_uring SQEs instead (API version 10's
 * passthrough; some forced to io-wq, some with a wrong cmd_op, result or
 * reserved word, which must fail exactly with ENOTTY or EINVAL). Some
 * files get a mapped record ring (API version 11, ring.c), from which
 * records are then taken directly as well as by read() and batches,
 * whose head is sometimes written out of range and back.
 *
 * Checked for every call: the return is 0 (a positive fd for HANDOFF) or an
 * errno the contract documents for that ioctl (uapi/linux/sockobj.h), its
 * outputs are sane (reserved bytes zero, ids in range, done <= len...).
 * Checked for every record read (or taken from a ring): well formed; its cookie names an object
 * of this file with this id; it was not read by a read() that started
 * after the object's DESTROY (or HANDOFF, or the file's close) returned;
 * per object seq strictly increases and no seq of the file appears twice;
 * per object the state records chain (prev_state == the last state) along
 * legal transitions, and a data record carries the current state.
 * Checked at the end, after every object was aborted and every record
 * read: each object's last records agree with GET_INFO (state, reason,
 * phase, error and the connect/established/closed timestamps), so no
 * record of a live object was lost; /proc/net/sockobj lists nothing of ours
 * once the files are closed.
 *
 * Kernel splats and leaks are caught by tools/testing/vm-run.
 *
 * A second test races HANDOFF against the other ioctls on the same object.
 * Another makes CONNECT fail every way the contract names (no target, not
 * CLOSED, records unread, the local port taken, the interface deleted) on
 * objects in random states and configurations, some with the last
 * connection's data still unread, and checks that the failure changed
 * nothing: GET_INFO, GET_CONFIG and the records as they were, the data
 * still readable; and that data left readable by a close was announced
 * by a READABLE record before the CLOSED one.
 */
#include "fuzz.h"

static int fz_setup(struct __test_metadata *_metadata)
{
	__u16 base = so_port(0);
	int i, lport4, lport6, uport4, uport6;
	struct so_rnd r = { opt_seed ^ 0x5eed };

	FZ = calloc(1, sizeof(*FZ));
	ASSERT_NE(NULL, FZ);
	pthread_mutex_init(&FZ->print_lock, NULL);
	FZ->cap = (uint32_t)(opt_iters + 4096);
	FZ->objs = calloc(FZ->cap, sizeof(*FZ->objs));
	ASSERT_NE(NULL, FZ->objs);
	FZ->cookie_base = 0x1000000000000000ULL |
			  (so_rnd_next(&r) & 0x0fffffff00000000ULL);
	EXPECT_EQ(0, so_param_read("max_objects", &FZ->orig_max_objects));
	EXPECT_EQ(0, so_param_read("max_user_objects",
				   &FZ->orig_max_user_objects));

	/* a network of our own */
	ASSERT_EQ(0, so_netns_private());
	FZ->lo_index = (int)if_nametoindex("lo");
	if (so_sh("ip link add fz0 type dummy && ip addr add 192.168.77.1/24 "
		  "dev fz0 && ip link set fz0 up") == 0)
		FZ->dummy_index = (int)if_nametoindex("fz0");
	else
		TH_LOG("no dummy interface: its targets are skipped");
	if (so_nft_input_rule(NULL, "tcp dport 7 drop"))
		TH_LOG("nft not usable: no silently dropping target");
	else
		set_target(T_DROP4, "127.0.0.1", 7, 0);
	ASSERT_EQ(0, so_raise_nofile(8192));

	so_peer_init(&FZ->peer, opt_seed ^ 0x9eed);
	FZ->peer.pct[SO_PEER_FIN_NOW] = 10;
	FZ->peer.pct[SO_PEER_RST_NOW] = 10;
	FZ->peer.pct[SO_PEER_FIN_LATER] = 15;
	FZ->peer.pct[SO_PEER_RST_LATER] = 15;
	FZ->peer.pct[SO_PEER_SHUT_WR] = 10;
	FZ->peer.pct[SO_PEER_HOLD] = 10;
	FZ->peer.later_ms = 300;
	lport4 = so_peer_add_tcp(&FZ->peer, "127.0.0.1", base, 64);
	lport6 = so_peer_add_tcp(&FZ->peer, "::1", base, 64);
	uport4 = so_peer_add_udp(&FZ->peer, "127.0.0.1", (__u16)(base + 1));
	uport6 = so_peer_add_udp(&FZ->peer, "::1", (__u16)(base + 1));
	ASSERT_LT(0, lport4);
	ASSERT_LT(0, lport6);
	ASSERT_LT(0, uport4);
	ASSERT_LT(0, uport6);
	ASSERT_EQ(0, so_peer_start(&FZ->peer));
	set_target(T_LISTEN4, "127.0.0.1", (__u16)lport4, 0);
	set_target(T_LISTEN6, "::1", (__u16)lport6, 0);
	set_target(T_UDP4, "127.0.0.1", (__u16)uport4, 0);
	set_target(T_UDP6, "::1", (__u16)uport6, 0);
	set_target(T_REFUSED4, "127.0.0.1", (__u16)(base + 2), 0);
	set_target(T_REFUSED6, "::1", (__u16)(base + 2), 0);
	set_target(T_UDPCLOSED4, "127.0.0.1", (__u16)(base + 3), 0);
	if (FZ->dummy_index)
		set_target(T_DUMMY4, "192.168.77.2", 80, 0);
	set_target(T_NOROUTE4, "10.255.0.1", 80, 0);
	set_target(T_NOROUTE6, "2001:db8::1", 80, 0);
	set_target(T_LL6, "fe80::1", 80, (__u32)FZ->lo_index);
	set_target(T_BCAST4, "255.255.255.255", 9, 0);
	/* the local ports objects bind (gen_local()): LISTENING ones answer */
	set_target(T_OBJ4, "127.0.0.1", 40000, 0);

	FZ->nslots = opt_files;
	for (i = 0; i < FZ->nslots; i++) {
		struct slot *s = &FZ->slots[i];

		s->idx = i;
		pthread_rwlock_init(&s->rw, NULL);
		pthread_mutex_init(&s->mu, NULL);
		pthread_mutex_init(&s->rd, NULL);
		s->seen_bytes = 4096;
		atomic_store(&s->min_connect_timeout_ms, UINT32_MAX);
		atomic_store(&s->min_inactivity_s, UINT32_MAX);
		s->seen = calloc(1, s->seen_bytes);
		s->fd = so_open(O_NONBLOCK);
		ASSERT_LE(0, s->fd);
	}
	{
		struct sockobj_api api;

		ASSERT_EQ(0, so_get_api(FZ->slots[0].fd, &api));
		FZ->have_ring = !!(api.features & SOCKOBJ_FEAT_EVENT_RING);
	}
	return 0;
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
	SO_REQUIRE_DEVICE();
}

FIXTURE_TEARDOWN(fuzz)
{
}

/* The whole random run; see the top of the file. */
/* The budget is the child's, from -T or -n: the harness only backs it up. */
TEST_F_TIMEOUT(fuzz, random_calls, 7 * 24 * 3600)
{
	SO_IN_CHILD((int)opt_budget_s, {
		struct sigaction sa = { .sa_handler = sigusr1 };  /* no SA_RESTART */
		struct worker *ws, main_w = { .idx = -1 };
		uint64_t t0;
		int i;

		sigaction(SIGUSR1, &sa, NULL);
		fz_setup(_metadata);
		ws = calloc((size_t)opt_threads, sizeof(*ws));
		ASSERT_NE(NULL, ws);
		FZ->workers = ws;
		FZ->nworkers = opt_threads;
		id_trace_start();
		i = slowpage_start(opt_seed ^ 0x51071);
		if (i)
			printf("# no late pages (userfaultfd: %s)\n",
			       strerror(-i));
		t0 = so_now_ns();
		FZ->t0 = t0;
		for (i = 0; i < opt_threads; i++) {
			ws[i].idx = i;
			ws[i].r.s = opt_seed * 0x100000001b3ULL + (uint64_t)i;
			ASSERT_EQ(0, pthread_create(&ws[i].thread, NULL,
						    worker_main, &ws[i]));
		}
		for (i = 0; i < opt_threads; i++)
			pthread_join(ws[i].thread, NULL);
		fuzz_print_stats((double)(so_now_ns() - t0) / 1e9);
		printf("# late pages served: %ld\n", slowpage_stop());
		id_trace_stop();

		fuzz_final_check(&main_w);
		for (i = 0; i < FZ->nslots; i++) {
			if (FZ->slots[i].fd >= 0)
				close(FZ->slots[i].fd);
			ring_forget(&main_w, &FZ->slots[i]);	/* after the close */
		}
		check_proc_empty(&main_w);
		so_peer_stop(&FZ->peer, 1);
		so_param_write("max_objects", FZ->orig_max_objects);
		so_param_write("max_user_objects", FZ->orig_max_user_objects);
		printf("# fuzz: %ld violations of the contract (seed 0x%llx)\n",
		       atomic_load(&FZ->violations),
		       (unsigned long long)opt_seed);
		ASSERT_EQ(0, atomic_load(&FZ->violations));
	});
}

static void spin_ns(uint64_t ns)
{
	uint64_t end = so_now_ns() + ns;

	while (so_now_ns() < end)
		;
}

/*
 * DESTROY while the connection changes state on its own: the peer closes
 * (FIN) or resets every connection as soon as it accepts it, and we destroy
 * the object a random moment (0..200 us) after CONNECT returned. Records
 * of the object pending at DESTROY are discarded and "no event of that id
 * follows": a read() after DESTROY returned must never see the object.
 */
static void destroy_races(struct __test_metadata *_metadata)
{
	int rounds = so_debug_kernel() ? 1500 : 6000, i, fd, pfin, prst;
	long late = 0, records = 0;
	uint64_t t0 = so_now_ns(), dmin = UINT64_MAX, dmax = 0, span;
	struct so_rnd r = { opt_seed ^ 0xde57 };
	struct so_peer p;

	ASSERT_EQ(0, so_netns_private());
	so_peer_init(&p, opt_seed);
	pfin = so_peer_add_tcp_act(&p, "127.0.0.1", 0, 1024, SO_PEER_FIN_NOW);
	prst = so_peer_add_tcp_act(&p, "127.0.0.1", 0, 1024, SO_PEER_RST_NOW);
	ASSERT_LT(0, pfin);
	ASSERT_LT(0, prst);
	ASSERT_EQ(0, so_peer_start(&p));
	fd = so_open(O_NONBLOCK);
	ASSERT_LE(0, fd);
	/*
	 * When does the peer's FIN or RST reach the object after CONNECT
	 * returned? (record timestamps are CLOCK_MONOTONIC, like ours)
	 */
	for (i = 0; i < 20; i++) {
		struct sockobj_event e;
		uint64_t tc;
		__u32 id;

		ASSERT_EQ(0, so_new(fd, (__u64)i, "127.0.0.1",
				    (__u16)(i & 1 ? prst : pfin), &id));
		ASSERT_EQ(0, so_connect(fd, id));
		tc = so_now_ns();
		while (so_next_state_event(fd, id, &e, so_tmo(2000)) == 1)
			if (e.state == SOCKOBJ_STATE_PEER_CLOSING ||
			    e.state == SOCKOBJ_STATE_CLOSED) {
				uint64_t d = e.timestamp_ns > tc ?
					     e.timestamp_ns - tc : 0;

				dmin = d < dmin ? d : dmin;
				dmax = d > dmax ? d : dmax;
				break;
			}
		ASSERT_EQ(0, so_destroy(fd, id, SOCKOBJ_DESTROY_ABORT));
	}
	so_close(fd);
	fd = so_open(O_NONBLOCK);
	ASSERT_LE(0, fd);
	if (dmin == UINT64_MAX)
		dmin = dmax = 100000;
	/* destroy anywhere from well before to well after the peer's close */
	if (dmax > 20000000)
		dmax = 20000000;
	if (dmin > dmax)
		dmin = dmax;
	span = dmax + dmax / 2 + 20000;
	for (i = 0; i < rounds; i++) {
		if (so_now_ns() - t0 > (so_debug_kernel() ? 20 : 12) * 1000000000ULL)
			break;		/* enough time spent */
		struct sockobj_event ev[64];
		__u32 id;
		int n, k, reads = 0;

		ASSERT_EQ(0, so_new(fd, (__u64)i, "127.0.0.1",
				    (__u16)(i & 1 ? prst : pfin), &id));
		ASSERT_EQ(0, so_connect(fd, id));
		spin_ns(dmin / 2 + so_rnd_below(&r, (uint32_t)span));
		ASSERT_EQ(0, so_destroy(fd, id, i & 2 ? SOCKOBJ_DESTROY_ABORT : 0));
		/* every record now is of an object already destroyed */
		while ((n = so_read_events(fd, ev, 64, 0)) > 0 && reads++ < 100) {
			records += n;
			for (k = 0; k < n; k++)
				if (late++ < 5)
					fprintf(stderr, "# record of id %u (cookie "
						"%llu) %s <- %s read after its "
						"DESTROY returned (round %d)\n",
						ev[k].id,
						(unsigned long long)ev[k].cookie,
						so_state_name(ev[k].state),
						so_state_name(ev[k].prev_state), i);
		}
		if (late > 100)
			break;		/* a stale record that never goes */
	}
	printf("# destroy races: %d rounds in %.1f s (the peer's FIN/RST came "
	       "%llu..%llu us after CONNECT), %ld records after DESTROY\n", i,
	       (double)(so_now_ns() - t0) / 1e9,
	       (unsigned long long)dmin / 1000, (unsigned long long)dmax / 1000,
	       records);
	close(fd);
	so_peer_stop(&p, 1);
	EXPECT_EQ(0, late);
}

TEST_F_TIMEOUT(fuzz, destroy_races_callbacks, 150)
{
	SO_IN_CHILD(130, destroy_races(_metadata));
}

/*
 * RECV while the peer resets the connection: RECV hammers an ESTABLISHED
 * object whose peer closes with a RST a moment later. RECV's documented
 * errors are ENOENT, EINVAL, EFAULT, ENOTCONN and EAGAIN (unlike SEND,
 * "the socket's error" is not among them).
 */
static void recv_vs_reset(struct __test_metadata *_metadata)
{
	int rounds = so_debug_kernel() ? 400 : 2000, i, fd, prst;
	long calls = 0, bad = 0, hist[256] = { 0 };
	uint64_t t0 = so_now_ns();
	struct so_peer p;
	char buf[256];

	ASSERT_EQ(0, so_netns_private());
	so_peer_init(&p, opt_seed);
	p.later_ms = 3;
	prst = so_peer_add_tcp_act(&p, "127.0.0.1", 0, 1024, SO_PEER_RST_LATER);
	ASSERT_LT(0, prst);
	ASSERT_EQ(0, so_peer_start(&p));
	fd = so_open(O_NONBLOCK);
	ASSERT_LE(0, fd);
	for (i = 0; i < rounds; i++) {
		struct sockobj_io io = { .buf = (uintptr_t)buf, .len = sizeof(buf) };
		struct sockobj_event ev[16];
		uint64_t end;
		int ret;

		if (so_now_ns() - t0 > (so_debug_kernel() ? 12 : 8) * 1000000000ULL)
			break;
		ASSERT_EQ(0, so_new(fd, (__u64)i, "127.0.0.1", (__u16)prst, &io.id));
		ASSERT_EQ(0, so_connect(fd, io.id));
		end = so_now_ns() + (uint64_t)so_tmo(1000) * 1000000ULL;
		do {
			ret = so_ioctl(fd, SOCKOBJ_IOC_RECV, &io);
			calls++;
			if (ret < 0 && -ret < 256)
				hist[-ret]++;
			if (ret < 0 && !so_err_allowed(so_errs_recv, -ret) &&
			    bad++ < 5)
				fprintf(stderr, "# RECV while the peer resets: "
					"undocumented errno %d (%s)\n", -ret,
					strerror(-ret));
		} while (ret != -ENOTCONN && so_now_ns() < end);
		so_destroy(fd, io.id, SOCKOBJ_DESTROY_ABORT);
		while (so_read_events(fd, ev, 16, 0) > 0)
			;
	}
	printf("# recv vs reset: %d connections reset under RECV, %ld RECV calls "
	       "(EAGAIN %ld, ENOTCONN %ld, ECONNRESET %ld), %ld undocumented\n",
	       i, calls, hist[EAGAIN], hist[ENOTCONN], hist[ECONNRESET], bad);
	close(fd);
	so_peer_stop(&p, 1);
	EXPECT_EQ(0, bad);
}

TEST_F_TIMEOUT(fuzz, recv_vs_reset, 100)
{
	SO_IN_CHILD(80, recv_vs_reset(_metadata));
}

struct race {
	int fd;
	atomic_uint id;
	atomic_int stop;
	atomic_long delay_ns;		/* how long the racers wait */
	atomic_long calls, bad, hits;
	pthread_barrier_t bar;
};

/*
 * Racer 0 issues DISCONNECT, racer 1 a second HANDOFF, racer 2 SEND and
 * GET_INFO: each after a random delay in [0, delay_ns] from the start of
 * the main thread's HANDOFF, so that some arrive while HANDOFF holds the
 * object's lock and take it right after.
 */
struct racer {
	struct race *r;
	int role;
};

static void *race_thread(void *arg)
{
	struct racer *me = arg;
	struct race *r = me->r;
	struct so_rnd rn = { (uint64_t)me->role * 7919 + 1 };
	char buf[64];

	for (;;) {
		struct sockobj_io io = { .buf = (uintptr_t)buf, .len = sizeof(buf) };
		struct sockobj_info info;
		const char *name;
		const int *errs;
		uint32_t id;
		int ret;

		pthread_barrier_wait(&r->bar);
		if (atomic_load(&r->stop))
			return NULL;
		id = atomic_load(&r->id);
		spin_ns(so_rnd_below(&rn, (uint32_t)atomic_load(&r->delay_ns) + 1));
		switch (me->role) {
		case 0:
			name = "DISCONNECT";
			errs = so_errs_disconnect;
			ret = so_disconnect(r->fd, id);
			break;
		case 1:
			name = "HANDOFF";
			errs = so_errs_handoff;
			ret = so_handoff(r->fd, id, 0);
			if (ret >= 0) {
				close(ret);
				atomic_fetch_add(&r->hits, 1);
				ret = 0;
			}
			break;
		default:
			io.id = id;
			name = "SEND";
			errs = so_errs_send;
			ret = so_ioctl(r->fd, SOCKOBJ_IOC_SEND, &io);
			if (!ret || ret == -EAGAIN) {
				name = "GET_INFO";
				errs = so_errs_get_info;
				ret = so_get_info(r->fd, id, &info);
			}
			break;
		}
		atomic_fetch_add(&r->calls, 1);
		if (ret < 0 && !so_err_allowed(errs, -ret)) {
			fprintf(stderr, "# %s racing HANDOFF: %s\n", name,
				strerror(-ret));
			atomic_fetch_add(&r->bad, 1);
		}
		pthread_barrier_wait(&r->bar);
	}
}

/*
 * HANDOFF releases the object's lock before the object leaves the table
 * and before it is marked dead; the object still says ESTABLISHED but has
 * no socket any more. DISCONNECT, a second HANDOFF and SEND/GET_INFO of
 * the same id race with it. Every call must return a documented errno,
 * at most one HANDOFF may succeed, and the kernel must survive.
 */
static void handoff_races(struct __test_metadata *_metadata)
{
	int rounds = so_debug_kernel() ? 400 : 600, round, fd, lport, hfd, i;
	struct racer racers[3];
	uint64_t total_ns = 0, tstart = so_now_ns();
	pthread_t th[3];
	struct race r;
	struct so_peer p;

	memset(&r, 0, sizeof(r));
	ASSERT_EQ(0, so_netns_private());
	so_peer_init(&p, opt_seed);
	lport = so_peer_add_tcp(&p, "127.0.0.1", 0, 256);
	ASSERT_LT(0, lport);
	ASSERT_EQ(0, so_peer_start(&p));
	fd = so_open(0);
	ASSERT_LE(0, fd);
	r.fd = fd;
	atomic_store(&r.delay_ns, 20000);
	ASSERT_EQ(0, pthread_barrier_init(&r.bar, NULL, 4));
	for (i = 0; i < 3; i++) {
		racers[i].r = &r;
		racers[i].role = i;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, race_thread,
					    &racers[i]));
	}
	for (round = 0; round < rounds; round++) {
		struct sockobj_event ev[16];
		uint64_t t0;

		if (so_now_ns() - tstart > (so_debug_kernel() ? 20 : 12) *
		    1000000000ULL)
			break;		/* enough time spent */
		__u32 id = 0;

		ASSERT_EQ(0, so_new(fd, 1000 + (__u64)round, "127.0.0.1",
				    (__u16)lport, &id));
		ASSERT_EQ(0, so_connect(fd, id));
		ASSERT_EQ(0, so_wait_state(fd, id, SOCKOBJ_STATE_ESTABLISHED,
					   so_tmo(5000)));
		while (so_read_events(fd, ev, 16, 0) > 0)
			;
		atomic_store(&r.id, id);
		pthread_barrier_wait(&r.bar);
		t0 = so_now_ns();
		hfd = so_handoff(fd, id, 0);
		total_ns += so_now_ns() - t0;
		/* the racers start within about twice a HANDOFF's time */
		atomic_store(&r.delay_ns, (long)(2 * total_ns / (uint64_t)(round + 1)));
		if (hfd >= 0) {
			close(hfd);
			atomic_fetch_add(&r.hits, 1);
		} else if (!so_err_allowed(so_errs_handoff, -hfd)) {
			fprintf(stderr, "# HANDOFF: %s\n", strerror(-hfd));
			atomic_fetch_add(&r.bad, 1);
		}
		pthread_barrier_wait(&r.bar);
		so_destroy(fd, id, SOCKOBJ_DESTROY_ABORT);
		while (so_read_events(fd, ev, 16, 0) > 0)
			;
	}
	atomic_store(&r.stop, 1);
	pthread_barrier_wait(&r.bar);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	printf("# handoff races: %d rounds in %.1f s, %ld racing calls, %ld fds "
	       "handed off, HANDOFF takes %llu us on average\n", round,
	       (double)(so_now_ns() - tstart) / 1e9,
	       atomic_load(&r.calls), atomic_load(&r.hits),
	       (unsigned long long)(total_ns / (uint64_t)(round ? round : 1) / 1000));
	close(fd);
	so_peer_stop(&p, 1);
	EXPECT_EQ(0, atomic_load(&r.bad));
	EXPECT_GE(round, atomic_load(&r.hits));
}

TEST_F_TIMEOUT(fuzz, handoff_races, 150)
{
	SO_IN_CHILD(130, handoff_races(_metadata));
}

/* What a failed CONNECT must leave as it was. */
struct snap {
	struct sockobj_info info;
	struct sockobj_config cfg;
};

static void snap_take(struct __test_metadata *_metadata, int fd, __u32 id,
		      struct snap *s)
{
	ASSERT_EQ(0, so_get_info(fd, id, &s->info));
	ASSERT_EQ(0, so_get_config(fd, id, &s->cfg));
}

/* CONNECT fails with err and changes nothing of the object. */
static void connect_fails(struct __test_metadata *_metadata, int fd, __u32 id,
			  int err, long *checked)
{
	struct snap a, b;
	int ret;

	snap_take(_metadata, fd, id, &a);
	ret = so_connect(fd, id);
	if (ret != -err)
		TH_LOG("object %u: CONNECT returned %d, want %d", id, ret, -err);
	ASSERT_EQ(-err, ret);
	snap_take(_metadata, fd, id, &b);
	if (memcmp(&a, &b, sizeof(a)))
		TH_LOG("object %u: CONNECT failing with %s changed it: state %u->%u "
		       "pending %u->%u attempt %u->%u rx %u->%u", id, strerror(err),
		       a.info.state, b.info.state, a.info.pending, b.info.pending,
		       a.info.attempt, b.info.attempt, a.info.rx_queued,
		       b.info.rx_queued);
	ASSERT_EQ(0, memcmp(&a, &b, sizeof(a)));
	(*checked)++;
}

/*
 * The records of id until one in state `until`: the seq of the last
 * READABLE seen (0 for none) and of that record.
 */
static void records_until(struct __test_metadata *_metadata, int fd, __u32 id,
			  __u32 until, uint64_t *readable, uint64_t *at)
{
	struct sockobj_event e;

	for (;;) {
		ASSERT_EQ(1, so_next_event(fd, id, &e, so_tmo(5000)))
			TH_LOG("object %u: no record in state %u", id, until);
		if (e.type == SOCKOBJ_EV_READABLE)
			*readable = e.seq;
		if (e.type == SOCKOBJ_EV_STATE && e.state == until) {
			*at = e.seq;
			return;
		}
	}
}

enum fail_kind { F_NO_TARGET, F_OPEN, F_RECORDS, F_PORT, F_DATA, F_IFACE, F_N };

static void failed_connects(struct __test_metadata *_metadata)
{
	const uint64_t budget = (so_debug_kernel() ? 25 : 8) * 1000000000ULL;
	struct so_rnd r = { opt_seed ^ 0xfa11 };
	long checked = 0, announced = 0, kinds[F_N] = { 0 };
	uint64_t t0 = so_now_ns();
	int fd, hold, echo, ifaces = 0;
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct so_peer p;
	__u16 hold_port;

	ASSERT_EQ(0, so_netns_private());
	ASSERT_EQ(0, so_nft_input_rule(NULL, "tcp dport 7 drop"));
	so_peer_init(&p, opt_seed);
	echo = so_peer_add_tcp_act(&p, "127.0.0.1", 0, 1024, SO_PEER_ECHO);
	ASSERT_LT(0, echo);
	ASSERT_EQ(0, so_peer_start(&p));
	hold = so_listen("127.0.0.1", 0);	/* a port taken: EADDRINUSE */
	ASSERT_LE(0, hold);
	ASSERT_EQ(0, getsockname(hold, (struct sockaddr *)&sin, &slen));
	hold_port = ntohs(sin.sin_port);
	fd = so_open(O_NONBLOCK);
	ASSERT_LE(0, fd);

	while (so_now_ns() - t0 < budget) {
		enum fail_kind k = (enum fail_kind)so_rnd_below(&r, F_N);
		struct sockobj_config cfg;
		uint64_t readable = 0, closed = 0, seq;
		char buf[64];
		__u32 id = 0;
		int i;

		if (k == F_IFACE && ifaces >= 2)	/* ip(8) is slow here */
			k = F_PORT;
		kinds[k]++;
		ASSERT_EQ(0, so_create(fd, SOCKOBJ_PROTO_TCP, checked, &id));
		memset(&cfg, 0, sizeof(cfg));
		cfg.id = id;
		if (so_rnd_pct(&r, 50)) {
			cfg.mask |= SOCKOBJ_CFG_NODELAY;
			cfg.nodelay = 1;
		}
		if (so_rnd_pct(&r, 30)) {
			cfg.mask |= SOCKOBJ_CFG_CONNECT_TIMEOUT;
			cfg.connect_timeout_ms = 1 + so_rnd_below(&r, 60000);
		}
		/* options (a CONFIGURE with an empty mask is EINVAL) */
		if (cfg.mask && k != F_PORT && k != F_DATA && k != F_IFACE)
			ASSERT_EQ(0, so_configure(fd, &cfg));
		switch (k) {
		case F_NO_TARGET:
			connect_fails(_metadata, fd, id, EDESTADDRREQ, &checked);
			break;
		case F_OPEN:
			ASSERT_EQ(0, so_set_target(fd, id, "127.0.0.1", 7));
			ASSERT_EQ(0, so_connect(fd, id));
			connect_fails(_metadata, fd, id, EISCONN, &checked);
			break;
		case F_RECORDS:
			/* refused again and again, the records never read */
			ASSERT_EQ(0, so_set_target(fd, id, "127.0.0.1", 9));
			for (i = 0; i < 8; i++) {
				ASSERT_EQ(0, so_wait_state(fd, id, SOCKOBJ_STATE_CLOSED,
							   so_tmo(5000)));
				if (so_connect(fd, id) == -EBUSY)
					break;
			}
			ASSERT_GT(8, i);
			connect_fails(_metadata, fd, id, EBUSY, &checked);
			break;
		case F_DATA:
			/* the echo of our data and the peer's FIN may complete
			 * our close before we read them */
			ASSERT_EQ(0, so_set_target(fd, id, "127.0.0.1", (__u16)echo));
			ASSERT_EQ(0, so_connect(fd, id));
			records_until(_metadata, fd, id, SOCKOBJ_STATE_ESTABLISHED,
				      &readable, &seq);
			so_rnd_fill(&r, buf, sizeof(buf));
			ASSERT_EQ(0, so_io_send(fd, id, buf, 1 + so_rnd_below(&r, 63),
						NULL));
			if (so_rnd_pct(&r, 50))
				so_sleep_ms(so_rnd_below(&r, 3));
			ASSERT_EQ(0, so_disconnect(fd, id));
			records_until(_metadata, fd, id, SOCKOBJ_STATE_CLOSED,
				      &readable, &closed);
			/* fall through */
		case F_PORT:
			cfg.mask |= SOCKOBJ_CFG_LOCAL;
			ASSERT_EQ(0, so_addr(&cfg.local, "127.0.0.1", hold_port));
			ASSERT_EQ(0, so_configure(fd, &cfg));
			if (k == F_PORT)
				ASSERT_EQ(0, so_set_target(fd, id, "127.0.0.1",
							   (__u16)echo));
			connect_fails(_metadata, fd, id, EADDRINUSE, &checked);
			break;
		case F_IFACE:
			ifaces++;
			ASSERT_EQ(0, so_sh("ip link add fzgone type dummy && "
					   "ip link set fzgone up"));
			cfg.mask |= SOCKOBJ_CFG_IFACE;
			strcpy(cfg.ifname, "fzgone");
			ASSERT_EQ(0, so_configure(fd, &cfg));
			ASSERT_EQ(0, so_set_target(fd, id, "127.0.0.1", (__u16)echo));
			ASSERT_EQ(0, so_sh("ip link del fzgone"));
			connect_fails(_metadata, fd, id, ENODEV, &checked);
			break;
		default:
			break;
		}
		if (k == F_DATA) {
			/* what the close left is still there, and was announced */
			i = so_ioctl(fd, SOCKOBJ_IOC_RECV, &(struct sockobj_io){
				.id = id, .buf = (uintptr_t)buf, .len = sizeof(buf) });
			if (i == 0) {
				if (!readable || readable > closed)
					TH_LOG("object %u: data readable after CLOSED "
					       "(seq %llu) with no READABLE before it "
					       "(last READABLE %llu)", id,
					       (unsigned long long)closed,
					       (unsigned long long)readable);
				ASSERT_TRUE(readable && readable < closed);
				announced++;
			} else {
				ASSERT_EQ(-ENOTCONN, i);
			}
		}
		ASSERT_EQ(0, so_destroy(fd, id, SOCKOBJ_DESTROY_ABORT));
		so_stash_drop(fd);
		while (so_read_events(fd, (struct sockobj_event[16]){}, 16, 0) > 0)
			;
	}
	printf("# failed connects: %ld checked (no target %ld, not closed %ld, "
	       "records %ld, port %ld, port after data %ld, interface %ld); "
	       "%ld closes left data, all announced\n", checked, kinds[F_NO_TARGET],
	       kinds[F_OPEN], kinds[F_RECORDS], kinds[F_PORT], kinds[F_DATA],
	       kinds[F_IFACE], announced);
	close(fd);
	close(hold);
	so_peer_stop(&p, 1);
	EXPECT_LT(0, checked);
}

TEST_F_TIMEOUT(fuzz, failed_connects_change_nothing, 150)
{
	SO_IN_CHILD(130, failed_connects(_metadata));
}

SO_HARNESS_MAIN_OPTS("fuzz_ioctl", parse_opts)
