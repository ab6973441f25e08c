// SPDX-License-Identifier: GPL-2.0
/*
 * Passive opens: the listening sockets of a file and how their incoming
 * connections reach LISTENING objects. All the LISTENING objects of a file
 * on one protocol, local address, port and interface share one listener;
 * an incoming connection goes to the object that has listened longest
 * among those whose inconmode admits the peer and whose record ring has
 * room for a whole attempt, and is reset (UDP: dropped) when there is
 * none. Objects with a reconmode stay on the listener while the
 * connection they took is open, for a reconnect to replace it (before a
 * LISTENING object is offered the connection when it comes from their own
 * peer, after when they take any). The listening socket lives while it
 * has an object: the last one to take a connection, to lose it or to stop
 * closes it, and the next LISTEN opens a new one.
 *
 * UDP has no accept: a "connection" is a new peer, its first datagram
 * read from the listening socket. The object it goes to gets its own
 * socket, bound beside the listening one and connected to the peer, so
 * that the kernel delivers the peer's next datagrams to it. Those the peer
 * sent before that socket was connected are already queued on the
 * listening socket: a passive UDP object stays on its listener while it is
 * ESTABLISHED, and the datagrams of its peer that still reach the listener
 * are given to it (sockobj_data_pend()) before anything else is decided.
 *
 * Nothing runs in softirq but a wake-up: the listener does not replace the
 * listening socket's callbacks (the sockets it accepts would inherit them
 * before they are ours) but waits on its wait queue as poll(2) would, and
 * the wake-up only queues the listener's work. The work accepts in process
 * context, picks the object and hands it the socket (conn.c).
 *
 * Locking: file->listen_lock (a mutex) guards the file's listener list and
 * every listener's object list and held socket. The ioctls and the
 * destroy path take it under obj->lock; the work takes it first and only
 * try-locks an object (a SEND or RECV may hold obj->lock forever), holding
 * an accepted connection back for a moment when every object that could
 * take it is busy. A listener is referenced by each of its objects and by
 * its queued work; the last reference closes the listening socket.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <linux/jiffies.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/udp.h>

#include "compat.h"
#include "conn.h"
#include "data.h"
#include "file.h"
#include "listen.h"
#include "object.h"
#include "socket.h"
#include "timers.h"
#include "trace.h"

/* Connections one run of the work accepts before it lets others run. */
#define ACCEPT_BATCH	64
/* Datagrams read at most to find a new UDP peer's others (collect()). */
#define COLLECT_MAX	256
/* How soon a connection held back for a busy object is offered again. */
#define HELD_RETRY	(HZ / 50)

/**
 * struct incoming - a connection for an object to take
 * @sock: TCP: the accepted socket
 * @skb: UDP: the peer's datagram
 * @peer: the peer's address
 * @local: UDP: the address the datagram was sent to
 */
struct incoming {
	struct socket *sock;
	struct sk_buff *skb;
	union sockobj_sockaddr peer;
	union sockobj_sockaddr local;
};

/**
 * struct sockobj_listener - one listening socket of a file
 * @ref: each member object and the queued work hold one
 * @file: the file (referenced)
 * @node: on the file's listener list while it has objects
 * @objs: its LISTENING objects, longest listening first
 * @conns: the objects that took a connection and stay on it (a reconmode:
 *	for a reconnect to replace it; UDP: for their peer's datagrams),
 *	oldest first. Apart from @objs, so that a new connection's offer
 *	goes past only the objects each round can give it to, not every
 *	object listening: with N objects, N passive opens would otherwise
 *	look at N^2 objects.
 * @sock: the listening socket, until the listener stops (then NULL)
 * @port: the port it listens on (host order), for the trace
 * @addr: the local address it was asked to bind (the key)
 * @addr_len: length of @addr
 * @ifindex: the interface it is bound to (the key), 0 for none
 * @proto: SOCKOBJ_PROTO_* (the key)
 * @held: a connection waiting for a busy object (@held.sock or
 *	@held.skb set), or none
 * @backlog: UDP: datagrams read from the socket and not yet offered
 * @wait: our entry on the socket's wait queue
 * @work: accepts and hands out connections
 * @stopped: no more objects: the socket is gone, and the work only
 *	refuses what it still holds
 */
