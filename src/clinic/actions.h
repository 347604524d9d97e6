/* actions.h: what a supporter does, one function each, shared by the
 * commands (ack, unlock, template) and the console, so that both write
 * the same rows. */
#ifndef STEPWISE_CLINIC_ACTIONS_H
#define STEPWISE_CLINIC_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

#include "clinic.h"
#include "content.h"
#include "proto.h"

struct risk;

/* ack.c: acknowledge the open risk r as as, with note: its audit row and
 * the casework row. */
int	 clinic_ack_risk(sqlite3 *, const struct clinic_keys *,
	    const struct risk *r, const char *as, long long now,
	    const char *note, struct sw_error *);
/* unlock.c: open module index of ct early for patient, or hold it: a
 * clinic-signed instruction in a message (from: the sender's name, NULL
 * for the supporter assigned; why: NULL or checked words for the patient)
 * with the casework row of who (as) asked; id gets the message's id. */
int	 clinic_unlock_send(sqlite3 *, const struct clinic_keys *,
	    const struct content *ct, const char *patient, size_t index,
	    bool hold, const char *why, const char *from, const char *as,
	    char id[PROTO_ID_LEN + 1], struct sw_error *);
/* template.c: the names of the templates in DIR/templates, sorted, to
 * free with each name (*n 0 and NULL when there are none); -1 with err
 * when the folder is not the admin's alone or cannot be read. */
int	 template_names(const char *dir, char ***names, size_t *n,
	    struct sw_error *);

#endif
