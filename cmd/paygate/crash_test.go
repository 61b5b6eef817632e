package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// child is the real paygate binary running as another process.
type child struct {
	cmd         *exec.Cmd
	url         string
	appID, secr string
	setupURL    string // the sandbox admin's set-password link, from the node that made the merchant
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "paygate")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func (c *child) token(t *testing.T, appID, secret string) string {
	t.Helper()
	body := fmt.Sprintf(`{"appId":%q,"secret":%q}`, appID, secret)
	resp, err := http.Post(c.url+"/v1/auth/token", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct{ AccessToken string }
	json.NewDecoder(resp.Body).Decode(&v)
	if v.AccessToken == "" {
		t.Fatalf("no token from %s (status %d)", c.url, resp.StatusCode)
	}
	return v.AccessToken
}

func post(url, token string, body any) (int, map[string]any, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, strings.NewReader(string(b)))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m, nil
}

// TestCrashKeepsNotifications kills the real binary with SIGKILL in the middle
// of a load of payments, restarts it on the same database, and checks that
// every committed payment's notification is delivered and that none is sent
// for a payment that did not commit, and that the books hold: each captured
// payment has its capture journal and no journal lacks its payment.
func TestCrashKeepsNotifications(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "crash.db")
	rcv := newReceiver(t)
	key := newMasterKey(t)
	first := startNode(t, bin, "sqlite:"+db, key)
	appID, secret := first.appID, first.secr
	token := first.token(t, appID, secret)

	var mu sync.Mutex
	var orders []string
	acked := map[string]bool{}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				orderNo := fmt.Sprintf("crash-%d-%05d", w, i)
				body := cardPayment(orderNo, "4242424242424242")
				body["notificationUrl"] = rcv.URL + "/crash"
				mu.Lock()
				orders = append(orders, orderNo)
				mu.Unlock()
				status, _, err := post(first.url+"/v1/payments", token, body)
				if err != nil {
					return // the server died under us
				}
				if status == 201 {
					mu.Lock()
					acked[orderNo] = true
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(700 * time.Millisecond)
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.cmd.Wait()
	stop.Store(true)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no payment was acknowledged before the kill")
	}

	second := startNode(t, bin, "sqlite:"+db, key)
	token = second.token(t, appID, secret)
	owed := map[string]bool{}
	for _, orderNo := range orders {
		status, p, err := post(second.url+"/v1/payments/inquiry", token, map[string]string{"orderNo": orderNo})
		if err != nil {
			t.Fatal(err)
		}
		if acked[orderNo] && (status != 200 || p["status"] != "SUCCEEDED") {
			t.Errorf("acknowledged order %s: got %d %v after restart, want SUCCEEDED", orderNo, status, p["status"])
		}
		if status == 200 && p["status"] == "SUCCEEDED" {
			owed[orderNo] = true
		}
	}
	deadline := time.Now().Add(90 * time.Second) // a delivery claimed by the dead node waits out its 45 s lease
	for {
		got := map[string]bool{}
		rcv.mu.Lock()
		for _, d := range rcv.got {
			if d.JSON["eventType"] == "payment.succeeded" {
				data, _ := d.JSON["data"].(map[string]any)
				got[fmt.Sprint(data["orderNo"])] = true
			}
		}
		rcv.mu.Unlock()
		missing := 0
		for o := range owed {
			if !got[o] {
				missing++
			}
		}
		for o := range got {
			if !owed[o] {
				t.Fatalf("got a notification for %s, which did not commit as SUCCEEDED", o)
			}
		}
		if missing == 0 {
			t.Logf("%d payments acknowledged, %d committed, all notified", len(acked), len(owed))
			verifyBooksAfterCrash(t, db, key, len(owed))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d committed payments never notified", missing, len(owed))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// verifyBooksAfterCrash runs ledger verify on the crashed database: every
// capture journal matches a SUCCEEDED payment and every one of the
// committed payments has its journal.
func verifyBooksAfterCrash(t *testing.T, db, key string, committed int) {
	t.Helper()
	var out, errb syncBuffer
	env := func(k string) string {
		if k == "PAYGATE_MASTER_KEY" {
			return key
		}
		return ""
	}
	err := run(t.Context(), []string{"ledger", "verify", "--db", "sqlite:" + db}, env, &out, &errb)
	want := fmt.Sprintf("%d journals, %d payments checked, 0 violations", committed, committed)
	if err != nil || !strings.Contains(out.String(), want) {
		t.Errorf("ledger verify after the crash: %v\n%s%s\nwant %q", err, out.String(), errb.String(), want)
	}
}
