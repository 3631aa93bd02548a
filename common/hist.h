/*
 * A latency histogram of fixed size, for figures that a daemon running for
 * months keeps: memory does not grow with the number of samples, adding
 * one is a few instructions, and any quantile comes back to within 1/256
 * of its value (every power of two is cut into 128 equal buckets, as in
 * HdrHistogram; below 256 ns every nanosecond has its own bucket).
 * Samples from 2^40 ns (about 18 minutes) on count as that value.
 *
 * Not locked: the owner serializes mkhist_add with the readers.
 */
#ifndef MATKIOSK_HIST_H
#define MATKIOSK_HIST_H

#include <stdint.h>

struct mkhist;

/* An empty histogram; NULL if out of memory. */
struct mkhist *mkhist_new(void);
/* Accepts NULL. */
void mkhist_free(struct mkhist *h);
/* Counts one sample of ns nanoseconds. */
void mkhist_add(struct mkhist *h, uint64_t ns);
/* The number of samples counted. */
uint64_t mkhist_count(const struct mkhist *h);
/*
 * The q-quantile in nanoseconds, 0 < q <= 1 (0.5: the median, 0.99: p99):
 * the middle of the bucket that holds the sample of rank ceil(q * count)
 * in ascending order. 0 when the histogram is empty.
 */
uint64_t mkhist_quantile(const struct mkhist *h, double q);

#endif /* MATKIOSK_HIST_H */
