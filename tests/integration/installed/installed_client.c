/* installed_client.c -- a program built against the INSTALLED libverwijs
 * (test_install.sh compiles it with `pkg-config --cflags --libs verwijs` only,
 * never with the source tree on the include path).
 *
 * usage: installed_client HOST:PORT PC4
 * Sends a ping and a match near PC4; prints "pong" and "match N providers",
 * exits 0 when both answered ok, 1 otherwise. */
#include <stdio.h>
#include <string.h>
#include <verwijs/verwijs.h>

static const msgpack_object *get(const msgpack_object *m, const char *k)
{
    if (m == NULL || m->type != MSGPACK_OBJECT_MAP)
        return NULL;
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        const msgpack_object *key = &m->via.map.ptr[i].key;
        if (key->type == MSGPACK_OBJECT_STR && key->via.str.size == strlen(k) &&
            memcmp(key->via.str.ptr, k, key->via.str.size) == 0)
            return &m->via.map.ptr[i].val;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: installed_client HOST:PORT PC4\n");
        return 2;
    }
    int rc = 1;
    vw_err err;
    vw_client_opts o;
    vw_client_opts_default(&o);
    vw_client *c = vw_client_connect_tcp(argv[1], &o, &err);
    vw_reply *r = NULL;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    if (c == NULL) {
        fprintf(stderr, "connect: %s: %s\n", err.code, err.message);
        goto done;
    }
    r = vw_client_call(c, "ping", NULL, 0, &err);
    const msgpack_object *pong = r ? get(vw_reply_result(r), "pong") : NULL;
    if (pong == NULL || pong->type != MSGPACK_OBJECT_BOOLEAN || !pong->via.boolean) {
        fprintf(stderr, "ping: %s: %s\n", err.code, err.message);
        goto done;
    }
    printf("pong\n");
    vw_reply_free(r);

    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    vw_pack_kv_str(&pk, "near", argv[2]);
    vw_pack_kv_int(&pk, "limit", 5);
    r = vw_client_call(c, "match", sb.data, sb.size, &err);
    const msgpack_object *provs = r ? get(vw_reply_result(r), "providers") : NULL;
    if (provs == NULL || provs->type != MSGPACK_OBJECT_ARRAY) {
        fprintf(stderr, "match: %s: %s\n", err.code, err.message);
        goto done;
    }
    printf("match %u providers\n", provs->via.array.size);
    rc = 0;
done:
    vw_reply_free(r);
    msgpack_sbuffer_destroy(&sb);
    vw_client_free(c);
    return rc;
}
