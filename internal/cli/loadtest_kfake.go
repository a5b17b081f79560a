//go:build kfake && !nokafka

package cli

import "mfn/internal/kafkafake"

func init() { inProcessKafka = kafkafake.Start }
