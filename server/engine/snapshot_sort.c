/* snapshot_sort.c -- sorting ids into strcmp order fast enough for a million
 * providers: MSD radix over 8-byte big-endian chunks (an LSD radix pass per
 * chunk, skipping byte positions that are the same everywhere, e.g. the "P000"
 * of generated ids), recursing only into runs whose first chunk is equal and
 * full. Small runs use insertion sort. Stable throughout. Input already in
 * order (the usual case: the loader reads ORDER BY id) is detected in one
 * pass and left alone. */
#include "snapshot_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

typedef struct kv {
    uint64_t key;
    uint32_t idx;
} kv;

#define SMALL_RUN 24

static const char *id_at(const void *base, size_t stride, uint32_t i)
{
    return *(const char *const *)((const char *)base + (size_t)i * stride);
}

/* Bytes [0, 8) of s as a big-endian number, zero after the terminator; so
 * comparing chunks compares like strcmp (unsigned bytes). */
static uint64_t chunk(const char *s)
{
    uint64_t k = 0;
    bool done = false;
    for (int i = 0; i < 8; i++) {
        k <<= 8;
        if (!done) {
            unsigned char c = (unsigned char)s[i];
            if (c == 0)
                done = true;
            else
                k |= c;
        }
    }
    return k;
}

static void insertion(const void *base, size_t stride, kv *a, uint32_t n, size_t depth)
{
    for (uint32_t i = 1; i < n; i++) {
        kv x = a[i];
        const char *xs = id_at(base, stride, x.idx) + depth;
        uint32_t j = i;
        while (j > 0 && strcmp(id_at(base, stride, a[j - 1].idx) + depth, xs) > 0) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* Every id in a[0..n) has the same first `depth` bytes and is at least that
 * long. */
static void sort_level(const void *base, size_t stride, kv *a, kv *tmp, uint32_t n,
                       size_t depth)
{
    if (n < 2)
        return;
    if (n < SMALL_RUN) {
        insertion(base, stride, a, n, depth);
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        a[i].key = chunk(id_at(base, stride, a[i].idx) + depth);

    /* All eight byte histograms in one pass over the keys. */
    static_assert(sizeof(uint32_t) * 8 * 256 <= 8192, "histograms fit the stack");
    uint32_t count[8][256];
    memset(count, 0, sizeof count);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t k = a[i].key;
        for (int pass = 0; pass < 8; pass++)
            count[pass][(k >> (pass * 8)) & 0xff]++;
    }
    kv *src = a, *dst = tmp;
    for (int pass = 0; pass < 8; pass++) {
        int shift = pass * 8;
        uint32_t *c = count[pass];
        if (c[(src[0].key >> shift) & 0xff] == n)
            continue; /* this byte is the same everywhere */
        uint32_t sum = 0;
        for (int b = 0; b < 256; b++) {
            uint32_t v = c[b];
            c[b] = sum;
            sum += v;
        }
        for (uint32_t i = 0; i < n; i++)
            dst[c[(src[i].key >> shift) & 0xff]++] = src[i];
        kv *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, (size_t)n * sizeof *a);

    /* Equal full chunks (no terminator inside): the ids go on, recurse. */
    for (uint32_t i = 0; i < n;) {
        uint32_t j = i + 1;
        while (j < n && a[j].key == a[i].key)
            j++;
        if (j - i > 1 && (a[i].key & 0xff) != 0)
            sort_level(base, stride, a + i, tmp + i, j - i, depth + 8);
        i = j;
    }
}

int vw_sort_ids(const void *base, size_t stride, uint32_t n, uint32_t *perm)
{
    /* The store's loader reads in id order (ORDER BY id; SQLite's BINARY
     * collation is strcmp order): then one pass proves it and the sort, its
     * 2 x 12 bytes per record of scratch and the permutation are skipped. */
    uint32_t sorted = 1;
    while (sorted < n && strcmp(id_at(base, stride, sorted - 1), id_at(base, stride, sorted)) <= 0)
        sorted++;
    if (sorted >= n) {
        for (uint32_t i = 0; i < n; i++)
            perm[i] = i;
        return 0;
    }
    int rc = -1;
    kv *a = malloc((size_t)(n ? n : 1) * sizeof *a);
    kv *tmp = malloc((size_t)(n ? n : 1) * sizeof *tmp);
    if (!a || !tmp)
        goto out;
    for (uint32_t i = 0; i < n; i++)
        a[i].idx = i;
    sort_level(base, stride, a, tmp, n, 0);
    for (uint32_t i = 0; i < n; i++)
        perm[i] = a[i].idx;
    rc = 0;
out:
    free(a);
    free(tmp);
    return rc;
}
