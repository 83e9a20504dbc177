/* export.c -- `verwijs export fhir`: the directory of a local SQLite
 * file as one FHIR R4 Bundle (type collection, JSON), streamed resource by
 * resource (server/fhir/fhir.h; mapping in docs/FHIR.md). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "proto/vocab.h"
#include "server/fhir/fhir.h"
#include "cli.h"
#include "progress.h"

static const char export_help[] =
    "usage: verwijs export fhir --db PATH [--out FILE] [--as-of YYYY-MM-DD] [--base URL]\n"
    "Writes the directory as one FHIR R4 Bundle (type collection, JSON), shaped after\n"
    "IHE mCSD as used by the Dutch addressing function: Organization (networks and\n"
    "practices), Practitioner, PractitionerRole, Location (address, position) and\n"
    "HealthcareService. Specialties are coded with Vektis COD016-VEKT and SNOMED CT\n"
    "where a code exists, and always with the Verwijs code (docs/FHIR.md).\n"
    "  --out FILE   write to FILE instead of stdout\n"
    "  --as-of D    the day registrations and certifications are checked on (default today)\n"
    "  --base URL   canonical base for fullUrl and the Verwijs code systems\n"
    "               (default " VW_FHIR_DEFAULT_BASE ")\n";

static void on_progress(void *arg, uint32_t done, uint32_t total)
{
    vw_progress_update(arg, done, total, 0);
}

static int export_fhir(const char *db, const char *out, const vw_fhir_opts *o)
{
    vw_snapshot *snap = vw_cli_load_snapshot(db);
    vw_progress prog;
    vw_err err;
    int rc = EXIT_FAIL;
    if (snap == NULL)
        return EXIT_FAIL;
    FILE *f = out && strcmp(out, "-") != 0 ? fopen(out, "w") : stdout;
    if (f == NULL) {
        perror(out);
        goto done;
    }
    vw_progress_start(&prog, "export fhir", "providers");
    int w = vw_fhir_write_bundle(snap, o, f, on_progress, &prog, &err);
    vw_progress_clear(&prog);
    if (f != stdout && fclose(f) != 0 && w == 0)
        w = vw_err_set(&err, VW_E_IO, "closing %s failed", out);
    if (w != 0) {
        fprintf(stderr, "verwijs export: %s\n", err.message);
        goto done;
    }
    if (prog.tty)
        fprintf(stderr, "exported %u networks and %u providers in %.1f s\n",
                vw_snapshot_network_count(snap), vw_snapshot_provider_count(snap),
                vw_progress_elapsed(&prog));
    rc = EXIT_OK;
done:
    vw_snapshot_release(snap);
    return rc;
}

int vw_cmd_export(const vw_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'b'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"as-of", required_argument, NULL, 'D'},
                                         {"base", required_argument, NULL, 'B'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *db = NULL, *out = NULL, *as_of = NULL;
    vw_fhir_opts o = {.as_of = vw_date_today()};
    int c;
    (void)cli;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'b': db = optarg; break;
        case 'o': out = optarg; break;
        case 'D': as_of = optarg; break;
        case 'B': o.base = optarg; break;
        case 'h': fputs(export_help, stdout); return EXIT_OK;
        default: return EXIT_USAGE;
        }
    }
    if (optind >= argc || strcmp(argv[optind], "fhir") != 0)
        return vw_cli_usage_error("export", "the format is required: export fhir");
    if (optind + 1 < argc)
        return vw_cli_usage_error("export", "unexpected argument '%s'", argv[optind + 1]);
    if (db == NULL)
        return vw_cli_usage_error("export", "--db PATH is required");
    if (as_of && vw_date_parse(as_of, strlen(as_of), &o.as_of) != 0)
        return vw_cli_usage_error("export", "--as-of must be a date YYYY-MM-DD");
    if (o.base && (strlen(o.base) > 200 || strncmp(o.base, "http", 4) != 0 ||
                   o.base[strlen(o.base) - 1] == '/'))
        return vw_cli_usage_error("export", "--base must be an http(s) URL without a trailing "
                                            "slash, at most 200 characters");
    return export_fhir(db, out, &o);
}
