/* load_memo.h -- a bounded memo for the loader: the result of parsing a
 * text column (opening hours, languages) kept by the exact bytes of the
 * text, so the many providers that share a text parse it once. Entries
 * are never evicted; past VW_MEMO_MAX entries or VW_MEMO_BYTES of keys and
 * values nothing more is kept (the caller parses as before). */
#ifndef VW_LOAD_MEMO_H
#define VW_LOAD_MEMO_H

#include <stddef.h>
#include <stdint.h>

#define VW_MEMO_MAX 32768
#define VW_MEMO_BYTES ((size_t)8 << 20)

typedef struct vw_memo {
    uint32_t *slots;         /* entry + 1; 0 = empty; VW_MEMO_MAX * 2 when made */
    struct vw_memo_ent *ent; /* VW_MEMO_MAX */
    unsigned char *pool;     /* keys and values, VW_MEMO_BYTES */
    size_t used;
    uint32_t n;
} vw_memo;

/* A zeroed vw_memo is empty; the first put allocates. */
void vw_memo_free(vw_memo *m);
/* The value kept for key[0..len) (*vlen its size), or NULL. */
const void *vw_memo_get(const vw_memo *m, const char *key, size_t len, size_t *vlen);
/* Keeps a copy of val[0..vlen) for the key; silently nothing when full or
 * out of memory (a memo only saves work). */
void vw_memo_put(vw_memo *m, const char *key, size_t len, const void *val, size_t vlen);

#endif
