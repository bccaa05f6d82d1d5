/*
 * set_read.h: the commands that read credential sets (set list, set show);
 * cmd_set.c dispatches to them. Arguments as cmd.h's cmd_<name>_run, argv[0]
 * being the subcommand.
 */
#ifndef CREDTOKEN_TOOL_SET_READ_H
#define CREDTOKEN_TOOL_SET_READ_H

extern const char set_read_usage[];

int set_read_list(const char *module_path, int argc, char **argv);
int set_read_show(const char *module_path, int argc, char **argv);

#endif
