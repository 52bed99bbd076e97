package webhook

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/internal/httpx"
)

// fakeResolver answers host lookups from a table; other names do not
// resolve.
type fakeResolver map[string][]netip.Addr

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if addrs, ok := r[host]; ok {
		return addrs, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestForbiddenKind(t *testing.T) {
	for _, tt := range []struct {
		ip   string
		want string
	}{
		{"127.0.0.1", "loopback"},
		{"127.255.0.9", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.10", "private"},
		{"fc00::1", "private"},
		{"fd12:3456::1", "private"},
		{"169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"0.1.2.3", "this-network"},
		{"224.0.0.1", "multicast"},
		{"169.254.0.1", "link-local"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"ff05::2", "multicast"},
		{"100.100.100.200", "shared (carrier-grade NAT)"},
		{"255.255.255.255", "reserved"},
		{"64:ff9b::a00:1", "private (embedded in IPv6)"},
		{"2002:7f00:1::", "loopback (embedded in IPv6)"},
		{"fec0::1", "site-local"},
		// Public addresses are fine.
		{"93.184.215.14", ""},
		{"172.32.0.1", ""},
		{"2606:4700::1111", ""},
		{"64:ff9b::808:808", ""},
	} {
		t.Run(tt.ip, func(t *testing.T) {
			assert.Equal(t, tt.want, forbiddenKind(netip.MustParseAddr(tt.ip)))
		})
	}
}

func TestRegisterRefusesInternalTargets(t *testing.T) {
	ctx := t.Context()
	resolver := fakeResolver{
		"internal.example": {netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("10.0.0.5")},
		"public.example":   {netip.MustParseAddr("93.184.215.14")},
	}
	d, err := New(tempDB(t), Config{Resolver: resolver})
	require.NoError(t, err)
	for _, tt := range []struct {
		url     string
		message string // "": accepted
	}{
		{"http://127.0.0.1:8080/hook", "url host 127.0.0.1 is a forbidden address (loopback): webhooks may not target loopback, private, link-local or other internal addresses"},
		{"http://[::1]/hook", "url host ::1 is a forbidden address (loopback): webhooks may not target loopback, private, link-local or other internal addresses"},
		{"http://[::ffff:127.0.0.1]/hook", "url host 127.0.0.1 is a forbidden address (loopback): webhooks may not target loopback, private, link-local or other internal addresses"},
		{"https://10.20.30.40/hook", "url host 10.20.30.40 is a forbidden address (private): webhooks may not target loopback, private, link-local or other internal addresses"},
		{"http://169.254.169.254/latest/meta-data/", "url host 169.254.169.254 is a forbidden address (link-local): webhooks may not target loopback, private, link-local or other internal addresses"},
		{"http://0.0.0.0:8750/", "url host 0.0.0.0 is a forbidden address (unspecified): webhooks may not target loopback, private, link-local or other internal addresses"},
		{"http://[fd00::1]/", "url host fd00::1 is a forbidden address (private): webhooks may not target loopback, private, link-local or other internal addresses"},
		{"http://224.0.0.1/", "url host 224.0.0.1 is a forbidden address (multicast): webhooks may not target loopback, private, link-local or other internal addresses"},
		{"http://localhost:8750/hook", "url host localhost is a forbidden address (the local host): webhooks may not target loopback, private, link-local or other internal addresses"},
		{"http://LOCALHOST./hook", "url host localhost is a forbidden address (the local host): webhooks may not target loopback, private, link-local or other internal addresses"},
		{"http://admin.localhost/hook", "url host admin.localhost is a forbidden address (the local host): webhooks may not target loopback, private, link-local or other internal addresses"},
		{"https://internal.example/hook", "url host internal.example resolves to 10.0.0.5, a forbidden address (private): webhooks may not target loopback, private, link-local or other internal addresses"},
		{"https://public.example/hook", ""},
		{"https://93.184.215.14/hook", ""},
		// Not resolvable now: the dial-time guard checks it when it is.
		{"https://nxdomain.example/hook", ""},
	} {
		t.Run(tt.url, func(t *testing.T) {
			_, _, err := d.Register(ctx, tt.url, nil, "")
			if tt.message == "" {
				assert.NoError(t, err)
				return
			}
			var fe *httpx.FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, httpx.FieldError{Field: "url", Issue: "forbidden_address", Message: tt.message}, *fe)
		})
	}

	allowing, err := New(tempDB(t), Config{AllowPrivateTargets: true, Resolver: resolver})
	require.NoError(t, err)
	for _, u := range []string{"http://127.0.0.1:8080/hook", "http://localhost/hook", "https://internal.example/hook", "http://[::1]/"} {
		_, _, err := allowing.Register(ctx, u, nil, "")
		assert.NoError(t, err, "%s with AllowPrivateTargets", u)
	}
}

// TestRegisterResolvesLocalhost checks the lookup path with the system
// resolver's answer for "localhost": a name that only DNS maps to
// loopback is refused too, not just the RFC 6761 names.
func TestRegisterResolvesLocalhost(t *testing.T) {
	addrs, err := net.DefaultResolver.LookupNetIP(t.Context(), "ip", "localhost")
	if err != nil || len(addrs) == 0 {
		t.Skipf("this machine does not resolve localhost: %v", err)
	}
	d, err := New(tempDB(t), Config{})
	require.NoError(t, err)
	u, err := url.Parse("http://localhost:8750/hook")
	require.NoError(t, err)
	// Bypass the name check to reach the lookup, as a name that only DNS
	// maps to loopback would.
	d.resolver = renamingResolver{from: "loopback.test", to: "localhost"}
	u.Host = "loopback.test:8750"
	var fe *httpx.FieldError
	require.ErrorAs(t, d.checkTarget(t.Context(), u), &fe)
	assert.Equal(t, "forbidden_address", fe.Issue)
	assert.Contains(t, fe.Message, "url host loopback.test resolves to ")
	assert.Contains(t, fe.Message, ", a forbidden address (loopback)")
}

// renamingResolver looks from up as to with the system resolver.
type renamingResolver struct{ from, to string }

func (r renamingResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if host != r.from {
		return nil, errors.New("unexpected lookup of " + host)
	}
	return net.DefaultResolver.LookupNetIP(ctx, network, r.to)
}

// TestDeliveryRefusesInternalTargets registers endpoints while private
// targets are allowed, as a name that resolved elsewhere at registration
// would be, then delivers without: every attempt is refused at dial time,
// logged as a failure, and nothing reaches the receiver.
func TestDeliveryRefusesInternalTargets(t *testing.T) {
	ctx := t.Context()
	db := tempDB(t)
	clk := newFakeClock()
	rc := newReceiver(t, testSecret, nil)
	port := rc.srv.Listener.Addr().(*net.TCPAddr).Port
	register := stepDispatcher(t, db, clk, Config{})
	guarded, err := New(db, Config{Now: clk.Now, Jitter: noJitter, BaseBackoff: time.Second, MaxBackoff: time.Minute})
	require.NoError(t, err)

	for _, tt := range []struct {
		name, url string
		refused   string // the dial error's text, after the ip
	}{
		{"127.0.0.1", "http://127.0.0.1:" + strconv.Itoa(port) + "/hook", "127.0.0.1 (loopback)"},
		{"::1", "http://[::1]:" + strconv.Itoa(port) + "/hook", "::1 (loopback)"},
		{"10.x", "http://10.255.255.1:" + strconv.Itoa(port) + "/hook", "10.255.255.1 (private)"},
		{"169.254.x", "http://169.254.169.254/latest/meta-data/", "169.254.169.254 (link-local)"},
		{"localhost", "http://localhost:" + strconv.Itoa(port) + "/hook", " (loopback)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ep, _, err := register.Register(ctx, tt.url, nil, testSecret)
			require.NoError(t, err)
			require.NoError(t, guarded.Publish(ctx, EventTradeInReceived, map[string]string{"case": tt.name}))
			_, err = guarded.DeliverDue(ctx)
			require.NoError(t, err)
			ds, err := guarded.Deliveries(ctx, ep.ID)
			require.NoError(t, err)
			require.Len(t, ds, 1)
			require.Len(t, ds[0].Log, 1)
			a := ds[0].Log[0]
			if strings.Contains(a.Error, "address family not supported") {
				t.Skipf("no IPv6 here: %s", a.Error)
			}
			assert.Equal(t, StatePending, ds[0].State, "retried later: DNS may change back")
			assert.Zero(t, a.StatusCode)
			assert.Contains(t, a.Error, "webhook: forbidden target address: ")
			assert.Contains(t, a.Error, tt.refused)
			assert.NotNil(t, a.RetryAt)
			// Out of the way of the next case.
			require.NoError(t, guarded.Remove(ctx, ep.ID))
		})
	}
	assert.Empty(t, rc.requests(), "the guard stops the connection before it is made")

	// With the guard off, the same dispatcher set-up reaches loopback.
	ep, _, err := register.Register(ctx, "http://localhost:"+strconv.Itoa(port)+"/hook", nil, testSecret)
	require.NoError(t, err)
	require.NoError(t, register.Publish(ctx, EventTradeInGraded, map[string]string{"case": "allowed"}))
	_, err = register.DeliverDue(ctx)
	require.NoError(t, err)
	ds, err := register.Deliveries(ctx, ep.ID)
	require.NoError(t, err)
	assert.Equal(t, StateDelivered, ds[0].State)
	assert.Len(t, rc.requests(), 1)
}

func TestDefaultClient(t *testing.T) {
	for _, tt := range []struct {
		name     string
		guard    bool
		proxy    bool
		idlePer  int
		redirect error
	}{
		{"guarded: no proxy, the guard checks the endpoint itself", true, false, 4, http.ErrUseLastResponse},
		{"private targets allowed: the environment's proxy", false, true, 2, http.ErrUseLastResponse},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(tt.guard, tt.idlePer)
			tr := c.Transport.(*http.Transport)
			assert.Equal(t, tt.proxy, tr.Proxy != nil)
			assert.Equal(t, tt.idlePer, tr.MaxIdleConnsPerHost)
			assert.ErrorIs(t, c.CheckRedirect(nil, nil), tt.redirect, "a redirect is a failed attempt")
		})
	}
}
