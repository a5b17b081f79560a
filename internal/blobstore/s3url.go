//go:build !nos3

package blobstore

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/encrypt"
	"gopkg.in/ini.v1"
)

// s3Options is what an s3:// URL's query says. The parameters are those gocloud.dev's s3blob
// accepted (which MFN used before, ADR 0031 "S3 through minio-go"), so URLs keep working.
type s3Options struct {
	host       string // endpoint host[:port]
	secure     bool
	region     string
	lookup     minio.BucketLookupType
	profile    string
	anonymous  bool
	sse        encrypt.ServerSide
	accelerate bool
	dualstack  bool // off unless asked for, as with the AWS SDK (minio-go's default is on)
}

// s3Params are the accepted query parameters, for messages.
var s3Params = []string{"region", "endpoint", "use_path_style", "s3ForcePathStyle", "disable_https",
	"profile", "anonymous", "ssetype", "kmskeyid", "accelerate", "dualstack", "awssdk"}

// s3Unsupported are gocloud's parameters that minio-go has no equivalent for, with what to
// do instead.
var s3Unsupported = map[string]string{
	"role":                         "assume the role outside MFN, or use IRSA (AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE)",
	"role_session_name":            "use AWS_ROLE_SESSION_NAME with AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE",
	"role_external_id":             "assume the role outside MFN and pass its credentials",
	"role_duration":                "assume the role outside MFN and pass its credentials",
	"web_identity_token_file":      "set AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN",
	"fips":                         "name the FIPS endpoint with endpoint=https://s3-fips.REGION.amazonaws.com",
	"hostname_immutable":           "endpoint= is always used as given",
	"rate_limiter_capacity":        "no client-side rate limit is applied",
	"request_checksum_calculation": "checksums are not configurable",
	"response_checksum_validation": "checksums are not configurable",
}

// parseS3Query reads an s3:// URL's query. Every error names the parameter and its value.
func parseS3Query(q url.Values) (s3Options, error) {
	o := s3Options{host: "s3.amazonaws.com", lookup: minio.BucketLookupAuto}
	var (
		endpoint, ssetype, kmskey string
		disableHTTPS              bool
	)
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the first bad parameter reported is always the same one
	for _, k := range keys {
		vs := q[k]
		if len(vs) > 1 {
			return o, fmt.Errorf("query parameter %s is given %d times", k, len(vs))
		}
		v := vs[0]
		boolean := func() (bool, error) {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return false, fmt.Errorf("%s=%q: want true or false", k, v)
			}
			return b, nil
		}
		var err error
		switch k {
		case "region":
			o.region = v
		case "endpoint":
			endpoint = v
		case "use_path_style", "s3ForcePathStyle":
			var path bool
			if path, err = boolean(); err == nil {
				o.lookup = minio.BucketLookupDNS
				if path {
					o.lookup = minio.BucketLookupPath
				}
			}
		case "disable_https":
			disableHTTPS, err = boolean()
		case "profile":
			o.profile = v
		case "anonymous":
			o.anonymous, err = boolean()
		case "ssetype":
			ssetype = v
		case "kmskeyid":
			kmskey = v
		case "accelerate":
			o.accelerate, err = boolean()
		case "dualstack":
			o.dualstack, err = boolean()
		case "awssdk":
			// gocloud's choice between AWS SDK v1 and v2: there is no AWS SDK any more.
		default:
			if instead, ok := s3Unsupported[k]; ok {
				return o, fmt.Errorf("query parameter %s=%q is not supported by MFN's S3 client: %s", k, v, instead)
			}
			return o, fmt.Errorf("unknown query parameter %q for s3:// (accepted: %s)", k, strings.Join(s3Params, ", "))
		}
		if err != nil {
			return o, err
		}
	}
	o.secure = !disableHTTPS
	if endpoint != "" {
		host, secure, err := parseEndpoint(endpoint, disableHTTPS)
		if err != nil {
			return o, err
		}
		o.host, o.secure = host, secure
	}
	switch {
	case strings.EqualFold(ssetype, "AES256"):
		if kmskey != "" {
			return o, fmt.Errorf("kmskeyid=%q: needs ssetype=aws:kms, not ssetype=%s", kmskey, ssetype)
		}
		o.sse = encrypt.NewSSE()
	case strings.EqualFold(ssetype, "aws:kms") || (ssetype == "" && kmskey != ""):
		sse, err := encrypt.NewSSEKMS(kmskey, nil)
		if err != nil {
			return o, fmt.Errorf("kmskeyid=%q: %v", kmskey, err)
		}
		o.sse = sse
	case ssetype != "":
		return o, fmt.Errorf("ssetype=%q: want AES256 or aws:kms", ssetype)
	}
	if o.region == "" {
		// As the AWS SDK finds it; without any, minio-go asks the bucket (GetBucketLocation).
		o.region = cmpOr(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"))
		if o.region == "" {
			o.region = configRegion(o.profile)
		}
	}
	return o, nil
}

