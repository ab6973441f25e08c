// SPDX-License-Identifier: GPL-2.0
/*
 * The connection of a sock object: its properties, its state transitions
 * and the operations on it (connect, disconnect, abort, hand-off), and what
 * a TCP state change reported by the socket means for it.
 *
 * Locking: every operation here runs in process context under obj->lock,
 * taken with sockobj_object_lock_live(), except sockobj_conn_tcp_changed()
 * (a socket callback, any context, under sk_callback_lock) and
 * sockobj_conn_state() (any lock but file->lock). The state and the
 * fields beside it change under file->lock (spin_lock_bh), which is never
 * held across a call into the socket layer: its callbacks may run
 * synchronously inside kernel_connect() and kernel_sock_shutdown(). A
 * close we decide ourselves is decided for the state we saw and is void
 * if a callback moved the object on before the callbacks were detached.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/bitops.h>
#include <linux/file.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "conn.h"
#include "data.h"
#include "file.h"
#include "fsm.h"
#include "listen.h"
#include "object.h"
#include "retry.h"
#include "socket.h"
#include "timers.h"
#include "trace.h"

/*
 * Record a transition and queue its record. A close the retry policy
 * retries enters RETRY_WAIT instead of CLOSED. @retry_ms is that of a
 * CONNECTING record (see struct sockobj_event). Caller holds file->lock.
 */
static void transition_ms(struct sockobj_obj *obj, unsigned int next,
			  unsigned int reason, int err, u32 retry_ms)
{
	struct sockobj_record r = {
		.state = next,
		.prev_state = obj->state,
		.merged = 1,
		.attempt = obj->att.gen,
		.retry_ms = retry_ms,
	};

	lockdep_assert_held(&obj->file->lock);
	if (next == SOCKOBJ_STATE_CLOSED) {
		next = sockobj_retry_closed(obj, reason, &r);
		r.state = next;
		r.reason = reason;
		r.phase = obj->state;
		r.error = err;
	} else if (next == SOCKOBJ_STATE_CONNECTING ||
		   next == SOCKOBJ_STATE_LISTENING) {
		r.attempt++;
	}
	sockobj_event_stamp(obj, &r);
	trace_sockobj_state(obj->id, r.seq, obj->state, next, r.reason, err);
	switch (next) {
	case SOCKOBJ_STATE_RETRY_WAIT:
		obj->run.due_ns = r.time_ns + (u64)r.retry_ms * NSEC_PER_MSEC;
		trace_sockobj_retry_wait(obj->id, r.attempt, reason, r.retry_ms);
		fallthrough;
	case SOCKOBJ_STATE_CLOSED:
		obj->reason = reason;
		obj->phase = obj->state;
		obj->error = err;
		obj->closed_ns = r.time_ns;
		obj->att.readable_armed = false;
		obj->att.writable_armed = false;
		obj->att.sent_armed = false;
		break;
	case SOCKOBJ_STATE_CONNECTING:
	case SOCKOBJ_STATE_LISTENING:
		obj->reason = SOCKOBJ_REASON_NONE;
		obj->phase = SOCKOBJ_STATE_CLOSED;
		obj->error = 0;
		obj->connect_ns = r.time_ns;
		obj->established_ns = 0;
		/* A new attempt; the first data to arrive is signalled. */
		obj->att = (struct sockobj_attempt){
			.gen = obj->att.gen + 1,
			.readable_armed = true,
			.passive = next == SOCKOBJ_STATE_LISTENING,
		};
		break;
	case SOCKOBJ_STATE_PASSIVE_OPENING:
		/*
		 * The socket given to the object may receive before it is
		 * ESTABLISHED: READABLE waits for that record, and whoever
		 * moves the object on announces what came meanwhile.
		 */
		obj->att.readable_armed = false;
		break;
	case SOCKOBJ_STATE_ESTABLISHED:
		if (obj->state == SOCKOBJ_STATE_PASSIVE_OPENING)
			obj->att.readable_armed = true;
		obj->established_ns = r.time_ns;
		sockobj_timers_established(obj);
		sockobj_retry_established(obj);
		break;
	case SOCKOBJ_STATE_PEER_CLOSING:
		obj->att.peer_fin = true;
		break;
	}
	/* Release: sockobj_conn_state_peek() reads it without the lock. */
	smp_store_release(&obj->state, next);
	/* The record after its state: a mapped ring hands it over at once. */
	sockobj_event_post(obj, &r);
	sockobj_event_deliver(obj->file);
}

static void transition(struct sockobj_obj *obj, unsigned int next,
		       unsigned int reason, int err)
{
	transition_ms(obj, next, reason, err, 0);
}

