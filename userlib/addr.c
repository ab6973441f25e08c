// SPDX-License-Identifier: MIT
/*
 * libsockobj: struct sockobj_addr helpers and name resolution.
 *
 * Resolution happens in userspace (the module only ever sees addresses),
 * through getaddrinfo(3) and getnameinfo(3), so it follows nsswitch.conf,
 * /etc/hosts and gai.conf like any other program.
 *
 * Copyright (C) 2026 The sockobj authors.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/**
 * sockobj_addr_from_sockaddr() - convert a socket address to a struct
 *	sockobj_addr
 * @addr: the result
 * @sa: an AF_INET, AF_INET6 or AF_UNSPEC (unset) address
 * @salen: its length
 *
 * Context: any.
 * Return: 0, -EINVAL or -EAFNOSUPPORT.
 */
SOCKOBJ_EXPORT int sockobj_addr_from_sockaddr(struct sockobj_addr *addr,
					      const struct sockaddr *sa,
					      socklen_t salen)
{
	const struct sockaddr_in6 *sin6;
	const struct sockaddr_in *sin;

	if (!sa || salen < sizeof(sa->sa_family))
		return -EINVAL;

	memset(addr, 0, sizeof(*addr));
	switch (sa->sa_family) {
	case AF_UNSPEC:
		return 0;
	case AF_INET:
		if (salen < sizeof(*sin))
			return -EINVAL;
		sin = (const struct sockaddr_in *)sa;
		addr->family = AF_INET;
		addr->port = ntohs(sin->sin_port);
		memcpy(addr->addr, &sin->sin_addr, sizeof(sin->sin_addr));
		return 0;
	case AF_INET6:
		if (salen < sizeof(*sin6))
			return -EINVAL;
		sin6 = (const struct sockaddr_in6 *)sa;
		addr->family = AF_INET6;
		addr->port = ntohs(sin6->sin6_port);
		addr->scope_id = sin6->sin6_scope_id;
		memcpy(addr->addr, &sin6->sin6_addr, sizeof(sin6->sin6_addr));
		return 0;
	default:
		return -EAFNOSUPPORT;
	}
}

/**
 * sockobj_addr_to_sockaddr() - convert a struct sockobj_addr to a socket
 *	address
 * @addr: the address, AF_INET or AF_INET6
 * @ss: the result
 * @salenp: where its length is stored, or NULL
 *
 * Context: any.
 * Return: 0 or -EAFNOSUPPORT.
 */
SOCKOBJ_EXPORT int sockobj_addr_to_sockaddr(const struct sockobj_addr *addr,
					    struct sockaddr_storage *ss,
					    socklen_t *salenp)
{
	struct sockaddr_in6 *sin6;
	struct sockaddr_in *sin;
	socklen_t salen;

	memset(ss, 0, sizeof(*ss));
	switch (addr->family) {
	case AF_INET:
		sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(addr->port);
		memcpy(&sin->sin_addr, addr->addr, sizeof(sin->sin_addr));
		salen = sizeof(*sin);
		break;
	case AF_INET6:
		sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(addr->port);
		sin6->sin6_scope_id = addr->scope_id;
		memcpy(&sin6->sin6_addr, addr->addr, sizeof(sin6->sin6_addr));
		salen = sizeof(*sin6);
		break;
	default:
		/* Including family 0: an unset address has no sockaddr. */
		return -EAFNOSUPPORT;
	}
	if (salenp)
		*salenp = salen;
	return 0;
}

/**
 * sockobj_addr_format() - format an address as "1.2.3.4:80" or "[::1%lo]:80"
 * @addr: the address
 * @buf: the result
 * @len: size of @buf, SOCKOBJ_ADDRSTRLEN always suffices
 *
 * Context: any.
 * Return: the length written (without the NUL), -ENOSPC or -EAFNOSUPPORT.
 */
SOCKOBJ_EXPORT int sockobj_addr_format(const struct sockobj_addr *addr,
				       char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	char scope[IF_NAMESIZE + 1] = "";
	int n;

	switch (addr->family) {
	case 0:
		n = snprintf(buf, len, "none");
		break;
	case AF_INET:
		inet_ntop(AF_INET, addr->addr, host, sizeof(host));
		n = snprintf(buf, len, "%s:%u", host, addr->port);
		break;
	case AF_INET6:
		inet_ntop(AF_INET6, addr->addr, host, sizeof(host));
		if (addr->scope_id) {
			/* The name when the index exists here, else the number. */
			scope[0] = '%';
			if (!if_indextoname(addr->scope_id, scope + 1))
				snprintf(scope + 1, sizeof(scope) - 1, "%u",
					 addr->scope_id);
		}
		n = snprintf(buf, len, "[%s%s]:%u", host, scope, addr->port);
		break;
	default:
		return -EAFNOSUPPORT;
	}
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return n;
}

