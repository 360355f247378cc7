package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gollm/gollm/server/store"
)

// apiKind selects the error and streaming conventions of an endpoint.
type apiKind int

const (
	apiOllama apiKind = iota // {"error": "..."}
	apiOpenAI                // {"error": {"message": "...", "type": "...", ...}}
)

// httpError is an error with the HTTP status it is answered with.
type httpError struct {
	status     int
	msg        string
	typ        string // OpenAI error type; derived from status when empty
	code       string // OpenAI error code, e.g. "model_not_found"
	param      string // OpenAI: the offending parameter
	retryAfter int    // seconds, for 503
}

func (e *httpError) Error() string { return e.msg }

// badRequest returns a 400 error.
func badRequest(format string, a ...any) *httpError {
	return &httpError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, a...)}
}

// badParam returns a 400 error naming the parameter at fault.
func badParam(param, format string, a ...any) *httpError {
	return &httpError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, a...), param: param}
}

var errQueueFull = &httpError{
	status: http.StatusServiceUnavailable, msg: "server busy, please try again: maximum pending requests exceeded",
	typ: "server_error", code: "queue_full", retryAfter: RetryAfterSeconds,
}

// asHTTPError classifies any error into a status and message.
func asHTTPError(err error) *httpError {
	var he *httpError
	switch {
	case errors.As(err, &he):
		return he
	case errors.Is(err, store.ErrNotFound):
		return &httpError{status: http.StatusNotFound, msg: err.Error(), code: "model_not_found", typ: "invalid_request_error"}
	case errors.Is(err, store.ErrInvalidName):
		return &httpError{status: http.StatusBadRequest, msg: err.Error(), param: "model"}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The client went away; the status is for the log only.
		return &httpError{status: 499, msg: "request cancelled"}
	case errors.Is(err, errClosed):
		return &httpError{status: http.StatusServiceUnavailable, msg: err.Error(), typ: "server_error"}
	}
	return &httpError{status: http.StatusInternalServerError, msg: err.Error(), typ: "server_error"}
}

// errorBody returns the JSON error object of an API.
func errorBody(api apiKind, he *httpError) any {
	if api == apiOllama {
		return map[string]string{"error": he.msg}
	}
	typ := he.typ
	if typ == "" {
		switch {
		case he.status == http.StatusUnauthorized:
			typ = "authentication_error"
		case he.status == http.StatusNotFound:
			typ = "not_found_error"
		case he.status >= 500:
			typ = "server_error"
		default:
			typ = "invalid_request_error"
		}
	}
	e := map[string]any{"message": he.msg, "type": typ, "param": nil, "code": nil}
	if he.param != "" {
		e["param"] = he.param
	}
	if he.code != "" {
		e["code"] = he.code
	}
	return map[string]any{"error": e}
}

// writeError answers a request that has not started its response with an
// error in the API's shape.
func writeError(w http.ResponseWriter, api apiKind, err error) {
	he := asHTTPError(err)
	if he.status == 499 {
		return // nobody is listening
	}
	if he.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(he.retryAfter))
	}
	writeJSON(w, he.status, errorBody(api, he))
}

// marshal encodes v as JSON without escaping <, > and & (chat templates
// and model text are full of them).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// writeJSON writes v as a JSON response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":"encoding the response failed"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// maxBody bounds request bodies (prompts are text; 32 MiB is far beyond
// any context).
const maxBody = 32 << 20

// decodeJSON reads a request body into v; a bad body is a 400.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, maxBody)
	dec := json.NewDecoder(body)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return &httpError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("request body is larger than %d bytes", maxBody)}
		case errors.Is(err, io.EOF):
			return badRequest("missing request body")
		}
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field != "" {
			return badParam(ute.Field, "invalid request body: field %q must be %s, not %s", ute.Field, ute.Type.String(), ute.Value)
		}
		return badRequest("invalid request body: %v", err)
	}
	if dec.More() {
		return badRequest("invalid request body: more than one JSON value")
	}
	return nil
}
