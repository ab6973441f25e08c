// SPDX-License-Identifier: GPL-2.0
/*
 * Buffers whose pages come late: SEND and RECV sometimes copy from or to a
 * region registered with userfaultfd, whose missing pages a thread of ours
 * supplies after a random delay (0-4 ms), and which it empties again after
 * every few faults and every quiet 20 ms (MADV_DONTNEED), so that later
 * copies fault too. Such a call
 * holds its object inside the user copy for that long, as a FUSE-backed
 * buffer would, while the other threads go on with the same objects: the
 * kernel's work items, GET_INFO and /proc/net/sockobj must not wait for it.
 *
 * Without userfaultfd (no permission, no kernel support) the region is not
 * used and the run says so.
 */
#define SO_NO_HARNESS
#include "fuzz.h"

#include <linux/userfaultfd.h>

#define SLOW_PAGES	8

static struct {
	int uffd;
	char *area;
	size_t len;
	pthread_t thread;
	atomic_int stop;
	atomic_long faults;
} slow = { .uffd = -1 };

static void *slow_thread(void *arg)
{
	struct so_rnd r = { (uint64_t)(uintptr_t)arg };
	long page = sysconf(_SC_PAGESIZE);
	struct pollfd pfd = { .fd = slow.uffd, .events = POLLIN };
	struct uffd_msg msg;
	long served = 0;

	while (!atomic_load(&slow.stop)) {
		struct uffdio_zeropage zero = { 0 };

		/* a quiet moment: empty the region, the next copies fault */
		if (poll(&pfd, 1, 20) <= 0) {
			madvise(slow.area, slow.len, MADV_DONTNEED);
			continue;
		}
		if (read(slow.uffd, &msg, sizeof(msg)) != sizeof(msg) ||
		    msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		usleep(so_rnd_below(&r, 4000));
		zero.range.start = msg.arg.pagefault.address & ~(page - 1UL);
		zero.range.len = (unsigned long)page;
		/* EEXIST: served meanwhile (another fault on the same page) */
		ioctl(slow.uffd, UFFDIO_ZEROPAGE, &zero);
		atomic_fetch_add(&slow.faults, 1);
		if (++served % 4 == 0)
			madvise(slow.area, slow.len, MADV_DONTNEED);
	}
	return NULL;
}

/**
 * slowpage_start() - set up the late-page region and its thread
 * @seed: seeds the delays
 *
 * Return: 0, or -errno when userfaultfd is not available (the region is
 * then not used).
 */
int slowpage_start(uint64_t seed)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	long page = sysconf(_SC_PAGESIZE);
	int ret;

	slow.uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (slow.uffd < 0)
		return -errno;
	slow.len = (size_t)page * SLOW_PAGES;
	slow.area = mmap(NULL, slow.len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (slow.area == MAP_FAILED) {
		ret = -errno;
		goto err_close;
	}
	reg.range.start = (uintptr_t)slow.area;
	reg.range.len = slow.len;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(slow.uffd, UFFDIO_API, &api) ||
	    ioctl(slow.uffd, UFFDIO_REGISTER, &reg)) {
		ret = -errno;
		goto err_unmap;
	}
	ret = -pthread_create(&slow.thread, NULL, slow_thread,
			      (void *)(uintptr_t)seed);
	if (ret)
		goto err_unmap;
	return 0;

err_unmap:
	munmap(slow.area, slow.len);
err_close:
	close(slow.uffd);
	slow.uffd = -1;
	slow.area = NULL;
	return ret;
}

/**
 * slowpage_buf() - a buffer in the late-page region, if there is one
 * @r: the caller's random state
 * @buf: set to its address
 * @len: set to its length (at most the rest of the region)
 *
 * Return: 1 with @buf and @len set, 0 when there is no region.
 */
int slowpage_buf(struct so_rnd *r, __u64 *buf, __u64 *len)
{
	uint32_t off;

	if (!slow.area)
		return 0;
	off = so_rnd_below(r, (uint32_t)slow.len);
	*buf = (uintptr_t)(slow.area + off);
	*len = 1 + so_rnd_below(r, (uint32_t)(slow.len - off));
	return 1;
}

/**
 * slowpage_stop() - stop the thread and release the region
 *
 * Closing the userfaultfd wakes any copy still waiting for a page: it is
 * retried as an ordinary fault.
 *
 * Return: the number of faults served.
 */
long slowpage_stop(void)
{
	if (!slow.area)
		return 0;
	atomic_store(&slow.stop, 1);
	pthread_join(slow.thread, NULL);
	close(slow.uffd);
	munmap(slow.area, slow.len);
	slow.area = NULL;
	slow.uffd = -1;
	return atomic_load(&slow.faults);
}
