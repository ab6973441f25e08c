// SPDX-License-Identifier: MIT
/*
 * libsockobj: object operations and configuration.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/**
 * sockobj_create() - create a CLOSED object (SOCKOBJ_IOC_CREATE)
 * @ctx: the context
 * @proto: SOCKOBJ_PROTO_TCP or SOCKOBJ_PROTO_UDP
 * @cookie: opaque value returned in the object's events
 *
 * Context: process.
 * Return: the new object's id (> 0) or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_create(struct sockobj_ctx *ctx, unsigned int proto,
				  uint64_t cookie)
{
	struct sockobj_create cr;
	struct sockobj_op op;
	int ret;

	memset(&cr, 0, sizeof(cr));
	cr.proto = proto;
	cr.cookie = cookie;
	ret = do_ioctl(ctx, SOCKOBJ_IOC_CREATE, &cr);
	if (ret < 0)
		return ret;
	if (cr.id == 0)
		return -EPROTO;
	if (cr.id > INT_MAX) {
		/* Cannot be returned as an int: do not leak the object. */
		memset(&op, 0, sizeof(op));
		op.id = cr.id;
		do_ioctl(ctx, SOCKOBJ_IOC_DESTROY, &op);
		return -EOVERFLOW;
	}
	return (int)cr.id;
}

/**
 * sockobj_create_data() - create a CLOSED object whose cookie is a pointer
 * @ctx: the context
 * @proto: SOCKOBJ_PROTO_TCP or SOCKOBJ_PROTO_UDP
 * @data: any pointer (or NULL), given back by sockobj_event_get_data() and
 *	sockobj_info_get_data()
 *
 * Context: process.
 * Return: the new object's id (> 0) or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_create_data(struct sockobj_ctx *ctx,
				       unsigned int proto, void *data)
{
	/* Through uintptr_t: a pointer to an integer of its own width first. */
	return sockobj_create(ctx, proto, (uint64_t)(uintptr_t)data);
}

/**
 * sockobj_info_get_data() - the pointer sockobj_create_data() was given
 * @info: what sockobj_get_info() returned
 *
 * Context: any.
 * Return: @info->cookie as a pointer.
 */
SOCKOBJ_EXPORT void *sockobj_info_get_data(const struct sockobj_info *info)
{
	return (void *)(uintptr_t)info->cookie;
}

static int do_op(struct sockobj_ctx *ctx, unsigned long cmd, unsigned int id,
		 unsigned int flags)
{
	struct sockobj_op op;

	memset(&op, 0, sizeof(op));
	op.id = id;
	op.flags = flags;
	return do_ioctl(ctx, cmd, &op);
}

/**
 * sockobj_destroy() - destroy an object (SOCKOBJ_IOC_DESTROY)
 * @ctx: the context
 * @id: the object
 * @flags: 0 or SOCKOBJ_DESTROY_ABORT
 *
 * Context: process. Also drops the object's records from the library's queue.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_destroy(struct sockobj_ctx *ctx, unsigned int id,
				   unsigned int flags)
{
	int ret;

	ret = do_op(ctx, SOCKOBJ_IOC_DESTROY, id, flags);
	/*
	 * The kernel discards the object's undelivered records and no record
	 * of the id follows; the library's queue must keep that promise too,
	 * the more so as a later object may get the same id.
	 */
	if (ret == 0)
		__sockobj_queue_drop_id(ctx, id);
	return ret;
}

/**
 * sockobj_connect() - start an asynchronous active open (SOCKOBJ_IOC_CONNECT)
 * @ctx: the context
 * @id: the object, CLOSED
 *
 * Context: process. The socket is created with the caller's credentials.
 * Return: 0 once the attempt has started (its outcome comes as events), or a
 * negative errno.
 */
SOCKOBJ_EXPORT int sockobj_connect(struct sockobj_ctx *ctx, unsigned int id)
{
	return do_op(ctx, SOCKOBJ_IOC_CONNECT, id, 0);
}

