// SPDX-License-Identifier: MIT
/*
 * Description: libsockobj tests of the mapped record ring (0.10, module
 * API version 11): sockobj_ring_setup() and its errors; the readers
 * (sockobj_read_events(), sockobj_wait_events(), sockobj_submit_and_wait())
 * take the ring's records without a system call, shown in a forked child
 * that a seccomp filter kills on any but write and exit; peek and advance;
 * a ring of 1 with records pending in the module, nothing lost;
 * sockobj_wait_state() returns the real record from the ring; a destroyed
 * object's records in the ring do not come out; sockobj_fd() is readable
 * while the ring holds a record; sockobj_close() unmaps; a race through
 * a small ring keeps its attempts' records.
 *
 * They need /dev/sockobj and SOCKOBJ_FEAT_EVENT_RING, and skip without.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <stddef.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "helpers.h"

#define ESTABLISHED_OR_CLOSED (SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) | \
			       SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED))

/* How many records the ring holds, waiting up to WAIT_MS for want */
static int ring_holds(struct sockobj_ctx *ctx, int want)
{
	const struct sockobj_event *evs[64];
	int n, i;

	for (i = 0; i < WAIT_MS / 5; i++) {
		n = sockobj_ring_peek(ctx, evs, 64);
		if (n < 0 || n >= want)
			return n;
		usleep(5000);
	}
	return sockobj_ring_peek(ctx, evs, 64);
}

/* The state of object id, by GET_INFO, reached within WAIT_MS */
static int reach(struct sockobj_ctx *ctx, int id, unsigned int state)
{
	struct sockobj_info info;
	int i, ret;

	for (i = 0; i < WAIT_MS / 5; i++) {
		ret = sockobj_get_info(ctx, id, &info);
		if (ret < 0)
			return ret;
		if (info.state == state)
			return 0;
		usleep(5000);
	}
	return -ETIMEDOUT;
}

/*
 * An object connected to the listener and aborted without a record read
 * (CONNECTING, ESTABLISHED, CLOSED: 3 records); its id.
 */
static int connect_abort(struct sockobj_ctx *ctx, int lfd,
			 const struct sockaddr_storage *ss, socklen_t len,
			 uint64_t cookie)
{
	int id, afd, ret;

	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, cookie);
	if (id < 0)
		return id;
	ret = sockobj_set_target(ctx, id, (const struct sockaddr *)ss, len);
	if (!ret)
		ret = sockobj_connect(ctx, id);
	if (!ret)
		ret = reach(ctx, id, SOCKOBJ_STATE_ESTABLISHED);
	if (ret)
		return ret;
	afd = accept_wait(lfd);
	if (afd < 0)
		return -ETIMEDOUT;
	ret = sockobj_abort(ctx, id);
	if (!ret)
		ret = reach(ctx, id, SOCKOBJ_STATE_CLOSED);
	close(afd);
	return ret ? ret : id;
}

/* evs[0..2] are connect_abort()'s records of id */
static int is_connect_abort(const struct sockobj_event *evs, int id)
{
	return evs[0].id == (unsigned int)id &&
	       evs[0].state == SOCKOBJ_STATE_CONNECTING &&
	       evs[1].id == (unsigned int)id &&
	       evs[1].state == SOCKOBJ_STATE_ESTABLISHED &&
	       evs[2].id == (unsigned int)id &&
	       evs[2].state == SOCKOBJ_STATE_CLOSED &&
	       evs[2].reason == SOCKOBJ_REASON_ABORTED &&
	       evs[0].seq < evs[1].seq && evs[1].seq < evs[2].seq;
}

static int test_setup(void)
{
	const struct sockobj_event *p[1];
	struct sockobj_ctx *ctx;

	NEED_FEATURE(SOCKOBJ_FEAT_EVENT_RING);
	CHECK_OK(open_ctx(&ctx, 0));
	CHECK_RET(sockobj_ring_peek(ctx, p, 1), -ENODEV);
	CHECK_RET(sockobj_ring_advance(ctx, 0), -ENODEV);
	CHECK_RET(sockobj_ring_pending(ctx), -ENODEV);
	CHECK_RET(sockobj_ring_setup(ctx, 0), -EINVAL);
	CHECK_RET(sockobj_ring_setup(ctx, 3), -EINVAL);
	CHECK_RET(sockobj_ring_setup(ctx, SOCKOBJ_RING_MAX_ENTRIES * 2), -EINVAL);
	CHECK_RET(sockobj_ring_setup(ctx, 16), 0);
	CHECK_RET(sockobj_ring_setup(ctx, 16), -EBUSY);
	CHECK_RET(sockobj_ring_setup(ctx, 32), -EBUSY);
	CHECK_RET(sockobj_ring_peek(ctx, p, 1), 0);
	CHECK_RET(sockobj_ring_pending(ctx), 0);
	CHECK_RET(sockobj_ring_advance(ctx, 0), 0);
	CHECK_RET(sockobj_ring_advance(ctx, 1), -EINVAL);
	sockobj_close(ctx);
	return T_EXIT_PASS;
}

