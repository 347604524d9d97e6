/* test_pwseal.c: named parts sealed to a passphrase (src/core/pwseal.c),
 * what stepwise-clinic backup writes: they come back whole, and a wrong
 * passphrase, a file cut short or longer, a flipped byte, another kind of
 * file and a newer format each get their own error and nothing. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "pwseal.h"
#include "unit.h"

#define MAGIC	"SWTEST1\n"

static const unsigned char blob[] = { 0, 1, 2, 0xff, 0 };
static const struct pwseal_part parts[] = {
	{ "meta.json", (const unsigned char *)"{\"a\":1}", 7 },
	{ "db/clinic.db", blob, sizeof blob },
	{ "empty", (const unsigned char *)"", 0 },
};

static unsigned char *
sealed(size_t *len)
{
	struct sw_error	 err = { 0 };
	unsigned char	*out = NULL;

	ck_assert_int_eq(pwseal_write(MAGIC, "right passphrase", parts, 3, &out,
	    len, &err), 0);
	return out;
}

START_TEST(test_parts_come_back_whole)
{
	struct sw_error		 err = { 0 };
	struct pwseal_opened	 o;
	const struct pwseal_part *p;
	size_t			 len;
	unsigned char		*f = sealed(&len);

	ck_assert_ptr_null(memmem(f, len, "meta.json", 9));
	ck_assert_int_eq(pwseal_read(MAGIC, "f", "right passphrase", f, len,
	    &o, &err), 0);
	ck_assert_uint_eq(o.n, 3);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_ptr_nonnull(p = pwseal_find(&o, parts[i].name));
		ck_assert_uint_eq(p->len, parts[i].len);
		ck_assert(memcmp(p->data, parts[i].data, p->len) == 0);
	}
	ck_assert_ptr_null(pwseal_find(&o, "box.sk"));
	pwseal_close(&o);
	free(f);
}
END_TEST

static void
refused(const unsigned char *f, size_t len, const char *pass,
    enum sw_status want, const char *words)
{
	struct sw_error		 err = { 0 };
	struct pwseal_opened	 o;

	ck_assert_int_eq(pwseal_read(MAGIC, "f", pass, f, len, &o, &err), -1);
	ck_assert_int_eq(err.code, want);
	ck_assert_msg(strstr(err.msg, words) != NULL, "%s", err.msg);
	ck_assert_ptr_null(o.plain);
	ck_assert_uint_eq(o.n, 0);
}

START_TEST(test_each_fault_has_its_own_error)
{
	size_t		 len;
	unsigned char	*f = sealed(&len), *g = malloc(len + 1);

	refused(f, len, "wrong passphrase", SW_EPASSPHRASE,
	    "passphrase does not open");
	refused(f, len - 1, "right passphrase", SW_ECORRUPT, "cut short");
	refused(f, 50, "right passphrase", SW_ECORRUPT, "inside its header");
	memcpy(g, f, len);
	g[len] = 'x';
	refused(g, len + 1, "right passphrase", SW_ECORRUPT, "more than");
	g[len - 3] ^= 1;
	refused(g, len, "right passphrase", SW_ECORRUPT, "does not authenticate");
	memcpy(g, f, len);
	g[8] = 2;
	refused(g, len, "right passphrase", SW_EFORMAT, "newer");
	memcpy(g, f, len);
	g[0] = 'X';
	refused(g, len, "right passphrase", SW_EINVAL, "not a file of this kind");
	free(g);
	free(f);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("pwseal");
	TCase	*t = tcase_create("pwseal");

	if (sodium_init() < 0)
		return 1;
	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_parts_come_back_whole);
	tcase_add_test(t, test_each_fault_has_its_own_error);
	suite_add_tcase(s, t);
	return unit_run(s);
}
