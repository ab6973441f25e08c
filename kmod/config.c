// SPDX-License-Identifier: GPL-2.0
/*
 * Validation of object configuration: the uapi form is checked completely
 * and merged into a copy, so a request with one bad value changes nothing.
 * Nothing here touches sockets, user memory or namespaces; the interface
 * lookup happens in conn.c, against the file's namespace.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/string.h>
#include <net/ipv6.h>

#include "compat.h"
#include "config.h"

/**
 * sockobj_config_addr_to_sockaddr() - check a uapi address and convert it
 * @a: the uapi address, family AF_INET or AF_INET6
 * @target: true for a connect target (port and address required)
 * @ss: filled with the socket address
 * @len: filled with its length
 *
 * Context: any.
 * Return: 0, or -EINVAL for a malformed address.
 */
int sockobj_config_addr_to_sockaddr(const struct sockobj_addr *a, bool target,
				    union sockobj_sockaddr *ss, int *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = &ss->v4;

		if (a->scope_id || memchr_inv(a->addr + 4, 0, sizeof(a->addr) - 4))
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		memcpy(&sin->sin_addr, a->addr, 4);
		if (target && (!a->port || !sin->sin_addr.s_addr))
			return -EINVAL;
		*len = sizeof(*sin);
		return 0;
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = &ss->v6;
		int type;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		memcpy(&sin6->sin6_addr, a->addr, sizeof(sin6->sin6_addr));
		type = ipv6_addr_type(&sin6->sin6_addr);
		if (type & IPV6_ADDR_LINKLOCAL) {
			if (!a->scope_id)
				return -EINVAL;
			sin6->sin6_scope_id = a->scope_id;
		} else if (a->scope_id) {
			return -EINVAL;
		}
		if (target && (!a->port || type == IPV6_ADDR_ANY))
			return -EINVAL;
		*len = sizeof(*sin6);
		return 0;
	}
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_config_addr_to_sockaddr);

/**
 * sockobj_config_addr_from_sockaddr() - the uapi form of a socket address
 * @ss: an AF_INET or AF_INET6 address, or anything else for "none"
 * @a: filled with the uapi address (all zero for "none")
 *
 * Context: any.
 */
void sockobj_config_addr_from_sockaddr(const union sockobj_sockaddr *ss,
				       struct sockobj_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->sa.sa_family == AF_INET) {
		const struct sockaddr_in *sin = &ss->v4;

		a->family = AF_INET;
		a->port = ntohs(sin->sin_port);
		memcpy(a->addr, &sin->sin_addr, 4);
	} else if (ss->sa.sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = &ss->v6;

		a->family = AF_INET6;
		a->port = ntohs(sin6->sin6_port);
		a->scope_id = sin6->sin6_scope_id;
		memcpy(a->addr, &sin6->sin6_addr, sizeof(a->addr));
	}
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_config_addr_from_sockaddr);

static int merge_iface(struct sockobj_cfg *cfg, const struct sockobj_config *u)
{
	size_t n = strnlen(u->ifname, sizeof(u->ifname));

	if (n == sizeof(u->ifname) ||
	    memchr_inv(u->ifname + n, 0, sizeof(u->ifname) - n))
		return -EINVAL;
	if (u->ifindex > INT_MAX || (u->ifindex && n))
		return -EINVAL;
	cfg->ifindex = u->ifindex;
	memset(cfg->ifname, 0, sizeof(cfg->ifname));
	memcpy(cfg->ifname, u->ifname, n);
	return 0;
}

/*
 * The options sit in the same order in struct sockobj_config (from
 * nodelay on) and in struct sockobj_cfg's opt, so one index names both.
 */
#define OPT_FIRST offsetof(struct sockobj_config, nodelay)
static_assert(offsetof(struct sockobj_config, reserved) - OPT_FIRST ==
	      sizeof(((struct sockobj_cfg *)NULL)->opt));

struct opt_rule {
	u64 bit;
	size_t index;		/* in u32s from nodelay on */
	u32 min;		/* for a non-zero value */
	u32 max;
	u32 protos;		/* BIT(SOCKOBJ_PROTO_*) it applies to */
};

