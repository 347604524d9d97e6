/* screen_doc.c: the patient's pages made with the shared scrolling page
 * (ui/doc.c): the welcome, and who to contact in a crisis. */
#include <stdlib.h>
#include <string.h>

#include "crisis.h"
#include "i18n.h"
#include "tui_int.h"
#include "util.h"

/* ---- help now: the content's safety contacts ---- */

/* One contact: the name and number stand out, then what it is for. */
static void
contact_add(struct tui *t, struct tdoc *d, const char *name,
    const char *phone, const char *when, const char *what)
{
	struct para	 p;
	char		*s;

	s = phone ? xasprintf("%s: %s", name, phone) : xstrdup(name);
	tdoc_text(d, s, ui_attr(&t->ui, ATTR_WARN));
	free(s);
	if (when || what) {
		para_begin(&p, d, L"  ", L"  ", A_NORMAL);
		if (when) {
			para_add(&p, when, A_NORMAL);
			para_add(&p, " ", A_NORMAL);
		}
		if (what)
			para_add(&p, what, A_NORMAL);
		para_end(&p);
	}
	tdoc_blank(d);
}

/* The crisis contacts from the clinic's enrollment file, after the
 * content's own. */
static void
clinic_crisis(struct tui *t, struct tdoc *d)
{
	struct clinic_contact	 v[CLINIC_CRISIS_MAX];
	size_t			 n = outbox_clinic_crisis(t->clinic, v,
				    CLINIC_CRISIS_MAX);
	const char		*clinic = proto_str(t->clinic, "clinic");
	char			*s;

	if (n == 0)
		return;
	s = clinic && *clinic ? xasprintf(_("From your clinic, %s:"), clinic) :
	    xstrdup(_("From your clinic:"));
	tdoc_text(d, s, A_BOLD);
	free(s);
	for (size_t i = 0; i < n; i++)
		contact_add(t, d, v[i].name, v[i].phone, NULL, v[i].note);
}

/* risk_id: the risk record of the answer that brought the page, or NULL
 * for the Help now page. */
static void
crisis_build(struct tui *t, struct tdoc *d, const char *risk_id)
{
	const struct safety	*sf = &t->ct.safety;
	char			*s;

	if (risk_id != NULL) {
		/* A number first, where even 40 x 12 shows it; then, where it
		 * cannot be missed, who will see the answer and when. */
		tdoc_text(d, sf->summary, ui_attr(&t->ui, ATTR_WARN));
		tdoc_blank(d);
		s = crisis_audience(t->ob, proto_str(t->clinic, "clinic"),
		    risk_id);
		tdoc_text(d, s, A_BOLD);
		free(s);
		tdoc_blank(d);
	}
	tdoc_text(d, sf->intro, A_NORMAL);
	tdoc_blank(d);
	for (size_t i = 0; i < sf->n_contacts; i++) {
		const struct contact *c = &sf->contacts[i];

		contact_add(t, d, c->name, c->phone, c->when, c->what);
	}
	clinic_crisis(t, d);
	if (sf->closing) {
		tdoc_text(d, sf->closing, A_NORMAL);
		tdoc_blank(d);
	}
	if (risk_id != NULL)
		tdoc_text(d, _("When you are ready, press c to carry on with "
		    "the check-in."), ui_attr(&t->ui, ATTR_ACCENT));
}

static void
crisis_build_help(struct ui *u, void *arg, struct tdoc *d)
{
	struct tui	*t = tui_of(u);
	(void)arg;
	crisis_build(t, d, NULL);
}

static void
crisis_build_answer(struct ui *u, void *arg, struct tdoc *d)
{
	struct tui	*t = tui_of(u);
	crisis_build(t, d, arg);
}

struct screen *
screen_crisis_new(struct tui *t)
{
	return screen_doc_new(_("Help now"), t->ct.safety.title,
	    crisis_build_help, NULL, NULL);
}

struct screen *
screen_crisis_answer_new(struct tui *t, const char *risk_id)
{
	return screen_doc_deliberate_new(_("Help now"), t->ct.safety.title,
	    crisis_build_answer, xstrdup(risk_id ? risk_id : ""), free, 'c');
}

/* ---- welcome, once, after the profile is made ---- */

static void
welcome_build(struct ui *u, void *arg, struct tdoc *d)
{
	struct tui	*t = tui_of(u);
	const struct safety *sf = &t->ct.safety;
	char *s;

	(void)arg;
	tdoc_text(d, t->ct.description, A_NORMAL);
	tdoc_blank(d);
	s = xasprintf(_("There are %zu modules. Most people take about a week "
	    "over each one. Each lesson takes 5 to 15 minutes, and you can "
	    "stop at any point: Stepwise remembers where you were."),
	    t->ct.n_modules);
	tdoc_text(d, s, A_NORMAL);
	free(s);
	tdoc_blank(d);
	tdoc_text(d, _("What your clinic sees, and when"), A_BOLD);
	tdoc_text(d, _("Your check-in answers and the exercises you save are "
	    "kept on this computer, encrypted. When this device is linked to "
	    "a clinic, your check-ins are sent to it encrypted the next time "
	    "the device connects to the internet. An exercise entry is sent "
	    "only if you share it: you are asked each time you save one. "
	    "Sending may happen hours or days later, so never rely on "
	    "Stepwise for urgent help."), A_NORMAL);
	tdoc_blank(d);
	tdoc_text(d, _("If you need help urgently"), A_BOLD);
	for (size_t i = 0; i < sf->n_contacts; i++) {
		s = xasprintf("%s %s: %s", bullet(&t->ui), sf->contacts[i].name,
		    sf->contacts[i].phone);
		tdoc_text(d, s, A_NORMAL);
		free(s);
	}
	tdoc_text(d, _("Press h on any screen to see these again."),
	    A_NORMAL);
	tdoc_blank(d);
	tdoc_text(d, _("Press Enter to begin."), ui_attr(&t->ui, ATTR_ACCENT));
}

struct screen *
screen_welcome_new(struct tui *t)
{
	(void)t;
	return screen_doc_new(_("Welcome"), _("Welcome to Stepwise"),
	    welcome_build, NULL, NULL);
}
