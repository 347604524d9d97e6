/* content.c: loading and validating a content folder. One pass reports every
 * problem found, each with its file and JSON path or line, so a clinic editing
 * content can fix them all at once. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "content.h"
#include "jsonv.h"
#include "util.h"

#define MAX_FIELDS	20
#define ID_CHARS	"abcdefghijklmnopqrstuvwxyz0123456789-_"

static bool
valid_id(const char *s)
{
	return s != NULL && *s != '\0' && strspn(s, ID_CHARS) == strlen(s);
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* An array of non-empty strings into a new string vector. */
static char **
string_array(struct jctx *c, const cJSON *arr, const char *path, size_t *n)
{
	const cJSON	 *v;
	char		**out;
	size_t		  i = 0;

	*n = 0;
	if (arr == NULL)
		return NULL;
	out = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *out);
	cJSON_ArrayForEach(v, arr) {
		char *p = jv_path_index(path, i++);

		if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
			jv_error(c, p, NULL, "must be a non-empty string");
		else if (jv_text_ok(c, p, NULL, v->valuestring)) {
			for (size_t k = 0; k < *n; k++)
				if (strcmp(out[k], v->valuestring) == 0)
					jv_error(c, p, NULL, "\"%s\" is listed "
					    "twice", v->valuestring);
			out[(*n)++] = xstrdup(v->valuestring);
		}
		free(p);
	}
	return out;
}

static void
free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- exercises ---- */

static const char *const field_keys[] = { "id", "type", "prompt", "help",
    "required", "later", "multiline", "max_length", "min", "max",
    "min_label", "max_label", "options", "multiple", "min_items",
    "max_items", "item_prompt", "rating", "date_only", NULL };
static const char *const type_names[] = { "text", "rating", "choice", "list",
    "datetime", NULL };

static void
parse_field_type(struct jctx *c, const cJSON *j, const char *p,
    struct field *f)
{
	const char	*s;
	const cJSON	*r;
	char		*rp;

	switch (f->type) {
	case FIELD_TEXT:
		f->multiline = jv_bool(c, j, p, "multiline", true);
		f->max_length = 4000;
		jv_int(c, j, p, "max_length", false, 1, 100000,
		    &f->max_length);
		break;
	case FIELD_RATING:
		jv_int(c, j, p, "min", true, 0, 100, &f->min);
		jv_int(c, j, p, "max", true, 0, 100, &f->max);
		if (f->min >= f->max)
			jv_error(c, p, "max", "must be greater than min");
		f->min_label = dup_or_null(jv_string(c, j, p, "min_label",
		    false));
		f->max_label = dup_or_null(jv_string(c, j, p, "max_label",
		    false));
		break;
	case FIELD_CHOICE:
		rp = jv_path_key(p, "options");
		f->options = string_array(c, jv_array(c, j, p, "options",
		    true), rp, &f->n_options);
		if (f->options && (f->n_options < 2 || f->n_options > 12))
			jv_error(c, rp, NULL, "must list 2 to 12 options");
		free(rp);
		f->multiple = jv_bool(c, j, p, "multiple", false);
		break;
	case FIELD_LIST:
		f->min_items = 1;
		f->max_items = 10;
		jv_int(c, j, p, "min_items", false, 0, 50, &f->min_items);
		jv_int(c, j, p, "max_items", false, 1, 50, &f->max_items);
		if (f->min_items > f->max_items)
			jv_error(c, p, "max_items", "must not be less than "
			    "min_items");
		f->item_prompt = dup_or_null(jv_string(c, j, p, "item_prompt",
		    false));
		if ((r = jv_object(c, j, p, "rating", false)) != NULL) {
			static const char *const rk[] = { "min", "max",
			    "prompt", NULL };

			rp = jv_path_key(p, "rating");
			jv_only_keys(c, r, rp, rk);
			f->rated = true;
			jv_int(c, r, rp, "min", true, 0, 100, &f->min);
			jv_int(c, r, rp, "max", true, 0, 100, &f->max);
			if (f->min >= f->max)
				jv_error(c, rp, "max", "must be greater than "
				    "min");
			s = jv_string(c, r, rp, "prompt", true);
			f->rating_prompt = dup_or_null(s);
			free(rp);
		}
		break;
	case FIELD_DATETIME:
		f->date_only = jv_bool(c, j, p, "date_only", false);
		break;
	}
}

