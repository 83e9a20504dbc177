/* loadmem.c -- what a loaded snapshot holds (issue 18): loads a database
 * the way the daemon does (vw_store_load_path) and prints, per part of the
 * snapshot, its bytes and bytes per provider, then malloc's view (mallinfo2)
 * and the process RSS before and after. For bench/load1m.sh; reads the
 * snapshot's layout (snapshot_int.h), so it lives beside the engine.
 *
 *   loadmem DB [--repeat N]      (N loads one after another, the last kept)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "server/engine/snapshot_int.h"
#include "server/engine/traveltime_int.h"
#include "server/store/store.h"

static long status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, n) == 0 && line[n] == ':')
            v = atol(line + n + 1);
    if (f)
        fclose(f);
    return v;
}

static double mb(double bytes) { return bytes / 1048576.0; }

static void row(const char *what, double bytes, uint32_t n)
{
    printf("| %s | %.1f | %.1f |\n", what, mb(bytes), n ? bytes / n : 0.0);
}

static void malloc_line(const char *when)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 m = mallinfo2();
    printf("| %s | %.1f | %.1f | %.1f | %.1f | %.1f |\n", when, mb((double)m.arena),
           mb((double)m.hblkhd), mb((double)m.uordblks), mb((double)m.fordblks),
           mb((double)status_kb("VmRSS") * 1024));
#else
    printf("| %s | - | - | - | - | %.1f |\n", when, mb((double)status_kb("VmRSS") * 1024));
#endif
}

int main(int argc, char **argv)
{
    int repeat = 1;
    if (argc < 2 || (argc == 4 && strcmp(argv[2], "--repeat") == 0 ? (repeat = atoi(argv[3])) < 1
                                                                  : argc != 2)) {
        fprintf(stderr, "usage: loadmem DB [--repeat N]\n");
        return 2;
    }
    printf("malloc (mallinfo2, MB): heap = sbrk arena, mmapped = malloc's own mappings\n"
           "(arena blocks are mmapped directly and counted in neither), in use, free in heap.\n\n");
    printf("| when | heap | mmapped | in use | free | RSS |\n|---|---|---|---|---|---|\n");
    malloc_line("before");
    vw_snapshot *s = NULL;
    double ms = 0;
    for (int r = 0; r < repeat; r++) {
        vw_err err;
        memset(&err, 0, sizeof err);
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        vw_snapshot *fresh = vw_store_load_path(argv[1], &err);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (!fresh) {
            fprintf(stderr, "loadmem: %s\n", err.message);
            return 1;
        }
        ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
        if (s)
            vw_snapshot_release(s);
        s = fresh;
    }
    malloc_line("loaded");
    uint32_t n = s->n_providers;
    printf("\nload %.0f ms (last of %d); %u providers, %u networks, %zu registrations, "
           "%zu hour intervals\n\n", ms, repeat, n, s->n_networks, s->n_registrations, s->n_hours);

    /* the arena: the providers' packed text (id, the shown fields, then
     * the AGB and BIG codes), the rest (interned) */
    double text = 0, ids = 0, codes = 0, refs = 0, webs = 0;
    for (uint32_t i = 0; i < n; i++) {
        const vw_provider *p = &s->providers[i];
        const char *at = p->id;
        ids += (double)strlen(at) + 1;
        at += strlen(at) + 1;
        for (int k = 0; k < VW_PT_COUNT; k++)
            if (p->text_set & (1u << k)) {
                const char *next = vw_pt_skip(at);
                *(k >= VW_PT_AGB ? &codes : &text) += (double)(next - at);
                refs += (unsigned char)at[0] == VW_PT_REF_MARK;
                webs += (unsigned char)at[0] == VW_PT_WEB_MARK;
                at = next;
            }
    }
    const vw_index *ix = s->index;
    size_t cells = (size_t)VW_D_COUNT * (VW_INDEX_CELLS + 1) * sizeof *ix->cell_start;
    size_t ient = (size_t)(ix->cell_start[(size_t)VW_D_COUNT * (VW_INDEX_CELLS + 1) - 1]) +
                  ix->outside_start[VW_D_COUNT];
    double arena = (double)s->arena.bytes;
    printf("| part | MB | bytes per provider |\n|---|---|---|\n");
    row("providers (vw_provider records)", (double)n * sizeof *s->providers, n);
    row("side table (vw_provider_ext)", (double)n * sizeof *s->ext, n);
    row("opening hours (vw_hours_iv runs)", (double)s->n_hours * sizeof *s->hours, n);
    row("arena: provider ids", ids, n);
    row("arena: name, postcode, address, phone, email, website", text, n);
    row("arena: agb, big", codes, n);
    printf("| (of which shared names/addresses: %.0f references; web sites made of the e-mail domain: %.0f) | | |\n",
           refs, webs);
    row("arena: the rest (interned cities, tags, networks; block slack)",
        arena - ids - text - codes, n);
    row("index: entries (vw_ient)", (double)ient * sizeof(vw_ient), n);
    row("index: cell offsets", (double)cells, n);
    row("index: registrations (vw_ireg), online list",
        (double)ix->bytes - (double)ient * sizeof(vw_ient) - (double)cells - sizeof *ix, n);
    row("registrations (vw_registration)", (double)s->n_registrations * sizeof *s->registrations, n);
    row("networks, memberships, members",
        (double)s->n_networks * sizeof *s->networks + (double)s->n_memberships * 2 * sizeof(uint32_t), n);
    row("PC4 slots", (double)VW_PC4_SLOTS * sizeof *s->pc4, n);
    row("travel times", s->tt ? (double)s->tt->bytes : 0, n);
    row("total (vw_snapshot_bytes; without GEOS cells and outlines)", (double)s->bytes, n);
    printf("\n| when | heap | mmapped | in use | free | RSS |\n|---|---|---|---|---|---|\n");
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
    malloc_line("after malloc_trim");
    vw_snapshot_release(s);
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
    malloc_line("released");
    return 0;
}
