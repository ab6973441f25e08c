// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel socket of a sock object: opened (created, configured and
 * bound as the file's opener), our callbacks attached to it and detached
 * from it, the callbacks themselves, and its release. The callbacks only find the
 * object and hand over: a state change to conn.c, data and send space to
 * data.c.
 *
 * Locking: the socket is opened, detached and released in process context
 * under obj->lock (the caller's ioctl, or the work item). sk_user_data and
 * our callbacks change under sk->sk_callback_lock (write, _bh); every
 * callback runs under it (read), so once a detach returns no callback of
 * ours runs or is running. An attached socket holds a reference to its
 * object (sk_user_data). The state callback runs in softirq, or in process
 * context from release_sock() with BH enabled, and also synchronously
 * inside kernel_connect() and kernel_sock_shutdown(); so file->lock is
 * never held across a call into the socket layer, and everything a
 * callback does is record, queue work and wake. Sockets are created and
 * bound in the caller's ioctl with the opener's credentials (see create()).
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/uio.h>
#include <net/sock.h>

#include "compat.h"
#include "conn.h"
#include "data.h"
#include "file.h"
#include "object.h"
#include "socket.h"
#include "sockopt.h"

static void cb_state_change(struct sock *sk)
{
	void (*next)(struct sock *sk);
	struct sockobj_obj *obj;

	read_lock_bh(&sk->sk_callback_lock);
	obj = sk->sk_user_data;
	if (obj) {
		next = obj->saved_state_change;
		/*
		 * Data that came with the peer's FIN is queued before this
		 * callback and announced only after it: say so now, so that
		 * READABLE comes before PEER_CLOSING (or the CLOSED that
		 * disarms it). A UDP socket's shutdown comes here too.
		 */
		sockobj_conn_tcp_changed(obj, READ_ONCE(sk->sk_state),
					 READ_ONCE(sk->sk_err),
					 !skb_queue_empty_lockless(&sk->sk_receive_queue),
					 sk->sk_protocol == IPPROTO_TCP &&
					 sockobj_data_tcp_unread(sk) > 0);
	} else {
		/* Restored under us: whatever is installed now is theirs. */
		next = sk->sk_state_change;
	}
	read_unlock_bh(&sk->sk_callback_lock);
	next(sk);
}

static void cb_data_ready(struct sock *sk)
{
	void (*next)(struct sock *sk);
	struct sockobj_obj *obj;

	read_lock_bh(&sk->sk_callback_lock);
	obj = sk->sk_user_data;
	if (obj) {
		next = obj->saved_data_ready;
		sockobj_data_arrived(obj);
	} else {
		next = READ_ONCE(sk->sk_data_ready);
	}
	read_unlock_bh(&sk->sk_callback_lock);
	next(sk);
}

static void cb_write_space(struct sock *sk)
{
	void (*next)(struct sock *sk);
	struct sockobj_obj *obj;
	bool keep = false;

	read_lock_bh(&sk->sk_callback_lock);
	obj = sk->sk_user_data;
	if (obj) {
		next = obj->saved_write_space;
		keep = sockobj_data_space_changed(obj, sk);
	} else {
		next = READ_ONCE(sk->sk_write_space);
	}
	read_unlock_bh(&sk->sk_callback_lock);
	next(sk);
	/* The default callback clears SOCK_NOSPACE once writable. */
	if (keep && sk->sk_socket)
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
}

static void cb_error_report(struct sock *sk)
{
	void (*next)(struct sock *sk);
	struct sockobj_obj *obj;

	read_lock_bh(&sk->sk_callback_lock);
	obj = sk->sk_user_data;
	if (obj) {
		next = obj->saved_error_report;
		sockobj_data_error_reported(obj, sk);
	} else {
		next = sk->sk_error_report;
	}
	read_unlock_bh(&sk->sk_callback_lock);
	next(sk);
}

/*
 * obj->sock changes under obj->lock and the file's lock: GET_INFO reads
 * it under the file's lock alone, and takes its own reference to the sock.
 */
static void set_sock(struct sockobj_obj *obj, struct socket *sock)
{
	spin_lock_bh(&obj->file->lock);
	obj->sock = sock;
	spin_unlock_bh(&obj->file->lock);
}

static void attach(struct sockobj_obj *obj, struct socket *sock)
{
	struct sock *sk = sock->sk;

	sockobj_object_get(obj);	/* for sk_user_data */
	write_lock_bh(&sk->sk_callback_lock);
	obj->saved_state_change = sk->sk_state_change;
	obj->saved_data_ready = sk->sk_data_ready;
	obj->saved_write_space = sk->sk_write_space;
	obj->saved_error_report = sk->sk_error_report;
	sk->sk_user_data = obj;
	sk->sk_state_change = cb_state_change;
	WRITE_ONCE(sk->sk_data_ready, cb_data_ready);
	WRITE_ONCE(sk->sk_write_space, cb_write_space);
	sk->sk_error_report = cb_error_report;
	write_unlock_bh(&sk->sk_callback_lock);
	set_sock(obj, sock);
}

/*
 * SO_BINDTOIFINDEX accepts the index of an interface that was deleted since
 * it was configured (the connect then fails later, as an event): CONNECT
 * is to say ENODEV itself.
 */
static int bind_iface(struct socket *sock, struct net *net, int ifindex)
{
	struct net_device *dev = dev_get_by_index(net, ifindex);

	if (!dev)
		return -ENODEV;
	dev_put(dev);
	return sock_bindtoindex(sock->sk, ifindex, true);
}

static int create_as_opener(struct sockobj_obj *obj, struct socket **sockp)
{
	struct sockobj_cfg *cfg = &obj->cfg;
	struct socket *sock;
	int ret;
	bool tcp = obj->proto == SOCKOBJ_PROTO_TCP;

	ret = __sock_create(obj->file->net, cfg->target.sa.sa_family,
			    tcp ? SOCK_STREAM : SOCK_DGRAM,
			    tcp ? IPPROTO_TCP : IPPROTO_UDP, &sock, 0);
	if (ret)
		return ret;
	ret = sockobj_sockopt_apply(sock, cfg, obj->proto);
	if (ret)
		goto err_release;
	if (cfg->ifindex) {
		ret = bind_iface(sock, obj->file->net, cfg->ifindex);
		if (ret)
			goto err_release;
	}
	if (cfg->local_len) {
		ret = sockobj_kernel_bind(sock, &cfg->local, cfg->local_len);
		if (ret)
			goto err_release;
	}
	*sockp = sock;
	return 0;

err_release:
	sock_release(sock);
	return ret;
}

/*
 * Create, configure and bind a socket for @obj's next attempt with the
 * credentials of the file's opener, whoever calls CONNECT: the socket is
 * the one the opener would have made with socket(2), setsockopt(2) and
 * bind(2). Its owner (sk_uid, which uid routing rules match), the LSM's
 * view of its creator and every capability and limit checked on the way
 * are the opener's, so that a file passed to another process, more or
 * less privileged, acts for its opener alone, as the namespace already
 * does. (The cgroup and memory cgroup a socket is charged to follow the
 * task that creates it: the caller of CONNECT.)
 */
static int create(struct sockobj_obj *obj, struct socket **sockp)
{
	const struct cred *old = override_creds(obj->file->cred);
	int ret = create_as_opener(obj, sockp);

	revert_creds(old);
	return ret;
}

/**
 * sockobj_socket_open() - create, bind and attach the socket of a new
 * attempt, as the file's opener
 * @obj: the object, its lock held
 *
 * The socket of the last attempt, if the object still has one (its release
 * is queued, or it is kept for data received before the close and not yet
 * read), is released only once the new one exists: a CONNECT that fails
 * changes nothing. When the new bind is refused with EADDRINUSE and the
 * last socket has nothing left to read, it may be what holds the port: it
 * goes first and the bind is tried again.
 *
 * Context: process (the caller's ioctl).
 * Return: 0 with @obj->sock set and our callbacks installed, or the error
 * socket(2), setsockopt(2), SO_BINDTODEVICE or bind(2) gave the opener.
 */
int sockobj_socket_open(struct sockobj_obj *obj)
{
	struct socket *sock;
	int ret;

	ret = create(obj, &sock);
	if (ret == -EADDRINUSE && obj->sock &&
	    skb_queue_empty_lockless(&obj->sock->sk->sk_receive_queue)) {
		sockobj_socket_release(obj, false);
		ret = create(obj, &sock);
	}
	if (ret)
		return ret;
	sockobj_socket_release(obj, false);
	attach(obj, sock);
	return 0;
}

/*
 * The listening socket of @obj's local address, port and interface, made
 * as the opener would make it with socket(2), setsockopt(2), SO_BINDTODEVICE,
 * bind(2) and, for TCP, listen(2). TCP sets SO_REUSEADDR, as servers do so
 * that a restart binds beside its old connections' TIME_WAIT. UDP sets
 * SO_REUSEPORT, so that the connected socket of each peer given to an
 * object (sockobj_socket_open_peer()) binds beside it: the kernel delivers
 * a datagram to the socket connected to its source before an unconnected
 * one, and SO_REUSEPORT only lets sockets of the same user share the port.
 */
static int listen_as_opener(struct sockobj_obj *obj, int backlog,
			    struct socket **sockp)
{
	struct sockobj_cfg *cfg = &obj->cfg;
	bool tcp = obj->proto == SOCKOBJ_PROTO_TCP;
	struct socket *sock;
	int ret;

	ret = __sock_create(obj->file->net, cfg->local.sa.sa_family,
			    tcp ? SOCK_STREAM : SOCK_DGRAM,
			    tcp ? IPPROTO_TCP : IPPROTO_UDP, &sock, 0);
	if (ret)
		return ret;
	if (tcp)
		sock_set_reuseaddr(sock->sk);
	else
		sock_set_reuseport(sock->sk);
	if (cfg->ifindex) {
		ret = bind_iface(sock, obj->file->net, cfg->ifindex);
		if (ret)
			goto err_release;
	}
	ret = sockobj_kernel_bind(sock, &cfg->local, cfg->local_len);
	if (!ret && tcp)
		ret = kernel_listen(sock, backlog);
	if (ret)
		goto err_release;
	*sockp = sock;
	return 0;

err_release:
	sock_release(sock);
	return ret;
}

/**
 * sockobj_socket_listen() - create the listening socket of an object's
 * local address, as the file's opener
 * @obj: the object, its lock held, with a local address and port
 * @backlog: listen(2)'s backlog, already capped (TCP)
 * @sockp: set to the socket
 *
 * Context: process (the caller's ioctl).
 * Return: 0, or the error socket(2), SO_BINDTODEVICE, bind(2) or listen(2)
 * gave the opener.
 */
int sockobj_socket_listen(struct sockobj_obj *obj, int backlog,
			  struct socket **sockp)
{
	const struct cred *old = override_creds(obj->file->cred);
	int ret = listen_as_opener(obj, backlog, sockp);

	revert_creds(old);
	return ret;
}

static int sockaddr_len(const union sockobj_sockaddr *ss)
{
	return ss->sa.sa_family == AF_INET ? sizeof(ss->v4) : sizeof(ss->v6);
}

static int open_peer_as_opener(struct sockobj_obj *obj,
			       union sockobj_sockaddr *local,
			       union sockobj_sockaddr *peer,
			       struct socket **sockp)
{
	struct sockobj_cfg *cfg = &obj->cfg;
	struct socket *sock;
	int ret;

	ret = __sock_create(obj->file->net, local->sa.sa_family, SOCK_DGRAM,
			    IPPROTO_UDP, &sock, 0);
	if (ret)
		return ret;
	ret = sockobj_sockopt_apply(sock, cfg, obj->proto);
	if (ret)
		goto err_release;
	sock_set_reuseport(sock->sk);
	if (cfg->ifindex) {
		ret = bind_iface(sock, obj->file->net, cfg->ifindex);
		if (ret)
			goto err_release;
	}
	ret = sockobj_kernel_bind(sock, local, sockaddr_len(local));
	if (!ret)
		ret = sockobj_kernel_connect(sock, peer, sockaddr_len(peer), 0);
	if (ret)
		goto err_release;
	*sockp = sock;
	return 0;

err_release:
	sock_release(sock);
	return ret;
}

/**
 * sockobj_socket_open_peer() - open the socket of a passive UDP connection,
 * as the file's opener
 * @obj: the object, its lock held, without a socket
 * @local: the address and port the peer's first datagram was sent to
 * @peer: the peer's address and port
 *
 * The socket is configured with the object's options, bound beside the
 * listening socket (SO_REUSEPORT) and connected to the peer, so that the
 * kernel delivers what the peer sends next to it rather than to the
 * listening socket; then our callbacks are installed.
 *
 * Context: process (the listener's work item).
 * Return: 0, or the error socket(2), setsockopt(2), bind(2) or connect(2)
 * gave the opener.
 */
int sockobj_socket_open_peer(struct sockobj_obj *obj,
			     union sockobj_sockaddr *local,
			     union sockobj_sockaddr *peer)
{
	const struct cred *old = override_creds(obj->file->cred);
	struct socket *sock;
	int ret = open_peer_as_opener(obj, local, peer, &sock);

	revert_creds(old);
	if (ret)
		return ret;
	sockobj_socket_release(obj, false);
	attach(obj, sock);
	return 0;
}

/**
 * sockobj_socket_options_permitted() - whether setsockopt(2) would let the
 * file's opener set the object's options
 * @obj: the object, its lock held
 *
 * A passive open applies them only to the connections it accepts, later,
 * in a worker: SOCKOBJ_IOC_LISTEN asks this first so that no connection
 * is lost to an option the opener may not set. The only such option is
 * SO_PRIORITY above 6, which needs CAP_NET_RAW or CAP_NET_ADMIN in the
 * socket's network namespace (sk_setsockopt()).
 *
 * Context: process.
 * Return: true if every option can be set.
 */
bool sockobj_socket_options_permitted(struct sockobj_obj *obj)
{
	struct user_namespace *ns = obj->file->net->user_ns;
	const struct cred *old;
	bool ok;

	if (obj->cfg.opt.priority <= 6)
		return true;
	old = override_creds(obj->file->cred);
	ok = ns_capable_noaudit(ns, CAP_NET_RAW) ||
	     ns_capable_noaudit(ns, CAP_NET_ADMIN);
	revert_creds(old);
	return ok;
}

/**
 * sockobj_socket_adopt() - make an accepted socket the object's
 * @obj: the object, its lock held, without a socket
 * @sock: a socket kernel_accept() returned
 *
 * The object's options are applied as the file's opener would apply them
 * with setsockopt(2), then our callbacks are installed.
 *
 * Context: process (a work item).
 * Return: 0, or the error an option gave the opener (@sock is then still
 * the caller's).
 */
int sockobj_socket_adopt(struct sockobj_obj *obj, struct socket *sock)
{
	const struct cred *old = override_creds(obj->file->cred);
	int ret = sockobj_sockopt_apply(sock, &obj->cfg, obj->proto);

	revert_creds(old);
	if (ret)
		return ret;
	attach(obj, sock);
	return 0;
}

/**
 * sockobj_socket_detach_in() - restore the socket's callbacks if the object
 * is still in a given state
 * @obj: the object, its lock held, with a socket
 * @seen: the state the caller decided for, or SOCKOBJ_STATE_COUNT for any
 *
 * After this returns true no callback of ours runs or is running on the
 * socket. If @obj is no longer in state @seen, nothing changed and it
 * returns false: the callbacks move the state under sk_callback_lock, so
 * the check and the detach are one step for them.
 *
 * Context: process.
 * Return: false if the object moved on from @seen.
 */
bool sockobj_socket_detach_in(struct sockobj_obj *obj, unsigned int seen)
{
	struct sock *sk = obj->sock->sk;
	bool attached, moved;

	write_lock_bh(&sk->sk_callback_lock);
	spin_lock(&obj->file->lock);
	moved = seen != SOCKOBJ_STATE_COUNT && obj->state != seen;
	spin_unlock(&obj->file->lock);
	attached = !moved && sk->sk_user_data == obj;
	if (attached) {
		sk->sk_state_change = obj->saved_state_change;
		WRITE_ONCE(sk->sk_data_ready, obj->saved_data_ready);
		WRITE_ONCE(sk->sk_write_space, obj->saved_write_space);
		sk->sk_error_report = obj->saved_error_report;
		sk->sk_user_data = NULL;
	}
	write_unlock_bh(&sk->sk_callback_lock);
	if (attached)
		sockobj_object_put(obj);	/* never the last: the caller has one */
	return !moved;
}

/**
 * sockobj_socket_detach() - restore the socket's callbacks
 * @obj: the object, its lock held, with a socket
 *
 * After this returns no callback of ours runs or is running on the socket.
 *
 * Context: process.
 */
void sockobj_socket_detach(struct sockobj_obj *obj)
{
	sockobj_socket_detach_in(obj, SOCKOBJ_STATE_COUNT);
}

/**
 * sockobj_socket_snapshot_local() - record the socket's local end
 * @obj: the object, its lock held, with a socket
 *
 * The local address (when the socket has one) and the interface it is
 * bound to, as GET_INFO reports them.
 *
 * Context: process.
 */
void sockobj_socket_snapshot_local(struct sockobj_obj *obj)
{
	union sockobj_sockaddr ss = {};
	bool named = kernel_getsockname(obj->sock, &ss.sa) >= 0;

	spin_lock_bh(&obj->file->lock);
	if (named)
		obj->laddr = ss;
	obj->bound_ifindex = READ_ONCE(obj->sock->sk->sk_bound_dev_if);
	spin_unlock_bh(&obj->file->lock);
}

/*
 * tcp_close() resets a connection whose received data was never read; a
 * graceful release reads that data away first, so that the FIN still
 * follows the data queued to send.
 */
static void discard_unread(struct socket *sock)
{
	struct msghdr msg = {};

	do {
		iov_iter_discard(&msg.msg_iter, ITER_DEST, INT_MAX);
	} while (sock_recvmsg(sock, &msg, MSG_DONTWAIT) > 0);
}

/**
 * sockobj_socket_release() - release the object's socket, if any
 * @obj: the object, its lock held
 * @rst: reset a connection still open and discard its queued data;
 *	otherwise the kernel closes it gracefully in the background (FIN
 *	after queued data), even when received data was left unread: that
 *	data is read away (and so acknowledged) first, where close(2) of a
 *	socket with unread data would reset the connection (RFC 2525) and
 *	lose the data queued to send
 *
 * Context: process.
 */
void sockobj_socket_release(struct sockobj_obj *obj, bool rst)
{
	struct socket *sock;

	lockdep_assert_held(&obj->lock);
	if (!obj->sock)
		return;
	sockobj_socket_detach(obj);
	if (rst)
		sock_no_linger(obj->sock->sk);
	else if (obj->proto == SOCKOBJ_PROTO_TCP)
		discard_unread(obj->sock);
	sock = obj->sock;
	set_sock(obj, NULL);
	sock_release(sock);
	/* A passive UDP connection's first datagrams go with its socket. */
	if (obj->early)
		skb_queue_purge(obj->early);
}
