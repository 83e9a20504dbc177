/* outfile.h -- an output file written atomically: the bytes go to a
 * temporary file beside the target (same directory, so rename(2) is atomic),
 * which replaces the target only when everything was written and flushed to
 * disk; on any failure the target keeps its old content and the temporary is
 * removed. "-" or NULL is stdout. Used for maps, GeoJSON, CSV and exports. */
#ifndef VW_CLI_OUTFILE_H
#define VW_CLI_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

typedef struct vw_outfile {
    FILE *f;             /* write here */
    const char *path;    /* target; NULL for stdout */
    char tmp[4096];      /* the temporary file ("" for stdout) */
} vw_outfile;

/* Opens the temporary file (or stdout). NULL with a message on stderr. */
FILE *vw_outfile_open(vw_outfile *o, const char *path);
/* Finishes: when `ok` and every write succeeded, fsyncs and renames the
 * temporary over the target; otherwise removes it. EXIT_OK or EXIT_FAIL
 * (with a message on stderr). */
int vw_outfile_close(vw_outfile *o, bool ok);

#endif
