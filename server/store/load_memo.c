/* load_memo.c -- the loader's bounded parse memo (load_memo.h): open
 * addressing over vw_hash_bytes of the key bytes, keys and values copied
 * into one pool. */
#include "load_memo.h"

#include "proto/hash.h"

#include <stdlib.h>
#include <string.h>

struct vw_memo_ent {
    uint32_t hash;
    uint32_t klen, vlen;
    size_t at; /* key, then value, in pool */
};

#define SLOTS (VW_MEMO_MAX * 2) /* a power of two: at most half full */

static uint32_t hash(const char *s, size_t len) { return (uint32_t)vw_hash_bytes(s, len); }

void vw_memo_free(vw_memo *m)
{
    free(m->slots);
    free(m->ent);
    free(m->pool);
    memset(m, 0, sizeof *m);
}

const void *vw_memo_get(const vw_memo *m, const char *key, size_t len, size_t *vlen)
{
    if (!m->slots)
        return NULL;
    uint32_t h = hash(key, len);
    for (uint32_t i = h & (SLOTS - 1), e; (e = m->slots[i]) != 0; i = (i + 1) & (SLOTS - 1)) {
        const struct vw_memo_ent *x = &m->ent[e - 1];
        if (x->hash == h && x->klen == len && memcmp(m->pool + x->at, key, len) == 0) {
            *vlen = x->vlen;
            return m->pool + x->at + len;
        }
    }
    return NULL;
}

void vw_memo_put(vw_memo *m, const char *key, size_t len, const void *val, size_t vlen)
{
    if (m->n == VW_MEMO_MAX || len + vlen > VW_MEMO_BYTES - m->used)
        return;
    if (!m->slots) {
        m->slots = calloc(SLOTS, sizeof *m->slots);
        m->ent = malloc(VW_MEMO_MAX * sizeof *m->ent);
        m->pool = malloc(VW_MEMO_BYTES);
        if (!m->slots || !m->ent || !m->pool) {
            vw_memo_free(m);
            m->n = VW_MEMO_MAX; /* out of memory: keep nothing */
            return;
        }
    }
    uint32_t h = hash(key, len), i = h & (SLOTS - 1);
    while (m->slots[i])
        i = (i + 1) & (SLOTS - 1);
    struct vw_memo_ent *x = &m->ent[m->n];
    x->hash = h;
    x->klen = (uint32_t)len;
    x->vlen = (uint32_t)vlen;
    x->at = m->used;
    memcpy(m->pool + m->used, key, len);
    if (vlen)
        memcpy(m->pool + m->used + len, val, vlen);
    m->used += len + vlen;
    m->slots[i] = ++m->n;
}
