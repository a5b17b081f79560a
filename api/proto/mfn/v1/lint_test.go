package mfnv1_test

import (
	"bufio"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	mfnv1 "mfn/api/proto/mfn/v1"
)

// TestProtoLint applies buf's STANDARD lint rules that concern this API to the compiled
// descriptor (so CI needs no buf): package versioned and matching its directory, PascalCase
// services, methods and messages with a Service suffix, lower_snake_case files and fields,
// one <Method>Request and <Method>Response per method, used by no other method; plus the
// COMMENTS rule on the .proto text: every service, method and message is documented.
func TestProtoLint(t *testing.T) {
	fd := mfnv1.File_mfn_v1_mfn_proto
	pascal := regexp.MustCompile(`^[A-Z][a-zA-Z0-9]*$`)
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

	pkg := string(fd.Package())
	if !regexp.MustCompile(`\.v[0-9]+((alpha|beta)[0-9]*)?$`).MatchString(pkg) {
		t.Errorf("PACKAGE_VERSION_SUFFIX: package %s", pkg)
	}
	if dir := path.Dir(fd.Path()); dir != strings.ReplaceAll(pkg, ".", "/") {
		t.Errorf("PACKAGE_DIRECTORY_MATCH: %s is in %s", pkg, dir)
	}
	if base := strings.TrimSuffix(path.Base(fd.Path()), ".proto"); !snake.MatchString(base) {
		t.Errorf("FILE_LOWER_SNAKE_CASE: %s", fd.Path())
	}
	used := map[protoreflect.FullName]string{}
	for i := 0; i < fd.Services().Len(); i++ {
		sd := fd.Services().Get(i)
		if !pascal.MatchString(string(sd.Name())) || !strings.HasSuffix(string(sd.Name()), "Service") {
			t.Errorf("SERVICE_PASCAL_CASE/SERVICE_SUFFIX: %s", sd.Name())
		}
		for j := 0; j < sd.Methods().Len(); j++ {
			md := sd.Methods().Get(j)
			name := string(md.Name())
			if !pascal.MatchString(name) {
				t.Errorf("RPC_PASCAL_CASE: %s", name)
			}
			if in := string(md.Input().Name()); in != name+"Request" {
				t.Errorf("RPC_REQUEST_STANDARD_NAME: %s takes %s", name, in)
			}
			if out := string(md.Output().Name()); out != name+"Response" {
				t.Errorf("RPC_RESPONSE_STANDARD_NAME: %s returns %s", name, out)
			}
			for _, m := range []protoreflect.FullName{md.Input().FullName(), md.Output().FullName()} {
				if other, ok := used[m]; ok {
					t.Errorf("RPC_REQUEST_RESPONSE_UNIQUE: %s is used by %s and %s", m, other, name)
				}
				used[m] = name
			}
		}
	}
	for i := 0; i < fd.Messages().Len(); i++ {
		md := fd.Messages().Get(i)
		if !pascal.MatchString(string(md.Name())) {
			t.Errorf("MESSAGE_PASCAL_CASE: %s", md.Name())
		}
		for j := 0; j < md.Fields().Len(); j++ {
			if f := md.Fields().Get(j); !snake.MatchString(string(f.Name())) {
				t.Errorf("FIELD_LOWER_SNAKE_CASE: %s.%s", md.Name(), f.Name())
			}
		}
	}
	if fd.Enums().Len() > 0 {
		t.Errorf("this rule set has no enum rules yet (ENUM_ZERO_VALUE_SUFFIX, ENUM_VALUE_PREFIX): add them with the first enum")
	}

	f, err := os.Open("mfn.proto")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	decl := regexp.MustCompile(`^\s*(service|rpc|message)\s+(\w+)`)
	prev := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if m := decl.FindStringSubmatch(line); m != nil && !strings.HasPrefix(strings.TrimSpace(prev), "//") {
			t.Errorf("COMMENTS: mfn.proto:%d: %s %s has no leading comment", n, m[1], m[2])
		}
		prev = line
	}
}
