// SPDX-License-Identifier: GPL-2.0
/*
 * A small, seedable PRNG (splitmix64), one state per user, and the seed
 * of a run (SOCKOBJ_SEED repeats one).
 */
#define SO_NO_HARNESS

#include "sotest.h"

uint64_t so_rnd_next(struct so_rnd *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, n) (n > 0) */
uint32_t so_rnd_below(struct so_rnd *r, uint32_t n)
{
	return (uint32_t)(((so_rnd_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* true with probability pct % */
int so_rnd_pct(struct so_rnd *r, unsigned int pct)
{
	return so_rnd_below(r, 100) < pct;
}

void so_rnd_fill(struct so_rnd *r, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len >= 8) {
		uint64_t v = so_rnd_next(r);

		memcpy(p, &v, 8);
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t v = so_rnd_next(r);

		memcpy(p, &v, len);
	}
}

/* A value that is "interesting" more often than a uniform one. */
uint32_t so_rnd_u32_edgy(struct so_rnd *r)
{
	static const uint32_t edges[] = {
		0, 1, 2, 6, 7, 127, 128, 255, 256, 1023, 1024, 32767, 32768,
		65535, 65536, 86400000, 86400001, 604800, 604801,
		0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xffffffff,
	};

	if (so_rnd_pct(r, 50))
		return edges[so_rnd_below(r, ARRAY_SIZE(edges))];
	return (uint32_t)so_rnd_next(r);
}

/* SOCKOBJ_SEED from the environment, else from the clock; never 0 */
uint64_t so_seed(void)
{
	const char *env = getenv("SOCKOBJ_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) :
			so_now_ns() ^ ((uint64_t)getpid() << 32);

	return seed ? seed : 1;
}

/* Uniform enough in [lo, hi] */
size_t so_rnd_between(struct so_rnd *r, size_t lo, size_t hi)
{
	return lo + (size_t)(so_rnd_next(r) % (uint64_t)(hi - lo + 1));
}
