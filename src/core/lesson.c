/* lesson.c: CommonMark lessons into render-ready blocks, rejecting what a
 * terminal cannot show (HTML, images, code blocks). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "lesson.h"
#include "proto.h"
#include "text.h"
#include "util.h"

#define MAX_DEPTH 16

struct walk {
	struct lesson	*l;
	struct diags	*d;
	const char	*file;
	int		 style_count[3];	/* emph, strong, code nesting */
	int		 quote;
	int		 indent;
	int		 list_number[MAX_DEPTH]; /* -1 bullet, n next number */
	bool		 item_pending;
	struct block	*cur;
	bool		 bad;
};

static void
problem(struct walk *w, cmark_node *n, const char *msg)
{
	char		*where = xasprintf("line %d",
			    cmark_node_get_start_line(n));
	struct diag	*last = w->d->n ? &w->d->v[w->d->n - 1] : NULL;

	/* "<b>x</b>" is two HTML nodes on one line: say it once. */
	if (last == NULL || last->where == NULL ||
	    strcmp(last->where, where) != 0 || strcmp(last->msg, msg) != 0)
		diags_add(w->d, w->file, where, "%s", msg);
	free(where);
	w->bad = true;
}

/* Whether a text node's characters may be shown. The file's own bytes
 * were checked line by line, but a character reference (&#27;, &#x9b;)
 * becomes its character only here. */
static bool
literal_ok(struct walk *w, cmark_node *n)
{
	const char	*lit = cmark_node_get_literal(n);
	char		 tmp[PROTO_WHY_MAX], *msg;

	if (lit == NULL || text_check(lit, strlen(lit), TEXT_LINES, NULL) ==
	    TEXT_OK)
		return true;
	msg = xasprintf("this text %s (written as a character reference, "
	    "such as &#27;)", proto_text_why(lit, SIZE_MAX, true, tmp,
	    sizeof tmp));
	problem(w, n, msg);
	free(msg);
	return false;
}

static int
current_style(const struct walk *w)
{
	return (w->style_count[0] ? SPAN_EMPH : 0) |
	    (w->style_count[1] ? SPAN_STRONG : 0);
}

static void
add_span(struct walk *w, const char *text, int style)
{
	struct block	*b = w->cur;
	struct span	*last;
	char		*joined;

	if (b == NULL || text == NULL || *text == '\0')
		return;
	last = b->n_spans ? &b->spans[b->n_spans - 1] : NULL;
	if (last != NULL && last->style == style) {
		joined = xasprintf("%s%s", last->text, text);
		free(last->text);
		last->text = joined;
		return;
	}
	b->spans = xreallocarray(b->spans, b->n_spans + 1, sizeof *b->spans);
	b->spans[b->n_spans].text = xstrdup(text);
	b->spans[b->n_spans].style = style;
	b->n_spans++;
}

static struct block *
new_block(struct walk *w, enum block_type type)
{
	struct lesson	*l = w->l;
	struct block	*b;

	l->blocks = xreallocarray(l->blocks, l->n_blocks + 1, sizeof *b);
	b = &l->blocks[l->n_blocks++];
	memset(b, 0, sizeof *b);
	b->type = type;
	b->indent = w->indent;
	b->quote = w->quote;
	if (w->item_pending && type == BLOCK_PARAGRAPH) {
		int *num = &w->list_number[w->indent > 0 ? w->indent - 1 : 0];

		b->item = *num < 0 ? -1 : (*num)++;
		w->item_pending = false;
	}
	return b;
}

static void
enter(struct walk *w, cmark_node *n)
{
	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_DOCUMENT:
	case CMARK_NODE_LINK:
		break;
	case CMARK_NODE_BLOCK_QUOTE:
		w->quote++;
		break;
	case CMARK_NODE_LIST:
		if (w->indent >= MAX_DEPTH) {
			problem(w, n, "lists are nested too deeply");
			break;
		}
		w->list_number[w->indent] =
		    cmark_node_get_list_type(n) == CMARK_ORDERED_LIST ?
		    cmark_node_get_list_start(n) : -1;
		w->indent++;
		break;
	case CMARK_NODE_ITEM:
		w->item_pending = true;
		break;
	case CMARK_NODE_HEADING:
		w->cur = new_block(w, BLOCK_HEADING);
		w->cur->level = cmark_node_get_heading_level(n);
		break;
	case CMARK_NODE_PARAGRAPH:
		w->cur = new_block(w, BLOCK_PARAGRAPH);
		break;
	case CMARK_NODE_THEMATIC_BREAK:
		new_block(w, BLOCK_RULE);
		break;
	case CMARK_NODE_TEXT:
		if (literal_ok(w, n))
			add_span(w, cmark_node_get_literal(n),
			    current_style(w));
		break;
	case CMARK_NODE_CODE:
		if (literal_ok(w, n))
			add_span(w, cmark_node_get_literal(n),
			    current_style(w) | SPAN_CODE);
		break;
	case CMARK_NODE_SOFTBREAK:
		add_span(w, " ", current_style(w));
		break;
	case CMARK_NODE_LINEBREAK:
		add_span(w, "\n", current_style(w));
		break;
	case CMARK_NODE_EMPH:
		w->style_count[0]++;
		break;
	case CMARK_NODE_STRONG:
		w->style_count[1]++;
		break;
	case CMARK_NODE_HTML_BLOCK:
	case CMARK_NODE_HTML_INLINE:
		problem(w, n, "HTML is not allowed in a lesson");
		break;
	case CMARK_NODE_IMAGE:
		problem(w, n, "images cannot be shown in a terminal");
		break;
	case CMARK_NODE_CODE_BLOCK:
		problem(w, n, "code blocks are not allowed in a lesson "
		    "(an indented line starts one: remove the indent)");
		break;
	default:
		problem(w, n, "this kind of Markdown is not supported");
		break;
	}
}

