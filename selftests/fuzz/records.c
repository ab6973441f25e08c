// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ioctl: Every record read is checked here.
 */
#define SO_NO_HARNESS
#include "fuzz.h"

static int legal_transition(uint32_t from, uint32_t to, uint8_t proto)
{
	switch (from) {
	case SOCKOBJ_STATE_CLOSED:
		return to == SOCKOBJ_STATE_CONNECTING ||
		       to == SOCKOBJ_STATE_LISTENING;
	case SOCKOBJ_STATE_CONNECTING:
		return to == SOCKOBJ_STATE_ESTABLISHED ||
		       to == SOCKOBJ_STATE_CLOSED ||
		       to == SOCKOBJ_STATE_RETRY_WAIT;
	case SOCKOBJ_STATE_ESTABLISHED:
		/* UDP: a loss is retried too (INACTIVITY, SOCKOBJ_RETRY_LOST) */
		if (proto == SOCKOBJ_PROTO_UDP)
			return to == SOCKOBJ_STATE_CLOSED ||
			       to == SOCKOBJ_STATE_RETRY_WAIT;
		return to == SOCKOBJ_STATE_PEER_CLOSING ||
		       to == SOCKOBJ_STATE_CLOSING ||
		       to == SOCKOBJ_STATE_CLOSED ||
		       to == SOCKOBJ_STATE_RETRY_WAIT;
	case SOCKOBJ_STATE_PEER_CLOSING:
		return to == SOCKOBJ_STATE_CLOSING ||
		       to == SOCKOBJ_STATE_CLOSED ||
		       to == SOCKOBJ_STATE_RETRY_WAIT;
	case SOCKOBJ_STATE_CLOSING:
		return to == SOCKOBJ_STATE_CLOSED;
	case SOCKOBJ_STATE_RETRY_WAIT:
		return to == SOCKOBJ_STATE_CONNECTING ||
		       to == SOCKOBJ_STATE_CLOSED;
	case SOCKOBJ_STATE_LISTENING:
		return to == SOCKOBJ_STATE_PASSIVE_OPENING ||
		       to == SOCKOBJ_STATE_CLOSED;
	case SOCKOBJ_STATE_PASSIVE_OPENING:
		return to == SOCKOBJ_STATE_ESTABLISHED ||
		       to == SOCKOBJ_STATE_CLOSED;
	}
	return 0;
}

/* What a retry policy may retry (SOCKOBJ_RETRY_REASONS_ALL), and from where. */
static const char *retry_record_problem(const struct sockobj_event *e)
{
	if (e->reason >= 64 ||
	    !((1ULL << e->reason) & SOCKOBJ_RETRY_REASONS_ALL))
		return "a reason no policy retries";
	if (e->phase != SOCKOBJ_STATE_CONNECTING &&
	    e->phase != SOCKOBJ_STATE_ESTABLISHED &&
	    e->phase != SOCKOBJ_STATE_PEER_CLOSING)
		return "retried from a state no policy retries from";
	if (e->retry_ms > SOCKOBJ_RETRY_DELAY_MAX_MS)
		return "a wait above SOCKOBJ_RETRY_DELAY_MAX_MS";
	return NULL;
}

