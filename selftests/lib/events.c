// SPDX-License-Identifier: GPL-2.0
/*
 * Reading records, with a per-fd stash so that waiting for one object's
 * records does not lose another's.
 */
#define SO_NO_HARNESS

#include "sotest.h"

/*
 * Records read from a file but not yet consumed by the test, so that
 * waiting for one object's records does not lose another's.
 */
#define SO_STASH_MAX	16384
#define SO_STASH_FILES	4

struct so_stash {
	int fd;
	unsigned int n;
	struct sockobj_event ev[SO_STASH_MAX];
};

static struct so_stash *so_stashes[SO_STASH_FILES];

const char *so_state_name(__u32 s)
{
	static const char *const n[] = {
		"CLOSED", "CONNECTING", "ESTABLISHED", "PEER_CLOSING", "CLOSING",
		"RETRY_WAIT", "LISTENING", "PASSIVE_OPENING",
	};

	return s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

const char *so_reason_name(__u32 r)
{
	static const char *const n[] = {
		"NONE", "PEER_CLOSED", "LOCAL_CLOSED", "REFUSED", "RESET",
		"CONNECT_TIMEOUT", "RETRANS_TIMEOUT", "HOST_UNREACH",
		"NET_UNREACH", "ABORTED", "CANCELLED", "ERROR", "INACTIVITY",
		"REPLACED",
	};
	_Static_assert(sizeof(n) / sizeof(n[0]) == SOCKOBJ_REASON_COUNT,
		       "a reason has no name");

	return r < sizeof(n) / sizeof(n[0]) ? n[r] : "?";
}

const char *so_type_name(__u32 t)
{
	switch (t) {
	case SOCKOBJ_EV_STATE: return "STATE";
	case SOCKOBJ_EV_READABLE: return "READABLE";
	case SOCKOBJ_EV_WRITABLE: return "WRITABLE";
	case SOCKOBJ_EV_SENT: return "SENT";
	case SOCKOBJ_EV_ERROR: return "ERROR";
	}
	return "?";
}

/*
 * A record about data rather than state (types added after version 1):
 * state assertions step over them.
 */
int so_is_data_record(__u32 type)
{
	static const __u32 data_types[] = {
#ifdef SOCKOBJ_EV_READABLE
		SOCKOBJ_EV_READABLE,
#endif
#ifdef SOCKOBJ_EV_WRITABLE
		SOCKOBJ_EV_WRITABLE,
#endif
#ifdef SOCKOBJ_EV_SENT
		SOCKOBJ_EV_SENT,
#endif
#ifdef SOCKOBJ_EV_ERROR
		SOCKOBJ_EV_ERROR,
#endif
		SOCKOBJ_EV_STATE,	/* end marker, never a data type */
	};
	unsigned int i;

	for (i = 0; data_types[i] != SOCKOBJ_EV_STATE; i++)
		if (data_types[i] == type)
			return 1;
	return 0;
}

static struct so_stash *so_stash_of(int fd)
{
	int i, free_slot = -1;

	for (i = 0; i < SO_STASH_FILES; i++) {
		if (so_stashes[i] && so_stashes[i]->fd == fd)
			return so_stashes[i];
		if (free_slot < 0 && (!so_stashes[i] || so_stashes[i]->fd < 0))
			free_slot = i;
	}
	if (free_slot < 0)
		free_slot = 0;	/* recycle: tests use at most a few files */
	if (!so_stashes[free_slot]) {
		so_stashes[free_slot] = malloc(sizeof(struct so_stash));
		if (!so_stashes[free_slot])
			abort();
	}
	so_stashes[free_slot]->fd = fd;
	so_stashes[free_slot]->n = 0;
	return so_stashes[free_slot];
}

/* Forget what was stashed for fd (call when closing it). */
void so_stash_drop(int fd)
{
	int i;

	for (i = 0; i < SO_STASH_FILES; i++)
		if (so_stashes[i] && so_stashes[i]->fd == fd) {
			so_stashes[i]->fd = -1;
			so_stashes[i]->n = 0;
		}
}

/*
 * One read() of as many records as fit (up to max) after waiting up to
 * timeout_ms for POLLIN. Returns the number of records, 0 on timeout, or
 * -errno (-EPROTO for a size that is not a multiple of a record).
 */
int so_read_events(int fd, struct sockobj_event *ev,
		   unsigned int max, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int ret;

	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return 0;
	n = read(fd, ev, (size_t)max * sizeof(*ev));
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n % SO_EV_SIZE)
		return -EPROTO;
	return (int)(n / SO_EV_SIZE);
}

