/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * sockobj: asynchronous active opens through in-kernel socket objects.
 *
 * Copyright (C) 2026 The sockobj authors.
 *
 * THE CONTRACT
 * ============
 *
 * A process opens /dev/sockobj. The open file is a context that owns a set
 * of "sock objects", each named by a small non-zero integer id that is
 * unique within the file. A file has one identity, its opener's: every
 * socket is created, configured and bound with the credentials of the task
 * that opened the file (as open(2) recorded them), in that task's network
 * namespace, whoever calls SOCKOBJ_IOC_CONNECT. A file passed to, or kept
 * by, another task, more or less privileged or in another namespace, acts
 * for its opener alone: the socket is the one the opener would have made
 * with socket(2), setsockopt(2) and bind(2) (its owner; capability checks
 * such as binding a port below ip_unprivileged_port_start or SO_PRIORITY
 * above 6; the LSM's socket-creation check). The per-user object limit
 * counts the opener too. The cgroup and memory cgroup a socket is charged
 * to are those of the task that calls SOCKOBJ_IOC_CONNECT, where the
 * socket is created.
 *
 * All structures are fixed-size, use only __u32/__u64/__s32 and byte arrays,
 * have explicit padding and are identical on 32-bit and 64-bit userspace.
 * Every field named "reserved" or "pad" must be zero on input and is zero on
 * output; a non-zero value gets -EINVAL so that later versions can give those
 * bytes a meaning. Unknown flag bits get -EINVAL. A bad pointer gets -EFAULT.
 * An unknown ioctl gets -ENOTTY. A request that fails changes nothing.
 * The ioctls that only report (SOCKOBJ_IOC_GET_API, SOCKOBJ_IOC_GET_CONFIG,
 * SOCKOBJ_IOC_GET_RETRY, SOCKOBJ_IOC_GET_INFO) take their struct zeroed but
 * for the id: any other non-zero byte gets -EINVAL. The others ignore what
 * their output fields hold on input (struct sockobj_create's id, struct
 * sockobj_io's done, full_len, addr and SOCKOBJ_IO_TRUNC, struct
 * sockobj_batch's done, struct sockobj_batch_op's result, struct
 * sockobj_ring_setup's size and offsets), so that a struct can be passed
 * again as it came back.
 *
 * Ioctl numbers: SOCKOBJ_IOC_GET_API is _IOWR(0xB8, 0x00, struct
 * sockobj_api) forever, so that any program, however old, can ask which API
 * the running module speaks. Every other ioctl uses magic 0xBB (free in
 * mainline's Documentation/userspace-api/ioctl/ioctl-number.rst as of 7.2;
 * 0xB8, which API version 1 used for all of them, has since been given to
 * other drivers), numbers 0x01-0x3F, never reused. API version 2 moved them
 * there; their version 1 numbers (0x01-0x0C under magic 0xB8, same
 * number, size and direction) are still served, for programs built for
 * version 1. API version 3 added the retry policy (SOCKOBJ_IOC_SET_RETRY,
 * SOCKOBJ_IOC_GET_RETRY, SOCKOBJ_STATE_RETRY_WAIT) and gave meaning to
 * bytes that were reserved in struct sockobj_info and struct sockobj_event
 * (attempt, retry_ms, retry_at_ns, retries). API version 4 added passive
 * opens (SOCKOBJ_IOC_LISTEN, SOCKOBJ_STATE_LISTENING,
 * SOCKOBJ_STATE_PASSIVE_OPENING). API version 5 added reconnects
 * (struct sockobj_listen's reconmode, which was reserved and zero: the
 * same behaviour; SOCKOBJ_REASON_REPLACED). API version 6 added passive
 * opens of UDP objects (SOCKOBJ_FEAT_LISTEN_UDP; LISTEN of a UDP object
 * failed with EOPNOTSUPP before). API version 7 added receives to batches
 * (SOCKOBJ_OP_RECV, SOCKOBJ_FEAT_BATCH_RECV; a batch holding that op
 * failed with EINVAL before). API version 8 added waiting for records and
 * returning them from a batch (SOCKOBJ_BATCH_WAIT and struct
 * sockobj_batch's wait_ms, events and nevents, which were pad and
 * reserved and zero: the same behaviour; SOCKOBJ_FEAT_BATCH_WAIT; a count
 * of 0 with events). API version 9 added vectored sends and receives to
 * batches (SOCKOBJ_OP_SENDV, SOCKOBJ_OP_RECVV, SOCKOBJ_FEAT_BATCH_VEC; a
 * batch holding either op failed with EINVAL before). API version 10 added
 * the io_uring passthrough (SOCKOBJ_URING_OP, struct sockobj_uring_cmd,
 * SOCKOBJ_FEAT_URING_CMD; io_uring failed such an SQE with EOPNOTSUPP
 * before, its answer for a file without the passthrough). API version 11
 * added the mapped record ring (SOCKOBJ_IOC_RING_SETUP, struct
 * sockobj_ring_setup, mmap() of the file, SOCKOBJ_FEAT_EVENT_RING; the
 * ioctl failed with ENOTTY and mmap() with ENODEV before).
 *
 * Ioctls
 * ------
 * SOCKOBJ_IOC_GET_API (struct sockobj_api)
 *	The caller zeroes the whole struct; the kernel fills api_version,
 *	features (SOCKOBJ_FEAT_*), max_objects (this file's object limit) and
 *	event_size (sizeof(struct sockobj_event)).
 *	Errors: EINVAL (a non-zero input byte), EFAULT.
 *
 * SOCKOBJ_IOC_CREATE (struct sockobj_create)
 *	Creates a CLOSED object (reason SOCKOBJ_REASON_NONE) of protocol
 *	proto, remembering cookie for its events, and returns its id. No
 *	socket exists until SOCKOBJ_IOC_CONNECT.
 *	A TCP object makes a three-way handshake; a UDP object's connect only
 *	resolves the route to the target (no packet is sent) and it is
 *	ESTABLISHED at once.
 *	Errors: EINVAL (flags, pad, reserved), EPROTONOSUPPORT (unknown proto),
 *	EMFILE (the file holds max_objects objects), EDQUOT (the opener's
 *	user holds the module parameter max_user_objects objects over all its
 *	files), ENOMEM.
 *
 * SOCKOBJ_IOC_CONFIGURE (struct sockobj_config)
 *	Sets the properties named by mask (SOCKOBJ_CFG_*); the others keep
 *	their value. Only while CLOSED. The new configuration is validated as
 *	a whole before anything changes: addresses must be AF_INET or
 *	AF_INET6 with unused bytes zero, a link-local IPv6 target needs a
 *	scope_id, local and target families must match when both are set, the
 *	interface must exist in the file's namespace (by index, or by name when
 *	ifindex is 0), connect_timeout_ms <= SOCKOBJ_CONNECT_TIMEOUT_MAX_MS.
 *	Options (SOCKOBJ_CFG_NODELAY...) are validated against their ranges
 *	and protocol here and applied at connect through setsockopt(), with
 *	the opener's privileges. Only SOCKOBJ_CFG_SENT_THRESHOLD may change
 *	in a state other than CLOSED.
 *	Errors: ENOENT (no such id), EISCONN (not CLOSED), EINVAL (a mask of
 *	0, a bad value, mask bit, flag or reserved byte, or an option of the
 *	other protocol, even set to 0), ENODEV (no such interface).
 *
 * SOCKOBJ_IOC_GET_CONFIG (struct sockobj_config)
 *	id in (everything else zero); returns the whole configuration, with
 *	mask telling which properties have been set.
 *	Errors: ENOENT, EINVAL.
 *
 * SOCKOBJ_IOC_CONNECT (struct sockobj_op)
 *	Starts an asynchronous active open from CLOSED. It creates the socket
 *	as the file's opener, applies the interface binding, the local bind
 *	and the options, moves the object to CONNECTING (an event) and starts
 *	the connect. It returns 0 once the attempt has started: every network
 *	outcome, even one known at once (no route: CLOSED with reason
 *	SOCKOBJ_REASON_NET_UNREACH), arrives as events.
 *	It fails, leaving the object CLOSED with no event and as it was (data
 *	of the last connection still to be read stays readable), only for
 *	misuse or when the file's opener is refused what socket(2),
 *	setsockopt(2) or bind(2) would refuse it:
 *	ENOENT (no such id), EISCONN (not CLOSED), EDESTADDRREQ (no target
 *	set), EBUSY (fewer than SOCKOBJ_TRANSITIONS_MAX of the object's
 *	SOCKOBJ_OBJ_RECORDS record slots are free, i.e. more than
 *	SOCKOBJ_OBJ_RECORDS - SOCKOBJ_TRANSITIONS_MAX state records are
 *	undelivered: read the events first), EINVAL (flags,
 *	reserved), EACCES (local port below ip_unprivileged_port_start, the
 *	opener without CAP_NET_BIND_SERVICE), EADDRINUSE (local bind; also
 *	while the last connection, kept for its unread data, holds the local
 *	port),
 *	EADDRNOTAVAIL (local bind), EPERM,
 *	ENODEV (the interface went away), ENOMEM/ENOBUFS, or another errno of
 *	socket(2)/bind(2).
 *
 * SOCKOBJ_IOC_DISCONNECT (struct sockobj_op)
 *	Graceful close. From ESTABLISHED or PEER_CLOSING: a FIN is sent after
 *	the data already queued and the object is CLOSING until the close
 *	completes (CLOSED, reason LOCAL_CLOSED, or PEER_CLOSED when the peer
 *	had closed first), or fails (RESET, RETRANS_TIMEOUT...). From
 *	CONNECTING: the attempt is cancelled at once (CLOSED, reason
 *	CANCELLED); a handshake that completes during the call (its
 *	ESTABLISHED record queued first) is closed gracefully as above.
 *	A UDP object has no close handshake: from ESTABLISHED it is CLOSED
 *	at once (reason LOCAL_CLOSED, phase ESTABLISHED, no CLOSING).
 *	From RETRY_WAIT: the retry policy's wait is cancelled at once
 *	(CLOSED, reason CANCELLED, phase RETRY_WAIT).
 *	Errors: ENOENT, ENOTCONN (CLOSED), EALREADY (CLOSING), EINVAL.
 *
 * SOCKOBJ_IOC_ABORT (struct sockobj_op)
 *	Immediate close: a RST is sent when a connection exists and queued
 *	data is discarded (TCP itself sends none once both FINs are out, in
 *	LAST_ACK or CLOSING with nothing unsent). The object is CLOSED when the call returns (reason
 *	ABORTED, or CANCELLED from CONNECTING and RETRY_WAIT: the reason is
 *	that of the state the close left, its phase). Errors: ENOENT,
 *	ENOTCONN (CLOSED), EINVAL.
 *
 * SOCKOBJ_IOC_DESTROY (struct sockobj_op)
 *	Releases the object and its id. A connection still open is closed
 *	gracefully in the background by the kernel (FIN after queued data),
 *	or with a RST when flags has SOCKOBJ_DESTROY_ABORT. Unlike close(2),
 *	which resets a TCP connection that has received data nobody read, a
 *	graceful DESTROY discards that data (the peer sees it acknowledged)
 *	and still sends the queued data and the FIN; closing the file does
 *	the same for every object. Data the peer sends after that close
 *	still makes TCP reset the connection, as after close(2), and what
 *	was queued then is lost. Undelivered events
 *	of the object are discarded; no event of that id follows. The id may
 *	be reused by a later SOCKOBJ_IOC_CREATE. Errors: ENOENT, EINVAL.
 *
 * SOCKOBJ_IOC_GET_INFO (struct sockobj_info)
 *	id in (everything else zero); returns state, reason, phase, error (those of the last close
 *	when CLOSED or RETRY_WAIT), protocol, cookie, local
 *	and remote address (those of the last connection once CLOSED),
 *	bound interface, timestamps, the number of undelivered records, the
 *	queue counters (bytes to read, bytes unacknowledged, free send space)
 *	and the bytes moved each way, the number of the current (or last)
 *	attempt, and for a retry policy the failed attempts of its run and
 *	the time of the next attempt. Once CLOSED, tx_unacked and tx_space
 *	are 0 and rx_queued counts what was received before the close and
 *	is still unread. GET_INFO never waits for a SEND or RECV in progress
 *	on the object (one whose buffer faults for long, say): the queue
 *	counters are a snapshot taken without the socket's lock, as ss(8)
 *	shows them, and /proc/net/sockobj reports the same way.
 *	Errors: ENOENT, EINVAL.
 *
 * SOCKOBJ_IOC_SEND (struct sockobj_io)
 *	Copies from buf without blocking. TCP queues what fits (done < len is
 *	a partial send); UDP sends one datagram (to the target, also for a
 *	recv_any object). When not everything fitted, SOCKOBJ_EV_WRITABLE
 *	follows once the send buffer is past its low-water mark again.
 *	Allowed in ESTABLISHED and (TCP) PEER_CLOSING.
 *	Errors: ENOENT, EINVAL (flags, reserved), EFAULT (also for a struct
 *	that cannot be written: found before any data moves), ENOTCONN
 *	(CLOSED or CONNECTING; also once the connection broke, as its CLOSED
 *	record tells), EPIPE (CLOSING), EAGAIN (no room at all), EMSGSIZE
 *	(UDP datagram too big), or the socket's error (a break the send
 *	itself meets: ECONNRESET, EPIPE...).
 *
 * SOCKOBJ_IOC_RECV (struct sockobj_io)
 *	Copies to buf without blocking; SOCKOBJ_IO_PEEK leaves the data
 *	queued. TCP: done == 0 for a len above 0 means the peer closed its
 *	side (the object is PEER_CLOSING or later); a len of 0 moves nothing
 *	and says nothing. UDP: one datagram per call, its source in
 *	addr, full_len its real length, SOCKOBJ_IO_TRUNC in flags when it did
 *	not fit (the rest is discarded). Allowed in ESTABLISHED, PEER_CLOSING
 *	and CLOSING, and in CLOSED while data received before the close is
 *	still queued (TCP: the peer's last data and FIN can complete our
 *	disconnect before the application reads them; data that came before
 *	a reset or a timeout stays readable too, announced by READABLE
 *	before the CLOSED record).
 *	Errors: ENOENT, EINVAL, EFAULT (as for SEND), ENOTCONN (CONNECTING,
 *	or CLOSED with nothing left to read: a TCP connection that broke
 *	gives it once what came before the break is read, its CLOSED record
 *	telling why), EAGAIN (nothing queued: SOCKOBJ_EV_READABLE
 *	follows the next data); UDP: a soft error (ECONNREFUSED...) that an
 *	ICMP message left, when this call reads it before the
 *	SOCKOBJ_EV_ERROR record was signalled: it is then reported here
 *	instead, once, and the object stays usable.
 *
 * SOCKOBJ_IOC_HANDOFF (struct sockobj_op)
 *	Turns an ESTABLISHED (or PEER_CLOSING) object into an ordinary socket
 *	file descriptor of the caller, close-on-exec (and O_NONBLOCK with
 *	SOCKOBJ_HANDOFF_NONBLOCK), returned as the ioctl's value. The object
 *	and its undelivered events are gone; the fd reads, writes, polls and
 *	closes the same connection (a recv_any UDP object's socket is not
 *	connected: its fd sends with sendto(2)).
 *	Errors: ENOENT, EINVAL, ENOTCONN (not open), EBUSY (a passive UDP
 *	connection still holds datagrams that came to its listening socket,
 *	which the socket would not have: RECV them first), EMFILE (nothing
 *	changed in these cases); ENFILE/ENOMEM when the file cannot be
 *	allocated (the connection is then closed and the object gone).
 *
 * SOCKOBJ_IOC_SET_RETRY (struct sockobj_retry)
 *	Sets the object's retry policy, only while CLOSED; it applies from
 *	the next SOCKOBJ_IOC_CONNECT on. With a policy, a connection attempt
 *	that closes for a reason the policy retries does not end in CLOSED:
 *	the object enters RETRY_WAIT (a record with that reason, phase and
 *	error, the attempt's number in attempt and the wait in retry_ms),
 *	and when the wait is over the kernel starts the next attempt itself
 *	(CONNECTING, ...), as SOCKOBJ_IOC_CONNECT would, with the same
 *	configuration and the file opener's identity. A run of attempts
 *	begins with SOCKOBJ_IOC_CONNECT. A close from CONNECTING is retried
 *	when its reason is in reasons; a connection lost after ESTABLISHED
 *	(RESET, RETRANS_TIMEOUT, INACTIVITY) only with SOCKOBJ_RETRY_LOST as
 *	well. What the application asks for itself (DISCONNECT, ABORT, a
 *	cancel) is never retried, and neither is a graceful close: after the
 *	peer's FIN the object stays in PEER_CLOSING for the application to
 *	read the last data and DISCONNECT. The waits grow from delay_ms by
 *	factor_pct percent per failed attempt up to max_delay_ms, each then
 *	drawn as jitter says; SOCKOBJ_RETRY_RESET_BACKOFF makes an
 *	established connection start a new run (waits from delay_ms again,
 *	its failures counted from 0). The attempt that fails while the run
 *	has had max_attempts attempts ends in CLOSED with its own reason,
 *	phase and error and retry_ms set to SOCKOBJ_RETRY_EXHAUSTED.
 *	An attempt starts only when its records fit: one whose wait is over
 *	while fewer than SOCKOBJ_TRANSITIONS_MAX of the object's record slots
 *	are free stays in RETRY_WAIT (GET_INFO's retry_at_ns is then in the
 *	past) and starts as soon as reading the object's records frees them;
 *	its CONNECTING record's retry_ms says how late it started. The
 *	kernel's own attempts are started by a kernel worker: a socket
 *	creation or bind that fails there (EADDRINUSE, ENODEV for a missing
 *	interface...) is not an ioctl error but the attempt's close (reason
 *	NET_UNREACH for ENODEV or ENETDOWN, else ERROR, with the errno), and
 *	their sockets are charged to the kernel's root cgroup rather than to
 *	the cgroup of a task. max_attempts 0 (with every other field 0)
 *	removes the policy.
 *	Errors: ENOENT, EISCONN (not CLOSED), EINVAL (flags, pad, reserved,
 *	a value out of range, a reason that cannot be retried).
 *
 * SOCKOBJ_IOC_GET_RETRY (struct sockobj_retry)
 *	id in (everything else zero); returns the policy, with reasons
 *	spelled out when it was set as 0 (the default set), or all zero when
 *	the object has none. Errors: ENOENT, EINVAL.
 *
 * SOCKOBJ_IOC_LISTEN (struct sockobj_listen)
 *	Starts a passive open from CLOSED: the object is LISTENING (an
 *	event, a new attempt) for one incoming connection on its local
 *	address and port (SOCKOBJ_CFG_LOCAL; an unspecified address listens
 *	on every address of its family, an IPv6 one also on IPv4's as
 *	mapped addresses unless net.ipv6.bindv6only is set, as a socket
 *	bound to it would; the interface binding applies).
 *	All the LISTENING objects of a file on one protocol, address, port
 *	and interface share one listening socket, created and bound as the
 *	file's opener in its network namespace when the first of them
 *	starts listening (with backlog, 0 for SOMAXCONN, capped by
 *	net.core.somaxconn as listen(2) does; later objects do not change
 *	it), and closed as soon as none of them is LISTENING any more (the
 *	last one took a connection or stopped): a later LISTEN opens a new
 *	one. The kernel completes the
 *	handshake of each incoming connection; in its own worker it then
 *	gives it to one LISTENING object whose inconmode admits the peer
 *	(SOCKOBJ_INCON_ANY: any peer; SOCKOBJ_INCON_TARGET_IP: only the
 *	configured target's address, any port; SOCKOBJ_INCON_TARGET: only the
 *	target's address and port) and which has SOCKOBJ_TRANSITIONS_MAX
 *	record slots free, the one that has been listening longest first.
 *	That object moves to PASSIVE_OPENING and, as soon as the socket is
 *	its own, to ESTABLISHED (or on to PEER_CLOSING when the peer has
 *	already sent its FIN, or to CLOSED when the connection was already
 *	reset, phase PASSIVE_OPENING), its remote address the peer's; from
 *	there it is a connection like an active one (SEND, RECV, timeouts,
 *	options, DISCONNECT, HANDOFF), ending in CLOSED, and LISTEN arms the
 *	object again. A connection that no object may take is reset (the
 *	peer sees its connection accepted, then a RST) and every object
 *	stays LISTENING. The retry policy never applies to a passive
 *	connection.
 *	Reconnects: reconmode (SOCKOBJ_RECON_*) lets a new incoming
 *	connection replace the one the object took, for a peer that
 *	rebooted and comes back while its old connection still looks open.
 *	An object with a reconmode stays on its listener while the
 *	connection it took is ESTABLISHED or PEER_CLOSING (the listening
 *	socket stays open meanwhile), and takes a connection its inconmode
 *	admits from the same address and port as that connection's peer
 *	(SOCKOBJ_RECON_SAME_PEER; such a connection can only come to another
 *	local address than the old one's, on a listener bound to an
 *	unspecified address: a SYN with the old connection's own addresses
 *	meets the old connection, which answers it as RFC 5961 says, and the
 *	peer's RST then ends the old connection, reason RESET), from the
 *	same address, any port (SOCKOBJ_RECON_SAME_HOST), or from anyone
 *	(SOCKOBJ_RECON_ANY). Such
 *	a reconnect is given first to an object whose peer it comes from
 *	(SOCKOBJ_RECON_SAME_PEER, SOCKOBJ_RECON_SAME_HOST), else to a
 *	LISTENING object, and only then to an object with SOCKOBJ_RECON_ANY
 *	(the one whose connection is oldest), each with room in its record
 *	ring for SOCKOBJ_TRANSITIONS_MAX + 2 records. The old connection is
 *	reset, its unread data discarded: CLOSED (reason
 *	SOCKOBJ_REASON_REPLACED, phase the state it was in), then LISTENING
 *	and PASSIVE_OPENING of a new attempt, as for a first connection. A
 *	connection the object closes or loses otherwise takes it off the
 *	listener, and the listening socket closes when it has no object
 *	left. DISCONNECT and ABORT of a LISTENING object stop it
 *	(CLOSED, reason CANCELLED, phase LISTENING); so does DESTROY. The
 *	sockets of accepted connections are allocated by the kernel's
 *	worker: like the retry policy's, they are charged to the root
 *	cgroup.
 *	UDP (SOCKOBJ_FEAT_LISTEN_UDP): a connection is a new peer. The
 *	listening socket (SO_REUSEPORT, so only the opener's user can bind
 *	beside it) receives the datagrams of peers no object has; a
 *	datagram with a bad checksum is dropped there. The first datagram of
 *	a peer goes to a LISTENING object as an incoming connection does,
 *	or is dropped (the peer sees nothing) when no object may take it.
 *	That object gets a socket of its own with its options, bound to
 *	the address and port the datagram was sent to (to the listening
 *	address when it was sent to a broadcast or multicast address) and
 *	connected to the peer: PASSIVE_OPENING, then ESTABLISHED with the
 *	datagram to read (SOCKOBJ_EV_READABLE, RECV's from the peer), or
 *	CLOSED (reason ERROR) when that socket cannot be made. The peer's
 *	next datagrams reach that socket; those already queued on the
 *	listening socket when it was connected are given to the object
 *	before it can read, in order, and RECV returns them first (at most
 *	64; a datagram beyond is dropped, as a full receive buffer drops
 *	it). One the stack was still delivering at that moment, or one the
 *	peer sends to another local address of the listening socket, comes
 *	to the object from the listener later, and may so be read after
 *	newer ones: UDP does not keep order. A passive UDP object stays on its listener while
 *	it is ESTABLISHED (the listening socket stays open meanwhile). Its
 *	connection ends as an active UDP object's does (DISCONNECT, ABORT,
 *	the inactivity timeout: a UDP connection has no end of its own).
 *	Reconnects are port switchovers: SOCKOBJ_RECON_SAME_HOST lets a
 *	datagram from the peer's address and another port, and
 *	SOCKOBJ_RECON_ANY one from any peer inconmode admits, replace the
 *	connection (CLOSED, reason SOCKOBJ_REASON_REPLACED, its unread
 *	datagrams discarded, then LISTENING, PASSIVE_OPENING and
 *	ESTABLISHED with the new peer, to which sends then go), in the order
 *	given above; SOCKOBJ_RECON_SAME_PEER is SOCKOBJ_RECON_NONE for UDP (a
 *	datagram from the peer's own address and port is the connection's
 *	data). Replies always go to the address and port the connection's
 *	datagrams come from (the embedded model's port switchover; its
 *	choice of replying to the configured target port instead is not
 *	offered: the object's socket is connected to its peer, and a
 *	connected UDP socket receives only from where it sends). A UDP
 *	object with recv_any (SOCKOBJ_CFG_RECV_ANY) cannot listen: its
 *	socket would not be connected to its peer.
 *	Errors: ENOENT, EINVAL (flags, pad, reserved, an unknown inconmode
 *	or reconmode), EOPNOTSUPP (a UDP object with recv_any, or any UDP
 *	object before API version 6), EISCONN (not CLOSED), EDESTADDRREQ (no
 *	local port set, or inconmode SOCKOBJ_INCON_TARGET_IP or
 *	SOCKOBJ_INCON_TARGET without a target), EBUSY (as for CONNECT: read
 *	the object's records first), EACCES (a port below
 *	ip_unprivileged_port_start, the opener without
 *	CAP_NET_BIND_SERVICE), EPERM (an option the opener may not set, as
 *	for CONNECT: a priority above 6 without CAP_NET_ADMIN or
 *	CAP_NET_RAW; LISTEN checks
 *	it, since the options are only applied to the connections accepted
 *	later), EADDRINUSE (the address and port are taken by
 *	another socket than this file's listening one; for UDP, by one
 *	without SO_REUSEPORT or of another user: another file of the same
 *	user listening on the same UDP port shares it, the kernel spreading
 *	new peers between the two listening sockets), EADDRNOTAVAIL,
 *	ENODEV (the interface went away), ENOMEM, or another errno of
 *	socket(2), setsockopt(2), bind(2) or listen(2) for the opener.
 *
 * SOCKOBJ_IOC_BATCH (struct sockobj_batch)
 *	Runs count operations (struct sockobj_batch_op, at most
 *	SOCKOBJ_BATCH_MAX) in order, each exactly as its own ioctl would,
 *	and writes back each one's result field, no other field of the
 *	ops (result: >= 0 or -errno; the new
 *	id for SOCKOBJ_OP_CREATE, the bytes queued for SOCKOBJ_OP_SEND, the
 *	bytes received for SOCKOBJ_OP_RECV). An
 *	id of 0 names the object made by the nearest SOCKOBJ_OP_CREATE before
 *	it in the same batch (-ENOENT if there is none or it failed). With
 *	SOCKOBJ_BATCH_STOP, processing stops after the first failed op. done
 *	says how many ops ran (and have a result). A fatal signal stops the
 *	batch early. Consecutive SOCKOBJ_OP_SEND ops on one TCP object are
 *	queued by one sendmsg() over their buffers (the kernel takes the ops
 *	512 at a time, 8 when it is short of memory, and such a run does not
 *	cross from one of these chunks to the next), with the results
 *	they would have had one by one: each its length, the part that fit
 *	where the send buffer filled up, -EAGAIN for the ops after that.
 *	SOCKOBJ_OP_RECV is SOCKOBJ_IOC_RECV into the op's buffer (arg, len;
 *	flags: SOCKOBJ_IO_PEEK), with its errors; TCP: the result is the
 *	bytes received, 0 when the peer closed its side. UDP: one datagram,
 *	and the result is its real length, above len when it was truncated
 *	(the rest discarded); its source address is not reported (use
 *	SOCKOBJ_IOC_RECV where the source matters). Consecutive
 *	SOCKOBJ_OP_RECV ops without SOCKOBJ_IO_PEEK on one TCP object are
 *	filled by one recvmsg() (chunks as for SEND), in order, with
 *	the results they would
 *	have had one by one: each its length while data lasts, then the part
 *	that was queued, then -EAGAIN (or 0 once the peer closed) for the ops
 *	after that.
 *	SOCKOBJ_OP_SENDV and SOCKOBJ_OP_RECVV (API version 9) are
 *	SOCKOBJ_OP_SEND and SOCKOBJ_OP_RECV over an array of buffers, as
 *	writev(2) and readv(2) take them: arg is the address of len struct
 *	iovec (the calling program's own layout, 32-bit ones included), len
 *	is 0..SOCKOBJ_BATCH_IOV_MAX, and the buffers are one sendmsg() or
 *	recvmsg() on the object's socket, in array order, at most MAX_RW_COUNT
 *	(INT_MAX rounded down to a page) bytes in all. The result is as for
 *	the single-buffer op: TCP: the bytes queued, which may be fewer than
 *	the buffers hold when the send buffer fills up (-EAGAIN when none
 *	fit), or the bytes received (-EAGAIN when none were there, 0 once the
 *	peer closed); UDP: the buffers are one datagram (EMSGSIZE above the
 *	largest), and a receive fills them with one datagram and returns its
 *	real length, above the buffers' total when it was truncated.
 *	SOCKOBJ_OP_RECVV takes SOCKOBJ_IO_PEEK. Such an op runs on its own,
 *	never joined with its neighbours. An array that cannot be read is
 *	the op's EFAULT, then a buffer length above SSIZE_MAX its EINVAL,
 *	then a buffer outside user memory its EFAULT, each before anything
 *	moves, as readv(2) and writev(2) check them; a buffer that faults
 *	ends the op with the bytes moved before it, or EFAULT when there
 *	were none; ENOMEM when an array of more than 8 iovecs finds no
 *	memory to be copied into.
 *	Per-op errors are the ioctls' own; the call itself fails
 *	only with EINVAL (count, flags, reserved, an unknown op or op flag,
 *	a len or an arg where the op takes none, no arg for CREATE or
 *	CONFIGURE, a SENDV or RECVV op's len above SOCKOBJ_BATCH_IOV_MAX,
 *	events and nevents not both 0 or both set, nevents above
 *	SOCKOBJ_BATCH_EVENTS_MAX, wait_ms without SOCKOBJ_BATCH_WAIT,
 *	SOCKOBJ_BATCH_WAIT without events; each leaving every op unrun) or
 *	EFAULT. EFAULT before any op ran (the struct or the op array
 *	unreadable) changes nothing; EFAULT when the results cannot be
 *	written back leaves the ops that ran with their effect (done is
 *	written back if it can be), and an object such a batch created
 *	without its id reaching the caller stays until the file is closed.
 *	Signals other than fatal ones do not interrupt the ops.
 *	Records in the same call (API version 8): with events (the address
 *	of an array of nevents struct sockobj_event), once the ops have run
 *	the call moves up to nevents pending records into it, exactly as a
 *	non-blocking read() of that many would (the oldest first, each
 *	delivered once, to this call or to one read()), and sets nevents to
 *	the number moved (0 when none was pending). count may then be 0: a
 *	batch of no ops that only takes records. With SOCKOBJ_BATCH_WAIT,
 *	when no record is pending after the ops, the call first sleeps until
 *	one is, for at most wait_ms milliseconds (SOCKOBJ_WAIT_FOREVER: no
 *	limit; 0: not at all); a signal ends the sleep early, and the call
 *	still returns 0 with the ops' results and nevents 0. The wait is
 *	skipped when SOCKOBJ_BATCH_STOP stopped the batch or a fatal signal
 *	is pending. A read() and such a batch of the same file in two threads
 *	each get whole records, none twice. EFAULT writing the records back
 *	leaves them queued: the call fails with EFAULT, the ops' results and
 *	done written back as above; so it does with EINVAL for a mapped ring
 *	whose head is out of range (see "Mapped record ring").
 *
 * io_uring passthrough
 * --------------------
 * API version 10, where SOCKOBJ_FEAT_URING_CMD says so: the module was
 * built for a kernel with io_uring (CONFIG_IO_URING). Every op of
 * SOCKOBJ_IOC_BATCH can also be submitted alone as an io_uring SQE on the
 * file, beside a program's other io_uring I/O (with an SQPOLL ring, no
 * system call at all). The SQE: opcode IORING_OP_URING_CMD, fd the file
 * (or its registered index with IOSQE_FIXED_FILE), cmd_op
 * SOCKOBJ_URING_OP, and in its command area (the 80 bytes from its cmd
 * field on) a struct sockobj_uring_cmd: the op as a batch takes it, with
 * result 0, then reserved words, zero. The ring must have 128-byte SQEs
 * (IORING_SETUP_SQE128), since a 64-byte SQE holds 16 bytes of command;
 * where the kernel has IORING_OP_URING_CMD128 (7.2 of those tested), that
 * opcode's SQE on a ring of mixed SQE sizes (IORING_SETUP_SQE_MIXED) is
 * as good.
 *	The CQE's res is the op's result, exactly as the batch would write
 *	it: CREATE the new id; SEND, RECV and their vectored forms the bytes,
 *	-EAGAIN when there was no room or nothing to receive, 0 once the
 *	peer closed; the others 0; else the op's -errno. io_uring never waits
 *	for or retries an op: -EAGAIN is its result, as in a batch, and a
 *	program waits for a record instead (poll() of the file, e.g. through
 *	IORING_OP_POLL_ADD). Records stay on the file's queue, for read(),
 *	poll() and SOCKOBJ_IOC_BATCH as before; no CQE carries one. Each SQE
 *	is an op on its own: there is no object created last, so an id of 0
 *	is -ENOENT except for CREATE (wait for the CREATE's CQE, or use a
 *	batch, to go on with its object). SQEs submitted together run in the
 *	order io_uring gives them (IOSQE_IO_LINK orders them); consecutive
 *	SENDs are not joined into one socket call as in a batch.
 *	Errors, as the CQE's res, besides the op's own: ENOTTY for a cmd_op
 *	other than SOCKOBJ_URING_OP (as for an unknown ioctl); EINVAL for a
 *	64-byte SQE, a non-zero result or reserved word, or an op a batch
 *	would refuse with EINVAL (an unknown op or op flag, a len or arg
 *	where the op takes none, no arg for CREATE or CONFIGURE, a SENDV or
 *	RECVV len above SOCKOBJ_BATCH_IOV_MAX);
 *	each changes nothing. On a polled ring (IORING_SETUP_IOPOLL), 6.1
 *	and 6.12 fail the SQE with EOPNOTSUPP themselves (the file has no
 *	polled completion), and 7.2 runs it as on any ring.
 *	An op acts on the file's objects with the opener's credentials and
 *	network namespace, as the ioctls do, whichever task issues it: the
 *	submitter, the ring's SQPOLL thread or an io-wq worker (IOSQE_ASYNC,
 *	or io_uring's own choice). What it allocates is charged to that
 *	task's memory cgroup (io_uring's threads are in their ring's
 *	creator's). A SENDV or RECVV op's iovec array has the layout of the
 *	ring's creator, 32-bit ones included (struct compat_iovec), on
 *	kernels whose io_uring says which that is (IO_URING_F_COMPAT: 6.12
 *	and 7.2 of those tested); on 6.1 it is read as the 64-bit struct
 *	iovec, whatever the program. Closing the file or the ring, in either
 *	order, with SQEs in flight is safe: io_uring holds the file while
 *	an SQE needs it.
 *
 * Mapped record ring
 * ------------------
 * API version 11, where SOCKOBJ_FEAT_EVENT_RING says so. A program can
 * take its records from memory it shares with the module instead of
 * read(): no system call per record, the way io_uring's completion queue
 * works.
 * SOCKOBJ_IOC_RING_SETUP (struct sockobj_ring_setup)
 *	Gives the file a ring of entries struct sockobj_event slots, entries
 *	a power of two from 1 to SOCKOBJ_RING_MAX_ENTRIES, flags and reserved
 *	zero, and writes back size (bytes to map) and the offsets in the
 *	mapping of the ring's head, tail and flags (each a __u32) and of its
 *	first slot. The memory is charged to the caller's memory cgroup. A
 *	file has at most one ring, for its whole life. Errors: EINVAL (bad
 *	entries, flags or reserved), EBUSY (the file has a ring), ENOMEM.
 * mmap() of the file, offset 0, length at most size, MAP_SHARED, then
 *	maps the ring (as often as wanted; it lives until the file's last
 *	reference and mapping are gone). A mapping holds the file as any
 *	mapping of a file does: "closing the file" (which destroys its
 *	objects) happens when the last descriptor is closed and the last
 *	mapping is unmapped, in either order. Errors: ENODEV (no ring yet; also
 *	the answer of modules before version 11), EINVAL (a non-zero offset,
 *	a length above size, or a private mapping, which would not see the
 *	module's writes once written to).
 * From the setup on, the module moves each record into the ring as soon
 *	as it is queued, if there is room: it writes the slot at index
 *	tail & (entries - 1), then advances tail (a store-release). The
 *	program reads tail with a load-acquire, takes the records from index
 *	head up to tail (again head & (entries - 1)), then advances head with
 *	a store-release; the module reads head with a load-acquire and never
 *	writes a slot the program has not released. Both indexes count
 *	records since the setup and wrap at 2^32; the program owns head.
 *	Every guarantee of the Events section holds for the records as they
 *	appear in the ring: a record is in the ring once it has left the
 *	queue, as a read() would have taken it, in the same order.
 *	With no room, records wait in the module as they do for read() (each
 *	object's bounded ring, merging, nothing lost) and SOCKOBJ_RING_PENDING
 *	is set in the ring's flags; they move into the ring, oldest first, on
 *	the next poll() of the file (epoll_wait() of an epoll that watches it,
 *	poll() with a timeout of 0...), read(), or SOCKOBJ_IOC_BATCH with
 *	events, each of which first looks for room; the flag is cleared once
 *	none wait. A program that empties the ring and finds the flag set
 *	calls one of those before it waits: a new record may never come to
 *	wake it. poll() reports EPOLLIN | EPOLLRDNORM while the ring holds a
 *	record or one waits.
 *	read() and SOCKOBJ_IOC_BATCH's events keep working: they take the
 *	records from the ring's head, advance head for the program, and
 *	block or wait as before while the ring is empty and none wait. A
 *	program that advances head itself must not also take records that
 *	way at the same time (both would see the same records). A head that
 *	the module could not have left (more than entries behind tail, or
 *	ahead of it) stops delivery into the ring; read() then fails with
 *	EINVAL, and so does SOCKOBJ_IOC_BATCH with events, after its ops ran
 *	(their results and done written back, as when the copy of the
 *	records faults); nothing is lost: the records wait until the
 *	program writes a head back in range.
 *	Records already in the ring when their object is destroyed or handed
 *	off stay there (they had been delivered).
 *
 * States and reasons
 * ------------------
 *	CLOSED --connect--> CONNECTING --SYN-ACK--> ESTABLISHED
 *	ESTABLISHED --peer FIN--> PEER_CLOSING (passive close)
 *	ESTABLISHED, PEER_CLOSING --disconnect--> CLOSING (active close)
 *	any open state --failure, abort, close completed--> CLOSED
 *	CONNECTING, ESTABLISHED, PEER_CLOSING --a failure the retry policy
 *		retries--> RETRY_WAIT --wait over--> CONNECTING
 *	RETRY_WAIT --disconnect, abort--> CLOSED (CANCELLED)
 *	CLOSED --listen--> LISTENING --incoming connection--> PASSIVE_OPENING
 *		--socket taken--> ESTABLISHED (then as above, never retried)
 *	LISTENING --disconnect, abort--> CLOSED (CANCELLED)
 *	ESTABLISHED, PEER_CLOSING (passive, with a reconmode) --reconnect-->
 *		CLOSED (REPLACED) --> LISTENING --> PASSIVE_OPENING
 * A CLOSED object tells how it got there with a reason (SOCKOBJ_REASON_*),
 * the phase (the state it left, i.e. in which the close happened) and, for
 * failures, the positive errno the network stack reported (error); an
 * object in RETRY_WAIT tells the same of the attempt that failed.
 * A CLOSED object can be configured and connected again; an object in
 * RETRY_WAIT is not CLOSED (CONFIGURE and CONNECT get EISCONN, SEND and
 * RECV ENOTCONN).
 *
 * Events
 * ------
 * read() on the file returns whole struct sockobj_event records, as many as
 * fit in the buffer. A buffer smaller than one record gets -EINVAL. With
 * nothing pending, read() blocks until the first record arrives (and is
 * interruptible: -EINTR/restart), or gets -EAGAIN under O_NONBLOCK; once it
 * has a record it never blocks. poll()/epoll report EPOLLIN | EPOLLRDNORM
 * while records are pending. A failed copy to userspace (-EFAULT) loses
 * nothing: the record stays queued. Readers take records one at a time:
 * under O_NONBLOCK, a read() while another read() (or the records part of
 * a SOCKOBJ_IOC_BATCH) is copying records out gets -EAGAIN even with
 * records pending, rather than wait for a copy that may fault for long;
 * a blocking read() waits for it.
 *
 * Data events (SOCKOBJ_EV_READABLE, _WRITABLE, _SENT, and _ERROR for a
 * UDP soft error such as an ICMP port unreachable, with its errno) are
 * edge-triggered and coalesced per object: READABLE is signalled when data
 * arrives after a receive found (or left) the queue empty, or for the first
 * data of a connection; WRITABLE when room returns after a send that could
 * not queue everything; SENT when the unacknowledged bytes fall to the
 * configured threshold after a send. At most one record of each type is
 * pending per object; a further signal of the same type is absorbed
 * (merged counts the signals). They are ordered with the state records of
 * the object by seq: READABLE for data that came with the peer's FIN, or
 * before it, comes before the PEER_CLOSING record.
 *
 * Every state transition of every object produces one record carrying the
 * new state, the previous state, the reason, phase and error (meaningful
 * when the new state is CLOSED or RETRY_WAIT), the number of the
 * connection attempt it belongs to, the object's cookie, a timestamp
 * (CLOCK_MONOTONIC, ns, taken when the transition happened) and a sequence
 * number taken from a per-file counter when the transition happened.
 *
 * No transition is ever lost, whatever the pace of the reader: the records
 * of one object are delivered in the order the transitions happened
 * (increasing seq), so a reader that reads late still sees, for instance,
 * CONNECTING, ESTABLISHED, PEER_CLOSING, CLOSING, CLOSED(PEER_CLOSED). Records of
 * different objects may interleave. Kernel memory stays bounded without
 * any allocation in softirq context: each object owns a preallocated ring
 * of SOCKOBJ_OBJ_RECORDS records, one connection attempt produces at most
 * SOCKOBJ_TRANSITIONS_MAX transitions (one ending in RETRY_WAIT at most
 * SOCKOBJ_TRANSITIONS_MAX - 1, leaving a slot for the cancel of its wait;
 * a passive one as many from its PASSIVE_OPENING on, after its
 * LISTENING), SOCKOBJ_IOC_CONNECT and SOCKOBJ_IOC_LISTEN refuse (-EBUSY)
 * to start an attempt for which the ring has no room, a retry policy
 * waits for room, and an incoming connection goes only to an object with
 * room for it. Should a
 * ring ever be full nonetheless, the newest record absorbs the transition
 * and its "merged" field counts how many transitions it stands for (1 for
 * a record that stands for one); the seq of such a record is that of the
 * last transition merged.
 *
 * Sequence numbers: each transition takes one, and so does each data
 * record (once, however many signals it absorbs: its merged count, which
 * saturates rather than wraps, is not a count of seq values). Every seq
 * value of a file is delivered at most once, in increasing order per
 * object. Over the state records delivered for an object, the sum of
 * merged equals the number of transitions they stand for. The seq values
 * never delivered are those of transitions absorbed by a later merged
 * record, and those of the records SOCKOBJ_IOC_DESTROY, SOCKOBJ_IOC_HANDOFF
 * or the file's close discarded undelivered. A data event signalled again
 * while a read() copies its record out is delivered as a further record.
 */
#ifndef _UAPI_LINUX_SOCKOBJ_H
#define _UAPI_LINUX_SOCKOBJ_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define SOCKOBJ_DEVICE_NAME		"sockobj"
#define SOCKOBJ_API_VERSION		11

/* Features reported by SOCKOBJ_IOC_GET_API. */
#define SOCKOBJ_FEAT_TCP		(1ULL << 0)
#define SOCKOBJ_FEAT_IPV6		(1ULL << 1)
#define SOCKOBJ_FEAT_EVENTS		(1ULL << 2)
#define SOCKOBJ_FEAT_UDP		(1ULL << 3)
#define SOCKOBJ_FEAT_DATA		(1ULL << 4)
#define SOCKOBJ_FEAT_OPTIONS		(1ULL << 5)
#define SOCKOBJ_FEAT_HANDOFF		(1ULL << 6)
#define SOCKOBJ_FEAT_BATCH		(1ULL << 7)
#define SOCKOBJ_FEAT_RETRY		(1ULL << 8)
#define SOCKOBJ_FEAT_LISTEN		(1ULL << 9)
#define SOCKOBJ_FEAT_RECONNECT		(1ULL << 10)
#define SOCKOBJ_FEAT_LISTEN_UDP		(1ULL << 11)
#define SOCKOBJ_FEAT_BATCH_RECV		(1ULL << 12)
#define SOCKOBJ_FEAT_BATCH_WAIT		(1ULL << 13)
#define SOCKOBJ_FEAT_BATCH_VEC		(1ULL << 14)
#define SOCKOBJ_FEAT_URING_CMD		(1ULL << 15)
#define SOCKOBJ_FEAT_EVENT_RING		(1ULL << 16)

/* Protocols of an object. */
#define SOCKOBJ_PROTO_TCP		1
#define SOCKOBJ_PROTO_UDP		2

/* Simple states. */
#define SOCKOBJ_STATE_CLOSED		0
#define SOCKOBJ_STATE_CONNECTING	1
#define SOCKOBJ_STATE_ESTABLISHED	2
#define SOCKOBJ_STATE_PEER_CLOSING	3
#define SOCKOBJ_STATE_CLOSING		4
#define SOCKOBJ_STATE_RETRY_WAIT	5	/* the retry policy waits to reconnect */
#define SOCKOBJ_STATE_LISTENING		6	/* waits for an incoming connection */
#define SOCKOBJ_STATE_PASSIVE_OPENING	7	/* an incoming connection is taken */
#define SOCKOBJ_STATE_COUNT		8

/* Why a CLOSED object is closed. */
#define SOCKOBJ_REASON_NONE		0	/* never opened */
#define SOCKOBJ_REASON_PEER_CLOSED	1	/* the peer closed first, close done */
#define SOCKOBJ_REASON_LOCAL_CLOSED	2	/* our graceful disconnect completed */
#define SOCKOBJ_REASON_REFUSED		3	/* RST or ICMP port unreachable to SYN */
#define SOCKOBJ_REASON_RESET		4	/* RST from the peer; see phase */
#define SOCKOBJ_REASON_CONNECT_TIMEOUT	5	/* connect timeout or SYN retries */
#define SOCKOBJ_REASON_RETRANS_TIMEOUT	6	/* data retransmission timed out */
#define SOCKOBJ_REASON_HOST_UNREACH	7	/* EHOSTUNREACH, EHOSTDOWN */
#define SOCKOBJ_REASON_NET_UNREACH	8	/* ENETUNREACH, ENETDOWN */
#define SOCKOBJ_REASON_ABORTED		9	/* SOCKOBJ_IOC_ABORT */
#define SOCKOBJ_REASON_CANCELLED	10	/* we closed before a connection */
#define SOCKOBJ_REASON_ERROR		11	/* any other error: see error */
#define SOCKOBJ_REASON_INACTIVITY	12	/* no data either way for too long */
#define SOCKOBJ_REASON_REPLACED		13	/* a reconnect took its place */
#define SOCKOBJ_REASON_COUNT		14

/* Event record types. */
#define SOCKOBJ_EV_STATE		1	/* a state transition */
#define SOCKOBJ_EV_READABLE		2	/* data (or EOF) can be received */
#define SOCKOBJ_EV_WRITABLE		3	/* send buffer space came back */
#define SOCKOBJ_EV_SENT			4	/* unacked data fell to the threshold */
#define SOCKOBJ_EV_ERROR		5	/* UDP: a soft error, e.g. ECONNREFUSED */

/* Bounds of the event contract (see above). */
#define SOCKOBJ_OBJ_RECORDS		8
#define SOCKOBJ_TRANSITIONS_MAX		5

#define SOCKOBJ_CONNECT_TIMEOUT_MAX_MS	(24U * 3600U * 1000U)
#define SOCKOBJ_USER_TIMEOUT_MAX_MS	(24U * 3600U * 1000U)
#define SOCKOBJ_INACTIVITY_MAX_S	(7U * 24U * 3600U)
#define SOCKOBJ_KEEPIDLE_MAX_S		32767	/* the kernel's MAX_TCP_KEEPIDLE */
#define SOCKOBJ_KEEPINTVL_MAX_S		32767	/* MAX_TCP_KEEPINTVL */
#define SOCKOBJ_KEEPCNT_MAX		127	/* MAX_TCP_KEEPCNT */
#define SOCKOBJ_RETRY_DELAY_MAX_MS	(3600U * 1000U)

/**
 * struct sockobj_api - SOCKOBJ_IOC_GET_API
 * @api_version: out: SOCKOBJ_API_VERSION of the running module
 * @event_size: out: sizeof(struct sockobj_event)
 * @features: out: SOCKOBJ_FEAT_* bits
 * @max_objects: out: the per-file object limit
 * @pad: zero
 * @reserved: zero
 */
struct sockobj_api {
	__u32 api_version;
	__u32 event_size;
	__u64 features;
	__u32 max_objects;
	__u32 pad;
	__u64 reserved[4];
};

/**
 * struct sockobj_addr - an IPv4 or IPv6 address and port
 * @family: AF_INET, AF_INET6, or 0 (AF_UNSPEC) for "not set"
 * @port: port in host byte order
 * @scope_id: IPv6 scope (interface index) for link-local addresses, else 0
 * @addr: the address in network byte order: 4 bytes for IPv4 (the other 12
 *	must be zero), 16 for IPv6
 */
struct sockobj_addr {
	__u16 family;
	__u16 port;
	__u32 scope_id;
	__u8 addr[16];
};

/**
 * struct sockobj_create - SOCKOBJ_IOC_CREATE
 * @proto: in: SOCKOBJ_PROTO_*
 * @flags: in: zero
 * @cookie: in: an opaque value returned in the object's events
 * @id: out: the new object's id (never 0)
 * @pad: zero
 * @reserved: zero
 */
struct sockobj_create {
	__u32 proto;
	__u32 flags;
	__u64 cookie;
	__u32 id;
	__u32 pad;
	__u64 reserved[2];
};

/* Properties in struct sockobj_config.mask. */
#define SOCKOBJ_CFG_TARGET		(1ULL << 0)
#define SOCKOBJ_CFG_LOCAL		(1ULL << 1)
#define SOCKOBJ_CFG_IFACE		(1ULL << 2)
#define SOCKOBJ_CFG_CONNECT_TIMEOUT	(1ULL << 3)
#define SOCKOBJ_CFG_NODELAY		(1ULL << 4)	/* TCP_NODELAY */
#define SOCKOBJ_CFG_KEEPALIVE		(1ULL << 5)	/* SO_KEEPALIVE + TCP_KEEP* */
#define SOCKOBJ_CFG_TOS			(1ULL << 6)	/* IP_TOS / IPV6_TCLASS */
#define SOCKOBJ_CFG_PRIORITY		(1ULL << 7)	/* SO_PRIORITY */
#define SOCKOBJ_CFG_SNDBUF		(1ULL << 8)	/* SO_SNDBUF */
#define SOCKOBJ_CFG_RCVBUF		(1ULL << 9)	/* SO_RCVBUF */
#define SOCKOBJ_CFG_USER_TIMEOUT	(1ULL << 10)	/* TCP_USER_TIMEOUT */
#define SOCKOBJ_CFG_INACTIVITY		(1ULL << 11)	/* idle close, seconds */
#define SOCKOBJ_CFG_SENT_THRESHOLD	(1ULL << 12)	/* any state */
#define SOCKOBJ_CFG_BROADCAST		(1ULL << 13)	/* UDP: SO_BROADCAST */
#define SOCKOBJ_CFG_RECV_ANY		(1ULL << 14)	/* UDP: do not connect */
#define SOCKOBJ_CFG_ALL			((1ULL << 15) - 1)

/**
 * struct sockobj_config - SOCKOBJ_IOC_CONFIGURE, SOCKOBJ_IOC_GET_CONFIG
 * @id: in: the object
 * @flags: in: zero
 * @mask: SOCKOBJ_CFG_* properties to set (in) or that are set (out)
 * @target: the remote address and port (SOCKOBJ_CFG_TARGET)
 * @local: local address and/or port to bind before connecting; an
 *	unspecified address with a port binds the port on every address, port
 *	0 binds the address with any port (SOCKOBJ_CFG_LOCAL); family 0 unsets
 * @ifindex: the interface the connection must use, 0 for none
 *	(SOCKOBJ_CFG_IFACE); on input, 0 with a non-empty @ifname names it
 * @connect_timeout_ms: give up connecting after this long, 0 for the
 *	kernel's SYN retries (SOCKOBJ_CFG_CONNECT_TIMEOUT)
 * @ifname: in: interface name when @ifindex is 0 (NUL-terminated); out:
 *	the name of @ifindex at the time it was set
 * @nodelay: 1 to send without Nagle's delay (TCP)
 * @keepalive: 1 to probe an idle connection (TCP); @keepidle_s,
 *	@keepintvl_s and @keepcnt tune it, 0 keeping the kernel's default
 * @keepidle_s: idle time before the first probe, 1..SOCKOBJ_KEEPIDLE_MAX_S
 * @keepintvl_s: time between probes, 1..SOCKOBJ_KEEPINTVL_MAX_S
 * @keepcnt: probes before the connection is dropped, 1..SOCKOBJ_KEEPCNT_MAX
 * @tos: the IPv4 TOS or IPv6 traffic class byte, 0..255
 * @priority: SO_PRIORITY; values above 6 need CAP_NET_ADMIN or CAP_NET_RAW (EPERM from
 *	SOCKOBJ_IOC_CONNECT and SOCKOBJ_IOC_LISTEN otherwise), as for
 *	setsockopt(2)
 * @sndbuf: SO_SNDBUF in bytes (capped by net.core.wmem_max, as setsockopt)
 * @rcvbuf: SO_RCVBUF in bytes (capped by net.core.rmem_max)
 * @user_timeout_ms: TCP_USER_TIMEOUT: unacknowledged data older than this
 *	closes the connection (reason RETRANS_TIMEOUT)
 * @inactivity_s: an ESTABLISHED object that sees no data either way for
 *	this long is reset (reason INACTIVITY), 1..SOCKOBJ_INACTIVITY_MAX_S
 * @sent_threshold: when non-zero, a SOCKOBJ_EV_SENT event follows a send
 *	once unacknowledged bytes fall to this value or below; the only
 *	property that may change in any state
 * @broadcast: 1 to allow sending to broadcast addresses (UDP)
 * @recv_any: 1 for a UDP object that does not connect its socket: it
 *	receives datagrams from any source (broadcasts included, with a local
 *	bind) and sends to the target. Without a local port it has none
 *	(and receives nothing) until its first send picks one, which
 *	GET_INFO does not show: give it a local port to receive first
 * @reserved: zero
 *
 * A property outside @mask must be zero. Setting a property to 0 unsets it
 * (the kernel default applies).
 */
struct sockobj_config {
	__u32 id;
	__u32 flags;
	__u64 mask;
	struct sockobj_addr target;
	struct sockobj_addr local;
	__u32 ifindex;
	__u32 connect_timeout_ms;
	char ifname[16];
	__u32 nodelay;
	__u32 keepalive;
	__u32 keepidle_s;
	__u32 keepintvl_s;
	__u32 keepcnt;
	__u32 tos;
	__u32 priority;
	__u32 sndbuf;
	__u32 rcvbuf;
	__u32 user_timeout_ms;
	__u32 inactivity_s;
	__u32 sent_threshold;
	__u32 broadcast;
	__u32 recv_any;
	__u64 reserved[1];
};

/* Flags of SOCKOBJ_IOC_DESTROY. */
#define SOCKOBJ_DESTROY_ABORT		(1U << 0)
#define SOCKOBJ_DESTROY_F_ALL		SOCKOBJ_DESTROY_ABORT

/**
 * struct sockobj_op - an operation on one object
 * @id: in: the object
 * @flags: in: operation flags (SOCKOBJ_DESTROY_* for destroy), else zero
 * @reserved: zero
 */
struct sockobj_op {
	__u32 id;
	__u32 flags;
	__u64 reserved[2];
};

/**
 * struct sockobj_info - SOCKOBJ_IOC_GET_INFO
 * @id: in: the object
 * @proto: out: SOCKOBJ_PROTO_*
 * @cookie: out: the cookie given at creation
 * @state: out: SOCKOBJ_STATE_*
 * @reason: out: SOCKOBJ_REASON_* (meaningful when CLOSED or RETRY_WAIT:
 *	that of the close the retry policy retries)
 * @phase: out: the state in which the close happened (when CLOSED or
 *	RETRY_WAIT)
 * @error: out: positive errno of the failure, or 0
 * @local: out: local address and port of the current or last connection
 *	(LISTENING: the address listened on, its port chosen)
 * @remote: out: remote address and port of the current or last connection
 *	(LISTENING: none, family 0)
 * @ifindex: out: the interface the socket is bound to, or 0
 * @pending: out: undelivered event records of this object
 * @created_ns: out: CLOCK_MONOTONIC time of creation
 * @connect_ns: out: time the last attempt started, or 0
 * @established_ns: out: time the last connection was established, or 0
 * @closed_ns: out: time an attempt last closed (the object became CLOSED
 *	or RETRY_WAIT; kept while a later attempt runs), or 0 before any
 *	close
 * @rx_queued: out: bytes (TCP) or the next datagram's bytes (UDP) waiting
 *	to be received
 * @tx_unacked: out: bytes sent but not yet acknowledged (TCP), or queued
 *	in the send buffer (UDP)
 * @tx_space: out: free send buffer space in bytes
 * @pad: zero
 * @bytes_sent: out: bytes sent through the object (all attempts)
 * @bytes_received: out: bytes received through the object (all attempts)
 * @retry_at_ns: out: in RETRY_WAIT, the CLOCK_MONOTONIC time the next
 *	attempt is due (in the past while it waits for room in the object's
 *	records), else 0
 * @attempt: out: the number of the current (or last) connection attempt,
 *	counted from 1 over the object's life, 0 before the first
 * @retries: out: the failed attempts of the current (or last) run of a
 *	retry policy (what max_attempts bounds), 0 without a policy
 */
struct sockobj_info {
	__u32 id;
	__u32 proto;
	__u64 cookie;
	__u32 state;
	__u32 reason;
	__u32 phase;
	__s32 error;
	struct sockobj_addr local;
	struct sockobj_addr remote;
	__u32 ifindex;
	__u32 pending;
	__u64 created_ns;
	__u64 connect_ns;
	__u64 established_ns;
	__u64 closed_ns;
	__u32 rx_queued;
	__u32 tx_unacked;
	__u32 tx_space;
	__u32 pad;
	__u64 bytes_sent;
	__u64 bytes_received;
	__u64 retry_at_ns;
	__u32 attempt;
	__u32 retries;
};

/* Flags of struct sockobj_io. */
#define SOCKOBJ_IO_PEEK			(1U << 0)	/* in, recv: leave the data queued */
#define SOCKOBJ_IO_F_ALL		SOCKOBJ_IO_PEEK
#define SOCKOBJ_IO_TRUNC		(1U << 16)	/* out, UDP recv: datagram truncated */

/**
 * struct sockobj_io - SOCKOBJ_IOC_SEND, SOCKOBJ_IOC_RECV
 * @id: in: the object
 * @flags: in: SOCKOBJ_IO_* request flags; out: SOCKOBJ_IO_TRUNC
 * @buf: in: user buffer address
 * @len: in: its length (at most INT_MAX bytes move in one call)
 * @done: out: bytes sent or received; for recv, 0 means the peer closed
 *	its side (TCP) or an empty datagram (UDP)
 * @full_len: out, UDP recv: the datagram's real length (> @done when
 *	truncated)
 * @addr: out, recv: the source address and port of the data
 * @reserved: zero
 */
struct sockobj_io {
	__u32 id;
	__u32 flags;
	__u64 buf;
	__u64 len;
	__u64 done;
	__u64 full_len;
	struct sockobj_addr addr;
	__u64 reserved[2];
};

/* Flags of SOCKOBJ_IOC_HANDOFF. */
#define SOCKOBJ_HANDOFF_NONBLOCK	(1U << 0)	/* the new fd is O_NONBLOCK */
#define SOCKOBJ_HANDOFF_F_ALL		SOCKOBJ_HANDOFF_NONBLOCK

/**
 * struct sockobj_event - one record returned by read()
 * @id: the object
 * @type: SOCKOBJ_EV_*
 * @cookie: the object's cookie
 * @seq: per-file sequence number of the (last merged) transition
 * @timestamp_ns: CLOCK_MONOTONIC time of the transition
 * @state: the new state
 * @prev_state: the state before the (first merged) transition
 * @reason: SOCKOBJ_REASON_* when @state is CLOSED or RETRY_WAIT (the
 *	close the retry policy retries), else 0
 * @phase: the state in which the close happened when @state is CLOSED or
 *	RETRY_WAIT, else 0
 * @error: positive errno of a failure, or 0
 * @merged: how many transitions this record stands for (normally 1)
 * @attempt: the number of the connection attempt the record belongs to
 *	(counted from 1 over the object's life; a RETRY_WAIT record belongs
 *	to the attempt that failed, the CLOSED record of a cancelled wait to
 *	the last attempt), 0 for a record before the first
 * @retry_ms: @state RETRY_WAIT: the wait before the next attempt, in ms
 *	(due at @timestamp_ns + @retry_ms * 1000000); @state CONNECTING:
 *	how many ms after it was due an attempt of the retry policy started
 *	because the object's records had no room (0 when on time); @state
 *	CLOSED: SOCKOBJ_RETRY_EXHAUSTED when the retry policy gave up, its
 *	max_attempts reached; else 0
 */
struct sockobj_event {
	__u32 id;
	__u32 type;
	__u64 cookie;
	__u64 seq;
	__u64 timestamp_ns;
	__u32 state;
	__u32 prev_state;
	__u32 reason;
	__u32 phase;
	__s32 error;
	__u32 merged;
	__u32 attempt;
	__u32 retry_ms;
};

#define SOCKOBJ_RETRY_EXHAUSTED		0xFFFFFFFFU	/* retry_ms of a last CLOSED */

/* Flags of struct sockobj_retry. */
#define SOCKOBJ_RETRY_LOST		(1U << 0)	/* also retry lost connections */
#define SOCKOBJ_RETRY_RESET_BACKOFF	(1U << 1)	/* ESTABLISHED starts a new run */
#define SOCKOBJ_RETRY_F_ALL		(SOCKOBJ_RETRY_LOST | SOCKOBJ_RETRY_RESET_BACKOFF)

/* Jitter of struct sockobj_retry. */
#define SOCKOBJ_JITTER_NONE		0	/* wait exactly the backoff */
#define SOCKOBJ_JITTER_FULL		1	/* uniform in [0, backoff] */
#define SOCKOBJ_JITTER_EQUAL		2	/* uniform in [backoff/2, backoff] */

#define SOCKOBJ_RETRY_UNLIMITED		0xFFFFFFFFU	/* max_attempts: no limit */

/*
 * Reasons a retry policy may retry (bits 1 << SOCKOBJ_REASON_*), and those
 * it retries when reasons is 0.
 */
#define SOCKOBJ_RETRY_REASONS_ALL	((1ULL << SOCKOBJ_REASON_REFUSED) | \
					 (1ULL << SOCKOBJ_REASON_RESET) | \
					 (1ULL << SOCKOBJ_REASON_CONNECT_TIMEOUT) | \
					 (1ULL << SOCKOBJ_REASON_RETRANS_TIMEOUT) | \
					 (1ULL << SOCKOBJ_REASON_HOST_UNREACH) | \
					 (1ULL << SOCKOBJ_REASON_NET_UNREACH) | \
					 (1ULL << SOCKOBJ_REASON_ERROR) | \
					 (1ULL << SOCKOBJ_REASON_INACTIVITY))
#define SOCKOBJ_RETRY_REASONS_DEFAULT	((1ULL << SOCKOBJ_REASON_REFUSED) | \
					 (1ULL << SOCKOBJ_REASON_RESET) | \
					 (1ULL << SOCKOBJ_REASON_CONNECT_TIMEOUT) | \
					 (1ULL << SOCKOBJ_REASON_RETRANS_TIMEOUT) | \
					 (1ULL << SOCKOBJ_REASON_HOST_UNREACH) | \
					 (1ULL << SOCKOBJ_REASON_NET_UNREACH) | \
					 (1ULL << SOCKOBJ_REASON_INACTIVITY))

/**
 * struct sockobj_retry - SOCKOBJ_IOC_SET_RETRY, SOCKOBJ_IOC_GET_RETRY
 * @id: in: the object
 * @flags: SOCKOBJ_RETRY_*
 * @max_attempts: attempts of a run, the first included (1 retries
 *	nothing but marks the last close SOCKOBJ_RETRY_EXHAUSTED), or
 *	SOCKOBJ_RETRY_UNLIMITED; 0: no policy (every other field 0)
 * @delay_ms: the first wait, 1..SOCKOBJ_RETRY_DELAY_MAX_MS
 * @max_delay_ms: the longest wait, @delay_ms..SOCKOBJ_RETRY_DELAY_MAX_MS
 * @factor_pct: each wait is the last one times @factor_pct / 100, up to
 *	@max_delay_ms: 100 (constant) to 1000
 * @jitter: SOCKOBJ_JITTER_*: how each wait is drawn from the backoff
 * @pad: zero
 * @reasons: the close reasons retried (bits 1 << SOCKOBJ_REASON_*, a subset
 *	of SOCKOBJ_RETRY_REASONS_ALL), 0 for SOCKOBJ_RETRY_REASONS_DEFAULT
 * @reserved: zero
 */
struct sockobj_retry {
	__u32 id;
	__u32 flags;
	__u32 max_attempts;
	__u32 delay_ms;
	__u32 max_delay_ms;
	__u32 factor_pct;
	__u32 jitter;
	__u32 pad;
	__u64 reasons;
	__u64 reserved[2];
};

/* Incoming connections a LISTENING object admits (struct sockobj_listen). */
#define SOCKOBJ_INCON_ANY		1	/* any peer */
#define SOCKOBJ_INCON_TARGET_IP		2	/* the target's address, any port */
#define SOCKOBJ_INCON_TARGET		3	/* the target's address and port */

/* Reconnects a passively connected object admits (struct sockobj_listen). */
#define SOCKOBJ_RECON_NONE		0	/* none: the default */
#define SOCKOBJ_RECON_SAME_PEER		1	/* its peer's address and port */
#define SOCKOBJ_RECON_SAME_HOST		2	/* its peer's address, any port */
#define SOCKOBJ_RECON_ANY		3	/* any peer inconmode admits */

/**
 * struct sockobj_listen - SOCKOBJ_IOC_LISTEN
 * @id: in: the object
 * @flags: in: zero
 * @inconmode: in: SOCKOBJ_INCON_*: which peers the object accepts
 * @backlog: in: the listening socket's backlog when this object creates
 *	it, 0 for SOMAXCONN (capped by net.core.somaxconn in any case)
 * @reconmode: in: SOCKOBJ_RECON_*: which incoming connections replace the
 *	one the object took (API version 5; reserved and zero before)
 * @pad: zero
 * @reserved: zero
 */
struct sockobj_listen {
	__u32 id;
	__u32 flags;
	__u32 inconmode;
	__u32 backlog;
	__u32 reconmode;
	__u32 pad;
	__u64 reserved;
};

/* Operations of SOCKOBJ_IOC_BATCH. */
#define SOCKOBJ_OP_CREATE		1	/* arg: struct sockobj_create * */
#define SOCKOBJ_OP_CONFIGURE		2	/* arg: struct sockobj_config * */
#define SOCKOBJ_OP_CONNECT		3
#define SOCKOBJ_OP_SEND			4	/* arg: buffer, len: its length */
#define SOCKOBJ_OP_DISCONNECT		5
#define SOCKOBJ_OP_ABORT		6
#define SOCKOBJ_OP_DESTROY		7	/* flags: SOCKOBJ_DESTROY_* */
#define SOCKOBJ_OP_RECV			8	/* arg: buffer, len: its size */
#define SOCKOBJ_OP_SENDV		9	/* arg: struct iovec [len] */
#define SOCKOBJ_OP_RECVV		10	/* arg: struct iovec [len] */

#define SOCKOBJ_BATCH_IOV_MAX		1024	/* len of SENDV, RECVV */

#define SOCKOBJ_BATCH_STOP		(1U << 0)	/* stop at the first error */
#define SOCKOBJ_BATCH_WAIT		(1U << 1)	/* wait for a record */
#define SOCKOBJ_BATCH_F_ALL		(SOCKOBJ_BATCH_STOP | SOCKOBJ_BATCH_WAIT)
#define SOCKOBJ_BATCH_MAX		65536
#define SOCKOBJ_BATCH_EVENTS_MAX	4096	/* records one batch returns */
#define SOCKOBJ_WAIT_FOREVER		0xFFFFFFFFU	/* wait_ms: no limit */

/**
 * struct sockobj_batch_op - one operation of a batch
 * @op: SOCKOBJ_OP_*
 * @id: the object, or 0 for the one the batch created last
 * @flags: the operation's flags (SOCKOBJ_DESTROY_* for destroy,
 *	SOCKOBJ_IO_PEEK for recv and recvv), else 0
 * @result: out: >= 0 on success (the id for create, bytes for send, recv
 *	and their vectored forms, a UDP datagram's real length for recv and
 *	recvv), or -errno
 * @arg: in: the address of the op's argument (see SOCKOBJ_OP_*), else 0
 * @len: in: SOCKOBJ_OP_SEND, SOCKOBJ_OP_RECV: the buffer length;
 *	SOCKOBJ_OP_SENDV, SOCKOBJ_OP_RECVV: the number of iovecs; else 0
 */
struct sockobj_batch_op {
	__u32 op;
	__u32 id;
	__u32 flags;
	__s32 result;
	__u64 arg;
	__u64 len;
};

/* sqe->cmd_op of an IORING_OP_URING_CMD on the device (API version 10) */
#define SOCKOBJ_URING_OP		1

/**
 * struct sockobj_ring_setup - argument of SOCKOBJ_IOC_RING_SETUP
 * @entries: in: slots in the ring, a power of two from 1 to
 *	SOCKOBJ_RING_MAX_ENTRIES
 * @flags: in: 0
 * @size: out: bytes to mmap() at offset 0
 * @head_off: out: offset in the mapping of the __u32 head (the program's)
 * @tail_off: out: offset of the __u32 tail (the module's)
 * @flags_off: out: offset of the __u32 ring flags (SOCKOBJ_RING_PENDING)
 * @events_off: out: offset of slot 0, entries struct sockobj_event in a row
 * @pad: zero
 * @reserved: zero
 */
struct sockobj_ring_setup {
	__u32 entries;
	__u32 flags;
	__u32 size;
	__u32 head_off;
	__u32 tail_off;
	__u32 flags_off;
	__u32 events_off;
	__u32 pad;
	__u64 reserved[2];
};

#define SOCKOBJ_RING_MAX_ENTRIES	65536U
/* Ring flags, in the mapping: records wait in the module for room. */
#define SOCKOBJ_RING_PENDING		(1U << 0)

/**
 * struct sockobj_uring_cmd - the command area of a 128-byte SQE
 * @op: one op, as in a batch; @op.result must be 0 (the result is the
 *	CQE's res) and @op.id must name an object, except for CREATE
 * @reserved: zero
 *
 * Exactly the 80 bytes an IORING_SETUP_SQE128 ring's SQE holds from its
 * cmd field on (see "io_uring passthrough" above).
 */
struct sockobj_uring_cmd {
	struct sockobj_batch_op op;
	__u64 reserved[6];
};

/**
 * struct sockobj_batch - SOCKOBJ_IOC_BATCH
 * @ops: in: address of an array of @count struct sockobj_batch_op
 * @count: in: number of ops, 1..SOCKOBJ_BATCH_MAX (0..SOCKOBJ_BATCH_MAX
 *	with @events)
 * @flags: in: SOCKOBJ_BATCH_*
 * @done: out: ops that ran
 * @wait_ms: in: with SOCKOBJ_BATCH_WAIT, the longest wait for a record in
 *	ms (SOCKOBJ_WAIT_FOREVER: no limit), else 0 (API version 8; was pad)
 * @events: in: address of an array of @nevents struct sockobj_event that
 *	receives pending records once the ops ran, or 0 (API version 8)
 * @nevents: in: its length, 1..SOCKOBJ_BATCH_EVENTS_MAX, or 0 without
 *	@events; out: the records written (API version 8)
 * @reserved: zero
 */
struct sockobj_batch {
	__u64 ops;
	__u32 count;
	__u32 flags;
	__u32 done;
	__u32 wait_ms;
	__u64 events;
	__u32 nevents;
	__u32 reserved;
};

#define SOCKOBJ_IOC_API_MAGIC		0xB8	/* GET_API only, forever */
#define SOCKOBJ_IOC_MAGIC		0xBB	/* every other ioctl */

#define SOCKOBJ_IOC_GET_API	_IOWR(SOCKOBJ_IOC_API_MAGIC, 0x00, struct sockobj_api)
#define SOCKOBJ_IOC_CREATE	_IOWR(SOCKOBJ_IOC_MAGIC, 0x01, struct sockobj_create)
#define SOCKOBJ_IOC_DESTROY	_IOW(SOCKOBJ_IOC_MAGIC, 0x02, struct sockobj_op)
#define SOCKOBJ_IOC_CONFIGURE	_IOW(SOCKOBJ_IOC_MAGIC, 0x03, struct sockobj_config)
#define SOCKOBJ_IOC_GET_CONFIG	_IOWR(SOCKOBJ_IOC_MAGIC, 0x04, struct sockobj_config)
#define SOCKOBJ_IOC_CONNECT	_IOW(SOCKOBJ_IOC_MAGIC, 0x05, struct sockobj_op)
#define SOCKOBJ_IOC_DISCONNECT	_IOW(SOCKOBJ_IOC_MAGIC, 0x06, struct sockobj_op)
#define SOCKOBJ_IOC_ABORT	_IOW(SOCKOBJ_IOC_MAGIC, 0x07, struct sockobj_op)
#define SOCKOBJ_IOC_GET_INFO	_IOWR(SOCKOBJ_IOC_MAGIC, 0x08, struct sockobj_info)
#define SOCKOBJ_IOC_SEND	_IOWR(SOCKOBJ_IOC_MAGIC, 0x09, struct sockobj_io)
#define SOCKOBJ_IOC_RECV	_IOWR(SOCKOBJ_IOC_MAGIC, 0x0A, struct sockobj_io)
#define SOCKOBJ_IOC_HANDOFF	_IOW(SOCKOBJ_IOC_MAGIC, 0x0B, struct sockobj_op)
#define SOCKOBJ_IOC_BATCH	_IOWR(SOCKOBJ_IOC_MAGIC, 0x0C, struct sockobj_batch)
#define SOCKOBJ_IOC_SET_RETRY	_IOW(SOCKOBJ_IOC_MAGIC, 0x0D, struct sockobj_retry)
#define SOCKOBJ_IOC_GET_RETRY	_IOWR(SOCKOBJ_IOC_MAGIC, 0x0E, struct sockobj_retry)
#define SOCKOBJ_IOC_LISTEN	_IOW(SOCKOBJ_IOC_MAGIC, 0x0F, struct sockobj_listen)
#define SOCKOBJ_IOC_RING_SETUP	_IOWR(SOCKOBJ_IOC_MAGIC, 0x10, struct sockobj_ring_setup)

#endif /* _UAPI_LINUX_SOCKOBJ_H */
