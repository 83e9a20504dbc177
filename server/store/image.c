/* image.c -- snapshot image files (image.h): the header with the state of the
 * data and the body's SHA-256, reading and writing the body through the
 * engine's encoder and decoder (server/engine/snapshot_image.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "image.h"
#include "server/engine/snapshot_image.h"
#include "store_priv.h"

#define FILE_MAGIC "VWIMAGE\n"
#define FILE_FORMAT 1u
#define IO_CHUNK (8u << 20) /* bytes per read()/write(): hashed while in cache */

typedef struct file_head {
    char magic[8];
    uint32_t format, head_len;
    char token[40];
    int64_t schema_version, user_version;
    uint64_t body_len;
    unsigned char sha256[32];
} file_head;

struct vw_image_in {
    int fd;
    uint64_t left; /* body bytes not yet read */
    EVP_MD_CTX *md;
    unsigned char want[32];
};

const char *vw_image_outcome_name(vw_image_outcome o)
{
    static const char *const n[] = {"off", "used", "missing", "stale", "refused", "unkeyed"};
    return (unsigned)o < sizeof n / sizeof n[0] ? n[o] : "?";
}

static int io_err(vw_err *err, const char *what, const char *path)
{
    return vw_err_set(err, VW_E_UNAVAILABLE, "snapshot image %s: %s: %s", path, what,
                      strerror(errno));
}

/* ---- reading -------------------------------------------------------------- */

void vw_image_close(vw_image_in *in)
{
    if (!in)
        return;
    if (in->fd >= 0)
        close(in->fd);
    EVP_MD_CTX_free(in->md);
    free(in);
}

static int read_full(int fd, void *p, size_t n)
{
    char *at = p;
    while (n) {
        ssize_t k = read(fd, at, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        at += k;
        n -= (size_t)k;
    }
    return 0;
}

static int head_read(int fd, const char *path, file_head *h, vw_err *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return io_err(err, "stat", path);
    if (read_full(fd, h, sizeof *h) != 0 || memcmp(h->magic, FILE_MAGIC, 8) != 0 ||
        h->format != FILE_FORMAT || h->head_len != sizeof *h ||
        !memchr(h->token, 0, sizeof h->token))
        return vw_err_set(err, VW_E_INVALID, "snapshot image %s: not an image of this format",
                          path);
    if ((uint64_t)st.st_size < sizeof *h || h->body_len != (uint64_t)st.st_size - sizeof *h)
        return vw_err_set(err, VW_E_INVALID, "snapshot image %s: %lld bytes, the header says %llu",
                          path, (long long)st.st_size,
                          (unsigned long long)(sizeof *h + h->body_len));
    return 0;
}

int vw_image_open(const char *path, vw_image_in **out, vw_store_state *state,
                  uint64_t *body_len, vw_err *err)
{
    file_head h;
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return io_err(err, "open", path);
    }
    vw_image_in *in = calloc(1, sizeof *in);
    if (!in) {
        close(fd);
        return vw_err_set(err, VW_E_INTERNAL, "out of memory");
    }
    in->fd = fd;
    if (head_read(fd, path, &h, err) != 0)
        goto fail;
    in->md = EVP_MD_CTX_new();
    if (!in->md || EVP_DigestInit_ex(in->md, EVP_sha256(), NULL) != 1) {
        vw_err_set(err, VW_E_INTERNAL, "snapshot image: no SHA-256");
        goto fail;
    }
#ifdef POSIX_FADV_SEQUENTIAL
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    in->left = h.body_len;
    memcpy(in->want, h.sha256, sizeof in->want);
    memset(state, 0, sizeof *state);
    memcpy(state->token, h.token, sizeof state->token);
    state->schema_version = h.schema_version;
    state->user_version = h.user_version;
    *body_len = h.body_len;
    *out = in;
    return 1;
fail:
    vw_image_close(in);
    return -1;
}

/* vw_image_get: n bytes of the body, hashed as they come; (NULL, 0): the
 * end, where the hash must match the header's. */
static int image_get(void *ctx, void *p, size_t n)
{
    vw_image_in *in = ctx;
    if (!p) {
        unsigned char got[32];
        unsigned len = 0;
        return in->left == 0 && EVP_DigestFinal_ex(in->md, got, &len) == 1 && len == 32 &&
                       memcmp(got, in->want, 32) == 0
                   ? 0
                   : -1;
    }
    if (n > in->left)
        return -1;
    for (char *at = p; n;) {
        size_t k = n < IO_CHUNK ? n : IO_CHUNK;
        if (read_full(in->fd, at, k) != 0 || EVP_DigestUpdate(in->md, at, k) != 1)
            return -1;
        in->left -= k;
        at += k;
        n -= k;
    }
    return 0;
}

vw_snapshot *vw_image_finish(vw_image_in *in, vw_snapbuild *b, uint64_t body_len, vw_err *err)
{
    return vw_snapbuild_finish_image(b, body_len, image_get, in, err);
}

/* ---- writing -------------------------------------------------------------- */

