/* jsonv.h: reading typed fields out of cJSON while recording every problem
 * with its file and JSON path ($.items[2].text), so a content author is told
 * exactly where to look. Every getter returns a safe value on error and keeps
 * going, so one pass reports all problems, not just the first. */
#ifndef STEPWISE_JSONV_H
#define STEPWISE_JSONV_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "diag.h"

struct jctx {
	const char	*file;
	struct diags	*d;
};

/* Parse a file; on a syntax error record "line L, column C" and return NULL. */
cJSON		*jv_parse_file(const char *file, struct diags *);

/* Paths: "$" + ".key" or "[i]"; the caller frees the result. */
char		*jv_path_key(const char *path, const char *key);
char		*jv_path_index(const char *path, size_t i);

/* Record a problem at path + key (key may be NULL). */
void		 jv_error(struct jctx *, const char *path, const char *key,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Whether s keeps the text rule of text.h (new lines and tabs allowed, no
 * character that could drive a terminal); records the problem at path +
 * key when it does not. */
bool		 jv_text_ok(struct jctx *, const char *path, const char *key,
		    const char *s);

/* Typed getters. A missing optional field gives NULL/false without a problem;
 * a missing required field or a wrong type records one. Strings must be
 * non-empty and keep the text rule (jv_text_ok). Integers must lie in
 * [min, max]. */
const char	*jv_string(struct jctx *, const cJSON *obj, const char *path,
		    const char *key, bool required);
/* A string on one line of at most max characters (proto_text_ok): a name,
 * a phone number, an address. */
const char	*jv_line(struct jctx *, const cJSON *obj, const char *path,
		    const char *key, bool required, size_t max);
bool		 jv_int(struct jctx *, const cJSON *obj, const char *path,
		    const char *key, bool required, int min, int max, int *out);
bool		 jv_bool(struct jctx *, const cJSON *obj, const char *path,
		    const char *key, bool dflt);
const cJSON	*jv_array(struct jctx *, const cJSON *obj, const char *path,
		    const char *key, bool required);
const cJSON	*jv_object(struct jctx *, const cJSON *obj, const char *path,
		    const char *key, bool required);
/* Record each key of obj not in the NULL-terminated allowed list (catches
 * typos such as "treshold" that would otherwise be silently ignored). */
void		 jv_only_keys(struct jctx *, const cJSON *obj, const char *path,
		    const char *const *allowed);

/* Delete j after overwriting every string, key and number in it, for JSON
 * that held clinical data or secrets. NULL is allowed. */
void		 json_wipe_delete(cJSON *);
/* From now on every block cJSON frees is overwritten first; call once at
 * start, after sodium_init. */
void		 json_wipe_on_free(void);

#endif