struct sockobj_listener {
	refcount_t ref;
	struct sockobj_file *file;
	struct list_head node;
	struct list_head objs;
	struct list_head conns;
	struct socket *sock;
	u16 port;
	union sockobj_sockaddr addr;
	int addr_len;
	int ifindex;
	u32 proto;
	struct incoming held;
	struct sk_buff_head backlog;
	struct wait_queue_entry wait;
	struct delayed_work work;
	bool stopped;
};

/* What no object took: a connection is reset, a datagram dropped. */
static void refuse(struct incoming *in)
{
	if (in->sock) {
		sock_no_linger(in->sock->sk);
		sock_release(in->sock);
	}
	kfree_skb(in->skb);
	in->sock = NULL;
	in->skb = NULL;
}

static void listener_put(struct sockobj_listener *l)
{
	if (!refcount_dec_and_test(&l->ref))
		return;
	refuse(&l->held);
	skb_queue_purge(&l->backlog);
	if (l->sock)
		sock_release(l->sock);
	sockobj_file_put(l->file);
	kfree(l);
}

static void queue_listener(struct sockobj_listener *l, unsigned long delay)
{
	refcount_inc(&l->ref);
	if (!sockobj_timers_queue_listener(&l->work, delay))
		listener_put(l);	/* queued already: never the last */
}

/*
 * No LISTENING object is left: nothing is accepted any more, and the
 * listening socket closes now (connections still in its accept queue are
 * reset), not with the last reference, which the work may hold a while
 * longer: the object that stopped it may be ESTABLISHED already, and a
 * LISTEN of its owner on the same port (which takes this lock) must find
 * the port free.
 */
static void stop_locked(struct sockobj_listener *l)
{
	lockdep_assert_held(&l->file->listen_lock);
	l->stopped = true;
	list_del(&l->node);
	remove_wait_queue(sk_sleep(l->sock->sk), &l->wait);
	sock_release(l->sock);
	l->sock = NULL;
}

/* The socket's wake-up (softirq): a connection is ready to be accepted. */
static int listener_wake(struct wait_queue_entry *wait, unsigned int mode,
			 int sync, void *key)
{
	struct sockobj_listener *l = container_of(wait, struct sockobj_listener,
						  wait);

	if (!key || (key_to_poll(key) & (EPOLLIN | EPOLLRDNORM)))
		queue_listener(l, 0);
	return 0;
}

static bool same_host(const union sockobj_sockaddr *a,
		      const union sockobj_sockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->v4.sin_addr.s_addr == b->v4.sin_addr.s_addr;
	return ipv6_addr_equal(&a->v6.sin6_addr, &b->v6.sin6_addr);
}

static bool same_port(const union sockobj_sockaddr *a,
		      const union sockobj_sockaddr *b)
{
	return a->sa.sa_family == AF_INET ? a->v4.sin_port == b->v4.sin_port :
					    a->v6.sin6_port == b->v6.sin6_port;
}

static bool admits(const struct sockobj_obj *obj,
		   const union sockobj_sockaddr *peer)
{
	switch (obj->inconmode) {
	case SOCKOBJ_INCON_ANY:
		return true;
	case SOCKOBJ_INCON_TARGET_IP:
		return same_host(&obj->cfg.target, peer);
	default:
		return same_host(&obj->cfg.target, peer) &&
		       same_port(&obj->cfg.target, peer);
	}
}

/*
 * Whether @obj, which may be busy, has the connection of UDP @peer: its
 * state and peer address change under the file's lock as well as its own.
 */
static bool has_peer(struct sockobj_obj *obj,
		     const union sockobj_sockaddr *peer)
{
	struct sockobj_file *file = obj->file;
	bool ret;

	spin_lock_bh(&file->lock);
	ret = obj->proto == SOCKOBJ_PROTO_UDP &&
	      obj->state == SOCKOBJ_STATE_ESTABLISHED &&
	      same_host(&obj->raddr, peer) && same_port(&obj->raddr, peer);
	spin_unlock_bh(&file->lock);
	return ret;
}

/* The order in which objects are offered a connection (see takes()). */
enum round {
	ROUND_OWN,		/* UDP: a datagram of an object's own peer */
	ROUND_RECONNECT,	/* a reconnect from an object's own peer */
	ROUND_LISTENING,	/* a new connection */
	ROUND_ANY,		/* a reconnect that replaces any connection */
	ROUND_COUNT
};

