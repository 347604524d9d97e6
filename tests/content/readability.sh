#!/usr/bin/env bash
# readability.sh: check that every lesson is easy to read.
#
# Usage: readability.sh [CONTENT_DIR]
#   CONTENT_DIR defaults to the content folder of this source tree
#   ("$(dirname "$0")/../../content").
#
# For every lessons/*.md the Markdown syntax is stripped (heading markers,
# emphasis, quote markers, list bullets and numbers at the start of a line),
# the text is given to GNU style, and its Flesch-Kincaid grade is read from the
# "Kincaid:" line. A lesson passes when the grade is 8 or below.
# Prints "PASS <file> <grade>" or "FAIL <file> <grade> (above 8)" per lesson and
# ends with "N passed, M failed". Exits 1 if any lesson fails, if there are no
# lessons, or if GNU style is not installed (it never skips).

set -u

MAX_GRADE=8
content_dir=${1:-"$(dirname "$0")/../../content"}
lessons_dir=$content_dir/lessons

# Use the C locale so that style and awk agree on the decimal point.
export LC_ALL=C

if ! command -v style >/dev/null 2>&1; then
	echo "ERROR: GNU style is not installed, so readability cannot be" \
	    "checked. Install it (Debian/Ubuntu: apt-get install diction)." >&2
	echo "0 passed, 0 failed"
	exit 1
fi

if [ ! -d "$lessons_dir" ]; then
	echo "ERROR: no lessons folder at $lessons_dir" >&2
	echo "0 passed, 0 failed"
	exit 1
fi

# Markdown to plain text, one line in, one line out.
strip_markdown() {
	sed -E \
	    -e 's/\r$//' \
	    -e '/^[[:space:]]*([-*_][[:space:]]*){3,}$/d' \
	    -e 's/^([[:space:]]*>[[:space:]]?)+//' \
	    -e 's/^[[:space:]]*#{1,6}([[:space:]]+|$)//' \
	    -e 's/[[:space:]]+#+[[:space:]]*$//' \
	    -e 's/^[[:space:]]*[-*+][[:space:]]+//' \
	    -e 's/^[[:space:]]*[0-9]+[.)][[:space:]]+//' \
	    -e 's/!?\[([^]]*)\]\([^)]*\)/\1/g' \
	    -e 's/\\([[:punct:]])/\1/g' \
	    -e 's/[*_`]//g' \
	    "$1"
}

passed=0
failed=0
shopt -s nullglob
files=("$lessons_dir"/*.md)
shopt -u nullglob

if [ ${#files[@]} -eq 0 ]; then
	echo "ERROR: no lessons (*.md) in $lessons_dir" >&2
	echo "0 passed, 0 failed"
	exit 1
fi

for f in "${files[@]}"; do
	name=lessons/$(basename "$f")
	grade=$(strip_markdown "$f" | style 2>/dev/null |
	    awk '/Kincaid:/ { print $2; exit }')
	if [ -z "$grade" ]; then
		echo "FAIL $name none (style found no sentences)"
		failed=$((failed + 1))
	elif awk -v g="$grade" -v m="$MAX_GRADE" 'BEGIN { exit !(g + 0 <= m) }'; then
		echo "PASS $name $grade"
		passed=$((passed + 1))
	else
		echo "FAIL $name $grade (above $MAX_GRADE)"
		failed=$((failed + 1))
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
