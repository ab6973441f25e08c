/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of sockobj, under events/sockobj/ in tracefs.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM sockobj

#if !defined(_SOCKOBJ_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SOCKOBJ_TRACE_H

#include <linux/in6.h>
#include <linux/socket.h>
#include <linux/tracepoint.h>
#include <linux/sockobj.h>

union sockobj_sockaddr;

#define show_state(s) __print_symbolic(s,				\
	{ SOCKOBJ_STATE_CLOSED, "CLOSED" },				\
	{ SOCKOBJ_STATE_CONNECTING, "CONNECTING" },			\
	{ SOCKOBJ_STATE_ESTABLISHED, "ESTABLISHED" },			\
	{ SOCKOBJ_STATE_PEER_CLOSING, "PEER_CLOSING" },			\
	{ SOCKOBJ_STATE_CLOSING, "CLOSING" },				\
	{ SOCKOBJ_STATE_RETRY_WAIT, "RETRY_WAIT" },			\
	{ SOCKOBJ_STATE_LISTENING, "LISTENING" },			\
	{ SOCKOBJ_STATE_PASSIVE_OPENING, "PASSIVE_OPENING" })

#define show_reason(r) __print_symbolic(r,				\
	{ SOCKOBJ_REASON_NONE, "NONE" },				\
	{ SOCKOBJ_REASON_PEER_CLOSED, "PEER_CLOSED" },			\
	{ SOCKOBJ_REASON_LOCAL_CLOSED, "LOCAL_CLOSED" },		\
	{ SOCKOBJ_REASON_REFUSED, "REFUSED" },				\
	{ SOCKOBJ_REASON_RESET, "RESET" },				\
	{ SOCKOBJ_REASON_CONNECT_TIMEOUT, "CONNECT_TIMEOUT" },		\
	{ SOCKOBJ_REASON_RETRANS_TIMEOUT, "RETRANS_TIMEOUT" },		\
	{ SOCKOBJ_REASON_HOST_UNREACH, "HOST_UNREACH" },		\
	{ SOCKOBJ_REASON_NET_UNREACH, "NET_UNREACH" },			\
	{ SOCKOBJ_REASON_ABORTED, "ABORTED" },				\
	{ SOCKOBJ_REASON_CANCELLED, "CANCELLED" },			\
	{ SOCKOBJ_REASON_ERROR, "ERROR" },				\
	{ SOCKOBJ_REASON_INACTIVITY, "INACTIVITY" },			\
	{ SOCKOBJ_REASON_REPLACED, "REPLACED" })

#define show_type(t) __print_symbolic(t,				\
	{ SOCKOBJ_EV_STATE, "STATE" },					\
	{ SOCKOBJ_EV_READABLE, "READABLE" },				\
	{ SOCKOBJ_EV_WRITABLE, "WRITABLE" },				\
	{ SOCKOBJ_EV_SENT, "SENT" },					\
	{ SOCKOBJ_EV_ERROR, "ERROR" })

TRACE_EVENT(sockobj_state,
	    TP_PROTO(u32 id, u64 seq, unsigned int old, unsigned int new,
		     unsigned int reason, int err),
	    TP_ARGS(id, seq, old, new, reason, err),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(u64, seq)
			     __field(unsigned int, old)
			     __field(unsigned int, new)
			     __field(unsigned int, reason)
			     __field(int, err)),
	    TP_fast_assign(__entry->id = id;
			   __entry->seq = seq;
			   __entry->old = old;
			   __entry->new = new;
			   __entry->reason = reason;
			   __entry->err = err;),
	    TP_printk("id=%u seq=%llu %s -> %s reason=%s err=%d", __entry->id,
		      __entry->seq, show_state(__entry->old), show_state(__entry->new),
		      show_reason(__entry->reason), __entry->err)
);

TRACE_EVENT(sockobj_connect,
	    TP_PROTO(u32 id, u32 proto, const union sockobj_sockaddr *ss, int ret),
	    TP_ARGS(id, proto, ss, ret),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(u32, proto)
			     __array(u8, addr, sizeof(struct sockaddr_in6))
			     __field(int, ret)),
	    TP_fast_assign(__entry->id = id;
			   __entry->proto = proto;
			   memcpy(__entry->addr, ss, sizeof(__entry->addr));
			   __entry->ret = ret;),
	    TP_printk("id=%u proto=%s dst=%pISpc ret=%d", __entry->id,
		      __entry->proto == SOCKOBJ_PROTO_TCP ? "tcp" : "udp",
		      __entry->addr, __entry->ret)
);

TRACE_EVENT(sockobj_deliver,
	    TP_PROTO(u32 id, u32 type, u64 seq, unsigned int state),
	    TP_ARGS(id, type, seq, state),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(u32, type)
			     __field(u64, seq)
			     __field(unsigned int, state)),
	    TP_fast_assign(__entry->id = id;
			   __entry->type = type;
			   __entry->seq = seq;
			   __entry->state = state;),
	    TP_printk("id=%u seq=%llu %s state=%s", __entry->id, __entry->seq,
		      show_type(__entry->type), show_state(__entry->state))
);

