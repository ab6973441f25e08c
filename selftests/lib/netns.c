// SPDX-License-Identifier: GPL-2.0
/*
 * Commands (sh -c) in this or a named network namespace, namespaces,
 * veth pairs, nft rules.
 */
#define SO_NO_HARNESS

#include "sotest.h"

/*
 * Run "sh -c CMD" in the network namespace ns (NULL: the caller's), its
 * stdout sent to stderr so that it cannot disturb the KTAP output.
 * Returns the exit status, or -1 if it did not exit normally.
 */
static int so_vsh(const char *ns, const char *fmt, va_list ap)
{
	char cmd[2048];
	int status;
	pid_t pid;

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (ns) {
			char path[256];
			int nsfd;

			snprintf(path, sizeof(path), "/run/netns/%s", ns);
			nsfd = open(path, O_RDONLY | O_CLOEXEC);
			if (nsfd < 0 || setns(nsfd, CLONE_NEWNET)) {
				fprintf(stderr, "# cannot enter netns %s: %s\n",
					ns, strerror(errno));
				_exit(126);
			}
		}
		dup2(2, 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "# command%s%s failed (status 0x%x): %s\n",
			ns ? " in netns " : "", ns ? ns : "", status, cmd);
		return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	return 0;
}

__attribute__((format(printf, 1, 2)))
int so_sh(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = so_vsh(NULL, fmt, ap);
	va_end(ap);
	return ret;
}

__attribute__((format(printf, 2, 3)))
int so_sh_ns(const char *ns, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = so_vsh(ns, fmt, ap);
	va_end(ap);
	return ret;
}

/* Bring an interface of the current namespace up; 0 or -errno */
int so_link_up(const char *ifname)
{
	struct ifreq ifr;
	int s, ret = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		ret = -errno;
	} else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			ret = -errno;
	}
	close(s);
	return ret;
}

/*
 * Move the calling test process into a new network namespace with lo up.
 * Open /dev/sockobj only afterwards: the module uses the opener's netns.
 */
int so_netns_private(void)
{
	if (unshare(CLONE_NEWNET))
		return -errno;
	return so_link_up("lo");
}

/* A unique name for a named namespace: sockobj-<pid>-<tag> */
void so_netns_name(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "sockobj-%d-%s", (int)getpid(), tag);
}

/* `ip netns add NAME` and lo up in it; 0 or a command status */
int so_netns_add(const char *name)
{
	int ret = so_sh("ip netns add %s", name);

	return ret ? ret : so_sh_ns(name, "ip link set lo up");
}

void so_netns_del(const char *name)
{
	if (name && name[0])
		so_sh("ip netns del %s 2>/dev/null || true", name);
}

/* fd of a named namespace, or -errno */
int so_netns_fd(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Run fn(arg) with the calling thread in namespace ns (NULL: stay), then
 * come back. Sockets created by fn stay in ns.
 */
int so_in_netns(const char *ns, int (*fn)(void *), void *arg)
{
	int self, peer, ret, err;

	if (!ns)
		return fn(arg);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	peer = so_netns_fd(ns);
	if (peer < 0) {
		close(self);
		return peer;
	}
	if (setns(peer, CLONE_NEWNET)) {
		err = -errno;
		close(peer);
		close(self);
		return err;
	}
	ret = fn(arg);
	err = errno;
	if (setns(self, CLONE_NEWNET))
		abort();	/* would leave the test in the wrong netns */
	close(peer);
	close(self);
	errno = err;
	return ret;
}

/*
 * A veth pair from the current namespace (our_if, our_addr/prefix) to the
 * named namespace ns (peer_if, peer_addr/prefix), both ends up. IPv6
 * addresses skip DAD so that they work at once. 0 or a command status.
 */
int so_veth_to_ns(const char *ns, const char *our_if,
		  const char *peer_if, const char *our_addr,
		  const char *peer_addr, int prefix)
{
	const char *nodad = strchr(our_addr, ':') ? " nodad" : "";
	int ret;

	ret = so_sh("ip link add %s type veth peer name %s netns %s && "
		    "ip addr add %s/%d dev %s%s && ip link set %s up",
		    our_if, peer_if, ns, our_addr, prefix, our_if, nodad,
		    our_if);
	if (ret)
		return ret;
	return so_sh_ns(ns, "ip addr add %s/%d dev %s%s && ip link set %s up",
			peer_addr, prefix, peer_if, nodad, peer_if);
}

/*
 * An nft table "sockobj" with an input chain in namespace ns (NULL: here)
 * holding one rule, e.g. "tcp dport 5000 drop".
 */
int so_nft_input_rule(const char *ns, const char *rule)
{
	return so_sh_ns(ns,
		"nft add table inet sockobj && "
		"nft add chain inet sockobj input "
		"'{ type filter hook input priority 0; policy accept; }' && "
		"nft add rule inet sockobj input %s", rule);
}
