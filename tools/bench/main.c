// SPDX-License-Identifier: MIT
/*
 * sockobj-bench: benchmark of sockobj against native epoll (and io_uring),
 * on loopback and on a veth pair between two network namespaces. Every
 * figure is reported as a ratio to native epoll measured in the same run.
 * Runs inside the test VM (tools/bench/run.sh); see README.md.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

struct opts O = {
	/*
	 * 11 repetitions give the sign-test interval of the median ratio
	 * [2nd..10th of 11], 98.8% coverage; 7 give [min..max], 98.4%.
	 */
	.reps = 11,
	.reps_big = 7,
	.reps_big_veth = 7,
	.tput_ms = 200,
	.tput_warm_ms = 50,
	.tput_nice = -10,
	.lat_samples = 120,
	.spin = true,
	.chunk = 0,
};

#define NS_LO	"sobench_lo"
#define NS_A	"sobench_a"
#define NS_B	"sobench_b"
#define DEV_A	"sobench_va"
#define DEV_B	"sobench_vb"
#define ADDR_A	"10.211.0.1"
#define ADDR_B	"10.211.0.2"
#define PORT	9000

static bool netns_made;
static char old_backlog[32];
static int init_ns = -1;		/* the namespace we started in */

static void ns_sysctls(const char *ns)
{
	/*
	 * The listener must take every connection at once: accept queue and
	 * SYN queue as large as the largest N; a wide ephemeral port range.
	 */
	if (run_cmd("ip netns exec %s sysctl -q -w net.core.somaxconn=65535 "
		    "net.ipv4.tcp_max_syn_backlog=65535 "
		    "net.ipv4.ip_local_port_range='10000 65000'", ns))
		die("sysctl in namespace %s failed", ns);
}

static void netns_cleanup(void)
{
	if (!netns_made)
		return;
	/* netdev_max_backlog exists only in the initial namespace */
	if (init_ns >= 0 && setns(init_ns, CLONE_NEWNET))
		warnx("cannot return to the initial network namespace");
	run_cmd("ip netns del " NS_LO " 2>/dev/null");
	run_cmd("ip netns del " NS_A " 2>/dev/null");
	run_cmd("ip netns del " NS_B " 2>/dev/null");
	if (old_backlog[0])
		run_cmd("sysctl -q -w net.core.netdev_max_backlog=%s", old_backlog);
	netns_made = false;
}

static void netns_setup(void)
{
	init_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	netns_made = true;
	run_cmd("ip netns del " NS_LO " 2>/dev/null; ip netns del " NS_A
		" 2>/dev/null; ip netns del " NS_B " 2>/dev/null");
	if (run_cmd("ip netns add " NS_LO " && ip -n " NS_LO " link set lo up") ||
	    run_cmd("ip netns add " NS_A " && ip -n " NS_A " link set lo up") ||
	    run_cmd("ip netns add " NS_B " && ip -n " NS_B " link set lo up") ||
	    run_cmd("ip link add " DEV_A " netns " NS_A " type veth peer name " DEV_B
		    " netns " NS_B) ||
	    run_cmd("ip -n " NS_A " addr add " ADDR_A "/24 dev " DEV_A " && ip -n "
		    NS_A " link set " DEV_A " up") ||
	    run_cmd("ip -n " NS_B " addr add " ADDR_B "/24 dev " DEV_B " && ip -n "
		    NS_B " link set " DEV_B " up"))
		die("cannot set up the network namespaces (need root and iproute2)");
	ns_sysctls(NS_LO);
	ns_sysctls(NS_A);
	ns_sysctls(NS_B);
	/*
	 * lo and veth hand every packet to the per-CPU backlog (netif_rx),
	 * which drops beyond net.core.netdev_max_backlog (1000; global, not
	 * per namespace): a burst of 10,000 SYNs or ACKs would lose some and
	 * wait for retransmissions.
	 */
	{
		FILE *f = fopen("/proc/sys/net/core/netdev_max_backlog", "r");

		if (f) {
			if (!fgets(old_backlog, sizeof(old_backlog), f))
				old_backlog[0] = 0;
			old_backlog[strcspn(old_backlog, "\n")] = 0;
			fclose(f);
		}
		if (run_cmd("sysctl -q -w net.core.netdev_max_backlog=100000"))
			warnx("cannot raise net.core.netdev_max_backlog");
	}
	atexit(netns_cleanup);
}

/*
 * Interference probe: a fixed amount of CPU work timed 40 times. Under TCG
 * the guest's clock keeps running while the host deschedules a vCPU, so
 * other load on the host shows up as spread here (max/min well above 1).
 */
