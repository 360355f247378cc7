package jinja

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error is a template error with the position it refers to. Line and Column
// count from 1; Column counts code points.
type Error struct {
	Line   int
	Column int
	Msg    string
	// Raised is set when the template itself called raise_exception.
	Raised bool
	cause  error
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return "jinja: " + e.Msg
	}
	return fmt.Sprintf("jinja: line %d column %d: %s", e.Line, e.Column, e.Msg)
}

// Unwrap returns the error a Go function called by the template returned.
func (e *Error) Unwrap() error { return e.cause }

// ErrLimit is wrapped by errors raised when a render exceeds one of its
// Limits (steps, depth or output size).
var ErrLimit = errors.New("limit exceeded")

// position converts a byte offset into a 1-based line and column.
func position(src string, pos int) (line, col int) {
	if pos > len(src) {
		pos = len(src)
	}
	if pos < 0 {
		pos = 0
	}
	before := src[:pos]
	line = strings.Count(before, "\n") + 1
	col = utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}

func newError(src string, pos int, format string, args ...any) *Error {
	line, col := position(src, pos)
	return &Error{Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}
