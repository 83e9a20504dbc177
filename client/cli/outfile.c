/* outfile.c -- atomic output files (see outfile.h). */
#include "outfile.h"

#include <errno.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

FILE *vw_outfile_open(vw_outfile *o, const char *path)
{
    memset(o, 0, sizeof *o);
    if (path == NULL || strcmp(path, "-") == 0) {
        o->f = stdout;
        return o->f;
    }
    o->path = path;
    if ((size_t)snprintf(o->tmp, sizeof o->tmp, "%s.tmp.XXXXXX", path) >= sizeof o->tmp) {
        fprintf(stderr, "verwijs: %s: path too long\n", path);
        return NULL;
    }
    int fd = mkstemp(o->tmp);
    if (fd < 0 || (o->f = fdopen(fd, "w")) == NULL) {
        fprintf(stderr, "verwijs: cannot write %s: %s\n", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(o->tmp);
        }
        o->tmp[0] = '\0';
        return NULL;
    }
    return o->f;
}

int vw_outfile_close(vw_outfile *o, bool ok)
{
    if (o->f == NULL)
        return EXIT_FAIL;
    const char *name = o->path ? o->path : "stdout";
    bool good = ok && !ferror(o->f) && fflush(o->f) == 0;
    if (o->f == stdout) {
        o->f = NULL;
        if (ok && !good)
            fprintf(stderr, "verwijs: writing %s failed\n", name);
        return good ? EXIT_OK : EXIT_FAIL;
    }
    /* The file's own mode is 0600 from mkstemp: give it the usual 0666 & ~umask. */
    mode_t um = umask(0);
    umask(um);
    good = good && fchmod(fileno(o->f), 0666 & ~um) == 0 && fsync(fileno(o->f)) == 0;
    good = (fclose(o->f) == 0) && good;
    o->f = NULL;
    if (good && rename(o->tmp, o->path) != 0)
        good = false;
    if (!good) {
        if (ok)
            fprintf(stderr, "verwijs: writing %s failed: %s (left unchanged)\n", name,
                    strerror(errno));
        unlink(o->tmp);
    }
    return good ? EXIT_OK : EXIT_FAIL;
}
