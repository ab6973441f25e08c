// SPDX-License-Identifier: MIT
/*
 * libsockobj: the context (one open /dev/sockobj) and versions. The ioctl
 * boundary, do_ioctl(), and its EINTR policy are in internal.h.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"

#define SOCKOBJ_DEV_PATH	"/dev/" SOCKOBJ_DEVICE_NAME

/**
 * sockobj_lib_version() - version of the library in use at run time
 *
 * Context: any.
 * Return: SOCKOBJ_LIB_VERSION_NUM(major, minor) of the library.
 */
SOCKOBJ_EXPORT int sockobj_lib_version(void)
{
	return SOCKOBJ_LIB_VERSION;
}

/*
 * The descriptor users poll: an epoll instance over the device and the
 * queue's eventfd (see internal.h), with the context's blocking mode.
 */
static int ctx_pollfd(struct sockobj_ctx *ctx, unsigned int flags)
{
	struct epoll_event ee = { .events = EPOLLIN };

	ctx->queue.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ctx->queue.efd < 0)
		return -errno;
	ctx->pollfd = epoll_create1(EPOLL_CLOEXEC);
	if (ctx->pollfd < 0)
		return -errno;
	if ((flags & SOCKOBJ_OPEN_NONBLOCK) &&
	    fcntl(ctx->pollfd, F_SETFL, O_NONBLOCK) < 0)
		return -errno;
	ee.data.fd = ctx->fd;
	if (epoll_ctl(ctx->pollfd, EPOLL_CTL_ADD, ctx->fd, &ee) < 0)
		return -errno;
	ee.data.fd = ctx->queue.efd;
	if (epoll_ctl(ctx->pollfd, EPOLL_CTL_ADD, ctx->queue.efd, &ee) < 0)
		return -errno;
	return 0;
}

static void ctx_free(struct sockobj_ctx *ctx)
{
	/* Linux releases an fd even when close() reports EINTR. */
	if (ctx->pollfd >= 0)
		close(ctx->pollfd);
	if (ctx->queue.efd >= 0)
		close(ctx->queue.efd);
	__sockobj_ring_unmap(ctx);
	if (ctx->fd >= 0)
		close(ctx->fd);
	__sockobj_queue_free(&ctx->queue);
	free(ctx);
}

/**
 * sockobj_open() - open /dev/sockobj as a new context
 * @ctxp: where the new context is stored
 * @flags: 0 or SOCKOBJ_OPEN_NONBLOCK
 *
 * Context: process. The context's sockets live in the caller's network
 * namespace. It holds three descriptors: the device, an eventfd and the
 * epoll instance sockobj_fd() returns.
 * Return: 0 with *@ctxp set, or a negative errno (-ENOENT: no module).
 */
SOCKOBJ_EXPORT int sockobj_open(struct sockobj_ctx **ctxp, unsigned int flags)
{
	struct sockobj_ctx *ctx;
	int ret;

	if (!ctxp || (flags & ~SOCKOBJ_OPEN_F_ALL))
		return -EINVAL;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->pollfd = -1;
	ctx->queue.efd = -1;

	/*
	 * open(2) of a character device is not restarted by the kernel. The
	 * device is non-blocking whatever @flags say: see internal.h.
	 */
	do {
		ctx->fd = open(SOCKOBJ_DEV_PATH, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	} while (ctx->fd < 0 && errno == EINTR);
	ret = ctx->fd < 0 ? -errno : ctx_pollfd(ctx, flags);
	if (ret < 0) {
		ctx_free(ctx);
		return ret;
	}

	*ctxp = ctx;
	return 0;
}

/**
 * sockobj_close() - close a context and free it
 * @ctx: the context, or NULL
 *
 * Context: process. Destroys the objects when this is the file's last
 * reference.
 */
SOCKOBJ_EXPORT void sockobj_close(struct sockobj_ctx *ctx)
{
	if (ctx)
		ctx_free(ctx);
}

/**
 * sockobj_fd() - the context's file descriptor, for poll(2) and epoll(7)
 * @ctx: the context
 *
 * Context: any. Readable while the kernel or the library holds a record.
 * Return: the descriptor.
 */
SOCKOBJ_EXPORT int sockobj_fd(const struct sockobj_ctx *ctx)
{
	return ctx->pollfd;
}

/**
 * sockobj_get_api() - query the module's API (SOCKOBJ_IOC_GET_API)
 * @ctx: the context
 * @api: filled in
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_get_api(struct sockobj_ctx *ctx,
				   struct sockobj_api *api)
{
	memset(api, 0, sizeof(*api));
	return do_ioctl(ctx, SOCKOBJ_IOC_GET_API, api);
}

/*
 * The ioctl structs only grow by appending and numbers are never reused,
 * so a module of a later API version serves this header; an earlier one
 * may lack what the header declares. The record size must match exactly:
 * read() returns whole records of the module's size.
 */
/**
 * sockobj_check_api() - check that the module suits this library
 * @ctx: the context
 *
 * Context: process.
 * Return: 0, -EPROTO for an unsuitable module, or another negative errno.
 */
SOCKOBJ_EXPORT int sockobj_check_api(struct sockobj_ctx *ctx)
{
	struct sockobj_api api;
	int ret;

	ret = sockobj_get_api(ctx, &api);
	if (ret < 0)
		return ret;
	if (api.api_version < SOCKOBJ_API_VERSION ||
	    api.event_size != sizeof(struct sockobj_event))
		return -EPROTO;
	return 0;
}
