package mailpittest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// waitDefault bounds WaitForMessage when its context has no deadline, so a
// message that never comes fails the test instead of hanging it.
const waitDefault = 10 * time.Second

// Address is a name and address as mailpit decoded them from a header.
type Address struct {
	Name    string
	Address string
}

// Summary is a message in mailpit's list.
type Summary struct {
	ID        string // mailpit's id, for Message
	MessageID string // the Message-ID header, without angle brackets
	From      Address
	To        []Address
	Subject   string
	Created   time.Time
	Snippet   string
	Username  string // the name the client logged in with; empty without AUTH
}

// Full is one message with its decoded bodies.
type Full struct {
	ID        string
	MessageID string
	From      Address
	To        []Address
	Subject   string
	Date      time.Time
	Text      string // the text/plain part, decoded, with CRLF line ends
	HTML      string // the text/html part, decoded
	Username  string // the name the client logged in with; empty without AUTH
}

// Messages lists the messages received, newest first (mailpit's first
// page of 50).
func (s *Server) Messages(ctx context.Context) ([]Summary, error) {
	var list struct {
		Messages []Summary `json:"messages"`
	}
	if err := s.getJSON(ctx, "/api/v1/messages", &list); err != nil {
		return nil, err
	}
	return list.Messages, nil
}

// Message returns the message with mailpit id id.
func (s *Server) Message(ctx context.Context, id string) (Full, error) {
	var m Full
	err := s.getJSON(ctx, "/api/v1/message/"+url.PathEscape(id), &m)
	return m, err
}

// Headers returns the headers of message id as received, not decoded.
func (s *Server) Headers(ctx context.Context, id string) (map[string][]string, error) {
	var h map[string][]string
	err := s.getJSON(ctx, "/api/v1/message/"+url.PathEscape(id)+"/headers", &h)
	return h, err
}

// Raw returns message id exactly as received.
func (s *Server) Raw(ctx context.Context, id string) ([]byte, error) {
	return s.get(ctx, "/api/v1/message/"+url.PathEscape(id)+"/raw")
}

// WaitForMessage returns the newest message to the address to (compared
// without regard to case), polling until one arrives or ctx ends; a ctx
// without a deadline waits at most 10 s.
func (s *Server) WaitForMessage(ctx context.Context, to string) (Full, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, waitDefault)
		defer cancel()
	}
	var found string
	var seen []Summary
	err := poll(ctx, func() (bool, error) {
		list, err := s.Messages(ctx)
		if err != nil {
			// Only the deadline ends the wait: a request cut short by it
			// reports it below.
			return false, nil
		}
		seen = list
		for _, m := range list {
			for _, a := range m.To {
				if strings.EqualFold(a.Address, to) {
					found = m.ID
					return true, nil
				}
			}
		}
		return false, nil
	})
	if err != nil {
		var got []string
		for _, m := range seen {
			got = append(got, fmt.Sprintf("%v %q", m.To, m.Subject))
		}
		return Full{}, fmt.Errorf("mailpittest: no message to %s (have %d: %s): %w", to, len(seen), strings.Join(got, "; "), err)
	}
	return s.Message(ctx, found)
}

func (s *Server) getJSON(ctx context.Context, path string, v any) error {
	body, err := s.get(ctx, path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("mailpittest: GET %s: %w", path, err)
	}
	return nil
}

func (s *Server) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.APIURL+path, nil)
	if err != nil {
		return nil, fmt.Errorf("mailpittest: GET %s: %w", path, err)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("mailpittest: GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("mailpittest: GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("mailpittest: GET %s: %s: %.200s", path, resp.Status, body)
	}
	return body, nil
}