/* close() a sockobj fd and forget its stashed records */
void so_close(int fd)
{
	if (fd >= 0) {
		so_stash_drop(fd);
		close(fd);
	}
}

/* Read everything pending without waiting into the stash; count or -errno */
int so_stash_fill(int fd, int timeout_ms)
{
	struct so_stash *st = so_stash_of(fd);
	unsigned int room = SO_STASH_MAX - st->n;
	int n;

	if (!room)
		return -ENOSPC;
	if (room > 256)
		room = 256;
	n = so_read_events(fd, st->ev + st->n, room, timeout_ms);
	if (n > 0)
		st->n += (unsigned int)n;
	return n;
}

/*
 * Next record of object id (any object when id is 0), waiting up to
 * timeout_ms. 1 with *ev filled, 0 on timeout, -errno on a read error.
 */
int so_next_event(int fd, __u32 id, struct sockobj_event *ev,
		  int timeout_ms)
{
	uint64_t deadline = so_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	struct so_stash *st = so_stash_of(fd);

	for (;;) {
		uint64_t now;
		unsigned int i;
		int n, left;

		for (i = 0; i < st->n; i++) {
			if (id && st->ev[i].id != id)
				continue;
			*ev = st->ev[i];
			memmove(st->ev + i, st->ev + i + 1,
				(st->n - i - 1) * sizeof(*ev));
			st->n--;
			return 1;
		}
		/* look at least once, even with no time left */
		now = so_now_ns();
		left = now >= deadline ? 0 :
		       (int)((deadline - now + 999999ULL) / 1000000ULL);
		n = so_stash_fill(fd, left);
		if (n < 0)
			return n;
		if (!n && !left)
			return 0;
	}
}

/*
 * Next state record of object id (0: any): like so_next_event(), but
 * records about data (so_is_data_record()) are consumed and skipped.
 */
int so_next_state_event(int fd, __u32 id,
			struct sockobj_event *ev, int timeout_ms)
{
	uint64_t deadline = so_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	int ret;

	for (;;) {
		uint64_t now = so_now_ns();
		int left = now >= deadline ? 0 :
			   (int)((deadline - now + 999999ULL) / 1000000ULL);

		ret = so_next_event(fd, id, ev, left);
		if (ret <= 0 || !so_is_data_record(ev->type))
			return ret;
	}
}

/* Records of id still stashed or pending after waiting wait_ms. */
int so_count_events(int fd, __u32 id, int wait_ms)
{
	struct so_stash *st;
	unsigned int i;
	int count = 0;

	if (wait_ms)
		so_sleep_ms((unsigned int)wait_ms);
	while (so_stash_fill(fd, 0) > 0)
		;
	st = so_stash_of(fd);
	for (i = 0; i < st->n; i++)
		if (!id || st->ev[i].id == id)
			count++;
	return count;
}

/*
 * Records of object id until one of type arrives (within tmo ms); the
 * others are counted in *skipped (may be NULL). 1, 0 on timeout, -errno.
 */
int so_wait_type(int fd, __u32 id, __u32 type,
		 struct sockobj_event *e, int tmo,
		 unsigned int *skipped)
{
	uint64_t deadline = so_now_ns() + (uint64_t)tmo * 1000000ULL;
	int ret;

	for (;;) {
		uint64_t now = so_now_ns();
		int left = now >= deadline ? 0 :
			   (int)((deadline - now + 999999ULL) / 1000000ULL);

		ret = so_next_event(fd, id, e, left);
		if (ret <= 0 || e->type == type)
			return ret;
		if (skipped)
			(*skipped)++;
	}
}

/*
 * Poll GET_INFO until the object is in state (it does not read events).
 * 0 when reached, -ETIMEDOUT, or the ioctl's -errno.
 */
int so_wait_state(int fd, __u32 id, __u32 state, int timeout_ms)
{
	uint64_t deadline = so_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	struct sockobj_info info;
	int ret;

	for (;;) {
		ret = so_get_info(fd, id, &info);
		if (ret)
			return ret;
		if (info.state == state)
			return 0;
		if (so_now_ns() >= deadline)
			return -ETIMEDOUT;
		so_sleep_ms(5);
	}
}
