//go:build nos3

package blobstore

import "errors"

// openS3 is never reached in a build without S3: OpenDir refuses the URL first, naming the
// build tag.
func openS3(string, string, string) (store, error) {
	return nil, errors.New("s3:// support not compiled in")
}
