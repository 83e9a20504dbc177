/* change.h -- one record-level change of the admin path (issue 15): create,
 * update or delete of one provider, network, membership or registration,
 * as the change files (docs/SCHEMA.md "Change files"), the `apply` op and
 * the change feed carry it. Plain data shared by the client (which reads a
 * change file and sends it), the ops (which decode the `apply` op) and the
 * store (which validates and applies it): no I/O here.
 *
 * Ownership: a vw_changes owns its changes and every string in them;
 * vw_changes_free releases all of it. */
#ifndef VW_CHANGE_H
#define VW_CHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "vw_err.h"

/* The order matches server/ops/authz.h (vw_rec_kind, vw_change_op). */
typedef enum { VW_CHG_PROVIDER, VW_CHG_NETWORK, VW_CHG_MEMBERSHIP, VW_CHG_REGISTRATION,
               VW_CHG_KIND_COUNT } vw_chg_kind;
typedef enum { VW_CHG_CREATE, VW_CHG_UPDATE, VW_CHG_DELETE, VW_CHG_OP_COUNT } vw_chg_op;

#define VW_CHG_MAX_BATCH 10000  /* changes in one apply */
#define VW_CHG_MAX_FIELDS 32    /* fields set by one change */
#define VW_CHG_NAME_MAX 32      /* bytes of a field name */
#define VW_CHG_VALUE_MAX 1024   /* bytes of one value or key part */
#define VW_CHG_MAX_KEY 3

typedef struct vw_change_field {
    char *name, *value; /* owned; value "" = empty (NULL in the database) */
} vw_change_field;

typedef struct vw_change {
    vw_chg_kind kind;
    vw_chg_op op;
    int nkey;                  /* vw_chg_key_count(kind) once complete */
    char *key[VW_CHG_MAX_KEY]; /* owned: id | provider,network | provider,expertise,registry */
    int64_t base_version;      /* the version the change was based on; 0: not given */
    int nfields;
    vw_change_field field[VW_CHG_MAX_FIELDS];
    long line;                 /* line of the change file (0: none) */
    /* Replaying a change feed: the version and time the record gets (0 / NULL:
     * computed). */
    int64_t as_version;
    char *as_at;               /* owned */
    int64_t new_version;       /* set by the store's apply */
} vw_change;

/* One row of the change log (server/store/changes.h: vw_store_changes,
 * vw_store_history). Strings are borrowed. */
typedef struct vw_change_row {
    int64_t seq, set_id;
    const char *at, *credential, *kind, *op, *record;
    int64_t version;
    const char *old_json, *new_json; /* NULL when absent */
} vw_change_row;

typedef struct vw_changes {
    vw_change *v;
    size_t n, cap;
} vw_changes;

void vw_changes_init(vw_changes *c);
void vw_changes_free(vw_changes *c); /* NULL ok; leaves it empty */
/* A new zeroed change at the end; NULL with err when VW_CHG_MAX_BATCH is reached. */
vw_change *vw_changes_add(vw_changes *c, vw_err *err);

const char *vw_chg_kind_name(vw_chg_kind k); /* "provider", ... */
const char *vw_chg_op_name(vw_chg_op o);     /* "create", ... */
int vw_chg_kind_parse(const char *s, size_t len); /* -1 unknown */
int vw_chg_op_parse(const char *s, size_t len);   /* -1 unknown */
int vw_chg_key_count(vw_chg_kind k);
/* The name of key part i ("id"; "provider_id", "network_id"; "provider_id",
 * "expertise", "registry"). */
const char *vw_chg_key_name(vw_chg_kind k, int i);

/* Adds one field (name and value copied; bounded). 0 / -1 with err
 * (bad_request: too many, too long, named twice). */
int vw_change_set(vw_change *ch, const char *name, size_t nlen, const char *val, size_t vlen,
                  vw_err *err);
/* Sets key part i (copied; bounded). 0 / -1 with err. */
int vw_change_set_key(vw_change *ch, int i, const char *val, size_t vlen, vw_err *err);
/* The record text of change_log.record: the id, or a JSON array of the key
 * parts. Writes at most cap bytes (NUL included); the length it needs. */
size_t vw_change_record(const vw_change *ch, char *out, size_t cap);
/* Fills ch->key from a record text (an id, or a JSON array of strings for
 * kinds with a compound key). 0 / -1 with err (bad_request). */
int vw_change_parse_record(vw_change *ch, const char *rec, size_t len, vw_err *err);
/* Checks that kind, op and key are complete and consistent. 0 / -1 (bad_request). */
int vw_change_check(const vw_change *ch, vw_err *err);

/* msgpack: one change as a map {"op","kind","id" (str, or array for a
 * compound key),"version"?,"set"?: {field: str|int|float|bool|nil},
 * "line"?: the line of the change file it came from, for messages}. */
void vw_change_pack(msgpack_packer *pk, const vw_change *ch);
/* Decodes one map into a new change of c. 0 / -1 with err (bad_request,
 * naming the change's index). */
int vw_change_unpack(const msgpack_object *o, size_t index, vw_changes *c, vw_err *err);

/* JSON string escaping into out (NUL-terminated, cut to cap); the length it needs. */
size_t vw_json_escape(const char *s, size_t len, char *out, size_t cap);

#endif
