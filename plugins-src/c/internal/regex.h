/*
 * regex.h: regular expressions in the syntax of Go's regexp (RE2), matched
 * against a whole text in time linear in its length: a parser and a Pike
 * VM (a Thompson NFA simulation that carries submatches), with RE2's
 * leftmost-first submatches. The text is read as UTF-8, rune by rune, as Go
 * reads it: a byte that does not start a valid sequence is one U+FFFD.
 *
 * The syntax: literals; escapes of punctuation, \a \f \t \n \r \v, octal
 * \123, hex \x7f and \x{10ffff}; the ASCII classes \d \w \s \D \W \S; `.`
 * (any rune but newline); bracket classes with ranges, negation and
 * escapes; groups ( ), (?: ), (?P<name> ) and (?<name> ); alternation |;
 * the quantifiers * + ? {n} {n,} {n,m} and their lazy forms with ?; the
 * assertions ^ and \A (start of text), $ and \z (end of text), \b and \B
 * (ASCII word boundary). Flags ((?i), (?s), ...), Unicode classes (\pL),
 * POSIX classes ([[:alpha:]]) and \Q...\E are refused as unsupported.
 */
#ifndef PLUGINS_C_REGEX_H
#define PLUGINS_C_REGEX_H

#include "gatehouse.h"

/* The limits: the longest pattern, in bytes; the largest count of a
 * repetition, as in Go; the deepest nesting of groups and repetitions; the
 * most instructions a compiled expression has. */
#define RE_MAX_PATTERN 4096
#define RE_MAX_REPEAT 1000
#define RE_MAX_DEPTH 200
#define RE_MAX_PROGRAM 20000

typedef struct regex regex;

/* re_error is why a pattern does not compile, as Go's regexp/syntax.Error
 * gives it: a reason ("missing closing )") and the part of the pattern at
 * fault, a view into the pattern. */
typedef struct re_error {
    const char *reason;
    gh_str expr;
} re_error;

/* RE_OUT_OF_MEMORY is the reason of an error that is not the pattern's. */
extern const char RE_OUT_OF_MEMORY[];

/* re_compile compiles pattern, to be matched against whole texts; NULL
 * with *err filled when it is not a valid expression or is beyond the
 * limits, or with err->reason RE_OUT_OF_MEMORY. */
regex *re_compile(gh_str pattern, re_error *err);
void re_free(regex *re);

/* re_groups is the count of capturing groups; they are numbered from 1 in
 * the order of their opening parentheses. re_group_name is the name of
 * group g, empty for an unnamed group: a view into the pattern, which
 * re_compile does not copy. */
int re_groups(const regex *re);
gh_str re_group_name(const regex *re, int g);

/* re_match_whole matches the whole of text. On a match it returns 1 and
 * sets caps[2g] and caps[2g+1] to the byte offsets of group g's match (g 0
 * is the whole text), -1 for a group that did not take part; caps holds
 * 2 * (re_groups + 1) entries. It returns 0 without a match and -1 when out
 * of memory. */
int re_match_whole(const regex *re, gh_str text, int32_t *caps);

#endif
