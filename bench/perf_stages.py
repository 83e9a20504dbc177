#!/usr/bin/env python3
"""perf_stages.py -- where verwijsd's request path spends its CPU, per stage.

Reads `perf script -F tid,ip,sym` output (a `perf record -g` of verwijsd,
built with frame pointers: bench/profile.sh) on stdin and puts every sample
in one stage by the frames of its call chain, checked in this order:

  engine   the search itself (vw_match, vw_refer, the index walk)
  encode   packing the answer (vw_opp_*, vw_pack_*, msgpack_pack*, sbuffer)
  decode   reading the request (msgpack_unpack*, vw_msg_*, vw_opa_*, args)
  op       the rest of an op (vw_op_*: checks, the answer's frame)
  write    sending (writev, evbuffer_write*, tcp_sendmsg)
  read     receiving (readv, evbuffer_read, tcp_recvmsg)
  dispatch the envelope and the op table (vw_ops_handle, conn_process)
  loop     waiting and the event loop (epoll_wait, event_base_loop)
  other    kernel work not under a syscall of ours (softirq, scheduler), libc

Prints a table: stage, samples, share."""
import re
import sys

STAGES = [
    ("engine", re.compile(r"^(vw_match|vw_refer|vw_index_|scan_cell|consider|vw_tt_|vw_net_near)")),
    ("encode", re.compile(r"^(vw_opp_|vw_pack_|msgpack_pack|msgpack_sbuffer|vw_hhmm_format|pack_)")),
    ("decode", re.compile(r"^(msgpack_unpack|msgpack_unpacker|msgpack_zone|vw_msg_|vw_opa_|vw_args_|vw_req_|template_)")),
    ("op", re.compile(r"^vw_op_")),
    ("write", re.compile(r"^(__GI___writev|writev|__writev|evbuffer_write|tcp_sendmsg|sock_write_iter|do_writev)")),
    ("read", re.compile(r"^(__GI___readv|readv|__libc_read|read|recv|evbuffer_read|tcp_recvmsg|sock_read_iter|do_readv)")),
    ("dispatch", re.compile(r"^(vw_ops_handle|conn_process|conn_answer|frame_)")),
    ("loop", re.compile(r"^(epoll_wait|__GI_epoll_wait|event_base_loop|epoll_dispatch|do_epoll_wait)")),
]


def classify(frames):
    for name, rx in STAGES:
        for f in frames:
            if rx.match(f):
                return name
    return "other"


def main():
    counts = {name: 0 for name, _ in STAGES}
    counts["other"] = 0
    frames, total = [], 0
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line.strip():
            if frames:
                counts[classify(frames)] += 1
                total += 1
            frames = []
            continue
        if line[0] in "\t ":
            parts = line.split(None, 1)
            if len(parts) == 2 and not parts[1].startswith("["):
                frames.append(parts[1].split("+")[0].strip())
    if frames:
        counts[classify(frames)] += 1
        total += 1
    print("| stage | samples | share |")
    print("|---|---|---|")
    for name in [n for n, _ in STAGES] + ["other"]:
        c = counts[name]
        print(f"| {name} | {c} | {100.0 * c / total if total else 0:.1f} % |")
    print(f"| total | {total} | |")


if __name__ == "__main__":
    main()
