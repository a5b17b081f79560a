//go:build !gcs && !azure

package blobstore

import (
	"context"
	"errors"
)

// openBucket is never reached in a build without the gs:// and azblob:// drivers: OpenDir
// refuses the URL first, naming the build tag.
func openBucket(context.Context, string, string) (store, error) {
	return nil, errors.New("no gocloud.dev driver compiled in")
}
