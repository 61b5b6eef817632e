package stripe

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// Calls share the connector's connections: a payment costs no new TLS
// handshake.
func TestConnectionReuse(t *testing.T) {
	f := newFakeStripe(t)
	var opened atomic.Int32
	srv := httptest.NewUnstartedServer(f.handler())
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c := New(Config{APIKey: "sk_test_123", BaseURL: srv.URL})
	// Trust the test server's certificate, on the connector's own transport.
	c.http.Transport.(*http.Transport).TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	for i := range 50 {
		if r, err := c.Authorize(context.Background(), sampleRequest()); err != nil || !r.Approved {
			t.Fatalf("Authorize %d: got %+v, %v", i, r, err)
		}
	}
	if n := opened.Load(); n > 2 {
		t.Errorf("got %d connections for 50 payments, want at most 2", n)
	}
}

// One connector serves many payments at once.
func TestConcurrentAuthorize(t *testing.T) {
	f := newFakeStripe(t)
	c := f.connector(0)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			r, err := c.Authorize(context.Background(), sampleRequest())
			if err == nil && !r.Approved {
				err = fmt.Errorf("got %+v, want approved", r)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