static void
parse_field(struct jctx *c, const cJSON *j, const char *p, struct field *f)
{
	const char	*s;
	size_t		 t;

	jv_only_keys(c, j, p, field_keys);
	s = jv_string(c, j, p, "id", true);
	if (s && !valid_id(s))
		jv_error(c, p, "id", "must use only a-z, 0-9, - and _");
	f->id = xstrdup(s ? s : "");
	f->prompt = dup_or_null(jv_string(c, j, p, "prompt", true));
	f->help = dup_or_null(jv_string(c, j, p, "help", false));
	f->required = jv_bool(c, j, p, "required", true);
	f->later = jv_bool(c, j, p, "later", false);
	s = jv_string(c, j, p, "type", true);
	for (t = 0; s && type_names[t]; t++)
		if (strcmp(s, type_names[t]) == 0)
			break;
	if (s == NULL)
		return;
	if (type_names[t] == NULL) {
		jv_error(c, p, "type", "\"%s\" is not a field type (use text, "
		    "rating, choice, list or datetime)", s);
		return;
	}
	f->type = (enum field_type)t;
	parse_field_type(c, j, p, f);
}

static void
free_field(struct field *f)
{
	free(f->id);
	free(f->prompt);
	free(f->help);
	free(f->min_label);
	free(f->max_label);
	free_strings(f->options, f->n_options);
	free(f->item_prompt);
	free(f->rating_prompt);
}

static void
free_exercise(struct exercise *e)
{
	for (size_t i = 0; i < e->n_fields; i++)
		free_field(&e->fields[i]);
	free(e->fields);
	free(e->id);
	free(e->title);
	free(e->summary);
	free(e->intro);
	free(e->example_intro);
	cJSON_Delete(e->example);
	memset(e, 0, sizeof *e);
}

static bool
valid_datetime(const char *s, bool date_only)
{
	int	y, mo, d, h = 0, mi = 0, n = 0;

	if (date_only) {
		if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
			return false;
	} else if (sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi,
	    &n) != 5)
		return false;
	return s[n] == '\0' && y >= 1900 && mo >= 1 && mo <= 12 && d >= 1 &&
	    d <= days_in_month(y, mo) && h >= 0 && h <= 23 && mi >= 0 &&
	    mi <= 59;
}

static bool
in_range(const cJSON *v, int min, int max)
{
	return cJSON_IsNumber(v) && v->valuedouble == (int)v->valuedouble &&
	    v->valuedouble >= min && v->valuedouble <= max;
}

static void
check_list(struct jctx *c, const struct field *f, const cJSON *v,
    const char *p)
{
	const cJSON	*it;
	size_t		 i = 0;
	int		 n = cJSON_GetArraySize(v);

	if (n < f->min_items || n > f->max_items)
		jv_error(c, p, NULL, "must have %d to %d items", f->min_items,
		    f->max_items);
	cJSON_ArrayForEach(it, v) {
		char *ip = jv_path_index(p, i++);

		if (!f->rated) {
			if (!cJSON_IsString(it) || it->valuestring[0] == '\0')
				jv_error(c, ip, NULL, "must be a non-empty "
				    "string");
			else
				jv_text_ok(c, ip, NULL, it->valuestring);
		} else if (!cJSON_IsObject(it))
			jv_error(c, ip, NULL, "must be an object with "
			    "\"text\" and \"rating\"");
		else {
			static const char *const k[] = { "text", "rating",
			    NULL };

			jv_only_keys(c, it, ip, k);
			jv_string(c, it, ip, "text", true);
			if (!in_range(cJSON_GetObjectItemCaseSensitive(it,
			    "rating"), f->min, f->max))
				jv_error(c, ip, "rating", "must be a whole "
				    "number from %d to %d", f->min, f->max);
		}
		free(ip);
	}
}

