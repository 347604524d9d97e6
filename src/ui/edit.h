/* edit.h: the text editor both programs use for one field. */
#ifndef STEPWISE_UI_EDIT_H
#define STEPWISE_UI_EDIT_H

#include "ui.h"

struct edit {
	wchar_t	*b;
	size_t	 len, cap, cur;
	size_t	 max;		/* characters; 0 = no limit */
	size_t	 max_bytes;	/* in UTF-8; 0 = no limit */
};

enum edit_move { EDIT_LEFT, EDIT_RIGHT, EDIT_UP, EDIT_DOWN, EDIT_HOME,
    EDIT_END };

void	 edit_set(struct edit *, const char *utf8);
char	*edit_get(const struct edit *);
/* Wipes the text and frees it. */
void	 edit_free(struct edit *);
void	 edit_insert(struct edit *, wchar_t);
void	 edit_delete(struct edit *);
void	 edit_backspace(struct edit *);
void	 edit_move(struct edit *, enum edit_move, int width);
/* The keys every text field shares: moving, rubbing out, typing. Enter and
 * anything else are the caller's (ACT_UNHANDLED). */
enum action edit_key(struct edit *, int key, int width);
/* Draw at most height rows; the cursor position goes to cur_y/cur_x. */
int	 edit_draw(const struct edit *, int y, int x, int width, int height,
	    attr_t, int *cur_y, int *cur_x);

#endif
