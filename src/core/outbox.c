/* outbox.c: being written (issue 4). */
#include "outbox.h"
