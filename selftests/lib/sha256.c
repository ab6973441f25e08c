// SPDX-License-Identifier: GPL-2.0
/*
 * SHA-256 (FIPS 180-4), to check what crossed a connection.
 */
#define SO_NO_HARNESS

#include "sotest.h"

/* FIPS 180-4, 4.2.2: the round constants */
static const uint32_t so_sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define SO_BSIG0(x)	(so_ror32(x, 2) ^ so_ror32(x, 13) ^ so_ror32(x, 22))
#define SO_BSIG1(x)	(so_ror32(x, 6) ^ so_ror32(x, 11) ^ so_ror32(x, 25))
#define SO_SSIG0(x)	(so_ror32(x, 7) ^ so_ror32(x, 18) ^ ((x) >> 3))
#define SO_SSIG1(x)	(so_ror32(x, 17) ^ so_ror32(x, 19) ^ ((x) >> 10))
#define SO_CH(x, y, z)	((z) ^ ((x) & ((y) ^ (z))))
#define SO_MAJ(x, y, z)	(((x) & (y)) | ((z) & ((x) | (y))))

/*
 * One round; the callers rotate the names of the eight working variables
 * instead of moving their values.
 */
#define SO_ROUND(a, b, c, d, e, f, g, h, i) do {			\
	uint32_t __t1 = h + SO_BSIG1(e) + SO_CH(e, f, g) +		\
			so_sha256_k[i] + w[i];				\
	d += __t1;							\
	h = __t1 + SO_BSIG0(a) + SO_MAJ(a, b, c);			\
} while (0)

static uint32_t so_ror32(uint32_t x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

/*
 * Unrolled, this runs about twice as fast under TCG emulation, where the
 * integrity tests hash hundreds of MiB.
 */
static __attribute__((optimize("O3", "unroll-loops"), noinline, unused)) void
so_sha256_compress(uint32_t st[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h;
	unsigned int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16] + SO_SSIG0(w[i - 15]) + w[i - 7] +
		       SO_SSIG1(w[i - 2]);
	a = st[0]; b = st[1]; c = st[2]; d = st[3];
	e = st[4]; f = st[5]; g = st[6]; h = st[7];
	for (i = 0; i < 64; i += 8) {
		SO_ROUND(a, b, c, d, e, f, g, h, i);
		SO_ROUND(h, a, b, c, d, e, f, g, i + 1);
		SO_ROUND(g, h, a, b, c, d, e, f, i + 2);
		SO_ROUND(f, g, h, a, b, c, d, e, i + 3);
		SO_ROUND(e, f, g, h, a, b, c, d, i + 4);
		SO_ROUND(d, e, f, g, h, a, b, c, i + 5);
		SO_ROUND(c, d, e, f, g, h, a, b, i + 6);
		SO_ROUND(b, c, d, e, f, g, h, a, i + 7);
	}
	st[0] += a; st[1] += b; st[2] += c; st[3] += d;
	st[4] += e; st[5] += f; st[6] += g; st[7] += h;
}

void so_sha256_init(struct so_sha256 *s)
{
	/* FIPS 180-4, 5.3.3 */
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, iv, sizeof(iv));
	s->bytes = 0;
	s->fill = 0;
}

void so_sha256_update(struct so_sha256 *s, const void *data,
		      size_t len)
{
	const uint8_t *p = data;

	s->bytes += len;
	if (s->fill) {
		size_t n = 64 - s->fill < len ? 64 - s->fill : len;

		memcpy(s->block + s->fill, p, n);
		s->fill += (unsigned int)n;
		p += n;
		len -= n;
		if (s->fill < 64)
			return;
		so_sha256_compress(s->h, s->block);
		s->fill = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		so_sha256_compress(s->h, p);
	memcpy(s->block, p, len);
	s->fill = (unsigned int)len;
}

/* The digest as 64 lower-case hex digits and a NUL */
void so_sha256_hex(struct so_sha256 *s, char hex[65])
{
	uint64_t bits = s->bytes * 8;
	uint8_t pad[72];
	size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;
	unsigned int i;

	memset(pad, 0, sizeof(pad));
	pad[0] = 0x80;
	for (i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	so_sha256_update(s, pad, padlen + 8);
	for (i = 0; i < 8; i++)
		snprintf(hex + 8 * i, 9, "%08x", s->h[i]);
}
