/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_SOCKET_H
#define _SOCKOBJ_SOCKET_H

#include <linux/types.h>

struct socket;
struct sockobj_obj;
union sockobj_sockaddr;

int sockobj_socket_open(struct sockobj_obj *obj);
int sockobj_socket_listen(struct sockobj_obj *obj, int backlog,
			  struct socket **sockp);
int sockobj_socket_open_peer(struct sockobj_obj *obj,
			     union sockobj_sockaddr *local,
			     union sockobj_sockaddr *peer);
bool sockobj_socket_options_permitted(struct sockobj_obj *obj);
int sockobj_socket_adopt(struct sockobj_obj *obj, struct socket *sock);
bool sockobj_socket_detach_in(struct sockobj_obj *obj, unsigned int seen);
void sockobj_socket_detach(struct sockobj_obj *obj);
void sockobj_socket_snapshot_local(struct sockobj_obj *obj);
void sockobj_socket_release(struct sockobj_obj *obj, bool rst);

#endif /* _SOCKOBJ_SOCKET_H */
