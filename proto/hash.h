/* hash.h -- a fast non-cryptographic hash of a byte string, 8 bytes a step
 * (multiply and rotate, as in the wyhash/xxh families). For hash tables
 * whose equality is decided by memcmp: it only spreads slots. */
#ifndef VW_HASH_H
#define VW_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t vw_hash_bytes(const void *s, size_t n)
{
    const uint8_t *p = s;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    memcpy(&w, p + i, n - i);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 29);
}

#endif
