/* profile.h: where a patient's profiles live on disk. */
#ifndef STEPWISE_PROFILE_H
#define STEPWISE_PROFILE_H

#include <stdbool.h>

#include "diag.h"

#define PROFILE_DEFAULT "default"

/* override, else $XDG_DATA_HOME/stepwise, else ~/.local/share/stepwise. */
char	*profile_data_dir(const char *override, struct sw_error *);
/* Create dir (and parents) as needed; dir itself is made or kept 0700. */
int	 profile_ensure_dir(const char *dir, struct sw_error *);
bool	 profile_name_valid(const char *name);
char	*profile_path(const char *dir, const char *name);

#endif
