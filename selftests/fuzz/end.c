// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ioctl: Tracing ids, draining, the final checks and the statistics.
 */
#define SO_NO_HARNESS
#include "fuzz.h"

void set_target(int t, const char *ip, __u16 port, __u32 scope)
{
	if (so_addr(&FZ->targets[t], ip, port))
		return;
	FZ->targets[t].scope_id = scope;
	FZ->have_target[t] = 1;
}

/* Write @val to tracefs file @name of FZ->tracing; 0 or -1. */
static int trace_write(const char *name, const char *val)
{
	char path[160];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", FZ->tracing, name);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * The kernel's record of every id given and taken back, for the reports:
 * on when tracefs has our events (a kernel with tracing), with room for
 * the last few hundred thousand of them.
 */
void id_trace_start(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path),
			 "%s/events/sockobj/sockobj_id_publish/enable", dirs[i]);
		if (!access(path, W_OK)) {
			snprintf(FZ->tracing, sizeof(FZ->tracing), "%s", dirs[i]);
			break;
		}
	}
	if (!FZ->tracing[0])
		return;
	if (trace_write("buffer_size_kb", "8192") ||
	    trace_write("trace", "") ||
	    trace_write("events/sockobj/sockobj_id_publish/enable", "1") ||
	    trace_write("events/sockobj/sockobj_id_release/enable", "1") ||
	    trace_write("tracing_on", "1"))
		FZ->tracing[0] = 0;
}

void id_trace_stop(void)
{
	if (!FZ->tracing[0])
		return;
	trace_write("events/sockobj/sockobj_id_publish/enable", "0");
	trace_write("events/sockobj/sockobj_id_release/enable", "0");
	trace_write("trace", "");
}

/* Read every pending record of a slot (single-threaded by now). */
static void drain(struct worker *w, struct slot *s, int settle_ms)
{
	struct sockobj_event ev[128];
	uint64_t quiet_since = so_now_ns();
	long total = 0;

	for (;;) {
		uint32_t h0 = ring_pre_take(w, s);
		uint64_t t0 = so_now_ns();
		ssize_t n = read(s->fd, ev, sizeof(ev));
		int i;

		ring_post_take(w, s, h0, n > 0 ? (int)(n / (ssize_t)sizeof(ev[0])) : 0,
			       "drain read()");
		if (n > 0) {
			for (i = 0; i < n / (ssize_t)sizeof(ev[0]); i++)
				check_record(w, s, &ev[i], ring_t_read(s, h0, i, t0));
			quiet_since = so_now_ns();
			total += n / (ssize_t)sizeof(ev[0]);
			if (total > 200000) {
				VIOL(w, "file %d: records never stop coming",
				     s->idx);
				return;
			}
			continue;
		}
		if (n < 0 && errno != EAGAIN) {
			VIOL(w, "drain read: %s", strerror(errno));
			return;
		}
		if (so_now_ns() - quiet_since > (uint64_t)settle_ms * 1000000ULL)
			return;
		so_sleep_ms(5);
	}
}

