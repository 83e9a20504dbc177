/* encoding.c -- sniffing a CSV file's encoding and delimiter, and the
 * Windows-1252 -> UTF-8 reading wrapper (see encoding.h). */
#define _GNU_SOURCE /* fopencookie */
#include "encoding.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

/* Windows-1252 leaves these five bytes undefined. */
static bool cp1252_defined(unsigned char c)
{
    return !(c == 0x81 || c == 0x8D || c == 0x8F || c == 0x90 || c == 0x9D);
}

/* Length of the valid UTF-8 sequence at s (< n bytes available), 0 when
 * invalid, -1 when cut off by the end of the sample. */
static int utf8_len(const unsigned char *s, size_t n)
{
    int len = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
              : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0)
        return 0;
    if ((size_t)len > n)
        return -1;
    return vw_utf8_valid((const char *)s, (size_t)len) ? len : 0;
}

void vw_csv_sniff(FILE *f, vw_csv_sniff_result *out)
{
    memset(out, 0, sizeof *out);
    long start = ftell(f);
    if (start < 0)
        return;
    unsigned char *buf = malloc(VW_SNIFF_BYTES);
    if (buf == NULL)
        return;
    size_t n = fread(buf, 1, VW_SNIFF_BYTES, f);
    bool seek_ok = fseek(f, start, SEEK_SET) == 0;
    if (!seek_ok || ferror(f)) {
        clearerr(f);
        free(buf);
        return;
    }
    out->sniffed = true;
    out->utf8 = true;
    bool all_cp1252 = true;
    long multibyte = 0; /* valid UTF-8 sequences of 2+ bytes */
    long line = 1;
    size_t i = (n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) ? 3 : 0;
    size_t first_eol = n;
    bool comma = false, semi = false;
    for (; i < n; i++) {
        unsigned char c = buf[i];
        if (c == '\n') {
            if (first_eol == n)
                first_eol = i;
            line++;
            continue;
        }
        if (first_eol == n) {
            comma |= c == ',';
            semi |= c == ';';
        }
        if (c < 0x80)
            continue;
        int len = utf8_len(buf + i, n - i);
        if (len > 0) {
            multibyte++;
            i += (size_t)len - 1;
            continue;
        }
        if (len < 0) /* a character cut by the end of the sample */
            break;
        if (out->utf8) {
            out->utf8 = false;
            out->bad_line = line;
            size_t from = i > 12 ? i - 12 : 0, to = i + 12 < n ? i + 12 : n, k = 0;
            for (size_t j = from; j < to && k + 3 < sizeof out->bad_sample; j++) {
                unsigned char b = buf[j];
                if (b == '\n' || b == '\r')
                    b = ' ';
                if (b < 0x80) {
                    out->bad_sample[k++] = (char)b;
                } else if (b >= 0xA0) { /* Latin-1 range: the same code point */
                    out->bad_sample[k++] = (char)(0xC0 | (b >> 6));
                    out->bad_sample[k++] = (char)(0x80 | (b & 0x3F));
                } else {
                    out->bad_sample[k++] = '?';
                }
            }
            out->bad_sample[k] = '\0';
        }
        all_cp1252 &= cp1252_defined(c);
    }
    /* A file with real UTF-8 characters and a few bad bytes is a UTF-8 file
     * with bad rows, not a Windows-1252 file. */
    out->looks_cp1252 = !out->utf8 && all_cp1252 && multibyte == 0;
    out->header_semicolon = semi && !comma;
    free(buf);
}

/* ---- the reading wrapper ---------------------------------------------------- */

struct vw_transcoder {
    FILE *in;
    iconv_t cd;
    char ibuf[16384];
    size_t ilen;
    long converted;
};

static ssize_t tc_read(void *cookie, char *out, size_t cap)
{
    vw_transcoder *t = cookie;
    for (;;) {
        if (t->ilen == 0) {
            t->ilen = fread(t->ibuf, 1, sizeof t->ibuf, t->in);
            if (t->ilen == 0)
                return ferror(t->in) ? -1 : 0;
        }
        char *ip = t->ibuf, *op = out;
        size_t il = t->ilen, ol = cap;
        size_t r = iconv(t->cd, &ip, &il, &op, &ol);
        for (char *p = t->ibuf; p < ip; p++)
            t->converted += (unsigned char)*p >= 0x80;
        memmove(t->ibuf, ip, il);
        t->ilen = il;
        size_t produced = cap - ol;
        if (produced > 0)
            return (ssize_t)produced;
        if (r == (size_t)-1 && errno != E2BIG)
            return -1; /* EILSEQ: a byte Windows-1252 does not define */
        if (r == (size_t)-1 && errno == E2BIG && cap < 4) {
            errno = EINVAL;
            return -1;
        }
    }
}

static int tc_close(void *cookie)
{
    vw_transcoder *t = cookie;
    iconv_close(t->cd);
    free(t);
    return 0;
}

FILE *vw_transcode_open(FILE *in, vw_transcoder **out)
{
    vw_transcoder *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->in = in;
    t->cd = iconv_open("UTF-8", "WINDOWS-1252");
    if (t->cd == (iconv_t)-1) {
        free(t);
        return NULL;
    }
    cookie_io_functions_t io = {.read = tc_read, .close = tc_close};
    FILE *f = fopencookie(t, "r", io);
    if (f == NULL) {
        iconv_close(t->cd);
        free(t);
        return NULL;
    }
    *out = t;
    return f;
}

long vw_transcode_converted(const vw_transcoder *t) { return t ? t->converted : 0; }
