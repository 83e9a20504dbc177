/* creds.c -- the admin credential table: parsing admin_credentials_file,
 * PBKDF2-HMAC-SHA256 secrets compared with CRYPTO_memcmp, the legacy token,
 * TLS client certificate fingerprints. See creds.h for the file format.
 *
 * Timing: a NAME:SECRET whose name is unknown is verified against a dummy
 * hash with the default iteration count, so a wrong secret, a right one and
 * an unknown name cost the same PBKDF2 work (for credentials hashed with
 * the default count). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "creds.h"
#include "geodata/regions.h"
#include "server/ops/ops.h"

#define SALT_MAX 64
#define HASH_LEN 32
#define ITER_MIN 1000
#define ITER_MAX 10000000

typedef struct cred_entry {
    vw_credential cred;
    unsigned iter;
    unsigned char salt[SALT_MAX];
    size_t salt_len;
    unsigned char hash[HASH_LEN];
    char cert[65]; /* "" = none */
} cred_entry;

struct vw_creds {
    cred_entry *e; /* owned */
    size_t n;
    cred_entry dummy; /* for unknown names */
    char token[256];  /* legacy admin token, "" = none */
    vw_credential token_cred;
};

/* s is 1..max-1 characters of [A-Za-z0-9_-] and of `extra`. */
static bool charset_ok(const char *s, size_t max, const char *extra)
{
    size_t n = strlen(s);
    if (n == 0 || n >= max)
        return false;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || strchr(extra, *s)))
            return false;
    return true;
}

static bool name_ok(const char *s)
{
    return charset_ok(s, VW_CRED_NAME_MAX, ".");
}

/* A region code the daemon knows (geodata/regions.h: noord, ..., zuidoost). */
static bool region_ok(const char *s)
{
    return charset_ok(s, VW_CRED_REGION_MAX, "") && vw_region_index(s, strlen(s)) >= 0;
}

/* Standard base64 (with '=' padding) of s into out[cap]: bytes, or -1. */
static long b64_decode(const char *s, unsigned char *out, size_t cap)
{
    size_t n = strlen(s);
    if (n == 0 || n % 4 || n / 4 * 3 > cap + 2)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '/' ||
              (s[i] == '=' && i >= n - 2)))
            return -1;
    if (s[n - 2] == '=' && s[n - 1] != '=')
        return -1;
    unsigned char tmp[SALT_MAX + 8];
    if (n / 4 * 3 > sizeof tmp)
        return -1;
    int got = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n);
    if (got < 0)
        return -1;
    got -= (s[n - 1] == '=') + (s[n - 2] == '=');
    if (got <= 0 || (size_t)got > cap)
        return -1;
    memcpy(out, tmp, (size_t)got);
    return got;
}

/* HASH field into e; 0 or -1 with a reason. */
static int parse_hash(const char *h, cred_entry *e, const char **why)
{
    char buf[VW_CREDS_LINE_MAX];
    snprintf(buf, sizeof buf, "%s", h);
    const char *pre = "pbkdf2-sha256$";
    if (strncmp(buf, pre, strlen(pre)) != 0)
        return *why = "HASH must start with pbkdf2-sha256$", -1;
    char *p = buf + strlen(pre), *d1 = strchr(p, '$'), *d2 = d1 ? strchr(d1 + 1, '$') : NULL;
    if (d1 == NULL || d2 == NULL || strchr(d2 + 1, '$'))
        return *why = "HASH must be pbkdf2-sha256$ITER$SALT_B64$HASH_B64", -1;
    *d1 = *d2 = '\0';
    char *end;
    errno = 0;
    unsigned long it = strtoul(p, &end, 10);
    if (end == p || *end || errno || it < ITER_MIN || it > ITER_MAX || p[0] < '0' || p[0] > '9')
        return *why = "HASH iteration count must be 1000..10000000", -1;
    e->iter = (unsigned)it;
    long sl = b64_decode(d1 + 1, e->salt, SALT_MAX);
    if (sl < 8)
        return *why = "HASH salt must be base64 of 8..64 bytes", -1;
    e->salt_len = (size_t)sl;
    if (b64_decode(d2 + 1, e->hash, HASH_LEN) != HASH_LEN)
        return *why = "HASH value must be base64 of 32 bytes", -1;
    return 0;
}

