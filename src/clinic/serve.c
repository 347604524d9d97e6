/* serve.c: being written (issue 4). */
#include "clinic.h"
int clinic_cmd_serve(int argc, char **argv) { (void)argc; (void)argv; return 1; }
