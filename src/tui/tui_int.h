/* tui_int.h: what the TUI's files share: the screen vtable and stack, key
 * tables, the text layout used by every screen, and the event sources. */
#ifndef STEPWISE_TUI_INT_H
#define STEPWISE_TUI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include <poll.h>
#include <curses.h>

#include "cli.h"
#include "content.h"
#include "outbox.h"
#include "store.h"

#define TUI_MIN_COLS	40
#define TUI_MIN_ROWS	12

/* A key: a character, or a function key with TUI_FN set (ncurses' KEY_*
 * codes overlap real characters, so they are kept apart). */
#define TUI_FN		0x40000000
#define FN(k)		(TUI_FN | (k))
#define CTRLK(c)	((c) & 0x1f)
#define KEY_ESCAPE	0x1b
#define KEY_TAB		'\t'

/* What a key handler or a timer asks the loop to do. */
enum action {
	ACT_UNHANDLED,	/* try the global keys */
	ACT_NONE,
	ACT_REDRAW,
	ACT_PUSH,	/* push tui.pending */
	ACT_POP,
	ACT_REPLACE,	/* pop, then push tui.pending */
	ACT_QUIT,
};

/* One binding: the key, how help shows it, what it does, and the screen's
 * own command number. */
struct binding {
	int		 key;
	const char	*name;
	const char	*help;	/* N_() */
	int		 cmd;
};

struct tui;
struct screen;
struct sync;

struct screen_ops {
	const char	*name;
	void		(*draw)(struct screen *, struct tui *);
	enum action	(*key)(struct screen *, struct tui *, int key);
	enum action	(*tick)(struct screen *, struct tui *);	/* may be NULL */
	/* Leaving for good (back, quit or a signal): save any draft, free. */
	void		(*leave)(struct screen *, struct tui *);
	const struct binding *keys;
	size_t		 n_keys;
	bool		 no_global;	/* takes every printable key (passphrase) */
};

struct screen {
	const struct screen_ops	*ops;
	void			*data;
	struct screen		*below;
	const char		*where;	/* for the status line, translated */
};

struct tui {
	struct cli		*cli;
	struct content		 ct;
	char			*path;		/* the profile */
	struct store		*st;
	struct screen		*top;
	struct screen		*pending;	/* for ACT_PUSH / ACT_REPLACE */
	const char		*start_measure;
	long long		 wake_at;	/* ms; a screen wants a tick; 0 none */
	bool			 utf8;
	bool			 colour;
	bool			 italic;
	struct screen		*after[4];	/* pushed after pending */
	size_t			 n_after;
	int			 cur_y, cur_x;	/* text cursor, -1 hidden */
	char			 pendingline[160];	/* status: what is due */
	char			 message[256];	/* one-off message, status line */
	bool			 dirty;		/* draw again (set by sources) */
	bool			 small_contacts;	/* too small: h pressed */
	/* The clinic, when the profile is enrolled (tui_sync.c). */
	struct outbox		*ob;
	struct sync		*sync;
	cJSON			*clinic;	/* name, contact, crisis */
	char			 clinic_for[PROTO_ID_LEN + 1];	/* its device */
	struct sync_status	 sync_st;
	size_t			 waiting, set_aside;
	int			 unread;
	unsigned		 inbox_gen;	/* sync_inbox_gen seen */
	unsigned		 screen_gen;	/* grows at every push and pop */
	bool			 sync_again;	/* saved during a run */
	bool			 sync_asked;	/* the patient pressed S: say
						 * how the run ended */
};

/* tui.c */
struct screen	*screen_new(const struct screen_ops *, void *data,
		    const char *where);