/* The reason/phase/error rules of the contract for a CLOSED record. */
static const char *closed_record_problem(const struct sockobj_event *e)
{
	if (e->reason == SOCKOBJ_REASON_NONE ||
	    e->reason >= SOCKOBJ_REASON_COUNT)
		return "reason out of range";
	if (e->error < 0 || e->error > 4095)
		return "error out of range";
	if (e->merged == 1 && e->phase != e->prev_state)
		return "phase is not the state left";
	if (e->phase == SOCKOBJ_STATE_RETRY_WAIT &&
	    e->merged == 1 && (e->reason != SOCKOBJ_REASON_CANCELLED || e->error))
		return "a retry wait ends only by a cancel";
	if (e->state == SOCKOBJ_STATE_CLOSED && e->retry_ms &&
	    e->retry_ms != SOCKOBJ_RETRY_EXHAUSTED)
		return "retry_ms neither 0 nor SOCKOBJ_RETRY_EXHAUSTED";
	switch (e->reason) {
	case SOCKOBJ_REASON_CANCELLED:
		if (e->phase != SOCKOBJ_STATE_CONNECTING &&
		    e->phase != SOCKOBJ_STATE_RETRY_WAIT &&
		    e->phase != SOCKOBJ_STATE_LISTENING)
			return "CANCELLED outside CONNECTING, RETRY_WAIT and "
			       "LISTENING";
		break;
	}
	switch (e->reason) {
	case SOCKOBJ_REASON_CONNECT_TIMEOUT:
	case SOCKOBJ_REASON_REFUSED:
		if (e->phase != SOCKOBJ_STATE_CONNECTING)
			return "reason only possible while CONNECTING";
		break;
	case SOCKOBJ_REASON_INACTIVITY:
		if (e->phase != SOCKOBJ_STATE_ESTABLISHED)
			return "INACTIVITY outside ESTABLISHED";
		break;
	case SOCKOBJ_REASON_REPLACED:
		if ((e->phase != SOCKOBJ_STATE_ESTABLISHED &&
		     e->phase != SOCKOBJ_STATE_PEER_CLOSING) || e->error)
			return "REPLACED outside ESTABLISHED and PEER_CLOSING, "
			       "or with an error";
		break;
	}
	switch (e->reason) {
	case SOCKOBJ_REASON_CONNECT_TIMEOUT:
	case SOCKOBJ_REASON_RETRANS_TIMEOUT:
		if (e->error != ETIMEDOUT)
			return "timeout without ETIMEDOUT";
		break;
	case SOCKOBJ_REASON_HOST_UNREACH:
		if (e->error != EHOSTUNREACH && e->error != EHOSTDOWN)
			return "HOST_UNREACH without EHOSTUNREACH/EHOSTDOWN";
		break;
	case SOCKOBJ_REASON_NET_UNREACH:
		if (e->error != ENETUNREACH && e->error != ENETDOWN)
			return "NET_UNREACH without ENETUNREACH/ENETDOWN";
		break;
	case SOCKOBJ_REASON_REFUSED:
		if (e->error != ECONNREFUSED)
			return "REFUSED without ECONNREFUSED";
		break;
	}
	return NULL;
}

static void lower(atomic_uint *min, uint32_t v)
{
	uint32_t cur = atomic_load(min);

	while (v && v < cur && !atomic_compare_exchange_weak(min, &cur, v))
		;
}

/**
 * note_config() - a configuration is about to be passed to a file
 * @s: the file's slot
 * @c: the configuration, as passed (corruptions included)
 *
 * Whether or not it is applied, its timeouts lower the file's minimums:
 * the bound the checks use is then never above what any object of the
 * file may have been configured with.
 */
void note_config(struct slot *s, const struct sockobj_config *c)
{
	if (c->mask & SOCKOBJ_CFG_CONNECT_TIMEOUT)
		lower(&s->min_connect_timeout_ms, c->connect_timeout_ms);
	if (c->mask & SOCKOBJ_CFG_INACTIVITY)
		lower(&s->min_inactivity_s, c->inactivity_s);
}

/*
 * A timeout closes an attempt no sooner than its own timer allows: a timer
 * of an earlier attempt acting on this one closes it sooner. The bound is
 * the file's shortest configured timeout, less a tick of slack (timers
 * count in jiffies); the attempt's start is its CONNECTING record (its
 * ESTABLISHED record for inactivity), so only unmerged records count.
 */
#define TIMER_SLACK_NS	(20ULL * 1000000ULL)

static void check_timeout(struct worker *w, struct slot *s,
			  const struct sockobj_event *e, const struct fobj *o)
{
	uint64_t since, bound;
	uint32_t min;

	if (e->merged != 1 || atomic_load(&s->timeouts_unknown))
		return;
	if (e->reason == SOCKOBJ_REASON_CONNECT_TIMEOUT) {
		min = atomic_load(&s->min_connect_timeout_ms);
		since = o->connect_ts;
		bound = (uint64_t)min * 1000000ULL;
	} else if (e->reason == SOCKOBJ_REASON_INACTIVITY) {
		min = atomic_load(&s->min_inactivity_s);
		since = o->established_ts;
		bound = (uint64_t)min * 1000000000ULL;
	} else {
		return;
	}
	if (min == UINT32_MAX || !since || o->last_state != e->prev_state)
		return;
	if (e->timestamp_ns - since + TIMER_SLACK_NS < bound)
		VIOL(w, "id %u: CLOSED(%s) %llu us after the attempt's %s, "
		     "sooner than any timeout configured (%u %s)", e->id,
		     so_reason_name(e->reason),
		     (unsigned long long)(e->timestamp_ns - since) / 1000,
		     so_state_name(e->prev_state), min,
		     e->reason == SOCKOBJ_REASON_INACTIVITY ? "s" : "ms");
}

