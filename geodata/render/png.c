/* png.c -- an SVG document rendered to PNG in-process with librsvg and cairo
 * (see png.h). The SVG is parsed from memory (bounded by the caller), its
 * intrinsic size taken in pixels and capped, drawn onto a white ARGB surface
 * and written as PNG through a stream callback, so the caller chooses where
 * the bytes go (a file, a memory buffer for an HTTP answer). */
#include "png.h"

#include <cairo.h>
#include <librsvg/rsvg.h>
#include <math.h>
#include <stdio.h>

#define VW_PNG_MAX_SIDE 8192.0 /* pixels; a map is 900 wide */

static cairo_status_t write_file(void *closure, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, closure) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

int vw_render_png(const char *svg, size_t len, FILE *out, vw_err *err)
{
    GError *gerr = NULL;
    cairo_surface_t *surface = NULL;
    cairo_t *cr = NULL;
    int rc = -1;
    RsvgHandle *h = rsvg_handle_new_from_data((const guint8 *)svg, len, &gerr);
    if (h == NULL) {
        vw_err_set(err, VW_E_INVALID, "the map is not valid SVG: %s",
                   gerr ? gerr->message : "unknown error");
        goto out;
    }
    rsvg_handle_set_dpi(h, 96.0);
    gdouble w = 0, hgt = 0;
    if (!rsvg_handle_get_intrinsic_size_in_pixels(h, &w, &hgt) || !(w >= 1 && hgt >= 1) ||
        w > VW_PNG_MAX_SIDE || hgt > VW_PNG_MAX_SIDE) {
        vw_err_set(err, VW_E_INVALID, "the map has no usable size in pixels (at most %.0f a side)",
                   VW_PNG_MAX_SIDE);
        goto out;
    }
    surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)ceil(w), (int)ceil(hgt));
    cr = cairo_create(surface);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        vw_err_set(err, VW_E_INTERNAL, "cannot allocate a %.0f x %.0f image", w, hgt);
        goto out;
    }
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    RsvgRectangle viewport = {0, 0, w, hgt};
    if (!rsvg_handle_render_document(h, cr, &viewport, &gerr)) {
        vw_err_set(err, VW_E_INVALID, "rendering the map failed: %s",
                   gerr ? gerr->message : "unknown error");
        goto out;
    }
    cairo_surface_flush(surface);
    if (cairo_surface_write_to_png_stream(surface, write_file, out) != CAIRO_STATUS_SUCCESS) {
        vw_err_set(err, VW_E_IO, "writing the PNG failed");
        goto out;
    }
    rc = 0;
out:
    if (gerr)
        g_error_free(gerr);
    if (cr)
        cairo_destroy(cr);
    if (surface)
        cairo_surface_destroy(surface);
    if (h)
        g_object_unref(h);
    return rc;
}
