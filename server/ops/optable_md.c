/* optable_md.c -- vw_optable_md: PROTOCOL.md's argument tables, printed
 * from the op table (optable.c) so the document cannot drift from the code.
 *
 *   vw_optable_md FILE            FILE with every generated block renewed, to stdout
 *   vw_optable_md --check FILE    exit 1 (and say which op) when FILE differs
 *   vw_optable_md --write FILE    renew FILE in place (temporary file + rename)
 *   vw_optable_md --json          the op table as JSON (tests compare docs/openapi.yaml)
 *
 * A generated block is the text between the lines `<!-- optable OP -->` and
 * `<!-- /optable -->` (OP's arguments), or `<!-- optable errors -->` and
 * `<!-- /optable -->` (the error table of proto/vw_err.c: code, HTTP status,
 * CLI exit code). A file with op blocks must have exactly one block per op,
 * and every block must name an op or "errors". PROTOCOL.md and docs/HTTP.md
 * are both checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optable.h"
#include "proto/vw_err.h"

#define MAX_DOC (4u << 20)

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || (size_t)n > MAX_DOC ||
        fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
        fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    } else {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    if (f)
        fclose(f);
    return buf;
}

static void error_table(FILE *out)
{
    fprintf(out, "| code | HTTP status | `verwijs` exit code |\n|---|---|---|\n");
    for (int c = VW_C_OK + 1; c < VW_C_WIRE_COUNT; c++) {
        const vw_code_info *ci = vw_code_get((vw_code)c);
        fprintf(out, "| `%s` | %d | %d |\n", ci->name, ci->http_status, ci->exit_code);
    }
}

/* Writes doc with its blocks renewed to out; -1 (message on stderr) when a
 * block is malformed, names no op, or an op has no block or two. */
static int renew(const char *doc, FILE *out)
{
    static const char open_tag[] = "<!-- optable ", close_tag[] = "<!-- /optable -->";
    int seen[64] = {0};
    int nops = vw_optable_count(), any_op = 0;
    const char *p = doc;
    while (*p) {
        const char *o = strstr(p, open_tag);
        if (o == NULL) {
            fputs(p, out);
            break;
        }
        const char *eol = strchr(o, '\n'), *c = eol ? strstr(eol, close_tag) : NULL;
        const char *name = o + sizeof open_tag - 1, *end = eol ? strstr(name, " -->") : NULL;
        if (c == NULL || end == NULL || end > eol) {
            fprintf(stderr, "vw_optable_md: unterminated optable block\n");
            return -1;
        }
        int idx;
        const vw_op_def *d = vw_optable_find(name, (size_t)(end - name), &idx);
        if (end - name == 6 && memcmp(name, "errors", 6) == 0) {
            fwrite(p, 1, (size_t)(eol + 1 - p), out);
            error_table(out);
            p = c;
            continue;
        }
        if (d == NULL || idx >= 64 || seen[idx]++) {
            fprintf(stderr, "vw_optable_md: block '%.*s' names no op or repeats one\n",
                    (int)(end - name), name);
            return -1;
        }
        fwrite(p, 1, (size_t)(eol + 1 - p), out);
        vw_optable_markdown(d, out);
        any_op = 1;
        p = c;
    }
    for (int i = 0; any_op && i < nops && i < 64; i++)
        if (!seen[i]) {
            fprintf(stderr, "vw_optable_md: op '%s' has no optable block\n",
                    vw_optable_get(i)->name);
            return -1;
        }
    return 0;
}

static const char *type_name(vw_arg_type t)
{
    static const char *const names[] = {"str", "enum", "strs", "uint", "num", "bool", "date",
                                        "loc"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

/* The table as JSON. Names and values are plain identifiers (no escaping
 * needed; checked here so a future row cannot break the output). */
static int print_json(void)
{
    printf("{");
    for (int i = 0; i < vw_optable_count(); i++) {
        const vw_op_def *d = vw_optable_get(i);
        printf("%s\n \"%s\": {\"flags\": %u, \"route\": ", i ? "," : "", d->name, d->flags);
        printf(d->route ? "\"%s\"" : "null", d->route ? d->route : "");
        printf(", \"path_arg\": ");
        printf(d->path_arg ? "\"%s\"" : "null", d->path_arg ? d->path_arg : "");
        printf(", \"args\": [");
        for (const vw_op_arg *a = d->args; a->name; a++) {
            printf("%s{\"name\": \"%s\", \"type\": \"%s\", \"min\": %g, \"max\": %g, "
                   "\"required\": %s, \"alias\": ",
                   a == d->args ? "" : ", ", a->name, type_name(a->type), a->min, a->max,
                   a->dflt && strcmp(a->dflt, "required") == 0 ? "true" : "false");
            printf(a->alias ? "\"%s\"" : "null", a->alias ? a->alias : "");
            printf(", \"values\": [");
            const char *v;
            for (int k = 0; (v = vw_op_arg_value(a, k)) != NULL; k++) {
                if (strpbrk(v, "\"\\"))
                    return 1;
                printf("%s\"%s\"", k ? ", " : "", v);
            }
            printf("]}");
        }
        printf("]}");
    }
    printf("\n}\n");
    return ferror(stdout) ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc == 3 ? argv[1] : "", *path = argv[argc - 1];
    size_t len = 0, glen = 0;
    char *doc = NULL, *gen = NULL;
    int rc = 1;
    if (argc == 2 && strcmp(argv[1], "--json") == 0)
        return print_json();
    if (argc < 2 || argc > 3 || (argc == 3 && strcmp(mode, "--check") && strcmp(mode, "--write"))) {
        fprintf(stderr, "usage: vw_optable_md [--check|--write] FILE.md | --json\n");
        return 2;
    }
    if ((doc = slurp(path, &len)) == NULL) {
        fprintf(stderr, "vw_optable_md: cannot read %s\n", path);
        return 1;
    }
    FILE *mem = open_memstream(&gen, &glen);
    if (mem == NULL)
        goto out;
    int r = renew(doc, mem);
    if (fclose(mem) != 0 || r != 0)
        goto out;
    if (argc == 2) {
        rc = fwrite(gen, 1, glen, stdout) == glen ? 0 : 1;
    } else if (strcmp(mode, "--check") == 0) {
        rc = glen == len && memcmp(gen, doc, len) == 0 ? 0 : 1;
        if (rc)
            fprintf(stderr, "vw_optable_md: %s differs from the op table; run "
                            "build/vw_optable_md --write %s\n", path, path);
    } else {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        FILE *f = fopen(tmp, "wb");
        int ok = f != NULL && fwrite(gen, 1, glen, f) == glen;
        if (f != NULL && fclose(f) != 0)
            ok = 0;
        if (ok && rename(tmp, path) == 0) {
            rc = 0;
        } else {
            remove(tmp);
            fprintf(stderr, "vw_optable_md: cannot write %s\n", path);
        }
    }
out:
    free(doc);
    free(gen);
    return rc;
}
