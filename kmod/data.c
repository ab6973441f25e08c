// SPDX-License-Identifier: GPL-2.0
/*
 * The data path of a connected object: non-blocking send and receive on
 * its socket, in the caller's context, the counters, and the data events
 * (READABLE, WRITABLE, SENT, ERROR): armed here, signalled from the socket
 * callbacks. The user buffers arrive as iov_iters built by ioctl.c; the
 * socket layer copies.
 *
 * Locking: send, receive, arming and the counters run in process context
 * under obj->lock (sockobj_object_lock_live()). The callback side
 * (sockobj_data_arrived(), _space_changed(), _error_reported()) runs in
 * any context under sk_callback_lock. Both take file->lock (_bh) around
 * the armed flags and the event they post, and never hold it across a
 * call into the socket layer. Readiness is tested locklessly, as poll()
 * does: arming tests it again afterwards, so no edge is missed.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/net.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/udp.h>
#include <linux/sockobj.h>

#include "compat.h"
#include "conn.h"
#include "data.h"
#include "file.h"
#include "object.h"
#include "socket.h"
#include "timers.h"

/*
 * Whether a receive would find data (or, for TCP, the peer's FIN) now.
 * Lockless, as poll() is: a race only delays to the next arrival, which
 * the data_ready callback reports.
 */
static bool readable(struct sockobj_obj *obj)
{
	struct sock *sk = obj->sock->sk;

	if (!skb_queue_empty_lockless(&sk->sk_receive_queue))
		return true;
	if (obj->proto == SOCKOBJ_PROTO_UDP)
		return !skb_queue_empty_lockless(&udp_sk(sk)->reader_queue) ||
		       (obj->early && !skb_queue_empty_lockless(obj->early));
	return READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN;
}

/* Whether a send would find room now (TCP: past the low-water mark). */
static bool writable(struct sockobj_obj *obj, struct sock *sk)
{
	return obj->proto == SOCKOBJ_PROTO_TCP ? sk_stream_is_writeable(sk) :
						 sock_writeable(sk);
}

static u32 tcp_unacked(struct sock *sk)
{
	return READ_ONCE(tcp_sk(sk)->write_seq) - READ_ONCE(tcp_sk(sk)->snd_una);
}

/**
 * sockobj_data_arrived() - data arrived (or the peer's FIN)
 * @obj: the object
 *
 * Posts SOCKOBJ_EV_READABLE if it was armed.
 *
 * Context: any (the data_ready callback, or arming).
 */
void sockobj_data_arrived(struct sockobj_obj *obj)
{
	struct sockobj_file *file = obj->file;

	sockobj_timers_data_moved(obj);
	spin_lock_bh(&file->lock);
	if (obj->att.readable_armed) {
		obj->att.readable_armed = false;
		sockobj_event_post_data(obj, SOCKOBJ_EV_READABLE, 0);
	}
	spin_unlock_bh(&file->lock);
}

/* Datagrams a passive UDP connection holds from its listener, at most. */
#define EARLY_MAX	64

/**
 * sockobj_data_pend() - give a passive UDP connection a datagram of its
 * peer that came to the listening socket
 * @obj: the object, its lock held, with its socket
 * @skb: the datagram, its checksum verified; the object's from now on
 * @announce: signal it (SOCKOBJ_EV_READABLE if armed) now; the first
 *	datagram is queued before ESTABLISHED, which GET_INFO may read
 *	without our lock, and announced after it
 *
 * Its first datagram, and those the peer sent before the object's socket
 * was connected: RECV reads them before its socket's. A datagram beyond
 * EARLY_MAX is dropped, as a full receive buffer drops it (so is one
 * that finds no memory for the object's queue of them).
 *
 * Context: process (the listener's work item).
 */
void sockobj_data_pend(struct sockobj_obj *obj, struct sk_buff *skb,
		       bool announce)
{
	struct sk_buff_head *early = obj->early;

	lockdep_assert_held(&obj->lock);
	if (!early) {
		/* Only passive UDP objects have one: not in every object. */
		early = kmalloc(sizeof(*early), GFP_KERNEL_ACCOUNT);
		if (!early) {
			kfree_skb(skb);
			return;
		}
		skb_queue_head_init(early);
		/* GET_INFO reads it without our lock: see udp_next_len(). */
		smp_store_release(&obj->early, early);
	}
	if (skb_queue_len(early) >= EARLY_MAX) {
		kfree_skb(skb);
		return;
	}
	skb_queue_tail(early, skb);
	if (announce)
		sockobj_data_arrived(obj);
}

