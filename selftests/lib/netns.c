// SPDX-License-Identifier: GPL-2.0
/*
 * Commands (sh -c) in this or a named network namespace, namespaces,
 * veth pairs, nft rules.
 *
 * Namespaces, veth pairs, addresses and links are made with system calls
 * and rtnetlink rather than ip(8): on the debug kernel under emulation
 * every exec costs about a second (sh plus ip: two), and a peer namespace
 * joined by veth took about ten of them.
 */
#define SO_NO_HARNESS

#include "sotest.h"

#include <sys/mount.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

/*
 * Run argv (found on PATH) in the network namespace ns (NULL: the
 * caller's), its stdout sent to stderr so that it cannot disturb the KTAP
 * output; what names it in a failure message. Returns the exit status, or
 * -1 if it did not exit normally.
 */
static int run_ns(const char *ns, char *const argv[], const char *what)
{
	int status;
	pid_t pid;

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
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "# command%s%s failed (status 0x%x): %s\n",
			ns ? " in netns " : "", ns ? ns : "", status, what);
		return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	return 0;
}

/* run_ns() of "sh -c CMD" */
static int so_vsh(const char *ns, const char *fmt, va_list ap)
{
	char cmd[2048];

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	return run_ns(ns, (char *[]){ "sh", "-c", cmd, NULL }, cmd);
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

/*
 * A named namespace, as `ip netns add NAME` makes it (a bind mount of a
 * new namespace on /run/netns/NAME), with lo up in it. 0 or -errno.
 */
int so_netns_add(const char *name)
{
	char path[256];
	int self, fd, ret = 0;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if (mkdir("/run/netns", 0755) && errno != EEXIST)
		return -errno;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0 || unshare(CLONE_NEWNET)) {
		ret = -errno;
		goto out;
	}
	ret = so_link_up("lo");
	if (!ret && mount("/proc/thread-self/ns/net", path, "none", MS_BIND,
			  NULL))
		ret = -errno;
	if (setns(self, CLONE_NEWNET))
		abort();	/* would leave the test in the wrong netns */
out:
	if (self >= 0)
		close(self);
	if (ret)
		unlink(path);
	return ret;
}

/* Undo so_netns_add(), as `ip netns del NAME` does; "" or NULL: nothing */
void so_netns_del(const char *name)
{
	char path[256];

	if (!name || !name[0])
		return;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	umount2(path, MNT_DETACH);
	unlink(path);
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

/* ---- rtnetlink ---- */

/* A request: header, family header, attributes */
struct rtnl_req {
	union {
		struct nlmsghdr h;
		char buf[512];
	};
};

static void rtnl_init(struct rtnl_req *r, int type, int flags,
		      const void *fam, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->h.nlmsg_len = NLMSG_LENGTH(len);
	memcpy(NLMSG_DATA(&r->h), fam, len);
}

/* Append an attribute (nested ones are closed by rtnl_nest_end()) */
static struct rtattr *rtnl_attr(struct rtnl_req *r, int type,
				const void *data, size_t len)
{
	struct rtattr *rta;

	if (NLMSG_ALIGN(r->h.nlmsg_len) + RTA_SPACE(len) > sizeof(r->buf))
		abort();	/* a helper below asks for too much */
	rta = (void *)(r->buf + NLMSG_ALIGN(r->h.nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static void rtnl_nest_end(struct rtnl_req *r, struct rtattr *nest)
{
	nest->rta_len = r->buf + r->h.nlmsg_len - (char *)nest;
}

/* Send r in the caller's namespace and wait for its ack: 0 or -errno */
static int rtnl_talk(struct rtnl_req *r)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[4096];
	int fd, ret;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	r->h.nlmsg_seq = 1;
	if (sendto(fd, &r->h, r->h.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (void *)buf;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		for (; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				ret = e->error;
				goto out;
			}
		}
	}
out:
	close(fd);
	return ret;
}

/*
 * A link of kind ("veth", "dummy") named ifname here; for a veth, its peer
 * peer_if in the namespace of nsfd. 0 or -errno.
 */
static int link_add(const char *kind, const char *ifname,
		    const char *peer_if, int nsfd)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtattr *info, *data, *peer;
	struct rtnl_req r;
	__u32 fd = nsfd;

	rtnl_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi,
		  sizeof(ifi));
	rtnl_attr(&r, IFLA_IFNAME, ifname, strlen(ifname) + 1);
	info = rtnl_attr(&r, IFLA_LINKINFO, NULL, 0);
	rtnl_attr(&r, IFLA_INFO_KIND, kind, strlen(kind));
	if (peer_if) {
		data = rtnl_attr(&r, IFLA_INFO_DATA, NULL, 0);
		/* the peer: an ifinfomsg, then its own attributes */
		peer = rtnl_attr(&r, VETH_INFO_PEER, &ifi, sizeof(ifi));
		rtnl_attr(&r, IFLA_IFNAME, peer_if, strlen(peer_if) + 1);
		rtnl_attr(&r, IFLA_NET_NS_FD, &fd, sizeof(fd));
		rtnl_nest_end(&r, peer);
		rtnl_nest_end(&r, data);
	}
	rtnl_nest_end(&r, info);
	return rtnl_talk(&r);
}

/*
 * addr/prefix on ifname in the caller's namespace, then ifname up; IPv6
 * addresses skip DAD so that they work at once. 0 or -errno.
 */
static int addr_add_up(const char *ifname, const char *addr, int prefix)
{
	struct ifaddrmsg ifa = { .ifa_prefixlen = prefix };
	unsigned char bin[16];
	struct rtnl_req r;
	size_t len;
	int ret;

	ifa.ifa_family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	len = ifa.ifa_family == AF_INET6 ? 16 : 4;
	if (inet_pton(ifa.ifa_family, addr, bin) != 1)
		return -EINVAL;
	ifa.ifa_index = if_nametoindex(ifname);
	if (!ifa.ifa_index)
		return -errno;
	if (ifa.ifa_family == AF_INET6)
		ifa.ifa_flags = IFA_F_NODAD;
	rtnl_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa,
		  sizeof(ifa));
	rtnl_attr(&r, IFA_LOCAL, bin, len);
	rtnl_attr(&r, IFA_ADDRESS, bin, len);
	ret = rtnl_talk(&r);
	return ret ? ret : so_link_up(ifname);
}

