// SPDX-License-Identifier: MIT
/*
 * libsockobj: socket options of an object, one SOCKOBJ_IOC_CONFIGURE with
 * one property (mask bit) per call. The kernel validates the values and
 * the protocol they apply to, and applies them with setsockopt() at the
 * next connect, with the caller's privileges; the library only passes
 * them on. 0, or "off", unsets a property (the kernel's default applies).
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

static int set_opt(struct sockobj_ctx *ctx, struct sockobj_config *cfg,
		   unsigned int id, uint64_t mask)
{
	cfg->id = id;
	cfg->mask = mask;
	return do_ioctl(ctx, SOCKOBJ_IOC_CONFIGURE, cfg);
}

/**
 * sockobj_set_nodelay() - send without Nagle's delay (TCP_NODELAY; TCP)
 * @ctx: the context
 * @id: the object, CLOSED
 * @on: non-zero to set, 0 to unset
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_set_nodelay(struct sockobj_ctx *ctx,
				       unsigned int id, int on)
{
	struct sockobj_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.nodelay = !!on;
	return set_opt(ctx, &cfg, id, SOCKOBJ_CFG_NODELAY);
}

/**
 * sockobj_set_keepalive() - probe an idle connection (SO_KEEPALIVE and
 *	TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT; TCP)
 * @ctx: the context
 * @id: the object, CLOSED
 * @on: non-zero to set, 0 to unset (the three values must then be 0)
 * @idle_s: idle seconds before the first probe, 0 for the kernel's default
 * @intvl_s: seconds between probes, 0 for the kernel's default
 * @cnt: probes before the connection is dropped, 0 for the kernel's default
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_set_keepalive(struct sockobj_ctx *ctx,
					 unsigned int id, int on,
					 unsigned int idle_s,
					 unsigned int intvl_s,
					 unsigned int cnt)
{
	struct sockobj_config cfg;

	if (!on && (idle_s || intvl_s || cnt))
		return -EINVAL;
	memset(&cfg, 0, sizeof(cfg));
	cfg.keepalive = !!on;
	cfg.keepidle_s = idle_s;
	cfg.keepintvl_s = intvl_s;
	cfg.keepcnt = cnt;
	return set_opt(ctx, &cfg, id, SOCKOBJ_CFG_KEEPALIVE);
}

/**
 * sockobj_set_tos() - the IPv4 TOS or IPv6 traffic class byte (IP_TOS,
 *	IPV6_TCLASS)
 * @ctx: the context
 * @id: the object, CLOSED
 * @tos: 1..255, or 0 to unset
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_set_tos(struct sockobj_ctx *ctx, unsigned int id,
				   unsigned int tos)
{
	struct sockobj_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.tos = tos;
	return set_opt(ctx, &cfg, id, SOCKOBJ_CFG_TOS);
}

/**
 * sockobj_set_priority() - the socket's priority (SO_PRIORITY)
 * @ctx: the context
 * @id: the object, CLOSED
 * @priority: the priority, or 0 to unset; above 6 needs CAP_NET_ADMIN at
 *	connect time
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_set_priority(struct sockobj_ctx *ctx,
					unsigned int id, unsigned int priority)
{
	struct sockobj_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.priority = priority;
	return set_opt(ctx, &cfg, id, SOCKOBJ_CFG_PRIORITY);
}

/**
 * sockobj_set_bufsizes() - the send and receive buffer sizes (SO_SNDBUF,
 *	SO_RCVBUF)
 * @ctx: the context
 * @id: the object, CLOSED
 * @sndbuf: send buffer bytes, 0 for the kernel's default
 * @rcvbuf: receive buffer bytes, 0 for the kernel's default
 *
 * Context: process. Both properties are set by the one call.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_set_bufsizes(struct sockobj_ctx *ctx,
					unsigned int id, unsigned int sndbuf,
					unsigned int rcvbuf)
{
	struct sockobj_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.sndbuf = sndbuf;
	cfg.rcvbuf = rcvbuf;
	return set_opt(ctx, &cfg, id, SOCKOBJ_CFG_SNDBUF | SOCKOBJ_CFG_RCVBUF);
}

/**
 * sockobj_set_user_timeout() - limit how long sent data may stay
 *	unacknowledged (TCP_USER_TIMEOUT; TCP)
 * @ctx: the context
 * @id: the object, CLOSED
 * @timeout_ms: the limit, or 0 to unset
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_set_user_timeout(struct sockobj_ctx *ctx,
					    unsigned int id,
					    unsigned int timeout_ms)
{
	struct sockobj_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.user_timeout_ms = timeout_ms;
	return set_opt(ctx, &cfg, id, SOCKOBJ_CFG_USER_TIMEOUT);
}

/**
 * sockobj_set_inactivity() - reset a connection that moves no data for too
 *	long (reason SOCKOBJ_REASON_INACTIVITY)
 * @ctx: the context
 * @id: the object, CLOSED
 * @timeout_s: the limit in seconds, or 0 to unset
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_set_inactivity(struct sockobj_ctx *ctx,
					  unsigned int id,
					  unsigned int timeout_s)
{
	struct sockobj_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.inactivity_s = timeout_s;
	return set_opt(ctx, &cfg, id, SOCKOBJ_CFG_INACTIVITY);
}

/**
 * sockobj_set_sent_threshold() - ask for SOCKOBJ_EV_SENT records (TCP)
 * @ctx: the context
 * @id: the object, in any state
 * @bytes: signal when unacknowledged bytes fall to this value or below
 *	after a send; 0 to stop
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_set_sent_threshold(struct sockobj_ctx *ctx,
					      unsigned int id,
					      unsigned int bytes)
{
	struct sockobj_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.sent_threshold = bytes;
	return set_opt(ctx, &cfg, id, SOCKOBJ_CFG_SENT_THRESHOLD);
}

/**
 * sockobj_set_broadcast() - allow sending to broadcast addresses
 *	(SO_BROADCAST; UDP)
 * @ctx: the context
 * @id: the object, CLOSED
 * @on: non-zero to set, 0 to unset
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_set_broadcast(struct sockobj_ctx *ctx,
					 unsigned int id, int on)
{
	struct sockobj_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.broadcast = !!on;
	return set_opt(ctx, &cfg, id, SOCKOBJ_CFG_BROADCAST);
}

/**
 * sockobj_set_recv_any() - receive datagrams from any source (UDP)
 * @ctx: the context
 * @id: the object, CLOSED
 * @on: non-zero: the socket is not connected, sends go to the target;
 *	0: connected to the target (the default)
 *
 * Context: process.
 * Return: 0 or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_set_recv_any(struct sockobj_ctx *ctx,
					unsigned int id, int on)
{
	struct sockobj_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.recv_any = !!on;
	return set_opt(ctx, &cfg, id, SOCKOBJ_CFG_RECV_ANY);
}