/**
 * sockobj_data_space_changed() - send space came back, or an ACK arrived
 * @obj: the object
 * @sk: its socket
 *
 * Send space came back, or (TCP) an ACK arrived while we asked for write
 * space callbacks. Posts SOCKOBJ_EV_WRITABLE and SOCKOBJ_EV_SENT when they
 * were armed and their condition holds.
 *
 * Context: any (the write_space callback, or arming).
 * Return: whether to keep asking (SOCK_NOSPACE), which is how the SENT
 * threshold sees every ACK, as sunrpc does.
 */
bool sockobj_data_space_changed(struct sockobj_obj *obj, struct sock *sk)
{
	struct sockobj_file *file = obj->file;
	bool tcp = obj->proto == SOCKOBJ_PROTO_TCP;
	bool can_write = writable(obj, sk);
	bool keep = false;

	spin_lock_bh(&file->lock);
	if (obj->att.writable_armed && can_write) {
		obj->att.writable_armed = false;
		sockobj_event_post_data(obj, SOCKOBJ_EV_WRITABLE, 0);
	}
	if (tcp && obj->att.sent_armed) {
		if (tcp_unacked(sk) <= obj->sent_threshold) {
			obj->att.sent_armed = false;
			sockobj_event_post_data(obj, SOCKOBJ_EV_SENT, 0);
		} else {
			keep = true;
		}
	}
	spin_unlock_bh(&file->lock);
	if (tcp && !keep)
		sockobj_timers_data_moved(obj);
	return keep;
}

/**
 * sockobj_data_error_reported() - the socket reported an error
 * @obj: the object
 * @sk: its socket
 *
 * TCP reports its errors through the final state change. For UDP an ICMP
 * error (port unreachable...) is a soft error: it becomes a
 * SOCKOBJ_EV_ERROR event and is consumed here, so the object stays usable.
 *
 * Context: any (the error_report callback).
 */
void sockobj_data_error_reported(struct sockobj_obj *obj, struct sock *sk)
{
	int err;

	if (obj->proto == SOCKOBJ_PROTO_UDP) {
		err = -sock_error(sk);
		if (err) {
			spin_lock_bh(&obj->file->lock);
			sockobj_event_post_data(obj, SOCKOBJ_EV_ERROR, err);
			spin_unlock_bh(&obj->file->lock);
		}
	}
}

/*
 * Ask for a data event (SOCKOBJ_EV_READABLE, _WRITABLE or _SENT) once the
 * condition holds; the object's lock is held and it has a socket. Data
 * events are edge-triggered: armed when a receive finds nothing (or
 * drains the queue), a send finds no room, or a send leaves more than the
 * threshold unacknowledged. The condition is checked again after arming,
 * so an edge that came between the failed call and the arming is not
 * missed.
 */
static void arm(struct sockobj_obj *obj, unsigned int type)
{
	struct sockobj_file *file = obj->file;
	struct socket *sock = obj->sock;

	lockdep_assert_held(&obj->lock);
	spin_lock_bh(&file->lock);
	/*
	 * The connection may have closed since the send or receive: a closed
	 * attempt signals nothing more (its CLOSED record is its last).
	 */
	if (obj->state == SOCKOBJ_STATE_CLOSED ||
	    obj->state == SOCKOBJ_STATE_RETRY_WAIT) {
		spin_unlock_bh(&file->lock);
		return;
	}
	if (type == SOCKOBJ_EV_READABLE)
		obj->att.readable_armed = true;
	else if (type == SOCKOBJ_EV_WRITABLE)
		obj->att.writable_armed = true;
	else if (type == SOCKOBJ_EV_SENT && obj->sent_threshold)
		obj->att.sent_armed = true;
	spin_unlock_bh(&file->lock);

	if (type == SOCKOBJ_EV_SENT) {
		/* Ask TCP to call write_space on every ACK from now on. */
		set_bit(SOCK_NOSPACE, &sock->flags);
		sockobj_data_space_changed(obj, sock->sk);
		return;
	}
	if (type == SOCKOBJ_EV_READABLE && readable(obj))
		sockobj_data_arrived(obj);
	else if (type == SOCKOBJ_EV_WRITABLE && writable(obj, sock->sk))
		sockobj_data_space_changed(obj, sock->sk);
}