static int seen_test_and_set(struct slot *s, uint64_t seq)
{
	size_t byte = (size_t)(seq / 8);
	int bit = (int)(seq % 8), was;

	if (byte >= s->seen_bytes) {
		size_t n = (byte + 1) * 2;
		uint8_t *p = realloc(s->seen, n);

		if (!p)
			return 0;
		memset(p + s->seen_bytes, 0, n - s->seen_bytes);
		s->seen = p;
		s->seen_bytes = n;
	}
	was = (s->seen[byte] >> bit) & 1;
	s->seen[byte] |= (uint8_t)(1 << bit);
	return was;
}

/* One record read from slot s by a read() that started at t_read. rd held */
void check_record(struct worker *w, struct slot *s,
		  const struct sockobj_event *e, uint64_t t_read)
{
	uint64_t serial = e->cookie - FZ->cookie_base, gone, now;
	unsigned int expect;
	struct fobj *o;

	atomic_fetch_add(&FZ->records, 1);
	s->records++;
	if (!e->id || e->type < SOCKOBJ_EV_STATE || e->type > SOCKOBJ_EV_ERROR ||
	    !e->attempt || !e->merged ||
	    (e->retry_ms && e->type != SOCKOBJ_EV_STATE) ||
	    e->state >= SOCKOBJ_STATE_COUNT ||
	    e->prev_state >= SOCKOBJ_STATE_COUNT || !e->seq) {
		VIOL(w, "malformed record: id %u type %u seq %llu state %u "
		     "prev %u merged %u attempt %u retry_ms %u", e->id, e->type,
		     (unsigned long long)e->seq, e->state, e->prev_state,
		     e->merged, e->attempt, e->retry_ms);
		return;
	}
	if (e->merged > 1 && e->type == SOCKOBJ_EV_STATE)
		atomic_fetch_add(&FZ->merged_records, 1);
	if (e->cookie < FZ->cookie_base || serial >= atomic_load(&FZ->nserial) ||
	    serial >= FZ->cap) {
		VIOL(w, "record of id %u with unknown cookie 0x%llx", e->id,
		     (unsigned long long)e->cookie);
		return;
	}
	o = &FZ->objs[serial];
	if (o->slot != s->idx || o->gen != s->gen) {
		VIOL(w, "record of id %u (serial %llu) belongs to file %u gen "
		     "%u, read from file %d gen %u", e->id,
		     (unsigned long long)serial, o->slot, o->gen, s->idx, s->gen);
		return;
	}
	expect = 0;
	if (!atomic_compare_exchange_strong(&o->id, &expect, e->id) &&
	    expect != e->id) {
		VIOL(w, "record id %u, but the object (serial %llu) is id %u",
		     e->id, (unsigned long long)serial, expect);
		return;
	}
	gone = atomic_load(&o->gone_ns);
	if (gone && gone < t_read) {
		VIOL(w, "record (id %u type %u seq %llu state %s) read by a "
		     "read() that started %llu us after the object was "
		     "destroyed/handed off (serial %llu, gone at line %d)",
		     e->id, e->type, (unsigned long long)e->seq,
		     so_state_name(e->state),
		     (unsigned long long)(t_read - gone) / 1000,
		     (unsigned long long)serial, atomic_load(&o->gone_line));
		print_gone_story((uint32_t)serial);
	}
	if (e->seq <= o->last_seq)
		VIOL(w, "id %u: seq %llu after seq %llu", e->id,
		     (unsigned long long)e->seq,
		     (unsigned long long)o->last_seq);
	if (seen_test_and_set(s, e->seq))
		VIOL(w, "seq %llu delivered twice in file %d",
		     (unsigned long long)e->seq, s->idx);
	now = so_now_ns();
	if (e->timestamp_ns < o->last_ts || e->timestamp_ns > now)
		VIOL(w, "id %u: timestamp %llu (last %llu, now %llu)", e->id,
		     (unsigned long long)e->timestamp_ns,
		     (unsigned long long)o->last_ts, (unsigned long long)now);
	o->last_seq = e->seq;
	o->last_ts = e->timestamp_ns;

	if (e->type != SOCKOBJ_EV_STATE) {
		if (e->state != e->prev_state || e->state != o->last_state ||
		    e->reason || e->phase)
			VIOL(w, "id %u: data record type %u state %s prev %s "
			     "reason %u phase %u, object is %s", e->id,
			     e->type, so_state_name(e->state),
			     so_state_name(e->prev_state), e->reason, e->phase,
			     so_state_name(o->last_state));
		if ((e->type == SOCKOBJ_EV_ERROR) != (e->error != 0))
			VIOL(w, "id %u: data record type %u with error %d",
			     e->id, e->type, e->error);
		if ((e->type == SOCKOBJ_EV_ERROR &&
		     o->proto != SOCKOBJ_PROTO_UDP) ||
		    (e->type == SOCKOBJ_EV_SENT &&
		     o->proto != SOCKOBJ_PROTO_TCP))
			VIOL(w, "id %u: record type %u for protocol %u", e->id,
			     e->type, o->proto);
		return;
	}
	o->nstate++;
	if (e->state == SOCKOBJ_STATE_LISTENING)
		atomic_fetch_add(&FZ->listens, 1);
	else if (e->state == SOCKOBJ_STATE_PASSIVE_OPENING)
		atomic_fetch_add(&FZ->passive_opens, 1);
	/*
	 * each attempt numbered: the next one's CONNECTING (or LISTENING),
	 * the rest its own
	 */
	if (e->merged == 1 && e->prev_state == o->last_state && o->attempt &&
	    e->attempt != o->attempt + (e->state == SOCKOBJ_STATE_CONNECTING ||
					e->state == SOCKOBJ_STATE_LISTENING))
		VIOL(w, "id %u: %s record of attempt %u after attempt %u", e->id,
		     so_state_name(e->state), e->attempt, o->attempt);
	o->attempt = e->attempt;
	if (e->prev_state != o->last_state)
		VIOL(w, "id %u: record %s <- %s, but the last record left it "
		     "%s (a transition record is missing)", e->id,
		     so_state_name(e->state), so_state_name(e->prev_state),
		     so_state_name(o->last_state));
	else if (e->merged == 1 &&
		 !legal_transition(e->prev_state, e->state, o->proto))
		VIOL(w, "id %u (proto %u): illegal transition %s -> %s", e->id,
		     o->proto, so_state_name(e->prev_state),
		     so_state_name(e->state));
	if (e->state == SOCKOBJ_STATE_RETRY_WAIT) {
		const char *p = closed_record_problem(e);

		/* the failure of an attempt, reported as a CLOSED would be */
		if (!p)
			p = retry_record_problem(e);
		if (p)
			VIOL(w, "id %u: RETRY_WAIT record reason %s phase %s error "
			     "%d wait %u ms: %s", e->id, so_reason_name(e->reason),
			     so_state_name(e->phase), e->error, e->retry_ms, p);
		check_timeout(w, s, e, o);
		o->closed_ts = e->timestamp_ns;
		o->closed_reason = e->reason;
		o->closed_phase = e->phase;
		o->closed_error = e->error;
	} else if (e->state == SOCKOBJ_STATE_CLOSED) {
		const char *p = closed_record_problem(e);

		if (p)
			VIOL(w, "id %u: CLOSED record reason %s phase %s error "
			     "%d: %s", e->id, so_reason_name(e->reason),
			     so_state_name(e->phase), e->error, p);
		check_timeout(w, s, e, o);
		o->closed_ts = e->timestamp_ns;
		o->closed_reason = e->reason;
		o->closed_phase = e->phase;
		o->closed_error = e->error;
	} else if (e->reason || e->phase || e->error ||
		   (e->retry_ms && e->state != SOCKOBJ_STATE_CONNECTING)) {
		VIOL(w, "id %u: %s record with reason %u phase %u error %d "
		     "retry_ms %u", e->id, so_state_name(e->state), e->reason,
		     e->phase, e->error, e->retry_ms);
	}
	/* an attempt starts (GET_INFO's connect_ns), active or passive */
	if (e->state == SOCKOBJ_STATE_CONNECTING ||
	    e->state == SOCKOBJ_STATE_LISTENING) {
		o->connect_ts = e->timestamp_ns;
		o->established_ts = 0;
	} else if (e->state == SOCKOBJ_STATE_ESTABLISHED) {
		o->established_ts = e->timestamp_ns;
	}
	o->last_state = (uint8_t)e->state;
}
