package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/intakebench/intakebench/internal/httpx"
)

// ErrForbiddenAddress is a webhook target on an address the hub must not
// reach on a registrant's behalf (server-side request forgery): loopback,
// private, link-local, unspecified, multicast and the like.
var ErrForbiddenAddress = errors.New("webhook: forbidden target address")

// IssueForbiddenAddress is the FieldError issue of a URL refused because
// its host is or resolves to such an address.
const IssueForbiddenAddress = "forbidden_address"

// Resolver looks host names up; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// registerLookupTimeout bounds the DNS lookup of Register: a slow resolver
// must not hold a management request, and the dial-time guard stays.
const registerLookupTimeout = 5 * time.Second

// forbiddenKind names the kind of address ip is if a webhook may not
// target it, or returns "" if it may.
func forbiddenKind(ip netip.Addr) string {
	ip = ip.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	switch {
	case !ip.IsValid():
		return "invalid"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsMulticast():
		return "multicast"
	case ip.IsLinkLocalUnicast():
		return "link-local"
	case ip.IsPrivate():
		return "private"
	}
	for _, n := range []struct{ prefix, kind string }{
		{"0.0.0.0/8", "this-network"}, // Linux connects 0.x.y.z to the host itself
		{"100.64.0.0/10", "shared (carrier-grade NAT)"},
		{"192.0.0.0/24", "IETF protocol assignment"},
		{"198.18.0.0/15", "benchmarking"},
		{"240.0.0.0/4", "reserved"}, // and the broadcast address
		{"fec0::/10", "site-local"},
	} {
		if netip.MustParsePrefix(n.prefix).Contains(ip) {
			return n.kind
		}
	}
	// IPv6 forms that carry an IPv4 address a gateway connects to.
	if ip.Is6() {
		b := ip.As16()
		var embedded netip.Addr
		switch {
		case netip.MustParsePrefix("64:ff9b::/96").Contains(ip): // NAT64
			embedded = netip.AddrFrom4([4]byte(b[12:16]))
		case netip.MustParsePrefix("2002::/16").Contains(ip): // 6to4
			embedded = netip.AddrFrom4([4]byte(b[2:6]))
		}
		if embedded.IsValid() {
			if kind := forbiddenKind(embedded); kind != "" {
				return kind + " (embedded in IPv6)"
			}
		}
	}
	return ""
}

// refuseForbidden is the dialer's Control: it runs for every address a
// connection is about to be made to, after DNS, so a name that resolved to
// a public address at registration and to a private one now is refused
// too.
func refuseForbidden(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot check %s address %q: %w", ErrForbiddenAddress, network, address, err)
	}
	if kind := forbiddenKind(ap.Addr()); kind != "" {
		return fmt.Errorf("%w: %s (%s)", ErrForbiddenAddress, ap.Addr().Unmap(), kind)
	}
	return nil
}

// newClient is the default HTTP client. With guard, every dial goes
// through refuseForbidden and no proxy from the environment is used, since
// the guard would then check the proxy's address instead of the
// endpoint's. Up to perEndpoint idle connections are kept per endpoint, as
// many as can be in use at once.
func newClient(guard bool, perEndpoint int) *http.Client {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   perEndpoint,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	if guard {
		dialer.Control = refuseForbidden
		t.Proxy = nil
	}
	return &http.Client{Transport: t, CheckRedirect: noRedirects}
}

// noRedirects makes a 3xx a failed attempt: a redirect would re-send the
// signed body somewhere the owner never registered.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// checkTarget refuses, at registration, a URL whose host is or resolves to
// a forbidden address. A name that does not resolve now is let through:
// it may later, and the dial-time guard checks it then.
func (d *Dispatcher) checkTarget(ctx context.Context, u *url.URL) error {
	if d.allowPrivate {
		return nil
	}
	forbidden := func(what string) error {
		return &httpx.FieldError{Field: "url", Issue: IssueForbiddenAddress,
			Message: fmt.Sprintf("url host %s: webhooks may not target loopback, private, link-local or other internal addresses", what)}
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if ip, err := netip.ParseAddr(host); err == nil {
		if kind := forbiddenKind(ip); kind != "" {
			return forbidden(fmt.Sprintf("%s is a forbidden address (%s)", ip.Unmap(), kind))
		}
		return nil
	}
	// RFC 6761: these names are the host itself whatever DNS says.
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return forbidden(host + " is a forbidden address (the local host)")
	}
	ctx, cancel := context.WithTimeout(ctx, registerLookupTimeout)
	defer cancel()
	addrs, err := d.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, ip := range addrs {
		if kind := forbiddenKind(ip); kind != "" {
			return forbidden(fmt.Sprintf("%s resolves to %s, a forbidden address (%s)", host, ip.Unmap(), kind))
		}
	}
	return nil
}