static int send_state_error(struct sockobj_obj *obj, unsigned int state)
{
	if (state == SOCKOBJ_STATE_ESTABLISHED ||
	    (state == SOCKOBJ_STATE_PEER_CLOSING && obj->proto == SOCKOBJ_PROTO_TCP))
		return 0;
	return state == SOCKOBJ_STATE_CLOSING ? -EPIPE : -ENOTCONN;
}

/**
 * sockobj_data_send() - send without blocking
 * @obj: the object
 * @from: the data
 * @res: @res->done is set to the bytes queued
 *
 * TCP queues what fits in the send buffer (a partial send is a success);
 * UDP sends one datagram. When nothing or not everything fitted, a
 * SOCKOBJ_EV_WRITABLE event follows once space is back; with a SENT
 * threshold, a SOCKOBJ_EV_SENT event follows once the unacknowledged data
 * falls to it.
 *
 * Context: process (the caller's ioctl).
 * Return: 0, -ENOENT, -ENOTCONN (not connected), -EPIPE (CLOSING, or the
 * connection broke), -EAGAIN (no room), or the socket's error.
 */
int sockobj_data_send(struct sockobj_obj *obj, struct iov_iter *from,
		      struct sockobj_io_result *res)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	size_t len = iov_iter_count(from);
	int ret;

	ret = sockobj_object_lock_live(obj);
	if (ret)
		return ret;
	ret = send_state_error(obj, sockobj_conn_state_peek(obj));
	if (ret || !obj->sock) {
		ret = ret ?: -ENOTCONN;
		goto out;
	}
	if (obj->proto == SOCKOBJ_PROTO_UDP && obj->cfg.opt.recv_any) {
		msg.msg_name = &obj->cfg.target;
		msg.msg_namelen = obj->cfg.target_len;
	}
	msg.msg_iter = *from;
	ret = sock_sendmsg(obj->sock, &msg);
	if (ret >= 0) {
		res->done = ret;
		u64_stats_update_begin(&obj->bytes_sync);
		u64_stats_add(&obj->bytes_sent, ret);
		u64_stats_update_end(&obj->bytes_sync);
		sockobj_timers_data_moved(obj);
		if ((size_t)ret < len)
			arm(obj, SOCKOBJ_EV_WRITABLE);
		/*
		 * Only with a threshold: arming sets SOCK_NOSPACE, which has
		 * TCP call write_space on every ACK (and takes the file's
		 * lock twice per send).
		 */
		if (ret > 0 && obj->sent_threshold)
			arm(obj, SOCKOBJ_EV_SENT);
		ret = 0;
	} else if (ret == -EAGAIN || ret == -ENOBUFS) {
		arm(obj, SOCKOBJ_EV_WRITABLE);
		ret = -EAGAIN;
	}
out:
	mutex_unlock(&obj->lock);
	return ret;
}

/* Dequeue the next datagram of a UDP socket without copying it. */
static void drop_datagram(struct socket *sock)
{
	struct msghdr msg = {};

	kernel_recvmsg(sock, &msg, NULL, 0, 0, MSG_DONTWAIT | MSG_TRUNC);
}

/*
 * RECV of a datagram sockobj_data_pend() queued, its source the peer;
 * Return: its length or -EFAULT.
 */
static int recv_early(struct sockobj_obj *obj, struct iov_iter *to,
		      bool peek, struct sockobj_io_result *res)
{
	struct sk_buff *skb = skb_peek(obj->early);
	size_t room = iov_iter_count(to);
	struct iov_iter iter = *to;

	res->full_len = skb->len;
	res->done = min_t(size_t, skb->len, room);
	res->truncated = skb->len > room;
	if (skb_copy_datagram_iter(skb, 0, &iter, res->done))
		return -EFAULT;
	memcpy(&res->from, &obj->raddr, sizeof(res->from));
	if (!peek)
		consume_skb(skb_dequeue(obj->early));
	return res->full_len;
}