/*
 * Whether @obj, locked, takes a connection from @peer in @round: in
 * ROUND_OWN, a UDP datagram of the peer it is connected with; else its
 * inconmode admits the peer, and it is LISTENING, or holds a passive
 * connection its reconmode lets the peer replace; with room in its record
 * ring for what follows (a replaced connection's CLOSED and the new
 * attempt's LISTENING on top of a passive attempt's records).
 */
static bool takes(struct sockobj_obj *obj, const union sockobj_sockaddr *peer,
		  enum round round)
{
	unsigned int space, state;

	if (round == ROUND_OWN)
		return obj->sock && has_peer(obj, peer);
	state = sockobj_conn_state(obj, &space);
	/* The peer's address is written under the lock we hold. */
	if (!admits(obj, peer))
		return false;
	if (round == ROUND_LISTENING)
		return state == SOCKOBJ_STATE_LISTENING &&
		       space >= SOCKOBJ_TRANSITIONS_MAX;
	if ((state != SOCKOBJ_STATE_ESTABLISHED &&
	     state != SOCKOBJ_STATE_PEER_CLOSING) ||
	    space < SOCKOBJ_TRANSITIONS_MAX + 2)
		return false;
	switch (obj->reconmode) {
	case SOCKOBJ_RECON_SAME_PEER:
		return round == ROUND_RECONNECT &&
		       same_host(&obj->raddr, peer) &&
		       same_port(&obj->raddr, peer);
	case SOCKOBJ_RECON_SAME_HOST:
		return round == ROUND_RECONNECT && same_host(&obj->raddr, peer);
	case SOCKOBJ_RECON_ANY:
		return round == ROUND_ANY;
	}
	return false;
}

/* The next connection the listening socket accepts. */
static int accept_one(struct sockobj_listener *l, struct incoming *in)
{
	int ret = kernel_accept(l->sock, &in->sock, O_NONBLOCK);

	if (ret)
		return ret;
	if (kernel_getpeername(in->sock, &in->peer.sa) < 0)
		memset(&in->peer, 0, sizeof(in->peer));
	return 0;
}

/*
 * A datagram's source and the address it was sent to, as the listening
 * socket's family sees them (an IPv4 datagram to an IPv6 socket as
 * mapped addresses). One sent to a broadcast or multicast address is
 * answered from the listener's own address: the reply must not come from
 * the group.
 */
static void datagram_addrs(struct sockobj_listener *l, struct sk_buff *skb,
			   struct incoming *in)
{
	const struct udphdr *uh = udp_hdr(skb);
	bool v4 = skb->protocol == htons(ETH_P_IP);

	if (l->addr.sa.sa_family == AF_INET) {
		in->peer.v4.sin_family = AF_INET;
		in->peer.v4.sin_addr.s_addr = ip_hdr(skb)->saddr;
		in->peer.v4.sin_port = uh->source;
		in->local.v4.sin_family = AF_INET;
		in->local.v4.sin_addr.s_addr = ip_hdr(skb)->daddr;
		in->local.v4.sin_port = uh->dest;
	} else {
		in->peer.v6.sin6_family = AF_INET6;
		in->local.v6.sin6_family = AF_INET6;
		if (v4) {
			ipv6_addr_set_v4mapped(ip_hdr(skb)->saddr,
					       &in->peer.v6.sin6_addr);
			ipv6_addr_set_v4mapped(ip_hdr(skb)->daddr,
					       &in->local.v6.sin6_addr);
		} else {
			in->peer.v6.sin6_addr = ipv6_hdr(skb)->saddr;
			in->local.v6.sin6_addr = ipv6_hdr(skb)->daddr;
			in->peer.v6.sin6_scope_id =
				ipv6_iface_scope_id(&in->peer.v6.sin6_addr,
						    inet6_iif(skb));
			in->local.v6.sin6_scope_id =
				ipv6_iface_scope_id(&in->local.v6.sin6_addr,
						    inet6_iif(skb));
		}
		in->peer.v6.sin6_port = uh->source;
		in->local.v6.sin6_port = uh->dest;
	}
	if (skb->pkt_type != PACKET_HOST) {
		in->local = l->addr;
		if (l->addr.sa.sa_family == AF_INET)
			in->local.v4.sin_port = uh->dest;
		else
			in->local.v6.sin6_port = uh->dest;
	}
}

/*
 * The next datagram of the listening socket, its checksum checked as
 * udp_recvmsg() checks it (a corrupt datagram engages no object): 0,
 * -EAGAIN when none is queued, or another error to go on after (a
 * corrupt datagram, a pending socket error).
 */
