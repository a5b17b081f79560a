//go:build nos3 && !gcs && !azure

package blobstore

import (
	"context"
	"errors"
)

// openBucket is never reached in a build without any object-storage driver: OpenDir refuses
// the URL first, naming the build tag.
func openBucket(context.Context, string, string) (store, error) {
	return nil, errors.New("no object-storage driver compiled in")
}