static void noise_probe(double *med, double *spread)
{
	double v[40];
	struct summary s;
	volatile uint64_t x = 1;
	int i, k;

	for (i = 0; i < 40; i++) {
		uint64_t t0 = now_ns();

		for (k = 0; k < 200000; k++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
		v[i] = (double)(now_ns() - t0) / 1e3;
	}
	stats(v, 40, &s);
	*med = s.median;
	*spread = s.max / s.min;
}

/*
 * What the syscall entry pays for: "off" with mitigations=off, else the
 * spectre_v2 line (retpolines, RSB filling: the costs batching saves).
 */
static void read_mitigations(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cmdline", "r");
	char line[1024] = "";

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	if (strstr(line, "mitigations=off")) {
		snprintf(buf, len, "off");
		return;
	}
	snprintf(buf, len, "kernel default");
	f = fopen("/sys/devices/system/cpu/vulnerabilities/spectre_v2", "r");
	if (f) {
		if (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n\"")] = 0;
			snprintf(buf, len, "kernel default (spectre_v2: %.120s)", line);
		}
		fclose(f);
	}
}

static bool want(const char *list, const char *name)
{
	const char *s = list;
	size_t l = strlen(name);

	if (!list)
		return true;
	while (s && *s) {
		if (!strncmp(s, name, l) && (s[l] == ',' || !s[l]))
			return true;
		s = strchr(s, ',');
		if (s)
			s++;
	}
	return false;
}