static int read_datagram(struct sockobj_listener *l, struct incoming *in)
{
	int off = 0, err = -EAGAIN;
	struct sk_buff *skb;

	skb = __skb_recv_udp(l->sock->sk, MSG_DONTWAIT, &off, &err);
	if (!skb)
		return err == -EAGAIN ? -EAGAIN : -EBADMSG;
	if (udp_lib_checksum_complete(skb)) {
		kfree_skb(skb);
		return -EBADMSG;
	}
	in->skb = skb;
	datagram_addrs(l, skb, in);
	return 0;
}

/* The next datagram to offer: the backlog's first. */
static int receive_one(struct sockobj_listener *l, struct incoming *in)
{
	struct sk_buff *skb = __skb_dequeue(&l->backlog);

	if (!skb)
		return read_datagram(l, in);
	in->skb = skb;
	datagram_addrs(l, skb, in);
	return 0;
}

static bool from_peer(struct sockobj_listener *l, struct sk_buff *skb,
		      const union sockobj_sockaddr *peer)
{
	struct incoming in = {};

	datagram_addrs(l, skb, &in);
	return same_host(&in.peer, peer) && same_port(&in.peer, peer);
}

/*
 * @obj, locked, has just connected its socket to a new UDP peer: the
 * peer's datagrams still queued on the listening socket are older than
 * any its own socket will have, and are given to it now, before RECV can
 * read its socket, so that the object reads them all in order. Those of
 * other peers wait on the backlog, to be offered next, in order.
 */
static void collect(struct sockobj_listener *l, struct sockobj_obj *obj)
{
	struct sk_buff *skb, *tmp;
	struct incoming in;
	int n, ret;

	skb_queue_walk_safe(&l->backlog, skb, tmp) {
		if (from_peer(l, skb, &obj->raddr)) {
			__skb_unlink(skb, &l->backlog);
			sockobj_data_pend(obj, skb, true);
		}
	}
	for (n = 0; n < COLLECT_MAX; n++) {
		memset(&in, 0, sizeof(in));
		ret = read_datagram(l, &in);
		if (ret == -EAGAIN)
			break;
		if (ret)
			continue;
		if (same_host(&in.peer, &obj->raddr) &&
		    same_port(&in.peer, &obj->raddr))
			sockobj_data_pend(obj, in.skb, true);
		else
			__skb_queue_tail(&l->backlog, in.skb);
	}
}

/* No object listens on @l, nor holds a connection it made. */
static bool deserted(const struct sockobj_listener *l)
{
	return list_empty(&l->objs) && list_empty(&l->conns);
}

/* An object has left @l's objects: the last one stops it. */
static void left_locked(struct sockobj_listener *l)
{
	if (deserted(l))
		stop_locked(l);
	listener_put(l);	/* the object's; the work holds another */
}

/*
 * Give @in to @obj, locked, which takes it in @round. An object with a
 * reconmode, or a UDP object, that is left with an open connection stays
 * on the listener, the newest; others leave it. Return: false, when the
 * connection to replace ended meanwhile (the object left the listener
 * then).
 */
static bool give(struct sockobj_listener *l, struct sockobj_obj *obj,
		 struct incoming *in, enum round round)
{
	union sockobj_sockaddr local = {};
	unsigned int state;

	if (round == ROUND_OWN) {
		sockobj_data_pend(obj, in->skb, true);
		in->skb = NULL;
		return true;
	}
	/* Off the listener first: its close must not take our lock. */
	list_del_init(&obj->listen_node);
	obj->listener = NULL;
	if (round != ROUND_LISTENING) {
		if (kernel_getsockname(l->sock, &local.sa) < 0)
			memset(&local, 0, sizeof(local));
		if (!sockobj_conn_replace(obj, &local)) {
			left_locked(l);
			return false;
		}
	}
	if (in->sock)
		sockobj_conn_accepted(obj, in->sock, &in->peer);
	else
		sockobj_conn_datagram(obj, in->skb, &in->local, &in->peer);
	state = sockobj_conn_state(obj, NULL);
	if (obj->proto == SOCKOBJ_PROTO_UDP && state == SOCKOBJ_STATE_ESTABLISHED)
		collect(l, obj);
	in->sock = NULL;
	in->skb = NULL;
	if ((obj->reconmode || obj->proto == SOCKOBJ_PROTO_UDP) &&
	    (state == SOCKOBJ_STATE_ESTABLISHED ||
	     state == SOCKOBJ_STATE_PEER_CLOSING)) {
		list_add_tail(&obj->listen_node, &l->conns);
		obj->listener = l;	/* its reference stays */
		return true;
	}
	left_locked(l);
	return true;
}

