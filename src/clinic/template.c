/* template.c: message templates, text files in DIR/templates that the
 * clinic's admin writes (stepwise-clinic(8), template): listed, filled in
 * for one patient, and sent with message --template. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "actions.h"
#include "casework.h"
#include "i18n.h"
#include "jsonv.h"
#include "proto.h"
#include "template.h"
#include "util.h"
#include "verify.h"

#define TEMPLATE_NAME_MAX	40

bool
template_name_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' &&
		    s[n] <= '9') || (s[n] == '-' && n > 0)))
			return false;
	return n >= 1 && n <= TEMPLATE_NAME_MAX;
}

static char *
templates_dir(const char *dir)
{
	return xasprintf("%s/%s", dir, TEMPLATE_DIR);
}

/* The clinic's name from clinic.json, read only when the admin alone can
 * have written it (as enroll reads it). */
static char *
clinic_name(const char *dir, struct sw_error *err)
{
	char		*file = xasprintf("%s/clinic.json", dir), *name = NULL;
	struct diags	 d = { 0 };
	cJSON		*j;

	if (clinic_trusted(dir, "clinic.json", err) == 0) {
		if ((j = jv_parse_file(file, &d)) != NULL &&
		    clinic_name_ok(cJSON_GetStringValue(cJSON_GetObjectItem(j,
		    "name"))))
			name = xstrdup(cJSON_GetStringValue(
			    cJSON_GetObjectItem(j, "name")));
		else
			sw_fail(err, SW_EINVAL, _("%s has no usable name."),
			    file);
		cJSON_Delete(j);
		diags_free(&d);
	}
	free(file);
	return name;
}

/* The file's text, checked: NULL with err naming the file. */
static char *
template_read(const char *dir, const char *name, char **path_out,
    struct sw_error *err)
{
	char	*tdir = templates_dir(dir), *fname, *path, *buf = NULL;
	FILE	*f = NULL;
	size_t	 n;

	fname = xasprintf("%s.txt", name);
	path = xasprintf("%s/%s", tdir, fname);
	if (clinic_trusted(tdir, fname, err) != 0)
		goto out;
	if ((f = fopen(path, "re")) == NULL) {
		sw_fail(err, errno == ENOENT ? SW_ENOENT : SW_EIO, errno ==
		    ENOENT ? _("There is no template %s (%s); see "
		    "stepwise-clinic template list.") : _("Could not read the "
		    "template %s (%s)."), name, path);
		goto out;
	}
	buf = xmalloc(PROTO_MAX_MESSAGE_TEXT + 2);
	n = fread(buf, 1, PROTO_MAX_MESSAGE_TEXT + 1, f);
	if (ferror(f) || n > PROTO_MAX_MESSAGE_TEXT) {
		sw_fail(err, SW_EINVAL, ferror(f) ? _("Could not read %s.") :
		    _("%s is too long for a message."), path);
		goto fail;
	}
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n == 0 || memchr(buf, '\0', n) != NULL || !proto_utf8_ok(buf, n)) {
		sw_fail(err, SW_EINVAL, n == 0 ? _("%s is empty.") : _("%s is "
		    "not valid UTF-8 text."), path);
		goto fail;
	}
	goto out;
fail:
	free(buf);
	buf = NULL;
out:
	if (f != NULL)
		fclose(f);
	if (buf != NULL && path_out != NULL)
		*path_out = xstrdup(path);
	free(tdir);
	free(fname);
	free(path);
	return buf;
}

char *
template_fill(const char *dir, const char *name, const struct tvars *v,
    struct sw_error *err)
{
	static const char *const known[] = { "supporter", "clinic",
	    "next_review", NULL };
	char		*text, *path = NULL, *out = NULL, *clinic = NULL;
	char		*value, day[32], whybuf[PROTO_WHY_MAX];
	const char	*p, *end, *why;
	size_t		 line = 1, len = 0, cap, k;