static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static int parse_scope(const char *s, uint32_t *scope_id)
{
	unsigned long v;
	char *end;

	if (!*s)
		return -EINVAL;
	if (*s >= '0' && *s <= '9') {
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || *end || v > UINT32_MAX)
			return -EINVAL;
		*scope_id = (uint32_t)v;
		return 0;
	}
	*scope_id = if_nametoindex(s);
	return *scope_id ? 0 : -ENODEV;
}

/*
 * Numeric only, never DNS: "a.b.c.d[:port]", "[v6[%scope]][:port]",
 * "v6" without brackets (then without port or scope), "none".
 */
/**
 * sockobj_addr_parse() - parse what sockobj_addr_format() writes; never DNS
 * @addr: the result, unchanged on error
 * @str: the string
 *
 * Context: any.
 * Return: 0, -EINVAL, or -ENODEV for an unknown scope interface.
 */
SOCKOBJ_EXPORT int sockobj_addr_parse(struct sockobj_addr *addr,
				      const char *str)
{
	char buf[SOCKOBJ_ADDRSTRLEN];
	char *host = buf, *port = NULL, *scope, *p;
	struct sockobj_addr a;
	int ret;

	if (!str || strlen(str) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, str);
	memset(&a, 0, sizeof(a));

	if (!strcmp(buf, "none")) {
		*addr = a;
		return 0;
	}

	if (buf[0] == '[') {
		host = buf + 1;
		p = strchr(host, ']');
		if (!p)
			return -EINVAL;
		*p++ = '\0';
		if (*p == ':')
			port = p + 1;
		else if (*p)
			return -EINVAL;
		scope = strchr(host, '%');
		if (scope) {
			*scope++ = '\0';
			ret = parse_scope(scope, &a.scope_id);
			if (ret < 0)
				return ret;
		}
		if (inet_pton(AF_INET6, host, a.addr) != 1)
			return -EINVAL;
		a.family = AF_INET6;
	} else if (inet_pton(AF_INET6, host, a.addr) == 1) {
		a.family = AF_INET6;
	} else {
		p = strchr(host, ':');
		if (p) {
			*p = '\0';
			port = p + 1;
		}
		if (inet_pton(AF_INET, host, a.addr) != 1)
			return -EINVAL;
		a.family = AF_INET;
	}

	if (port) {
		ret = parse_port(port, &a.port);
		if (ret < 0)
			return ret;
	}
	*addr = a;
	return 0;
}

static int gai_to_err(int gai)
{
	switch (gai) {
	case EAI_NONAME:
	case EAI_NODATA:
	case EAI_ADDRFAMILY:
	case EAI_SERVICE:
	case EAI_FAIL:
		return -SOCKOBJ_ENAME;
	case EAI_AGAIN:
		return -SOCKOBJ_ENAMEAGAIN;
	case EAI_MEMORY:
		return -ENOMEM;
	case EAI_FAMILY:
		return -EAFNOSUPPORT;
	case EAI_OVERFLOW:
		return -ENOSPC;
	case EAI_INTR:
		return -EINTR;
	case EAI_SYSTEM:
		return errno > 0 ? -errno : -EIO;
	case EAI_BADFLAGS:
	case EAI_SOCKTYPE:
		return -EINVAL;
	default:
		return -EIO;
	}
}

/*
 * getaddrinfo() takes as a port number any service that strtoul() reads
 * whole, and truncates it to 16 bits: "99999" is port 34463, "65536" and
 * "" are 0, "-1" is 65535. Such a service must be a plain decimal number
 * from 1 to 65535; anything else is a service name, looked up as such.
 */
