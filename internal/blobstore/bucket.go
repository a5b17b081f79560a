//go:build gcs || azure

package blobstore

import (
	"context"
	"io"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// bucket is a bucket (or a prefix of one) in Google Cloud Storage or Azure Blob Storage,
// through gocloud.dev/blob and the drivers this build has (gcs.go, azure.go). S3 has its own
// store (s3.go).
type bucket struct{ b *blob.Bucket }

func openBucket(ctx context.Context, bucketURL, prefix string) (store, error) {
	b, err := blob.OpenBucket(ctx, bucketURL)
	if err != nil {
		return nil, err
	}
	if prefix != "" {
		b = blob.PrefixedBucket(b, prefix+"/")
	}
	return bucket{b}, nil
}

func (s bucket) write(ctx context.Context, name string, fill func(w io.Writer) error) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.b.NewWriter(wctx, name, nil)
	if err != nil {
		return err
	}
	if err := fill(w); err != nil {
		cancel() // aborts the upload: Close then discards it
		w.Close()
		return err
	}
	return w.Close()
}

func (s bucket) open(ctx context.Context, name string) (io.ReadCloser, int64, error) {
	r, err := s.b.NewReader(ctx, name, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, 0, ErrNotExist
		}
		return nil, 0, err
	}
	return r, r.Size(), nil
}

func (s bucket) delete(ctx context.Context, name string) error {
	if err := s.b.Delete(ctx, name); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return err
	}
	return nil
}

func (s bucket) list(ctx context.Context) ([]Object, error) {
	var out []Object
	it := s.b.List(&blob.ListOptions{Delimiter: "/"})
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if o.IsDir {
			continue
		}
		if len(out) > maxList {
			return out, nil // List reports the overflow
		}
		out = append(out, Object{Name: o.Key, Size: o.Size, ModTime: o.ModTime})
	}
}

func (s bucket) close() error { return s.b.Close() }
