//go:build !nokafka

package integration

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/aws"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// opts are the franz-go options of the security settings.
func (s KafkaSecurity) opts() ([]kgo.Opt, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var opts []kgo.Opt
	if s.TLS != nil {
		c, err := s.TLS.config()
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.Dialer((&tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}, Config: c}).DialContext))
	}
	if a := s.SASL; a != nil {
		opts = append(opts, kgo.SASL(a.mechanism()))
	}
	return opts, nil
}

// mechanism reads the secrets at each authentication, so a rotated file takes effect on the
// next connection.
func (a *KafkaSASL) mechanism() sasl.Mechanism {
	switch a.Mechanism {
	case "PLAIN":
		return plain.Plain(func(context.Context) (plain.Auth, error) {
			u, p, err := a.userPass()
			return plain.Auth{User: u, Pass: p}, err
		})
	case "SCRAM-SHA-256", "SCRAM-SHA-512":
		fn := func(context.Context) (scram.Auth, error) {
			u, p, err := a.userPass()
			return scram.Auth{User: u, Pass: p}, err
		}
		if a.Mechanism == "SCRAM-SHA-256" {
			return scram.Sha256(fn)
		}
		return scram.Sha512(fn)
	default: // AWS_MSK_IAM
		return aws.ManagedStreamingIAM(func(context.Context) (aws.Auth, error) {
			ak, sk, tok := a.awsSources()
			var auth aws.Auth
			var err error
			if auth.AccessKey, err = ak.read(); err != nil {
				return auth, err
			}
			if auth.SecretKey, err = sk.read(); err != nil {
				return auth, err
			}
			if tok.set() {
				auth.SessionToken, err = tok.read()
			}
			return auth, err
		})
	}
}

func (a *KafkaSASL) userPass() (string, string, error) {
	u, err := a.username()
	if err != nil {
		return "", "", err
	}
	p, err := a.password().read()
	return u, p, err
}
