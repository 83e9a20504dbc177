/* snapshot_image.h -- a snapshot as a stream of bytes and back (issue 18:
 * a million providers start in well under a second).
 *
 * What a full build computes from the database -- the providers with their
 * packed text, side table, opening hours, language lists, networks,
 * memberships, registrations and tags -- is written once as an image and
 * read back instead of being checked, parsed, interned, sorted and linked
 * again. What is cheap or depends on the geography is rebuilt as a full
 * build does it, from the builder the caller fills as for a full build (PC4
 * table, places, region polygons, travel-time rows): the spatial index, the
 * network -> provider lists, the regions of providers and networks, the PC4
 * cells and the travel-time tables. So an image holds no GEOS geometry and no
 * index, and what is rebuilt is exactly what a full build gives.
 *
 * The engine does no I/O: bytes go out through `put` and come in through
 * `get` (server/store/image.c gives them a file, a key and a checksum).
 * Pointers are written as offsets into the image's string area, so an image
 * is position independent; it is specific to this build's struct layout
 * (vw_snapshot_image_layout, checked on reading).
 *
 * Reading trusts nothing: every count is checked against the body length
 * before anything is allocated, and every offset, index, string, packed text
 * run, tag bit and enum value is checked before it is used, so a damaged or
 * hostile image is refused ("invalid", with what and where) and never read
 * out of bounds (tests/fuzz/fuzz_image.c). Content that is well formed but
 * altered is the checksum's job (the store's file layer). */
#ifndef VW_SNAPSHOT_IMAGE_H
#define VW_SNAPSHOT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/* put: writes n bytes; 0, or -1 (the writer's error; encoding stops).
 * get: reads exactly n bytes into p; 0, or -1 (short or failed). get(ctx,
 * NULL, 0) is called once after the last byte: 0 when the bytes were
 * intact (the store compares its checksum there), -1 to refuse them. */
typedef int (*vw_image_put)(void *ctx, const void *p, size_t n);
typedef int (*vw_image_get)(void *ctx, void *p, size_t n);

/* A number that changes when any struct the image holds changes its size
 * or layout, the image format its version, or the sources that decide what
 * a load puts into a snapshot (server/engine/CMakeLists.txt VW_IMAGE_BUILD):
 * an image is read only by the build that wrote it. */
uint64_t vw_snapshot_image_layout(void);

/* The bytes vw_snapshot_image_encode(s) writes. */
uint64_t vw_snapshot_image_size(const vw_snapshot *s);

/* Writes s (a full build: refused, "unavailable", for a patched snapshot,
 * whose strings live in several arenas). Reads s only; s stays usable by
 * other threads meanwhile. Needs a transient copy of the string area. 0 or
 * -1 (err). */
int vw_snapshot_image_encode(const vw_snapshot *s, vw_image_put put, void *ctx, vw_err *err);

/* Completes `b` -- filled as for vw_snapbuild_finish with the PC4 table,
 * places, region polygons, CBS population and travel-time rows, but no
 * providers, networks or registrations -- with the image of body_len bytes
 * that `get` reads. The image's change-log position and `updated` replace
 * b's. Always consumes b. NULL on failure: "invalid" for an image that is
 * not well formed (or whose checksum failed), else the builder's errors. */
vw_snapshot *vw_snapbuild_finish_image(vw_snapbuild *b, uint64_t body_len, vw_image_get get,
                                       void *ctx, vw_err *err);

#endif