/**
 * sockobj_conn_tcp_changed() - what a TCP state change means for the object
 * @obj: the object, attached to the socket
 * @tcp_state: the socket's TCP_* state
 * @err: the socket's error
 * @rx_queued: the socket has received data (or the FIN) not yet read
 * @rx_data: of which data, not only the FIN
 *
 * A close that leaves data unread first posts SOCKOBJ_EV_READABLE if it is
 * armed: the data_ready callback of that data may only run after this one,
 * on a CLOSED object, and no data may go unannounced. So does the peer's
 * FIN that came with data: that data came before it.
 *
 * Context: any (the state callback, under sk_callback_lock).
 */
void sockobj_conn_tcp_changed(struct sockobj_obj *obj, int tcp_state, int err,
			      bool rx_queued, bool rx_data)
{
	struct sockobj_file *file = obj->file;
	int input = sockobj_fsm_tcp_input(tcp_state);
	int next;

	if (input < 0)
		return;
	spin_lock_bh(&file->lock);
	next = sockobj_fsm_next(obj->state, input);
	if (next == SOCKOBJ_STATE_CLOSED) {
		/* PASSIVE_OPENING holds back READABLE: this is its last chance. */
		if (rx_queued && (obj->att.readable_armed ||
				  obj->state == SOCKOBJ_STATE_PASSIVE_OPENING)) {
			obj->att.readable_armed = false;
			sockobj_event_post_data(obj, SOCKOBJ_EV_READABLE, 0);
		}
		transition(obj, next,
			   sockobj_fsm_close_reason(obj->state, err, obj->att.peer_fin),
			   err);
		sockobj_timers_conn_closed(obj);
	} else if (next >= 0) {
		/*
		 * A FIN that came with data: TCP queues the data, then changes
		 * state, then calls data_ready. READABLE, armed, goes first:
		 * the data came before the FIN.
		 */
		if (next == SOCKOBJ_STATE_PEER_CLOSING && rx_data &&
		    obj->att.readable_armed) {
			obj->att.readable_armed = false;
			sockobj_event_post_data(obj, SOCKOBJ_EV_READABLE, 0);
		}
		transition(obj, next, 0, 0);
	}
	spin_unlock_bh(&file->lock);
}

/**
 * sockobj_conn_close() - close the current attempt ourselves
 * @obj: the object, its lock held
 * @seen: the state the close was decided for
 * @reason: SOCKOBJ_REASON_* of the close
 * @err: positive errno of the close, or 0
 *
 * Closes with @reason, from process context, if the object is still in
 * state @seen. The reason was chosen for @seen (a connect timeout or a
 * cancel for CONNECTING, inactivity for ESTABLISHED): a callback may have
 * moved the object on since, and the decision is then void.
 *
 * Context: process.
 * Return: whether it closed.
 */
bool sockobj_conn_close(struct sockobj_obj *obj, unsigned int seen,
			unsigned int reason, int err)
{
	struct sockobj_file *file = obj->file;

	lockdep_assert_held(&obj->lock);
	if (obj->sock && !sockobj_socket_detach_in(obj, seen))
		return false;
	sockobj_listen_leave(obj);
	sockobj_timers_stop(obj);
	spin_lock_bh(&file->lock);
	if (obj->state != SOCKOBJ_STATE_CLOSED)
		transition(obj, SOCKOBJ_STATE_CLOSED, reason, err);
	spin_unlock_bh(&file->lock);
	sockobj_socket_release(obj, true);
	return true;
}

/**
 * sockobj_conn_state_peek() - read an object's state without its file's lock
 * @obj: the object
 *
 * For a caller that only needs to know whether the object is connected
 * now, as a send or receive does (under the object's lock, which keeps the
 * socket, not the state): what it reads can change the next instant,
 * under the lock as well; the socket call that follows tells the rest.
 * The file's lock and unlock (with their bottom-half enable) were a tenth
 * of the module's own cost in a 64-byte receive.
 *
 * Context: any.
 * Return: SOCKOBJ_STATE_*.
 */
unsigned int sockobj_conn_state_peek(const struct sockobj_obj *obj)
{
	/* Acquire: pairs with the release in transition_ms(). */
	return smp_load_acquire(&obj->state);
}

/**
 * sockobj_conn_state() - read an object's state
 * @obj: the object
 * @space: if not NULL, set to the free room in its state record ring
 *
 * Context: any, file->lock not held.
 * Return: SOCKOBJ_STATE_*.
 */
unsigned int sockobj_conn_state(struct sockobj_obj *obj, unsigned int *space)
{
	struct sockobj_file *file = obj->file;
	unsigned int state;

	spin_lock_bh(&file->lock);
	state = obj->state;
	if (space)
		*space = sockobj_event_ring_space(&obj->ring);
	spin_unlock_bh(&file->lock);
	return state;
}

