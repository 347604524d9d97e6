/* sharing.h: what goes to the clinic, as the patient decides. Check-ins,
 * risk answers and replies go to a joined clinic (check-ins made before
 * joining only if the patient says so when joining); an exercise entry
 * goes only when the patient shares it. The choices are sealed. */
#ifndef STEPWISE_SHARING_H
#define STEPWISE_SHARING_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "store.h"

/* The clinic's default for the question at an entry's save, from its
 * enrollment file ("share_default"). */
enum share_default {
	SHARE_ASK,	/* ask, with no answer chosen beforehand */
	SHARE_YES,	/* ask, with "share" as the default */
	SHARE_NO,	/* ask, with "keep private" as the default */
};

/* Every choice made, loaded once for a walk over many records. */
struct sharing;
int	 sharing_load(struct store *, struct sharing **, struct sw_error *);
/* Whether the record goes to the clinic: the patient's choice when there
 * is one, else by kind (an exercise entry stays private). */
bool	 sharing_allows(const struct sharing *, const char *id,
	    const char *kind);
void	 sharing_free(struct sharing *);
/* Keep the choice for one record (in the caller's transaction, if any). */
int	 sharing_set(struct store *, const char *id, bool share,
	    struct sw_error *);

/* The clinic's default, kept sealed when the profile was enrolled. */
enum share_default sharing_default(struct store *);
int	 sharing_set_default(struct store *, enum share_default,
	    struct sw_error *);
/* "ask", "share", "private" <-> the enum; -1 for anything else. */
int	 share_default_parse(const char *);
const char *share_default_id(enum share_default);

/* Where an exercise entry stands. */
enum entry_share {
	ENTRY_PRIVATE,		/* kept on this computer only */
	ENTRY_SHARED,		/* shared, waiting to be sent (or for a
				 * clinic to be joined) */
	ENTRY_SENDING,		/* shared, and a sync (this process's or
				 * another's) is sending it right now */
	ENTRY_SENT,		/* the clinic has it: it cannot be unsent */
	ENTRY_MAYBE_SENT,	/* private now, but a sync that ended
				 * without the clinic's answer was sending
				 * it: the clinic may have it */
	ENTRY_MAYBE_SENT_BEFORE, /* the same, to the clinic this profile
				 * was enrolled with before the current one */
};
/* Whether the entry goes, or went, to the clinic. */
bool	 entry_is_shared(enum entry_share);
/* sh: the choices loaded once for a walk over many entries (sharing_load),
 * or NULL to load them for this one. */
int	 entry_share_state(struct store *, const struct sharing *sh,
	    const char *id, enum entry_share *, struct sw_error *);
/* Share an entry (queue it for the clinic, when one is joined), or make
 * a shared one private again while it has not been sent (its envelope
 * leaves the queue). Refuses, changing nothing, to unsend a sent one, or
 * one that a sync (this process's or another's) is sending right now.
 * One transaction. *after: where the entry stands once it succeeded. */
int	 entry_share(struct store *, const char *id, bool share,
	    enum entry_share *after, struct sw_error *);
/* Where the entry stands, in a sentence for the patient (allocated):
 * clinic is the clinic's name when the profile is joined, else NULL. */
char	*entry_share_words(enum entry_share, const char *clinic);
/* What the patient is told after entry_share succeeded, from where the
 * entry stands now (its *after): shared, private, or private while the
 * clinic may have it from a sync that ended without its answer. */
char	*entry_shared_words(enum entry_share now, const char *clinic);

#endif