/* A retry policy retries a close: the attempt that failed, why, the wait. */
TRACE_EVENT(sockobj_retry_wait,
	    TP_PROTO(u32 id, u32 attempt, unsigned int reason, u32 wait_ms),
	    TP_ARGS(id, attempt, reason, wait_ms),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(u32, attempt)
			     __field(unsigned int, reason)
			     __field(u32, wait_ms)),
	    TP_fast_assign(__entry->id = id;
			   __entry->attempt = attempt;
			   __entry->reason = reason;
			   __entry->wait_ms = wait_ms;),
	    TP_printk("id=%u attempt=%u reason=%s wait_ms=%u", __entry->id,
		      __entry->attempt, show_reason(__entry->reason),
		      __entry->wait_ms)
);

/* The policy starts an attempt: late_ms waiting for room, the open's result. */
TRACE_EVENT(sockobj_retry_start,
	    TP_PROTO(u32 id, u32 attempt, u32 late_ms, int ret),
	    TP_ARGS(id, attempt, late_ms, ret),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(u32, attempt)
			     __field(u32, late_ms)
			     __field(int, ret)),
	    TP_fast_assign(__entry->id = id;
			   __entry->attempt = attempt;
			   __entry->late_ms = late_ms;
			   __entry->ret = ret;),
	    TP_printk("id=%u attempt=%u late_ms=%u ret=%d", __entry->id,
		      __entry->attempt, __entry->late_ms, __entry->ret)
);

/*
 * An incoming connection of a listening socket (its local port) from peer,
 * and what became of it: given to a LISTENING object, to one whose
 * connection it replaced, held back for a busy object, or reset; for UDP
 * a new peer's datagram, dropped when refused, or delivered to the object
 * that has that peer already.
 */
#define SOCKOBJ_INCOMING_TAKEN		0
#define SOCKOBJ_INCOMING_REPLACED	1
#define SOCKOBJ_INCOMING_HELD		2
#define SOCKOBJ_INCOMING_RESET		3
#define SOCKOBJ_INCOMING_DROPPED	4
#define SOCKOBJ_INCOMING_DELIVERED	5

TRACE_EVENT(sockobj_incoming,
	    TP_PROTO(u16 lport, const union sockobj_sockaddr *peer, u32 id,
		     unsigned int verdict),
	    TP_ARGS(lport, peer, id, verdict),
	    TP_STRUCT__entry(__field(u16, lport)
			     __array(u8, peer, sizeof(struct sockaddr_in6))
			     __field(u32, id)
			     __field(unsigned int, verdict)),
	    TP_fast_assign(__entry->lport = lport;
			   memcpy(__entry->peer, peer, sizeof(__entry->peer));
			   __entry->id = id;
			   __entry->verdict = verdict;),
	    TP_printk("lport=%u src=%pISpc %s id=%u", __entry->lport,
		      __entry->peer,
		      __print_symbolic(__entry->verdict,
				       { SOCKOBJ_INCOMING_TAKEN, "taken" },
				       { SOCKOBJ_INCOMING_REPLACED, "replaced" },
				       { SOCKOBJ_INCOMING_HELD, "held" },
				       { SOCKOBJ_INCOMING_RESET, "reset" },
				       { SOCKOBJ_INCOMING_DROPPED, "dropped" },
				       { SOCKOBJ_INCOMING_DELIVERED, "delivered" }),
		      __entry->id)
);

/*
 * An id given to an object (publish: from now on lookups find it) or taken
 * back (release: removed from the table). The object is told apart from
 * earlier holders of the id by its cookie and its creation time, so that a
 * test can match what it believes of an id against what the kernel did.
 */
DECLARE_EVENT_CLASS(sockobj_id_class,
		    TP_PROTO(const void *file, u32 id, u64 cookie, u64 created_ns),
		    TP_ARGS(file, id, cookie, created_ns),
		    TP_STRUCT__entry(__field(const void *, file)
				     __field(u32, id)
				     __field(u64, cookie)
				     __field(u64, created_ns)),
		    TP_fast_assign(__entry->file = file;
				   __entry->id = id;
				   __entry->cookie = cookie;
				   __entry->created_ns = created_ns;),
		    TP_printk("file=%p id=%u cookie=0x%llx created=%llu", __entry->file,
			      __entry->id, __entry->cookie, __entry->created_ns)
);

DEFINE_EVENT(sockobj_id_class, sockobj_id_publish,
	     TP_PROTO(const void *file, u32 id, u64 cookie, u64 created_ns),
	     TP_ARGS(file, id, cookie, created_ns));

DEFINE_EVENT(sockobj_id_class, sockobj_id_release,
	     TP_PROTO(const void *file, u32 id, u64 cookie, u64 created_ns),
	     TP_ARGS(file, id, cookie, created_ns));

#endif /* _SOCKOBJ_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
