/* hostport.h -- the one splitter of "HOST:PORT" / "[IPv6]:PORT", for the
 * client library, the daemon's listen addresses and the benchmarks. No I/O,
 * no name resolution: it only cuts the text, so every caller resolves the
 * same host and port the same way (getaddrinfo with AI_NUMERICSERV). */
#ifndef VW_HOSTPORT_H
#define VW_HOSTPORT_H

#include <stddef.h>

#include "vw_err.h"

/* Splits `hp` into host (brackets of an IPv6 literal removed) and port,
 * NUL-terminated into host[hcap] and port[pcap]. Accepted: "name:P",
 * "1.2.3.4:P", "[::1]:P" with P a decimal 0..65535 (0: let the kernel
 * choose, for listeners). Refused (-1, err code bad_request, message saying
 * why): no colon, empty host or port, a bare IPv6 literal without brackets
 * ("::1:80" is ambiguous), unbalanced brackets, a non-numeric or too large
 * port, a host or port longer than its buffer. */
int vw_hostport_split(const char *hp, char *host, size_t hcap, char *port, size_t pcap,
                      vw_err *err);

#endif