typedef struct writer {
    int fd;
    char *buf;
    size_t used;
    uint64_t total;
    EVP_MD_CTX *md;
    const atomic_bool *stop;
} writer;

static int flush(writer *w)
{
    for (size_t off = 0; off < w->used;) {
        ssize_t k = write(w->fd, w->buf + off, w->used - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        off += (size_t)k;
    }
    w->used = 0;
    return 0;
}

static int image_put(void *ctx, const void *p, size_t n)
{
    writer *w = ctx;
    if (w->stop && atomic_load(w->stop))
        return -1;
    if (EVP_DigestUpdate(w->md, p, n) != 1)
        return -1;
    w->total += n;
    for (const char *at = p; n;) {
        size_t k = IO_CHUNK - w->used < n ? IO_CHUNK - w->used : n;
        memcpy(w->buf + w->used, at, k);
        w->used += k;
        at += k;
        n -= k;
        if (w->used == IO_CHUNK && flush(w) != 0)
            return -1;
    }
    return 0;
}

int vw_store_image_write(const vw_snapshot *s, const vw_store_state *state, const char *path,
                         const atomic_bool *stop, vw_err *err)
{
    char tmp[4200];
    file_head h;
    writer w = {.fd = -1, .stop = stop};
    int rc = -1;
    if (!state->token[0])
        return vw_err_set(err, VW_E_UNAVAILABLE, "the database has no state token: no image");
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return vw_err_set(err, VW_E_BAD_REQUEST, "snapshot image path too long");
    memset(&h, 0, sizeof h);
    memcpy(h.magic, FILE_MAGIC, sizeof h.magic);
    h.format = FILE_FORMAT;
    h.head_len = sizeof h;
    memcpy(h.token, state->token, sizeof h.token);
    h.token[sizeof h.token - 1] = '\0';
    h.schema_version = state->schema_version;
    h.user_version = state->user_version;
    h.body_len = vw_snapshot_image_size(s);
    w.buf = malloc(IO_CHUNK);
    w.md = EVP_MD_CTX_new();
    if (!w.buf || !w.md || EVP_DigestInit_ex(w.md, EVP_sha256(), NULL) != 1) {
        vw_err_set(err, VW_E_INTERNAL, "out of memory writing the snapshot image");
        goto out;
    }
    /* One temporary name, locked while written: a writer killed midway
     * leaves at most that file (the next one reuses it), and two daemons
     * sharing the image do not write it at once. The lock is on the open
     * file: after taking it, the name must still be that file (not one a
     * finished writer just renamed into place). */
    w.fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (w.fd < 0) {
        io_err(err, "create", tmp);
        goto out_renamed;
    }
    struct stat a, b;
    if (flock(w.fd, LOCK_EX | LOCK_NB) != 0 || fstat(w.fd, &a) != 0 || stat(tmp, &b) != 0 ||
        a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
        vw_err_set(err, VW_E_UNAVAILABLE, "snapshot image %s: another process is writing it",
                   path);
        close(w.fd);
        w.fd = -1;
        goto out_renamed;
    }
    if (ftruncate(w.fd, 0) != 0) {
        io_err(err, "truncate", tmp);
        goto out;
    }
    w.used = sizeof h; /* the header is written last, with the hash */
    memset(w.buf, 0, sizeof h);
    if (vw_snapshot_image_encode(s, image_put, &w, err) != 0) {
        if (stop && atomic_load(stop))
            vw_err_set(err, VW_E_UNAVAILABLE, "snapshot image: stopped");
        goto out;
    }
    unsigned len = 0;
    if (w.total != h.body_len || EVP_DigestFinal_ex(w.md, h.sha256, &len) != 1 || len != 32) {
        vw_err_set(err, VW_E_INTERNAL, "snapshot image: %llu bytes written, %llu expected",
                   (unsigned long long)w.total, (unsigned long long)h.body_len);
        goto out;
    }
    if (flush(&w) != 0 || pwrite(w.fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
        io_err(err, "write", tmp);
        goto out;
    }
    if (stop && atomic_load(stop)) { /* shutting down: not 184 MB of fsync first */
        vw_err_set(err, VW_E_UNAVAILABLE, "snapshot image: stopped");
        goto out;
    }
    if (fsync(w.fd) != 0) {
        io_err(err, "fsync", tmp);
        goto out;
    }
    if (rename(tmp, path) != 0) { /* still locked: see above */
        io_err(err, "rename", path);
        goto out;
    }
    char dir[sizeof tmp];
    snprintf(dir, sizeof dir, "%s", path);
    rc = close(w.fd) == 0 && vw_store_fsync_path(dirname(dir), O_RDONLY | O_DIRECTORY) == 0
             ? 0
             : io_err(err, "fsync of the directory", path);
    w.fd = -1;
    goto out_renamed;
out:
    if (w.fd >= 0) {
        unlink(tmp); /* ours: locked */
        close(w.fd);
    }
out_renamed:
    EVP_MD_CTX_free(w.md);
    free(w.buf);
    return rc;
}
