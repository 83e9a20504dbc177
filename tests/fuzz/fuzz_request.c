/* fuzz_request.c -- libFuzzer target for the request decode path of proto/:
 * the input is a byte stream of frames, each run through vw_frame_parse,
 * vw_msg_check, vw_msg_unpack, vw_request_parse and every argument accessor
 * the match op uses, exactly as the server would. The whole input is also fed
 * to vw_msg_check directly so the walker is reached without a valid header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/frame.h"
#include "proto/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small so the fuzzer reaches the too-large path. */
#define FUZZ_MAX_FRAME 4096u

static void exercise_args(const msgpack_object *args)
{
    static const char *const known[] = {"near", "discipline", "within", "limit",
                                        "expertise", "accepting_only", NULL};
    vw_err err;
    bool present, b;
    const char *s;
    size_t len, n;
    const char *strs[16];
    size_t lens[16];
    double d;
    uint64_t u;

    (void)vw_args_only(args, known, &err);
    (void)vw_arg(args, "near");
    (void)vw_arg_str(args, "near", &s, &len, &present, &err);
    (void)vw_arg_str_list(args, "discipline", strs, lens, 15, &n, &err);
    (void)vw_arg_str_list(args, "expertise", strs, lens, 16, &n, &err);
    (void)vw_arg_double(args, "within", 0, 600, &d, &present, &err);
    (void)vw_arg_double(args, "near", -90, 90, &d, &present, &err);
    (void)vw_arg_uint(args, "limit", 1, 100, &u, &present, &err);
    (void)vw_arg_bool(args, "accepting_only", &b, &present, &err);

    /* a [lat, lon] location, as the ops layer reads it */
    const msgpack_object *near = vw_arg(args, "near");
    if (near && near->type == MSGPACK_OBJECT_ARRAY && near->via.array.size == 2) {
        msgpack_object_kv kv[2];
        msgpack_object m;
        memset(kv, 0, sizeof kv);
        kv[0].key.type = kv[1].key.type = MSGPACK_OBJECT_STR;
        kv[0].key.via.str.ptr = "lat";
        kv[0].key.via.str.size = 3;
        kv[1].key.via.str.ptr = "lon";
        kv[1].key.via.str.size = 3;
        kv[0].val = near->via.array.ptr[0];
        kv[1].val = near->via.array.ptr[1];
        m.type = MSGPACK_OBJECT_MAP;
        m.via.map.size = 2;
        m.via.map.ptr = kv;
        (void)vw_arg_double(&m, "lat", 50.7, 53.7, &d, &present, &err);
        (void)vw_arg_double(&m, "lon", 3.3, 7.3, &d, &present, &err);
    }
}

/* One frame body through the whole decode path; the error (if any) is packed
 * as a response frame the way the server would. */
static void process_body(const uint8_t *body, size_t len, msgpack_zone *zone,
                         msgpack_sbuffer *out)
{
    vw_limits lim;
    vw_err err;
    msgpack_object root;
    vw_request req;
    vw_response resp;
    msgpack_packer pk;

    vw_limits_default(&lim);
    vw_err_clear(&err);
    memset(&req, 0, sizeof req);
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);

    if (vw_msg_check(body, len, &lim, &err) != 0)
        goto reply;
    if (vw_msg_unpack(body, len, zone, &root, &err) != 0) {
        /* the walker accepted it, so msgpack-c must too */
        abort();
    }
    (void)vw_response_parse(&root, &resp, &err);
    if (vw_request_parse(&root, &req, &err) != 0)
        goto reply;
    (void)vw_op_is(&req, "match");
    exercise_args(req.args);
    vw_err_clear(&err);
reply:;
    size_t start = vw_frame_begin(out);
    if (err.code[0] != '\0')
        vw_pack_error(&pk, req.id, err.code, err.message);
    else {
        vw_pack_ok_head(&pk, req.id);
        msgpack_pack_nil(&pk);
    }
    vw_frame_end(out, start);
    msgpack_zone_clear(zone);
    msgpack_sbuffer_clear(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    msgpack_zone zone;
    msgpack_sbuffer out;
    if (!msgpack_zone_init(&zone, 2048))
        return 0;
    msgpack_sbuffer_init(&out);

    /* the raw input as one body */
    process_body(data, size, &zone, &out);

    /* the input as a stream of frames */
    size_t pos = 0;
    while (pos < size) {
        uint32_t n = 0;
        vw_frame_status st = vw_frame_parse(data + pos, size - pos, FUZZ_MAX_FRAME, &n);
        if (st != VW_FRAME_OK)
            break; /* need more, too large or empty: the server stops reading here */
        process_body(data + pos + VW_FRAME_HEADER, n, &zone, &out);
        pos += VW_FRAME_HEADER + (size_t)n;
    }

    msgpack_sbuffer_destroy(&out);
    msgpack_zone_destroy(&zone);
    return 0;
}