/**
 * sockobj_data_recv() - receive without blocking
 * @obj: the object
 * @to: where to put the data
 * @peek: leave the data queued
 * @res: bytes received, the source, and for UDP the datagram's length
 *
 * A TCP receive of 0 bytes means the peer has closed its side. UDP
 * receives one datagram; a longer one is truncated (and reported so).
 * When the queue is found or left empty, a SOCKOBJ_EV_READABLE event
 * follows the next arrival.
 *
 * Context: process (the caller's ioctl).
 * Return: 0, -ENOENT, -ENOTCONN (not yet connected, or CLOSED or broken
 * with no data left), -EAGAIN (nothing queued), -EFAULT, or for UDP the
 * socket's error.
 */
int sockobj_data_recv(struct sockobj_obj *obj, struct iov_iter *to, bool peek,
		      struct sockobj_io_result *res)
{
	struct msghdr msg = {};
	int flags = MSG_DONTWAIT;
	unsigned int state;
	int ret;

	ret = sockobj_object_lock_live(obj);
	if (ret)
		return ret;
	state = sockobj_conn_state_peek(obj);
	if (state == SOCKOBJ_STATE_CONNECTING ||
	    state == SOCKOBJ_STATE_RETRY_WAIT || !obj->sock) {
		ret = -ENOTCONN;
		goto out;
	}
	if (state == SOCKOBJ_STATE_CLOSED) {
		/*
		 * A close can complete (the peer's FIN after ours) before the
		 * last data was read: it stays readable, then ENOTCONN.
		 */
		if (obj->proto != SOCKOBJ_PROTO_TCP ||
		    skb_queue_empty_lockless(&obj->sock->sk->sk_receive_queue)) {
			sockobj_socket_release(obj, false);
			ret = -ENOTCONN;
			goto out;
		}
	}
	/*
	 * udp_recvmsg() drops a datagram it fails to copy, but a request
	 * that fails changes nothing: UDP peeks, and the datagram is dequeued
	 * once the copy succeeded. Only this object reads its socket, under
	 * its lock, so the datagram peeked is the one dequeued.
	 */
	if (peek || obj->proto == SOCKOBJ_PROTO_UDP)
		flags |= MSG_PEEK;
	if (obj->proto == SOCKOBJ_PROTO_UDP)
		flags |= MSG_TRUNC;
	msg.msg_name = &res->from;
	msg.msg_namelen = sizeof(res->from);
	msg.msg_iter = *to;
	if (obj->early && !skb_queue_empty(obj->early)) {
		ret = recv_early(obj, to, peek, res);
	} else {
		ret = sock_recvmsg(obj->sock, &msg, flags);
		if (ret >= 0 && obj->proto == SOCKOBJ_PROTO_UDP && !peek)
			drop_datagram(obj->sock);
		if (ret >= 0) {
			size_t room = iov_iter_count(to);

			res->full_len = ret;
			res->done = min_t(size_t, ret, room);
			res->truncated = !!(msg.msg_flags & MSG_TRUNC);
		}
	}
	if (ret >= 0) {
		if (obj->proto == SOCKOBJ_PROTO_TCP)
			memcpy(&res->from, &obj->raddr, sizeof(res->from));
		if (!peek) {
			u64_stats_update_begin(&obj->bytes_sync);
			u64_stats_add(&obj->bytes_received, res->done);
			u64_stats_update_end(&obj->bytes_sync);
			if (res->done)
				sockobj_timers_data_moved(obj);
			if (!readable(obj))
				arm(obj, SOCKOBJ_EV_READABLE);
		}
		ret = 0;
	} else if (ret == -EAGAIN) {
		arm(obj, SOCKOBJ_EV_READABLE);
	} else if (ret != -EFAULT && obj->proto == SOCKOBJ_PROTO_TCP) {
		/*
		 * The connection broke (a RST, a timeout) and nothing is left
		 * to read: the state change that comes with the error reports
		 * why, and the object is CLOSED.
		 */
		ret = -ENOTCONN;
	}
out:
	mutex_unlock(&obj->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(sockobj_data_recv);

/*
 * The next datagram's length, as SIOCINQ reports it, from the queues
 * alone: a receive (even a peek) would consume a pending soft error that
 * the next RECV must report, and run the cgroup's recvmsg programs. UDP
 * takes datagrams from its reader queue first, then from the receive
 * queue, their headers already pulled; RECV reads a passive connection's
 * early datagrams before both.
 */
static unsigned int udp_next_len(struct sockobj_obj *obj, struct sock *sk)
{
	/* Pairs with sockobj_data_pend()'s release: an initialised queue. */
	struct sk_buff_head *early = smp_load_acquire(&obj->early);
	struct sk_buff_head *queues[] = {
		early, &udp_sk(sk)->reader_queue, &sk->sk_receive_queue,
	};
	struct sk_buff *skb = NULL;
	unsigned int i, len = 0;

	for (i = !queues[0]; i < ARRAY_SIZE(queues) && !skb; i++) {
		spin_lock_bh(&queues[i]->lock);
		skb = skb_peek(queues[i]);
		if (skb)
			len = skb->len;
		spin_unlock_bh(&queues[i]->lock);
	}
	return len;
}

/**
 * sockobj_data_bytes() - read the bytes moved each way, all attempts
 * @obj: the object, any lock or none
 * @sent: set to the bytes sent
 * @received: set to the bytes received
 *
 * Context: any.
 */
void sockobj_data_bytes(struct sockobj_obj *obj, u64 *sent, u64 *received)
{
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&obj->bytes_sync);
		*sent = u64_stats_read(&obj->bytes_sent);
		*received = u64_stats_read(&obj->bytes_received);
	} while (u64_stats_fetch_retry(&obj->bytes_sync, start));
}