static void
check_value(struct jctx *c, const struct field *f, const cJSON *v,
    const char *p)
{
	const cJSON	*o;
	size_t		 i, count = 0;

	switch (f->type) {
	case FIELD_TEXT:
		if (!cJSON_IsString(v))
			jv_error(c, p, NULL, "must be text");
		else if ((int)strlen(v->valuestring) > f->max_length * 4)
			jv_error(c, p, NULL, "is longer than %d characters",
			    f->max_length);
		else
			jv_text_ok(c, p, NULL, v->valuestring);
		break;
	case FIELD_RATING:
		if (!in_range(v, f->min, f->max))
			jv_error(c, p, NULL, "must be a whole number from %d "
			    "to %d", f->min, f->max);
		break;
	case FIELD_CHOICE:
		if (!cJSON_IsArray(v)) {
			jv_error(c, p, NULL, "must be an array of options");
			break;
		}
		cJSON_ArrayForEach(o, v) {
			count++;
			for (i = 0; i < f->n_options; i++)
				if (cJSON_IsString(o) &&
				    strcmp(o->valuestring, f->options[i]) == 0)
					break;
			if (i == f->n_options)
				jv_error(c, p, NULL, "holds a value that is "
				    "not one of the options");
		}
		if (count == 0 || (!f->multiple && count != 1))
			jv_error(c, p, NULL, f->multiple ? "must choose at "
			    "least one option" : "must choose exactly one "
			    "option");
		break;
	case FIELD_LIST:
		if (!cJSON_IsArray(v))
			jv_error(c, p, NULL, "must be an array");
		else
			check_list(c, f, v, p);
		break;
	case FIELD_DATETIME:
		if (!cJSON_IsString(v) || !valid_datetime(v->valuestring,
		    f->date_only))
			jv_error(c, p, NULL, f->date_only ? "must be a date "
			    "like 2026-03-04" : "must be a date and time like "
			    "2026-03-04T10:00");
		break;
	}
}

bool
exercise_check_values(const struct exercise *e, const cJSON *values,
    bool complete, const char *file, const char *path, struct diags *d)
{
	struct jctx	 c = { file, d };
	size_t		 before = d->n, i;
	const cJSON	*v;
	char		*p;

	if (!cJSON_IsObject(values)) {
		jv_error(&c, path, NULL, "must be an object of field values");
		return false;
	}
	cJSON_ArrayForEach(v, values) {
		for (i = 0; i < e->n_fields; i++)
			if (strcmp(e->fields[i].id, v->string) == 0)
				break;
		if (i == e->n_fields) {
			jv_error(&c, path, v->string, "is not a field of "
			    "exercise \"%s\"", e->id);
			continue;
		}
		p = jv_path_key(path, v->string);
		check_value(&c, &e->fields[i], v, p);
		free(p);
	}
	for (i = 0; complete && i < e->n_fields; i++) {
		const struct field *f = &e->fields[i];

		if (f->required && !f->later &&
		    !cJSON_HasObjectItem(values, f->id))
			jv_error(&c, path, f->id, "is required but missing");
	}
	return d->n == before;
}

static const char *const exercise_keys[] = { "format", "id", "title",
    "summary", "intro", "minutes", "fields", "example", NULL };

static int
load_exercise(const char *dir, const char *id, struct exercise *e,
    struct diags *d)
{
	char		*file, *p;
	cJSON		*j;
	const cJSON	*fields, *ex, *f, *vals;
	struct jctx	 c;
	size_t		 before = d->n, i = 0;
	int		 format = 0;
	const char	*s;

