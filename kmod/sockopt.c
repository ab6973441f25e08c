// SPDX-License-Identifier: GPL-2.0
/*
 * Socket options of an object, applied to each new socket through the
 * same setsockopt() paths as the system call, with the credentials of the
 * file's opener, so the same privilege checks and limits apply (SO_PRIORITY above 6 needs
 * CAP_NET_ADMIN, buffer sizes are capped by net.core.[rw]mem_max, ...).
 * The kernel's sock_set_*() helpers would skip those checks.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/tcp.h>
#include <net/sock.h>

#include "compat.h"
#include "config.h"
#include "sockopt.h"

static int set(struct socket *sock, int level, int name, u32 value)
{
	int v = value;

	return sockobj_setsockopt_int(sock, level, name, &v);
}

/**
 * sockobj_sockopt_apply() - set the configured options on a new socket
 * @sock: the socket, not yet bound or connected
 * @cfg: the object's configuration (values validated by config.c)
 * @proto: SOCKOBJ_PROTO_*
 *
 * Context: process, the caller's ioctl with the opener's credentials.
 * Return: 0, or the error setsockopt(2) would have given the opener.
 */
int sockobj_sockopt_apply(struct socket *sock, const struct sockobj_cfg *cfg,
			  u32 proto)
{
	bool v6 = sock->sk->sk_family == AF_INET6;
	int ret = 0;

	/* IP_TOS also sets sk_priority: TOS first, so SO_PRIORITY wins. */
	if (cfg->opt.tos)
		ret = v6 ? set(sock, SOL_IPV6, IPV6_TCLASS, cfg->opt.tos) :
			   set(sock, SOL_IP, IP_TOS, cfg->opt.tos);
	if (!ret && cfg->opt.priority)
		ret = set(sock, SOL_SOCKET, SO_PRIORITY, cfg->opt.priority);
	if (!ret && cfg->opt.sndbuf)
		ret = set(sock, SOL_SOCKET, SO_SNDBUF, cfg->opt.sndbuf);
	if (!ret && cfg->opt.rcvbuf)
		ret = set(sock, SOL_SOCKET, SO_RCVBUF, cfg->opt.rcvbuf);
	if (!ret && cfg->opt.broadcast)
		ret = set(sock, SOL_SOCKET, SO_BROADCAST, 1);
	if (ret || proto != SOCKOBJ_PROTO_TCP)
		return ret;

	if (cfg->opt.nodelay)
		ret = set(sock, SOL_TCP, TCP_NODELAY, 1);
	if (!ret && cfg->opt.keepalive)
		ret = set(sock, SOL_SOCKET, SO_KEEPALIVE, 1);
	if (!ret && cfg->opt.keepidle_s)
		ret = set(sock, SOL_TCP, TCP_KEEPIDLE, cfg->opt.keepidle_s);
	if (!ret && cfg->opt.keepintvl_s)
		ret = set(sock, SOL_TCP, TCP_KEEPINTVL, cfg->opt.keepintvl_s);
	if (!ret && cfg->opt.keepcnt)
		ret = set(sock, SOL_TCP, TCP_KEEPCNT, cfg->opt.keepcnt);
	if (!ret && cfg->opt.user_timeout_ms)
		ret = set(sock, SOL_TCP, TCP_USER_TIMEOUT, cfg->opt.user_timeout_ms);
	return ret;
}
