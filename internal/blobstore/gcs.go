//go:build gcs

package blobstore

import _ "gocloud.dev/blob/gcsblob" // gs://
