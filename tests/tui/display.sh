#!/bin/sh
# How things look: the lesson reader reopens where the patient stopped;
# NO_COLOR=1 means no colour; in an ASCII locale the progress chart uses
# ASCII characters only.
. "$(dirname "$0")/lib.sh"

first_run >/dev/null || fail "first run"
# Colour is on by default here, so the NO_COLOR check below means something.
# capture-pane -e shows attributes as SGR sequences; a colour is 30-37,
# 40-47, 90-97, 100-107 or 38;5;N / 48;5;N (bold and reverse are not).
ESC=$(printf '\033')
has_colour() {
	T capture-pane -e -p -t "$CUR" | grep -qE \
	    "$ESC\\[([0-9;]*;)?([349][0-7]|10[0-7]|[34]8;5;[0-9]+)[;m]"
}
check "colour by default" has_colour
for m in "PHQ-9" "GAD-7"; do
	wait_for "Next: your check-in ($m)" >/dev/null
	keys Enter
	wait_for "1 of" >/dev/null
	for a in 1 1 1 1 1 1 1 1 0; do keys $a; done
	keys s s
	wait_for "score is" >/dev/null
	keys Enter
done

# The lesson reader: scroll down, leave, reopen.
wait_for "Next: Lesson 1, How Stepwise works" >/dev/null
keys Enter
wait_for "How Stepwise works" >/dev/null
title_on_top() { screen | head -3 | grep -q "How Stepwise works"; }
check "the lesson starts with its title" title_on_top
pct() { screen | grep -o 'How Stepwise works, [0-9]*%' | tail -1; }
# Page down twice, each time waiting for the position to move.
for page in 1 2; do
	before=$(pct)
	keys Space
	i=0
	while [ "$(pct)" = "$before" ] && [ $i -lt 150 ]; do
		sleep 0.1
		i=$((i + 1))
	done
done
no_title_on_top() { ! title_on_top; }
check "scrolled away from the title" no_title_on_top
# A line of text from the lower part of the page (not a blank one), to
# find again after reopening.
line=$(screen | sed -n '12,20p' | sed 's/^ *//; s/ *$//' | grep -v '^$' |
    head -1)
has_line() { [ -n "$line" ]; }
check "a line to look for ($line)" has_line
keys q
wait_for "Not connected to a clinic yet" >/dev/null
keys Enter
check "the lesson reopens" wait_for "How Stepwise works, "
check "at the same place" wait_for "$line"
no_title_on_top() { ! title_on_top; }
check "not at the top" no_title_on_top
keys q
wait_for "Not connected to a clinic yet" >/dev/null
keys q
wait_for "EXITED-0" >/dev/null

# ASCII locale: a second PHQ-9, then the chart.
SW_ENV="LANG=C LC_ALL=C"
unlock checkin phq9
wait_for "1 of 9" >/dev/null
for a in 2 2 2 2 2 2 2 2 0; do keys $a; done
keys s s
check "second check-in saved (ASCII)" wait_for "score is"
keys Enter
wait_for "Not connected to a clinic yet" >/dev/null
keys p
check "the chart is shown" wait_for "PHQ-9 (2 check-ins)"
check "with its latest total" wait_for "Latest: 16"
bars() { screen | grep -q '|.*#'; }
check "bars drawn with # and |" bars
ascii_only() { ! screen | LC_ALL=C grep -q '[^ -~]'; }
check "the chart screen is ASCII only" ascii_only
keys q
wait_for "Not connected to a clinic yet" >/dev/null
keys q
wait_for "EXITED-0" >/dev/null

# NO_COLOR: no colour codes on home or on the chart.
SW_ENV="NO_COLOR=1"
unlock
wait_for "Not connected to a clinic yet" >/dev/null
no_colour() { ! has_colour; }
check "NO_COLOR: home has no colour" no_colour
keys p
wait_for "PHQ-9 (2 check-ins)" >/dev/null
check "NO_COLOR: the chart has no colour" no_colour
keys q
wait_for "Not connected to a clinic yet" >/dev/null
keys q
wait_for "EXITED-0" >/dev/null

# Wide and non-ASCII characters wrap and edit by character, not byte: a
# goal typed in a narrow window, then the space before the last word
# rubbed out from the middle of the line.
SW_ENV=""
unlock
wait_for "Not connected to a clinic yet" >/dev/null
T resize-window -t "$CUR" -x 60 -y 20
keys e
wait_for "More exercises appear" >/dev/null
select_exercise "Goals"
keys Enter
wait_for "Press Tab to begin" >/dev/null
keys Tab
wait_for "Step 1 of" >/dev/null
type_text "Walk to the café with 日本語の友達 and 😀 every Sunday morning, rain or shine, with Zoë"
check "wide characters wrap onto a second line" wait_for "morning, rain or shine, with Zoë"
check "and the first line keeps them whole" wait_for "café with 日本語の友達 and 😀"
keys Left Left Left BSpace
check "editing moves by character" wait_for "shine, withZoë"
finish
