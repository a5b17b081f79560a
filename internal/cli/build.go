package cli

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"mfn/internal/buildinfo"
)

// datasetExt is the default dataset file extension: .parquet, or .csv in a build without
// Parquet (-tags noparquet).
func datasetExt() string {
	if buildinfo.Has("parquet") {
		return ".parquet"
	}
	return ".csv"
}

// needParquet refuses a .parquet output in a build without Parquet, before any work is done.
func needParquet(format, out string) error {
	if format == "parquet" && !buildinfo.Has("parquet") {
		return fmt.Errorf("%w: --out=%q: %v; use .csv", errUsage, out, buildinfo.Missing("parquet"))
	}
	return nil
}

// printVersion is `mfn version`: the version, then each optional integration and whether
// this binary has it (docs/adr/0031-lean-builds-and-image.md).
func printVersion(w io.Writer) {
	fmt.Fprintln(w, "mfn", Version)
	// The -tags the go command recorded (also grpcnotrace and the like, which change no
	// feature); the features' own tags where it recorded none (go test, go run).
	tags := buildinfo.Tags()
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-tags" {
				tags = s.Value
			}
		}
	}
	if tags == "" {
		tags = "(none: the default build)"
	}
	fmt.Fprintf(w, "build tags: %s\n", tags)
	var in, out []string
	for _, f := range buildinfo.Features() {
		if f.In {
			in = append(in, f.Name)
		} else {
			out = append(out, fmt.Sprintf("%s (-tags %s)", f.Name, f.Tag))
		}
	}
	fmt.Fprintf(w, "compiled in: %s\n", orNone(in))
	fmt.Fprintf(w, "not compiled in: %s\n", orNone(out))
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