static bool hex64_ok(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

/* One non-comment line (NUL-terminated, no newline) into e. */
static int parse_line(char *line, cred_entry *e, const char **why)
{
    char *f[6];
    int nf = 0;
    for (char *tok = strtok(line, " \t"); tok; tok = strtok(NULL, " \t")) {
        if (nf == 6)
            return *why = "too many fields (NAME ROLE [REGION] HASH [cert=HEX])", -1;
        f[nf++] = tok;
    }
    if (nf < 3)
        return *why = "too few fields (NAME ROLE [REGION] HASH [cert=HEX])", -1;
    memset(e, 0, sizeof *e);
    if (!name_ok(f[0]))
        return *why = "NAME must be 1..63 of [A-Za-z0-9._-]", -1;
    snprintf(e->cred.name, sizeof e->cred.name, "%s", f[0]);
    int role = vw_role_parse(f[1]);
    if (role < 0)
        return *why = "ROLE must be admin, coordinator, certifier or auditor", -1;
    e->cred.role = (vw_role)role;
    int i = 2;
    if (role == VW_ROLE_COORDINATOR) {
        if (strncmp(f[i], "pbkdf2", 6) == 0 || !region_ok(f[i]))
            return *why = "a coordinator needs a REGION code before the HASH (noord, oost, midden, "
                          "noordwest, west, zuidwest, zuidoost)", -1;
        snprintf(e->cred.region, sizeof e->cred.region, "%s", f[i]);
        i++;
    }
    if (i >= nf)
        return *why = "HASH missing", -1;
    if (parse_hash(f[i++], e, why) != 0)
        return -1;
    if (i < nf) {
        if (strncmp(f[i], "cert=", 5) != 0 || !hex64_ok(f[i] + 5))
            return *why = "cert= must be 64 lowercase hex digits (SHA-256 of the DER)", -1;
        snprintf(e->cert, sizeof e->cert, "%s", f[i] + 5);
        i++;
    }
    if (i < nf)
        return *why = "unexpected field after HASH / cert=", -1;
    return 0;
}

static vw_creds *creds_new(void)
{
    vw_creds *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->dummy.iter = VW_CREDS_ITER_DEFAULT;
    t->dummy.salt_len = 16;
    RAND_bytes(t->dummy.salt, 16);
    RAND_bytes(t->dummy.hash, HASH_LEN);
    snprintf(t->token_cred.name, sizeof t->token_cred.name, "admin");
    t->token_cred.role = VW_ROLE_ADMIN;
    return t;
}

int vw_creds_parse(const char *text, size_t len, const char *fname, vw_creds **out, vw_err *err)
{
    *out = NULL;
    vw_creds *t = creds_new();
    if (t == NULL)
        return vw_err_set(err, VW_E_INTERNAL, "out of memory");
    size_t pos = 0;
    long lineno = 0;
    while (pos < len) {
        lineno++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - (text + pos)) : len - pos;
        char line[VW_CREDS_LINE_MAX + 1];
        const char *why = NULL;
        if (ll > VW_CREDS_LINE_MAX) {
            why = "line longer than 1024 bytes";
        } else {
            memcpy(line, text + pos, ll);
            line[ll] = '\0';
            if (ll && line[ll - 1] == '\r')
                line[ll - 1] = '\0';
            if (memchr(text + pos, '\0', ll))
                why = "NUL byte in line";
        }
        pos += ll + (nl ? 1 : 0);
        if (why == NULL) {
            const char *s = line + strspn(line, " \t");
            if (*s == '\0' || *s == '#')
                continue;
            if (t->n == VW_CREDS_MAX) {
                why = "more than 1024 credentials";
            } else {
                cred_entry e;
                if (parse_line(line, &e, &why) == 0) {
                    for (size_t i = 0; i < t->n; i++)
                        if (strcmp(t->e[i].cred.name, e.cred.name) == 0)
                            why = "duplicate NAME";
                    if (why == NULL) {
                        cred_entry *ne = realloc(t->e, (t->n + 1) * sizeof *ne);
                        if (ne == NULL) {
                            vw_creds_free(t);
                            return vw_err_set(err, VW_E_INTERNAL, "out of memory");
                        }
                        t->e = ne;
                        t->e[t->n++] = e;
                    }
                }
            }
        }
        if (why) {
            vw_creds_free(t);
            return vw_err_set(err, VW_E_BAD_REQUEST, "%s:%ld: %s", fname, lineno, why);
        }
    }
    *out = t;
    return 0;
}

