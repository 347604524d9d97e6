/* tui.c: the TUI's entry point and its one event loop: keyboard, a
 * self-pipe for signals, timers and any registered sources; the screen
 * stack; and restoring the terminal on every way out. */
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <term.h>

#include "i18n.h"
#include "tui.h"
#include "tui_int.h"
#include "util.h"

static int	sig_pipe[2] = { -1, -1 };
static bool	curses_on;

const struct binding global_keys[] = {
	{ '?', "?", N_("show the keys for this screen"), 0 },
	{ 'h', "h", N_("help now: who to contact in a crisis"), 0 },
	{ 'q', "q / Esc", N_("go back (on the home screen, q quits)"), 0 },
};
const size_t n_global_keys = sizeof global_keys / sizeof global_keys[0];

static void
on_signal(int sig)
{
	unsigned char	b = (unsigned char)sig;
	int		saved = errno;

	(void)!write(sig_pipe[1], &b, 1);
	errno = saved;
}

static void
terminal_restore(void)
{
	if (curses_on) {
		endwin();
		curses_on = false;
	}
}

long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct screen *
screen_new(const struct screen_ops *ops, void *data, const char *where)
{
	struct screen *s = xcalloc(1, sizeof *s);

	s->ops = ops;
	s->data = data;
	s->where = where;
	return s;
}

int
binding_find(const struct binding *b, size_t n, int key)
{
	for (size_t i = 0; i < n; i++)
		if (b[i].key == key)
			return b[i].cmd;
	return -1;
}

void
tui_message(struct tui *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->message, sizeof t->message, fmt, ap);
	va_end(ap);
}

enum action
tui_opened(struct tui *t, bool first_run)
{
	const struct measure	*m;
	struct unlock_report	 r;
	struct sw_error		 err = { 0 };
	const char		*words;
	char			 buf[sizeof t->message];

	/* Before anything is saved or sent (outbox_verify_at_unlock). */
	if (outbox_verify_at_unlock(t->st, &r, &err) != 0)
		tui_message(t, "%s", err.msg);
	else if ((words = outbox_unlock_words(&r, buf, sizeof buf)) != NULL)
		tui_message(t, "%s", words);
	tui_sync_open(t);
	t->pending = screen_home_new(t);
	t->n_after = 0;
	if (first_run)
		t->after[t->n_after++] = screen_welcome_new(t);
	if (t->start_measure != NULL &&
	    (m = content_measure(&t->ct, t->start_measure)) != NULL)
		t->after[t->n_after++] = screen_checkin_new(t, m);
	return ACT_REPLACE;
}

/* A split arrow key on a slow link must not read as a lone Esc: ESCDELAY
 * when the patient sets it, else a wait long enough for a lossy link. */
#define ESCDELAY_DEFAULT_MS	400

static int
escape_delay(void)
{
	const char	*e = getenv("ESCDELAY");
	char		*end;
	long		 v;

	if (e == NULL || *e == '\0')
		return ESCDELAY_DEFAULT_MS;
	v = strtol(e, &end, 10);
	if (*end != '\0' || v < 0 || v > 10000)
		return ESCDELAY_DEFAULT_MS;
	return (int)v;
}

int
tui_terminal_check(char *why, size_t size)
{
	const char	*term = getenv("TERM");
	int		 err = 0;

	/* setupterm, not initscr: an unknown terminal is told here, and
	 * nothing is drawn or exited. */
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
		snprintf(why, size, err == 0 ? _("the terminal type '%s' is "
		    "not known on this computer, so Stepwise runs in plain "
		    "mode") : _("the terminal '%s' cannot be used for the "
		    "full screen, so Stepwise runs in plain mode"),
		    term ? term : "");
		return -1;
	}
	del_curterm(cur_term);
	return 0;
}

