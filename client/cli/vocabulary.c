/* vocabulary.c -- `verwijs vocabulary`: the codes used on the wire and in the
 * interchange files (disciplines, expertise tags, network status, the NVPO
 * criteria, the problems of the built-in problems table), printed from the
 * tables the programs themselves use (proto/vocab.c, server/engine/
 * problems.csv). docs/VOCABULARY.md is this command's Markdown output; a test
 * keeps the two equal, so the documentation cannot drift from the code. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "proto/vocab.h"
#include "server/engine/netaudit.h"
#include "server/engine/problems.h"
#include "cli.h"

static const char vocabulary_help[] =
    "usage: verwijs vocabulary [--format table|markdown]\n"
    "Prints the codes used on the wire and in the CSV files: disciplines, expertise\n"
    "tags, network status, the NVPO network criteria and the problem codes of the\n"
    "built-in problems table (verwijs refer --problem CODE). docs/VOCABULARY.md is\n"
    "the --format markdown output.\n";

static bool psychosocial(int d)
{
    return (VW_D_PSYCHOSOCIAL_MASK >> d) & 1u;
}

static void print_options(FILE *f, const vw_problem *p, const char *sep)
{
    for (int k = 0; k < p->n_options; k++) {
        const vw_problem_option *o = &p->options[k];
        fprintf(f, "%s%s%s%s", k ? sep : "", vw_discipline_name(o->discipline),
                o->expertise[0] ? "+" : "", o->expertise);
    }
}

static void print_markdown(FILE *f, const vw_problems *probs)
{
    fputs("# Vocabulary\n\n"
          "The codes used on the wire (proto/PROTOCOL.md), over HTTP and in the CSV files\n"
          "(docs/SCHEMA.md). This page is the output of `verwijs vocabulary --format\n"
          "markdown`, printed from the tables the programs use (`proto/vocab.c`,\n"
          "`server/engine/problems.csv`); `tests/integration/test_vocabulary.sh` keeps it\n"
          "equal to them.\n\n"
          "## Disciplines\n\n"
          "| code | psychosocial (network criteria) |\n|---|---|\n", f);
    for (int d = 0; d < VW_D_COUNT; d++)
        fprintf(f, "| `%s` | %s |\n", vw_discipline_name(d), psychosocial(d) ? "yes" : "");
    fputs("\n## Expertise tags\n\n"
          "The base tags; the data may add more (a tag is 1 to 32 characters of\n"
          "`[a-z0-9_-]`, starting with a letter).\n\n", f);
    for (int i = 0; i < VW_BASE_TAG_COUNT; i++)
        fprintf(f, "- `%s`\n", vw_base_tags[i]);
    fprintf(f,
            "\n## Network kinds\n\n"
            "- `%s`: the NVPO-certified first-line oncology care networks; the NVPO\n"
            "  criteria and the audit apply to these (and to networks without a kind)\n"
            "- `%s`: hospital (medical-technical) oncology networks\n"
            "- `%s`: palliative care networks\n\n"
            "The list is open: another code imports, with a warning.\n\n"
            "## Travel modes\n\n"
            "`car`, `bike`, `walk` (the model, or a travel-time matrix where one is loaded)\n"
            "and `transit` (only with a matrix); see docs/TRAVELTIMES.md.\n"
            "\n## Network status\n\n"
            "- `%s`: passed the NVPO review and listed in the Verwijsgids, until\n"
            "  `certified_until`\n"
            "- `%s`: in oprichting (forming)\n\n"
            "## Network quality criteria (NVPO)\n\n"
            "A multidisciplinary oncology care network has at least %d different\n"
            "disciplines among its current members, including a `fysiotherapeut`, a\n"
            "psychosocial discipline (marked above) and a `dietist`. A certification or\n"
            "registration has a validity period; an expired one does not count.\n\n"
            "## Problems (the Lastmeter problem list)\n\n"
            "The built-in problems table (`server/engine/problems.csv`; the config key\n"
            "`problems_file` may replace it): per problem code, the disciplines (and the\n"
            "expertise they must hold) that treat it, in order of preference.\n\n"
            "| code | category | label | options, first choice first |\n|---|---|---|---|\n",
            VW_NET_KIND_NVPO, VW_NET_KIND_HOSPITAL, VW_NET_KIND_PALLIATIVE,
            vw_net_status_name(VW_NET_CERTIFIED), vw_net_status_name(VW_NET_FORMING),
            VW_AUDIT_MIN_DISCIPLINES);
    for (int i = 0; i < vw_problems_count(probs); i++) {
        const vw_problem *p = vw_problems_get(probs, i);
        fprintf(f, "| `%s` | %s | %s | ", p->code, vw_problem_category_name(p->category), p->label);
        print_options(f, p, ", ");
        fputs(" |\n", f);
    }
}

static void print_table(FILE *f, const vw_problems *probs)
{
    fputs("DISCIPLINE                  PSYCHOSOCIAL\n", f);
    for (int d = 0; d < VW_D_COUNT; d++) {
        vw_cell(f, vw_discipline_name(d), 27, false);
        fprintf(f, " %s\n", psychosocial(d) ? "yes" : "");
    }
    fputs("\nEXPERTISE (base tags; data may add more)\n", f);
    for (int i = 0; i < VW_BASE_TAG_COUNT; i++)
        fprintf(f, "%s\n", vw_base_tags[i]);
    fprintf(f, "\nNETWORK STATUS\n%s\n%s\n", vw_net_status_name(VW_NET_CERTIFIED),
            vw_net_status_name(VW_NET_FORMING));
    fputs("\nNETWORK KIND\n", f);
    for (int i = 0; i < VW_NET_KIND_COUNT; i++)
        fprintf(f, "%s\n", vw_net_kinds[i]);
    fputs("\nPROBLEM                     CATEGORY     OPTIONS (first choice first)\n", f);
    for (int i = 0; i < vw_problems_count(probs); i++) {
        const vw_problem *p = vw_problems_get(probs, i);
        vw_cell(f, p->code, 27, false);
        fputc(' ', f);
        vw_cell(f, vw_problem_category_name(p->category), 12, false);
        fputc(' ', f);
        print_options(f, p, ", ");
        fputc('\n', f);
    }
}

int vw_cmd_vocabulary(const vw_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *format = "table";
    int c;
    (void)cli;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'h': fputs(vocabulary_help, stdout); return EXIT_OK;
        default: fputs(vocabulary_help, stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc)
        return vw_cli_usage_error("vocabulary", "unexpected argument '%s'", argv[optind]);
    bool md = strcmp(format, "markdown") == 0;
    if (!md && strcmp(format, "table") != 0)
        return vw_cli_usage_error("vocabulary", "--format is table or markdown, not '%s'", format);
    vw_err err;
    vw_problems *probs = vw_problems_builtin(&err);
    if (!probs) {
        fprintf(stderr, "verwijs vocabulary: %s\n", err.message);
        return EXIT_FAIL;
    }
    if (md)
        print_markdown(stdout, probs);
    else
        print_table(stdout, probs);
    vw_problems_free(probs);
    return EXIT_OK;
}
