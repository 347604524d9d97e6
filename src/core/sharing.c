/* sharing.c: the patient's choices of what goes to the clinic, kept in the
 * sealed state "sharing" as {"<record id>": true|false}, and the clinic's
 * default for the question ("sharing:default"). Records with no choice go
 * by kind: an exercise entry stays private; check-ins, risk answers and
 * replies go. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "i18n.h"
#include "jsonv.h"
#include "outbox.h"
#include "record.h"
#include "sharing.h"
#include "util.h"

#define SHARING_STATE		"sharing"
#define SHARING_DEFAULT_STATE	"sharing:default"

struct choice {
	char	id[STORE_ID_LEN + 1];
	bool	share;
};

struct sharing {
	struct choice	*v;
	size_t		 n;
};

static int
by_id(const void *a, const void *b)
{
	return strcmp(((const struct choice *)a)->id,
	    ((const struct choice *)b)->id);
}

/* The sealed map, parsed (NULL when there is none yet). */
static int
map_load(struct store *st, cJSON **map, struct sw_error *err)
{
	char *json;

	*map = NULL;
	if (store_get_state(st, SHARING_STATE, &json, err) != 0)
		return -1;
	if (json != NULL) {
		*map = cJSON_Parse(json);
		store_secret_free(json);
		if (!cJSON_IsObject(*map)) {
			cJSON_Delete(*map);
			*map = NULL;
			return sw_fail(err, SW_ECORRUPT, _("What you chose to "
			    "share is damaged in the profile and cannot be "
			    "read."));
		}
	}
	return 0;
}

int
sharing_load(struct store *st, struct sharing **out, struct sw_error *err)
{
	struct sharing	*s = xcalloc(1, sizeof *s);
	const cJSON	*it;
	cJSON		*map;

	*out = NULL;
	if (map_load(st, &map, err) != 0) {
		free(s);
		return -1;
	}
	s->v = xcalloc((size_t)cJSON_GetArraySize(map) + 1, sizeof *s->v);
	cJSON_ArrayForEach(it, map) {
		if (strlen(it->string) != STORE_ID_LEN || !cJSON_IsBool(it))
			continue;
		memcpy(s->v[s->n].id, it->string, STORE_ID_LEN + 1);
		s->v[s->n++].share = cJSON_IsTrue(it);
	}
	json_wipe_delete(map);
	qsort(s->v, s->n, sizeof *s->v, by_id);
	*out = s;
	return 0;
}

bool
sharing_allows(const struct sharing *s, const char *id, const char *kind)
{
	struct choice	 key;
	struct choice	*c;

	snprintf(key.id, sizeof key.id, "%s", id);
	c = s != NULL ? bsearch(&key, s->v, s->n, sizeof *s->v, by_id) : NULL;
	if (c != NULL)
		return c->share;
	return strcmp(kind, RECORD_EXERCISE) != 0;
}

void
sharing_free(struct sharing *s)
{
	if (s == NULL)
		return;
	free(s->v);
	free(s);
}

int
sharing_set(struct store *st, const char *id, bool share,
    struct sw_error *err)
{
	cJSON	*map;
	char	*json;
	int	 rc;

	if (map_load(st, &map, err) != 0)
		return -1;
	if (map == NULL)
		map = cJSON_CreateObject();
	cJSON_DeleteItemFromObjectCaseSensitive(map, id);
	cJSON_AddBoolToObject(map, id, share);
	json = store_json_print(map);
	json_wipe_delete(map);
	rc = store_put_state(st, SHARING_STATE, json, err);
	store_secret_free(json);
	return rc;
}

/* ---- the clinic's default ---- */

static const char *const default_ids[] = {
	[SHARE_ASK] = "ask", [SHARE_YES] = "share", [SHARE_NO] = "private",
};

int
share_default_parse(const char *s)
{
	for (size_t i = 0; s != NULL && i < sizeof default_ids /
	    sizeof default_ids[0]; i++)
		if (strcmp(s, default_ids[i]) == 0)
			return (int)i;
	return -1;
}

