/* ui.c: the one event loop both full-screen programs run: keyboard, a
 * self-pipe for signals, timers and any registered sources; the screen
 * stack; the status line; and restoring the terminal on every way out. */
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
#include "ui.h"
#include "util.h"

static int	sig_pipe[2] = { -1, -1 };
static bool	curses_on;

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

bool
is_enter(int k)
{
	return k == '\r' || k == '\n' || k == FN(KEY_ENTER);
}

void
ui_message(struct ui *u, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->message, sizeof u->message, fmt, ap);
	va_end(ap);
}

/* A split arrow key on a slow link must not read as a lone Esc: ESCDELAY
 * when the user sets it, else a wait long enough for a lossy link. */
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

static int
terminal_start(struct ui *u)
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
	u->utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	u->italic = tigetstr("sitm") != NULL && tigetstr("sitm") !=
	    (char *)-1;
	if (has_colors() && getenv("NO_COLOR") == NULL) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_CYAN, -1);
		init_pair(2, COLOR_GREEN, -1);
		init_pair(3, COLOR_RED, -1);
		u->colour = true;
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

int
ui_start(struct ui *u)
{
	atexit(terminal_restore);
	signals_start();
	return terminal_start(u);
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
ui_too_small(void)
{
	return COLS < UI_MIN_COLS || LINES < UI_MIN_ROWS;
}

static void
render(struct ui *u)
{
	struct screen	*s = u->top;
	char		 line[512], more[256];
	/* Only keys that work here: a screen that takes every printable
	 * key says how to leave it instead. */
	const char	*keys = _(s != NULL && s->ops->no_global ?
			    u->app->keys_hint_no_global : u->app->keys_hint);
	int		 kw, room;

	u->cur_y = u->cur_x = -1;
	erase();
	if (ui_too_small()) {
		u->app->too_small_draw(u);
		curs_set(0);
		refresh();
		return;
	}
	u->too_small_more = false;
	if (s != NULL)
		s->ops->draw(s, u);
	/* The status line: where the user is, then the program's words. */
	attrset(A_REVERSE);
	mvhline(LINES - 1, 0, ' ', COLS);
	kw = str_width(keys);
	if (u->message[0] != '\0')
		snprintf(line, sizeof line, " %s", u->message);
	else {
		snprintf(line, sizeof line, " %s", s && s->where ? s->where :
		    "");
		room = COLS - kw - 2 - str_width(line) - 5;
		more[0] = '\0';
		if (u->app->status != NULL)
			u->app->status(u, room, more, sizeof more);
		if (more[0] != '\0')
			snprintf(line + strlen(line), sizeof line -
			    strlen(line), "  |  %s", more);
	}
	if (u->message[0] != '\0' && str_width(line) > COLS - kw - 2)
		status_message(u->message);
	else {
		put_line(LINES - 1, 0, COLS - kw - 2, line, A_REVERSE);
		put_line(LINES - 1, COLS - kw - 1, kw, keys, A_REVERSE);
	}
	attrset(A_NORMAL);
	if (u->cur_y >= 0) {
		curs_set(1);
		move(u->cur_y, u->cur_x);
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
pop(struct ui *u)
{
	struct screen *s = u->top;

	if (s == NULL)
		return;
	u->top = s->below;
	u->screen_gen++;
	if (s->ops->leave)
		s->ops->leave(s, u);
	free(s);
}

void
ui_push(struct ui *u, struct screen *s)
{
	if (s == NULL)
		return;
	s->below = u->top;
	u->top = s;
	u->screen_gen++;
}

bool
ui_apply(struct ui *u, enum action a)
{
	switch (a) {
	case ACT_UNHANDLED:
	case ACT_NONE:
	case ACT_REDRAW:
		break;
	case ACT_POP:
		pop(u);
		break;
	case ACT_REPLACE:
		pop(u);
		/* FALLTHROUGH */
	case ACT_PUSH:
		ui_push(u, u->pending);
		u->pending = NULL;
		for (size_t i = 0; i < u->n_after; i++)
			ui_push(u, u->after[i]);
		u->n_after = 0;
		break;
	case ACT_QUIT:
		return false;
	}
	return u->top != NULL;
}

static enum action
global_key(struct ui *u, int key)
{
	enum action a = ACT_UNHANDLED;

	if (u->app->global_key != NULL)
		a = u->app->global_key(u, key);
	if (a != ACT_UNHANDLED)
		return a;
	switch (key) {
	case '?':
	case FN(KEY_F(1)):
		u->pending = screen_help_new(u, u->top);
		return ACT_PUSH;
	case 'q':
	case KEY_ESCAPE:
		return ACT_POP;
	}
	return ACT_NONE;
}

static bool
handle_key(struct ui *u, int key)
{
	struct screen	*s = u->top;
	enum action	 a;

	if (key == FN(KEY_RESIZE))
		return true;
	/* Nothing else is visible to act on; q and Esc leave (every screen
	 * saves its draft on the way out). */
	if (ui_too_small()) {
		if (key == 'q' || key == KEY_ESCAPE)
			return false;
		u->app->too_small_key(u, key);
		return true;
	}
	u->message[0] = '\0';
	a = s->ops->key(s, u, key);
	if (a == ACT_UNHANDLED && !s->ops->no_global)
		a = global_key(u, key);
	return ui_apply(u, a);
}

void
ui_leave_all(struct ui *u)
{
	while (u->top != NULL)
		pop(u);
	terminal_restore();
}

void
ui_finish(struct ui *u)
{
	(void)u;
	sources_clear();
	for (int i = 0; i < 2; i++)
		if (sig_pipe[i] >= 0) {
			close(sig_pipe[i]);
			sig_pipe[i] = -1;
		}
}

int
ui_loop(struct ui *u)
{
	struct pollfd	pfd[2 + 16];
	size_t		nsrc;
	long long	deadline, now;
	int		timeout, key;
	wint_t		wc;
	unsigned char	sig;
	bool		dirty = true;

	for (;;) {
		if (dirty || u->dirty)
			render(u);
		dirty = u->dirty = false;
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = sig_pipe[0];
		pfd[1].events = POLLIN;
		deadline = u->wake_at;
		nsrc = sources_pollfds(pfd + 2, 16, &deadline);
		timeout = -1;
		if (deadline != 0) {
			now = now_ms();
			timeout = deadline <= now ? 0 : (int)(deadline - now);
		}
		if (poll(pfd, 2 + nsrc, timeout) < 0 && errno != EINTR)
			return EXIT_FAILURE;
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
			return EXIT_FAILURE;
		if (pfd[0].revents & POLLIN) {
			for (;;) {
				int r = get_wch(&wc);

				if (r == ERR)
					break;
				key = r == KEY_CODE_YES ? FN((int)wc) :
				    (int)wc;
				if (!handle_key(u, key))
					return EXIT_SUCCESS;
				dirty = true;
			}
		}
		if (u->wake_at != 0 && now >= u->wake_at && u->top &&
		    u->top->ops->tick) {
			u->wake_at = 0;
			if (!ui_apply(u, u->top->ops->tick(u->top, u)))
				return EXIT_SUCCESS;
			dirty = true;
		} else if (u->wake_at != 0 && now >= u->wake_at)
			u->wake_at = 0;
	}
}