// configRegion is the region of the profile (profile=, else AWS_PROFILE, else default) in the
// AWS shared config file (AWS_CONFIG_FILE, else ~/.aws/config), or "".
func configRegion(profile string) string {
	file := os.Getenv("AWS_CONFIG_FILE")
	if file == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		file = filepath.Join(home, ".aws", "config")
	}
	cfg, err := ini.Load(file)
	if err != nil {
		return ""
	}
	section := "default"
	if p := cmpOr(profile, os.Getenv("AWS_PROFILE")); p != "" && p != "default" {
		section = "profile " + p
	}
	return cfg.Section(section).Key("region").String()
}

// parseEndpoint reads endpoint=: http://host[:port], https://host[:port] or host[:port]
// (HTTPS unless disable_https=true).
func parseEndpoint(endpoint string, disableHTTPS bool) (host string, secure bool, err error) {
	bad := func(why string) (string, bool, error) {
		return "", false, fmt.Errorf("endpoint=%q: %s", endpoint, why)
	}
	if !strings.Contains(endpoint, "://") {
		endpoint = "https://" + endpoint
		if disableHTTPS {
			endpoint = "http://" + strings.TrimPrefix(endpoint, "https://")
		}
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return bad("not a URL: want http://HOST[:PORT] or https://HOST[:PORT]")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("the scheme must be http or https")
	case u.Host == "" || u.Hostname() == "":
		return bad("no host: want http://HOST[:PORT] or https://HOST[:PORT]")
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "", u.User != nil:
		return bad("only a scheme, host and port are allowed (no path, query or user)")
	case u.Scheme == "https" && disableHTTPS:
		return bad("an https:// endpoint contradicts disable_https=true")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return bad("the port must be 1 to 65535")
		}
	}
	return u.Host, u.Scheme == "https", nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// awsCredentials is the AWS SDK's default chain as far as minio-go has it, in its order:
// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY(/AWS_SESSION_TOKEN); the shared files
// (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, AWS_CONFIG_FILE or ~/.aws/config;
// profile AWS_PROFILE or default: static keys, SSO after `aws sso login`, credential_process);
// then IAM: web identity (IRSA: AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN), ECS task
// roles and EKS pod identity (AWS_CONTAINER_CREDENTIALS_*), the EC2 instance role (IMDSv2,
// skipped when AWS_EC2_METADATA_DISABLED=true and no other IAM variable is set). A profile=
// in the URL puts that profile first. anonymous=true signs nothing.
func awsCredentials(o s3Options) *credentials.Credentials {
	if o.anonymous {
		return credentials.New(&credentials.Static{Value: credentials.Value{SignerType: credentials.SignatureAnonymous}})
	}
	chain := []credentials.Provider{&credentials.EnvAWS{}, &credentials.FileAWSCredentials{}}
	if o.profile != "" {
		chain = []credentials.Provider{&credentials.FileAWSCredentials{Profile: o.profile}, &credentials.EnvAWS{}}
	}
	iamVars := os.Getenv("AWS_WEB_IDENTITY_TOKEN_FILE") + os.Getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") +
		os.Getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")
	if imdsOff, _ := strconv.ParseBool(os.Getenv("AWS_EC2_METADATA_DISABLED")); !imdsOff || iamVars != "" {
		// The timeout bounds the instance-metadata probe off EC2 (and an STS call).
		chain = append(chain, &credentials.IAM{Client: &http.Client{Transport: http.DefaultTransport, Timeout: 10 * time.Second}})
	}
	return credentials.NewChainCredentials(chain)
}
