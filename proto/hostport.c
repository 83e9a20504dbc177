/* hostport.c -- implements hostport.h: cut "HOST:PORT" / "[v6]:PORT". */
#include "hostport.h"

#include <string.h>

#include "vw_err.h"

static int port_ok(const char *p)
{
    size_t n = strlen(p);
    unsigned long v = 0;
    if (n == 0 || n > 5)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        v = v * 10 + (unsigned long)(p[i] - '0');
    }
    return v <= 65535;
}

int vw_hostport_split(const char *hp, char *host, size_t hcap, char *port, size_t pcap,
                      vw_err *err)
{
    const char *h, *p;
    size_t hl;
    if (hp == NULL)
        return vw_err_set(err, VW_E_BAD_REQUEST, "no address (HOST:PORT expected)");
    if (hp[0] == '[') { /* [IPv6]:PORT */
        const char *close = strchr(hp, ']');
        if (close == NULL || close[1] != ':')
            return vw_err_set(err, VW_E_BAD_REQUEST, "'%.80s': an IPv6 address is written "
                              "[ADDR]:PORT", hp);
        h = hp + 1;
        hl = (size_t)(close - h);
        p = close + 2;
    } else {
        const char *colon = strchr(hp, ':');
        if (colon == NULL)
            return vw_err_set(err, VW_E_BAD_REQUEST, "'%.80s' is not HOST:PORT", hp);
        if (strchr(colon + 1, ':') != NULL)
            return vw_err_set(err, VW_E_BAD_REQUEST, "'%.80s': write an IPv6 address in "
                              "brackets, [ADDR]:PORT", hp);
        h = hp;
        hl = (size_t)(colon - hp);
        p = colon + 1;
    }
    if (hl == 0 || memchr(h, ']', hl) != NULL || memchr(h, '[', hl) != NULL)
        return vw_err_set(err, VW_E_BAD_REQUEST, "'%.80s': no host before the port", hp);
    if (!port_ok(p))
        return vw_err_set(err, VW_E_BAD_REQUEST, "'%.80s': the port must be a number 0..65535",
                          hp);
    if (hl >= hcap || strlen(p) >= pcap)
        return vw_err_set(err, VW_E_BAD_REQUEST, "'%.80s': host name too long", hp);
    memcpy(host, h, hl);
    host[hl] = '\0';
    memcpy(port, p, strlen(p) + 1);
    return 0;
}
