/*
 * The latency histogram (hist.h). A sample v lands in bucket
 * s * SUB + (v >> s), where s is 0 below 2 * SUB and otherwise the number
 * of low bits that leaves v with SUB_BITS + 1 significant bits: v >> s is
 * then in [SUB, 2 * SUB), so each power of two from 2 * SUB on has SUB
 * buckets of its own, and everything below 2 * SUB is exact.
 */
#include <assert.h>
#include <stdlib.h>

#include "common/buf.h"
#include "common/hist.h"

#define SUB_BITS	7
#define SUB		(1u << SUB_BITS)
#define TOP_BITS	40			/* samples below 2^40 ns */
#define NBUCKETS	((TOP_BITS - SUB_BITS + 1) * SUB)

struct mkhist {
	uint64_t	count;
	uint64_t	bucket[NBUCKETS];
};

static unsigned
shift_of(uint64_t v)
{
	if (v < 2 * SUB)
		return 0;
	return (unsigned)(63 - __builtin_clzll(v)) - SUB_BITS;
}

static size_t
bucket_of(uint64_t v)
{
	unsigned s;

	if (v >= (UINT64_C(1) << TOP_BITS))
		v = (UINT64_C(1) << TOP_BITS) - 1;
	s = shift_of(v);
	return (size_t)s * SUB + (size_t)(v >> s);
}

/* The middle of bucket i, the inverse of bucket_of to within half a
 * bucket. */
static uint64_t
middle_of(size_t i)
{
	unsigned s;
	uint64_t width;

	if (i < 2 * SUB)
		return i;
	s = (unsigned)(i / SUB) - 1;
	width = UINT64_C(1) << s;
	return ((uint64_t)(i - (size_t)s * SUB) << s) + width / 2;
}

struct mkhist *
mkhist_new(void)
{
	return calloc(1, sizeof(struct mkhist));
}

void
mkhist_free(struct mkhist *h)
{
	if (h == NULL)
		return;
	mk_wipe(h, sizeof(*h));
	free(h);
}

void
mkhist_add(struct mkhist *h, uint64_t ns)
{
	size_t i = bucket_of(ns);

	assert(i < NBUCKETS);
	h->bucket[i]++;
	h->count++;
}

uint64_t
mkhist_count(const struct mkhist *h)
{
	return h->count;
}

uint64_t
mkhist_quantile(const struct mkhist *h, double q)
{
	uint64_t rank, seen = 0;
	size_t i;

	assert(q > 0 && q <= 1);
	if (h->count == 0)
		return 0;
	rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;		/* ceil, without libm */
	if (rank == 0)
		rank = 1;
	for (i = 0; i < NBUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank)
			return middle_of(i);
	}
	/* Not reached: seen ends at count. */
	return middle_of(NBUCKETS - 1);
}
