/* frame.c -- implements frame.h: the 4-byte big-endian length prefix of
 * PROTOCOL.md "Framing". Pure functions, no I/O. */
#include "frame.h"

vw_frame_status vw_frame_parse(const uint8_t *buf, size_t len, uint32_t max_body,
                               uint32_t *body_len)
{
    if (buf == NULL || len < VW_FRAME_HEADER)
        return VW_FRAME_NEED_MORE;
    uint32_t n = ((uint32_t)buf[0] << 24) | ((uint32_t)buf[1] << 16) |
                 ((uint32_t)buf[2] << 8) | (uint32_t)buf[3];
    if (body_len)
        *body_len = n;
    if (n == 0)
        return VW_FRAME_EMPTY;
    /* decided from the header alone: an oversized body is never buffered */
    if (n > max_body)
        return VW_FRAME_TOO_LARGE;
    if (len - VW_FRAME_HEADER < n)
        return VW_FRAME_NEED_MORE;
    return VW_FRAME_OK;
}

void vw_frame_put_header(uint8_t out[4], uint32_t body_len)
{
    out[0] = (uint8_t)(body_len >> 24);
    out[1] = (uint8_t)(body_len >> 16);
    out[2] = (uint8_t)(body_len >> 8);
    out[3] = (uint8_t)body_len;
}