static int resolve_iface(struct net *net, struct sockobj_cfg *cfg)
{
	struct net_device *dev;
	int ret = 0;

	if (!cfg->ifindex && !cfg->ifname[0])
		return 0;
	rcu_read_lock();
	if (cfg->ifindex)
		dev = dev_get_by_index_rcu(net, cfg->ifindex);
	else
		dev = dev_get_by_name_rcu(net, cfg->ifname);
	if (dev) {
		cfg->ifindex = dev->ifindex;
		strscpy(cfg->ifname, dev->name, sizeof(cfg->ifname));
	} else {
		ret = -ENODEV;
	}
	rcu_read_unlock();
	return ret;
}

/**
 * sockobj_conn_configure() - change properties of a CLOSED object
 * @obj: the object
 * @u: the request (validated here as a whole)
 *
 * Context: process.
 * Return: 0, -ENOENT, -EISCONN (not CLOSED), -EINVAL or -ENODEV; nothing
 * changes on error.
 */
int sockobj_conn_configure(struct sockobj_obj *obj,
			   const struct sockobj_config *u)
{
	struct sockobj_cfg cfg;
	int ret;

	ret = sockobj_object_lock_live(obj);
	if (ret)
		return ret;
	cfg = obj->cfg;
	ret = sockobj_config_merge(&cfg, u, obj->proto);
	if (!ret && (u->mask & SOCKOBJ_CFG_IFACE))
		ret = resolve_iface(obj->file->net, &cfg);
	if (!ret && (u->mask & ~SOCKOBJ_CFG_ANY_STATE) &&
	    sockobj_conn_state(obj, NULL) != SOCKOBJ_STATE_CLOSED)
		ret = -EISCONN;
	if (!ret) {
		obj->cfg = cfg;
		spin_lock_bh(&obj->file->lock);
		obj->sent_threshold = cfg.opt.sent_threshold;
		if (!obj->sent_threshold)
			obj->att.sent_armed = false;
		spin_unlock_bh(&obj->file->lock);
	}
	mutex_unlock(&obj->lock);
	return ret;
}

/**
 * sockobj_conn_get_config() - read an object's configuration
 * @obj: the object
 * @u: filled in
 *
 * Context: process.
 * Return: 0 or -ENOENT.
 */
int sockobj_conn_get_config(struct sockobj_obj *obj, struct sockobj_config *u)
{
	int ret = sockobj_object_lock_live(obj);

	if (ret)
		return ret;
	sockobj_config_export(&obj->cfg, u);
	mutex_unlock(&obj->lock);
	return 0;
}

/*
 * Start the attempt whose socket was just opened: CONNECTING (a new run of
 * the retry policy when @first, the user's CONNECT), its timers, and the
 * connect itself.
 */
static void launch(struct sockobj_obj *obj, bool first, u32 late_ms)
{
	struct sockobj_file *file = obj->file;
	int ret;

	spin_lock_bh(&file->lock);
	if (first)
		sockobj_retry_begin(obj);
	obj->raddr = obj->cfg.target;
	memset(&obj->laddr, 0, sizeof(obj->laddr));
	transition_ms(obj, SOCKOBJ_STATE_CONNECTING, 0, 0, late_ms);
	spin_unlock_bh(&file->lock);
	sockobj_timers_connect_started(obj);

	if (obj->proto == SOCKOBJ_PROTO_UDP && obj->cfg.opt.recv_any)
		ret = 0;	/* sends go to the target with sendto() */
	else
		ret = sockobj_kernel_connect(obj->sock, &obj->cfg.target,
					     obj->cfg.target_len, O_NONBLOCK);
	sockobj_socket_snapshot_local(obj);
	trace_sockobj_connect(obj->id, obj->proto, &obj->cfg.target, ret);
	if (ret != 0 && ret != -EINPROGRESS) {
		/*
		 * Known at once (no route...): still an event, not an error.
		 * Already CLOSED by a callback, the release work frees it.
		 */
		sockobj_conn_close(obj, SOCKOBJ_STATE_CONNECTING,
				   sockobj_fsm_close_reason(SOCKOBJ_STATE_CONNECTING,
							    -ret, false), -ret);
	} else if (obj->proto == SOCKOBJ_PROTO_UDP) {
		/* A UDP "connect" resolved the route: nothing to wait for. */
		spin_lock_bh(&file->lock);
		if (obj->state == SOCKOBJ_STATE_CONNECTING)
			transition(obj, SOCKOBJ_STATE_ESTABLISHED, 0, 0);
		spin_unlock_bh(&file->lock);
	}
}

/**
 * sockobj_conn_connect() - start an asynchronous active open
 * @obj: a CLOSED object with a target
 *
 * The socket is created, bound and configured here, with the credentials
 * of the file's opener, so the opener's privileges decide whoever calls.
 * From the moment the state is CONNECTING the callbacks own the outcome:
 * on loopback the handshake or the refusal usually completes inside
 * kernel_connect() itself.
 *
 * Context: process (the caller's ioctl).
 * Return: 0 once the attempt started (its outcome arrives as events),
 * -ENOENT, -EISCONN, -EDESTADDRREQ, -EBUSY (undelivered records), or the
 * error socket(2), bind(2) or SO_BINDTODEVICE gave the opener.
 */
