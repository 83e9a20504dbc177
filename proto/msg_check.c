/* msg_check.c -- implements vw_msg_check() and vw_limits_default() of msg.h:
 * one bounded pass over raw msgpack bytes before anything is unpacked.
 *
 * Nothing a message declares is trusted: every length is compared with the
 * bytes actually left, and every pending array/map entry is counted as at
 * least one byte still to come, so a 10-byte body cannot announce 4 billion
 * entries. Nesting is tracked on a fixed explicit stack (no recursion). */
#include "msg.h"

#include <string.h>

#include "utf8.h"

/* msgpack-c's unpacker keeps at most MSGPACK_EMBED_STACK_SIZE (32) open
 * containers; a deeper message could pass here and still fail there, so the
 * configured max_depth is capped at the same value. */
#define VW_MSG_DEPTH_CAP 32u

void vw_limits_default(vw_limits *l)
{
    if (l == NULL)
        return;
    l->max_frame = VW_DEFAULT_MAX_FRAME;
    l->max_depth = VW_DEFAULT_MAX_DEPTH;
    l->max_elems = VW_DEFAULT_MAX_ELEMS;
    l->max_str = VW_DEFAULT_MAX_STR;
    l->max_total = VW_DEFAULT_MAX_TOTAL;
}

static uint64_t be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

