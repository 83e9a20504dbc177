/* json.h -- writes a msgpack object as JSON (for `verwijs ... --json`). */
#ifndef VW_JSON_H
#define VW_JSON_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdio.h>

/* Strings are escaped per RFC 8259; NaN/inf become null; bin becomes base64;
 * non-string map keys are written as strings. `pretty` indents by 2. */
void vw_json_write(FILE *f, const msgpack_object *o, bool pretty);

#endif