const char *
share_default_id(enum share_default d)
{
	return default_ids[d];
}

enum share_default
sharing_default(struct store *st)
{
	char	*json;
	cJSON	*j;
	int	 d = -1;

	if (store_get_state(st, SHARING_DEFAULT_STATE, &json, NULL) != 0 ||
	    json == NULL)
		return SHARE_ASK;
	j = cJSON_Parse(json);
	store_secret_free(json);
	d = share_default_parse(cJSON_GetStringValue(j));
	cJSON_Delete(j);
	return d < 0 ? SHARE_ASK : (enum share_default)d;
}

int
sharing_set_default(struct store *st, enum share_default d,
    struct sw_error *err)
{
	char	json[32];

	snprintf(json, sizeof json, "\"%s\"", share_default_id(d));
	return store_put_state(st, SHARING_DEFAULT_STATE, json, err);
}

/* ---- one entry ---- */

struct find {
	const char	*id;
	char		*json;
	long long	 at;
};

static int
find_entry(void *arg, const char *id, const char *kind, long long at,
    const char *json)
{
	struct find *f = arg;

	(void)kind;
	if (strcmp(id, f->id) != 0)
		return 0;
	f->json = xstrdup(json);
	f->at = at;
	return 1;
}

/* Where a private entry stands, from whether a request took its record. */
static enum entry_share
private_state(enum in_flight f)
{
	return f == IN_FLIGHT_NONE ? ENTRY_PRIVATE : f == IN_FLIGHT_MAYBE_BEFORE ?
	    ENTRY_MAYBE_SENT_BEFORE : ENTRY_MAYBE_SENT;
}

bool
entry_is_shared(enum entry_share s)
{
	return s == ENTRY_SHARED || s == ENTRY_SENDING || s == ENTRY_SENT;
}

int
entry_share_state(struct store *st, const struct sharing *sh, const char *id,
    enum entry_share *out, struct sw_error *err)
{
	struct sharing	*s = NULL;
	enum in_flight	 f;
	int		 sent;

	if ((sent = outbox_record_sent(st, id)) < 0)
		return sw_fail(err, SW_EIO, _("Could not read whether the entry "
		    "was sent."));
	if (sent) {
		*out = ENTRY_SENT;
		return 0;
	}
	if (sh == NULL && sharing_load(st, &s, err) != 0)
		return -1;
	*out = sharing_allows(sh != NULL ? sh : s, id, RECORD_EXERCISE) ?
	    ENTRY_SHARED : ENTRY_PRIVATE;
	sharing_free(s);
	if (outbox_record_in_flight(st, id, (long long)time(NULL), &f) != 0)
		return sw_fail(err, SW_EIO, _("Could not read whether the "
		    "entry was sent."));
	/* A shared entry a sync is sending now is on its way, not waiting;
	 * one a cut sync was sending goes again (the clinic keeps one). A
	 * private one either may be at the clinic already. */
	if (*out == ENTRY_SHARED && f == IN_FLIGHT_NOW)
		*out = ENTRY_SENDING;
	else if (*out == ENTRY_PRIVATE)
		*out = private_state(f);
	return 0;
}

int
entry_share(struct store *st, const char *id, bool share,
    enum entry_share *after, struct sw_error *err)
{
	struct find	 f = { id, NULL, 0 };
	enum entry_share now = ENTRY_PRIVATE;
	enum in_flight	 going = IN_FLIGHT_NONE;
	int		 sent, rc;