	memset(e, 0, sizeof *e);
	file = xasprintf("%s/exercises/%s.json", dir, id);
	c.file = file;
	c.d = d;
	if ((j = jv_parse_file(file, d)) == NULL)
		goto out;
	if (!cJSON_IsObject(j)) {
		jv_error(&c, "$", NULL, "must be a JSON object");
		goto out;
	}
	jv_only_keys(&c, j, "$", exercise_keys);
	if (jv_int(&c, j, "$", "format", true, 1, 1000, &format) &&
	    format != 1)
		jv_error(&c, "$", "format", "format %d is not supported (this "
		    "version reads format 1)", format);
	s = jv_string(&c, j, "$", "id", true);
	if (s && strcmp(s, id) != 0)
		jv_error(&c, "$", "id", "is \"%s\" but the file name says "
		    "\"%s\"", s, id);
	e->id = xstrdup(id);
	e->title = dup_or_null(jv_string(&c, j, "$", "title", true));
	e->summary = dup_or_null(jv_string(&c, j, "$", "summary", true));
	e->intro = dup_or_null(jv_string(&c, j, "$", "intro", true));
	jv_int(&c, j, "$", "minutes", true, 1, 60, &e->minutes);
	if ((fields = jv_array(&c, j, "$", "fields", true)) != NULL) {
		int n = cJSON_GetArraySize(fields);

		if (n < 1 || n > MAX_FIELDS)
			jv_error(&c, "$", "fields", "must have 1 to %d fields",
			    MAX_FIELDS);
		e->fields = xcalloc((size_t)n, sizeof *e->fields);
		cJSON_ArrayForEach(f, fields) {
			p = jv_path_index("$.fields", i);
			parse_field(&c, f, p, &e->fields[i]);
			for (size_t k = 0; k < i; k++)
				if (strcmp(e->fields[k].id,
				    e->fields[i].id) == 0)
					jv_error(&c, p, "id", "\"%s\" is used "
					    "by another field", e->fields[i].id);
			free(p);
			e->n_fields = ++i;
		}
	}
	if ((ex = jv_object(&c, j, "$", "example", true)) != NULL) {
		static const char *const k[] = { "intro", "values", NULL };

		jv_only_keys(&c, ex, "$.example", k);
		e->example_intro = dup_or_null(jv_string(&c, ex, "$.example",
		    "intro", true));
		vals = jv_object(&c, ex, "$.example", "values", true);
		if (vals != NULL && d->n == before) {
			exercise_check_values(e, vals, true, file,
			    "$.example.values", d);
			e->example = cJSON_Duplicate(vals, 1);
		}
	}
out:
	cJSON_Delete(j);
	free(file);
	if (d->n != before) {
		free_exercise(e);
		return -1;
	}
	return 0;
}

/* ---- safety ---- */

static void
free_safety(struct safety *s)
{
	for (size_t i = 0; i < s->n_contacts; i++) {
		free(s->contacts[i].name);
		free(s->contacts[i].phone);
		free(s->contacts[i].when);
		free(s->contacts[i].what);
		free(s->contacts[i].source);
		free(s->contacts[i].reviewed);
	}
	free(s->contacts);
	free(s->file);
	free(s->locale);
	free(s->owner);
	free(s->title);
	free(s->intro);
	free(s->summary);
	free(s->closing);
	memset(s, 0, sizeof *s);
}

/* Where a number was checked, and when: a web address, and a real date. */
static void
parse_contact_review(struct jctx *c, const cJSON *it, const char *p,
    struct contact *ct)
{
	const char *s;

	if ((s = jv_string(c, it, p, "source", true)) != NULL) {
		if (strncmp(s, "https://", 8) == 0 ||
		    strncmp(s, "http://", 7) == 0)
			ct->source = xstrdup(s);
		else
			jv_error(c, p, "source", "must be the address "
			    "(https://...) of the page the contact was checked "
			    "against");
	}
	if ((s = jv_string(c, it, p, "reviewed", true)) == NULL)
		return;
	if (!valid_datetime(s, true)) {
		jv_error(c, p, "reviewed", "must be the date the contact was "
		    "last checked, such as 2026-12-01");
		return;
	}
	ct->reviewed = xstrdup(s);
	sscanf(s, "%4d-%2d-%2d", &ct->reviewed_year, &ct->reviewed_month,
	    &ct->reviewed_day);
}

static void
parse_contact(struct jctx *c, const cJSON *it, const char *p,
    struct contact *ct)
{
	static const char *const keys[] = { "name", "phone", "when", "what",
	    "source", "reviewed", NULL };

	if (!cJSON_IsObject(it)) {
		jv_error(c, p, NULL, "must be an object");
		return;
	}
	jv_only_keys(c, it, p, keys);
	ct->name = dup_or_null(jv_string(c, it, p, "name", true));
	ct->phone = dup_or_null(jv_string(c, it, p, "phone", true));
	ct->when = dup_or_null(jv_string(c, it, p, "when", false));
	ct->what = dup_or_null(jv_string(c, it, p, "what", true));
	parse_contact_review(c, it, p, ct);
}