static int
terminal_start(struct tui *t)
{
	const char *cs = nl_langinfo(CODESET);

	if (newterm(NULL, stdout, stdin) == NULL)
		return -1;
	curses_on = true;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(escape_delay());
	/* Shift-Tab as most terminals send it, also where terminfo does not
	 * name it (vt100): else its ESC would leave the screen. */
	define_key("\033[Z", KEY_BTAB);
	t->utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	t->italic = tigetstr("sitm") != NULL && tigetstr("sitm") !=
	    (char *)-1;
	if (has_colors() && getenv("NO_COLOR") == NULL) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_CYAN, -1);
		init_pair(2, COLOR_GREEN, -1);
		init_pair(3, COLOR_RED, -1);
		t->colour = true;
	}
	return 0;
}

static void
signals_start(void)
{
	struct sigaction	sa;
	const int		sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };

	if (pipe(sig_pipe) != 0)
		return;
	for (int i = 0; i < 2; i++) {
		fcntl(sig_pipe[i], F_SETFL, O_NONBLOCK);
		fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

/* A message longer than the status line takes the whole line, and the one
 * above it if it needs two: it lasts until the next key, and a message cut
 * short ("it will be on your home screen") would lose what it is for. */
static void
status_message(const char *msg)
{
	struct tdoc	d = { NULL, 0, COLS - 2 };
	int		rows;

	tdoc_text(&d, msg, A_REVERSE);
	rows = d.n > 1 ? 2 : 1;
	attrset(A_REVERSE);
	for (int r = 0; r < rows; r++)
		mvhline(LINES - 1 - r, 0, ' ', COLS);
	attrset(A_NORMAL);
	tdoc_draw(&d, LINES - rows, 1, 0, rows);
	tdoc_free(&d);
}

bool
tui_too_small(void)
{
	return COLS < TUI_MIN_COLS || LINES < TUI_MIN_ROWS;
}

/* Too small to use, never too small to get help or leave: the crisis
 * numbers come before anything else that is cut, and h shows every
 * contact. */
static void
too_small(struct tui *t)
{
	const struct safety	*sf = &t->ct.safety;
	const char		*head = _("This window is too small: make it at "
				    "least 40 x 12.");
	const char		*keys = _("h: all crisis contacts. q or Esc: "
				    "leave (your work is kept).");
	struct tdoc		 d = { NULL, 0, COLS };
	int			 hr, sr, y = 0;
	char			*s;

	if (t->small_contacts) {
		for (size_t i = 0; i < sf->n_contacts; i++) {
			s = xasprintf("%s: %s", sf->contacts[i].name,
			    sf->contacts[i].phone);
			tdoc_text(&d, s, A_NORMAL);
			free(s);
		}
		tdoc_text(&d, _("h: back. q or Esc: leave."), A_BOLD);
		tdoc_draw(&d, 0, 0, 0, LINES);
		tdoc_free(&d);
	} else {
		sr = text_rows(sf->summary, COLS);
		if (sr > LINES)
			sr = LINES;
		hr = text_rows(head, COLS);
		if (hr > LINES - sr)
			hr = LINES - sr;
		if (hr > 0)
			y = put_wrapped(t, 0, 0, COLS, hr, head, A_BOLD);
		y = put_wrapped(t, y, 0, COLS, y + sr, sf->summary,
		    tui_attr(t, ATTR_WARN));
		put_wrapped(t, y, 0, COLS, LINES, keys, A_NORMAL);
	}
	curs_set(0);
	refresh();
}

static void
render(struct tui *t)
{
	struct screen	*s = t->top;
	char		 line[512], sync[256];
	/* Only keys that work here: a passphrase screen takes h as a
	 * letter, and shows the contacts itself. */
	const char	*keys = s != NULL && s->ops->no_global ? _("Esc leaves") :
			    _("? keys  h help now");
	int		 kw, room;

	t->cur_y = t->cur_x = -1;
	erase();
	if (tui_too_small()) {
		too_small(t);
		return;
	}
	t->small_contacts = false;
	if (s != NULL)
		s->ops->draw(s, t);
	/* The status line: where the patient is, what is pending. */
	attrset(A_REVERSE);
	mvhline(LINES - 1, 0, ' ', COLS);
	kw = str_width(keys);
	if (t->message[0] != '\0')
		snprintf(line, sizeof line, " %s", t->message);
	else {
		snprintf(line, sizeof line, " %s%s%s", s && s->where ?
		    s->where : "", t->pendingline[0] ? "  |  " : "",
		    t->pendingline);
		/* The sync part takes what room is left, in fewer words
		 * when it must. */
		room = COLS - kw - 2 - str_width(line) - 5;
		tui_sync_status(t, room, sync, sizeof sync);
		if (sync[0] != '\0')
			snprintf(line + strlen(line), sizeof line -
			    strlen(line), "  |  %s", sync);
	}
	if (t->message[0] != '\0' && str_width(line) > COLS - kw - 2)
		status_message(t->message);
	else {
		put_line(LINES - 1, 0, COLS - kw - 2, line, A_REVERSE);
		put_line(LINES - 1, COLS - kw - 1, kw, keys, A_REVERSE);
	}
	attrset(A_NORMAL);
	if (t->cur_y >= 0) {
		curs_set(1);
		move(t->cur_y, t->cur_x);
	} else
		curs_set(0);
	refresh();
}

static void
resize(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
}

static void
pop(struct tui *t)
{
	struct screen *s = t->top;

	if (s == NULL)
		return;
	t->top = s->below;
	t->screen_gen++;
	if (s->ops->leave)
		s->ops->leave(s, t);
	free(s);
}

static void
push(struct tui *t, struct screen *s)
{
	if (s == NULL)
		return;
	s->below = t->top;
	t->top = s;
	t->screen_gen++;
}

/* Returns false when the programme should end. */
static bool
apply(struct tui *t, enum action a)
{
	switch (a) {
	case ACT_UNHANDLED:
	case ACT_NONE:
	case ACT_REDRAW:
		break;
	case ACT_POP:
		pop(t);
		break;
	case ACT_REPLACE:
		pop(t);
		/* FALLTHROUGH */
	case ACT_PUSH:
		push(t, t->pending);
		t->pending = NULL;
		for (size_t i = 0; i < t->n_after; i++)
			push(t, t->after[i]);
		t->n_after = 0;
		break;
	case ACT_QUIT:
		return false;
	}
	return t->top != NULL;
}

static enum action
global_key(struct tui *t, int key)
{
	switch (key) {
	case '?':
	case FN(KEY_F(1)):
		t->pending = screen_help_new(t, t->top);
		return ACT_PUSH;
	case 'h':
		if (t->st == NULL)
			return ACT_NONE;
		t->pending = screen_crisis_new(t);
		return ACT_PUSH;
	case 'q':
	case KEY_ESCAPE:
		return ACT_POP;
	}
	return ACT_NONE;
}

static bool
handle_key(struct tui *t, int key)
{
	struct screen	*s = t->top;
	enum action	 a;

	if (key == FN(KEY_RESIZE))
		return true;
	/* Nothing else is visible to act on; h shows every contact, q and
	 * Esc leave (every screen saves its draft on the way out). */
	if (tui_too_small()) {
		if (key == 'h')
			t->small_contacts = !t->small_contacts;
		return key != 'q' && key != KEY_ESCAPE;
	}
	t->message[0] = '\0';
	a = s->ops->key(s, t, key);
	if (a == ACT_UNHANDLED && !s->ops->no_global)
		a = global_key(t, key);
	return apply(t, a);
}

/* Leave every screen (each saves its draft), then the terminal. */
static void
tui_cleanup(struct tui *t)
{
	while (t->top != NULL)
		pop(t);
	terminal_restore();
	tui_sync_close(t);
	sources_clear();
	if (t->st != NULL)
		store_close(t->st);
	t->st = NULL;
	content_free(&t->ct);
	free(t->path);
	t->path = NULL;
	for (int i = 0; i < 2; i++)
		if (sig_pipe[i] >= 0) {
			close(sig_pipe[i]);
			sig_pipe[i] = -1;
		}
}

/* One turn per wake-up; returns the exit status when done, else -1. */
static int
loop(struct tui *t)
{
	struct pollfd	pfd[2 + 16];
	size_t		nsrc;
	long long	deadline, now;
	int		timeout, key;
	wint_t		wc;
	unsigned char	sig;
	bool		dirty = true;

	for (;;) {
		if (dirty || t->dirty)
			render(t);
		dirty = t->dirty = false;
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = sig_pipe[0];
		pfd[1].events = POLLIN;
		deadline = t->wake_at;
		nsrc = sources_pollfds(pfd + 2, 16, &deadline);
		timeout = -1;
		if (deadline != 0) {
			now = now_ms();
			timeout = deadline <= now ? 0 : (int)(deadline - now);
		}
		if (poll(pfd, 2 + nsrc, timeout) < 0 && errno != EINTR)
			return EXIT_FAIL;
		now = now_ms();
		if (pfd[1].revents & POLLIN) {
			while (read(sig_pipe[0], &sig, 1) == 1) {
				if (sig == SIGWINCH) {
					resize();
					dirty = true;
					continue;
				}
				return 128 + sig;
			}
		}
		sources_dispatch(pfd + 2, nsrc, now);
		if (pfd[0].revents & (POLLHUP | POLLERR))
			return EXIT_FAIL;
		if (pfd[0].revents & POLLIN) {
			for (;;) {
				int r = get_wch(&wc);

				if (r == ERR)
					break;
				key = r == KEY_CODE_YES ? FN((int)wc) :
				    (int)wc;
				if (!handle_key(t, key))
					return EXIT_OK;
				dirty = true;
			}
		}
		if (t->wake_at != 0 && now >= t->wake_at && t->top &&
		    t->top->ops->tick) {
			t->wake_at = 0;
			if (!apply(t, t->top->ops->tick(t->top, t)))
				return EXIT_OK;
			dirty = true;
		} else if (t->wake_at != 0 && now >= t->wake_at)
			t->wake_at = 0;
	}
}

/* Before any screen: open the profile when it needs no screen to do so. */
static int
open_quietly(struct tui *t, bool *opened)
{
	struct sw_error	 err = { 0 };
	char		*pass = NULL;
	int		 has;

	*opened = false;
	if ((has = store_has_passphrase(t->path, &err)) < 0)
		return cli_error("%s", err.msg);
	if (has && t->cli->passphrase_fd < 0)
		return 0;
	if (has && (pass = passphrase_read(t->cli, "")) == NULL)
		return EXIT_FAIL;
	if (store_open(t->path, pass, &t->st, &err) != 0) {
		passphrase_free(pass);
		return cli_error("%s", err.msg);
	}
	passphrase_free(pass);
	*opened = true;
	return 0;
}

int
tui_run(struct cli *cli, const char *start_measure)
{
	static struct tui	 t;
	bool			 exists, opened = false;
	int			 rc;

	memset(&t, 0, sizeof t);
	t.cli = cli;
	t.start_measure = start_measure;
	if (cli_load_content(cli, &t.ct) != 0)
		return EXIT_FAIL;
	if (start_measure != NULL && content_measure(&t.ct,
	    start_measure) == NULL) {
		content_free(&t.ct);
		return cli_error(_("there is no check-in called '%s'"),
		    start_measure);
	}
	if ((t.path = cli_profile_path(cli, true)) == NULL) {
		content_free(&t.ct);
		return EXIT_FAIL;
	}
	exists = access(t.path, F_OK) == 0;
	if (exists && (rc = open_quietly(&t, &opened)) != 0) {
		tui_cleanup(&t);
		return rc;
	}
	atexit(terminal_restore);
	signals_start();
	if (terminal_start(&t) != 0) {
		const char *term = getenv("TERM");

		tui_cleanup(&t);
		return cli_error(_("the terminal '%s' could not be started"),
		    term ? term : "");
	}
	if (!exists)
		push(&t, screen_firstrun_new(&t));
	else if (!opened)
		push(&t, screen_unlock_new(&t));
	else
		apply(&t, tui_opened(&t, false));
	rc = loop(&t);
	tui_cleanup(&t);
	return rc;
}
