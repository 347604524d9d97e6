/* ui.h: the full-screen layer both programs share (the patient's stepwise
 * and the supporter's stepwise-clinic console): one event loop, a stack
 * of screens with key tables, the status line, help, scrolling pages,
 * text laid out in cells, a text editor (edit.h), and the event sources.
 * A program embeds struct ui first in its own state and gives the loop
 * what is its own in struct ui_app. */
#ifndef STEPWISE_UI_H
#define STEPWISE_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include <poll.h>
#include <curses.h>

/* The smallest window every screen is made for. */
#define UI_MIN_COLS	40
#define UI_MIN_ROWS	12

/* A key: a character, or a function key with UI_FN set (ncurses' KEY_*
 * codes overlap real characters, so they are kept apart). */
#define UI_FN		0x40000000
#define FN(k)		(UI_FN | (k))
#define CTRLK(c)	((c) & 0x1f)
#define KEY_ESCAPE	0x1b
#define KEY_TAB		'\t'

/* What a key handler or a timer asks the loop to do. */
enum action {
	ACT_UNHANDLED,	/* try the global keys */
	ACT_NONE,
	ACT_REDRAW,
	ACT_PUSH,	/* push ui.pending */
	ACT_POP,
	ACT_REPLACE,	/* pop, then push ui.pending */
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

struct ui;
struct screen;

struct screen_ops {
	const char	*name;
	void		(*draw)(struct screen *, struct ui *);
	enum action	(*key)(struct screen *, struct ui *, int key);
	enum action	(*tick)(struct screen *, struct ui *);	/* may be NULL */
	/* Leaving for good (back, quit or a signal): save any draft, free. */
	void		(*leave)(struct screen *, struct ui *);
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

/* What is the program's own. */
struct ui_app {
	/* The keys every screen gets, for help (? help, q and Esc back are
	 * the loop's; list them too), and what the program's own do:
	 * ACT_UNHANDLED for a key not its own (NULL: none). */
	const struct binding *global_keys;
	size_t		 n_global_keys;
	enum action	(*global_key)(struct ui *, int key);
	/* The status line's right-hand hint, translated at use (N_()): for
	 * every screen, and for one that takes every printable key. */
	const char	*keys_hint;
	const char	*keys_hint_no_global;
	/* What follows "where" on the status line, in at most room columns
	 * ("" for nothing); may be NULL. */
	void		(*status)(struct ui *, int room, char *buf, size_t size);
	/* The window is below UI_MIN_COLS x UI_MIN_ROWS: draw what must
	 * still be seen, and take a key other than q and Esc (which leave). */
	void		(*too_small_draw)(struct ui *);
	void		(*too_small_key)(struct ui *, int key);
};

struct ui {
	const struct ui_app	*app;
	struct screen		*top;
	struct screen		*pending;	/* for ACT_PUSH / ACT_REPLACE */
	struct screen		*after[4];	/* pushed after pending */
	size_t			 n_after;
	long long		 wake_at;	/* ms; a screen wants a tick; 0 none */
	bool			 utf8;
	bool			 colour;
	bool			 italic;
	int			 cur_y, cur_x;	/* text cursor, -1 hidden */
	char			 message[256];	/* one-off message, status line */
	bool			 dirty;		/* draw again (set by sources) */
	unsigned		 screen_gen;	/* grows at every push and pop */
	bool			 too_small_more; /* too small: the program's
						  * second page (reset when
						  * the window grows) */
};

/* ui.c: the terminal, the loop and the stack. */
/* Whether the terminal can be driven full screen at all (why, if not). */
int		 ui_terminal_check(char *why, size_t size);
/* Start the terminal and the signal pipe: 0, or -1 (nothing drawn). */
int		 ui_start(struct ui *);
/* The loop until the last screen goes or a signal: the exit status
 * (0, 1 on a failure, 128 + the signal). */
int		 ui_loop(struct ui *);
/* Leave every screen (each saves its draft), then the terminal. */
void		 ui_leave_all(struct ui *);
/* After the program's own cleanup: the sources and the signal pipe. */
void		 ui_finish(struct ui *);
void		 ui_push(struct ui *, struct screen *);
/* Do what an action says; false when the program should end. */
bool		 ui_apply(struct ui *, enum action);
struct screen	*screen_new(const struct screen_ops *, void *data,
		    const char *where);
int		 binding_find(const struct binding *, size_t, int key);
long long	 now_ms(void);
void		 ui_message(struct ui *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* The window is below UI_MIN_COLS x UI_MIN_ROWS. */
bool		 ui_too_small(void);
bool		 is_enter(int key);

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
attr_t		 ui_attr(const struct ui *, int which);
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
/* A list row wrapped, its lines hanging under its text (past a "[ ] "). */
void		 tdoc_row(struct tdoc *, const char *utf8, attr_t);
/* The first line to show so that lines start..end fit in avail. */
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
void		 mark_selected(struct ui *, int y, int x);
int		 put_wrapped(const struct ui *, int y, int x, int width,
		    int maxy, const char *utf8, attr_t);
/* How many rows utf8 takes wrapped at width. */
int		 text_rows(const char *utf8, int width);
const char	*bullet(const struct ui *);

/* doc.c: a scrolling page of text (build fills d for a width), and the
 * keys of a screen made with it. */
typedef void	(*doc_build_fn)(struct ui *, void *arg, struct tdoc *d);
struct screen	*screen_doc_new(const char *where, const char *title,
		    doc_build_fn, void *arg, void (*free_arg)(void *));
/* The same that only close_key closes, and no key before a second has
 * passed (what must not vanish by the key that brought it). */
struct screen	*screen_doc_deliberate_new(const char *where,
		    const char *title, doc_build_fn, void *arg,
		    void (*free_arg)(void *), int close_key);
struct screen	*screen_help_new(const struct ui *, const struct screen *);

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

#endif
