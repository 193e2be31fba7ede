/* cmd-stubs.c - commands whose implementation has not landed yet say so
 * plainly. Each is removed from here when its own file arrives. */
#include "config.h"

#include "commands.h"
#include "util.h"