int sockobj_conn_connect(struct sockobj_obj *obj)
{
	unsigned int space;
	int ret;

	ret = sockobj_object_lock_live(obj);
	if (ret)
		return ret;
	if (sockobj_conn_state(obj, &space) != SOCKOBJ_STATE_CLOSED) {
		ret = -EISCONN;
		goto out;
	}
	if (!(obj->cfg.mask & SOCKOBJ_CFG_TARGET)) {
		ret = -EDESTADDRREQ;
		goto out;
	}
	if (space < SOCKOBJ_TRANSITIONS_MAX) {
		ret = -EBUSY;
		goto out;
	}
	/* A passive connection that ended may not have left its listener. */
	sockobj_listen_leave(obj);
	sockobj_timers_connect_requested(obj);

	ret = sockobj_socket_open(obj);
	if (!ret)
		launch(obj, true, 0);
out:
	mutex_unlock(&obj->lock);
	return ret;
}

/**
 * sockobj_conn_retry() - the retry policy's next attempt
 * @obj: the object, its lock held, in RETRY_WAIT with its last socket
 *	released
 *
 * Starts the attempt as SOCKOBJ_IOC_CONNECT would if it is due and its
 * records fit (else a reader freeing them asks again). What would have
 * been CONNECT's error (the opener refused a socket or its bind, the
 * interface gone) has nobody to return to: it is the attempt's close.
 *
 * Context: process (the object's work item).
 */
void sockobj_conn_retry(struct sockobj_obj *obj)
{
	struct sockobj_file *file = obj->file;
	unsigned int reason;
	u32 late_ms;
	int ret;

	lockdep_assert_held(&obj->lock);
	if (!sockobj_retry_start(obj, &late_ms))
		return;
	sockobj_timers_connect_requested(obj);
	ret = sockobj_socket_open(obj);
	trace_sockobj_retry_start(obj->id, obj->att.gen + 1, late_ms, ret);
	if (!ret) {
		launch(obj, false, late_ms);
		return;
	}
	reason = ret == -ENODEV ? SOCKOBJ_REASON_NET_UNREACH :
		 sockobj_fsm_close_reason(SOCKOBJ_STATE_CONNECTING, -ret, false);
	spin_lock_bh(&file->lock);
	obj->raddr = obj->cfg.target;
	memset(&obj->laddr, 0, sizeof(obj->laddr));
	transition_ms(obj, SOCKOBJ_STATE_CONNECTING, 0, 0, late_ms);
	transition(obj, SOCKOBJ_STATE_CLOSED, reason, -ret);
	spin_unlock_bh(&file->lock);
}

static bool has_local_port(const struct sockobj_cfg *cfg)
{
	if (!(cfg->mask & SOCKOBJ_CFG_LOCAL))
		return false;
	if (cfg->local.sa.sa_family == AF_INET)
		return cfg->local.v4.sin_port;
	return cfg->local.sa.sa_family == AF_INET6 && cfg->local.v6.sin6_port;
}

/**
 * sockobj_conn_listen() - start a passive open
 * @obj: a CLOSED object with a local port
 * @u: the request, its flags and reserved bytes checked
 *
 * The object joins the listener of its local address (which creates the
 * listening socket, as the file's opener, if the file has none there) and
 * is LISTENING; an incoming connection reaches it through
 * sockobj_conn_accepted().
 *
 * Context: process (the caller's ioctl).
 * Return: 0, -ENOENT, -EOPNOTSUPP (UDP with recv_any), -EISCONN,
 * -EDESTADDRREQ (no local
 * port; no target for a filtering inconmode), -EBUSY (undelivered
 * records), -EPERM (an option the opener may not set), or the error
 * socket(2), bind(2) or listen(2) gave the opener.
 */