int vw_msg_check(const uint8_t *buf, size_t len, const vw_limits *lim, vw_err *err)
{
    vw_limits def;
    if (lim == NULL) {
        vw_limits_default(&def);
        lim = &def;
    }
    if (buf == NULL && len > 0)
        return vw_err_set(err, VW_E_INTERNAL, "vw_msg_check: NULL buffer");
    uint32_t max_depth = lim->max_depth < VW_MSG_DEPTH_CAP ? lim->max_depth : VW_MSG_DEPTH_CAP;

    /* left[i]: entries still to read in the i-th open container (map: 2n) */
    uint64_t left[VW_MSG_DEPTH_CAP];
    uint32_t depth = 0;    /* open containers */
    uint64_t pending = 0;  /* sum of left[]; each needs at least one byte */
    uint64_t total = 0;
    size_t pos = 0;
    bool root_done = false;

    if (len == 0)
        return vw_err_set(err, VW_E_BAD_REQUEST, "empty message");

    while (!root_done) {
        size_t at = pos;
        if (pos >= len)
            return vw_err_set(err, VW_E_BAD_REQUEST,
                              "message truncated at byte %zu (%llu more objects expected)",
                              pos, (unsigned long long)pending);
        if (++total > lim->max_total)
            return vw_err_set(err, VW_E_TOO_LARGE,
                              "more than %u objects in one message (at byte %zu)",
                              lim->max_total, at);
        if (depth > 0) {
            left[depth - 1]--;
            pending--;
        }
        uint8_t b = buf[pos];
        size_t rest = len - pos - 1; /* bytes after the type byte */
        size_t hdr = 0;               /* length bytes after the type byte */
        uint64_t body = 0;            /* payload bytes after the header */
        uint64_t entries = 0;         /* children of an array/map */
        bool container = false, is_map = false, is_str = false, is_blob = false;

        if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
            /* fixint, negative fixint, nil, false, true */
        } else if (b >= 0x80 && b <= 0x8f) {
            container = is_map = true;
            entries = b & 0x0f;
        } else if (b >= 0x90 && b <= 0x9f) {
            container = true;
            entries = b & 0x0f;
        } else if (b >= 0xa0 && b <= 0xbf) {
            is_str = true;
            body = b & 0x1f;
        } else {
            switch (b) {
            case 0xc1:
                return vw_err_set(err, VW_E_BAD_REQUEST,
                                  "invalid msgpack type byte 0xc1 at byte %zu", at);
            case 0xc4: case 0xc5: case 0xc6: /* bin 8/16/32 */
                hdr = (size_t)1 << (b - 0xc4);
                is_blob = true;
                break;
            case 0xc7: case 0xc8: case 0xc9: /* ext 8/16/32: length, then type */
                hdr = (size_t)1 << (b - 0xc7);
                is_blob = true;
                break;
            case 0xca: body = 4; break; /* float32 */
            case 0xcb: body = 8; break; /* float64 */
            case 0xcc: case 0xd0: body = 1; break;
            case 0xcd: case 0xd1: body = 2; break;
            case 0xce: case 0xd2: body = 4; break;
            case 0xcf: case 0xd3: body = 8; break;
            case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: /* fixext 1..16 */
                body = 1 + ((uint64_t)1 << (b - 0xd4));
                if (body - 1 > lim->max_str)
                    return vw_err_set(err, VW_E_TOO_LARGE,
                                      "ext of %llu bytes at byte %zu exceeds the limit of %u",
                                      (unsigned long long)(body - 1), at, lim->max_str);
                break;
            case 0xd9: case 0xda: case 0xdb: /* str 8/16/32 */
                hdr = (size_t)1 << (b - 0xd9);
                is_str = true;
                break;
            case 0xdc: case 0xdd: /* array 16/32 */
                hdr = (size_t)2 << (b - 0xdc);
                container = true;
                break;
            case 0xde: case 0xdf: /* map 16/32 */
                hdr = (size_t)2 << (b - 0xde);
                container = is_map = true;
                break;
            default:
                return vw_err_set(err, VW_E_INTERNAL, "unhandled type byte 0x%02x", b);
            }
        }

        if (at == 0 && !is_map)
            return vw_err_set(err, VW_E_BAD_REQUEST,
                              "the message must be a map (type byte 0x%02x at byte 0)", b);
        if (hdr > rest)
            return vw_err_set(err, VW_E_BAD_REQUEST,
                              "message truncated in the header of the object at byte %zu", at);
        if (hdr > 0) {
            uint64_t n = be(buf + pos + 1, hdr);
            if (container)
                entries = n;
            else
                body = n + (b >= 0xc7 && b <= 0xc9 ? 1 : 0); /* ext type byte */
            if ((is_str || is_blob) && n > lim->max_str)
                return vw_err_set(err, VW_E_TOO_LARGE,
                                  "%s of %llu bytes at byte %zu exceeds the limit of %u",
                                  is_str ? "string" : "bin/ext", (unsigned long long)n, at,
                                  lim->max_str);
        }
        if (is_str && body > lim->max_str) /* fixstr: only with max_str < 31 */
            return vw_err_set(err, VW_E_TOO_LARGE,
                              "string of %llu bytes at byte %zu exceeds the limit of %u",
                              (unsigned long long)body, at, lim->max_str);
        rest -= hdr;
        if (body > rest)
            return vw_err_set(err, VW_E_BAD_REQUEST,
                              "object at byte %zu declares %llu bytes but only %zu remain", at,
                              (unsigned long long)body, rest);
        pos += 1 + hdr;

        if (is_str) {
            size_t bad = vw_utf8_bad(buf + pos, (size_t)body);
            if (bad != (size_t)body)
                return vw_err_set(err, VW_E_BAD_REQUEST,
                                  "invalid UTF-8 in the string at byte %zu (byte %zu)", at,
                                  pos + bad);
        }
        pos += (size_t)body;

        if (container) {
            if (entries > lim->max_elems)
                return vw_err_set(err, VW_E_TOO_LARGE,
                                  "%s at byte %zu has %llu entries, the limit is %u",
                                  is_map ? "map" : "array", at, (unsigned long long)entries,
                                  lim->max_elems);
            uint64_t need = is_map ? 2 * entries : entries;
            if (need > 0) {
                if (depth + 1 > max_depth)
                    return vw_err_set(err, VW_E_TOO_LARGE,
                                      "nesting deeper than %u at byte %zu", max_depth, at);
                if (pending + need > len - pos)
                    return vw_err_set(err, VW_E_BAD_REQUEST,
                                      "%s at byte %zu declares %llu entries but only %zu "
                                      "bytes remain",
                                      is_map ? "map" : "array", at,
                                      (unsigned long long)entries, len - pos);
                left[depth++] = need;
                pending += need;
            } else if (depth + 1 > max_depth) {
                /* an empty container still counts as a level */
                return vw_err_set(err, VW_E_TOO_LARGE,
                                  "nesting deeper than %u at byte %zu", max_depth, at);
            }
        }
        while (depth > 0 && left[depth - 1] == 0)
            depth--;
        if (depth == 0)
            root_done = true;
    }
    if (pos != len)
        return vw_err_set(err, VW_E_BAD_REQUEST,
                          "%zu trailing bytes after the message at byte %zu", len - pos, pos);
    return 0;
}
