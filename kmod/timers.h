/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The sockobj authors.
 */
#ifndef _SOCKOBJ_TIMERS_H
#define _SOCKOBJ_TIMERS_H

#include <linux/types.h>

struct delayed_work;
struct sockobj_obj;

void sockobj_timers_setup(struct sockobj_obj *obj);
void sockobj_timers_connect_requested(struct sockobj_obj *obj);
void sockobj_timers_connect_started(struct sockobj_obj *obj);
void sockobj_timers_established(struct sockobj_obj *obj);
void sockobj_timers_data_moved(struct sockobj_obj *obj);
void sockobj_timers_conn_closed(struct sockobj_obj *obj);
void sockobj_timers_handed_off(struct sockobj_obj *obj);
void sockobj_timers_retry_wait(struct sockobj_obj *obj, unsigned long due);
void sockobj_timers_retry_now(struct sockobj_obj *obj);
void sockobj_timers_stop(struct sockobj_obj *obj);
void sockobj_timers_cancel_work(struct sockobj_obj *obj);
bool sockobj_timers_queue_listener(struct delayed_work *work,
				   unsigned long delay);

int sockobj_timers_init(void);
void sockobj_timers_uninit(void);

#endif /* _SOCKOBJ_TIMERS_H */
