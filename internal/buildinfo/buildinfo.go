// Package buildinfo says which optional integrations this binary was compiled with. Each one
// is left out by a build tag (nokafka, noparquet, …) or, for the native GCS and Azure
// object-storage backends, put in by one (gcs, azure); see docs/adr/0031-lean-builds-and-image.md.
// The constants are set by pairs of files with opposite build constraints, so the list cannot
// disagree with the tags the binary was built with.
package buildinfo

import "fmt"

// Feature is one optional integration.
type Feature struct {
	Name string // kafka, parquet, …
	// Tag is the build tag that changes it: a "no…" tag leaves a default feature out; any
	// other tag puts an opt-in feature in.
	Tag  string
	What string // what it provides, for mfn version
	In   bool   // compiled into this binary
}

// Features lists every optional integration, in a fixed order.
func Features() []Feature {
	return []Feature{
		{"kafka", "nokafka", "Kafka connector and publisher, mfn loadtest --kafka/--publisher (franz-go)", kafka},
		{"kfake", "kfake", "an in-process Kafka for mfn loadtest --kafka/--publisher kafka without --kafka-brokers (franz-go's kfake)", kfake},
		{"parquet", "noparquet", "Parquet datasets and file publisher (parquet-go)", parquet},
		{"otel", "nootel", "OpenTelemetry span export over OTLP (SDK, OTLP/HTTP and OTLP/gRPC exporters)", otel},
		{"grpc", "nogrpc", "gRPC API (mfn serve --grpc-addr), its load test and conformance checks", grpc},
		{"redis", "noredis", "shared rate limits in Redis (MFN_RATE_LIMIT_REDIS_URL)", redis},
		{"plot", "noplot", "the dispersion plot of mfn analyze --plot (go-analyze/charts and its fonts; mfn render needs only the standard library)", plot},
		{"s3", "nos3", "s3:// object storage for datasets (also MinIO and GCS's S3 interoperability)", s3},
		{"gcs", "gcs", "gs:// object storage through Google's native client", gcs},
		{"azure", "azure", "azblob:// object storage through Azure's SDK", azure},
	}
}

// Has reports whether the named feature is compiled in; an unknown name panics (a typo in
// the program, not user input).
func Has(name string) bool {
	return lookup(name).In
}

// Missing is the error for using a feature this binary was built without; it names the tag.
func Missing(name string) error {
	f := lookup(name)
	if f.Tag == "no"+f.Name {
		return fmt.Errorf("%s support not compiled in (built with -tags %s); rebuild without that tag", f.Name, f.Tag)
	}
	return fmt.Errorf("%s support not compiled in (opt-in: rebuild with -tags %s)", f.Name, f.Tag)
}

// Tags is the -tags list this binary's optional features correspond to (empty for the default
// build), e.g. "nokafka,noparquet".
func Tags() string {
	s := ""
	for _, f := range Features() {
		optIn := f.Tag != "no"+f.Name
		if f.In == optIn {
			if s != "" {
				s += ","
			}
			s += f.Tag
		}
	}
	return s
}

func lookup(name string) Feature {
	for _, f := range Features() {
		if f.Name == name {
			return f
		}
	}
	panic("buildinfo: unknown feature " + name)
}
