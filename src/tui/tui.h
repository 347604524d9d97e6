/* tui.h: the ncurses front end of stepwise. */
#ifndef STEPWISE_TUI_H
#define STEPWISE_TUI_H

struct cli;

/* Run the full-screen programme; start_measure (may be NULL) opens that
 * check-in straight away. Returns an exit status. */
int	tui_run(struct cli *cli, const char *start_measure);

#endif
