/* utf8.h -- UTF-8 validation and repair, shared by the msgpack walker (every
 * str on the wire must be UTF-8), the CSV reader, and the error messages
 * (which quote user input and are cut to fixed buffers, so they may end in
 * the middle of a character or quote bytes that are not UTF-8 at all). */
#ifndef VW_UTF8_H
#define VW_UTF8_H

#include <stddef.h>

/* Offset of the first byte of s[0..n) that does not start a complete, valid
 * UTF-8 sequence, or n when all of it is valid. Invalid: overlongs, UTF-16
 * surrogates, code points above U+10FFFF, sequences cut off by the end, and
 * U+0000 (a NUL would silently cut strings short in C consumers). */
size_t vw_utf8_bad(const void *s, size_t n);

/* Makes the NUL-terminated s valid UTF-8 in place: a sequence cut off by the
 * end of s is dropped (s was truncated mid-character), every other invalid
 * byte becomes '?'. Never lengthens s; a NULL s is ignored. */
void vw_utf8_fix(char *s);

#endif
