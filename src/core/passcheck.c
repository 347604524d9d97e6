/* passcheck.c: the rules for a new passphrase (passcheck.h). libpwquality
 * is set to check only the dictionary: no character classes, repeats,
 * sequences or credits, which make passphrases harder to remember without
 * making them much harder to guess. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <pwquality.h>
#include <sodium.h>

#include "i18n.h"
#include "passcheck.h"
#include "text.h"
#include "util.h"

static pwquality_settings_t *
settings(void)
{
	static const int off[] = { PWQ_SETTING_DIFF_OK, PWQ_SETTING_DIG_CREDIT,
	    PWQ_SETTING_UP_CREDIT, PWQ_SETTING_LOW_CREDIT,
	    PWQ_SETTING_OTH_CREDIT, PWQ_SETTING_MIN_CLASS,
	    PWQ_SETTING_MAX_REPEAT, PWQ_SETTING_MAX_CLASS_REPEAT,
	    PWQ_SETTING_MAX_SEQUENCE, PWQ_SETTING_GECOS_CHECK,
	    PWQ_SETTING_USER_CHECK };
	pwquality_settings_t *pwq = pwquality_default_settings();

	if (pwq == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof off / sizeof off[0]; i++)
		pwquality_set_int_value(pwq, off[i], 0);
	/* Our own minimum is counted in characters, not bytes; 6 is the
	 * least libpwquality takes, so it never refuses one of ours. */
	pwquality_set_int_value(pwq, PWQ_SETTING_MIN_LENGTH, 6);
	pwquality_set_int_value(pwq, PWQ_SETTING_DICT_CHECK, 1);
	return pwq;
}

/* Whether the dictionary can be read: a string that is no word and has
 * no run (cracklib takes it) must pass it. Fixed, not random: a random
 * one has runs now and then, and a dictionary that seemed unreadable
 * would let a common password through. */
static bool
dictionary_works(pwquality_settings_t *pwq)
{
	void *aux = NULL;

	return pwquality_check(pwq, "Zq8vLm2xRk7pWn4jTd9s", NULL, NULL,
	    &aux) != PWQ_ERROR_CRACKLIB_CHECK;
}

/* cracklib refuses, before it looks in its dictionary, a password more
 * than 3 + 0.09 times its length of whose neighbouring characters
 * (lowercased, white space trimmed, at most 255 bytes) are one apart,
 * such as "ab", "ba" or "12": about one long random string in a hundred
 * (lScBcs3STUTrolGjXS4w1z3BeQAM1TuC has six such pairs in 32). Such a
 * refusal is not taken back, since the dictionary was never consulted
 * ("constitutionality" is refused by this rule, and is in it), but the
 * patient is told the real reason: this is that rule, done as cracklib
 * does it (on bytes, as char). */
static bool
in_order(const char *pass)
{
	char	 buf[256];
	size_t	 n, i = 0, k = 0;

	snprintf(buf, sizeof buf, "%s", pass);
	for (char *c = buf; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	n = strlen(buf);
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	while (i < n && isspace((unsigned char)buf[i]))
		i++;
	n -= i;
	for (size_t j = i; j + 1 < i + n; j++)
		if (buf[j + 1] == buf[j] + 1 || buf[j + 1] == buf[j] - 1)
			k++;
	sodium_memzero(buf, sizeof buf);
	return (double)k > 3 + 0.09 * (double)n;
}

static void
strength(int score, struct pass_verdict *v)
{
	v->ok = true;
	if (score < 40) {
		v->strength = PASS_WEAK;
		v->words = _("Strength: weak. It is allowed, but a longer "
		    "passphrase of three or four words would be much harder "
		    "to guess.");
	} else if (score < 70) {
		v->strength = PASS_FAIR;
		v->words = _("Strength: fair. Another word would make it "
		    "stronger.");
	} else {
		v->strength = PASS_STRONG;
		v->words = _("Strength: strong.");
	}
}

void
passphrase_check(const char *pass, struct pass_verdict *v)
{
	pwquality_settings_t	*pwq;
	void			*aux = NULL;
	int			 score;

	memset(v, 0, sizeof *v);
	if (text_utf8_count(pass) < PASSPHRASE_MIN_CHARS) {
		v->words = _("That is too short: please use at least 8 "
		    "characters. A few words you will remember work well.");
		return;
	}
	if ((pwq = settings()) == NULL) {
		strength(0, v);
		return;
	}
	score = pwquality_check(pwq, pass, NULL, NULL, &aux);
	if (score == PWQ_ERROR_CRACKLIB_CHECK && in_order(pass) &&
	    dictionary_works(pwq))
		v->words = _("That passphrase is too easy to guess: too many of "
		    "its letters or digits follow each other in order (such as "
		    "ab, ba or 12). Try three or four words you will "
		    "remember, such as a line from a song.");
	else if (score == PWQ_ERROR_CRACKLIB_CHECK && dictionary_works(pwq))
		v->words = _("That passphrase is too easy to guess: it is a "
		    "common password, or a word from the dictionary with a "
		    "few changes. Try three or four words you will remember, "
		    "such as a line from a song.");
	else
		strength(score < 0 ? 0 : score, v);
	pwquality_free_settings(pwq);
}