static int
load_safety_file(const char *file, struct safety *s, struct diags *d)
{
	static const char *const keys[] = { "format", "locale", "owner",
	    "title", "intro", "summary", "contacts", "closing", NULL };
	struct jctx	 c = { file, d };
	size_t		 before = d->n, i = 0;
	cJSON		*j;
	const cJSON	*arr, *it;
	int		 format = 0;

	memset(s, 0, sizeof *s);
	if ((j = jv_parse_file(file, d)) == NULL)
		return -1;
	s->file = xstrdup(file);
	jv_only_keys(&c, j, "$", keys);
	jv_int(&c, j, "$", "format", true, 1, 1, &format);
	s->locale = dup_or_null(jv_string(&c, j, "$", "locale", true));
	s->owner = dup_or_null(jv_string(&c, j, "$", "owner", true));
	s->title = dup_or_null(jv_string(&c, j, "$", "title", true));
	s->intro = dup_or_null(jv_string(&c, j, "$", "intro", true));
	s->summary = dup_or_null(jv_string(&c, j, "$", "summary", true));
	s->closing = dup_or_null(jv_string(&c, j, "$", "closing", false));
	if ((arr = jv_array(&c, j, "$", "contacts", true)) != NULL) {
		if (cJSON_GetArraySize(arr) == 0)
			jv_error(&c, "$", "contacts", "must name at least one "
			    "contact");
		s->contacts = xcalloc((size_t)cJSON_GetArraySize(arr) + 1,
		    sizeof *s->contacts);
		cJSON_ArrayForEach(it, arr) {
			char *p = jv_path_index("$.contacts", i);

			parse_contact(&c, it, p, &s->contacts[i]);
			free(p);
			s->n_contacts = ++i;
		}
	}
	cJSON_Delete(j);
	if (d->n != before) {
		free_safety(s);
		return -1;
	}
	return 0;
}

static int
load_safety(const char *dir, const char *locale, struct safety *s,
    struct diags *d)
{
	char	*file = xasprintf("%s/safety/%s.json", dir, locale);
	int	 rc;

	if (strcmp(locale, "en-GB") != 0 && access(file, R_OK) != 0) {
		free(file);
		file = xasprintf("%s/safety/en-GB.json", dir);
	}
	rc = load_safety_file(file, s, d);
	free(file);
	return rc;
}

char *
content_locale_from_env(const char *lang)
{
	size_t	 n;
	char	*s;

	if (lang == NULL || *lang == '\0' || strcmp(lang, "C") == 0 ||
	    strncmp(lang, "C.", 2) == 0 || strcmp(lang, "POSIX") == 0)
		return xstrdup("en-GB");
	n = strcspn(lang, ".@");
	s = xstrndup(lang, n);
	for (char *p = s; *p; p++)
		if (*p == '_')
			*p = '-';
	return s;
}

/* ---- lessons and measures ---- */

static int
load_lesson(const char *dir, const char *id, int minutes, struct lesson *l,
    struct diags *d)
{
	char	*file = xasprintf("%s/lessons/%s.md", dir, id);
	char	*text;
	size_t	 len;
	int	 rc = -1;

	if ((text = read_file(file, &len)) == NULL)
		diags_add(d, file, NULL, "cannot read the lesson: %s",
		    strerror(errno));
	else if ((rc = lesson_parse(text, len, id, file, l, d)) == 0)
		l->minutes = minutes;
	free(text);
	free(file);
	return rc;
}

static int
load_measure(const char *dir, const char *id, struct measure *m,
    struct diags *d)
{
	char	*file = xasprintf("%s/measures/%s.json", dir, id);
	cJSON	*j;
	int	 rc = -1;

	memset(m, 0, sizeof *m);
	if ((j = jv_parse_file(file, d)) != NULL) {
		rc = measure_parse(j, file, m, d);
		if (rc == 0 && strcmp(m->id, id) != 0) {
			diags_add(d, file, "$.id", "is \"%s\" but the file "
			    "name says \"%s\"", m->id, id);
			measure_free(m);
			rc = -1;
		}
	}
	cJSON_Delete(j);
	free(file);
	return rc;
}