#define TCP BIT(SOCKOBJ_PROTO_TCP)
#define UDP BIT(SOCKOBJ_PROTO_UDP)
#define OPT(b, f, lo, hi, p) { SOCKOBJ_CFG_##b, \
	(offsetof(struct sockobj_config, f) - OPT_FIRST) / sizeof(u32), lo, hi, p }

/*
 * The bounds are the kernel's own (tcp.h, MAX_TCP_KEEP*), so that a value
 * accepted here is never refused by setsockopt() at connect time for being
 * out of range; privileges are checked there, as the caller's.
 */
static const struct opt_rule opt_rules[] = {
	OPT(NODELAY, nodelay, 1, 1, TCP),
	OPT(KEEPALIVE, keepalive, 1, 1, TCP),
	OPT(KEEPALIVE, keepidle_s, 1, SOCKOBJ_KEEPIDLE_MAX_S, TCP),
	OPT(KEEPALIVE, keepintvl_s, 1, SOCKOBJ_KEEPINTVL_MAX_S, TCP),
	OPT(KEEPALIVE, keepcnt, 1, SOCKOBJ_KEEPCNT_MAX, TCP),
	OPT(TOS, tos, 1, 255, TCP | UDP),
	OPT(PRIORITY, priority, 1, INT_MAX, TCP | UDP),
	OPT(SNDBUF, sndbuf, 1, INT_MAX / 2, TCP | UDP),
	OPT(RCVBUF, rcvbuf, 1, INT_MAX / 2, TCP | UDP),
	OPT(USER_TIMEOUT, user_timeout_ms, 1, SOCKOBJ_USER_TIMEOUT_MAX_MS, TCP),
	OPT(INACTIVITY, inactivity_s, 1, SOCKOBJ_INACTIVITY_MAX_S, TCP | UDP),
	OPT(SENT_THRESHOLD, sent_threshold, 1, INT_MAX, TCP),
	OPT(BROADCAST, broadcast, 1, 1, UDP),
	OPT(RECV_ANY, recv_any, 1, 1, UDP),
};

static const u32 *uopt(const struct sockobj_config *u, size_t index)
{
	return &u->nodelay + index;
}

static u32 *kopt(struct sockobj_cfg *cfg, size_t index)
{
	return &cfg->opt.nodelay + index;
}

static int merge_opts(struct sockobj_cfg *cfg, const struct sockobj_config *u,
		      u32 proto)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(opt_rules); i++) {
		const struct opt_rule *r = &opt_rules[i];
		u32 v = *uopt(u, r->index);

		if (!(u->mask & r->bit)) {
			if (v)
				return -EINVAL;
			continue;
		}
		/* Even 0, the default: the option means nothing here. */
		if (!(r->protos & BIT(proto)) || (v && (v < r->min || v > r->max)))
			return -EINVAL;
		*kopt(cfg, r->index) = v;
	}
	return 0;
}

/* The mask bits of the options that are set in @cfg. */
static u64 opts_set(const struct sockobj_cfg *cfg)
{
	u64 mask = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(opt_rules); i++)
		if (*kopt((struct sockobj_cfg *)cfg, opt_rules[i].index))
			mask |= opt_rules[i].bit;
	return mask;
}

/**
 * sockobj_config_merge() - apply a CONFIGURE request to a configuration
 * @cfg: the configuration to change; left untouched on error
 * @u: the request, as copied from userspace
 * @proto: the object's SOCKOBJ_PROTO_* (options are per protocol)
 *
 * On success an interface given by name has ifindex 0 and the name in
 * @cfg->ifname; the caller resolves it in the file's namespace.
 *
 * Context: any.
 * Return: 0, or -EINVAL for a bad flag, reserved byte, mask bit or value,
 * or an option of another protocol.
 */