/* Reads admin_token / admin_token_file into out[cap] (trailing newline cut);
 * at least 16 characters. */
static int token_load(const vw_config *cfg, char *out, size_t cap, vw_err *err)
{
    if (cfg->admin_token[0] && cfg->admin_token_file[0])
        return vw_err_set(err, VW_E_BAD_REQUEST, "set admin_token or admin_token_file, not both");
    if (cfg->admin_token[0]) {
        snprintf(out, cap, "%s", cfg->admin_token);
    } else if (cfg->admin_token_file[0]) {
        FILE *f = fopen(cfg->admin_token_file, "r");
        if (f == NULL)
            return vw_err_set(err, VW_E_IO, "cannot read admin_token_file %s: %s",
                              cfg->admin_token_file, strerror(errno));
        if (fgets(out, (int)cap, f) == NULL)
            out[0] = '\0';
        fclose(f);
        out[strcspn(out, "\r\n")] = '\0';
    } else {
        out[0] = '\0';
    }
    if (strlen(out) < 16)
        return vw_err_set(err, VW_E_BAD_REQUEST,
                          "admin_listen needs admin_token or admin_token_file (at least 16 "
                          "characters)");
    return 0;
}

int vw_creds_load(const vw_config *cfg, vw_creds **out, vw_err *err)
{
    vw_creds *t = NULL;
    *out = NULL;
    if (cfg->admin_credentials_file[0]) {
        const char *fn = cfg->admin_credentials_file;
        FILE *f = fopen(fn, "r");
        if (f == NULL)
            return vw_err_set(err, VW_E_IO, "cannot read admin_credentials_file %s: %s", fn,
                              strerror(errno));
        struct stat st;
        if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
            fclose(f);
            return vw_err_set(err, VW_E_IO, "admin_credentials_file %s is not a regular file",
                              fn);
        }
        if (st.st_mode & 0007) {
            fclose(f);
            return vw_err_set(err, VW_E_BAD_REQUEST,
                              "admin_credentials_file %s is readable or writable by others "
                              "(mode %04o); chmod 0600 or 0640",
                              fn, (unsigned)(st.st_mode & 07777));
        }
        size_t cap = (size_t)VW_CREDS_MAX * (VW_CREDS_LINE_MAX + 1) * 2;
        if (st.st_size > (off_t)cap) {
            fclose(f);
            return vw_err_set(err, VW_E_TOO_LARGE, "admin_credentials_file %s is too large", fn);
        }
        char *buf = malloc((size_t)st.st_size + 1);
        size_t got = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
        fclose(f);
        if (buf == NULL)
            return vw_err_set(err, VW_E_INTERNAL, "out of memory");
        int rc = vw_creds_parse(buf, got, fn, &t, err);
        free(buf);
        if (rc != 0)
            return -1;
    } else if ((t = creds_new()) == NULL) {
        return vw_err_set(err, VW_E_INTERNAL, "out of memory");
    }
    if (cfg->admin_token[0] || cfg->admin_token_file[0]) {
        if (token_load(cfg, t->token, sizeof t->token, err) != 0) {
            vw_creds_free(t);
            return -1;
        }
    }
    *out = t;
    return 0;
}

