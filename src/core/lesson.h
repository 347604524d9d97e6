/* lesson.h: a lesson parsed from CommonMark (with cmark) into a flat list of
 * blocks of styled spans, which a front end can wrap to any width without
 * knowing Markdown. */
#ifndef STEPWISE_LESSON_H
#define STEPWISE_LESSON_H

#include <stddef.h>

#include "diag.h"

enum span_style {
	SPAN_EMPH = 1,
	SPAN_STRONG = 2,
	SPAN_CODE = 4,
};

struct span {
	char	*text;		/* UTF-8; "\n" marks a hard line break */
	int	 style;		/* enum span_style bits */
};

enum block_type {
	BLOCK_HEADING,
	BLOCK_PARAGRAPH,
	BLOCK_RULE,
};

struct block {
	enum block_type	 type;
	int		 level;		/* heading level 1-6 */
	int		 indent;	/* list nesting depth, 0 outside lists */
	int		 quote;		/* block quote depth */
	int		 item;		/* first paragraph of a list item: -1 for a
					   bullet, n for "n." ; 0 otherwise */
	struct span	*spans;
	size_t		 n_spans;
};

struct lesson {
	char		*id;
	char		*title;		/* the leading level-1 heading */
	int		 minutes;	/* from programme.json */
	size_t		 words;
	struct block	*blocks;
	size_t		 n_blocks;
};

/* Parse text (len bytes) as lesson id from file; problems go to d with a
 * line number. 0 on success, -1 on any problem. */
int	lesson_parse(const char *text, size_t len, const char *id,
	    const char *file, struct lesson *out, struct diags *d);
void	lesson_free(struct lesson *);
/* All spans of a block joined, as plain text; the caller frees it. */
char	*block_text(const struct block *);

#endif
