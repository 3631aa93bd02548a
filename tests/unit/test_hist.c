/*
 * common/hist: the latency histogram's quantiles against the exact ones
 * of the same samples sorted, its precision over the whole range, and the
 * edges (empty, one sample, the top of the range).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/hist.h"

#define NSAMPLES	20000

/* Passes when got is within 1/256 of want, the header's promise. */
static void
assert_close(uint64_t got, uint64_t want)
{
	uint64_t d = got > want ? got - want : want - got;

	if (d * 256 > want) {
		print_error("got %llu ns, want %llu ns\n",
		    (unsigned long long)got, (unsigned long long)want);
		fail();
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The exact q-quantile of n sorted samples, as hist.h defines it. */
static uint64_t
exact(const uint64_t *v, size_t n, double q)
{
	size_t rank = (size_t)(q * (double)n);

	if ((double)rank < q * (double)n)
		rank++;
	return v[rank == 0 ? 0 : rank - 1];
}

/* xorshift64: the same samples on every run. */
static uint64_t
next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void
test_empty(void **state)
{
	struct mkhist *h;

	(void)state;
	assert_non_null(h = mkhist_new());
	assert_int_equal(mkhist_count(h), 0);
	assert_int_equal(mkhist_quantile(h, 0.5), 0);
	assert_int_equal(mkhist_quantile(h, 1.0), 0);
	mkhist_free(h);
	mkhist_free(NULL);
}

/* Below 256 ns every value is its own bucket: quantiles are exact. */
static void
test_small_values_exact(void **state)
{
	struct mkhist *h;
	uint64_t v;

	(void)state;
	assert_non_null(h = mkhist_new());
	for (v = 100; v >= 1; v--)
		mkhist_add(h, v);
	assert_int_equal(mkhist_count(h), 100);
	assert_int_equal(mkhist_quantile(h, 0.5), 50);
	assert_int_equal(mkhist_quantile(h, 0.99), 99);
	assert_int_equal(mkhist_quantile(h, 1.0), 100);
	assert_int_equal(mkhist_quantile(h, 0.001), 1);
	mkhist_free(h);
}

/* A rank is a rank: 9,900 fast samples and 100 slow ones have a fast
 * p99; one more slow sample makes p99 slow. */
static void
test_p99_rank(void **state)
{
	struct mkhist *h;
	int i;

	(void)state;
	assert_non_null(h = mkhist_new());
	for (i = 0; i < 9900; i++)
		mkhist_add(h, 85000);
	for (i = 0; i < 100; i++)
		mkhist_add(h, 5000000);
	assert_close(mkhist_quantile(h, 0.5), 85000);
	assert_close(mkhist_quantile(h, 0.99), 85000);
	assert_close(mkhist_quantile(h, 1.0), 5000000);
	mkhist_add(h, 5000000);
	assert_close(mkhist_quantile(h, 0.99), 5000000);
	assert_close(mkhist_quantile(h, 0.5), 85000);
	mkhist_free(h);
}

/* One sample around each power of two and at uneven places between
 * them (the ends of buckets too) comes back within 1/256. */
static void
test_precision_whole_range(void **state)
{
	struct mkhist *h;
	uint64_t v, p;
	int k;

	(void)state;
	for (k = 0; k < 40; k++) {
		p = UINT64_C(1) << k;
		for (v = p - 1; v <= p + p / 2 + 1; v += p / 7 + 1) {
			assert_non_null(h = mkhist_new());
			mkhist_add(h, v);
			assert_close(mkhist_quantile(h, 0.5), v);
			mkhist_free(h);
		}
	}
}

/* Beyond the range a sample counts as the top of it, never as 0. */
static void
test_top_of_range(void **state)
{
	struct mkhist *h;

	(void)state;
	assert_non_null(h = mkhist_new());
	mkhist_add(h, UINT64_MAX);
	mkhist_add(h, UINT64_C(1) << 50);
	assert_int_equal(mkhist_count(h), 2);
	assert_close(mkhist_quantile(h, 0.5), (UINT64_C(1) << 40) - 1);
	mkhist_free(h);
}

/* Spread samples, 50 ns to about 17 ms, as a decision latency might be:
 * the median, p90, p99, p99.9 and the maximum agree with the sorted
 * samples to within 1/256. */
static void
test_matches_sorted(void **state)
{
	static const double qs[] = { 0.01, 0.5, 0.9, 0.99, 0.999, 1.0 };
	struct mkhist *h;
	uint64_t *v, x = 0x9e3779b97f4a7c15ULL;
	size_t i;

	(void)state;
	assert_non_null(h = mkhist_new());
	assert_non_null(v = calloc(NSAMPLES, sizeof(*v)));
	for (i = 0; i < NSAMPLES; i++) {
		/* Random bits below a random power of two. */
		v[i] = 50 + next(&x) % (UINT64_C(1) << (10 + next(&x) % 15));
		mkhist_add(h, v[i]);
	}
	qsort(v, NSAMPLES, sizeof(*v), cmp_u64);
	assert_int_equal(mkhist_count(h), NSAMPLES);
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
		assert_close(mkhist_quantile(h, qs[i]), exact(v, NSAMPLES,
		    qs[i]));
	free(v);
	mkhist_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_small_values_exact),
		cmocka_unit_test(test_p99_rank),
		cmocka_unit_test(test_precision_whole_range),
		cmocka_unit_test(test_top_of_range),
		cmocka_unit_test(test_matches_sorted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