	if ((text = template_read(dir, name, &path, err)) == NULL)
		return NULL;
	cap = strlen(text) + 1;
	out = xmalloc(cap);
	for (p = text; *p != '\0'; p++) {
		value = NULL;
		if (*p == '\n')
			line++;
		if (*p == '{' && p[1] == '{') {
			value = xstrdup("{");
			p++;
		} else if (*p == '}' && p[1] == '}') {
			value = xstrdup("}");
			p++;
		} else if (*p == '{') {
			if ((end = strchr(p, '}')) == NULL ||
			    memchr(p, '\n', (size_t)(end - p)) != NULL) {
				sw_fail(err, SW_EINVAL, _("%s, line %zu: a { with "
				    "no } on its line (write {{ for a brace)."),
				    path, line);
				goto fail;
			}
			for (k = 0; known[k] != NULL; k++)
				if (strlen(known[k]) == (size_t)(end - p - 1) &&
				    strncmp(p + 1, known[k],
				    (size_t)(end - p - 1)) == 0)
					break;
			if (known[k] == NULL) {
				sw_fail(err, SW_EINVAL, _("%s, line %zu: unknown "
				    "field %.*s; use {supporter}, {clinic} "
				    "or {next_review}."), path, line,
				    (int)(end - p + 1), p);
				goto fail;
			}
			if (k == 0 && v->supporter == NULL) {
				sw_fail(err, SW_EINVAL, _("%s uses {supporter}, "
				    "but nobody is assigned to %s: assign "
				    "them, or give --from."), path, v->patient);
				goto fail;
			}
			if (k == 2 && v->next_due <= 0) {
				sw_fail(err, SW_EINVAL, _("%s uses "
				    "{next_review}, but no review of %s is "
				    "set: see stepwise-clinic review --next."),
				    path, v->patient);
				goto fail;
			}
			if (k == 1 && clinic == NULL &&
			    (clinic = clinic_name(dir, err)) == NULL)
				goto fail;
			if (k == 2)
				format_day_words(v->next_due, day, sizeof day);
			value = xstrdup(k == 0 ? v->supporter : k == 1 ?
			    clinic : day);
			p = end;
		}
		if (value == NULL) {
			value = xmalloc(2);
			value[0] = *p;
			value[1] = '\0';
		}
		k = strlen(value);
		if (len + k + 1 > cap) {
			cap = (len + k + 1) * 2;
			out = xreallocarray(out, cap, 1);
		}
		memcpy(out + len, value, k + 1);
		len += k;
		free(value);
	}
	if (len > PROTO_MAX_MESSAGE_TEXT) {
		sw_fail(err, SW_EINVAL, _("%s, filled in, is too long for a "
		    "message."), path);
		goto fail;
	}
	/* The patient's Stepwise shows it on a terminal. */
	if ((why = proto_text_why(out, SIZE_MAX, true, whybuf,
	    sizeof whybuf)) != NULL) {
		sw_fail(err, SW_EINVAL, _("%s: %s."), path, why);
		goto fail;
	}
	goto done;
fail:
	wipe_free(out);
	out = NULL;
done:
	free(text);
	free(path);
	free(clinic);
	return out;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
template_names(const char *dir, char ***out, size_t *n, struct sw_error *err)
{
	char		*tdir, **names = NULL;
	struct dirent	*e;
	size_t		 len;
	DIR		*d;

	*n = 0;
	*out = NULL;
	if (clinic_trusted(dir, NULL, err) != 0)
		return -1;
	tdir = templates_dir(dir);
	if ((d = opendir(tdir)) == NULL) {
		if (errno == ENOENT) {
			free(tdir);
			return 0;
		}
		sw_fail(err, SW_EIO, _("Could not read %s: %s"), tdir,
		    strerror(errno));
		free(tdir);
		return -1;
	}
	free(tdir);
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".txt") == 0) {
			e->d_name[len - 4] = '\0';
			if (!template_name_ok(e->d_name))
				continue;
			names = xreallocarray(names, *n + 1, sizeof *names);
			names[(*n)++] = xstrdup(e->d_name);
		}
	}
	closedir(d);
	if (*n > 1)
		qsort(names, *n, sizeof *names, by_name);
	*out = names;
	return 0;
}