/*
 * Give @in to the first object that takes it, in the order of the
 * rounds, each locked without waiting; *@id and *@verdict say which and
 * how (SOCKOBJ_INCOMING_*). Return: 0 when given, -EBUSY when none did but
 * an object was busy (it may have taken it), -ECONNREFUSED otherwise.
 */
static int hand_out(struct sockobj_listener *l, struct incoming *in,
		    u32 *id, unsigned int *verdict)
{
	static const unsigned int verdicts[ROUND_COUNT] = {
		[ROUND_OWN] = SOCKOBJ_INCOMING_DELIVERED,
		[ROUND_RECONNECT] = SOCKOBJ_INCOMING_REPLACED,
		[ROUND_LISTENING] = SOCKOBJ_INCOMING_TAKEN,
		[ROUND_ANY] = SOCKOBJ_INCOMING_REPLACED,
	};
	struct sockobj_obj *obj, *next;
	bool busy = false;
	enum round round;

	lockdep_assert_held(&l->file->listen_lock);
	for (round = 0; round < ROUND_COUNT; round++) {
		/*
		 * Each round looks only where its takers are (takes()): a
		 * LISTENING object is on @objs, one with a connection on
		 * @conns.
		 */
		struct list_head *objs = round == ROUND_LISTENING ? &l->objs :
							 &l->conns;

		list_for_each_entry_safe(obj, next, objs, listen_node) {
			bool given = false;

			/* Its target is read under its lock: CONFIGURE copies it. */
			if (!mutex_trylock(&obj->lock)) {
				/* Its peer's datagram must wait for it. */
				if (round == ROUND_OWN && has_peer(obj, &in->peer))
					return -EBUSY;
				busy = true;
				continue;
			}
			if (takes(obj, &in->peer, round))
				given = give(l, obj, in, round);
			/*
			 * Read before the unlock: off the listener, a destroy
			 * no longer waits for our lock and may free it.
			 */
			if (given)
				*id = obj->id;
			mutex_unlock(&obj->lock);
			if (given) {
				*verdict = verdicts[round];
				return 0;
			}
		}
	}
	return busy ? -EBUSY : -ECONNREFUSED;
}

/*
 * Offer one incoming connection, whose peer address is known (a family of
 * 0 when not); false when it is held back.
 */
static bool offer(struct sockobj_listener *l, struct incoming *in)
{
	unsigned int verdict = in->sock ? SOCKOBJ_INCOMING_RESET :
					  SOCKOBJ_INCOMING_DROPPED;
	u32 id = 0;
	int ret;

	ret = l->stopped || !in->peer.sa.sa_family ? -ECONNREFUSED :
		hand_out(l, in, &id, &verdict);
	if (ret == -EBUSY)
		verdict = SOCKOBJ_INCOMING_HELD;
	trace_sockobj_incoming(l->port, &in->peer, id, verdict);
	if (ret == -EBUSY) {
		l->held = *in;
		return false;
	}
	if (ret)
		refuse(in);
	return true;
}

static void listener_work(struct work_struct *work)
{
	struct sockobj_listener *l = container_of(to_delayed_work(work),
						  struct sockobj_listener,
						  work);
	struct sockobj_file *file = l->file;
	struct incoming in;
	int n, ret;

	mutex_lock(&file->listen_lock);
	in = l->held;
	memset(&l->held, 0, sizeof(l->held));
	if ((in.sock || in.skb) && !offer(l, &in))
		goto later;
	for (n = 0; n < ACCEPT_BATCH && !l->stopped; n++) {
		memset(&in, 0, sizeof(in));
		ret = l->proto == SOCKOBJ_PROTO_TCP ? accept_one(l, &in) :
						      receive_one(l, &in);
		if (ret == -EAGAIN)
			goto out;
		if (ret == -EBADMSG)
			continue;
		/* Out of memory, say: the queue waits; no wake-up may come. */
		if (ret < 0)
			goto later;
		if (!offer(l, &in))
			goto later;
	}
	/* More may wait: let other work run first. */
	if (!l->stopped)
		queue_listener(l, 0);
	goto out;
later:
	if (!l->stopped)
		queue_listener(l, HELD_RETRY);
out:
	mutex_unlock(&file->listen_lock);
	listener_put(l);	/* the work's */
}