void vw_creds_free(vw_creds *t)
{
    if (t == NULL)
        return;
    if (t->e)
        OPENSSL_cleanse(t->e, t->n * sizeof *t->e);
    free(t->e);
    OPENSSL_cleanse(t->token, sizeof t->token);
    free(t);
}

size_t vw_creds_count(const vw_creds *t)
{
    return t ? t->n : 0;
}

static bool verify(const cred_entry *e, const char *secret, size_t len)
{
    unsigned char got[HASH_LEN];
    if (PKCS5_PBKDF2_HMAC(secret, (int)len, e->salt, (int)e->salt_len, (int)e->iter,
                          EVP_sha256(), HASH_LEN, got) != 1)
        return false;
    bool ok = CRYPTO_memcmp(got, e->hash, HASH_LEN) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return ok;
}

const vw_credential *vw_creds_authenticate(const vw_creds *t, const char *auth, size_t len)
{
    if (t == NULL || auth == NULL || len == 0 || len > VW_CRED_NAME_MAX + VW_CREDS_SECRET_MAX)
        return NULL;
    if (t->token[0] && vw_ops_token_eq(auth, len, t->token, strlen(t->token)))
        return &t->token_cred;
    const char *colon = memchr(auth, ':', len);
    if (colon == NULL || colon == auth || (size_t)(colon - auth) >= VW_CRED_NAME_MAX)
        return NULL;
    size_t nlen = (size_t)(colon - auth);
    const cred_entry *hit = NULL;
    for (size_t i = 0; i < t->n; i++)
        if (strlen(t->e[i].cred.name) == nlen && memcmp(t->e[i].cred.name, auth, nlen) == 0)
            hit = &t->e[i];
    const char *secret = colon + 1;
    size_t slen = len - nlen - 1;
    bool ok = verify(hit ? hit : &t->dummy, secret, slen);
    return hit && ok ? &hit->cred : NULL;
}

const vw_credential *vw_creds_by_cert(const vw_creds *t, const char *sha256_hex)
{
    if (t == NULL || sha256_hex == NULL || !hex64_ok(sha256_hex))
        return NULL;
    for (size_t i = 0; i < t->n; i++)
        if (t->e[i].cert[0] && strcmp(t->e[i].cert, sha256_hex) == 0)
            return &t->e[i].cred;
    return NULL;
}

int vw_creds_hash(const char *secret, size_t len, unsigned iter, char *out, size_t cap,
                  vw_err *err)
{
    unsigned char salt[16], h[HASH_LEN];
    char s64[32], h64[64];
    if (iter < ITER_MIN || iter > ITER_MAX)
        return vw_err_set(err, VW_E_BAD_REQUEST, "iterations must be 1000..10000000");
    if (RAND_bytes(salt, sizeof salt) != 1 ||
        PKCS5_PBKDF2_HMAC(secret, (int)len, salt, sizeof salt, (int)iter, EVP_sha256(),
                          HASH_LEN, h) != 1)
        return vw_err_set(err, VW_E_INTERNAL, "PBKDF2 failed");
    EVP_EncodeBlock((unsigned char *)s64, salt, sizeof salt);
    EVP_EncodeBlock((unsigned char *)h64, h, HASH_LEN);
    OPENSSL_cleanse(h, sizeof h);
    if ((size_t)snprintf(out, cap, "pbkdf2-sha256$%u$%s$%s", iter, s64, h64) >= cap)
        return vw_err_set(err, VW_E_INTERNAL, "hash buffer too small");
    return 0;
}
