/* fuzz_file.h -- fuzz targets whose code under test reads files: write the
 * input to a scratch file under /tmp. Header-only (each target is one
 * translation unit plus replay.c). */
#ifndef VW_FUZZ_FILE_H
#define VW_FUZZ_FILE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Writes data to path, creating "/tmp/fuzz_<tag>_XXXXXX" on the first call
 * (path[0] == '\0'); the caller unlinks it at exit. 0, or -1. */
static inline int vw_fuzz_write_file(char path[64], const char *tag, const void *data, size_t len)
{
    if (path[0] == '\0') {
        snprintf(path, 64, "/tmp/fuzz_%s_XXXXXX", tag);
        int fd = mkstemp(path);
        if (fd < 0) {
            path[0] = '\0';
            return -1;
        }
        close(fd);
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t n = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && n == len) ? 0 : -1;
}

#endif
