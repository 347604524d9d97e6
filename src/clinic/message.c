/* message.c: being written (issue 4). */
#include "clinic.h"
int clinic_cmd_message(int argc, char **argv) { (void)argc; (void)argv; return 1; }
