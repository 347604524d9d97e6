/* tui.h: the ncurses front end of stepwise. */
#ifndef STEPWISE_TUI_H
#define STEPWISE_TUI_H

#include <stddef.h>

struct cli;

/* Run the full-screen programme; start_measure (may be NULL) opens that
 * check-in straight away. Returns an exit status. */
int	tui_run(struct cli *cli, const char *start_measure);

/* 0 when the terminal named by TERM can be drawn on; else -1 and why,
 * one sentence, for the line saying plain mode is used instead. */
int	tui_terminal_check(char *why, size_t size);

#endif