/**
 * sockobj_listen() - start a passive open (SOCKOBJ_IOC_LISTEN)
 * @ctx: the context
 * @id: the object, CLOSED, TCP, with a local port
 * @inconmode: SOCKOBJ_INCON_*: the peers it accepts
 * @backlog: listen(2)'s backlog if its listening socket is new, 0 for
 *	SOMAXCONN
 *
 * Context: process. The listening socket is the context opener's.
 * Return: 0 once the object is LISTENING, or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_listen(struct sockobj_ctx *ctx, unsigned int id,
				  unsigned int inconmode, unsigned int backlog)
{
	struct sockobj_listen l = {
		.id = id,
		.inconmode = inconmode,
		.backlog = backlog,
	};

	return do_ioctl(ctx, SOCKOBJ_IOC_LISTEN, &l);
}

/**
 * sockobj_listen_reconnect() - start a passive open whose connection a
 *	reconnect may replace (SOCKOBJ_IOC_LISTEN with a reconmode)
 * @ctx: the context
 * @id: the object, CLOSED, TCP, with a local port
 * @inconmode: SOCKOBJ_INCON_*: the peers it accepts
 * @reconmode: SOCKOBJ_RECON_*: the connections that replace the one it took
 * @backlog: listen(2)'s backlog if its listening socket is new, 0 for
 *	SOMAXCONN
 *
 * Context: process. The listening socket is the context opener's.
 * Return: 0 once the object is LISTENING, or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_listen_reconnect(struct sockobj_ctx *ctx,
					    unsigned int id,
					    unsigned int inconmode,
					    unsigned int reconmode,
					    unsigned int backlog)
{
	struct sockobj_listen l = {
		.id = id,
		.inconmode = inconmode,
		.reconmode = reconmode,
		.backlog = backlog,
	};

	return do_ioctl(ctx, SOCKOBJ_IOC_LISTEN, &l);
}

/**
 * sockobj_disconnect() - graceful close, or cancel a connection attempt
 *	(SOCKOBJ_IOC_DISCONNECT)
 * @ctx: the context
 * @id: the object
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_disconnect(struct sockobj_ctx *ctx, unsigned int id)
{
	return do_op(ctx, SOCKOBJ_IOC_DISCONNECT, id, 0);
}

/**
 * sockobj_abort() - reset the connection now (SOCKOBJ_IOC_ABORT)
 * @ctx: the context
 * @id: the object
 *
 * Context: process.
 * Return: 0 (the object is CLOSED) or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_abort(struct sockobj_ctx *ctx, unsigned int id)
{
	return do_op(ctx, SOCKOBJ_IOC_ABORT, id, 0);
}

/**
 * sockobj_get_info() - report an object's state (SOCKOBJ_IOC_GET_INFO)
 * @ctx: the context
 * @id: the object
 * @info: filled in
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_get_info(struct sockobj_ctx *ctx, unsigned int id,
				    struct sockobj_info *info)
{
	memset(info, 0, sizeof(*info));
	info->id = id;
	return do_ioctl(ctx, SOCKOBJ_IOC_GET_INFO, info);
}

/**
 * sockobj_configure() - set the properties named by @cfg->mask
 *	(SOCKOBJ_IOC_CONFIGURE)
 * @ctx: the context
 * @cfg: the whole request, unused fields zero
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_configure(struct sockobj_ctx *ctx,
				     const struct sockobj_config *cfg)
{
	struct sockobj_config copy = *cfg;

	/* SOCKOBJ_IOC_CONFIGURE is _IOW: the copy only drops the const. */
	return do_ioctl(ctx, SOCKOBJ_IOC_CONFIGURE, &copy);
}

/**
 * sockobj_get_config() - read an object's configuration
 *	(SOCKOBJ_IOC_GET_CONFIG)
 * @ctx: the context
 * @id: the object
 * @cfg: filled in
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_get_config(struct sockobj_ctx *ctx, unsigned int id,
				      struct sockobj_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->id = id;
	return do_ioctl(ctx, SOCKOBJ_IOC_GET_CONFIG, cfg);
}

static void config_init(struct sockobj_config *cfg, unsigned int id,
			uint64_t mask)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->id = id;
	cfg->mask = mask;
}

/* sa == NULL leaves @addr unset (family 0). */
static int set_addr(struct sockobj_ctx *ctx, unsigned int id, uint64_t mask,
		    const struct sockaddr *sa, socklen_t salen)
{
	struct sockobj_config cfg;
	struct sockobj_addr *addr;
	int ret;

	config_init(&cfg, id, mask);
	addr = mask == SOCKOBJ_CFG_TARGET ? &cfg.target : &cfg.local;
	if (sa) {
		ret = sockobj_addr_from_sockaddr(addr, sa, salen);
		if (ret < 0)
			return ret;
	}
	return do_ioctl(ctx, SOCKOBJ_IOC_CONFIGURE, &cfg);
}

/**
 * sockobj_set_target() - set the address to connect to
 * @ctx: the context
 * @id: the object
 * @sa: an AF_INET or AF_INET6 address and port
 * @salen: its length
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_set_target(struct sockobj_ctx *ctx, unsigned int id,
				      const struct sockaddr *sa,
				      socklen_t salen)
{
	/* Unlike a local address, a target cannot be unset (family 0). */
	if (!sa)
		return -EINVAL;
	if (salen >= sizeof(sa->sa_family) && sa->sa_family == AF_UNSPEC)
		return -EAFNOSUPPORT;
	return set_addr(ctx, id, SOCKOBJ_CFG_TARGET, sa, salen);
}