/* After this, any system call but write and exit kills the process. */
static int no_syscalls(void)
{
#ifdef __x86_64__
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_write, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) ? -errno : 0;
#else
	return -EOPNOTSUPP;
#endif
}

enum reader { READ_EVENTS, WAIT_EVENTS, SUBMIT_AND_WAIT };

/*
 * In a forked child under no_syscalls(), @how takes the ring's 3 records
 * (the child shares the mapping): into *got, shared with the parent.
 * Returns the child's wait status.
 */
static int take_in_child(struct sockobj_ctx *ctx, enum reader how,
			 struct sockobj_event *got, int *n)
{
	unsigned int nevs = 8;
	pid_t pid;
	int st = 0;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (no_syscalls())
			_exit(3);
		switch (how) {
		case READ_EVENTS:
			*n = sockobj_read_events(ctx, got, 8);
			break;
		case WAIT_EVENTS:
			*n = sockobj_wait_events(ctx, got, 8, WAIT_MS);
			break;
		case SUBMIT_AND_WAIT:
			*n = sockobj_submit_and_wait(ctx, NULL, 0, 0, got,
						     &nevs, WAIT_MS);
			if (*n == 0)
				*n = (int)nevs;
			break;
		}
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

/* Each reader takes what the ring holds with no system call at all. */
static int test_readers_make_no_syscall(void)
{
	static const char *const names[] = {
		"sockobj_read_events", "sockobj_wait_events",
		"sockobj_submit_and_wait",
	};
	struct sockaddr_storage ss;
	struct sockobj_event *got;
	struct sockobj_ctx *ctx;
	int lfd, id, st, *n;
	socklen_t len;
	enum reader how;

	NEED_FEATURE(SOCKOBJ_FEAT_EVENT_RING);
#ifndef __x86_64__
	return skip("the seccomp filter is written for x86_64");
#endif
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	got = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(got != MAP_FAILED);
	n = (int *)(got + 8);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	CHECK_OK(sockobj_ring_setup(ctx, 8));
	for (how = READ_EVENTS; how <= SUBMIT_AND_WAIT; how++) {
		id = connect_abort(ctx, lfd, &ss, len, how);
		CHECK_OK(id);
		CHECK_EQ(ring_holds(ctx, 3), 3);
		memset(got, 0, 4096);
		st = take_in_child(ctx, how, got, n);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 3) {
			sockobj_close(ctx);
			munmap(got, 4096);
			close(lfd);
			return skip("no seccomp filter in this kernel");
		}
		if (st != 0)
			FAILED("%s: the child: status 0x%x%s", names[how], st,
			       WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS ?
			       " (it made a system call)" : "");
		CHECK_EQ(*n, 3);
		CHECK(is_connect_abort(got, id));
		/* its head is ours: the records are taken */
		CHECK_EQ(ring_holds(ctx, 0), 0);
		CHECK_RET(sockobj_read_events(ctx, got, 8), -EAGAIN);
	}
	sockobj_close(ctx);
	munmap(got, 4096);
	close(lfd);
	return T_EXIT_PASS;
}

