package archtest

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/intakebench/intakebench"

// rule forbids the packages matched by from (a package path relative to the
// module, "x/..." for x and everything below it) to import what forbidden
// says no to.
type rule struct {
	from      string
	why       string
	forbidden func(imp string) bool
}

var rules = []rule{
	{"intake", "the domain imports no package of this module", isModule},
	{"intake", "the domain does no SQL, HTTP or UI", anyOf(isPrefix("database/sql"), isPrefix("net/http"), isPrefix("fyne.io/"), isPrefix("modernc.org/"))},
	{"ui/...", "screens use the domain only", func(imp string) bool { return isModule(imp) && imp != "intake" }},
	{"ui/...", "screens use Fyne, not SQL or device drivers", anyOf(isPrefix("database/sql"), isPrefix("modernc.org/"), isPrefix("go.bug.st/"))},
	{"hub/...", "the hub knows no demo data, bench screens or bench store", anyOf(isPkg("demo"), isPkg("ui"), isPkg("store"), isPkg("device"), is("benchsync"))},
	{"store/...", "the bench store is below sync and screens", anyOf(isPkg("hub"), isPkg("benchsync"), isPkg("ui"), isPkg("demo"))},
	{"benchsync/wire", "the contract's types depend on the domain only", func(imp string) bool { return isModule(imp) && imp != "intake" }},
	{"device/...", "scanners deliver scans and know nothing above them", anyOf(isPkg("hub"), isPkg("store"), isPkg("benchsync"), isPkg("ui"), isPkg("intake"))},
}

func TestDependenciesPointInward(t *testing.T) {
	for _, v := range violations(moduleImports(t), rules) {
		t.Error(v)
	}
}

// TestRulesCatchWrongImports shows the rules bite on a made-up module
// whose packages break each kind of rule.
func TestRulesCatchWrongImports(t *testing.T) {
	imports := map[string][]string{
		"intake":           {"store", relative("database/sql"), relative("strings")},
		"ui":               {"intake", "benchsync", relative("fyne.io/fyne/v2")},
		"hub/public":       {"demo", "benchsync/wire"},
		"hub":              {"benchsync/wire", "intake"},
		"store":            {"intake"},
		"benchsync/wire":   {"intake", "store"},
		"device/wedge":     {"device"},
		"device/barcode":   {relative("github.com/makiuchi-d/gozxing")},
		"internal/hubtest": {"demo"},
	}
	got := violations(imports, rules)
	want := []string{
		"intake imports store: the domain imports no package of this module",
		"intake imports ext:database/sql: the domain does no SQL, HTTP or UI",
		"ui imports benchsync: screens use the domain only",
		"hub/public imports demo: the hub knows no demo data, bench screens or bench store",
		"benchsync/wire imports store: the contract's types depend on the domain only",
	}
	if !slices.Equal(got, want) {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// violations lists, in rule order, every import a rule forbids, and every
// rule that matches no package (the layout changed under it).
func violations(imports map[string][]string, rules []rule) []string {
	pkgs := slices.Sorted(maps.Keys(imports))
	var out []string
	for _, r := range rules {
		matched := false
		for _, pkg := range pkgs {
			if !matches(r.from, pkg) {
				continue
			}
			matched = true
			for _, imp := range imports[pkg] {
				if r.forbidden(imp) {
					out = append(out, fmt.Sprintf("%s imports %s: %s", pkg, imp, r.why))
				}
			}
		}
		if !matched {
			out = append(out, fmt.Sprintf("rule for %s matches no package: the layout changed, update the rule", r.from))
		}
	}
	return out
}

// moduleImports lists, for each non-test package of the module (path
// relative to the module), its imports, with module paths made relative
// too.
func moduleImports(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	imports := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		var imps []string
		for _, f := range fields[1:] {
			imps = append(imps, relative(f))
		}
		imports[relative(fields[0])] = imps
	}
	if len(imports) < 10 {
		t.Fatalf("go list found only %d packages", len(imports))
	}
	return imports
}

// relative turns a module path into one relative to the module; other
// paths stay as they are, prefixed so they never look like ours.
func relative(p string) string {
	if p == module {
		return "."
	}
	if rest, ok := strings.CutPrefix(p, module+"/"); ok {
		return rest
	}
	return "ext:" + p
}

func isModule(imp string) bool { return !strings.HasPrefix(imp, "ext:") }

func isPrefix(prefix string) func(string) bool {
	return func(imp string) bool { return strings.HasPrefix(imp, "ext:"+prefix) }
}

func is(pkg string) func(string) bool { return func(imp string) bool { return imp == pkg } }

func isPkg(pkg string) func(string) bool {
	return func(imp string) bool { return imp == pkg || strings.HasPrefix(imp, pkg+"/") }
}

func anyOf(fs ...func(string) bool) func(string) bool {
	return func(imp string) bool {
		for _, f := range fs {
			if f(imp) {
				return true
			}
		}
		return false
	}
}

func matches(pattern, pkg string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pkg == pattern
}
