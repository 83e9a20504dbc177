/* png.h -- vwrender: an SVG map rendered to PNG in-process (librsvg + cairo),
 * for `verwijs coverage --format png` and anything else that has the SVG.
 * Its own library so that only the programs that draw PNGs link librsvg. */
#ifndef VW_RENDER_PNG_H
#define VW_RENDER_PNG_H

#include <stddef.h>
#include <stdio.h>

#include "proto/vw_err.h"

/* Renders `len` bytes of SVG and writes the PNG to `out`. 0, or -1 with err
 * (invalid: not SVG or no usable size; io: writing failed; nomem). */
int vw_render_png(const char *svg, size_t len, FILE *out, vw_err *err);

#endif
