/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_CONN_H
#define _SOCKOBJ_CONN_H

#include <linux/types.h>

struct sockobj_config;
struct sockobj_file;
struct sockobj_info;
struct sockobj_listen;
struct sk_buff;
struct socket;
union sockobj_sockaddr;
struct sockobj_obj;
struct sockobj_retry;

unsigned int sockobj_conn_state(struct sockobj_obj *obj, unsigned int *space);
unsigned int sockobj_conn_state_peek(const struct sockobj_obj *obj);
void sockobj_conn_tcp_changed(struct sockobj_obj *obj, int tcp_state, int err,
			      bool rx_queued, bool rx_data);
bool sockobj_conn_close(struct sockobj_obj *obj, unsigned int seen,
			unsigned int reason, int err);
int sockobj_conn_configure(struct sockobj_obj *obj,
			   const struct sockobj_config *u);
int sockobj_conn_get_config(struct sockobj_obj *obj, struct sockobj_config *u);
int sockobj_conn_connect(struct sockobj_obj *obj);
int sockobj_conn_listen(struct sockobj_obj *obj, const struct sockobj_listen *u);
bool sockobj_conn_replace(struct sockobj_obj *obj,
			  const union sockobj_sockaddr *local);
void sockobj_conn_accepted(struct sockobj_obj *obj, struct socket *sock,
			   const union sockobj_sockaddr *peer);
void sockobj_conn_datagram(struct sockobj_obj *obj, struct sk_buff *skb,
			   union sockobj_sockaddr *local,
			   union sockobj_sockaddr *peer);
void sockobj_conn_retry(struct sockobj_obj *obj);
int sockobj_conn_set_retry(struct sockobj_obj *obj,
			   const struct sockobj_retry *u);
int sockobj_conn_get_retry(struct sockobj_obj *obj, struct sockobj_retry *u);
int sockobj_conn_disconnect(struct sockobj_obj *obj);
int sockobj_conn_abort(struct sockobj_obj *obj);
int sockobj_conn_get_info(struct sockobj_obj *obj, struct sockobj_info *info);
int sockobj_conn_handoff(struct sockobj_file *file, u32 id, u32 flags);

#endif /* _SOCKOBJ_CONN_H */