int sockobj_conn_listen(struct sockobj_obj *obj, const struct sockobj_listen *u)
{
	struct sockobj_file *file = obj->file;
	union sockobj_sockaddr local = {};
	unsigned int space;
	int ret;

	ret = sockobj_object_lock_live(obj);
	if (ret)
		return ret;
	/* Unconnected, its socket could not tell its peer's datagrams. */
	if (obj->proto == SOCKOBJ_PROTO_UDP && obj->cfg.opt.recv_any)
		ret = -EOPNOTSUPP;
	else if (sockobj_conn_state(obj, &space) != SOCKOBJ_STATE_CLOSED)
		ret = -EISCONN;
	else if (!has_local_port(&obj->cfg) ||
		 (u->inconmode != SOCKOBJ_INCON_ANY &&
		  !(obj->cfg.mask & SOCKOBJ_CFG_TARGET)))
		ret = -EDESTADDRREQ;
	else if (space < SOCKOBJ_TRANSITIONS_MAX)
		ret = -EBUSY;
	else if (!sockobj_socket_options_permitted(obj))
		ret = -EPERM;
	if (ret)
		goto out;
	/* A passive connection that ended may not have left its listener. */
	sockobj_listen_leave(obj);
	sockobj_timers_connect_requested(obj);
	ret = sockobj_listen_join(obj, u->backlog, &local);
	if (ret)
		goto out;
	/* Read under our lock only, which the listener's work takes. */
	obj->inconmode = u->inconmode;
	obj->reconmode = u->reconmode;
	/* The last connection's socket, kept for its unread data, goes now. */
	sockobj_socket_release(obj, false);
	spin_lock_bh(&file->lock);
	obj->laddr = local;
	memset(&obj->raddr, 0, sizeof(obj->raddr));
	obj->bound_ifindex = obj->cfg.ifindex;
	transition(obj, SOCKOBJ_STATE_LISTENING, 0, 0);
	spin_unlock_bh(&file->lock);
out:
	mutex_unlock(&obj->lock);
	return ret;
}

/**
 * sockobj_conn_replace() - a reconnect ends the object's passive connection
 * @obj: the object, its lock held, off its listener, with room for
 *	SOCKOBJ_TRANSITIONS_MAX + 2 records
 * @local: the address its listener is bound to
 *
 * The connection the object took, still ESTABLISHED or PEER_CLOSING, is
 * reset (CLOSED, SOCKOBJ_REASON_REPLACED, its unread data discarded) and a
 * new passive attempt begins: the object is LISTENING, for
 * sockobj_conn_accepted() to give it the connection that replaces the old.
 *
 * Context: process (the listener's work item).
 * Return: false, changing nothing, when the connection has ended otherwise
 * (a callback may have closed it since the caller looked).
 */
bool sockobj_conn_replace(struct sockobj_obj *obj,
			  const union sockobj_sockaddr *local)
{
	struct sockobj_file *file = obj->file;
	unsigned int state;

	lockdep_assert_held(&obj->lock);
	/* Until the state it was decided for holds: it only moves forward. */
	do {
		state = sockobj_conn_state(obj, NULL);
		if (!obj->att.passive || !obj->sock ||
		    (state != SOCKOBJ_STATE_ESTABLISHED &&
		     state != SOCKOBJ_STATE_PEER_CLOSING))
			return false;
	} while (!sockobj_conn_close(obj, state, SOCKOBJ_REASON_REPLACED, 0));
	sockobj_timers_connect_requested(obj);
	spin_lock_bh(&file->lock);
	obj->laddr = *local;
	memset(&obj->raddr, 0, sizeof(obj->raddr));
	transition(obj, SOCKOBJ_STATE_LISTENING, 0, 0);
	spin_unlock_bh(&file->lock);
	return true;
}

/**
 * sockobj_conn_accepted() - a LISTENING object takes an incoming connection
 * @obj: the object, its lock held, LISTENING with room for an attempt's
 *	records, off its listener
 * @sock: the accepted socket, the object's from now on
 * @peer: its remote address
 *
 * PASSIVE_OPENING, then what the socket already is: the handshake is the
 * kernel's and done, the peer may have sent data and its FIN since, or
 * reset the connection. What happens after our callbacks are installed
 * reaches them, and the transitions only move forward, so reading the
 * state after installing them misses nothing and reports nothing twice.
 *
 * Context: process (the listener's work item).
 */
void sockobj_conn_accepted(struct sockobj_obj *obj, struct socket *sock,
			   const union sockobj_sockaddr *peer)
{
	struct sockobj_file *file = obj->file;
	struct sock *sk = sock->sk;
	unsigned int state;
	int ret;

	lockdep_assert_held(&obj->lock);
	spin_lock_bh(&file->lock);
	obj->raddr = *peer;
	transition(obj, SOCKOBJ_STATE_PASSIVE_OPENING, 0, 0);
	spin_unlock_bh(&file->lock);
	sockobj_timers_connect_started(obj);
	ret = sockobj_socket_adopt(obj, sock);
	if (ret) {
		/* An option the opener may not set: as CONNECT would fail. */
		sock_no_linger(sk);
		sock_release(sock);
		spin_lock_bh(&file->lock);
		transition(obj, SOCKOBJ_STATE_CLOSED, SOCKOBJ_REASON_ERROR, -ret);
		spin_unlock_bh(&file->lock);
		return;
	}
	sockobj_socket_snapshot_local(obj);
	read_lock_bh(&sk->sk_callback_lock);
	if (READ_ONCE(sk->sk_state) != TCP_CLOSE)
		sockobj_conn_tcp_changed(obj, TCP_ESTABLISHED, 0, false, false);
	sockobj_conn_tcp_changed(obj, READ_ONCE(sk->sk_state),
				 READ_ONCE(sk->sk_err),
				 !skb_queue_empty_lockless(&sk->sk_receive_queue),
				 sockobj_data_tcp_unread(sk) > 0);
	read_unlock_bh(&sk->sk_callback_lock);
	/* Data (or the FIN) that came before our callbacks: announce it. */
	state = sockobj_conn_state(obj, NULL);
	if ((state == SOCKOBJ_STATE_ESTABLISHED ||
	     state == SOCKOBJ_STATE_PEER_CLOSING) &&
	    (!skb_queue_empty_lockless(&sk->sk_receive_queue) ||
	     (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN)))
		sockobj_data_arrived(obj);
}

