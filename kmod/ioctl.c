// SPDX-License-Identifier: GPL-2.0
/*
 * The user boundary: the only file that touches __user memory. Each ioctl
 * copies its whole argument once (SEND and RECV: each field they read,
 * once; see io_get()), validates every flag and reserved byte, then acts
 * on the kernel copy; read() copies event records out.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/build_bug.h>
#include <linux/compat.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/sockobj.h>

#include "compat.h"
#include "config.h"
#include "conn.h"
#include "data.h"
#include "event.h"
#include "file.h"
#include "ioctl.h"
#include "object.h"
#include "trace.h"

#define SOCKOBJ_FEATURES (SOCKOBJ_FEAT_TCP | SOCKOBJ_FEAT_IPV6 | \
			  SOCKOBJ_FEAT_EVENTS | SOCKOBJ_FEAT_UDP | \
			  SOCKOBJ_FEAT_DATA | SOCKOBJ_FEAT_OPTIONS | \
			  SOCKOBJ_FEAT_HANDOFF | SOCKOBJ_FEAT_BATCH | \
			  SOCKOBJ_FEAT_RETRY | SOCKOBJ_FEAT_LISTEN | \
			  SOCKOBJ_FEAT_RECONNECT | SOCKOBJ_FEAT_LISTEN_UDP | \
			  SOCKOBJ_FEAT_BATCH_RECV | SOCKOBJ_FEAT_BATCH_WAIT | \
			  SOCKOBJ_FEAT_BATCH_VEC | SOCKOBJ_FEAT_EVENT_RING | \
			  (IS_ENABLED(CONFIG_IO_URING) ? SOCKOBJ_FEAT_URING_CMD : 0))

static void __maybe_unused uapi_sizes(void)
{
	BUILD_BUG_ON(sizeof(struct sockobj_api) != 56);
	BUILD_BUG_ON(SOCKOBJ_BATCH_IOV_MAX != UIO_MAXIOV);
	BUILD_BUG_ON(sizeof(struct sockobj_addr) != 24);
	BUILD_BUG_ON(sizeof(struct sockobj_create) != 40);
	BUILD_BUG_ON(sizeof(struct sockobj_config) != 152);
	BUILD_BUG_ON(sizeof(struct sockobj_op) != 24);
	BUILD_BUG_ON(sizeof(struct sockobj_info) != 168);
	BUILD_BUG_ON(sizeof(struct sockobj_event) != 64);
	BUILD_BUG_ON(sizeof(struct sockobj_io) != 80);
	BUILD_BUG_ON(sizeof(struct sockobj_batch_op) != 32);
	BUILD_BUG_ON(sizeof(struct sockobj_batch) != 40);
	BUILD_BUG_ON(sizeof(struct sockobj_uring_cmd) != 80);
	BUILD_BUG_ON(sizeof(struct sockobj_retry) != 56);
	BUILD_BUG_ON(sizeof(struct sockobj_listen) != 32);
	BUILD_BUG_ON(sizeof(struct sockobj_ring_setup) != 48);
	BUILD_BUG_ON(SOCKOBJ_OBJ_RECORDS < SOCKOBJ_TRANSITIONS_MAX);
	BUILD_BUG_ON(SOCKOBJ_STATE_COUNT > 255 || SOCKOBJ_REASON_COUNT > 255);
}

static long get_api(void __user *argp)
{
	struct sockobj_api api;

	if (copy_from_user(&api, argp, sizeof(api)))
		return -EFAULT;
	/* Every field is output today: non-zero input is reserved. */
	if (memchr_inv(&api, 0, sizeof(api)))
		return -EINVAL;
	api.api_version = SOCKOBJ_API_VERSION;
	api.event_size = sizeof(struct sockobj_event);
	api.features = SOCKOBJ_FEATURES;
	api.max_objects = sockobj_file_max_objects();
	return copy_to_user(argp, &api, sizeof(api)) ? -EFAULT : 0;
}

static long create(struct sockobj_file *file, void __user *argp)
{
	struct sockobj_create c;
	struct sockobj_obj *obj;

	if (copy_from_user(&c, argp, sizeof(c)))
		return -EFAULT;
	/* id is an output: its input is ignored (a struct may be reused). */
	if (c.flags || c.pad || memchr_inv(c.reserved, 0, sizeof(c.reserved)))
		return -EINVAL;
	obj = sockobj_object_alloc(file, c.proto, c.cookie);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	/*
	 * The id is told before the object can be found: a caller that cannot
	 * learn it gets nothing, and no other thread can have used (or
	 * destroyed, and so freed for another create) an object that then
	 * vanishes.
	 */
	if (put_user(obj->id, (__u32 __user *)(argp + offsetof(struct sockobj_create, id)))) {
		sockobj_object_discard(obj);
		return -EFAULT;
	}
	sockobj_object_publish(obj);
	return 0;
}

/* Copy and check a struct sockobj_op; @flags_ok are the flags allowed. */
static long get_op(struct sockobj_op *op, void __user *argp, u32 flags_ok)
{
	if (copy_from_user(op, argp, sizeof(*op)))
		return -EFAULT;
	if ((op->flags & ~flags_ok) ||
	    memchr_inv(op->reserved, 0, sizeof(op->reserved)))
		return -EINVAL;
	return 0;
}

static long object_op(struct sockobj_file *file, void __user *argp,
		      int (*fn)(struct sockobj_obj *obj))
{
	struct sockobj_obj *obj;
	struct sockobj_op op;
	long ret;

	ret = get_op(&op, argp, 0);
	if (ret)
		return ret;
	obj = sockobj_object_lookup(file, op.id);
	if (!obj)
		return -ENOENT;
	ret = fn(obj);
	sockobj_object_put(obj);
	return ret;
}

static long destroy(struct sockobj_file *file, void __user *argp)
{
	struct sockobj_op op;
	long ret;

	ret = get_op(&op, argp, SOCKOBJ_DESTROY_F_ALL);
	if (ret)
		return ret;
	return sockobj_object_remove(file, op.id, op.flags);
}

