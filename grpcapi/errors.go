package grpcapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"

	"mfn/server"
	"mfn/stream"
)

// toStatus maps the service's errors to gRPC statuses. The message is the REST detail (for
// a 422, each issue as "field: message"); the details carry what REST puts in headers and
// extra fields: the field violations of a 422, RetryInfo for Retry-After, and ErrorInfo for
// the reference's error_code.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	var se *server.Error
	var pe *stream.ParamError
	var ge *stream.GenerationError
	switch {
	case errors.As(err, &se):
		return serviceStatus(se)
	case errors.As(err, &pe):
		return withDetails(codes.InvalidArgument, pe.Error(), &errdetails.BadRequest{
			FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: pe.Param, Description: pe.Error()}}})
	case errors.Is(err, stream.ErrTooManyStreamsForKey):
		return withDetails(codes.ResourceExhausted, err.Error(), retryInfo(5))
	case errors.Is(err, stream.ErrTooManyStreams), errors.Is(err, stream.ErrShuttingDown):
		return withDetails(codes.Unavailable, err.Error(), retryInfo(5))
	case errors.As(err, &ge):
		return status.Error(codes.Internal, ge.Error())
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return status.FromContextError(err).Err()
	}
	return status.Error(codes.Internal, "Internal Server Error")
}

// serviceStatus is the status of one of the service's errors, by its kind.
func serviceStatus(e *server.Error) error {
	kind, detail, issues := server.ErrorDetail(e)
	var details []protoadapt.MessageV1
	code := codes.Internal
	switch kind {
	case server.KindInvalid:
		code = codes.InvalidArgument
		if len(issues) > 0 {
			br := &errdetails.BadRequest{}
			msgs := make([]string, 0, len(issues))
			for _, is := range issues {
				field := issueField(is.Loc)
				br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: field, Description: is.Msg})
				msgs = append(msgs, field+": "+is.Msg)
			}
			detail = strings.Join(msgs, "; ")
			details = append(details, br)
		}
	case server.KindBadRequest:
		code = codes.InvalidArgument
	case server.KindUnauthorized:
		code = codes.Unauthenticated
	case server.KindForbidden:
		code = codes.PermissionDenied
	case server.KindNotFound:
		code = codes.NotFound
	case server.KindConflict:
		code = codes.AlreadyExists
	case server.KindTooLarge, server.KindRateLimited:
		code = codes.ResourceExhausted
	case server.KindUnavailable:
		code = codes.Unavailable
		switch {
		case errors.Is(e.Err, context.DeadlineExceeded):
			code = codes.DeadlineExceeded
		case errors.Is(e.Err, context.Canceled):
			code = codes.Canceled
		}
	}
	if e.ErrorCode != "" {
		details = append(details, &errdetails.ErrorInfo{Reason: strings.ToUpper(e.ErrorCode), Domain: "mfn"})
	}
	if e.RetryAfter > 0 {
		details = append(details, retryInfo(e.RetryAfter))
	}
	return withDetails(code, detail, details...)
}

// issueField is a 422 issue's location as a field path: "body" dropped, indexes in brackets
// (gradients[3][1]).
func issueField(loc []any) string {
	var b strings.Builder
	for i, p := range loc {
		if i == 0 && p == "body" {
			continue
		}
		switch v := p.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(v)
		default:
			fmt.Fprintf(&b, "[%v]", v)
		}
	}
	if b.Len() == 0 {
		return "body"
	}
	return b.String()
}

func retryInfo(seconds int) *errdetails.RetryInfo {
	return &errdetails.RetryInfo{RetryDelay: durationpb.New(time.Duration(seconds) * time.Second)}
}

// withDetails builds a status with details (which cannot fail for these message types).
func withDetails(c codes.Code, msg string, details ...protoadapt.MessageV1) error {
	st := status.New(c, msg)
	if len(details) > 0 {
		if s2, err := st.WithDetails(details...); err == nil {
			st = s2
		}
	}
	return st.Err()
}
