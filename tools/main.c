/*
 * main.c: credtoken [--module PATH] <command> [options]
 *
 * Global options, then dispatch to one cmd_<name>_run. The exit status is 0,
 * 1 when something failed, 2 for a bad command line (report.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "report.h"

#ifndef CREDTOKEN_VERSION
#define CREDTOKEN_VERSION "unknown"
#endif

static const char main_usage[] =
    "usage: credtoken [--module PATH] <command> [options]\n"
    "\n"
    "commands:\n"
    "  init --label LABEL [--so-pin-file FILE] [--pin-file FILE]\n"
    "                      initialize a free token, and its user PIN with --pin-file\n"
    "  list [--json] [--pin-file FILE] [--token LABEL]\n"
    "                      list tokens and their objects\n"
    "  set create ID --from FILE|- [--so-pin-file FILE] [--pin-file FILE] [--allow-expired]\n"
    "      [--exportable] [--aws-labels]\n"
    "                      store a credential set (a JSON body) as a new token\n"
    "  set list [--json]   list the credential sets, never their secrets\n"
    "  set show ID [--json] [--pin-file FILE]\n"
    "                      one set; with a PIN, its fields that are not secret\n"
    "  azure-sas --set ID --resource URI --ttl SECONDS [--pin-file FILE]\n"
    "                      an Azure SharedAccessSignature signed inside the token\n"
    "  jwt --set ID --aud AUD --scope SCOPE [--ttl SECONDS] [--pin-file FILE]\n"
    "                      a Google service-account JWT (RS256) signed inside the token\n"
    "  aws-sigv4 --set ID --method M --url U [--header H]... [--payload FILE]\n"
    "                      AWS SigV4 Authorization headers, signed inside the token\n"
    "\n"
    "options:\n"
    "  --module PATH       the PKCS#11 module (default: $CREDTOKEN_MODULE, else\n"
    "                      " CREDTOKEN_MODULE_DEFAULT ")\n"
    "  --help              this text; `credtoken <command> --help` for a command\n"
    "  --version           the version\n"
    "\n"
    "PINs are read from the first line of a file or from the terminal, never from\n"
    "the command line.\n";

struct main_cmd {
    const char *name;
    int (*run)(const char *module_path, int argc, char **argv);
};

static const struct main_cmd main_cmds[] = {
    {"init", cmd_init_run},           {"list", cmd_list_run}, {"set", cmd_set_run},
    {"azure-sas", cmd_azure_sas_run}, {"jwt", cmd_jwt_run},   {"aws-sigv4", cmd_aws_sigv4_run},
};

int
cmd_bad_option(int c, char **argv)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "";

    if (c == ':')
        report_error("option %s needs a value", arg);
    else if (optopt != 0)
        report_error("unknown option -%c", optopt);
    else
        report_error("unknown option %s", arg);
    return REPORT_EXIT_USAGE;
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"module", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *module_path = NULL;
    int c;

    opterr = 0;
    /* '+': stop at the command name; its options belong to the command. */
    while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (optarg[0] == '\0') {
                report_error("--module needs a path");
                return REPORT_EXIT_USAGE;
            }
            module_path = optarg;
            break;
        case 'h':
            fputs(main_usage, stdout);
            return REPORT_EXIT_OK;
        case 'V':
            printf("credtoken %s\n", CREDTOKEN_VERSION);
            return REPORT_EXIT_OK;
        default:
            return cmd_bad_option(c, argv);
        }
    }
    if (optind >= argc) {
        report_error("no command (see credtoken --help)");
        return REPORT_EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof(main_cmds) / sizeof(main_cmds[0]); i++)
        if (strcmp(argv[optind], main_cmds[i].name) == 0)
            return main_cmds[i].run(module_path, argc - optind, argv + optind);
    report_error("unknown command \"%s\" (see credtoken --help)", argv[optind]);
    return REPORT_EXIT_USAGE;
}