/**
 * sockobj_data_tcp_unread() - bytes a TCP socket received and not yet read
 * @sk: the socket's sock
 *
 * As tcp_inq() counts them but without the socket's lock, which a send or
 * receive holds across its user copy (inet_diag reads the same fields
 * so): the peer's FIN is not a byte, and an urgent byte kept out of band
 * ends what a read returns.
 *
 * Context: any.
 * Return: the number of bytes.
 */
u32 sockobj_data_tcp_unread(struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	u32 copied = READ_ONCE(tp->copied_seq);
	s32 n = READ_ONCE(tp->rcv_nxt) - copied;

	if ((1 << READ_ONCE(sk->sk_state)) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		return 0;
	if (n > 0 && !sock_flag(sk, SOCK_URGINLINE) && READ_ONCE(tp->urg_data) &&
	    !before(READ_ONCE(tp->urg_seq), copied) &&
	    before(READ_ONCE(tp->urg_seq), READ_ONCE(tp->rcv_nxt)))
		return READ_ONCE(tp->urg_seq) - copied;
	if (n > 0 && sock_flag(sk, SOCK_DONE))
		n--;
	return n > 0 ? n : 0;
}

/**
 * sockobj_data_counters() - fill the queue counters of an object's socket
 * @obj: the object
 * @sk: its socket's sock, referenced by the caller
 * @info: rx_queued, tx_unacked and tx_space are set
 *
 * TCP: bytes waiting to be read, bytes not yet acknowledged (SIOCINQ,
 * SIOCOUTQ) and free send space. UDP: the next datagram's length, bytes
 * in the send queue and free send space. No lock of the object or the
 * socket is taken: each figure is a snapshot, as ss(8) shows them.
 *
 * Context: process.
 */
void sockobj_data_counters(struct sockobj_obj *obj, struct sock *sk,
			   struct sockobj_info *info)
{
	int space;

	if (obj->proto == SOCKOBJ_PROTO_TCP) {
		int state = READ_ONCE(sk->sk_state);

		if (state != TCP_LISTEN && state != TCP_SYN_SENT) {
			/* CLOSE too: data left after a completed close. */
			info->rx_queued = sockobj_data_tcp_unread(sk);
			if (state != TCP_CLOSE)
				info->tx_unacked = tcp_unacked(sk);
		}
		space = sk_stream_wspace(sk);
	} else {
		info->rx_queued = udp_next_len(obj, sk);
		info->tx_unacked = sk_wmem_alloc_get(sk);
		space = READ_ONCE(sk->sk_sndbuf) - sk_wmem_alloc_get(sk);
	}
	info->tx_space = space > 0 ? space : 0;
}
