/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_CONFIG_H
#define _SOCKOBJ_CONFIG_H

#include <linux/if.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/socket.h>
#include <linux/types.h>
#include <linux/sockobj.h>

/*
 * A TCP or UDP socket address. Objects hold four of them (target, local,
 * and the last attempt's two ends): 28 bytes each instead of the 128 of a
 * sockaddr_storage keeps an idle object small. getname() and recvmsg() of
 * AF_INET and AF_INET6 sockets never write more than a sockaddr_in6.
 */
union sockobj_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

/**
 * struct sockobj_cfg - the validated configuration of an object
 * @mask: SOCKOBJ_CFG_* properties that are set
 * @target: where to connect
 * @target_len: length of @target
 * @local: where to bind, when SOCKOBJ_CFG_LOCAL is set
 * @local_len: length of @local
 * @ifindex: interface to bind to, 0 for none
 * @ifname: its name when it was set
 * @connect_timeout_ms: connect timeout, 0 for the kernel's SYN retries
 * @opt: the socket options, as in struct sockobj_config (0 = default)
 */
struct sockobj_cfg {
	u64 mask;
	union sockobj_sockaddr target;
	int target_len;
	union sockobj_sockaddr local;
	int local_len;
	int ifindex;
	char ifname[IFNAMSIZ];
	u32 connect_timeout_ms;
	struct {
		u32 nodelay;
		u32 keepalive;
		u32 keepidle_s;
		u32 keepintvl_s;
		u32 keepcnt;
		u32 tos;
		u32 priority;
		u32 sndbuf;
		u32 rcvbuf;
		u32 user_timeout_ms;
		u32 inactivity_s;
		u32 sent_threshold;
		u32 broadcast;
		u32 recv_any;
	} opt;
};

/* Properties that may change in any state. */
#define SOCKOBJ_CFG_ANY_STATE	SOCKOBJ_CFG_SENT_THRESHOLD

int sockobj_config_addr_to_sockaddr(const struct sockobj_addr *a, bool target,
				    union sockobj_sockaddr *ss, int *len);
void sockobj_config_addr_from_sockaddr(const union sockobj_sockaddr *ss,
				       struct sockobj_addr *a);
int sockobj_config_merge(struct sockobj_cfg *cfg, const struct sockobj_config *u,
			 u32 proto);
void sockobj_config_export(const struct sockobj_cfg *cfg, struct sockobj_config *u);

#endif /* _SOCKOBJ_CONFIG_H */
