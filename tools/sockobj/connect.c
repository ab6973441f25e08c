// SPDX-License-Identifier: MIT
/*
 * sockobj connect: a netcat-like client, stdin to the connection and the
 * connection to stdout.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netdb.h>
#include <sockobj.h>

#include "cmd.h"

static void connect_usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " connect [-4|-6] [-u] [-t MS] [-i IFACE] [-b ADDR[:PORT]]\n"
		"                       [-k|-N] [-q SECS] [-I SEC] [-w MS] [--timeout SEC]\n"
		"                       [--retry N] [--backoff MIN[:MAX]] [-v[v]] [--json]\n"
		"                       HOST PORT\n\n"
		"Open a connection to HOST PORT through /dev/sockobj and copy stdin to it and\n"
		"it to stdout, like netcat, driven by the module's events. At the end of stdin\n"
		"our side is shut down (FIN after all stdin data is sent) and the command reads\n"
		"on until the end of the peer's stream, also what is still readable after the\n"
		"close completed, and writes all of it out before it ends. When the peer closes\n"
		"first, what it sent is written out, our side is closed, and the command ends.\n"
		"PORT is a number from 1 to 65535 or a service name.\n\n"
		"  -4, -6      resolve HOST to IPv4 or IPv6 only\n"
		"  -u          UDP: each read of stdin is one datagram, each datagram received\n"
		"              is written out; ends -w MS after the end of stdin\n"
		"  -t MS       connect timeout (default: the kernel's SYN retries)\n"
		"  -i IFACE    the connection must go out through IFACE\n"
		"  -b ADDR[:PORT], -b :PORT\n"
		"              bind the local end to ADDR and/or PORT (numeric; IPv6 in\n"
		"              brackets with a port: [2001:db8::5]:4000)\n"
		"  -N, --shutdown\n"
		"              shut our side down at the end of stdin (the default; as nc -N)\n"
		"  -k          keep our side open at the end of stdin: wait for the peer to\n"
		"              close first (servers that end a session on a half-close)\n"
		"  -q SECS     quit SECS seconds after the end of stdin if the peer has not\n"
		"              closed by then (what was received is written out first)\n"
		"  -I SEC      reset the connection after SEC seconds without data either way\n"
		"  -w MS       UDP: after the end of stdin, wait until no datagram came for MS\n"
		"              (default 2000); not nc's -w: that is --timeout\n"
		"  --timeout SEC\n"
		"              nc's -w SEC: TCP, the connect timeout (-t) and the idle limit\n"
		"              (-I) in one; UDP, the wait after the end of stdin (-w)\n"
		"  --retry N   the kernel retries a failed connect (refused, timed out,\n"
		"              unreachable) up to N more times, \"inf\" without end; an\n"
		"              established connection that breaks is not retried\n"
		"  --backoff MIN[:MAX]\n"
		"              the waits between attempts, in ms: MIN first, doubling up to\n"
		"              MAX, each drawn from its upper half (default 250:10000)\n"
		"  -v          print every state transition and the close reason (stderr);\n"
		"              -vv also the data events (READABLE, WRITABLE, SENT, ERROR)\n"
		"  --json      stderr is JSON Lines: -v records, messages ({\"error\": ...}) and,\n"
		"              at the end, one object with the result (exit, reason, errno,\n"
		"              error, attempts, sent, received, written); stdout is the data\n\n"
		"Exit status:\n"
		"  0   the connection closed normally (peer or us, gracefully), or -q ended\n"
		"      it, and every byte received was written to stdout\n"
		"  1   another failure (aborted, another socket error, I/O error)\n"
		"  2   HOST does not resolve (or a temporary failure in name resolution)\n"
		"  3   connection refused (TCP RST to the SYN; UDP: ICMP port unreachable)\n"
		"  4   timed out (connect timeout, data retransmission timeout, -I)\n"
		"  5   host or network unreachable\n"
		"  6   connection reset by the peer\n"
		"  64  usage error, 71 device or module error\n"
		"  74  writing to stdout failed (EPIPE, ENOSPC...): data received was lost\n"
		"A failure other than 64 is also described in one line on stderr.\n");
}

/* Room for the largest UDP datagram (IPv6: 65535 - 8). */
#define IO_BUF		65536

struct conn {
	struct sockobj_ctx *ctx;
	unsigned int id;
	int udp;
	int verbose;
	int keep_open;			/* -k */
	int linger_ms;			/* -w */
	int quit_s;			/* -q, -1 without */
	uint64_t t0;
	char target[SOCKOBJ_ADDRSTRLEN];
	unsigned int state;
	int connected;			/* has been ESTABLISHED */
	int closed;			/* CLOSED after connect */
	struct sockobj_event close_ev;
	int soft_error;			/* UDP: errno of an ERROR record */
	int local_error;		/* our own failure: exit 1 */
	/* stdin -> connection: one read at a time (one datagram for UDP) */
	unsigned char in[IO_BUF];
	size_t in_len, in_off;
	int in_eof;
	uint64_t in_eof_ns;
	/* connection -> stdout */
	unsigned char out[IO_BUF];
	size_t out_len, out_off;
	int net_eof;			/* TCP: the peer's data has ended */
	int rx_done;			/* nothing more will be received */
	int quit;			/* -q: the time after stdin's end ran out */
	int out_error;			/* errno of the write to stdout that failed */
	int out_file;			/* stdout is a regular file */
	uint64_t rx_bytes, out_bytes;
	uint64_t rx_at_close;		/* rx_bytes at the CLOSED record */
	uint64_t last_rx_ns;
	/* edge-triggered: set by records, cleared by -EAGAIN */
	int can_send, can_recv;
	int disconnected;		/* sockobj_disconnect() called */
};