static int check_service(const char *service)
{
	unsigned long v;
	const char *p;
	char *end;

	if (!service)
		return 0;
	/*
	 * Only digits, blanks and signs: a number, which must be written
	 * plain (getaddrinfo() would take " 80" for 80, and look "80 " up
	 * as a name); anything else is a name.
	 */
	for (p = service; *p; p++)
		if (!isdigit((unsigned char)*p) && !isspace((unsigned char)*p) &&
		    *p != '+' && *p != '-')
			return 0;
	for (p = service; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
	errno = 0;
	v = strtoul(service, &end, 10);
	if (!*service || *end || errno || !v || v > 65535)
		return -EINVAL;
	return 0;
}

/*
 * getaddrinfo() for a TCP connection to host, numeric forms first so that
 * they never reach DNS (nor fail for want of it). "[addr]" is accepted for
 * an IPv6 address. The caller frees *resp with freeaddrinfo().
 */
static int lookup(const char *host, const char *service, int family,
		  struct addrinfo **resp)
{
	char buf[NI_MAXHOST];
	struct addrinfo hints;
	size_t len;
	int gai;

	if (!host || !*host)
		return -EINVAL;
	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (check_service(service) < 0)
		return -EINVAL;

	len = strlen(host);
	if (host[0] == '[' && len > 2 && host[len - 1] == ']') {
		if (len - 2 >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
		host = buf;
	}

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_NUMERICHOST;
	gai = getaddrinfo(host, service, &hints, resp);
	if (gai == EAI_NONAME) {
		hints.ai_flags = 0;
		gai = getaddrinfo(host, service, &hints, resp);
	}
	return gai ? gai_to_err(gai) : 0;
}

/**
 * sockobj_resolve() - resolve a host and service for a TCP connection
 * @host: a name or a numeric address, IPv6 possibly in brackets
 * @service: a port (1 to 65535) or a service name, or NULL for port 0
 * @family: AF_UNSPEC, AF_INET or AF_INET6
 * @ss: the first address found
 * @salenp: where its length is stored, or NULL
 *
 * Context: any thread; may block in the resolver.
 * Return: 0, -SOCKOBJ_ENAME when nothing resolves, -SOCKOBJ_ENAMEAGAIN for
 * a temporary failure of the resolver, -EINVAL for a numeric @service out
 * of range, or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_resolve(const char *host, const char *service,
				   int family, struct sockaddr_storage *ss,
				   socklen_t *salenp)
{
	struct addrinfo *res, *ai;
	int ret;

	ret = lookup(host, service, family, &res);
	if (ret < 0)
		return ret;

	ret = -SOCKOBJ_ENAME;
	for (ai = res; ai; ai = ai->ai_next) {
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(*ss))
			continue;
		memset(ss, 0, sizeof(*ss));
		memcpy(ss, ai->ai_addr, ai->ai_addrlen);
		if (salenp)
			*salenp = ai->ai_addrlen;
		ret = 0;
		break;
	}
	freeaddrinfo(res);
	return ret;
}

static int addr_equal(const struct sockobj_addr *a,
		      const struct sockobj_addr *b)
{
	return a->family == b->family && a->scope_id == b->scope_id &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/**
 * sockobj_host_by_name() - all the addresses of a host name
 * @host: a name or a numeric address
 * @family: AF_UNSPEC, AF_INET or AF_INET6
 * @addrs: the distinct addresses found, port 0
 * @max: room in @addrs
 *
 * Context: any thread; may block in the resolver.
 * Return: the number of addresses stored (> 0), -SOCKOBJ_ENAME,
 * -SOCKOBJ_ENAMEAGAIN or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_host_by_name(const char *host, int family,
					struct sockobj_addr *addrs,
					unsigned int max)
{
	struct addrinfo *res, *ai;
	struct sockobj_addr a;
	unsigned int n = 0, i;
	int ret;

	if (!addrs || !max || max > INT_MAX)
		return -EINVAL;
	ret = lookup(host, NULL, family, &res);
	if (ret < 0)
		return ret;

	for (ai = res; ai && n < max; ai = ai->ai_next) {
		if (sockobj_addr_from_sockaddr(&a, ai->ai_addr,
					       ai->ai_addrlen) < 0 ||
		    !a.family)
			continue;
		for (i = 0; i < n; i++)
			if (addr_equal(&addrs[i], &a))
				break;
		if (i == n)
			addrs[n++] = a;
	}
	freeaddrinfo(res);
	return n ? (int)n : -SOCKOBJ_ENAME;
}

/**
 * sockobj_host_by_addr() - the host name of an address (reverse lookup)
 * @addr: the address; the port is ignored
 * @host: the name, NUL-terminated
 * @len: size of @host
 *
 * Context: any thread; may block in the resolver.
 * Return: 0, -SOCKOBJ_ENAME when the address has no name, -SOCKOBJ_ENAMEAGAIN
 * for a temporary failure of the resolver, or a negative errno.
 */
SOCKOBJ_EXPORT int sockobj_host_by_addr(const struct sockobj_addr *addr,
					char *host, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t salen;
	int ret;

	if (!host || !len || len > UINT_MAX)
		return -EINVAL;
	ret = sockobj_addr_to_sockaddr(addr, &ss, &salen);
	if (ret < 0)
		return ret;
	ret = getnameinfo((struct sockaddr *)&ss, salen, host, len, NULL, 0,
			  NI_NAMEREQD);
	return ret ? gai_to_err(ret) : 0;
}

/**
 * sockobj_local_host_name() - the name of the local host (gethostname(2))
 * @buf: the name, NUL-terminated
 * @len: size of @buf
 *
 * Context: any.
 * Return: 0, -EINVAL or -ENAMETOOLONG.
 */
SOCKOBJ_EXPORT int sockobj_local_host_name(char *buf, size_t len)
{
	if (!buf || !len)
		return -EINVAL;
	if (gethostname(buf, len) < 0)
		return -errno;
	/* POSIX leaves a truncated name unterminated; treat it as too long. */
	if (!memchr(buf, '\0', len))
		return -ENAMETOOLONG;
	return 0;
}

/**
 * sockobj_strerror() - describe an error code of the library
 * @err: a (negative) value a libsockobj function returned, or its opposite
 *
 * Context: any.
 * Return: a string not to be modified nor freed.
 */
SOCKOBJ_EXPORT const char *sockobj_strerror(int err)
{
	if (err < 0 && err != INT_MIN)
		err = -err;
	switch (err) {
	case SOCKOBJ_ENAME:
		return "Name or service does not resolve";
	case SOCKOBJ_ENAMEAGAIN:
		return "Temporary failure in name resolution";
	default:
		return strerror(err);
	}
}