static void usage(void)
{
	fputs("usage: sockobj-bench [--json FILE] [--reps N] [--reps-big N] [--quick]\n"
	      "                     [--tests rate,connto,latency,tput,mem,scale] [--nets lo,veth]\n"
	      "                     [--chunk OBJECTS] [--no-spin] [-v]\n"
	      "                     [--tput-sched nice|normal]\n"
	      "  profiling: [--point DIR:CONNS:SIZE[:METHOD]] [--tput-ms MS]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", required_argument, NULL, 'j' },
		{ "reps", required_argument, NULL, 'r' },
		{ "reps-big", required_argument, NULL, 'R' },
		{ "quick", no_argument, NULL, 'q' },
		{ "tests", required_argument, NULL, 't' },
		{ "nets", required_argument, NULL, 'n' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "point", required_argument, NULL, 'P' },
		{ "no-spin", no_argument, NULL, 'S' },
		{ "tput-ms", required_argument, NULL, 'T' },
		{ "tput-sched", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	const char *json = NULL, *nets = NULL;
	struct net lo = { "lo", NS_LO, NS_LO, { 0 }, NS_LO, "lo" };
	struct net veth = { "veth", NS_A, NS_B, { 0 }, NS_B, DEV_B };
	struct net *all[] = { &lo, &veth };
	static const struct {
		const char *name;
		void (*fn)(const struct net *n, struct peer *p);
		bool lo_only;
	} tests[] = {
		{ "rate", test_rate, false },
		{ "connto", test_connto, false },
		{ "latency", test_latency, false },
		{ "tput", test_tput, false },
		{ "mem", test_mem, true },
		{ "scale", test_scale, true },
	};
	size_t t;
	struct utsname un;
	char meta[1024];
	uint64_t t_start = now_ns();
	double probe_med0, probe_spread0, probe_med1, probe_spread1;
	size_t i;
	long ncpus;
	bool cost, spin_set = false, reps_set = false, reps_big_set = false;
	char mitig[160];
	int c;

	while ((c = getopt_long(argc, argv, "j:r:R:qt:n:c:vP:T:SB:", lopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = optarg;
			break;
		case 'r':
			O.reps = atoi(optarg);
			reps_set = true;
			break;
		case 'R':
			O.reps_big = O.reps_big_veth = atoi(optarg);
			reps_big_set = true;
			break;
		case 'q':
			O.quick = true;
			break;
		case 't':
			O.only = optarg;
			break;
		case 'n':
			nets = optarg;
			break;
		case 'c':
			O.chunk = atoi(optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		case 'S':
			O.spin = false;
			spin_set = true;
			break;
		case 'P':
			O.point = optarg;
			break;
		case 'T':
			O.tput_ms = (unsigned int)atoi(optarg);
			break;
		case 'B':
			if (strcmp(optarg, "normal") && strcmp(optarg, "nice"))
				usage();
			O.tput_nice = strcmp(optarg, "nice") ? 0 : -10;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || O.reps < 1 || O.reps_big < 1)
		usage();
	/* --quick: a short run (its intervals are [min..max], below 95%) */
	if (O.quick && !reps_set)
		O.reps = 5;
	if (O.quick && !reps_big_set)
		O.reps_big = O.reps_big_veth = 3;
	if (O.quick && O.tput_ms == 200) {
		O.tput_ms = 100;
		O.lat_samples = 50;
	}
	if (geteuid())
		die("must run as root (namespaces, sysctl, /dev/sockobj), in the test VM");

	setvbuf(stdout, NULL, _IOLBF, 0);
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	/*
	 * Cost mode (vm-run --cost) has one vCPU whose clock counts
	 * instructions: the host cannot deschedule it in guest time, so the
	 * latency test's spinner (there against the host's rescheduling of a
	 * halted vCPU) would only take the peer's CPU time.
	 */
	cost = getenv("SOCKOBJ_VM_COST") && !strcmp(getenv("SOCKOBJ_VM_COST"), "1");
	O.cost = cost;
	if (ncpus < 2 && !spin_set)
		O.spin = false;
	pin_cpu(0);
	raise_nofile(4 * MAX_CONNS + 1024);
	tsc_calibrate();
	prof_init();
	noise_probe(&probe_med0, &probe_spread0);
	netns_setup();
	json_open(&J, json);

	lo.dst.sin_family = AF_INET;
	lo.dst.sin_port = htons(PORT);
	lo.dst.sin_addr.s_addr = htonl(0x7f000001);
	veth.dst.sin_family = AF_INET;
	veth.dst.sin_port = htons(PORT);
	veth.dst.sin_addr.s_addr = htonl(0x0ad30002);	/* 10.211.0.2 */

	uname(&un);
	read_mitigations(mitig, sizeof(mitig));
	table_row("sockobj-bench: kernel %s, %ld CPU%s (%s), reps %d (10,000 cases: %d; rate on veth: %d)",
		  un.release, ncpus, ncpus > 1 ? "s: client on 0, peer on 1" : ": client and peer share it",
		  cost ? "cost mode: guest time counts instructions" : "wall-clock mode",
		  O.reps, O.reps_big, O.reps_big_veth);
	table_row("mitigations: %s", mitig);

	for (i = 0; i < ARRAY_SIZE(all); i++) {
		struct net *n = all[i];
		struct peer p;

		if (!want(nets, n->name))
			continue;
		enter_netns(n->cli_ns);
		memset(&p, 0, sizeof(p));
		p.ns = n->srv_ns;
		p.cpu = ncpus > 1 ? 1 : 0;
		p.addr = n->dst;
		peer_start(&p);
		for (t = 0; t < ARRAY_SIZE(tests); t++) {
			uint64_t t0;

			/* Memory and scaling do not depend on the link: loopback only. */
			if (!want(O.only, tests[t].name) || (tests[t].lo_only && n != &lo))
				continue;
			t0 = now_ns();
			tests[t].fn(n, &p);
			table_row("(%s, %s: %.0f s)", tests[t].name, n->name,
				  (double)(now_ns() - t0) / 1e9);
		}
		peer_stop(&p);
	}

	noise_probe(&probe_med1, &probe_spread1);
	table_row("\ninterference probe (fixed CPU work, 40 runs): median %.0f us, max/min %.2f at start; %.0f us, %.2f at end%s",
		  probe_med0, probe_spread0, probe_med1, probe_spread1,
		  probe_spread0 > 1.5 || probe_spread1 > 1.5 ?
		  "  -- the host is busy: expect noisy figures" : "");
	snprintf(meta, sizeof(meta),
		 "{\"kernel\": \"%s\", \"cpus\": %ld, \"cost_mode\": %s, \"mitigations\": \"%s\", "
		 "\"reps\": %d, \"reps_big\": %d, "
		 "\"reps_big_veth\": %d, "
		 "\"tput_ms\": %u, \"tput_sched\": \"%s\", \"lat_samples\": %d, \"tsc_per_ns\": %.6f, "
		 "\"runtime_s\": %.1f, \"probe_us\": [%.1f, %.1f], "
		 "\"probe_max_over_min\": [%.3f, %.3f]}",
		 un.release, ncpus, cost ? "true" : "false", mitig, O.reps, O.reps_big,
		 O.reps_big_veth, O.tput_ms, O.tput_nice ? "nice" : "normal", O.lat_samples,
		 tsc_per_ns, (double)(now_ns() - t_start) / 1e9,
		 probe_med0, probe_med1, probe_spread0, probe_spread1);
	json_close(&J, meta);
	prof_report();
	table_row("\nsockobj-bench: done in %.1f s", (double)(now_ns() - t_start) / 1e9);
	return 0;
}
