//go:build !nos3

package blobstore

import _ "gocloud.dev/blob/s3blob" // s3://
