/* tls.c -- the TLS side of verwijsd's TLS listener: the server's
 * SSL_CTX from the configuration (certificate chain, key, TLS 1.2 minimum,
 * client-certificate verification when tls_client_ca is set) and a short
 * reason for a failed handshake. The bytes themselves go through libevent's
 * OpenSSL bufferevents in conn.c, through the same connection state
 * machine and limits as plain TCP. */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"

/* err = what + OpenSSL's first queued reason; the queue is cleared. */
static int tls_fail(vw_err *err, const char *what, const char *path)
{
    char reason[256] = "";
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, reason, sizeof reason);
    ERR_clear_error();
    return vw_err_set(err, VW_E_BAD_REQUEST, "%s %s: %s", what, path, reason[0] ? reason : "?");
}

SSL_CTX *vw_tls_server_ctx(const vw_config *cfg, vw_err *err)
{
    if (!cfg->tls_cert[0] || !cfg->tls_key[0]) {
        vw_err_set(err, VW_E_BAD_REQUEST, "tls_listen needs tls_cert and tls_key");
        return NULL;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        tls_fail(err, "cannot create a TLS context", "");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1) {
        tls_fail(err, "cannot load tls_cert", cfg->tls_cert);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        tls_fail(err, "cannot load tls_key (or it does not match tls_cert)", cfg->tls_key);
        goto fail;
    }
    if (cfg->tls_client_ca[0]) {
        /* Mutual TLS: a client without a certificate from this CA is refused
         * in the handshake. */
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cfg->tls_client_ca);
        if (names == NULL || SSL_CTX_load_verify_locations(ctx, cfg->tls_client_ca, NULL) != 1) {
            if (names)
                sk_X509_NAME_pop_free(names, X509_NAME_free);
            tls_fail(err, "cannot load tls_client_ca", cfg->tls_client_ca);
            goto fail;
        }
        SSL_CTX_set_client_CA_list(ctx, names);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
        SSL_CTX_set_verify_depth(ctx, 4);
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

void vw_tls_reason(unsigned long e, char *buf, size_t cap)
{
    if (e == 0) {
        snprintf(buf, cap, "connection closed or not TLS");
        return;
    }
    const char *r = ERR_reason_error_string(e);
    snprintf(buf, cap, "%s", r ? r : "unknown TLS error");
}