static void say(const struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(const struct conn *c, const char *fmt, ...)
{
	struct json j;
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!json_mode) {
		fprintf(stderr, PROG ": %9.3f ms  %s\n", ms_since(c->t0, now_ns()), buf);
		return;
	}
	json_begin(&j, stderr);
	json_ms(&j, "time_ms", ms_since(c->t0, now_ns()));
	json_str(&j, "message", buf);
	json_end(&j);
}

/* -v with --json: one object per record, on stderr. */
static void json_record(struct conn *c, const struct sockobj_event *ev)
{
	char local[SOCKOBJ_ADDRSTRLEN];
	struct sockobj_info info;
	struct json j;

	json_begin(&j, stderr);
	json_ms(&j, "time_ms", ms_since(c->t0, ev->timestamp_ns));
	json_str(&j, "type", sockobj_event_type_name(ev->type));
	json_uint(&j, "id", ev->id);
	if (ev->type == SOCKOBJ_EV_STATE)
		json_str(&j, "prev_state", sockobj_state_name(ev->prev_state));
	json_str(&j, "state", sockobj_state_name(ev->state));
	json_uint(&j, "merged", ev->merged);
	json_uint(&j, "attempt", ev->attempt);
	if (ev->type == SOCKOBJ_EV_STATE && ev->state == SOCKOBJ_STATE_CONNECTING)
		json_str(&j, "target", c->target);
	if (ev->type == SOCKOBJ_EV_STATE && ev->state == SOCKOBJ_STATE_ESTABLISHED &&
	    sockobj_get_info(c->ctx, c->id, &info) == 0 &&
	    sockobj_addr_format(&info.local, local, sizeof(local)) >= 0)
		json_str(&j, "local", local);
	if (ev->type == SOCKOBJ_EV_STATE && (ev->state == SOCKOBJ_STATE_CLOSED ||
					     ev->state == SOCKOBJ_STATE_RETRY_WAIT)) {
		json_str(&j, "reason", sockobj_reason_name(ev->reason));
		json_str(&j, "reason_text", sockobj_reason_describe(ev->reason));
	}
	json_errno(&j, "error", ev->error);
	if (ev->type == SOCKOBJ_EV_STATE && (ev->state == SOCKOBJ_STATE_CLOSED ||
					     ev->state == SOCKOBJ_STATE_RETRY_WAIT))
		json_uint(&j, "retry_ms", ev->retry_ms);
	if (ev->type == SOCKOBJ_EV_STATE && ev->state == SOCKOBJ_STATE_CLOSED) {
		json_bool(&j, "retries_exhausted",
			  ev->retry_ms == SOCKOBJ_RETRY_EXHAUSTED);
		if (sockobj_get_info(c->ctx, c->id, &info) == 0) {
			json_uint(&j, "sent", info.bytes_sent);
			json_uint(&j, "received", info.bytes_received);
		}
	}
	json_end(&j);
}

static void print_transition(struct conn *c, const struct sockobj_event *ev)
{
	struct sockobj_info info;
	char local[SOCKOBJ_ADDRSTRLEN] = "?";
	double t = ms_since(c->t0, ev->timestamp_ns);

	fprintf(stderr, PROG ": %9.3f ms  %s -> %s", t,
		sockobj_state_name(ev->prev_state), sockobj_state_name(ev->state));
	if (ev->merged > 1)
		fprintf(stderr, " (%u transitions merged)", ev->merged);
	switch (ev->state) {
	case SOCKOBJ_STATE_CONNECTING:
		fprintf(stderr, "  to %s", c->target);
		break;
	case SOCKOBJ_STATE_LISTENING:
		fprintf(stderr, "  on %s", c->target);
		break;
	case SOCKOBJ_STATE_PASSIVE_OPENING:
		if (sockobj_get_info(c->ctx, c->id, &info) == 0)
			sockobj_addr_format(&info.remote, local, sizeof(local));
		fprintf(stderr, "  from %s", local);
		break;
	case SOCKOBJ_STATE_ESTABLISHED:
		if (sockobj_get_info(c->ctx, c->id, &info) == 0)
			sockobj_addr_format(&info.local, local, sizeof(local));
		fprintf(stderr, "  local %s", local);
		break;
	case SOCKOBJ_STATE_PEER_CLOSING:
		fprintf(stderr, "  (the peer closed its side)");
		break;
	case SOCKOBJ_STATE_CLOSING:
		fprintf(stderr, "  (our FIN follows the data queued)");
		break;
	case SOCKOBJ_STATE_RETRY_WAIT:
		fprintf(stderr, ": %s, %s", sockobj_reason_name(ev->reason),
			sockobj_reason_describe(ev->reason));
		if (ev->error)
			fprintf(stderr, " (%s)", strerror(ev->error));
		fprintf(stderr, "; attempt %u failed, the next in %u ms",
			ev->attempt, ev->retry_ms);
		break;
	case SOCKOBJ_STATE_CLOSED:
		fprintf(stderr, ": %s, %s", sockobj_reason_name(ev->reason),
			sockobj_reason_describe(ev->reason));
		if (ev->error)
			fprintf(stderr, " (%s)", strerror(ev->error));
		if (ev->retry_ms == SOCKOBJ_RETRY_EXHAUSTED)
			fprintf(stderr, "; no attempt left (attempt %u)",
				ev->attempt);
		if (sockobj_get_info(c->ctx, c->id, &info) == 0)
			fprintf(stderr, "; sent %llu, received %llu bytes",
				(unsigned long long)info.bytes_sent,
				(unsigned long long)info.bytes_received);
		break;
	}
	fputc('\n', stderr);
}