static struct sockobj_listener *find(struct sockobj_file *file,
				     const struct sockobj_cfg *cfg, u32 proto)
{
	struct sockobj_listener *l;

	list_for_each_entry(l, &file->listeners, node)
		if (l->proto == proto && l->ifindex == cfg->ifindex &&
		    l->addr_len == cfg->local_len &&
		    !memcmp(&l->addr, &cfg->local, cfg->local_len))
			return l;
	return NULL;
}

static int start(struct sockobj_obj *obj, u32 backlog,
		 struct sockobj_listener **lp)
{
	struct sockobj_file *file = obj->file;
	u32 max = READ_ONCE(file->net->core.sysctl_somaxconn);
	struct sockobj_listener *l;
	int ret;

	l = kzalloc(sizeof(*l), GFP_KERNEL_ACCOUNT);
	if (!l)
		return -ENOMEM;
	ret = sockobj_socket_listen(obj, min(backlog ?: max, max), &l->sock);
	if (ret) {
		kfree(l);
		return ret;
	}
	refcount_set(&l->ref, 1);
	l->port = ntohs(inet_sk(l->sock->sk)->inet_sport);
	l->file = file;
	sockobj_file_get(file);
	INIT_LIST_HEAD(&l->objs);
	INIT_LIST_HEAD(&l->conns);
	l->addr = obj->cfg.local;
	l->addr_len = obj->cfg.local_len;
	l->ifindex = obj->cfg.ifindex;
	l->proto = obj->proto;
	skb_queue_head_init(&l->backlog);
	INIT_DELAYED_WORK(&l->work, listener_work);
	init_waitqueue_func_entry(&l->wait, listener_wake);
	add_wait_queue(sk_sleep(l->sock->sk), &l->wait);
	list_add_tail(&l->node, &file->listeners);
	*lp = l;
	return 0;
}

/**
 * sockobj_listen_join() - add a CLOSED object to its local address's
 * listener, creating the listening socket if the file has none there
 * @obj: the object, its lock held, with a local port
 * @backlog: TCP: listen(2)'s backlog for a new listening socket, 0 for
 *	SOMAXCONN; capped by net.core.somaxconn
 * @local: set to the address the listener is bound to
 *
 * The object can be given a connection as soon as it is LISTENING.
 *
 * Context: process (the caller's ioctl).
 * Return: 0, -ENOMEM, or the error socket(2), SO_BINDTODEVICE, bind(2) or
 * listen(2) gave the file's opener.
 */
int sockobj_listen_join(struct sockobj_obj *obj, u32 backlog,
			union sockobj_sockaddr *local)
{
	struct sockobj_file *file = obj->file;
	struct sockobj_listener *l;
	int ret = 0;

	lockdep_assert_held(&obj->lock);
	mutex_lock(&file->listen_lock);
	l = find(file, &obj->cfg, obj->proto);
	if (l)
		refcount_inc(&l->ref);
	else
		ret = start(obj, backlog, &l);
	if (!ret) {
		list_add_tail(&obj->listen_node, &l->objs);
		obj->listener = l;
		if (kernel_getsockname(l->sock, &local->sa) < 0)
			memset(local, 0, sizeof(*local));
	}
	mutex_unlock(&file->listen_lock);
	return ret;
}

/**
 * sockobj_listen_leave() - take an object off its listener, if it is on one
 * @obj: the object, its lock held
 *
 * The last object to leave stops the listener: no connection is accepted
 * any more, and the listening socket is closed once the work is done.
 *
 * Context: process.
 */
void sockobj_listen_leave(struct sockobj_obj *obj)
{
	struct sockobj_file *file = obj->file;
	struct sockobj_listener *l = obj->listener;
	bool stop;

	lockdep_assert_held(&obj->lock);
	/*
	 * Every close and destroy comes here: most objects never listened.
	 * obj->listener only changes under obj->lock, which we hold.
	 */
	if (!l)
		return;
	mutex_lock(&file->listen_lock);
	list_del_init(&obj->listen_node);
	obj->listener = NULL;
	stop = deserted(l);
	if (stop)
		stop_locked(l);
	mutex_unlock(&file->listen_lock);
	/* The work never waits for obj->lock: waiting for it here is safe. */
	if (stop && cancel_delayed_work_sync(&l->work))
		listener_put(l);
	listener_put(l);
}
