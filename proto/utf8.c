/* utf8.c -- implements utf8.h: one strict UTF-8 scanner (RFC 3629) and the
 * in-place repair of messages built from user input. */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

/* Length of the valid sequence at s[0..n), or 0 when it is invalid. Sets
 * *cut when s[0..n) is the valid beginning of a sequence that n ends. */
static size_t seq_len(const uint8_t *s, size_t n, int *cut)
{
    uint8_t c = s[0];
    size_t need;
    uint8_t lo = 0x80, hi = 0xbf; /* range of the second byte */
    *cut = 0;
    if (c == 0x00)
        return 0;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        if (c == 0xe0)
            lo = 0xa0; /* overlong */
        else if (c == 0xed)
            hi = 0x9f; /* UTF-16 surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        if (c == 0xf0)
            lo = 0x90; /* overlong */
        else if (c == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else {
        return 0; /* continuation byte as lead, 0xc0/0xc1, 0xf5.. */
    }
    for (size_t k = 1; k <= need; k++) {
        if (k >= n) {
            *cut = 1; /* every byte so far fitted; the end came first */
            return 0;
        }
        uint8_t l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xbf;
        if (s[k] < l || s[k] > h)
            return 0;
    }
    return need + 1;
}

/* Eight bytes that are all ASCII and none NUL (the common case, taken
 * eight at a time: the snapshot loader checks every text it reads). */
static int ascii8(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    return ((v | ((v - ones) & ~v)) & highs) == 0;
}

size_t vw_utf8_bad(const void *s, size_t n)
{
    const uint8_t *p = s;
    size_t i = 0;
    int cut;
    while (i < n) {
        if (n - i >= 8 && ascii8(p + i)) {
            i += 8;
            continue;
        }
        if (p[i] >= 0x01 && p[i] <= 0x7f) { /* one ASCII byte, no call */
            i++;
            continue;
        }
        size_t l = seq_len(p + i, n - i, &cut);
        if (l == 0)
            return i;
        i += l;
    }
    return n;
}

void vw_utf8_fix(char *s)
{
    if (s == NULL)
        return;
    uint8_t *p = (uint8_t *)s;
    size_t n = strlen(s), i = 0;
    int cut;
    while (i < n) {
        size_t l = seq_len(p + i, n - i, &cut);
        if (l > 0) {
            i += l;
        } else if (cut) {
            p[i] = '\0';
            return;
        } else {
            p[i++] = '?';
        }
    }
}
