/*
 * cmd.h: the subcommands of the credtoken tool.
 *
 * cmd_<name>_run parses its own options (argv[0] is the command name),
 * loads the module named by module_path (NULL: $CREDTOKEN_MODULE, then the
 * installed module) only once the command line is valid, and returns the
 * process exit status (report.h). It wipes every PIN it read before returning.
 */
#ifndef CREDTOKEN_TOOL_CMD_H
#define CREDTOKEN_TOOL_CMD_H

#define CMD_CONTINUE (-1) /* an option parser's "go on": not an exit status */

int cmd_init_run(const char *module_path, int argc, char **argv);
int cmd_list_run(const char *module_path, int argc, char **argv);
int cmd_set_run(const char *module_path, int argc, char **argv);
int cmd_azure_sas_run(const char *module_path, int argc, char **argv);
int cmd_jwt_run(const char *module_path, int argc, char **argv);
int cmd_aws_sigv4_run(const char *module_path, int argc, char **argv);

/* cmd_bad_option: report getopt_long's result c ('?' or ':') for argv;
 * returns REPORT_EXIT_USAGE. */
int cmd_bad_option(int c, char **argv);

#endif
