/* test_creds.c -- server/daemon/creds.c: the credentials-file parser (good
 * lines, every kind of bad line with its line number, bounds) and secret
 * verification (right secret, wrong secret, unknown name, malformed auth,
 * the legacy token, cert= lookup). */
#include <stdio.h>
#include <string.h>

#include "server/daemon/creds.h"
#include "t.h"

static char h1[256], h2[256];

static vw_creds *parse(const char *text, vw_err *err)
{
    vw_creds *t = NULL;
    vw_creds_parse(text, strlen(text), "c.txt", &t, err);
    return t;
}

static void bad(const char *text, const char *want)
{
    vw_err err;
    vw_creds *t = parse(text, &err);
    CHECK(t == NULL);
    if (t == NULL && strstr(err.message, want) == NULL) {
        fprintf(stderr, "message '%s' lacks '%s'\n", err.message, want);
        CHECK(0);
    }
    vw_creds_free(t);
}

int main(void)
{
    vw_err err;
    CHECK(vw_creds_hash("s3cret", 6, 1000, h1, sizeof h1, &err) == 0);
    CHECK(vw_creds_hash("other", 5, 1000, h2, sizeof h2, &err) == 0);
    CHECK(strncmp(h1, "pbkdf2-sha256$1000$", 19) == 0);
    CHECK(vw_creds_hash("x", 1, 10, h2 + 0, 0, &err) != 0); /* iterations too low */
    CHECK(vw_creds_hash("other", 5, 1000, h2, sizeof h2, &err) == 0);

    char text[2048];
    snprintf(text, sizeof text,
             "# comment\n\n  # indented comment\n"
             "anna coordinator west %s\n"
             "cees certifier %s cert=%064d\r\n"
             "otto auditor %s",
             h1, h2, 7, h1);
    vw_creds *t = parse(text, &err);
    CHECK(t != NULL);
    CHECK(vw_creds_count(t) == 3);
    const vw_credential *c = vw_creds_authenticate(t, "anna:s3cret", 11);
    CHECK(c != NULL);
    if (c) {
        CHECK_STR(c->name, "anna");
        CHECK(c->role == VW_ROLE_COORDINATOR);
        CHECK_STR(c->region, "west");
    }
    CHECK(vw_creds_authenticate(t, "anna:s3creT", 11) == NULL);
    CHECK(vw_creds_authenticate(t, "anna:", 5) == NULL);
    CHECK(vw_creds_authenticate(t, "nobody:s3cret", 13) == NULL);
    CHECK(vw_creds_authenticate(t, ":s3cret", 7) == NULL);
    CHECK(vw_creds_authenticate(t, "anna", 4) == NULL);
    CHECK(vw_creds_authenticate(t, NULL, 0) == NULL);
    CHECK(vw_creds_authenticate(t, "anna:s3cret", 10) == NULL); /* length counts */
    c = vw_creds_authenticate(t, "cees:other", 10);
    CHECK(c && c->role == VW_ROLE_CERTIFIER && c->region[0] == '\0');
    char fp[65];
    snprintf(fp, sizeof fp, "%064d", 7);
    CHECK(vw_creds_by_cert(t, fp) == vw_creds_authenticate(t, "cees:other", 10));
    snprintf(fp, sizeof fp, "%064d", 8);
    CHECK(vw_creds_by_cert(t, fp) == NULL);
    CHECK(vw_creds_by_cert(t, "abc") == NULL);
    c = vw_creds_authenticate(t, "otto:s3cret", 11);
    CHECK(c && c->role == VW_ROLE_AUDITOR);
    vw_creds_free(t);

    /* the legacy token through vw_creds_load */
    static vw_config cfg;
    vw_config_defaults(&cfg);
    snprintf(cfg.admin_token, sizeof cfg.admin_token, "0123456789abcdef-token");
    CHECK(vw_creds_load(&cfg, &t, &err) == 0);
    c = vw_creds_authenticate(t, "0123456789abcdef-token", 22);
    CHECK(c && c->role == VW_ROLE_ADMIN);
    if (c)
        CHECK_STR(c->name, "admin");
    CHECK(vw_creds_authenticate(t, "0123456789abcdef-tokeN", 22) == NULL);
    vw_creds_free(t);
    snprintf(cfg.admin_token, sizeof cfg.admin_token, "short");
    CHECK(vw_creds_load(&cfg, &t, &err) != 0);

    /* bad lines, each with its line number */
    char b[2048];
    snprintf(b, sizeof b, "# x\nan/na admin %s\n", h1);
    bad(b, "c.txt:2: NAME");
    snprintf(b, sizeof b, "anna king %s\n", h1);
    bad(b, "c.txt:1: ROLE");
    snprintf(b, sizeof b, "anna coordinator %s\n", h1);
    bad(b, "c.txt:1: a coordinator needs a REGION");
    snprintf(b, sizeof b, "anna coordinator we/st %s\n", h1);
    bad(b, "REGION");
    snprintf(b, sizeof b, "anna coordinator atlantis %s\n", h1);
    bad(b, "REGION");
    bad("anna admin pbkdf2-sha256$10$AAAAAAAAAAA=$AAAA\n", "iteration");
    bad("anna admin pbkdf2-sha256$1000$!!!!$AAAA\n", "salt");
    bad("anna admin pbkdf2-sha256$1000$AAAAAAAAAAA=$AAAA\n", "32 bytes");
    bad("anna admin md5$1000$AAAAAAAAAAA=$AAAA\n", "pbkdf2-sha256");
    bad("anna admin\n", "too few");
    snprintf(b, sizeof b, "anna admin %s cert=ABC\n", h1);
    bad(b, "cert=");
    snprintf(b, sizeof b, "anna admin %s extra\n", h1);
    bad(b, "cert=");
    snprintf(b, sizeof b, "anna admin %s\nanna auditor %s\n", h1, h1);
    bad(b, "c.txt:2: duplicate NAME");
    char longname[200];
    memset(longname, 'a', 70);
    longname[70] = '\0';
    snprintf(b, sizeof b, "%s admin %s\n", longname, h1);
    bad(b, "NAME");
    char huge[1200];
    memset(huge, 'x', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    bad(huge, "c.txt:1: line longer");
    return T_DONE();
}
