/* image.h -- snapshot image files: a full load's snapshot kept on disk so the
 * next start reads it instead of the database's million rows (issue 18;
 * docs/OPERATIONS.md "Snapshot image").
 *
 * An image is tied to one state of the data: the database's state token
 * (meta 'state', replaced by every write transaction: vw_store_stamp),
 * schema version and schema cookie. It is used only when all three match
 * in the same read transaction that reads the PC4 table, places, regions and
 * travel times it is completed with, so an image is never taken for other
 * data. A database whose token is 'dirty' (written by another tool:
 * store.c's triggers), or that lacks one of those triggers, has no image. The file: a header (magic, format, the state, body length, SHA-256
 * of the body), then the body of server/engine/snapshot_image.h. Written to a
 * temporary name, fsync'd and renamed over the old one: a reader sees the old
 * image or the new one, never a torn one. */
#ifndef VW_STORE_IMAGE_H
#define VW_STORE_IMAGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "proto/vw_err.h"
#include "server/engine/snapshot.h"
#include "store.h"

/* The state of a database's data. */
typedef struct vw_store_state {
    char token[40];         /* meta 'state' (32 hex digits); "" = none */
    int64_t schema_version; /* PRAGMA schema_version: any schema change */
    int64_t user_version;   /* VW_SCHEMA_VERSION the file has */
} vw_store_state;

/* What became of the image on a load. */
typedef enum {
    VW_IMAGE_OFF,     /* no image path given */
    VW_IMAGE_USED,    /* the snapshot came from the image */
    VW_IMAGE_MISSING, /* no image file yet: loaded from the database */
    VW_IMAGE_STALE,   /* the image is of another state: loaded from the database */
    VW_IMAGE_BAD,     /* the image was refused (why): loaded from the database */
    VW_IMAGE_UNKEYED  /* the data has no state token ('dirty'): loaded from it, no image */
} vw_image_outcome;

typedef struct vw_store_image_use {
    vw_image_outcome outcome;
    char why[256];        /* VW_IMAGE_BAD: the reason */
    vw_store_state state; /* of the data loaded (write the image with it) */
} vw_store_image_use;

const char *vw_image_outcome_name(vw_image_outcome o); /* "used", "stale", ... */

/* Loads a snapshot as vw_store_load does, from the image at `image` when it
 * holds this state of the data (image NULL or "": never). A missing, stale
 * or refused image falls back to the database; *use says which happened and
 * the state loaded. NULL only when the database load fails (err). */
vw_snapshot *vw_store_load_imaged(vw_store *st, const char *image, vw_store_image_use *use,
                                  vw_err *err);

/* Writes s -- a full load of `state` -- as the image at `path` (atomic:
 * the temporary file PATH.tmp, locked while written (another writer of the
 * same image gives up: "unavailable"), fsync, rename, fsync of the
 * directory). Stops early,
 * leaving the old image, when *stop becomes true (NULL: never). 0 or -1
 * (err: "unavailable" for I/O, "cancelled"-style "unavailable" on stop). */
int vw_store_image_write(const vw_snapshot *s, const vw_store_state *state, const char *path,
                         const atomic_bool *stop, vw_err *err);

#endif
