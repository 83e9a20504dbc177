/* fuzz_encoding.c -- fuzzes what a CSV file is before it is parsed: the
 * encoding/delimiter sniffer (server/csv/encoding.c) on a file, the
 * Windows-1252 -> UTF-8 reading wrapper, and the CSV reader with ';' and tab
 * delimiters on the converted stream. Invariants: every record the reader
 * returns from the converted stream is valid UTF-8 (the conversion never
 * yields bytes the reader then rejects as a whole-stream failure unless the
 * input holds a byte Windows-1252 leaves undefined), and the converted count
 * equals the input's bytes >= 0x80 once the whole stream was read. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/csv/csv.h"
#include "server/csv/encoding.h"

#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void cleanup(void) { unlink(path); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int registered;
    if (!registered) {
        atexit(cleanup);
        registered = 1;
    }
    if (size > 1 << 20 || vw_fuzz_write_file(path, "encoding", data, size) != 0)
        return 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    vw_csv_sniff_result sn;
    vw_csv_sniff(f, &sn);
    if (ftell(f) != 0) /* the sniffer puts the file back */
        abort();
    if (strlen(sn.bad_sample) >= sizeof sn.bad_sample ||
        !vw_utf8_valid(sn.bad_sample, strlen(sn.bad_sample)))
        abort();
    vw_transcoder *t = NULL;
    FILE *u = vw_transcode_open(f, &t);
    if (u == NULL) {
        fclose(f);
        return 0;
    }
    vw_csv *r = vw_csv_new(u, "fuzz");
    if (r != NULL) {
        vw_csv_set_delimiter(r, (size & 1) ? ';' : '\t');
        char **fl;
        size_t *l, n;
        long line;
        vw_err err;
        int rc;
        while ((rc = vw_csv_next(r, &fl, &l, &n, &line, &err)) != VW_CSV_EOF &&
               rc != VW_CSV_FATAL) {
            if (rc == VW_CSV_ROW)
                for (size_t i = 0; i < n; i++)
                    if (!vw_utf8_valid(fl[i], l[i]))
                        abort();
        }
        bool undefined = false;
        long high = 0;
        for (size_t i = 0; i < size; i++) {
            high += data[i] >= 0x80;
            undefined |= data[i] == 0x81 || data[i] == 0x8D || data[i] == 0x8F ||
                         data[i] == 0x90 || data[i] == 0x9D;
        }
        /* Read to the end without a read error: every high byte converted. */
        if (rc == VW_CSV_EOF && !undefined && vw_transcode_converted(t) != high)
            abort();
        vw_csv_free(r);
    }
    fclose(u);
    fclose(f);
    return 0;
}
