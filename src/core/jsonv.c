/* jsonv.c: typed, path-reporting access to cJSON values. */
#include <limits.h>
#include <stdint.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <malloc.h>

#include <sodium.h>

#include "jsonv.h"
#include "proto.h"
#include "util.h"

cJSON *
jv_parse_file(const char *file, struct diags *d)
{
	char		*text, *where;
	const char	*end = NULL, *p;
	size_t		 len;
	cJSON		*json;
	int		 line = 1, col = 1;

	if ((text = read_file(file, &len)) == NULL) {
		diags_add(d, file, NULL, "cannot read the file: %s",
		    strerror(errno));
		return NULL;
	}
	if (strlen(text) != len) {
		diags_add(d, file, NULL, "the file contains a NUL byte");
		free(text);
		return NULL;
	}
	json = cJSON_ParseWithOpts(text, &end, 1);
	if (json == NULL) {
		if (end == NULL)
			end = text;
		for (p = text; p < end; p++) {
			if (*p == '\n') {
				line++;
				col = 1;
			} else
				col++;
		}
		where = xasprintf("line %d, column %d", line, col);
		diags_add(d, file, where, "this is not valid JSON");
		free(where);
	}
	free(text);
	return json;
}

char *
jv_path_key(const char *path, const char *key)
{
	return xasprintf("%s.%s", path, key);
}

char *
jv_path_index(const char *path, size_t i)
{
	return xasprintf("%s[%zu]", path, i);
}

void
jv_error(struct jctx *c, const char *path, const char *key,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*where, *msg;

	where = key ? jv_path_key(path, key) : xstrdup(path);
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	diags_add(c->d, c->file, where, "%s", msg);
	free(msg);
	free(where);
}

static const cJSON *
get(struct jctx *c, const cJSON *obj, const char *path, const char *key,
    bool required)
{
	const cJSON *v;

	if (!cJSON_IsObject(obj))
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (v == NULL && required)
		jv_error(c, path, key, "is required but missing");
	return v;
}

bool
jv_text_ok(struct jctx *c, const char *path, const char *key, const char *s)
{
	char		 buf[PROTO_WHY_MAX];
	const char	*why = proto_text_why(s, SIZE_MAX, true, buf, sizeof buf);

	if (why == NULL)
		return true;
	jv_error(c, path, key, "%s", why);
	return false;
}

const char *
jv_string(struct jctx *c, const cJSON *obj, const char *path,
    const char *key, bool required)
{
	const cJSON *v = get(c, obj, path, key, required);

	if (v == NULL)
		return NULL;
	if (!cJSON_IsString(v) || v->valuestring == NULL) {
		jv_error(c, path, key, "must be a string");
		return NULL;
	}
	if (v->valuestring[0] == '\0') {
		jv_error(c, path, key, "must not be empty");
		return NULL;
	}
	if (!jv_text_ok(c, path, key, v->valuestring))
		return NULL;
	return v->valuestring;
}

const char *
jv_line(struct jctx *c, const cJSON *obj, const char *path, const char *key,
    bool required, size_t max)
{
	const char	*s = jv_string(c, obj, path, key, required), *why;
	char		 buf[PROTO_WHY_MAX];

	if (s != NULL && (why = proto_text_why(s, max, false, buf,
	    sizeof buf)) != NULL) {
		jv_error(c, path, key, "%s", why);
		return NULL;
	}
	return s;
}

bool
jv_int(struct jctx *c, const cJSON *obj, const char *path, const char *key,
    bool required, int min, int max, int *out)
{
	const cJSON	*v = get(c, obj, path, key, required);
	double		 x;

	if (v == NULL)
		return false;
	if (!cJSON_IsNumber(v)) {
		jv_error(c, path, key, "must be a whole number");
		return false;
	}
	x = v->valuedouble;
	if (x != floor(x) || x < INT_MIN || x > INT_MAX) {
		jv_error(c, path, key, "must be a whole number");
		return false;
	}
	if (x < min || x > max) {
		jv_error(c, path, key, "must be between %d and %d", min, max);
		return false;
	}
	*out = (int)x;
	return true;
}

bool
jv_bool(struct jctx *c, const cJSON *obj, const char *path, const char *key,
    bool dflt)
{
	const cJSON *v = get(c, obj, path, key, false);

	if (v == NULL)
		return dflt;
	if (!cJSON_IsBool(v)) {
		jv_error(c, path, key, "must be true or false");
		return dflt;
	}
	return cJSON_IsTrue(v);
}

const cJSON *
jv_array(struct jctx *c, const cJSON *obj, const char *path, const char *key,
    bool required)
{
	const cJSON *v = get(c, obj, path, key, required);

	if (v == NULL)
		return NULL;
	if (!cJSON_IsArray(v)) {
		jv_error(c, path, key, "must be an array");
		return NULL;
	}
	return v;
}

const cJSON *
jv_object(struct jctx *c, const cJSON *obj, const char *path,
    const char *key, bool required)
{
	const cJSON *v = get(c, obj, path, key, required);

	if (v == NULL)
		return NULL;
	if (!cJSON_IsObject(v)) {
		jv_error(c, path, key, "must be an object");
		return NULL;
	}
	return v;
}

void
jv_only_keys(struct jctx *c, const cJSON *obj, const char *path,
    const char *const *allowed)
{
	const cJSON		*v;
	const char *const	*a;

	if (!cJSON_IsObject(obj))
		return;
	cJSON_ArrayForEach(v, obj) {
		for (a = allowed; *a != NULL; a++)
			if (v->string && strcmp(v->string, *a) == 0)
				break;
		if (*a == NULL)
			jv_error(c, path, v->string,
			    "is not a known field (a typo?)");
	}
}

static void
json_wipe(cJSON *j)
{
	for (; j != NULL; j = j->next) {
		json_wipe(j->child);
		if (j->valuestring != NULL)
			sodium_memzero(j->valuestring, strlen(j->valuestring));
		if (j->string != NULL)
			sodium_memzero(j->string, strlen(j->string));
		j->valueint = 0;
		j->valuedouble = 0;
	}
}

void
json_wipe_delete(cJSON *j)
{
	if (j == NULL)
		return;
	json_wipe(j->child);
	if (j->valuestring != NULL)
		sodium_memzero(j->valuestring, strlen(j->valuestring));
	j->valueint = 0;
	j->valuedouble = 0;
	cJSON_Delete(j);
}

/* cJSON grows its print buffers by allocating anew and freeing the old
 * one, and frees every parsed string: with this free, none of those copies
 * (answers, keys, tokens) is left behind in freed memory. */
static void
wiping_free(void *p)
{
	if (p != NULL)
		sodium_memzero(p, malloc_usable_size(p));
	free(p);
}

void
json_wipe_on_free(void)
{
	cJSON_Hooks hooks = { malloc, wiping_free };

	cJSON_InitHooks(&hooks);
}