/**
 * sockobj_conn_datagram() - a LISTENING UDP object takes a new peer
 * @obj: the object, its lock held, LISTENING with room for an attempt's
 *	records, off its listener
 * @skb: the peer's first datagram, its checksum verified; the object's
 *	from now on
 * @local: the address and port it was sent to
 * @peer: its source
 *
 * PASSIVE_OPENING, then, once the object's own socket is connected to the
 * peer, ESTABLISHED with the datagram to read; CLOSED (reason ERROR) when
 * the socket cannot be made, as CONNECT would have failed.
 *
 * Context: process (the listener's work item).
 */
void sockobj_conn_datagram(struct sockobj_obj *obj, struct sk_buff *skb,
			   union sockobj_sockaddr *local,
			   union sockobj_sockaddr *peer)
{
	struct sockobj_file *file = obj->file;
	int ret;

	lockdep_assert_held(&obj->lock);
	spin_lock_bh(&file->lock);
	obj->raddr = *peer;
	transition(obj, SOCKOBJ_STATE_PASSIVE_OPENING, 0, 0);
	spin_unlock_bh(&file->lock);
	sockobj_timers_connect_started(obj);
	ret = sockobj_socket_open_peer(obj, local, peer);
	if (ret) {
		kfree_skb(skb);
		spin_lock_bh(&file->lock);
		transition(obj, SOCKOBJ_STATE_CLOSED, SOCKOBJ_REASON_ERROR, -ret);
		spin_unlock_bh(&file->lock);
		return;
	}
	sockobj_socket_snapshot_local(obj);
	/* Readable as soon as ESTABLISHED; its READABLE record after it. */
	sockobj_data_pend(obj, skb, false);
	spin_lock_bh(&file->lock);
	if (obj->state == SOCKOBJ_STATE_PASSIVE_OPENING)
		transition(obj, SOCKOBJ_STATE_ESTABLISHED, 0, 0);
	spin_unlock_bh(&file->lock);
	sockobj_data_arrived(obj);
}

/**
 * sockobj_conn_set_retry() - set the retry policy of a CLOSED object
 * @obj: the object
 * @u: the request, its reserved bytes checked
 *
 * Context: process.
 * Return: 0, -ENOENT, -EINVAL or -EISCONN (not CLOSED); nothing changes
 * on error.
 */
int sockobj_conn_set_retry(struct sockobj_obj *obj,
			   const struct sockobj_retry *u)
{
	struct sockobj_retry_policy p;
	int ret;

	ret = sockobj_retry_parse(u, &p);
	if (ret)
		return ret;
	ret = sockobj_object_lock_live(obj);
	if (ret)
		return ret;
	/* The callbacks read it under the file's lock. */
	spin_lock_bh(&obj->file->lock);
	if (obj->state != SOCKOBJ_STATE_CLOSED)
		ret = -EISCONN;
	else
		obj->retry = p;
	spin_unlock_bh(&obj->file->lock);
	mutex_unlock(&obj->lock);
	return ret;
}

/**
 * sockobj_conn_get_retry() - read the retry policy of an object
 * @obj: the object
 * @u: filled in, but for its id
 *
 * Context: process.
 * Return: 0 or -ENOENT.
 */
int sockobj_conn_get_retry(struct sockobj_obj *obj, struct sockobj_retry *u)
{
	spin_lock_bh(&obj->file->lock);
	if (obj->dead) {
		spin_unlock_bh(&obj->file->lock);
		return -ENOENT;
	}
	sockobj_retry_export(&obj->retry, u);
	spin_unlock_bh(&obj->file->lock);
	return 0;
}

/**
 * sockobj_conn_disconnect() - graceful close, or cancel while connecting
 * @obj: the object
 *
 * Context: process.
 * Return: 0, -ENOENT, -ENOTCONN (CLOSED) or -EALREADY (CLOSING).
 */