/* ---- the programme ---- */

static const char *const programme_keys[] = { "format", "id", "title",
    "description", "always", "modules", NULL };
static const char *const module_keys[] = { "id", "title", "summary",
    "lessons", "exercises", "checkins", "unlock", NULL };

struct names {
	char	**v;
	size_t	  n;
};

static void
names_add(struct names *ns, const char *s)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], s) == 0)
			return;
	ns->v = xreallocarray(ns->v, ns->n + 1, sizeof *ns->v);
	ns->v[ns->n++] = xstrdup(s);
}

static bool
names_has(const struct names *ns, const char *s)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], s) == 0)
			return true;
	return false;
}

struct plan {
	struct names	lessons;	/* ids, in order of first mention */
	int		*minutes;	/* parallel to lessons */
	struct names	exercises;
	struct names	measures;
};

static void
parse_unlock(struct jctx *c, const cJSON *m, const char *p,
    struct module *mod, size_t index)
{
	static const char *const keys[] = { "after_previous",
	    "days_after_previous", NULL };
	const cJSON	*u = jv_object(c, m, p, "unlock", false);
	char		*up;

	if (u == NULL) {
		if (index > 0)
			jv_error(c, p, "unlock", "is required for every "
			    "module after the first");
		return;
	}
	up = jv_path_key(p, "unlock");
	if (index == 0)
		jv_error(c, p, "unlock", "the first module is open at once "
		    "and takes no unlock rule");
	jv_only_keys(c, u, up, keys);
	mod->after_previous = jv_bool(c, u, up, "after_previous", false);
	jv_int(c, u, up, "days_after_previous", false, 0, 365,
	    &mod->days_after_previous);
	if (!mod->after_previous && mod->days_after_previous == 0)
		jv_error(c, up, NULL, "must set after_previous or "
		    "days_after_previous");
	free(up);
}

static void
parse_module(struct jctx *c, const cJSON *m, const char *p,
    struct module *mod, size_t index, struct plan *plan)
{
	const cJSON	*arr, *it;
	const char	*s;
	char		*ap, *ip;
	size_t		 i = 0;
	int		 minutes;

	jv_only_keys(c, m, p, module_keys);
	s = jv_string(c, m, p, "id", true);
	if (s && !valid_id(s))
		jv_error(c, p, "id", "must use only a-z, 0-9, - and _");
	mod->id = xstrdup(s ? s : "");
	mod->title = dup_or_null(jv_string(c, m, p, "title", true));
	mod->summary = dup_or_null(jv_string(c, m, p, "summary", true));
	ap = jv_path_key(p, "lessons");
	if ((arr = jv_array(c, m, p, "lessons", true)) != NULL) {
		if (cJSON_GetArraySize(arr) == 0)
			jv_error(c, ap, NULL, "must name at least one lesson");
		mod->lessons = xcalloc((size_t)cJSON_GetArraySize(arr),
		    sizeof *mod->lessons);
		mod->lesson_ids = xcalloc((size_t)cJSON_GetArraySize(arr),
		    sizeof *mod->lesson_ids);
		cJSON_ArrayForEach(it, arr) {
			static const char *const k[] = { "id", "minutes",
			    NULL };

			ip = jv_path_index(ap, i++);
			jv_only_keys(c, it, ip, k);
			s = jv_string(c, it, ip, "id", true);
			minutes = 0;
			jv_int(c, it, ip, "minutes", true, 1, 60, &minutes);
			if (s && !valid_id(s))
				jv_error(c, ip, "id", "must use only a-z, "
				    "0-9, - and _");
			else if (s && names_has(&plan->lessons, s))
				jv_error(c, ip, "id", "lesson \"%s\" is named "
				    "twice in the programme", s);
			else if (s) {
				mod->lesson_ids[mod->n_lessons++] =
				    xstrdup(s);
				names_add(&plan->lessons, s);
				plan->minutes = xreallocarray(plan->minutes,
				    plan->lessons.n, sizeof *plan->minutes);
				plan->minutes[plan->lessons.n - 1] = minutes;
			}
			free(ip);
		}
	}
	free(ap);
	ap = jv_path_key(p, "exercises");
	mod->exercises = string_array(c, jv_array(c, m, p, "exercises", true),
	    ap, &mod->n_exercises);
	free(ap);
	ap = jv_path_key(p, "checkins");
	mod->checkins = string_array(c, jv_array(c, m, p, "checkins", true),
	    ap, &mod->n_checkins);
	free(ap);
	for (i = 0; i < mod->n_exercises; i++)
		names_add(&plan->exercises, mod->exercises[i]);
	for (i = 0; i < mod->n_checkins; i++)
		names_add(&plan->measures, mod->checkins[i]);
	parse_unlock(c, m, p, mod, index);
}