/* stepwise-clinic template [list] | template show NAME --patient REF */
int
clinic_cmd_template(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "patient", required_argument, NULL, 'p' },
		{ "from", required_argument, NULL, 'F' },
		{ "format", required_argument, NULL, 'f' },
		CLINIC_COMMON_OPTIONS
	};
	bool			 json = false;
	cJSON			*j, *a;
	struct sw_error		 err = { 0 };
	struct clinic_read	 cr;
	struct casework		 cw = { 0 };
	struct cw_case		 c;
	struct tvars		 v = { 0 };
	const char		*dir = ".", *patient = NULL, *from = NULL;
	const char		*verb = "list", *name = NULL;
	char			*tdir, **names = NULL, *text;
	size_t			 n = 0;
	int			 opt, u, rc = CLINIC_EXIT_FAIL;

	memset(&cr, 0, sizeof cr);
	while ((opt = clinic_getopt("template", _("Usage: stepwise-clinic "
	    "template [--dir DIR] [list]\n"
	    "       stepwise-clinic template [--dir DIR] show NAME --patient "
	    "REF [--from NAME]\n"
	    "       (each with [--format text|json])\n"), argc, argv, ":",
	    longopts, &dir, 2, &rc)) > 0) {
		if (opt == 'p')
			patient = optarg;
		else if (opt == 'F')
			from = optarg;
		else if (!clinic_text_or_json("template", optarg, &json))
			return CLINIC_EXIT_USAGE;
	}
	if (opt < 0)
		return rc;
	if (optind < argc)
		verb = argv[optind++];
	if (optind < argc)
		name = argv[optind++];
	if (strcmp(verb, "list") == 0 && name == NULL && patient == NULL) {
		if (template_names(dir, &names, &n, &err) != 0)
			return clinic_fail(&err);
		tdir = templates_dir(dir);
		j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "format", 1);
		cJSON_AddStringToObject(j, "folder", tdir);
		a = cJSON_AddArrayToObject(j, "templates");
		for (size_t i = 0; i < n; i++) {
			if (json)
				cJSON_AddItemToArray(a, cJSON_CreateString(
				    names[i]));
			else
				puts(names[i]);
			free(names[i]);
		}
		free(names);
		if (json)
			json_print_wiped(j);
		else
			cJSON_Delete(j);
		if (n == 0 && !json)
			printf(_("No templates yet: write them as text files in "
			    "%s, one message each (NAME.txt).\n"), tdir);
		free(tdir);
		return CLINIC_EXIT_OK;
	}
	if (strcmp(verb, "show") != 0)
		return clinic_usage_error("template", _("'%s' is not list or "
		    "show"), verb);
	if (name == NULL || !template_name_ok(name))
		return clinic_usage_error("template", name ? _("'%s' is not a "
		    "template name (a-z, 0-9 and -)") : "%s", name ? name :
		    _("show needs the template's NAME"));
	if (patient == NULL || !clinic_patient_ok(patient))
		return clinic_usage_error("template", "%s", _("show needs "
		    "--patient REF: the template is filled in for them"));
	if (from != NULL && (u = clinic_name_arg("template", "from",
	    from)) != 0)
		return u;
	if (clinic_read_open(dir, NULL, false, &cr, &err) != 0 ||
	    casework_load(cr.db, &cr.k, patient, &cw, &err) != 0)
		goto out;
	casework_case(&cw, patient, &c);
	v.patient = patient;
	v.supporter = from != NULL ? from : c.supporter;
	v.next_due = c.next_due;
	if ((text = template_fill(dir, name, &v, &err)) == NULL)
		goto out;
	if (json) {
		j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "format", 1);
		cJSON_AddStringToObject(j, "template", name);
		cJSON_AddStringToObject(j, "patient", patient);
		cJSON_AddStringToObject(j, "text", text);
		json_print_wiped(j);
	} else {
		print_untrusted(stdout, text, "");
		fputc('\n', stdout);
	}
	wipe_free(text);
	rc = CLINIC_EXIT_OK;
out:
	if (rc != CLINIC_EXIT_OK)
		clinic_fail(&err);
	casework_free(&cw);
	clinic_read_close(&cr);
	return rc;
}