int sockobj_conn_disconnect(struct sockobj_obj *obj)
{
	struct sockobj_file *file = obj->file;
	unsigned int state;
	int ret;

	ret = sockobj_object_lock_live(obj);
	if (ret)
		return ret;
again:
	spin_lock_bh(&file->lock);
	state = obj->state;
	if (sockobj_fsm_next(state, SOCKOBJ_IN_DISCONNECT) ==
	    SOCKOBJ_STATE_CLOSING && obj->proto == SOCKOBJ_PROTO_TCP)
		transition(obj, SOCKOBJ_STATE_CLOSING, 0, 0);
	spin_unlock_bh(&file->lock);

	switch (state) {
	case SOCKOBJ_STATE_RETRY_WAIT:
	case SOCKOBJ_STATE_LISTENING:
		/*
		 * Nothing moves an object out of these but its lock (an
		 * incoming connection is given only to a locked object).
		 */
		sockobj_conn_close(obj, state, SOCKOBJ_REASON_CANCELLED, 0);
		break;
	case SOCKOBJ_STATE_CONNECTING:
		/* The handshake may complete first: then close gracefully. */
		if (!sockobj_conn_close(obj, state, SOCKOBJ_REASON_CANCELLED, 0))
			goto again;
		break;
	case SOCKOBJ_STATE_ESTABLISHED:
		if (obj->proto == SOCKOBJ_PROTO_UDP) {
			/* No closing handshake: the close completes now. */
			sockobj_conn_close(obj, state,
					   SOCKOBJ_REASON_LOCAL_CLOSED, 0);
			break;
		}
		fallthrough;
	case SOCKOBJ_STATE_PEER_CLOSING:
		/*
		 * FIN after the queued data. If the connection died meanwhile
		 * this fails and the callback has reported why. A connection
		 * the object closes takes it off its listener (a reconmode's):
		 * a CLOSING object takes no reconnect.
		 */
		kernel_sock_shutdown(obj->sock, SHUT_WR);
		sockobj_listen_leave(obj);
		break;
	case SOCKOBJ_STATE_CLOSING:
		ret = -EALREADY;
		break;
	default:
		ret = -ENOTCONN;
		break;
	}
	mutex_unlock(&obj->lock);
	return ret;
}

/**
 * sockobj_conn_abort() - reset the connection now
 * @obj: the object
 *
 * Context: process.
 * Return: 0 (the object is CLOSED), -ENOENT or -ENOTCONN (already CLOSED).
 */
int sockobj_conn_abort(struct sockobj_obj *obj)
{
	unsigned int state;
	int ret;

	ret = sockobj_object_lock_live(obj);
	if (ret)
		return ret;
	/* Until the state it was decided for holds: it only moves forward. */
	do {
		state = sockobj_conn_state(obj, NULL);
		if (state == SOCKOBJ_STATE_CLOSED) {
			ret = -ENOTCONN;
			break;
		}
	} while (!sockobj_conn_close(obj, state,
				     (state == SOCKOBJ_STATE_CONNECTING ||
				      state == SOCKOBJ_STATE_RETRY_WAIT ||
				      state == SOCKOBJ_STATE_LISTENING) ?
				     SOCKOBJ_REASON_CANCELLED :
				     SOCKOBJ_REASON_ABORTED, 0));
	mutex_unlock(&obj->lock);
	return ret;
}

/**
 * sockobj_conn_get_info() - report an object's state
 * @obj: the object
 * @info: filled in (id and reserved are left to the caller)
 *
 * Never waits on the object's lock: a SEND or RECV holds it for as long
 * as its user copy takes, which a buffer whose page never comes (FUSE,
 * userfaultfd) makes forever, and /proc/net/sockobj reports through here. What
 * the lock guards is snapshotted under the file's lock instead, and the
 * socket's queue counters are read without its lock, as ss(8) reads them.
 *
 * Context: process.
 * Return: 0 or -ENOENT.
 */
int sockobj_conn_get_info(struct sockobj_obj *obj, struct sockobj_info *info)
{
	struct sockobj_file *file = obj->file;
	union sockobj_sockaddr laddr, raddr;
	struct sock *sk = NULL;

	spin_lock_bh(&file->lock);
	if (obj->dead) {
		spin_unlock_bh(&file->lock);
		return -ENOENT;
	}
	laddr = obj->laddr;
	raddr = obj->raddr;
	info->ifindex = obj->bound_ifindex;
	if (obj->sock) {
		sk = obj->sock->sk;
		sock_hold(sk);
	}
	info->state = obj->state;
	info->reason = obj->reason;
	info->phase = obj->phase;
	info->error = obj->error;
	/* The state records and the data records (one per pending type). */
	info->pending = obj->ring.count + hweight8(obj->data.pending);
	info->created_ns = obj->created_ns;
	info->connect_ns = obj->connect_ns;
	info->established_ns = obj->established_ns;
	info->closed_ns = obj->closed_ns;
	info->attempt = obj->att.gen;
	/* A run's count outlives a policy removed since: not reported. */
	info->retries = obj->retry.max_attempts ? obj->run.failures : 0;
	if (obj->state == SOCKOBJ_STATE_RETRY_WAIT)
		info->retry_at_ns = obj->run.due_ns;
	spin_unlock_bh(&file->lock);

	info->proto = obj->proto;
	info->cookie = obj->cookie;
	sockobj_config_addr_from_sockaddr(&laddr, &info->local);
	sockobj_config_addr_from_sockaddr(&raddr, &info->remote);
	sockobj_data_bytes(obj, &info->bytes_sent, &info->bytes_received);
	if (sk) {
		sockobj_data_counters(obj, sk, info);
		sock_put(sk);
	}
	/*
	 * A closed connection sends nothing more, whether or not its socket
	 * is released yet (the release is queued work): the answer must not
	 * depend on when that work ran.
	 */
	if (info->state == SOCKOBJ_STATE_CLOSED) {
		info->tx_unacked = 0;
		info->tx_space = 0;
	}
	return 0;
}