/* Abort everything, read everything, compare records with GET_INFO. */
void fuzz_final_check(struct worker *w)
{
	int i, j;
	long checked = 0;

	w->what = "final check";
	for (i = 0; i < FZ->nslots; i++) {
		struct slot *s = &FZ->slots[i];

		for (j = 0; j < s->nlive; j++) {
			struct fobj *o = &FZ->objs[s->live[j]];
			int ret = so_abort(s->fd, atomic_load(&o->id));

			if (ret && ret != -ENOTCONN &&
			    !(ret == -ENOENT && atomic_load(&o->uncertain)))
				VIOL(w, "final ABORT(%u): %s", atomic_load(&o->id),
				     strerror(-ret));
		}
		drain(w, s, so_debug_kernel() ? 1000 : 300);
		for (j = 0; j < s->nlive; j++) {
			uint32_t serial = s->live[j];
			struct fobj *o = &FZ->objs[serial];
			uint32_t id = atomic_load(&o->id);
			struct sockobj_info info;
			int ret = so_get_info(s->fd, id, &info);

			if (ret) {
				if (!atomic_load(&o->uncertain))
					VIOL(w, "object %u (serial %u) vanished: "
					     "GET_INFO %s", id, serial,
					     strerror(-ret));
				continue;
			}
			if (info.cookie != cookie_of(serial)) {
				if (!atomic_load(&o->uncertain))
					VIOL(w, "id %u holds cookie 0x%llx, "
					     "expected 0x%llx", id,
					     (unsigned long long)info.cookie,
					     (unsigned long long)cookie_of(serial));
				continue;
			}
			checked++;
			if (info.state != SOCKOBJ_STATE_CLOSED || info.pending)
				VIOL(w, "id %u after ABORT and drain: state %s, "
				     "%u records pending", id,
				     so_state_name(info.state), info.pending);
			if (!o->nstate) {
				if (info.connect_ns || info.reason)
					VIOL(w, "id %u: connected (reason %s) but "
					     "no record was ever read", id,
					     so_reason_name(info.reason));
				continue;
			}
			if (o->last_state != info.state ||
			    o->closed_reason != info.reason ||
			    o->closed_phase != info.phase ||
			    o->closed_error != info.error ||
			    o->closed_ts != info.closed_ns ||
			    o->connect_ts != info.connect_ns ||
			    o->established_ts != info.established_ns)
				VIOL(w, "id %u: records and GET_INFO disagree "
				     "(a record was lost?): last record %s "
				     "reason %s phase %s error %d ts c/e/x "
				     "%llu/%llu/%llu; info %s reason %s phase "
				     "%s error %d ts %llu/%llu/%llu", id,
				     so_state_name(o->last_state),
				     so_reason_name(o->closed_reason),
				     so_state_name(o->closed_phase),
				     o->closed_error,
				     (unsigned long long)o->connect_ts,
				     (unsigned long long)o->established_ts,
				     (unsigned long long)o->closed_ts,
				     so_state_name(info.state),
				     so_reason_name(info.reason),
				     so_state_name(info.phase), info.error,
				     (unsigned long long)info.connect_ns,
				     (unsigned long long)info.established_ns,
				     (unsigned long long)info.closed_ns);
		}
	}
	printf("# final check: %ld live objects compared with their records\n",
	       checked);
}

/* After the files are closed, /proc/net/sockobj shows nothing of this process */
void check_proc_empty(struct worker *w)
{
	char line[512], me[32];
	FILE *f = fopen("/proc/net/sockobj", "re");
	int n = 0;

	if (!f) {
		VIOL(w, "/proc/net/sockobj: %s", strerror(errno));
		return;
	}
	snprintf(me, sizeof(me), " %d ", (int)getpid());
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');

		if (sp && !strncmp(sp, me, strlen(me)) && n++ < 3)
			VIOL(w, "after close, /proc/net/sockobj still lists: %s", line);
	}
	fclose(f);
}

void fuzz_print_stats(double secs)
{
	int i;

	printf("# fuzz: %ld iterations in %.1f s (%d threads, %d files), "
	       "%ld records checked (%ld state records merged), %ld CONNECTs started, "
	       "%ld fds handed off, %ld bytes sent, %ld received, peer: %lu "
	       "accepted, %lu FIN, %lu RST, %lu datagrams\n",
	       opt_iters, secs, opt_threads, FZ->nslots,
	       atomic_load(&FZ->records), atomic_load(&FZ->merged_records),
	       atomic_load(&FZ->connects), atomic_load(&FZ->fds_handed),
	       atomic_load(&FZ->bytes_sent), atomic_load(&FZ->bytes_recv),
	       atomic_load(&FZ->peer.accepted), atomic_load(&FZ->peer.fins),
	       atomic_load(&FZ->peer.rsts), atomic_load(&FZ->peer.dgrams));
	printf("# fuzz: %ld LISTENING records, %ld incoming connections taken\n",
	       atomic_load(&FZ->listens), atomic_load(&FZ->passive_opens));
	printf("# fuzz: %ld io_uring SQEs (%ld forced to io-wq, %ld refused "
	       "for a wrong cmd_op, result or reserved word)\n",
	       atomic_load(&FZ->uring_sqes), atomic_load(&FZ->uring_async),
	       atomic_load(&FZ->uring_refused));
	printf("# fuzz: mapped record ring: %ld set up (%ld by a setup whose "
	       "result could not be written back), %ld records taken from it "
	       "directly, %ld by read() or a batch, %ld polls for records "
	       "waiting, %ld heads written out of range\n",
	       atomic_load(&FZ->ring_setups), atomic_load(&FZ->ring_setups_unseen),
	       atomic_load(&FZ->ring_records), atomic_load(&FZ->ring_syscall_records),
	       atomic_load(&FZ->ring_pending_polls), atomic_load(&FZ->ring_bad_heads));
	printf("# fuzz: calls:");
	for (i = 0; i < OP_NOPS; i++)
		printf(" %s=%ld", op_names[i], atomic_load(&FZ->calls[i]));
	printf("\n");
}