/* Takes one record: updates what may be done next. */
static void conn_event(struct conn *c, const struct sockobj_event *ev)
{
	if (ev->id != c->id)
		return;
	if (c->verbose && json_mode &&
	    (ev->type == SOCKOBJ_EV_STATE || ev->type == SOCKOBJ_EV_ERROR ||
	     c->verbose > 1))
		json_record(c, ev);
	if (ev->type == SOCKOBJ_EV_STATE) {
		if (c->verbose && !json_mode)
			print_transition(c, ev);
		c->state = ev->state;
		if (ev->state == SOCKOBJ_STATE_ESTABLISHED) {
			/* Also a reconnect's, or a retried attempt's. */
			c->connected = 1;
			/* Try both once; -EAGAIN arms the records. */
			c->can_send = 1;
			c->can_recv = 1;
		} else if (ev->state == SOCKOBJ_STATE_PEER_CLOSING) {
			c->can_recv = 1;	/* the EOF is to be read */
		} else if (ev->state == SOCKOBJ_STATE_CLOSED &&
			   ev->reason == SOCKOBJ_REASON_REPLACED) {
			/*
			 * listen --reconnect: the old peer is gone, its unread
			 * data discarded; the new one's records follow.
			 */
			c->can_send = 0;
			c->can_recv = 0;
		} else if (ev->state == SOCKOBJ_STATE_CLOSED) {
			c->closed = 1;
			c->close_ev = *ev;
			c->rx_at_close = c->rx_bytes;
			/*
			 * The peer's last data and FIN can complete our close
			 * before we received them: they stay readable, and no
			 * READABLE record follows a CLOSED one, so receive
			 * until ENOTCONN or the end of the stream.
			 */
			if (c->connected)
				c->can_recv = 1;
			else
				c->rx_done = 1;
		}
		return;
	}
	/* -vv shows every data record; -v the errors, which end a session. */
	if (!json_mode &&
	    (c->verbose > 1 || (c->verbose && ev->type == SOCKOBJ_EV_ERROR))) {
		fprintf(stderr, PROG ": %9.3f ms  %s in %s", ms_since(c->t0, ev->timestamp_ns),
			sockobj_event_type_name(ev->type), sockobj_state_name(ev->state));
		if (ev->merged > 1)
			fprintf(stderr, " (%u signals merged)", ev->merged);
		if (ev->error)
			fprintf(stderr, ": %s", strerror(ev->error));
		fputc('\n', stderr);
	}
	switch (ev->type) {
	case SOCKOBJ_EV_READABLE:
		c->can_recv = 1;
		break;
	case SOCKOBJ_EV_WRITABLE:
		c->can_send = 1;
		break;
	case SOCKOBJ_EV_ERROR:
		/* UDP: an ICMP error for a datagram we sent. */
		if (!c->soft_error)
			c->soft_error = ev->error ? ev->error : EIO;
		break;
	}
}

static int exit_of_errno(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return EXIT_REFUSED;
	case EHOSTUNREACH:
	case EHOSTDOWN:
	case ENETUNREACH:
	case ENETDOWN:
		return EXIT_UNREACH;
	case ETIMEDOUT:
		return EXIT_TIMEOUT;
	case ECONNRESET:
		return EXIT_RESET;
	default:
		return EXIT_FAILURE_ANY;
	}
}

/* Receives while there is data and room; returns whether anything moved. */
static int conn_recv(struct conn *c)
{
	int moved = 0, ret;

	while (c->can_recv && !c->rx_done) {
		size_t room = sizeof(c->out) - c->out_len;

		/* A datagram needs the whole buffer; TCP takes what fits. */
		if (c->udp ? c->out_len : !room)
			break;
		ret = sockobj_recv(c->ctx, c->id, c->out + c->out_len, room, 0,
				   NULL);
		if (ret == -EAGAIN) {
			c->can_recv = 0;
			/* Nothing arrives once CLOSED: an empty queue is the end. */
			if (c->closed)
				c->rx_done = 1;
			break;
		}
		if (c->udp && ret < 0 && exit_of_errno(-ret) != EXIT_FAILURE_ANY) {
			/* An ICMP error read before its ERROR record: it ends the session. */
			if (!c->soft_error)
				c->soft_error = -ret;
			c->can_recv = 0;
			break;
		}
		if (ret < 0) {
			/* Drained after the close, or broken: the record says why. */
			c->can_recv = 0;
			c->rx_done = 1;
			if (ret != -ENOTCONN && ret != -EPIPE) {
				say(c, "receive: %s", sockobj_strerror(ret));
				c->local_error = 1;
			}
			if (c->verbose > 1 && c->closed)
				say(c, "nothing left to read after the close");
			break;
		}
		moved = 1;
		c->last_rx_ns = now_ns();
		if (ret == 0 && !c->udp) {
			c->net_eof = 1;
			c->rx_done = 1;
			c->can_recv = 0;
			if (c->verbose > 1)
				say(c, "end of the peer's data");
			break;
		}
		c->out_len += (size_t)ret;
		c->rx_bytes += (uint64_t)ret;
	}
	return moved;
}

/* Sends what stdin gave while there is room; returns whether it moved. */
static int conn_send(struct conn *c)
{
	int moved = 0, ret;

	while (c->can_send && c->in_off < c->in_len && !c->disconnected &&
	       (c->state == SOCKOBJ_STATE_ESTABLISHED ||
		c->state == SOCKOBJ_STATE_PEER_CLOSING)) {
		ret = sockobj_send(c->ctx, c->id, c->in + c->in_off,
				   c->in_len - c->in_off);
		if (ret == -EAGAIN) {
			c->can_send = 0;
			break;
		}
		if (ret == -EMSGSIZE) {
			say(c, "a datagram of %zu bytes is too big to send",
			    c->in_len - c->in_off);
			c->local_error = 1;
			c->in_off = c->in_len = 0;
			break;
		}
		if (ret < 0) {
			/* The connection broke: its record tells why. */
			if (ret != -EPIPE && ret != -ENOTCONN) {
				say(c, "send: %s", sockobj_strerror(ret));
				c->local_error = 1;
			}
			c->in_off = c->in_len = 0;
			c->in_eof = 1;
			break;
		}
		moved = 1;
		if (c->udp) {
			/* One read of stdin, one datagram, sent whole. */
			c->in_off = c->in_len;
		} else {
			c->in_off += (size_t)ret;
			/* Partial: WRITABLE follows once there is room. */
			if (c->in_off < c->in_len)
				c->can_send = 0;
		}
	}
	if (c->in_off >= c->in_len)
		c->in_off = c->in_len = 0;
	return moved;
}