/**
 * sockobj_conn_handoff() - turn an open connection into a socket fd
 * @file: the open context
 * @id: the object, ESTABLISHED or PEER_CLOSING
 * @flags: SOCKOBJ_HANDOFF_*
 *
 * The socket leaves the object with our callbacks restored, becomes an
 * ordinary socket file of the caller (close-on-exec), and the object is
 * destroyed, its undelivered events with it.
 *
 * Context: process (the caller's ioctl).
 * Return: the new fd, -ENOENT, -ENOTCONN (not open), -EBUSY (a passive UDP
 * connection's datagrams from its listener unread), -EMFILE (no fd left;
 * nothing changed in these cases), or -ENFILE/-ENOMEM from the file
 * allocation (the connection is then closed).
 */
int sockobj_conn_handoff(struct sockobj_file *file, u32 id, u32 flags)
{
	struct sockobj_obj *obj;
	struct socket *sock;
	struct file *filp;
	unsigned int state;
	int fd, ret;

	obj = sockobj_object_lookup(file, id);
	if (!obj)
		return -ENOENT;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_put;
	}
	ret = sockobj_object_lock_live(obj);
	if (ret)
		goto err_fd;
	sock = obj->sock;
	/*
	 * The socket would not have them: they are read first. The listener
	 * adds to them under our lock only.
	 */
	if (obj->early && !skb_queue_empty(obj->early)) {
		mutex_unlock(&obj->lock);
		ret = -EBUSY;
		goto err_fd;
	}
	/*
	 * A passive connection's reconnects end with the hand-off: off the
	 * listener before the socket lock, which the listener's work takes
	 * under its own. Only once the state allows it, so that a refused
	 * hand-off changes nothing (one that loses a race with the close
	 * below would leave the listener anyway).
	 */
	state = sockobj_conn_state(obj, NULL);
	if (state != SOCKOBJ_STATE_ESTABLISHED &&
	    state != SOCKOBJ_STATE_PEER_CLOSING) {
		mutex_unlock(&obj->lock);
		ret = -ENOTCONN;
		goto err_fd;
	}
	sockobj_listen_leave(obj);
	/*
	 * While we own the socket its state cannot change (packets wait in
	 * the backlog, timers defer): the state we check is the one we hand
	 * over, and a reset that comes after is the new owner's to see, not
	 * a CLOSED record lost with a dead connection handed out.
	 */
	if (sock)
		lock_sock(sock->sk);
	state = sockobj_conn_state(obj, NULL);
	if (!sock || (state != SOCKOBJ_STATE_ESTABLISHED &&
		      state != SOCKOBJ_STATE_PEER_CLOSING)) {
		if (sock)
			release_sock(sock->sk);
		mutex_unlock(&obj->lock);
		ret = -ENOTCONN;
		goto err_fd;
	}
	sockobj_socket_detach(obj);
	release_sock(sock->sk);
	sockobj_timers_handed_off(obj);
	/*
	 * The object is gone for every other caller from here on, as after a
	 * destroy: one that locked it before sockobj_object_remove_if_current()
	 * would find an open state without a socket.
	 */
	spin_lock_bh(&file->lock);
	obj->sock = NULL;
	WRITE_ONCE(obj->dead, true);
	sockobj_event_discard(obj);
	spin_unlock_bh(&file->lock);
	mutex_unlock(&obj->lock);
	sockobj_object_remove_if_current(obj);
	sockobj_object_put(obj);

	filp = sock_alloc_file(sock, (flags & SOCKOBJ_HANDOFF_NONBLOCK) ?
			       O_NONBLOCK : 0, NULL);
	if (IS_ERR(filp)) {
		/* sock_alloc_file() released the socket. */
		put_unused_fd(fd);
		return PTR_ERR(filp);
	}
	fd_install(fd, filp);
	return fd;

err_fd:
	put_unused_fd(fd);
err_put:
	sockobj_object_put(obj);
	return ret;
}
