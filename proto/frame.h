/* frame.h -- length-prefixed framing (PROTOCOL.md section "Framing").
 *
 * One frame is a 4-byte big-endian length N followed by N bytes holding one
 * msgpack map. Pure functions over byte buffers: no I/O, so they can be fuzzed. */
#ifndef VW_FRAME_H
#define VW_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define VW_FRAME_HEADER 4u

typedef enum {
    VW_FRAME_NEED_MORE = 0, /* fewer bytes than header + body so far */
    VW_FRAME_OK = 1,        /* *body_len set; the frame is complete in buf */
    VW_FRAME_TOO_LARGE = 2, /* declared N > max_body (or N == 0) */
    VW_FRAME_EMPTY = 3      /* declared N == 0 */
} vw_frame_status;

/* Inspect the start of `buf`. On VW_FRAME_OK, the body is buf[4 .. 4+*body_len).
 * On VW_FRAME_TOO_LARGE and VW_FRAME_EMPTY, *body_len holds the declared length
 * (when at least 4 bytes are present). */
vw_frame_status vw_frame_parse(const uint8_t *buf, size_t len, uint32_t max_body,
                               uint32_t *body_len);

void vw_frame_put_header(uint8_t out[4], uint32_t body_len);

#endif