static void
leave(struct walk *w, cmark_node *n)
{
	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_BLOCK_QUOTE:
		w->quote--;
		break;
	case CMARK_NODE_LIST:
		if (w->indent > 0)
			w->indent--;
		break;
	case CMARK_NODE_ITEM:
		w->item_pending = false;
		break;
	case CMARK_NODE_HEADING:
	case CMARK_NODE_PARAGRAPH:
		w->cur = NULL;
		break;
	case CMARK_NODE_EMPH:
		w->style_count[0]--;
		break;
	case CMARK_NODE_STRONG:
		w->style_count[1]--;
		break;
	default:
		break;
	}
}

/* The text rule of text.h, line by line: the 1-based line of the first
 * that breaks it, or 0, with why in buf. A line may end in CR LF (cmark
 * takes that as the line's end); a CR anywhere else is refused. */
static int
bad_line(const char *s, size_t len, char *buf, size_t size)
{
	const char	*p = s, *end = s + len, *nl;
	size_t		 n;
	int		 line = 1;

	for (; p < end; p = nl + 1, line++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && nl < end && p[n - 1] == '\r')
			n--;
		if (text_check(p, n, TEXT_LINES, NULL) != TEXT_OK) {
			char	 tmp[PROTO_WHY_MAX];
			char	*l = xstrndup(p, n);

			snprintf(buf, size, "this line %s", proto_text_why(l,
			    SIZE_MAX, true, tmp, sizeof tmp));
			free(l);
			return line;
		}
	}
	return 0;
}

static size_t
count_words(const char *s)
{
	size_t	n = 0;
	bool	in = false;

	for (; *s; s++) {
		bool space = (*s == ' ' || *s == '\n' || *s == '\t');

		if (!space && !in)
			n++;
		in = !space;
	}
	return n;
}

char *
block_text(const struct block *b)
{
	size_t	 len = 0;
	char	*s;

	for (size_t i = 0; i < b->n_spans; i++)
		len += strlen(b->spans[i].text);
	s = xmalloc(len + 1);
	s[0] = '\0';
	for (size_t i = 0; i < b->n_spans; i++)
		strcat(s, b->spans[i].text);
	return s;
}

static void
check_shape(struct walk *w, cmark_node *doc)
{
	struct lesson	*l = w->l;
	const char	*last_h2 = NULL;
	char		*text;
	size_t		 i;

	if (l->n_blocks == 0 || l->blocks[0].type != BLOCK_HEADING ||
	    l->blocks[0].level != 1) {
		diags_add(w->d, w->file, "line 1",
		    "a lesson must start with a level-1 heading (# Title)");
		w->bad = true;
	} else
		l->title = block_text(&l->blocks[0]);
	for (i = 0; i < l->n_blocks; i++) {
		if (l->blocks[i].type == BLOCK_HEADING &&
		    l->blocks[i].level == 2)
			last_h2 = l->blocks[i].spans ?
			    l->blocks[i].spans[0].text : "";
		if (l->blocks[i].type != BLOCK_RULE) {
			text = block_text(&l->blocks[i]);
			l->words += count_words(text);
			free(text);
		}
	}
	if (last_h2 == NULL || strcmp(last_h2, "Try this") != 0) {
		char *where = xasprintf("line %d",
		    cmark_node_get_end_line(doc));
		diags_add(w->d, w->file, where, "a lesson must end with a "
		    "\"## Try this\" section: one small practical step");
		free(where);
		w->bad = true;
	}
}

int
lesson_parse(const char *text, size_t len, const char *id, const char *file,
    struct lesson *out, struct diags *d)
{
	struct walk		 w;
	cmark_node		*doc;
	cmark_iter		*it;
	cmark_event_type	 ev;
	char			 why[PROTO_WHY_MAX + 16];
	int			 line;

	memset(out, 0, sizeof *out);
	out->id = xstrdup(id);
	if ((line = bad_line(text, len, why, sizeof why)) != 0) {
		char *where = xasprintf("line %d", line);

		diags_add(d, file, where, "%s", why);
		free(where);
		lesson_free(out);
		return -1;
	}
	memset(&w, 0, sizeof w);
	w.l = out;
	w.d = d;
	w.file = file;
	doc = cmark_parse_document(text, len, CMARK_OPT_DEFAULT);
	it = cmark_iter_new(doc);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		if (ev == CMARK_EVENT_ENTER)
			enter(&w, cmark_iter_get_node(it));
		else
			leave(&w, cmark_iter_get_node(it));
	}
	cmark_iter_free(it);
	check_shape(&w, doc);
	cmark_node_free(doc);
	if (w.bad) {
		lesson_free(out);
		return -1;
	}
	return 0;
}

void
lesson_free(struct lesson *l)
{
	for (size_t i = 0; i < l->n_blocks; i++) {
		for (size_t j = 0; j < l->blocks[i].n_spans; j++)
			free(l->blocks[i].spans[j].text);
		free(l->blocks[i].spans);
	}
	free(l->blocks);
	free(l->id);
	free(l->title);
	memset(l, 0, sizeof *l);
}