static int64_t udp_linger_left(const struct conn *c)
{
	uint64_t from = c->last_rx_ns > c->in_eof_ns ? c->last_rx_ns :
						       c->in_eof_ns;
	uint64_t end = from + (uint64_t)c->linger_ms * 1000000ull;
	uint64_t now = now_ns();

	return end > now ? (int64_t)((end - now) / 1000000ull) + 1 : 0;
}

/*
 * -q: milliseconds left before quitting, -1 without a limit. The time runs
 * from the end of stdin once all of it is queued, as nc's does.
 */
static int64_t quit_left(const struct conn *c)
{
	uint64_t end, now;

	if (c->quit_s < 0 || !c->in_eof || c->in_len)
		return -1;
	end = c->in_eof_ns + (uint64_t)c->quit_s * 1000000000ull;
	now = now_ns();
	return end > now ? (int64_t)((end - now) / 1000000ull) + 1 : 0;
}

/* The close, once the data is out; TCP only disconnects gracefully. */
static void conn_maybe_close(struct conn *c)
{
	int ret;

	if (c->disconnected || !c->connected || c->closed)
		return;
	if (c->state != SOCKOBJ_STATE_ESTABLISHED &&
	    c->state != SOCKOBJ_STATE_PEER_CLOSING)
		return;
	if (c->udp) {
		/* No EOF in UDP: stdin's end plus a quiet spell, or an error. */
		if (!c->soft_error && !c->local_error &&
		    !(c->in_eof && !c->in_len && udp_linger_left(c) == 0))
			return;
	} else if (c->net_eof || c->local_error) {
		/* The peer closed first (or we failed): our side follows. */
		if (c->out_len && !c->local_error)
			return;
	} else if (!c->in_eof || c->in_len || c->keep_open) {
		return;
	}
	ret = sockobj_disconnect(c->ctx, c->id);
	c->disconnected = 1;
	if (ret < 0 && ret != -EALREADY && ret != -ENOTCONN) {
		say(c, "disconnect: %s", sockobj_strerror(ret));
		c->local_error = 1;
	}
}

static int exit_of_reason(unsigned int reason)
{
	switch (reason) {
	case SOCKOBJ_REASON_PEER_CLOSED:
	case SOCKOBJ_REASON_LOCAL_CLOSED:
		return EXIT_OK;
	case SOCKOBJ_REASON_REFUSED:
		return EXIT_REFUSED;
	case SOCKOBJ_REASON_CONNECT_TIMEOUT:
	case SOCKOBJ_REASON_RETRANS_TIMEOUT:
	case SOCKOBJ_REASON_INACTIVITY:
		return EXIT_TIMEOUT;
	case SOCKOBJ_REASON_HOST_UNREACH:
	case SOCKOBJ_REASON_NET_UNREACH:
		return EXIT_UNREACH;
	case SOCKOBJ_REASON_RESET:
		return EXIT_RESET;
	default:
		return EXIT_FAILURE_ANY;
	}
}

/*
 * Writes what was received without blocking: POLLOUT promises a pipe
 * PIPE_BUF bytes, while a regular file takes everything at once (16 times
 * fewer writes for a download to a file). A failure is final (the caller
 * ends the command): what was received and what the peer still sends can
 * no longer reach stdout.
 */
static int conn_write_out(struct conn *c)
{
	size_t n = c->out_len - c->out_off;
	ssize_t w;

	if (n > PIPE_BUF && !c->out_file)
		n = PIPE_BUF;
	w = write(STDOUT_FILENO, c->out + c->out_off, n);
	if (w < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		c->out_error = errno;
		return -1;
	}
	c->out_bytes += (uint64_t)w;
	c->out_off += (size_t)w;
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	return 1;
}

static int conn_read_in(struct conn *c)
{
	ssize_t r;

	r = read(STDIN_FILENO, c->in, c->udp ? sizeof(c->in) - 1 : sizeof(c->in));
	if (r < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		say(c, "reading stdin: %s", strerror(errno));
		c->local_error = 1;
		r = 0;
	}
	if (r == 0) {
		c->in_eof = 1;
		c->in_eof_ns = now_ns();
		if (c->verbose > 1)
			say(c, "end of stdin");
		return 1;
	}
	c->in_len = (size_t)r;
	c->in_off = 0;
	return 1;
}

/*
 * stdout failed: reset the connection rather than let the peer believe
 * its data arrived, and say how much was lost.
 */
static int conn_output_failed(struct conn *c)
{
	errorf("writing to standard output: %s; %llu of %llu bytes received "
	       "were not written", strerror(c->out_error),
		(unsigned long long)(c->rx_bytes - c->out_bytes),
		(unsigned long long)c->rx_bytes);
	if (!c->closed)
		sockobj_abort(c->ctx, c->id);
	return EXIT_OUTPUT;
}

/*
 * The loop: records say when a send or a receive may succeed again, poll()
 * waits for them, stdin and stdout. Nothing is retried on -EAGAIN without
 * a record in between, so the loop sleeps whenever nothing can move. It
 * ends once the object is CLOSED (or -q ran out), nothing more can be
 * received and everything received is written.
 */