	if ((rc = store_each_record(st, RECORD_EXERCISE, find_entry, &f,
	    err)) < 0)
		return -1;
	if (rc == 0)
		return sw_fail(err, SW_ENOENT, _("There is no such exercise "
		    "entry."));
	if ((sent = outbox_record_sent(st, id)) != 0) {
		wipe_free(f.json);
		*after = ENTRY_SENT;
		return sent < 0 ? sw_fail(err, SW_EIO, _("Could not read whether "
		    "the entry was sent.")) : share ? 0 : sw_fail(err,
		    SW_EINVAL, _("This entry has already been sent to your "
		    "clinic, so it cannot be made private again."));
	}
	/* Already as asked: nothing to queue or take out. */
	if ((rc = entry_share_state(st, NULL, id, &now, err)) != 0 ||
	    entry_is_shared(now) == share) {
		wipe_free(f.json);
		*after = now;
		return rc;
	}
	if (store_begin(st, err) != 0) {
		wipe_free(f.json);
		return -1;
	}
	/* What a sync is sending now may reach the clinic whatever is
	 * chosen: making it private waits until that sync has finished.
	 * Read in this transaction, which a sync's marking waits for (or
	 * that waits for it), so that the two never cross. */
	if (!share && (outbox_record_in_flight(st, id, (long long)time(NULL),
	    &going) != 0 || going == IN_FLIGHT_NOW)) {
		wipe_free(f.json);
		store_rollback(st);
		return going == IN_FLIGHT_NOW ? sw_fail(err, SW_EINVAL,
		    _("Stepwise is sending this entry to your clinic right "
		    "now, so it cannot be made private. Try again when the "
		    "sending has finished.")) : sw_fail(err, SW_EIO,
		    _("Could not read whether the entry was sent."));
	}
	rc = sharing_set(st, id, share, err);
	if (rc == 0)
		rc = share ? outbox_add_record(st, id, RECORD_EXERCISE, f.at,
		    f.json, false, err) : outbox_remove_record(st, id, err);
	wipe_free(f.json);
	if (rc != 0) {
		store_rollback(st);
		return -1;
	}
	*after = share ? ENTRY_SHARED : private_state(going);
	return store_commit(st, err);
}

char *
entry_share_words(enum entry_share s, const char *clinic)
{
	switch (s) {
	case ENTRY_SENT:
		return xasprintf(_("Shared: %s has it."), clinic ? clinic :
		    _("your clinic"));
	case ENTRY_SHARED:
		return clinic ? xasprintf(_("Shared: it goes to %s at the next "
		    "sync."), clinic) : xstrdup(_("Shared: it will go to your "
		    "clinic if you join one."));
	case ENTRY_SENDING:
		return xasprintf(_("Shared: Stepwise is sending it to %s right "
		    "now."), clinic ? clinic : _("your clinic"));
	case ENTRY_MAYBE_SENT:
		return xasprintf(_("Private: Stepwise will not send it, but a "
		    "sync that did not finish was sending it, so %s may have "
		    "it."), clinic ? clinic : _("your clinic"));
	case ENTRY_MAYBE_SENT_BEFORE:
		return xstrdup(_("Private: Stepwise will not send it, but a "
		    "sync that did not finish was sending it to the clinic this "
		    "profile was joined to before, so that clinic may have "
		    "it."));
	case ENTRY_PRIVATE:
		break;
	}
	return xstrdup(_("Private: only on this computer."));
}

char *
entry_shared_words(enum entry_share now, const char *clinic)
{
	if (now == ENTRY_MAYBE_SENT)
		return xasprintf(_("This entry is private again: Stepwise will "
		    "not send it. A sync that did not finish was sending it, "
		    "so %s may have it already."), clinic ? clinic :
		    _("your clinic"));
	if (now == ENTRY_MAYBE_SENT_BEFORE)
		return xstrdup(_("This entry is private again: Stepwise will "
		    "not send it. A sync that did not finish was sending it to "
		    "the clinic this profile was joined to before, so that "
		    "clinic may have it already."));
	if (now == ENTRY_PRIVATE)
		return xstrdup(_("This entry is private again: it stays on "
		    "this computer."));
	if (now == ENTRY_SENDING)
		return xasprintf(_("This entry is shared: Stepwise is sending "
		    "it to %s right now."), clinic ? clinic : _("your clinic"));
	return clinic ? xasprintf(_("This entry is shared: it goes to %s at "
	    "the next sync."), clinic) : xstrdup(_("This entry is shared: it "
	    "will go to your clinic if you join one."));
}