int		 binding_find(const struct binding *, size_t, int key);
long long	 now_ms(void);
void		 tui_message(struct tui *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* The window is below TUI_MIN_COLS x TUI_MIN_ROWS. */
bool		 tui_too_small(void);
/* After the store is open: Home (and the first check-in if asked). */
enum action	 tui_opened(struct tui *, bool first_run);

/* draw.c: cells of (character, attribute) wrapped into lines. */
struct cell {
	wchar_t	 c;
	attr_t	 a;
};
struct tline {
	struct cell	*c;
	size_t		 n;
};
struct tdoc {
	struct tline	*v;
	size_t		 n;
	int		 width;
};
enum {
	ATTR_TITLE = 1, ATTR_ACCENT, ATTR_WARN, ATTR_DIM, ATTR_SELECT,
};
attr_t		 tui_attr(const struct tui *, int which);
int		 wc_width(wchar_t);
int		 str_width(const char *);
wchar_t		*wcs_from_utf8(const char *);
char		*utf8_from_wcs(const wchar_t *, size_t n);
/* Start a paragraph; every wrapped line begins with prefix (first line) or
 * rest (later lines), each drawn in pattr. */
struct para {
	struct tdoc	*d;
	struct cell	*word;
	size_t		 nword, capword;
	struct tline	*line;
	int		 col;
	const wchar_t	*rest;
	attr_t		 pattr;
	bool		 space;
	bool		 used;	/* a word is on this line */
};
void		 para_begin(struct para *, struct tdoc *, const wchar_t *first,
		    const wchar_t *rest, attr_t pattr);
void		 para_add(struct para *, const char *utf8, attr_t);
void		 para_end(struct para *);
void		 tdoc_text(struct tdoc *, const char *utf8, attr_t);
void		 tdoc_blank(struct tdoc *);
void		 tdoc_row(struct tdoc *, const char *utf8, attr_t);
size_t		 tdoc_scroll(const struct tdoc *, size_t top, size_t start,
		    size_t end, int avail);
/* A line made cell by cell (a chart). */
struct tline	*tdoc_newline(struct tdoc *);
void		 line_put(struct tline *, wchar_t, attr_t);
int		 line_text(struct tline *, const char *utf8, attr_t, int width);
void		 tdoc_free(struct tdoc *);
void		 tdoc_draw(const struct tdoc *, int y, int x, size_t top,
		    int rows);
void		 put_line(int y, int x, int width, const char *utf8, attr_t);
void		 mark_selected(struct tui *, int y, int x);
int		 put_wrapped(const struct tui *, int y, int x, int width,
		    int maxy, const char *utf8, attr_t);
/* How many rows utf8 takes wrapped at width. */
int		 text_rows(const char *utf8, int width);
const char	*bullet(const struct tui *);

/* sources.c: descriptors and deadlines other parts add to the loop. A
 * source is named by (fd, ready); fd -1 is a deadline only. Times are
 * now_ms() milliseconds (CLOCK_MONOTONIC). */
struct source {
	int		 fd;
	short		 events;
	long long	 deadline;	/* ms, 0 none; fires once */
	void		(*ready)(void *arg, int fd, short revents,
			    long long now);
	void		*arg;
};
typedef void	(*source_fn)(void *, int, short, long long);
int		 sources_set(const struct source *);
void		 sources_remove(int fd, source_fn);
size_t		 sources_pollfds(struct pollfd *, size_t max,
		    long long *deadline);
void		 sources_dispatch(const struct pollfd *, size_t n,
		    long long now);
void		 sources_clear(void);

/* tui_sync.c: the clinic, when the profile is enrolled. */
void		 tui_sync_open(struct tui *);
void		 tui_sync_close(struct tui *);
/* Read the counts and status again (after a run, a save, a read). */
void		 tui_sync_refresh(struct tui *);
/* A record was saved: send it soon. */
void		 tui_record_saved(struct tui *);
/* The clinic's name, or "your clinic". */
const char	*tui_clinic_name(const struct tui *);
/* "Sync now": 0 started, 1 not (t->message says why). */
int		 tui_sync_now(struct tui *);
/* The status line's sync part in at most width columns ("" for none). */
void		 tui_sync_status(const struct tui *, int width, char *buf,
		    size_t size);
/* Home's sync line: the clinic, the state and what to do, in words. */
char		*tui_sync_words(const struct tui *);

/* The screens. */
struct screen	*screen_firstrun_new(struct tui *);
struct screen	*screen_unlock_new(struct tui *);
struct screen	*screen_home_new(struct tui *);
struct screen	*screen_lesson_new(struct tui *, const struct lesson *);
struct screen	*screen_checkin_new(struct tui *, const struct measure *);
struct screen	*screen_exercise_new(struct tui *, const struct exercise *);
struct open_entry;
struct screen	*screen_exercise_finish_new(struct tui *,
		    const struct exercise *, const struct open_entry *);
struct screen	*screen_exercises_new(struct tui *);
struct screen	*screen_entries_new(struct tui *, const struct exercise *);
struct screen	*screen_progress_new(struct tui *);
struct screen	*screen_messages_new(struct tui *);
/* Help now: the crisis contacts; Enter or q closes it. */
struct screen	*screen_crisis_new(struct tui *);
/* The same after a risk answer (risk_id: its risk record), first with a
 * number and who will see the answer; only c closes it, after a second. */
struct screen	*screen_crisis_answer_new(struct tui *, const char *risk_id);
struct screen	*screen_welcome_new(struct tui *);
struct screen	*screen_example_new(struct tui *, const struct exercise *);
void		 values_render(struct tui *, const struct exercise *,
		    const cJSON *values, struct tdoc *);
struct screen	*screen_help_new(struct tui *, const struct screen *);
/* A scrolling page of text: build fills d for a width. */
typedef void	(*doc_build_fn)(struct tui *, void *arg, struct tdoc *d);
struct screen	*screen_doc_new(struct tui *, const char *where,
		    const char *title, doc_build_fn, void *arg,
		    void (*free_arg)(void *));

/* Global keys every screen gets, for help. */
extern const struct binding global_keys[];
extern const size_t n_global_keys;

#endif