/**
 * sockobj_set_target_addr() - set the address to connect to, as the
 *	library's own addresses give it
 * @ctx: the context
 * @id: the object
 * @addr: an AF_INET or AF_INET6 address and its port, e.g. one of
 *	sockobj_host_by_name()'s with the port filled in
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_set_target_addr(struct sockobj_ctx *ctx,
					   unsigned int id,
					   const struct sockobj_addr *addr)
{
	struct sockobj_config cfg;

	if (!addr)
		return -EINVAL;
	/*
	 * The kernel would say EINVAL; sockobj_set_target() says
	 * EAFNOSUPPORT for a family it cannot convert, and so does this.
	 * Family 0 is an unset address: there is nothing to connect to.
	 */
	if (addr->family != AF_INET && addr->family != AF_INET6)
		return -EAFNOSUPPORT;
	config_init(&cfg, id, SOCKOBJ_CFG_TARGET);
	cfg.target = *addr;
	return do_ioctl(ctx, SOCKOBJ_IOC_CONFIGURE, &cfg);
}

/**
 * sockobj_set_local() - set the local address and/or port to bind
 * @ctx: the context
 * @id: the object
 * @sa: the address, or NULL to unset
 * @salen: its length
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_set_local(struct sockobj_ctx *ctx, unsigned int id,
				     const struct sockaddr *sa,
				     socklen_t salen)
{
	return set_addr(ctx, id, SOCKOBJ_CFG_LOCAL, sa, salen);
}

/**
 * sockobj_set_target_host() - resolve a host name and set it as the target
 * @ctx: the context
 * @id: the object
 * @host: a name or a numeric address
 * @port: the port, 1 to 65535
 * @family: AF_UNSPEC, AF_INET or AF_INET6
 *
 * Context: process; may block in the resolver.
 * Return: 0, -SOCKOBJ_ENAME when @host does not resolve, -SOCKOBJ_ENAMEAGAIN
 * for a temporary failure of the resolver, or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_set_target_host(struct sockobj_ctx *ctx,
					   unsigned int id, const char *host,
					   unsigned int port, int family)
{
	struct sockaddr_storage ss;
	socklen_t salen;
	char service[6];
	int ret;

	if (!port || port > 65535)
		return -EINVAL;
	snprintf(service, sizeof(service), "%u", port);
	ret = sockobj_resolve(host, service, family, &ss, &salen);
	if (ret < 0)
		return ret;
	return sockobj_set_target(ctx, id, (struct sockaddr *)&ss, salen);
}

/**
 * sockobj_set_iface() - bind the object's connections to an interface
 * @ctx: the context
 * @id: the object
 * @name: the interface's name, or NULL
 * @ifindex: its index when @name is NULL or empty; neither unsets
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_set_iface(struct sockobj_ctx *ctx, unsigned int id,
				     const char *name, unsigned int ifindex)
{
	struct sockobj_config cfg;
	size_t len = name ? strlen(name) : 0;

	/* Exactly one way of naming the interface, or neither to unset it. */
	if (len && ifindex)
		return -EINVAL;
	if (len >= sizeof(cfg.ifname))
		return -EINVAL;

	config_init(&cfg, id, SOCKOBJ_CFG_IFACE);
	cfg.ifindex = ifindex;
	if (len)
		memcpy(cfg.ifname, name, len);
	return do_ioctl(ctx, SOCKOBJ_IOC_CONFIGURE, &cfg);
}

/**
 * sockobj_set_connect_timeout() - limit the duration of connection attempts
 * @ctx: the context
 * @id: the object
 * @timeout_ms: the limit, 0 for the kernel's SYN retries
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_set_connect_timeout(struct sockobj_ctx *ctx,
					       unsigned int id,
					       unsigned int timeout_ms)
{
	struct sockobj_config cfg;

	config_init(&cfg, id, SOCKOBJ_CFG_CONNECT_TIMEOUT);
	cfg.connect_timeout_ms = timeout_ms;
	return do_ioctl(ctx, SOCKOBJ_IOC_CONFIGURE, &cfg);
}

/**
 * sockobj_set_retry() - set the object's retry policy
 * @ctx: the context
 * @id: the object, CLOSED
 * @policy: the policy (its id is ignored), or NULL to remove it
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_set_retry(struct sockobj_ctx *ctx, unsigned int id,
				     const struct sockobj_retry *policy)
{
	struct sockobj_retry r = { 0 };

	if (policy)
		r = *policy;
	r.id = id;
	return do_ioctl(ctx, SOCKOBJ_IOC_SET_RETRY, &r);
}

/**
 * sockobj_get_retry() - read the object's retry policy
 * @ctx: the context
 * @id: the object
 * @policy: filled in (all zero for none)
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_get_retry(struct sockobj_ctx *ctx, unsigned int id,
				     struct sockobj_retry *policy)
{
	memset(policy, 0, sizeof(*policy));
	policy->id = id;
	return do_ioctl(ctx, SOCKOBJ_IOC_GET_RETRY, policy);
}
