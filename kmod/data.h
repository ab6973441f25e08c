/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_DATA_H
#define _SOCKOBJ_DATA_H

#include <linux/socket.h>
#include <linux/types.h>

#include "config.h"

struct iov_iter;
struct sk_buff;
struct sock;
struct sockobj_info;
struct sockobj_obj;

/**
 * struct sockobj_io_result - what a send or receive did
 * @done: bytes moved
 * @full_len: UDP receive: the datagram's real length
 * @truncated: UDP receive: the datagram did not fit
 * @from: receive: where the data came from
 */
struct sockobj_io_result {
	size_t done;
	size_t full_len;
	bool truncated;
	union sockobj_sockaddr from;
};

int sockobj_data_send(struct sockobj_obj *obj, struct iov_iter *from,
		      struct sockobj_io_result *res);
int sockobj_data_recv(struct sockobj_obj *obj, struct iov_iter *to, bool peek,
		      struct sockobj_io_result *res);
void sockobj_data_bytes(struct sockobj_obj *obj, u64 *sent, u64 *received);
u32 sockobj_data_tcp_unread(struct sock *sk);
void sockobj_data_counters(struct sockobj_obj *obj, struct sock *sk,
			   struct sockobj_info *info);
void sockobj_data_arrived(struct sockobj_obj *obj);
void sockobj_data_pend(struct sockobj_obj *obj, struct sk_buff *skb,
		       bool announce);
bool sockobj_data_space_changed(struct sockobj_obj *obj, struct sock *sk);
void sockobj_data_error_reported(struct sockobj_obj *obj, struct sock *sk);

#endif /* _SOCKOBJ_DATA_H */