int sockobj_config_merge(struct sockobj_cfg *cfg, const struct sockobj_config *u,
			 u32 proto)
{
	struct sockobj_cfg new = *cfg;
	int err;

	if (u->flags || memchr_inv(u->reserved, 0, sizeof(u->reserved)) ||
	    !u->mask || (u->mask & ~SOCKOBJ_CFG_ALL))
		return -EINVAL;

	if (u->mask & SOCKOBJ_CFG_TARGET) {
		err = sockobj_config_addr_to_sockaddr(&u->target, true,
						      &new.target, &new.target_len);
		if (err)
			return err;
	} else if (memchr_inv(&u->target, 0, sizeof(u->target))) {
		return -EINVAL;
	}

	if (u->mask & SOCKOBJ_CFG_LOCAL) {
		if (u->local.family) {
			err = sockobj_config_addr_to_sockaddr(&u->local, false,
							      &new.local,
							      &new.local_len);
			if (err)
				return err;
		} else {
			/* Family 0 unsets the local bind; the rest must be 0. */
			if (memchr_inv(&u->local, 0, sizeof(u->local)))
				return -EINVAL;
			memset(&new.local, 0, sizeof(new.local));
			new.local_len = 0;
		}
	} else if (memchr_inv(&u->local, 0, sizeof(u->local))) {
		return -EINVAL;
	}

	if (u->mask & SOCKOBJ_CFG_IFACE) {
		err = merge_iface(&new, u);
		if (err)
			return err;
	} else if (u->ifindex || memchr_inv(u->ifname, 0, sizeof(u->ifname))) {
		return -EINVAL;
	}

	if (u->mask & SOCKOBJ_CFG_CONNECT_TIMEOUT) {
		if (u->connect_timeout_ms > SOCKOBJ_CONNECT_TIMEOUT_MAX_MS)
			return -EINVAL;
		new.connect_timeout_ms = u->connect_timeout_ms;
	} else if (u->connect_timeout_ms) {
		return -EINVAL;
	}

	err = merge_opts(&new, u, proto);
	if (err)
		return err;

	new.mask &= SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_LOCAL | SOCKOBJ_CFG_IFACE |
		    SOCKOBJ_CFG_CONNECT_TIMEOUT;
	new.mask |= (u->mask & (SOCKOBJ_CFG_TARGET | SOCKOBJ_CFG_LOCAL |
				SOCKOBJ_CFG_IFACE | SOCKOBJ_CFG_CONNECT_TIMEOUT)) |
		    opts_set(&new);
	if (!new.local_len)
		new.mask &= ~SOCKOBJ_CFG_LOCAL;
	if (!new.ifindex && !new.ifname[0])
		new.mask &= ~SOCKOBJ_CFG_IFACE;
	if (!new.connect_timeout_ms)
		new.mask &= ~SOCKOBJ_CFG_CONNECT_TIMEOUT;

	if ((new.mask & SOCKOBJ_CFG_TARGET) && (new.mask & SOCKOBJ_CFG_LOCAL) &&
	    new.target.sa.sa_family != new.local.sa.sa_family)
		return -EINVAL;

	*cfg = new;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_config_merge);

/**
 * sockobj_config_export() - the uapi form of a configuration
 * @cfg: the configuration
 * @u: filled (id, flags and reserved are left to the caller)
 *
 * Context: any.
 */
void sockobj_config_export(const struct sockobj_cfg *cfg, struct sockobj_config *u)
{
	u->mask = cfg->mask;
	sockobj_config_addr_from_sockaddr(&cfg->target, &u->target);
	sockobj_config_addr_from_sockaddr(&cfg->local, &u->local);
	u->ifindex = cfg->ifindex;
	memcpy(u->ifname, cfg->ifname, sizeof(u->ifname));
	u->connect_timeout_ms = cfg->connect_timeout_ms;
	u->nodelay = cfg->opt.nodelay;
	u->keepalive = cfg->opt.keepalive;
	u->keepidle_s = cfg->opt.keepidle_s;
	u->keepintvl_s = cfg->opt.keepintvl_s;
	u->keepcnt = cfg->opt.keepcnt;
	u->tos = cfg->opt.tos;
	u->priority = cfg->opt.priority;
	u->sndbuf = cfg->opt.sndbuf;
	u->rcvbuf = cfg->opt.rcvbuf;
	u->user_timeout_ms = cfg->opt.user_timeout_ms;
	u->inactivity_s = cfg->opt.inactivity_s;
	u->sent_threshold = cfg->opt.sent_threshold;
	u->broadcast = cfg->opt.broadcast;
	u->recv_any = cfg->opt.recv_any;
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_config_export);
