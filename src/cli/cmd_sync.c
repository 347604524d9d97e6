/* cmd_sync.c: being written (issue 4). */
#include "cli.h"
int cmd_sync(struct cli *cli, int argc, char **argv) { (void)cli; (void)argc; (void)argv; return 1; }