static int conn_run(struct conn *c)
{
	struct sockobj_event evs[16];
	int i, n, timeout;

	for (;;) {
		struct pollfd pfd[3];
		int moved = 0, nfds = 0, ev_i, in_i = -1, out_i = -1;
		int64_t left;

		/* Every record already here, without blocking. */
		while ((n = sockobj_read_events(c->ctx, evs, 16)) > 0) {
			for (i = 0; i < n; i++)
				conn_event(c, &evs[i]);
		}
		if (n != -EAGAIN) {
			say(c, "reading events: %s", sockobj_strerror(n));
			return EXIT_SYSTEM;
		}

		if (!c->quit && !c->closed && quit_left(c) == 0) {
			/* The peer keeps its side open: what it sends now is dropped. */
			c->quit = 1;
			c->rx_done = 1;
			if (c->verbose)
				say(c, "quitting %d s after the end of stdin (-q); "
				    "the peer has not closed", c->quit_s);
		}
		moved |= conn_recv(c);
		moved |= conn_send(c);
		conn_maybe_close(c);
		if ((c->closed || c->quit) && c->rx_done && !c->out_len) {
			if (c->verbose && c->closed && c->connected)
				say(c, "%llu bytes received after the close, %llu in all, "
				    "all written out",
				    (unsigned long long)(c->rx_bytes - c->rx_at_close),
				    (unsigned long long)c->rx_bytes);
			break;
		}
		if (moved)
			continue;

		pfd[nfds].fd = sockobj_fd(c->ctx);
		pfd[nfds].events = POLLIN;
		ev_i = nfds++;
		if (!c->in_eof && !c->in_len && !c->disconnected &&
		    (c->state == SOCKOBJ_STATE_ESTABLISHED ||
		     c->state == SOCKOBJ_STATE_PEER_CLOSING)) {
			pfd[nfds].fd = STDIN_FILENO;
			pfd[nfds].events = POLLIN;
			in_i = nfds++;
		}
		if (c->out_len) {
			pfd[nfds].fd = STDOUT_FILENO;
			pfd[nfds].events = POLLOUT;
			out_i = nfds++;
		}
		timeout = -1;
		if (c->udp && c->in_eof && !c->disconnected)
			timeout = (int)udp_linger_left(c);
		left = c->quit ? -1 : quit_left(c);
		if (left >= 0 && (timeout < 0 || left < timeout))
			timeout = left > INT_MAX ? INT_MAX : (int)left;
		if (poll(pfd, (nfds_t)nfds, timeout) < 0) {
			if (errno == EINTR)
				continue;
			say(c, "poll: %s", strerror(errno));
			return EXIT_SYSTEM;
		}
		if (pfd[ev_i].revents & (POLLERR | POLLNVAL)) {
			say(c, "the sockobj descriptor failed");
			return EXIT_SYSTEM;
		}
		if (in_i >= 0 && pfd[in_i].revents)
			conn_read_in(c);
		if (out_i >= 0 && pfd[out_i].revents && conn_write_out(c) < 0)
			return conn_output_failed(c);
	}
	return EXIT_OK;
}

/*
 * --json: the session's outcome, one object on stderr once it is over:
 * the exit status, the close reason and error, the bytes each way.
 */
static void json_result(struct conn *c, int code)
{
	struct sockobj_info info;
	struct json j;

	json_begin(&j, stderr);
	json_ms(&j, "time_ms", ms_since(c->t0, now_ns()));
	json_str(&j, "result", c->quit ? "quit" : c->closed ? "closed" : "open");
	json_str(&j, "target", c->target);
	json_int(&j, "exit", code);
	json_bool(&j, "connected", c->connected);
	json_str(&j, "reason", c->closed ? sockobj_reason_name(c->close_ev.reason) : NULL);
	json_str(&j, "reason_text", c->closed ?
		 sockobj_reason_describe(c->close_ev.reason) : NULL);
	json_errno(&j, "error", c->soft_error ? c->soft_error :
		   c->closed ? c->close_ev.error : 0);
	json_uint(&j, "attempts", c->closed ? c->close_ev.attempt : 0);
	if (c->id && sockobj_get_info(c->ctx, c->id, &info) == 0)
		json_uint(&j, "sent", info.bytes_sent);
	json_uint(&j, "received", c->rx_bytes);
	json_uint(&j, "written", c->out_bytes);
	json_end(&j);
}

/* "-b": ADDR[:PORT] as sockobj_addr_parse() reads it, or ":PORT". */
static int parse_bind(const char *s, int family, struct sockobj_addr *a)
{
	char *end;
	unsigned long port;

	if (s[0] != ':')
		return sockobj_addr_parse(a, s);
	/* Digits only: strtoul() would take "-1" or " 5". 0 is any port. */
	if (s[1] < '0' || s[1] > '9')
		return -EINVAL;
	errno = 0;
	port = strtoul(s + 1, &end, 10);
	if (*end || errno || port > 65535)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->family = (uint16_t)(family == AF_INET6 ? AF_INET6 : AF_INET);
	a->port = (uint16_t)port;
	return 0;
}

/* "--retry": N more attempts after the first, or "inf". */
static int parse_retry(const char *s, __u32 *max_attempts)
{
	unsigned long n;
	char *end;

	if (!strcmp(s, "inf")) {
		*max_attempts = SOCKOBJ_RETRY_UNLIMITED;
		return 0;
	}
	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (*end || errno || n >= SOCKOBJ_RETRY_UNLIMITED - 1)
		return -EINVAL;
	*max_attempts = (__u32)n + 1;
	return 0;
}

