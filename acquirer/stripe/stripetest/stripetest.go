// Package stripetest runs stripe-mock, Stripe's own mock server
// (github.com/stripe/stripe-mock, a Go tool dependency of the module), for
// tests: it checks every request against Stripe's OpenAPI document and
// answers canned objects.
package stripetest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

var mock struct {
	once sync.Once
	url  string
	stop func()
	err  error
}

// URL returns the address of the package's one stripe-mock, starting it
// on first use (a test binary's TestMain calls Stop). Where it cannot be
// started the test skips, or fails under CI=true.
func URL(t testing.TB) string {
	t.Helper()
	mock.once.Do(func() { mock.url, mock.stop, mock.err = start() })
	if mock.err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("stripe-mock: %v", mock.err)
		}
		t.Skipf("stripe-mock could not be started, so this test skips (it fails under CI=true): %v", mock.err)
	}
	return mock.url
}

// Stop stops stripe-mock if it was started.
func Stop() {
	if mock.stop != nil {
		mock.stop()
	}
}

func start() (string, func(), error) {
	cmd := exec.Command("go", "tool", "stripe-mock", "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		// go tool passes the signal on to stripe-mock.
		if cmd.Process.Signal(os.Interrupt) != nil {
			_ = cmd.Process.Kill()
		}
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "Listening for HTTP at address: "); ok {
				addr <- a
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case a := <-addr:
		url := "http://" + a
		if err := waitAnswers(url); err != nil {
			stop()
			return "", nil, err
		}
		return url, stop, nil
	case <-exited:
		return "", nil, fmt.Errorf("go tool stripe-mock exited: %s", strings.TrimSpace(stderr.String()))
	case <-time.After(90 * time.Second):
		stop()
		return "", nil, errors.New("go tool stripe-mock did not start listening within 90s")
	}
}

// waitAnswers waits until the server at url answers an API request.
func waitAnswers(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/v1/balance", nil)
		req.Header.Set("Authorization", "Bearer sk_test_123")
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET /v1/balance: %s", res.Status)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stripe-mock does not answer: %w", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