static int
parse_programme(struct content *ct, struct plan *plan, struct diags *d)
{
	char		*file = xasprintf("%s/programme.json", ct->dir);
	struct jctx	 c = { file, d };
	size_t		 before = d->n, i = 0;
	cJSON		*j;
	const cJSON	*mods, *m;
	int		 format = 0;

	if ((j = jv_parse_file(file, d)) == NULL)
		goto out;
	if (!cJSON_IsObject(j)) {
		jv_error(&c, "$", NULL, "must be a JSON object");
		goto out;
	}
	jv_only_keys(&c, j, "$", programme_keys);
	if (jv_int(&c, j, "$", "format", true, 1, 1000, &format) &&
	    format != 1)
		jv_error(&c, "$", "format", "format %d is not supported (this "
		    "version reads format 1)", format);
	ct->id = dup_or_null(jv_string(&c, j, "$", "id", true));
	ct->title = dup_or_null(jv_string(&c, j, "$", "title", true));
	ct->description = dup_or_null(jv_string(&c, j, "$", "description",
	    true));
	ct->always = string_array(&c, jv_array(&c, j, "$", "always", false),
	    "$.always", &ct->n_always);
	for (i = 0; i < ct->n_always; i++)
		names_add(&plan->exercises, ct->always[i]);
	if ((mods = jv_array(&c, j, "$", "modules", true)) != NULL) {
		if (cJSON_GetArraySize(mods) == 0)
			jv_error(&c, "$", "modules", "must have at least one "
			    "module");
		ct->modules = xcalloc((size_t)cJSON_GetArraySize(mods),
		    sizeof *ct->modules);
		i = 0;
		cJSON_ArrayForEach(m, mods) {
			char *p = jv_path_index("$.modules", i);

			parse_module(&c, m, p, &ct->modules[i], i, plan);
			for (size_t k = 0; k < i; k++)
				if (strcmp(ct->modules[k].id,
				    ct->modules[i].id) == 0)
					jv_error(&c, p, "id", "\"%s\" is used "
					    "by another module",
					    ct->modules[i].id);
			free(p);
			ct->n_modules = ++i;
		}
	}
out:
	cJSON_Delete(j);
	free(file);
	return d->n == before ? 0 : -1;
}

/* Every file in sub/ with suffix must be named by the programme: a lesson
 * nobody can reach is almost always a typo in programme.json. */
static void
check_unreferenced(const char *dir, const char *sub, const char *suffix,
    const struct names *named, struct diags *d)
{
	char		*path = xasprintf("%s/%s", dir, sub);
	DIR		*dp;
	struct dirent	*de;
	size_t		 sl = strlen(suffix);

	if ((dp = opendir(path)) == NULL) {
		diags_add(d, path, NULL, "cannot read the folder: %s",
		    strerror(errno));
		free(path);
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		size_t	 n = strlen(de->d_name);
		char	*id, *file;

		if (de->d_name[0] == '.' || n <= sl ||
		    strcmp(de->d_name + n - sl, suffix) != 0)
			continue;
		id = xstrndup(de->d_name, n - sl);
		if (!names_has(named, id)) {
			file = xasprintf("%s/%s", path, de->d_name);
			diags_add(d, file, NULL, "is not named anywhere in "
			    "programme.json, so no patient would see it");
			free(file);
		}
		free(id);
	}
	closedir(dp);
	free(path);
}