/* "--backoff": MIN[:MAX] in ms. */
static int parse_backoff(const char *s, struct sockobj_retry *r)
{
	unsigned long lo, hi;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	lo = strtoul(s, &end, 10);
	hi = lo;
	if (*end == ':') {
		if (end[1] < '0' || end[1] > '9')
			return -EINVAL;
		hi = strtoul(end + 1, &end, 10);
	}
	if (*end || errno || !lo || lo > hi || hi > SOCKOBJ_RETRY_DELAY_MAX_MS)
		return -EINVAL;
	r->delay_ms = (__u32)lo;
	r->max_delay_ms = (__u32)hi;
	return 0;
}

int cmd_connect(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "shutdown", no_argument, NULL, 'N' },
		{ "retry", required_argument, NULL, 'R' },
		{ "backoff", required_argument, NULL, 'B' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockobj_retry retry = {
		.delay_ms = 250,
		.max_delay_ms = 10000,
		.factor_pct = 200,
		.jitter = SOCKOBJ_JITTER_EQUAL,
	};
	unsigned long timeout_ms = 0, idle_s = 0, linger_ms = 2000;
	unsigned int timeout_s = 0;
	int set_t = 0, set_i = 0, set_w = 0;
	int quit_s = -1;
	const char *iface = NULL, *bind_str = NULL, *host, *port_str;
	int family = AF_UNSPEC, udp = 0, verbose = 0, keep_open = 0;
	struct sockobj_addr local, target_addr;
	struct sockaddr_storage ss, lss;
	socklen_t salen, lsalen;
	struct stat st;
	struct conn *c;
	char *end;
	int opt, ret, code;

	while ((opt = getopt_long(argc, argv, "46ut:i:b:kNq:I:w:vh", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case '4':
			family = AF_INET;
			break;
		case '6':
			family = AF_INET6;
			break;
		case 'u':
			udp = 1;
			break;
		case 't':
		case 'I':
		case 'q':
		case 'w': {
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || errno || v > UINT_MAX) {
				errorf("bad number '%s' for -%c", optarg, opt);
				return EXIT_USAGE;
			}
			if (opt == 't') {
				timeout_ms = v;
				set_t = 1;
			} else if (opt == 'I') {
				idle_s = v;
				set_i = 1;
			} else if (opt == 'q') {
				quit_s = v > INT_MAX / 2 ? INT_MAX / 2 : (int)v;
			} else {
				linger_ms = v > INT_MAX / 2 ? INT_MAX / 2 : v;
				set_w = 1;
			}
			break;
		}
		case 'T':
			if (uint_arg(optarg, &timeout_s) || !timeout_s ||
			    timeout_s > INT_MAX / 2000) {
				errorf("bad number '%s' for --timeout (seconds, 1 "
				       "to %d)", optarg, INT_MAX / 2000);
				return EXIT_USAGE;
			}
			break;
		case 'J':
			break;
		case 'R':
			if (parse_retry(optarg, &retry.max_attempts) < 0) {
				errorf("bad --retry '%s' (a number of retries, or "
				       "inf)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'B':
			if (parse_backoff(optarg, &retry) < 0) {
				errorf("bad --backoff '%s' (MIN[:MAX] in ms, 1 <= MIN "
				       "<= MAX <= %u)", optarg,
				       SOCKOBJ_RETRY_DELAY_MAX_MS);
				return EXIT_USAGE;
			}
			break;
		case 'i':
			iface = optarg;
			break;
		case 'b':
			bind_str = optarg;
			break;
		case 'k':
			keep_open = 1;
			break;
		case 'N':
			keep_open = 0;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			connect_usage(stdout);
			return EXIT_OK;
		default:
			return bad_option(connect_usage);
		}
	}
	if (argc - optind != 2)
		return bad_args(connect_usage, "connect takes HOST and PORT");
	/*
	 * --timeout SEC is nc's -w SEC (our -w has been the UDP wait since
	 * before): the connect timeout and the idle limit of TCP, the wait
	 * after the end of stdin of UDP. -t, -I and -w say otherwise.
	 */
	if (timeout_s && udp && !set_w)
		linger_ms = timeout_s * 1000UL;
	if (timeout_s && !udp) {
		if (!set_t)
			timeout_ms = timeout_s * 1000UL;
		if (!set_i)
			idle_s = timeout_s;
	}
	host = argv[optind];
	port_str = argv[optind + 1];
	if (port_arg(port_str, 1) < 0) {
		errorf("bad port '%s' (a number from 1 to 65535, or a service "
		       "name)", port_str);
		return EXIT_USAGE;
	}

	if (bind_str) {
		ret = parse_bind(bind_str, family, &local);
		if (ret < 0) {
			errorf("bad local address '%s' (ADDR[:PORT] or :PORT, "
			       "numeric): %s", bind_str, sockobj_strerror(ret));
			return EXIT_USAGE;
		}
		/* A local address decides the family of the target. */
		if (bind_str[0] != ':' && family == AF_UNSPEC)
			family = local.family;
		if (family != AF_UNSPEC && local.family != family) {
			errorf("-b %s is not of the family asked for", bind_str);
			return EXIT_USAGE;
		}
	}

	/* Names are resolved here, in userspace: the module sees addresses. */
	ret = sockobj_resolve(host, port_str, family, &ss, &salen);
	if (ret < 0) {
		errorf("%s port %s: %s", host, port_str,
		       ret == -SOCKOBJ_ENAMEAGAIN ?
		       "temporary failure in name resolution" :
		       sockobj_strerror(ret));
		return ret == -EINVAL || ret == -EAFNOSUPPORT ? EXIT_USAGE :
								 EXIT_NAME;
	}
	if (bind_str && bind_str[0] == ':')
		local.family = ss.ss_family;

	c = calloc(1, sizeof(*c));
	if (!c)
		return EXIT_SYSTEM;
	c->udp = udp;
	c->verbose = verbose;
	c->keep_open = keep_open;
	c->linger_ms = (int)linger_ms;
	c->quit_s = quit_s;
	c->out_file = fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode);
	c->t0 = now_ns();
	sockobj_addr_from_sockaddr(&target_addr, (struct sockaddr *)&ss, salen);
	sockobj_addr_format(&target_addr, c->target, sizeof(c->target));

	ret = sockobj_open(&c->ctx, SOCKOBJ_OPEN_NONBLOCK);
	if (ret < 0) {
		free(c);
		return err_open(ret);
	}
	ret = sockobj_create(c->ctx, udp ? SOCKOBJ_PROTO_UDP : SOCKOBJ_PROTO_TCP, 0);
	if (ret < 0) {
		err(udp ? "creating a UDP object" : "creating a TCP object", ret);
		code = EXIT_SYSTEM;
		goto out;
	}
	c->id = (unsigned int)ret;
	ret = sockobj_set_target(c->ctx, c->id, (struct sockaddr *)&ss, salen);
	if (ret >= 0 && timeout_ms)
		ret = sockobj_set_connect_timeout(c->ctx, c->id, (unsigned int)timeout_ms);
	if (ret >= 0 && iface)
		ret = sockobj_set_iface(c->ctx, c->id, iface, 0);
	if (ret >= 0 && idle_s)
		ret = sockobj_set_inactivity(c->ctx, c->id, (unsigned int)idle_s);
	if (ret >= 0 && retry.max_attempts)
		ret = sockobj_set_retry(c->ctx, c->id, &retry);
	if (ret >= 0 && bind_str) {
		ret = sockobj_addr_to_sockaddr(&local, &lss, &lsalen);
		if (ret >= 0)
			ret = sockobj_set_local(c->ctx, c->id,
						(struct sockaddr *)&lss, lsalen);
	}
	if (ret < 0) {
		errorf("cannot configure the connection to %s: %s", c->target,
		       sockobj_strerror(ret));
		code = ret == -ENODEV || ret == -EINVAL ? EXIT_USAGE : EXIT_SYSTEM;
		goto out;
	}
	ret = sockobj_connect(c->ctx, c->id);
	if (ret < 0) {
		/* Refused to the caller as socket(2)/bind(2) would refuse it. */
		errorf("cannot connect to %s: %s", c->target, sockobj_strerror(ret));
		code = EXIT_FAILURE_ANY;
		goto out;
	}

	/* A reader that went away is an error to report, not a signal to die of. */
	signal(SIGPIPE, SIG_IGN);
	code = conn_run(c);
	if (code != EXIT_OK)
		goto out;
	if (c->soft_error) {
		code = exit_of_errno(c->soft_error);
		errorf("%s: %s (ICMP error for a datagram sent)", c->target,
		       strerror(c->soft_error));
	} else if (c->closed && exit_of_reason(c->close_ev.reason) != EXIT_OK) {
		code = exit_of_reason(c->close_ev.reason);
		errorf("%s: %s (%s%s%s)", c->target,
		       sockobj_reason_describe(c->close_ev.reason),
		       sockobj_reason_name(c->close_ev.reason),
		       c->close_ev.error ? ", " : "",
		       c->close_ev.error ? strerror(c->close_ev.error) : "");
	} else if (c->local_error) {
		code = EXIT_FAILURE_ANY;
	}
out:
	if (json_mode)
		json_result(c, code);
	sockobj_close(c->ctx);
	free(c);
	return code;
}

static void listen_usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " listen [-4|-6] [-u] [-l ADDR] [--from ADDR[:PORT]]\n"
		"                      [--reconnect peer|host|any] [-k|-N] [-q SECS]\n"
		"                      [-I SEC] [-w MS] [-v[v]] [--json] PORT\n\n"
		"Wait for one incoming TCP connection on PORT through /dev/sockobj (a\n"
		"LISTENING object), then copy stdin to it and it to stdout as connect does,\n"
		"like netcat -l. A connection from a peer --from does not admit is reset and\n"
		"the command goes on waiting. PORT is a number from 1 to 65535 or a service\n"
		"name.\n\n"
		"  -4, -6      listen on every IPv4 (the default) or IPv6 address\n"
		"  -u          UDP: the first datagram's source is the peer (others'\n"
		"              datagrams are dropped); then as connect -u\n"
		"  -l ADDR     listen on ADDR only (numeric)\n"
		"  --from ADDR[:PORT]\n"
		"              accept only a peer with this address (and port)\n"
		"  --reconnect peer|host|any\n"
		"              a new connection from the peer's address and port (peer),\n"
		"              its address (host) or anyone admitted (any) replaces the\n"
		"              one taken (UDP: a port switchover; peer is none for UDP)\n"
		"  -N, -k, -q SECS, -I SEC, -w MS, -v, --json\n"
		"              as for connect\n\n"
		"Exit status: as for connect (64 usage, 71 device or module); 1 also when\n"
		"the port cannot be listened on (in use, a low port without privilege).\n");
}

