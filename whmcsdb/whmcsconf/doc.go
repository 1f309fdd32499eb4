// Package whmcsconf reads the two PHP files domainsync needs without running
// PHP: WHMCS's configuration.php (database settings and the encryption hash)
// and the Openprovider module's advanced-module-configurations.php (the sync
// options, a file that returns an array literal).
//
// Both are read with a small PHP lexer that understands just enough of the
// language to find top-level literal assignments and array literals: strings
// in every quoting style, numbers, true/false/null, comments, open and close
// tags. Anything it cannot evaluate (a variable, a constant, a function call,
// concatenation) is reported as not literal, never guessed. Malformed input
// (an unterminated string or comment) is an error naming the line; no input
// makes it panic or loop.
package whmcsconf
