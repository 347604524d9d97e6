/* unlock.c: stepwise-clinic unlock: open a module of the programme early
 * for one patient, or hold it (--hold), as a message the clinic signs
 * with the instruction inside the seal; the device checks it like any
 * message and applies it at its next sync, and the patient reads what
 * changed and why (stepwise-protocol(7), Programme instructions). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "casework.h"
#include "i18n.h"
#include "jsonv.h"
#include "proto.h"
#include "actions.h"
#include "util.h"
#include "verify.h"

/* Why, for the patient: one to this many characters, no control. */
#define UNLOCK_WHY_MAX	500

/* The module by id, or by its number from 1; NULL when there is none. */
static const struct module *
find_module(const struct content *ct, const char *arg, size_t *index)
{
	char	*end;
	long	 n;

	for (size_t i = 0; i < ct->n_modules; i++)
		if (strcmp(ct->modules[i].id, arg) == 0) {
			*index = i;
			return &ct->modules[i];
		}
	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno == 0 && end != arg && *end == '\0' && n >= 1 &&
	    (size_t)n <= ct->n_modules) {
		*index = (size_t)n - 1;
		return &ct->modules[n - 1];
	}
	return NULL;
}

static char *
instruction_text(const struct module *m, size_t index, bool hold,
    const char *why)
{
	char *s, *t;

	if (hold)
		s = xasprintf(_("Your supporter has asked you to wait before "
		    "you start module %zu, %s. It stays closed until they "
		    "open it."), index + 1, m->title);
	else
		s = xasprintf(_("Module %zu, %s, is open for you now: your "
		    "supporter opened it early."), index + 1, m->title);
	if (why == NULL)
		return s;
	t = xasprintf("%s\n\n%s", s, why);
	free(s);
	return t;
}

int
clinic_unlock_send(sqlite3 *db, const struct clinic_keys *k,
    const struct content *ct, const char *patient, size_t index, bool hold,
    const char *why, const char *from, const char *as,
    char id[PROTO_ID_LEN + 1], struct sw_error *err)
{
	const struct module	*m = &ct->modules[index];
	struct casework		 cw = { 0 };
	struct cw_case		 c;
	struct cw_row		 r = { 0 };
	char			*text, *what, *ref = (char *)patient;
	cJSON			*prog;
	size_t			 copies = 0;
	int			 rc;

	if (casework_load(db, k, patient, &cw, err) != 0)
		return -1;
	casework_case(&cw, patient, &c);
	if (from == NULL)
		from = c.supporter;
	prog = cJSON_CreateObject();
	cJSON_AddStringToObject(prog, "module", m->id);
	cJSON_AddStringToObject(prog, "action", hold ? "hold" : "open");
	text = instruction_text(m, index, hold, why);
	/* The change is kept for audit with the message, or not at all. */
	what = xasprintf("%s:%s", hold ? "hold" : "open", m->id);
	r.action = CW_PROGRAMME;
	r.by = (char *)as;
	r.at = (long long)time(NULL);
	r.patients = &ref;
	r.n_patients = 1;
	r.what = what;
	rc = clinic_message_queue(db, k, patient, as, from, text, prog, &r, id,
	    &copies, err);
	cJSON_Delete(prog);
	wipe_free(text);
	free(what);
	casework_free(&cw);
	return rc;
}

int
clinic_cmd_unlock(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "patient", required_argument, NULL, 'p' },
		{ "module", required_argument, NULL, 'm' },
		{ "hold", no_argument, NULL, 'H' },
		{ "why", required_argument, NULL, 'w' },
		{ "from", required_argument, NULL, 'F' },
		{ "as", required_argument, NULL, 'a' },
		{ "content", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		CLINIC_COMMON_OPTIONS
	};
	struct sw_error		 err = { 0 };
	struct clinic_read	 cr;
	bool			 json = false;
	const struct content	*ct;
	const struct module	*m;
	const char		*dir = ".", *patient = NULL, *module = NULL;
	const char		*why = NULL, *from = NULL, *as = NULL;
	const char		*content = NULL, *whyerr;
	char			 id[PROTO_ID_LEN + 1], whybuf[PROTO_WHY_MAX];
	size_t			 index = 0;
	bool			 hold = false;
	int			 opt, u, rc = CLINIC_EXIT_FAIL;

	memset(&cr, 0, sizeof cr);
	while ((opt = clinic_getopt("unlock", _("Usage: stepwise-clinic unlock "
	    "[--dir DIR] --patient REF --module ID|N [--hold]\n"
	    "       [--why TEXT] [--from NAME] [--as NAME] [--content DIR]\n"
	    "       [--format text|json]\n"),
	    argc, argv, ":", longopts, &dir, 0, &rc)) > 0) {
		switch (opt) {
		case 'p':
			patient = optarg;
			break;
		case 'm':
			module = optarg;
			break;
		case 'H':
			hold = true;
			break;
		case 'w':
			why = optarg;
			break;
		case 'F':
			from = optarg;
			break;
		case 'a':
			as = optarg;
			break;
		case 'c':
			content = optarg;
			break;
		case 'f':
			if (!clinic_text_or_json("unlock", optarg, &json))
				return CLINIC_EXIT_USAGE;
			break;
		}
	}
	if (opt < 0)
		return rc;
	if ((u = clinic_patient_arg("unlock", patient)) != 0)
		return u;
	if (module == NULL)
		return clinic_usage_error("unlock", "%s", _("--module is "
		    "needed: the module's id or number"));
	if (why != NULL && (whyerr = proto_text_why(why, UNLOCK_WHY_MAX, true,
	    whybuf, sizeof whybuf)) != NULL)
		return clinic_usage_error("unlock", _("--why: %s"), whyerr);
	if (from != NULL && (u = clinic_name_arg("unlock", "from",
	    from)) != 0)
		return u;
	if ((as = clinic_who("unlock", as)) == NULL)
		return CLINIC_EXIT_USAGE;
	if (clinic_read_open(dir, content, true, &cr, &err) != 0)
		goto out;
	if ((ct = clinic_read_content(&cr)) == NULL) {
		err = cr.content_err;
		goto out;
	}
	if ((m = find_module(ct, module, &index)) == NULL) {
		sw_fail(&err, SW_ENOENT, _("The programme has no module '%s': "
		    "give its id or a number from 1 to %zu."), module,
		    ct->n_modules);
		goto out;
	}
	if (clinic_unlock_send(cr.db, &cr.k, ct, patient, index, hold, why,
	    from, as, id, &err) != 0)
		goto out;
	if (json) {
		cJSON *j = clinic_done_json(hold ? "hold" : "open", patient, as,
		    (long long)time(NULL));

		cJSON_AddStringToObject(j, "module", m->id);
		cJSON_AddNumberToObject(j, "module_number", (double)index + 1);
		cJSON_AddStringToObject(j, "message", id);
		json_print_wiped(j);
	} else
		printf(hold ? _("Module %zu (%s) is held for %s: the device "
		    "keeps it closed from its next sync (message %s).\n") :
		    _("Module %zu (%s) is opened for %s: the device opens it "
		    "at its next sync (message %s).\n"), index + 1, m->id,
		    patient, id);
	rc = CLINIC_EXIT_OK;
out:
	if (rc != CLINIC_EXIT_OK)
		clinic_fail(&err);
	clinic_read_close(&cr);
	return rc;
}