int cmd_listen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "shutdown", no_argument, NULL, 'N' },
		{ "from", required_argument, NULL, 'F' },
		{ "reconnect", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const recon_names[] = {
		[SOCKOBJ_RECON_SAME_PEER] = "peer",
		[SOCKOBJ_RECON_SAME_HOST] = "host",
		[SOCKOBJ_RECON_ANY] = "any",
	};
	const char *addr_str = NULL, *from_str = NULL;
	unsigned int idle_s = 0, quit_s = 0, inconmode = SOCKOBJ_INCON_ANY;
	unsigned int reconmode = SOCKOBJ_RECON_NONE, linger_ms = 2000;
	int family = AF_INET, verbose = 0, keep_open = 0, set_q = 0, udp = 0;
	struct sockobj_addr local, from;
	struct sockaddr_storage ss;
	socklen_t salen;
	struct stat st;
	struct conn *c;
	int opt, ret, code, port;

	while ((opt = getopt_long(argc, argv, "46ul:kNq:I:w:vh", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case '4':
			family = AF_INET;
			break;
		case '6':
			family = AF_INET6;
			break;
		case 'u':
			udp = 1;
			break;
		case 'R':
			for (reconmode = SOCKOBJ_RECON_SAME_PEER;
			     reconmode <= SOCKOBJ_RECON_ANY &&
			     strcmp(optarg, recon_names[reconmode]); reconmode++)
				;
			if (reconmode > SOCKOBJ_RECON_ANY) {
				errorf("bad --reconnect '%s' (peer, host or any)",
				       optarg);
				return EXIT_USAGE;
			}
			break;
		case 'w':
			if (uint_arg(optarg, &linger_ms) ||
			    linger_ms > INT_MAX / 2) {
				errorf("bad number '%s' for -w", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'l':
			addr_str = optarg;
			break;
		case 'F':
			from_str = optarg;
			break;
		case 'q':
		case 'I':
			if (uint_arg(optarg, opt == 'q' ? &quit_s : &idle_s) ||
			    (opt == 'q' && quit_s > INT_MAX / 2)) {
				errorf("bad number '%s' for -%c", optarg, opt);
				return EXIT_USAGE;
			}
			set_q |= opt == 'q';
			break;
		case 'k':
			keep_open = 1;
			break;
		case 'N':
			keep_open = 0;
			break;
		case 'J':
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			listen_usage(stdout);
			return EXIT_OK;
		default:
			return bad_option(listen_usage);
		}
	}
	if (argc - optind != 1)
		return bad_args(listen_usage, "listen takes PORT");
	port = port_arg(argv[optind], 1);
	if (port == 0) {
		struct servent *se = getservbyname(argv[optind],
						   udp ? "udp" : "tcp");

		port = se ? ntohs((uint16_t)se->s_port) : -1;
	}
	if (port <= 0) {
		errorf("bad port '%s' (a number from 1 to 65535, or a service "
		       "name)", argv[optind]);
		return EXIT_USAGE;
	}
	memset(&local, 0, sizeof(local));
	if (addr_str) {
		ret = sockobj_addr_parse(&local, addr_str);
		if (ret < 0 || local.port) {
			errorf("bad address '%s' for -l (numeric, no port)",
			       addr_str);
			return EXIT_USAGE;
		}
		family = local.family;
	} else {
		local.family = (uint16_t)family;	/* the unspecified address */
	}
	local.port = (uint16_t)port;
	if (from_str) {
		ret = sockobj_addr_parse(&from, from_str);
		if (ret < 0 || from.family != family) {
			errorf("bad --from '%s' (ADDR[:PORT], numeric, of the "
			       "family listened on)", from_str);
			return EXIT_USAGE;
		}
		inconmode = from.port ? SOCKOBJ_INCON_TARGET :
					SOCKOBJ_INCON_TARGET_IP;
		if (!from.port)
			from.port = 9;	/* a target needs one; not compared */
	}

	c = calloc(1, sizeof(*c));
	if (!c)
		return EXIT_SYSTEM;
	c->verbose = verbose;
	c->keep_open = keep_open;
	c->quit_s = set_q ? (int)quit_s : -1;
	c->udp = udp;
	c->linger_ms = (int)linger_ms;
	c->out_file = fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode);
	c->t0 = now_ns();
	sockobj_addr_format(&local, c->target, sizeof(c->target));

	ret = sockobj_open(&c->ctx, SOCKOBJ_OPEN_NONBLOCK);
	if (ret < 0) {
		free(c);
		return err_open(ret);
	}
	ret = sockobj_create(c->ctx, udp ? SOCKOBJ_PROTO_UDP : SOCKOBJ_PROTO_TCP,
			     0);
	if (ret < 0) {
		err(udp ? "creating a UDP object" : "creating a TCP object", ret);
		code = EXIT_SYSTEM;
		goto out;
	}
	c->id = (unsigned int)ret;
	ret = sockobj_addr_to_sockaddr(&local, &ss, &salen);
	if (ret >= 0)
		ret = sockobj_set_local(c->ctx, c->id, (struct sockaddr *)&ss, salen);
	if (ret >= 0 && from_str)
		ret = sockobj_set_target_addr(c->ctx, c->id, &from);
	if (ret >= 0 && idle_s)
		ret = sockobj_set_inactivity(c->ctx, c->id, idle_s);
	if (ret < 0) {
		errorf("cannot configure the object for %s: %s", c->target,
		       sockobj_strerror(ret));
		code = ret == -EINVAL ? EXIT_USAGE : EXIT_SYSTEM;
		goto out;
	}
	ret = sockobj_listen_reconnect(c->ctx, c->id, inconmode, reconmode, 0);
	if (ret < 0) {
		errorf("cannot listen on %s: %s", c->target, sockobj_strerror(ret));
		code = ret == -EOPNOTSUPP || ret == -ENOTTY ? EXIT_SYSTEM :
							       EXIT_FAILURE_ANY;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	code = conn_run(c);
	if (code == EXIT_OK && c->closed &&
	    exit_of_reason(c->close_ev.reason) != EXIT_OK) {
		code = exit_of_reason(c->close_ev.reason);
		errorf("%s: %s (%s%s%s)", c->target,
		       sockobj_reason_describe(c->close_ev.reason),
		       sockobj_reason_name(c->close_ev.reason),
		       c->close_ev.error ? ", " : "",
		       c->close_ev.error ? strerror(c->close_ev.error) : "");
	} else if (code == EXIT_OK && c->local_error) {
		code = EXIT_FAILURE_ANY;
	}
out:
	if (json_mode)
		json_result(c, code);
	sockobj_close(c->ctx);
	free(c);
	return code;
}
