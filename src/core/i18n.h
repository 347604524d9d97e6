/* i18n.h: every string shown to a person goes through gettext. _() marks and
 * translates at the point of use; N_() only marks, for tables of strings that
 * are translated later with _(). */
#ifndef STEPWISE_I18N_H
#define STEPWISE_I18N_H

#include <libintl.h>

#define _(s)	gettext(s)
#define N_(s)	(s)

#endif