static long configure(struct sockobj_file *file, void __user *argp)
{
	struct sockobj_config cfg;
	struct sockobj_obj *obj;
	long ret;

	if (copy_from_user(&cfg, argp, sizeof(cfg)))
		return -EFAULT;
	if (cfg.flags || memchr_inv(cfg.reserved, 0, sizeof(cfg.reserved)))
		return -EINVAL;
	obj = sockobj_object_lookup(file, cfg.id);
	if (!obj)
		return -ENOENT;
	ret = sockobj_conn_configure(obj, &cfg);
	sockobj_object_put(obj);
	return ret;
}

static long get_config(struct sockobj_file *file, void __user *argp)
{
	struct sockobj_config cfg;
	struct sockobj_obj *obj;
	u32 id;
	long ret;

	if (copy_from_user(&cfg, argp, sizeof(cfg)))
		return -EFAULT;
	id = cfg.id;
	memset(&cfg.id, 0, sizeof(cfg.id));
	if (memchr_inv(&cfg, 0, sizeof(cfg)))
		return -EINVAL;
	obj = sockobj_object_lookup(file, id);
	if (!obj)
		return -ENOENT;
	ret = sockobj_conn_get_config(obj, &cfg);
	sockobj_object_put(obj);
	if (ret)
		return ret;
	cfg.id = id;
	return copy_to_user(argp, &cfg, sizeof(cfg)) ? -EFAULT : 0;
}

static long set_retry(struct sockobj_file *file, void __user *argp)
{
	struct sockobj_retry r;
	struct sockobj_obj *obj;
	long ret;

	if (copy_from_user(&r, argp, sizeof(r)))
		return -EFAULT;
	if (r.pad || memchr_inv(r.reserved, 0, sizeof(r.reserved)))
		return -EINVAL;
	obj = sockobj_object_lookup(file, r.id);
	if (!obj)
		return -ENOENT;
	ret = sockobj_conn_set_retry(obj, &r);
	sockobj_object_put(obj);
	return ret;
}

static long get_retry(struct sockobj_file *file, void __user *argp)
{
	struct sockobj_retry r;
	struct sockobj_obj *obj;
	u32 id;
	long ret;

	if (copy_from_user(&r, argp, sizeof(r)))
		return -EFAULT;
	id = r.id;
	r.id = 0;
	if (memchr_inv(&r, 0, sizeof(r)))
		return -EINVAL;
	obj = sockobj_object_lookup(file, id);
	if (!obj)
		return -ENOENT;
	ret = sockobj_conn_get_retry(obj, &r);
	sockobj_object_put(obj);
	if (ret)
		return ret;
	r.id = id;
	return copy_to_user(argp, &r, sizeof(r)) ? -EFAULT : 0;
}

static long get_info(struct sockobj_file *file, void __user *argp)
{
	struct sockobj_info info;
	struct sockobj_obj *obj;
	u32 id;
	long ret;

	if (copy_from_user(&info, argp, sizeof(info)))
		return -EFAULT;
	id = info.id;
	info.id = 0;
	if (memchr_inv(&info, 0, sizeof(info)))
		return -EINVAL;
	obj = sockobj_object_lookup(file, id);
	if (!obj)
		return -ENOENT;
	ret = sockobj_conn_get_info(obj, &info);
	sockobj_object_put(obj);
	if (ret)
		return ret;
	info.id = id;
	return copy_to_user(argp, &info, sizeof(info)) ? -EFAULT : 0;
}

/*
 * SEND and RECV read and write struct sockobj_io field by field in one
 * user access section each, not as a whole: the hot path of small
 * messages, where two 80-byte copies (and their hardened-usercopy checks)
 * cost as much as the rest of the request. Every input field is still
 * read once, and the first and last bytes of the struct are among them,
 * so a struct that is not readable in whole fails with EFAULT before any
 * data moves, as a copy of all of it would.
 */
struct io_req {
	u32 id;
	u32 flags;
	u64 buf;
	u64 len;
};

/*
 * Read the request; then write flags and reserved[1] back as they were
 * read. The struct spans at most two pages and those two fields sit on
 * either end of it: a struct that can be read but not written fails here
 * with EFAULT, before any data moves, rather than after, which would lose
 * the report of data that did move.
 */