struct addr_args {
	const char *ifname, *addr;
	int prefix;
};

static int addr_add_up_fn(void *arg)
{
	struct addr_args *a = arg;

	return addr_add_up(a->ifname, a->addr, a->prefix);
}

/*
 * A veth pair from the current namespace (our_if, our_addr/prefix) to the
 * named namespace ns (peer_if, peer_addr/prefix), both ends up. IPv6
 * addresses skip DAD so that they work at once. 0 or -errno, said on
 * stderr.
 */
int so_veth_to_ns(const char *ns, const char *our_if,
		  const char *peer_if, const char *our_addr,
		  const char *peer_addr, int prefix)
{
	struct addr_args peer = { peer_if, peer_addr, prefix };
	int nsfd, ret;

	nsfd = so_netns_fd(ns);
	if (nsfd < 0) {
		ret = nsfd;
		goto out;
	}
	ret = link_add("veth", our_if, peer_if, nsfd);
	close(nsfd);
	if (!ret)
		ret = addr_add_up(our_if, our_addr, prefix);
	if (!ret)
		ret = so_in_netns(ns, addr_add_up_fn, &peer);
out:
	if (ret)
		fprintf(stderr, "# veth %s (%s) - %s (%s in %s): %s\n", our_if,
			our_addr, peer_if, peer_addr, ns, strerror(-ret));
	return ret;
}

/*
 * addr/prefix on ifname in namespace ns (NULL: here), then ifname up; IPv6
 * addresses skip DAD. 0 or -errno, said on stderr.
 */
int so_addr_add(const char *ns, const char *ifname, const char *addr,
		int prefix)
{
	struct addr_args a = { ifname, addr, prefix };
	int ret = so_in_netns(ns, addr_add_up_fn, &a);

	if (ret)
		fprintf(stderr, "# address %s/%d on %s%s%s: %s\n", addr, prefix,
			ifname, ns ? " in " : "", ns ? ns : "",
			strerror(-ret));
	return ret;
}

/*
 * A dummy link ifname here, up, with addr/prefix unless addr is NULL.
 * 0 or -errno, said on stderr.
 */
int so_dummy_add(const char *ifname, const char *addr, int prefix)
{
	int ret = link_add("dummy", ifname, NULL, -1);

	if (ret) {
		fprintf(stderr, "# dummy link %s: %s\n", ifname,
			strerror(-ret));
		return ret;
	}
	return addr ? so_addr_add(NULL, ifname, addr, prefix) :
		      so_link_up(ifname);
}

/* Delete link ifname here: 0 or -errno */
int so_link_del(const char *ifname)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtnl_req r;

	rtnl_init(&r, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	rtnl_attr(&r, IFLA_IFNAME, ifname, strlen(ifname) + 1);
	return rtnl_talk(&r);
}

/*
 * An nft table "sockobj" with an input chain in namespace ns (NULL: here)
 * holding one rule, e.g. "tcp dport 5000 drop": one nft run, no shell.
 */
int so_nft_input_rule(const char *ns, const char *rule)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "add table inet sockobj; "
		 "add chain inet sockobj input "
		 "{ type filter hook input priority 0; policy accept; }; "
		 "add rule inet sockobj input %s", rule);
	return run_ns(ns, (char *[]){ "nft", cmd, NULL }, cmd);
}

/* Remove what so_nft_input_rule() added in namespace ns (NULL: here) */
int so_nft_delete(const char *ns)
{
	char cmd[] = "delete table inet sockobj";

	return run_ns(ns, (char *[]){ "nft", cmd, NULL }, cmd);
}