static void
link_modules(struct content *ct)
{
	for (size_t i = 0; i < ct->n_modules; i++) {
		struct module *m = &ct->modules[i];

		for (size_t k = 0; k < m->n_lessons; k++)
			m->lessons[k] = (struct lesson *)content_lesson(ct,
			    m->lesson_ids[k]);
	}
}

int
content_load(const char *dir, const char *locale, struct content *ct,
    struct diags *d)
{
	struct plan	plan;
	size_t		before = d->n, i;

	memset(ct, 0, sizeof *ct);
	memset(&plan, 0, sizeof plan);
	ct->dir = xstrdup(dir);
	parse_programme(ct, &plan, d);

	ct->lessons = xcalloc(plan.lessons.n, sizeof *ct->lessons);
	for (i = 0; i < plan.lessons.n; i++)
		if (load_lesson(dir, plan.lessons.v[i], plan.minutes[i],
		    &ct->lessons[ct->n_lessons], d) == 0)
			ct->n_lessons++;
	ct->exercises = xcalloc(plan.exercises.n, sizeof *ct->exercises);
	for (i = 0; i < plan.exercises.n; i++)
		if (load_exercise(dir, plan.exercises.v[i],
		    &ct->exercises[ct->n_exercises], d) == 0)
			ct->n_exercises++;
	ct->measures = xcalloc(plan.measures.n, sizeof *ct->measures);
	for (i = 0; i < plan.measures.n; i++)
		if (load_measure(dir, plan.measures.v[i],
		    &ct->measures[ct->n_measures], d) == 0)
			ct->n_measures++;
	load_safety(dir, locale ? locale : "en-GB", &ct->safety, d);

	check_unreferenced(dir, "lessons", ".md", &plan.lessons, d);
	check_unreferenced(dir, "exercises", ".json", &plan.exercises, d);
	check_unreferenced(dir, "measures", ".json", &plan.measures, d);

	free_strings(plan.lessons.v, plan.lessons.n);
	free_strings(plan.exercises.v, plan.exercises.n);
	free_strings(plan.measures.v, plan.measures.n);
	free(plan.minutes);
	if (d->n != before) {
		content_free(ct);
		return -1;
	}
	link_modules(ct);
	return 0;
}

void
content_free(struct content *ct)
{
	size_t i;

	for (i = 0; i < ct->n_modules; i++) {
		struct module *m = &ct->modules[i];

		free(m->id);
		free(m->title);
		free(m->summary);
		free_strings(m->lesson_ids, m->n_lessons);
		free(m->lessons);
		free_strings(m->exercises, m->n_exercises);
		free_strings(m->checkins, m->n_checkins);
	}
	free(ct->modules);
	for (i = 0; i < ct->n_lessons; i++)
		lesson_free(&ct->lessons[i]);
	free(ct->lessons);
	for (i = 0; i < ct->n_exercises; i++)
		free_exercise(&ct->exercises[i]);
	free(ct->exercises);
	for (i = 0; i < ct->n_measures; i++)
		measure_free(&ct->measures[i]);
	free(ct->measures);
	free_safety(&ct->safety);
	free_strings(ct->always, ct->n_always);
	free(ct->dir);
	free(ct->id);
	free(ct->title);
	free(ct->description);
	memset(ct, 0, sizeof *ct);
}

const struct measure *
content_measure(const struct content *ct, const char *id)
{
	for (size_t i = 0; i < ct->n_measures; i++)
		if (strcmp(ct->measures[i].id, id) == 0)
			return &ct->measures[i];
	return NULL;
}

const struct exercise *
content_exercise(const struct content *ct, const char *id)
{
	for (size_t i = 0; i < ct->n_exercises; i++)
		if (strcmp(ct->exercises[i].id, id) == 0)
			return &ct->exercises[i];
	return NULL;
}

const struct lesson *
content_lesson(const struct content *ct, const char *id)
{
	for (size_t i = 0; i < ct->n_lessons; i++)
		if (strcmp(ct->lessons[i].id, id) == 0)
			return &ct->lessons[i];
	return NULL;
}