static int io_get(struct sockobj_io __user *uio, struct io_req *req,
		  u64 *reserved)
{
	u64 r0, r1;

	if (!user_access_begin(uio, sizeof(*uio)))
		return -EFAULT;
	unsafe_get_user(req->id, &uio->id, efault);
	unsafe_get_user(req->flags, &uio->flags, efault);
	unsafe_get_user(req->buf, &uio->buf, efault);
	unsafe_get_user(req->len, &uio->len, efault);
	unsafe_get_user(r0, &uio->reserved[0], efault);
	unsafe_get_user(r1, &uio->reserved[1], efault);
	unsafe_put_user(req->flags, &uio->flags, efault);
	unsafe_put_user(r1, &uio->reserved[1], efault);
	user_access_end();
	*reserved = r0 | r1;
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

/*
 * Write the outputs only: done, full_len and addr, and for RECV flags,
 * SOCKOBJ_IO_TRUNC set or cleared (the other fields keep what the caller
 * put there, which is what the whole struct written back held too).
 */
static int io_put(struct sockobj_io __user *uio, const struct io_req *req,
		  bool send, const struct sockobj_io_result *res,
		  const struct sockobj_addr *addr)
{
	if (!user_access_begin(uio, sizeof(*uio)))
		return -EFAULT;
	unsafe_put_user(res->done, &uio->done, efault);
	unsafe_put_user(send ? 0 : res->full_len, &uio->full_len, efault);
	unsafe_copy_to_user((void __user *)&uio->addr, (const void *)addr,
			    sizeof(*addr), efault);
	if (!send)
		unsafe_put_user(req->flags |
				(res->truncated ? SOCKOBJ_IO_TRUNC : 0),
				&uio->flags, efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

static long io(struct sockobj_file *file, void __user *argp, bool send)
{
	struct sockobj_io __user *uio = argp;
	struct sockobj_io_result res = {};
	struct sockobj_addr addr = {};
	struct sockobj_obj *obj;
	struct iov_iter iter;
	struct io_req req;
	struct iovec iov;
	u64 reserved;
	size_t len;
	long ret;

	ret = io_get(uio, &req, &reserved);
	if (ret)
		return ret;
	/*
	 * done, full_len, addr and RECV's SOCKOBJ_IO_TRUNC are outputs: their
	 * input is ignored, so that a struct can be used again as it came back.
	 */
	if (!send)
		req.flags &= ~SOCKOBJ_IO_TRUNC;
	if ((req.flags & ~(send ? 0 : SOCKOBJ_IO_F_ALL)) || reserved)
		return -EINVAL;
	len = min_t(u64, req.len, MAX_RW_COUNT);
	ret = sockobj_import_user(send ? ITER_SOURCE : ITER_DEST,
				  u64_to_user_ptr(req.buf), len, &iov, &iter);
	if (ret)
		return ret;
	obj = sockobj_object_lookup(file, req.id);
	if (!obj)
		return -ENOENT;
	if (send)
		ret = sockobj_data_send(obj, &iter, &res);
	else
		ret = sockobj_data_recv(obj, &iter, req.flags & SOCKOBJ_IO_PEEK,
					&res);
	sockobj_object_put(obj);
	if (ret)
		return ret;
	if (!send)
		sockobj_config_addr_from_sockaddr(&res.from, &addr);
	/*
	 * The data has moved. io_get() found the struct writable: only one
	 * made read-only since (by another thread) loses the report of it.
	 */
	return io_put(uio, &req, send, &res, &addr);
}

static long listen(struct sockobj_file *file, void __user *argp)
{
	struct sockobj_listen u;
	struct sockobj_obj *obj;
	long ret;

	if (copy_from_user(&u, argp, sizeof(u)))
		return -EFAULT;
	if (u.flags || u.pad || u.reserved ||
	    u.inconmode < SOCKOBJ_INCON_ANY || u.inconmode > SOCKOBJ_INCON_TARGET ||
	    u.reconmode > SOCKOBJ_RECON_ANY)
		return -EINVAL;
	obj = sockobj_object_lookup(file, u.id);
	if (!obj)
		return -ENOENT;
	ret = sockobj_conn_listen(obj, &u);
	sockobj_object_put(obj);
	return ret;
}

static long handoff(struct sockobj_file *file, void __user *argp)
{
	struct sockobj_op op;
	long ret;

	ret = get_op(&op, argp, SOCKOBJ_HANDOFF_F_ALL);
	if (ret)
		return ret;
	return sockobj_conn_handoff(file, op.id, op.flags);
}

/*
 * Ops of a batch are copied in, run and answered a chunk at a time. The
 * chunk is a buffer of BATCH_HEAP_OPS ops and their iovecs, so that a
 * coalesced run of SEND or RECV ops spans up to that many ops in one socket
 * call. The file keeps one for its next batch (allocating it for every call
 * cost 12% of a 64 B receive's time in the benchmark); a batch that finds
 * it taken by another thread's allocates its own. Without the memory it is
 * BATCH_STACK_OPS on the stack: the runs are shorter, and the call still
 * cannot fail with ENOMEM. A batch that fits in one chunk is copied in once.
 */
#define BATCH_STACK_OPS 8
#define BATCH_HEAP_OPS 512

struct batch_chunk {
	struct sockobj_batch_op *ops;
	struct iovec *iov;
	u32 cap;
};

static u32 batch_op_flags(u32 op)
{
	switch (op) {
	case SOCKOBJ_OP_DESTROY:
		return SOCKOBJ_DESTROY_F_ALL;
	case SOCKOBJ_OP_RECV:
	case SOCKOBJ_OP_RECVV:
		return SOCKOBJ_IO_PEEK;
	default:
		return 0;
	}
}

static bool batch_op_is_io(u32 op)
{
	return op == SOCKOBJ_OP_SEND || op == SOCKOBJ_OP_RECV;
}

static bool batch_op_is_vec(u32 op)
{
	return op == SOCKOBJ_OP_SENDV || op == SOCKOBJ_OP_RECVV;
}

static bool batch_op_valid(const struct sockobj_batch_op *o)
{
	bool data = batch_op_is_io(o->op) || batch_op_is_vec(o->op);

	if (o->op < SOCKOBJ_OP_CREATE || o->op > SOCKOBJ_OP_RECVV)
		return false;
	if (o->flags & ~batch_op_flags(o->op))
		return false;
	/* len: a buffer's length, a number of iovecs, or nothing */
	if ((!data && o->len) ||
	    (batch_op_is_vec(o->op) && o->len > SOCKOBJ_BATCH_IOV_MAX))
		return false;
	return o->arg ? (o->op == SOCKOBJ_OP_CREATE || o->op == SOCKOBJ_OP_CONFIGURE ||
			 data) :
			(o->op != SOCKOBJ_OP_CREATE && o->op != SOCKOBJ_OP_CONFIGURE);
}

static long batch_create(struct sockobj_file *file, const struct sockobj_batch_op *o)
{
	struct sockobj_create c;
	long ret;

	if (copy_from_user(&c, u64_to_user_ptr(o->arg), sizeof(c)))
		return -EFAULT;
	if (c.flags || c.pad || memchr_inv(c.reserved, 0, sizeof(c.reserved)))
		return -EINVAL;
	ret = sockobj_object_create(file, c.proto, c.cookie, &c.id);
	return ret ?: c.id;
}

/*
 * Move the data of a send or receive op (@send), single or vectored, from
 * or into @iter: the op's result, as its own ioctl would give it.
 */
static long batch_move(struct sockobj_obj *obj, const struct sockobj_batch_op *o,
		       bool send, struct iov_iter *iter)
{
	struct sockobj_io_result res = {};
	long ret;

	if (send)
		ret = sockobj_data_send(obj, iter, &res);
	else
		ret = sockobj_data_recv(obj, iter, o->flags & SOCKOBJ_IO_PEEK,
					&res);
	if (ret)
		return ret;
	/* UDP receive: the datagram's real length, above len when truncated */
	if (!send && obj->proto == SOCKOBJ_PROTO_UDP)
		return min_t(size_t, res.full_len, INT_MAX);
	return res.done;
}

/* A SEND or RECV op alone */
static long batch_io(struct sockobj_obj *obj, const struct sockobj_batch_op *o)
{
	bool send = o->op == SOCKOBJ_OP_SEND;
	struct iov_iter iter;
	struct iovec iov;
	long ret;

	ret = sockobj_import_user(send ? ITER_SOURCE : ITER_DEST,
				  u64_to_user_ptr(o->arg),
				  min_t(u64, o->len, INT_MAX), &iov, &iter);
	return ret ?: batch_move(obj, o, send, &iter);
}

#ifdef CONFIG_COMPAT
#define COMPAT_IOV_SIZE sizeof(struct compat_iovec)

/* Iovec @k of a 32-bit program's array, in a user access section. */
static __always_inline bool compat_iov_get(const void __user *uvec, u32 k,
					   void __user **base, ssize_t *len)
{
	const struct compat_iovec __user *cv = uvec;
	compat_uptr_t cbase;
	compat_size_t clen;

	unsafe_get_user(cbase, &cv[k].iov_base, efault);
	unsafe_get_user(clen, &cv[k].iov_len, efault);
	*base = compat_ptr(cbase);
	*len = (compat_ssize_t)clen;
	return true;
efault:
	return false;
}
#else
#define COMPAT_IOV_SIZE 0

static __always_inline bool compat_iov_get(const void __user *uvec, u32 k,
					   void __user **base, ssize_t *len)
{
	return false;
}
#endif

/*
 * Read @n iovecs at @uvec into @iov, struct compat_iovec (a 32-bit
 * program's) when @compat, else struct iovec, and check them: the total,
 * capped at MAX_RW_COUNT, or an error in readv(2)'s order: EFAULT for an
 * array that cannot be read, then EINVAL for a length above SSIZE_MAX (the
 * compat one's), then EFAULT for a buffer outside user memory. The user's
 * array is read once, element by element, as copy_iovec_from_user() reads
 * it since 6.4, not copied whole and then read again (for 512 iovecs the
 * copy alone moved 8 KiB per op). The kernel's own reader of either
 * layout, __import_iovec(), is not exported (up to 7.2 at least), and
 * import_iovec() chooses by in_compat_syscall(), which says nothing of the
 * ring's task in an io-wq worker or the SQPOLL thread.
 */
static ssize_t batch_iov_read(struct iovec *iov, const void __user *uvec,
			      u32 n, bool compat)
{
	const struct iovec __user *nv = uvec;
	bool inval = false;
	size_t total = 0;
	u32 k;

	if (!user_access_begin(uvec, array_size(n, compat ? COMPAT_IOV_SIZE :
							     sizeof(*nv))))
		return -EFAULT;
	for (k = 0; k < n; k++) {
		void __user *base;
		ssize_t len;

		if (compat) {
			if (!compat_iov_get(uvec, k, &base, &len))
				goto efault;
		} else {
			unsafe_get_user(base, &nv[k].iov_base, efault);
			unsafe_get_user(len, &nv[k].iov_len, efault);
		}
		inval |= len < 0;
		iov[k].iov_base = base;
		iov[k].iov_len = len;
	}
	user_access_end();
	if (inval)
		return -EINVAL;
	/* access_ok() may be a call, which a user access section forbids. */
	for (k = 0; k < n; k++) {
		if (!access_ok(iov[k].iov_base, iov[k].iov_len))
			return -EFAULT;
		iov[k].iov_len = min_t(size_t, iov[k].iov_len,
				       MAX_RW_COUNT - total);
		total += iov[k].iov_len;
	}
	return total;
efault:
	user_access_end();
	return -EFAULT;
}

/*
 * A SENDV or RECVV op: one sendmsg() or recvmsg() over the caller's iovec
 * array, in the layout @compat says (a 32-bit program's, or the native
 * one), each buffer checked and the total capped at MAX_RW_COUNT as
 * readv(2) and writev(2) do. Up to UIO_FASTIOV iovecs are copied to the
 * stack; more into the file's kept array (allocated once, charged to the
 * caller, as the objects are: an allocation per op, zeroed on
 * init_on_alloc kernels such as Debian's, was 8% of a receive into 512
 * 64 B buffers), or, while another op of the file holds that, into an
 * allocation of the op's own. Not inlined: the fast iovecs stay off
 * batch()'s frame.
 */
static noinline_for_stack long batch_iov(struct sockobj_file *file,
					 struct sockobj_obj *obj,
					 const struct sockobj_batch_op *o,
					 bool compat)
{
	struct iovec fast[UIO_FASTIOV], *kept = NULL, *iov = fast;
	bool send = o->op == SOCKOBJ_OP_SENDV;
	struct iov_iter iter;
	ssize_t total;
	long ret;

	if (o->len > UIO_FASTIOV) {
		kept = xchg(&file->batch_iov, NULL);
		if (!kept)
			kept = kmalloc_array(SOCKOBJ_BATCH_IOV_MAX, sizeof(*kept),
					     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		iov = kept ?: kmalloc_array(o->len, sizeof(*iov), GFP_KERNEL);
		if (!iov)
			return -ENOMEM;
	}
	total = batch_iov_read(iov, u64_to_user_ptr(o->arg), o->len, compat);
	if (total >= 0) {
		iov_iter_init(&iter, send ? ITER_SOURCE : ITER_DEST, iov,
			      o->len, total);
		ret = batch_move(obj, o, send, &iter);
	} else {
		ret = total;
	}
	if (kept) {
		if (cmpxchg(&file->batch_iov, NULL, kept))
			kfree(kept);
	} else if (iov != fast) {
		kfree(iov);
	}
	return ret;
}

/*
 * One op of a batch; @last is the id the batch created last, or 0; @compat:
 * a SENDV or RECVV op's iovec array has the 32-bit layout. Not inlined: its
 * configuration stays off batch()'s frame, which holds a chunk.
 */
static noinline_for_stack long batch_one(struct sockobj_file *file,
					 const struct sockobj_batch_op *o,
					 u32 last, bool compat)
{
	struct sockobj_config cfg;
	struct sockobj_obj *obj;
	u32 id = o->id ?: last;
	long ret;

	if (o->op == SOCKOBJ_OP_CREATE)
		return batch_create(file, o);
	if (!id)
		return -ENOENT;
	if (o->op == SOCKOBJ_OP_DESTROY)
		return sockobj_object_remove(file, id, o->flags);
	if (o->op == SOCKOBJ_OP_CONFIGURE) {
		if (copy_from_user(&cfg, u64_to_user_ptr(o->arg), sizeof(cfg)))
			return -EFAULT;
		if (cfg.flags || memchr_inv(cfg.reserved, 0, sizeof(cfg.reserved)))
			return -EINVAL;
	}
	obj = sockobj_object_lookup(file, id);
	if (!obj)
		return -ENOENT;
	switch (o->op) {
	case SOCKOBJ_OP_CONFIGURE:
		ret = sockobj_conn_configure(obj, &cfg);
		break;
	case SOCKOBJ_OP_CONNECT:
		ret = sockobj_conn_connect(obj);
		break;
	case SOCKOBJ_OP_SEND:
	case SOCKOBJ_OP_RECV:
		ret = batch_io(obj, o);
		break;
	case SOCKOBJ_OP_SENDV:
	case SOCKOBJ_OP_RECVV:
		ret = batch_iov(file, obj, o, compat);
		break;
	case SOCKOBJ_OP_DISCONNECT:
		ret = sockobj_conn_disconnect(obj);
		break;
	default:
		ret = sockobj_conn_abort(obj);
		break;
	}
	sockobj_object_put(obj);
	return ret;
}

/**
 * sockobj_ioctl_batch_op() - run one op outside a batch
 * @file: the open context
 * @o: the op, a kernel copy not yet validated (its result is ignored)
 * @compat: a SENDV or RECVV op's iovec array has the 32-bit layout
 *
 * Description: the io_uring passthrough's way in (uring.c): the op is
 * checked as a batch checks each of its ops, then run as one; there is no
 * object created last, so an id of 0 is -ENOENT except for CREATE.
 *
 * Context: process (the ring's submitter, its SQPOLL thread or an io-wq
 * worker, all with the ring's user memory).
 * Return: the op's result as SOCKOBJ_IOC_BATCH would write it, or -EINVAL
 * for an op that would make a batch fail with EINVAL.
 */
long sockobj_ioctl_batch_op(struct sockobj_file *file,
			    const struct sockobj_batch_op *o, bool compat)
{
	if (!batch_op_valid(o))
		return -EINVAL;
	return batch_one(file, o, 0, compat);
}

/* The rest of a SEND op's buffer from @off, alone: its new result. */
static long batch_send_rest(struct sockobj_obj *obj, const struct iovec *iov,
			    size_t off)
{
	struct iovec rest = {
		.iov_base = iov->iov_base + off,
		.iov_len = iov->iov_len - off,
	};
	struct sockobj_io_result res = {};
	struct iov_iter iter;
	long ret;

	iov_iter_init(&iter, ITER_SOURCE, &rest, 1, rest.iov_len);
	ret = sockobj_data_send(obj, &iter, &res);
	if (ret)
		return off ?: ret;
	return off + res.done;
}

/* Whether ops a and b can share one socket call: same kind, no peeking */
static bool batch_io_joins(const struct sockobj_batch_op *a,
			   const struct sockobj_batch_op *b)
{
	return b->op == a->op && !(b->flags & SOCKOBJ_IO_PEEK);
}

/* Whether a SEND or RECV op that ran moved fewer bytes than it asked for. */
static bool batch_io_short(const struct sockobj_batch_op *o)
{
	return o->result < 0 ||
	       (u64)o->result < min_t(u64, o->len, INT_MAX);
}

/*
 * Consecutive SEND ops of a chunk on one TCP object go to the socket as one
 * sendmsg() over all their buffers, and consecutive RECV ops (not peeking)
 * as one recvmsg() into theirs: a stream keeps no boundaries, and one call
 * costs about what one small send or receive did. Each op still gets the
 * result it would have had alone. The ops the socket filled or took whole
 * get their length. Where it stopped short (out of room or out of data, or
 * a bad buffer further on), that op gets what moved into or out of it, the
 * rest of a SEND op sent alone, a RECV op that got nothing run alone, and
 * the run ends: the ops after it run on their own (a SEND gets -EAGAIN when
 * room ran out, a RECV -EAGAIN, or 0 once the peer closed). When nothing
 * moved because a buffer faulted, the first op runs alone to tell whose
 * buffer it was. An op that cannot join (another object, UDP, a peek) runs
 * alone through batch_one() (SEND and RECV ops have no iovec array whose
 * layout would matter).
 *
 * @iov has room for @n iovecs. @checked: @ops are the copy batch_validate()
 * checked, so the ops need no second look.
 *
 * Return: the number of ops of @ops that ran (at least one).
 */
static noinline_for_stack u32 batch_io_run(struct sockobj_file *file,
					   struct sockobj_batch_op *ops,
					   struct iovec *iov, u32 n, u32 last,
					   bool checked)
{
	bool send = ops[0].op == SOCKOBJ_OP_SEND;
	struct sockobj_io_result res = {};
	u32 id = ops[0].id ?: last;
	struct sockobj_obj *obj;
	struct iov_iter iter;
	size_t total = 0;
	u32 m, k;
	long ret;

	obj = id ? sockobj_object_lookup(file, id) : NULL;
	for (m = 0; obj && obj->proto == SOCKOBJ_PROTO_TCP && m < n; m++) {
		void __user *buf = u64_to_user_ptr(ops[m].arg);
		size_t len = min_t(u64, ops[m].len, INT_MAX);

		if (!batch_io_joins(&ops[0], &ops[m]) ||
		    (!checked && !batch_op_valid(&ops[m])) ||
		    (ops[m].id ?: last) != id || len > MAX_RW_COUNT - total ||
		    !access_ok(buf, len))
			break;
		iov[m].iov_base = buf;
		iov[m].iov_len = len;
		total += len;
	}
	if (m < 2)
		goto alone;
	iov_iter_init(&iter, send ? ITER_SOURCE : ITER_DEST, iov, m, total);
	if (send)
		ret = sockobj_data_send(obj, &iter, &res);
	else
		ret = sockobj_data_recv(obj, &iter, false, &res);
	if (ret == -EFAULT)
		goto alone;
	if (ret) {
		ops[0].result = ret;
		sockobj_object_put(obj);
		return 1;
	}
	for (k = 0; k < m && res.done >= iov[k].iov_len; k++) {
		ops[k].result = iov[k].iov_len;
		res.done -= iov[k].iov_len;
	}
	if (k < m) {
		if (send)
			ops[k].result = batch_send_rest(obj, &iov[k], res.done);
		else
			ops[k].result = res.done ?:
					batch_one(file, &ops[k], last, false);
		k++;
	}
	sockobj_object_put(obj);
	return k;

alone:
	if (obj)
		sockobj_object_put(obj);
	ops[0].result = batch_one(file, &ops[0], last, false);
	return 1;
}

/*
 * The chunk for a batch of @count ops, when more than the stack's would
 * hold: the file's kept one, or one allocated if the memory is there
 * (charged to the caller, as the objects are); else @stack's.
 */
static void batch_chunk_init(struct sockobj_file *file, struct batch_chunk *c,
			     struct batch_chunk *stack, u32 count)
{
	*c = *stack;
	if (count <= stack->cap)
		return;
	c->ops = xchg(&file->batch_chunk, NULL);
	if (!c->ops)
		c->ops = kmalloc_array(BATCH_HEAP_OPS,
				       sizeof(*c->ops) + sizeof(*c->iov),
				       GFP_KERNEL_ACCOUNT | __GFP_NOWARN |
				       __GFP_NORETRY);
	if (!c->ops) {
		*c = *stack;
		return;
	}
	c->iov = (struct iovec *)(c->ops + BATCH_HEAP_OPS);
	c->cap = min_t(u32, count, BATCH_HEAP_OPS);
}

/* Keep the chunk for the file's next batch, unless one is kept already. */
static void batch_chunk_done(struct sockobj_file *file, struct batch_chunk *c,
			     struct batch_chunk *stack)
{
	if (c->ops != stack->ops && cmpxchg(&file->batch_chunk, NULL, c->ops))
		kfree(c->ops);
}

/*
 * Validate every op of @b before running any, so that a bad batch does
 * nothing. Return: 0, -EINVAL or -EFAULT.
 */
static int batch_validate(const struct sockobj_batch *b,
			  struct sockobj_batch_op __user *uops,
			  const struct batch_chunk *c)
{
	u32 i, k, n;

	for (i = 0; i < b->count; i += n) {
		n = min_t(u32, c->cap, b->count - i);
		if (copy_from_user(c->ops, uops + i, n * sizeof(*c->ops)))
			return -EFAULT;
		for (k = 0; k < n; k++)
			if (!batch_op_valid(&c->ops[k]))
				return -EINVAL;
	}
	return 0;
}

/*
 * Write back the results of @n ops, and nothing else of them: the rest of
 * each op is the caller's, as it wrote it. Four bytes per op rather than
 * the whole 32 (the copy of the full ops cost a tenth of a 64 B op).
 */
static int batch_put_results(struct sockobj_batch_op __user *uops,
			     const struct sockobj_batch_op *ops, u32 n)
{
	u32 k;

	if (!user_access_begin(uops, n * sizeof(*uops)))
		return -EFAULT;
	for (k = 0; k < n; k++)
		unsafe_put_user(ops[k].result, &uops[k].result, efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

/*
 * Run the ops of @b, a chunk at a time, and write their results back;
 * b->done counts the ops that ran. Return: 0 or -EFAULT.
 */
static noinline_for_stack int batch_run(struct sockobj_file *file,
					struct sockobj_batch *b,
					struct sockobj_batch_op __user *uops,
					const struct batch_chunk *c)
{
	struct sockobj_batch_op *ops = c->ops;
	/*
	 * A batch of one chunk runs the copy batch_validate() checked: its ops
	 * are not checked again (the benchmark's profile put the checks at a
	 * quarter of what a 64 B op costs beyond its socket call). A longer
	 * one is copied again, chunk by chunk, and the array may have changed
	 * since: each op is checked as it runs.
	 */
	bool checked = b->count <= c->cap;
	u32 i, n, last = 0, short_id = 0;
	bool stop = false;

	b->done = 0;
	for (i = 0; i < b->count && !stop; i += n) {
		u32 k;

		n = min_t(u32, c->cap, b->count - i);
		if (!checked && copy_from_user(ops, uops + i, n * sizeof(*ops)))
			return -EFAULT;
		for (k = 0; k < n && !stop; ) {
			u32 id = ops[k].id ?: last;
			u32 ran = 1, end;

			if (!checked && !batch_op_valid(&ops[k]))
				ops[k].result = -EINVAL;
			else if (batch_op_is_io(ops[k].op) &&
				 !(ops[k].flags & SOCKOBJ_IO_PEEK) &&
				 id != short_id)
				ran = batch_io_run(file, ops + k, c->iov, n - k,
						   last, checked);
			else
				ops[k].result = batch_one(file, &ops[k], last,
							  in_compat_syscall());
			/*
			 * Once an object's run stopped short (out of room or
			 * data), its next SEND or RECV runs alone until one
			 * moves all its bytes: joining the rest again would
			 * build their iovecs anew for each op that then finds
			 * nothing, quadratic in the ops left.
			 */
			if (batch_op_is_io(ops[k + ran - 1].op))
				short_id = batch_io_short(&ops[k + ran - 1]) ?
					   id : 0;
			/* Only the last op of a run can have failed. */
			for (end = k + ran; k < end; k++) {
				long r = ops[k].result;

				if (ops[k].op == SOCKOBJ_OP_CREATE)
					last = r > 0 ? r : 0;
				b->done++;
				if ((r < 0 && (b->flags & SOCKOBJ_BATCH_STOP)) ||
				    fatal_signal_pending(current))
					stop = true;
			}
			cond_resched();
		}
		if (batch_put_results(uops + i, ops, k))
			return -EFAULT;
	}
	return 0;
}

/*
 * Move records from a file's mapped ring into @buf, as take_records(); the
 * ring's head moves past each record once it has been copied.
 */
static ssize_t take_mapped(struct sockobj_file *file, char __user *buf,
			   size_t count)
{
	struct sockobj_event ev;
	size_t copied = 0;
	int ret = 0;
	u32 head;

	while (count - copied >= sizeof(ev)) {
		ret = sockobj_event_mring_take(file, &ev, &head);
		if (ret)
			break;
		if (copy_to_user(buf + copied, &ev, sizeof(ev))) {
			ret = -EFAULT;
			break;
		}
		sockobj_event_mring_advance(file, head);
		copied += sizeof(ev);
	}
	return copied ?: ret;
}

/*
 * Move pending records into @buf (@count bytes), oldest first, with the
 * file's read mutex held. A record leaves the queue only once it has been
 * copied, so -EFAULT loses nothing.
 * Return: bytes copied, else -EAGAIN (none pending), -EFAULT, or -EINVAL
 * (a mapped ring whose head the program left out of range).
 */
static ssize_t take_records(struct sockobj_file *file, char __user *buf,
			    size_t count)
{
	struct sockobj_event ev;
	struct sockobj_obj *obj;
	size_t copied = 0;
	int ret = 0;

	lockdep_assert_held(&file->read_mutex);
	/* Set under the read mutex: fixed for this call. */
	if (file->mring)
		return take_mapped(file, buf, count);
	while (count - copied >= sizeof(ev)) {
		ret = sockobj_event_peek(file, &ev, &obj);
		if (ret)
			break;
		if (copy_to_user(buf + copied, &ev, sizeof(ev))) {
			sockobj_object_put(obj);
			ret = -EFAULT;
			break;
		}
		sockobj_event_commit(file, obj, &ev);
		trace_sockobj_deliver(ev.id, ev.type, ev.seq, ev.state);
		copied += sizeof(ev);
	}
	return copied ?: ret;
}

static long ring_setup(struct sockobj_file *file, void __user *argp)
{
	struct sockobj_ring_setup rs;
	struct sockobj_mring *m;

	if (copy_from_user(&rs, argp, sizeof(rs)))
		return -EFAULT;
	/* size and the offsets are outputs: their input is ignored. */
	if (!is_power_of_2(rs.entries) ||
	    rs.entries > SOCKOBJ_RING_MAX_ENTRIES || rs.flags || rs.pad ||
	    memchr_inv(rs.reserved, 0, sizeof(rs.reserved)))
		return -EINVAL;
	m = sockobj_event_mring_create(file, &rs);
	if (IS_ERR(m))
		return PTR_ERR(m);
	/* Answered before it is installed: a failed request changes nothing. */
	if (copy_to_user(argp, &rs, sizeof(rs))) {
		sockobj_event_mring_destroy(m);
		return -EFAULT;
	}
	return sockobj_event_mring_install(file, m);
}

static bool batch_header_valid(const struct sockobj_batch *b)
{
	bool wait = b->flags & SOCKOBJ_BATCH_WAIT;

	/* done is an output: its input is ignored (a struct may be reused). */
	if (b->count > SOCKOBJ_BATCH_MAX || (b->flags & ~SOCKOBJ_BATCH_F_ALL) ||
	    b->reserved)
		return false;
	if (!b->events != !b->nevents || b->nevents > SOCKOBJ_BATCH_EVENTS_MAX)
		return false;
	if ((wait && !b->events) || (b->wait_ms && !wait))
		return false;
	return b->count || b->events;
}

/*
 * The records part of a batch whose ops ran: move pending records into
 * b->events, first waiting for one up to b->wait_ms under
 * SOCKOBJ_BATCH_WAIT unless SOCKOBJ_BATCH_STOP cut the batch short or a
 * fatal signal is pending. Any other signal ends the wait with none.
 * Return: 0 (b->nevents set) or -EFAULT (none taken).
 */
static int batch_events(struct sockobj_file *file, struct sockobj_batch *b)
{
	char __user *buf = u64_to_user_ptr(b->events);
	size_t size = (size_t)b->nevents * sizeof(struct sockobj_event);
	long left = 0;
	ssize_t n;

	if ((b->flags & SOCKOBJ_BATCH_WAIT) && b->done == b->count &&
	    !fatal_signal_pending(current))
		left = b->wait_ms == SOCKOBJ_WAIT_FOREVER ? MAX_SCHEDULE_TIMEOUT :
			msecs_to_jiffies(b->wait_ms);
	b->nevents = 0;
	for (;;) {
		if (mutex_lock_interruptible(&file->read_mutex))
			return 0;
		n = take_records(file, buf, size);
		mutex_unlock(&file->read_mutex);
		if (n != -EAGAIN)
			break;
		/* Another reader may take what woke us: then wait again. */
		if (!left)
			return 0;
		left = sockobj_event_wait_timeout(file, left);
		if (left <= 0)
			return 0;
	}
	if (n < 0)
		return n;
	b->nevents = n / sizeof(struct sockobj_event);
	return 0;
}

static long batch(struct sockobj_file *file, void __user *argp)
{
	struct {
		struct sockobj_batch_op ops[BATCH_STACK_OPS];
		struct iovec iov[BATCH_STACK_OPS];
	} on_stack;
	struct batch_chunk c, stack = {
		.ops = on_stack.ops, .iov = on_stack.iov, .cap = BATCH_STACK_OPS,
	};
	struct sockobj_batch_op __user *uops;
	struct sockobj_batch b;
	int ret = 0;	/* a batch of records only runs no op */

	if (copy_from_user(&b, argp, sizeof(b)))
		return -EFAULT;
	if (!batch_header_valid(&b))
		return -EINVAL;
	uops = u64_to_user_ptr(b.ops);
	b.done = 0;
	if (b.count) {
		batch_chunk_init(file, &c, &stack, b.count);
		ret = batch_validate(&b, uops, &c);
		if (!ret)
			ret = batch_run(file, &b, uops, &c);
		batch_chunk_done(file, &c, &stack);
		if (ret && !b.done)
			return ret;
	}
	if (!ret && b.events) {
		/*
		 * Records leave the queue for good once taken: take none
		 * unless the count of them can reach the caller.
		 */
		if (put_user(b.done, &((struct sockobj_batch __user *)argp)->done))
			ret = -EFAULT;
		else
			ret = batch_events(file, &b);
		if (ret && !b.done)
			return ret;
	}
	/* A call that fails takes no record (a failed take leaves them). */
	if (ret)
		b.nevents = 0;
	/* Ops that ran have had their effect: report them, even after a fault. */
	if (copy_to_user(argp, &b, sizeof(b)))
		return -EFAULT;
	return ret;
}

/**
 * sockobj_ioctl_dispatch() - run one ioctl of the device
 * @file: the open context
 * @cmd: the command
 * @arg: its argument, a user pointer
 *
 * Context: process (the caller's ioctl).
 * Return: 0 (the new fd for SOCKOBJ_IOC_HANDOFF) or a negative errno as
 * documented in uapi/linux/sockobj.h;
 * -ENOTTY for a command that is not ours (including a known number with a
 * wrong size or direction).
 */
long sockobj_ioctl_dispatch(struct sockobj_file *file, unsigned int cmd,
			    unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	/*
	 * API version 1 numbered every ioctl under GET_API's magic, since
	 * given to other drivers: programs built for it keep working. Its
	 * last one was BATCH; later ioctls have only their new number.
	 */
	if (_IOC_TYPE(cmd) == SOCKOBJ_IOC_API_MAGIC && _IOC_NR(cmd) != 0 &&
	    _IOC_NR(cmd) <= _IOC_NR(SOCKOBJ_IOC_BATCH))
		cmd = _IOC(_IOC_DIR(cmd), SOCKOBJ_IOC_MAGIC, _IOC_NR(cmd),
			   _IOC_SIZE(cmd));

	switch (cmd) {
	case SOCKOBJ_IOC_GET_API:
		return get_api(argp);
	case SOCKOBJ_IOC_CREATE:
		return create(file, argp);
	case SOCKOBJ_IOC_DESTROY:
		return destroy(file, argp);
	case SOCKOBJ_IOC_CONFIGURE:
		return configure(file, argp);
	case SOCKOBJ_IOC_GET_CONFIG:
		return get_config(file, argp);
	case SOCKOBJ_IOC_CONNECT:
		return object_op(file, argp, sockobj_conn_connect);
	case SOCKOBJ_IOC_DISCONNECT:
		return object_op(file, argp, sockobj_conn_disconnect);
	case SOCKOBJ_IOC_ABORT:
		return object_op(file, argp, sockobj_conn_abort);
	case SOCKOBJ_IOC_GET_INFO:
		return get_info(file, argp);
	case SOCKOBJ_IOC_SEND:
		return io(file, argp, true);
	case SOCKOBJ_IOC_RECV:
		return io(file, argp, false);
	case SOCKOBJ_IOC_HANDOFF:
		return handoff(file, argp);
	case SOCKOBJ_IOC_BATCH:
		return batch(file, argp);
	case SOCKOBJ_IOC_SET_RETRY:
		return set_retry(file, argp);
	case SOCKOBJ_IOC_GET_RETRY:
		return get_retry(file, argp);
	case SOCKOBJ_IOC_LISTEN:
		return listen(file, argp);
	case SOCKOBJ_IOC_RING_SETUP:
		return ring_setup(file, argp);
	default:
		return -ENOTTY;
	}
}

/**
 * sockobj_ioctl_read() - read() of the device: copy out event records
 * @file: the open context
 * @buf: the user buffer
 * @count: its size
 * @nonblock: O_NONBLOCK
 *
 * Blocks only until the first record, and not holding the read mutex: a
 * non-blocking reader of the same file never waits for a blocking one
 * (it does not wait for one copying records out either: -EAGAIN). A
 * record leaves the queue only once it has been copied, so -EFAULT loses
 * nothing.
 *
 * Context: process.
 * Return: bytes copied (a multiple of the record size), -EINVAL for a
 * buffer smaller than one record, -EAGAIN, -ERESTARTSYS or -EFAULT.
 */
ssize_t sockobj_ioctl_read(struct sockobj_file *file, char __user *buf,
			   size_t count, bool nonblock)
{
	ssize_t ret;

	if (count < sizeof(struct sockobj_event))
		return -EINVAL;
	for (;;) {
		if (nonblock) {
			if (!mutex_trylock(&file->read_mutex))
				return -EAGAIN;
		} else if (mutex_lock_interruptible(&file->read_mutex)) {
			return -ERESTARTSYS;
		}
		ret = take_records(file, buf, count);
		mutex_unlock(&file->read_mutex);
		if (nonblock || ret != -EAGAIN)
			return ret;
		/* Another reader may take what woke us: then wait again. */
		ret = sockobj_event_wait(file);
		if (ret)
			return ret;
	}
}
