// SPDX-License-Identifier: MIT
/*
 * tls: open a connection through sockobj, then hand it to OpenSSL.
 *
 *   tls HOST PORT CAFILE [NAME]
 *
 * The connect is the module's (asynchronous, with its exact close reason
 * on failure); once ESTABLISHED, sockobj_handoff() turns the object into
 * an ordinary socket descriptor, which SSL_set_fd() takes like any other.
 * The server's certificate must chain to CAFILE and name NAME (default
 * HOST). Sends "GET / HTTP/1.0", prints the status line of the answer on
 * stdout, the protocol and cipher on stderr.
 * Exit status: 0, 1 the connection failed, 2 usage or resolution, 3
 * /dev/sockobj, 4 the TLS handshake or the certificate failed.
 *
 * Copyright (C) 2026 The sockobj authors.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <sockobj.h>

#define CONNECT_TIMEOUT_MS	5000

/* The connection, as a blocking socket descriptor, or a negative errno. */
static int connect_fd(const char *host, unsigned int port)
{
	char why[SOCKOBJ_EVENT_STRLEN];
	struct sockobj_event last;
	struct sockobj_addr addr;
	struct sockobj_ctx *ctx;
	unsigned int id;
	int ret;

	ret = sockobj_host_by_name(host, AF_UNSPEC, &addr, 1);
	if (ret < 0) {
		fprintf(stderr, "tls: %s: %s\n", host, sockobj_strerror(ret));
		return -2;
	}
	addr.port = (uint16_t)port;
	ret = sockobj_open(&ctx, 0);
	if (ret < 0) {
		fprintf(stderr, "tls: /dev/sockobj: %s\n", sockobj_strerror(ret));
		return -3;
	}
	ret = sockobj_create(ctx, SOCKOBJ_PROTO_TCP, 0);
	if (ret >= 0) {
		id = (unsigned int)ret;
		ret = sockobj_set_target_addr(ctx, id, &addr);
		if (ret == 0)
			ret = sockobj_set_connect_timeout(ctx, id, CONNECT_TIMEOUT_MS);
		if (ret == 0)
			ret = sockobj_connect(ctx, id);
		if (ret == 0)
			ret = sockobj_wait_state(ctx, id,
						 SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_ESTABLISHED) |
						 SOCKOBJ_STATE_BIT(SOCKOBJ_STATE_CLOSED),
						 CONNECT_TIMEOUT_MS + 5000, &last);
		if (ret == 0 && last.state != SOCKOBJ_STATE_ESTABLISHED) {
			sockobj_event_describe(&last, why, sizeof(why));
			fprintf(stderr, "tls: %s port %u: %s\n", host, port, why);
			ret = -1;
		} else if (ret == 0) {
			/*
			 * From here on it is a plain TCP socket (blocking: no
			 * SOCKOBJ_HANDOFF_NONBLOCK); the object is gone.
			 */
			ret = sockobj_handoff(ctx, id, 0);
			if (ret < 0)
				fprintf(stderr, "tls: handoff: %s\n", sockobj_strerror(ret));
		} else {
			fprintf(stderr, "tls: %s port %u: %s\n", host, port,
				sockobj_strerror(ret));
		}
	} else {
		fprintf(stderr, "tls: creating an object: %s\n", sockobj_strerror(ret));
	}
	/* The socket outlives the context that opened it. */
	sockobj_close(ctx);
	return ret < 0 ? -1 : ret;
}

static int tls_fail(const char *what)
{
	unsigned long e;

	fprintf(stderr, "tls: %s failed\n", what);
	while ((e = ERR_get_error()))
		fprintf(stderr, "tls:   %s\n", ERR_error_string(e, NULL));
	return 4;
}

int main(int argc, char **argv)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	char buf[4096], line[256];
	size_t len = 0;
	const char *name;
	unsigned long port;
	SSL_CTX *sctx;
	char *end;
	SSL *ssl;
	int fd, n, ret = 0;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: tls HOST PORT CAFILE [NAME]\n");
		return 2;
	}
	port = strtoul(argv[2], &end, 10);
	if (*end || !port || port > 65535) {
		fprintf(stderr, "tls: bad port '%s'\n", argv[2]);
		return 2;
	}
	name = argc > 4 ? argv[4] : argv[1];

	fd = connect_fd(argv[1], (unsigned int)port);
	if (fd < 0)
		return -fd;

	sctx = SSL_CTX_new(TLS_client_method());
	if (!sctx)
		return tls_fail("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(sctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_locations(sctx, argv[3], NULL) != 1)
		return tls_fail("loading the CA file");
	ssl = SSL_new(sctx);
	if (!ssl || SSL_set_fd(ssl, fd) != 1 ||
	    SSL_set_tlsext_host_name(ssl, name) != 1 || SSL_set1_host(ssl, name) != 1)
		return tls_fail("setting up the session");
	if (SSL_connect(ssl) != 1) {
		fprintf(stderr, "tls: certificate check: %s\n",
			X509_verify_cert_error_string(SSL_get_verify_result(ssl)));
		return tls_fail("the handshake");
	}
	fprintf(stderr, "tls: %s, %s, certificate of %s verified\n",
		SSL_get_version(ssl), SSL_get_cipher_name(ssl), name);

	if (SSL_write(ssl, req, (int)strlen(req)) != (int)strlen(req))
		return tls_fail("SSL_write");
	/* The status line: what comes before the first line end. */
	while (len < sizeof(line) - 1 &&
	       (n = SSL_read(ssl, buf, (int)sizeof(buf))) > 0) {
		size_t take = (size_t)n < sizeof(line) - 1 - len ?
			      (size_t)n : sizeof(line) - 1 - len;

		memcpy(line + len, buf, take);
		len += take;
		line[len] = '\0';
		if (strpbrk(line, "\r\n"))
			break;
	}
	line[len] = '\0';
	if (!len) {
		fprintf(stderr, "tls: no answer\n");
		ret = 1;
	} else {
		printf("%.*s\n", (int)strcspn(line, "\r\n"), line);
	}
	SSL_shutdown(ssl);
	SSL_free(ssl);
	SSL_CTX_free(sctx);
	close(fd);
	return ret;
}
