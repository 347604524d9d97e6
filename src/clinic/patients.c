/* patients.c: being written (issue 4). */
#include "clinic.h"
int clinic_cmd_patients(int argc, char **argv) { (void)argc; (void)argv; return 1; }
int clinic_cmd_revoke(int argc, char **argv) { (void)argc; (void)argv; return 1; }
