// Package tap writes Test Anything Protocol (version 13) output.
//
// The OCI runtime-tools validation suite imports github.com/mndrix/tap-go, which no Debian
// package ships; runtime-tools.sh builds the suite against this package in its place. It
// provides the subset of that API the suite calls: New, Header, AutoPlan, Ok, Pass, Fail,
// Skip, Todo, Diagnostic, Diagnosticf and YAML. YAML blocks are written as JSON, which is
// valid YAML, so no YAML library is needed.
package tap

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// T counts the test points written to Writer.
type T struct {
	// next is shared with the views Todo returns, so that they number in step.
	next *int
	// TODO marks this T's test points as TODO (failures expected).
	TODO bool
	// Writer receives the TAP stream; standard output by default.
	Writer io.Writer
}

// New returns a T that writes to standard output.
func New() *T {
	first := 1
	return &T{next: &first, Writer: os.Stdout}
}

func (t *T) printf(format string, a ...interface{}) {
	fmt.Fprintf(t.Writer, format, a...)
}

// Header writes the version line and, for a known number of test points, the plan.
func (t *T) Header(testCount int) {
	t.printf("TAP version 13\n")
	if testCount > 0 {
		t.printf("1..%d\n", testCount)
	}
}

// AutoPlan writes the plan for the test points written so far; suites call it last.
func (t *T) AutoPlan() {
	t.printf("1..%d\n", t.Count())
}

// Count is the number of test points written so far.
func (t *T) Count() int {
	return *t.next - 1
}

// Ok writes one test point: "ok" when test holds, "not ok" otherwise.
func (t *T) Ok(test bool, description string) {
	status := "ok"
	if !test {
		status = "not ok"
	}
	directive := ""
	if t.TODO {
		directive = " # TODO"
	}
	t.printf("%s %d - %s%s\n", status, *t.next, description, directive)
	*t.next++
}

// Pass writes a passing test point.
func (t *T) Pass(description string) { t.Ok(true, description) }

// Fail writes a failing test point.
func (t *T) Fail(description string) { t.Ok(false, description) }

// Skip writes count skipped test points.
func (t *T) Skip(count int, description string) {
	for i := 0; i < count; i++ {
		t.printf("ok %d # SKIP %s\n", *t.next, description)
		*t.next++
	}
}

// Todo returns a view of t whose test points are marked TODO.
func (t *T) Todo() *T {
	return &T{next: t.next, TODO: true, Writer: t.Writer}
}

// Diagnostic writes message as comment lines.
func (t *T) Diagnostic(message string) {
	for _, line := range strings.Split(strings.TrimRight(message, "\n"), "\n") {
		t.printf("# %s\n", line)
	}
}

// Diagnosticf writes a formatted message as comment lines.
func (t *T) Diagnosticf(format string, a ...interface{}) {
	t.Diagnostic(fmt.Sprintf(format, a...))
}

// YAML writes message as a YAML block attached to the previous test point.
func (t *T) YAML(message interface{}) error {
	body, err := json.MarshalIndent(message, "  ", "  ")
	if err != nil {
		return err
	}
	t.printf("  ---\n  %s\n  ...\n", body)
	return nil
}