static int test_peek_advance(void)
{
	const struct sockobj_event *p[8];
	struct sockaddr_storage ss;
	struct sockobj_event evs[3];
	struct sockobj_ctx *ctx;
	int lfd, id, i;
	socklen_t len;

	NEED_FEATURE(SOCKOBJ_FEAT_EVENT_RING);
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	CHECK_OK(sockobj_ring_setup(ctx, 4));
	id = connect_abort(ctx, lfd, &ss, len, 1);
	CHECK_OK(id);
	CHECK_EQ(ring_holds(ctx, 3), 3);
	CHECK_RET(sockobj_ring_peek(ctx, p, 2), 2);
	CHECK_RET(sockobj_ring_peek(ctx, p, 8), 3);
	for (i = 0; i < 3; i++)
		evs[i] = *p[i];
	CHECK(is_connect_abort(evs, id));
	CHECK_RET(sockobj_ring_advance(ctx, 4), -EINVAL);
	CHECK_RET(sockobj_ring_advance(ctx, 1), 0);
	CHECK_RET(sockobj_ring_peek(ctx, p, 8), 2);
	CHECK_EQ(p[0]->seq, evs[1].seq);
	/* the library's reader takes the rest, from the same head */
	CHECK_RET(sockobj_read_events(ctx, evs, 3), 2);
	CHECK_EQ(evs[1].state, SOCKOBJ_STATE_CLOSED);
	CHECK_RET(sockobj_ring_peek(ctx, p, 8), 0);
	CHECK_RET(sockobj_ring_pending(ctx), 0);
	CHECK_RET(sockobj_read_events(ctx, evs, 3), -EAGAIN);
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

/* A ring of 1: the module holds the rest, the readers get them all. */
static int test_pending(void)
{
	struct sockaddr_storage ss;
	struct sockobj_event evs[16], all[16];
	struct sockobj_ctx *ctx;
	int lfd, ids[3], n = 0, got, k, i, j;
	socklen_t len;

	NEED_FEATURE(SOCKOBJ_FEAT_EVENT_RING);
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	CHECK_OK(sockobj_ring_setup(ctx, 1));
	for (k = 0; k < 3; k++) {
		ids[k] = connect_abort(ctx, lfd, &ss, len, 10 + k);
		CHECK_OK(ids[k]);
	}
	CHECK_EQ(ring_holds(ctx, 1), 1);
	CHECK_RET(sockobj_ring_pending(ctx), 1);
	/* a few at a time, from the ring and from read() */
	while ((got = sockobj_read_events(ctx, evs, 2)) > 0) {
		CHECK(n + got <= 9);
		memcpy(all + n, evs, got * sizeof(evs[0]));
		n += got;
	}
	CHECK_RET(got, -EAGAIN);
	CHECK_EQ(n, 9);
	CHECK_RET(sockobj_ring_pending(ctx), 0);
	for (k = 0; k < 3; k++) {
		struct sockobj_event mine[3];

		for (i = 0, j = 0; i < n && j < 3; i++)
			if (all[i].id == (unsigned int)ids[k])
				mine[j++] = all[i];
		CHECK_EQ(j, 3);
		CHECK(is_connect_abort(mine, ids[k]));
	}
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

/*
 * The ring's records are not pending in the module: sockobj_wait_state()
 * still returns the real record of the transition, and consumes it.
 */
static int test_wait_state(void)
{
	const struct sockobj_event *p[8];
	struct sockaddr_storage ss;
	struct sockobj_event ev, evs[8];
	struct sockobj_ctx *ctx;
	int lfd, id, afd, n, i;
	socklen_t len;

	NEED_FEATURE(SOCKOBJ_FEAT_EVENT_RING);
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	CHECK_OK(sockobj_ring_setup(ctx, 8));
	id = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 5);
	CHECK_OK(id);
	CHECK_OK(sockobj_set_target(ctx, id, (struct sockaddr *)&ss, len));
	CHECK_OK(sockobj_connect(ctx, id));
	CHECK_OK(reach(ctx, id, SOCKOBJ_STATE_ESTABLISHED));
	CHECK_EQ(ring_holds(ctx, 2), 2);
	CHECK_OK(sockobj_wait_state(ctx, id, ESTABLISHED_OR_CLOSED, WAIT_MS,
				    &ev));
	CHECK_EQ(ev.state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK(ev.seq != 0);
	CHECK_EQ(ev.merged, 1);
	CHECK_RET(sockobj_ring_peek(ctx, p, 8), 0);
	/* nothing of it before ESTABLISHED comes out afterwards */
	n = sockobj_read_events(ctx, evs, 8);
	for (i = 0; i < n; i++)
		CHECK(evs[i].id != (unsigned int)id ||
		      evs[i].type != SOCKOBJ_EV_STATE);
	afd = accept_wait(lfd);
	CHECK(afd >= 0);
	close(afd);
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

/* No record of a destroyed object follows, those in the ring included. */
static int test_destroy_drops(void)
{
	struct sockaddr_storage ss;
	struct sockobj_event evs[8];
	struct sockobj_ctx *ctx;
	int lfd, a, b, n, i, seen_b = 0;
	socklen_t len;

	NEED_FEATURE(SOCKOBJ_FEAT_EVENT_RING);
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	CHECK_OK(sockobj_ring_setup(ctx, 8));
	a = connect_abort(ctx, lfd, &ss, len, 1);
	CHECK_OK(a);
	b = connect_abort(ctx, lfd, &ss, len, 2);
	CHECK_OK(b);
	CHECK_EQ(ring_holds(ctx, 6), 6);
	CHECK_OK(sockobj_destroy(ctx, a, 0));
	/* b's records, kept by the library, and nothing of a */
	CHECK_EQ(sockobj_queued_events(ctx), 3);
	n = sockobj_read_events(ctx, evs, 8);
	CHECK_EQ(n, 3);
	for (i = 0; i < n; i++) {
		CHECK(evs[i].id != (unsigned int)a);
		seen_b += evs[i].id == (unsigned int)b;
	}
	CHECK_EQ(seen_b, 3);
	CHECK(is_connect_abort(evs, b));
	CHECK_RET(sockobj_read_events(ctx, evs, 8), -EAGAIN);
	sockobj_close(ctx);
	close(lfd);
	return T_EXIT_PASS;
}

/*
 * A race over a refused address and a listening one, through a ring of 2
 * (records wait in the module): the winner, each attempt's outcome, and
 * no attempt's record left for the caller.
 */
static int test_race(void)
{
	struct sockaddr_storage ss, ss_no;
	struct sockobj_event out[2], evs[8];
	struct sockobj_addr addrs[2];
	struct sockobj_ctx *ctx;
	int lfd, nfd, id, afd;
	socklen_t len, len_no;

	NEED_FEATURE(SOCKOBJ_FEAT_EVENT_RING);
	lfd = listener(AF_INET, &ss, &len, 1);
	nfd = listener(AF_INET, &ss_no, &len_no, 0);
	CHECK(lfd >= 0 && nfd >= 0);
	CHECK_OK(sockobj_addr_from_sockaddr(&addrs[0],
					    (struct sockaddr *)&ss_no, len_no));
	CHECK_OK(sockobj_addr_from_sockaddr(&addrs[1],
					    (struct sockaddr *)&ss, len));
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	CHECK_OK(sockobj_ring_setup(ctx, 2));
	id = sockobj_connect_race(ctx, addrs, 2, NULL, 7, 0, WAIT_MS, out);
	CHECK_OK(id);
	CHECK_EQ(out[0].state, SOCKOBJ_STATE_CLOSED);
	CHECK_EQ(out[0].reason, SOCKOBJ_REASON_REFUSED);
	CHECK_EQ(out[1].state, SOCKOBJ_STATE_ESTABLISHED);
	CHECK_EQ(out[1].id, id);
	CHECK_RET(sockobj_read_events(ctx, evs, 8), -EAGAIN);
	afd = accept_wait(lfd);
	CHECK(afd >= 0);
	close(afd);
	sockobj_close(ctx);
	close(nfd);
	close(lfd);
	return T_EXIT_PASS;
}

/* Mappings of the device in this process */
static int device_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "/dev/" SOCKOBJ_DEVICE_NAME) != NULL;
	fclose(f);
	return n;
}

/* sockobj_fd() is readable while the ring holds a record; close unmaps */
static int test_fd_and_close(void)
{
	struct pollfd pfd = { .events = POLLIN };
	struct sockaddr_storage ss;
	struct sockobj_event evs[8];
	struct sockobj_ctx *ctx;
	int lfd, before;
	socklen_t len;

	NEED_FEATURE(SOCKOBJ_FEAT_EVENT_RING);
	lfd = listener(AF_INET, &ss, &len, 1);
	CHECK(lfd >= 0);
	before = device_mappings();
	CHECK_OK(open_ctx(&ctx, SOCKOBJ_OPEN_NONBLOCK));
	CHECK_OK(sockobj_ring_setup(ctx, 4));
	CHECK_EQ(device_mappings(), before + 1);
	pfd.fd = sockobj_fd(ctx);
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	CHECK_OK(connect_abort(ctx, lfd, &ss, len, 1));
	CHECK_EQ(ring_holds(ctx, 3), 3);
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK_RET(sockobj_read_events(ctx, evs, 8), 3);
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	sockobj_close(ctx);
	CHECK_EQ(device_mappings(), before);
	close(lfd);
	return T_EXIT_PASS;
}

int main(void)
{
	t_init();
	module_setup();
	t_run("setup", test_setup);
	t_run("readers_make_no_syscall", test_readers_make_no_syscall);
	t_run("peek_advance", test_peek_advance);
	t_run("pending", test_pending);
	t_run("wait_state", test_wait_state);
	t_run("destroy_drops", test_destroy_drops);
	t_run("fd_and_close", test_fd_and_close);
	t_run("race", test_race);
	return t_exit();
}
