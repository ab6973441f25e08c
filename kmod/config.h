/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_CONFIG_H
#define _SOCKOBJ_CONFIG_H

#include <linux/if.h>
#include <linux/socket.h>
#include <linux/types.h>
#include <linux/sockobj.h>

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
 */
struct sockobj_cfg {
	u64 mask;
	struct sockaddr_storage target;
	int target_len;
	struct sockaddr_storage local;
	int local_len;
	int ifindex;
	char ifname[IFNAMSIZ];
	u32 connect_timeout_ms;
};

int sockobj_config_addr_to_sockaddr(const struct sockobj_addr *a, bool target,
				    struct sockaddr_storage *ss, int *len);
void sockobj_config_addr_from_sockaddr(const struct sockaddr_storage *ss,
				       struct sockobj_addr *a);
int sockobj_config_merge(struct sockobj_cfg *cfg, const struct sockobj_config *u);
void sockobj_config_export(const struct sockobj_cfg *cfg, struct sockobj_config *u);

#endif /* _SOCKOBJ_CONFIG_H */
