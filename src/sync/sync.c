/* sync.c: being written (issue 4). */
#include "sync.h"
