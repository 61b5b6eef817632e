package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBenchCommand runs the load tool briefly against a server it starts,
// with the baseline, and reads its JSON report. It asserts what was measured,
// never how fast.
func TestBenchCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.json")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"bench", "--duration", "1s", "--clients", "4", "--mix", "card=2,manual,refund,inquiry,session",
		"--json", out}, func(string) string { return "" }, &stdout, &stderr)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var results []benchResult
	if err := json.Unmarshal(b, &results); err != nil {
		t.Fatalf("report: %v\n%s", err, b)
	}
	if len(results) != 1 || results[0].Paygate == nil || results[0].Baseline == nil {
		t.Fatalf("got %s, want one result with paygate and baseline", b)
	}
	r := results[0].Paygate
	if r.Requests == 0 || r.Errors != 0 || r.Ops["card"] == nil || r.Ops["card"].P99 <= 0 || results[0].Ratio <= 0 {
		t.Errorf("got %+v, want requests without errors, percentiles and a ratio", r)
	}
	for _, op := range []string{"capture", "refund", "session"} {
		if r.Ops[op] == nil || r.Ops[op].Count == 0 {
			t.Errorf("op %s: got none, want some", op)
		}
	}
	if r.CPUMicros <= 0 || results[0].Baseline.CPUMicros <= 0 {
		t.Errorf("CPU per request: got paygate %v, baseline %v, want both measured", r.CPUMicros, results[0].Baseline.CPUMicros)
	}
	if !strings.Contains(stdout.String(), "paygate/baseline throughput") {
		t.Errorf("got %q, want the text report with the ratio", stdout.String())
	}
}

// TestBenchLists: list reads the first page and listdeep the page
// --list-page, walked to before the run; a list too short for that page is
// refused with the reason.
func TestBenchLists(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.json")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"bench", "--duration", "500ms", "--clients", "2", "--mix", "list,listdeep,listnone",
		"--preload", "100", "--list-page", "4", "--baseline=false", "--json", out}, func(string) string { return "" }, &stdout, &stderr)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var results []benchResult
	if err := json.Unmarshal(b, &results); err != nil || len(results) != 1 || results[0].Paygate == nil {
		t.Fatalf("report: %v\n%s", err, b)
	}
	r := results[0].Paygate
	if r.Errors != 0 || r.Ops["list"] == nil || r.Ops["list"].Count == 0 || r.Ops["listdeep"] == nil || r.Ops["listdeep"].Count == 0 || r.Ops["listnone"] == nil {
		t.Errorf("got %s, want list and listdeep answered without errors", b)
	}
	err = run(context.Background(), []string{"bench", "--duration", "500ms", "--clients", "1", "--mix", "listdeep",
		"--preload", "30", "--list-page", "4", "--baseline=false"}, func(string) string { return "" }, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "ends at page 2") {
		t.Errorf("listdeep past the end: got %v, want the list's end named", err)
	}
}

func TestBenchRefusesImpossibleSettings(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--clients", "0"},
		{"bench", "--rate", "-1"},
		{"bench", "--mix", "teleport"},
		{"bench", "--mix", "card=x"},
		{"bench", "--sweep", "1,zero"},
		{"bench", "--target", "http://127.0.0.1:1"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr)
		if err == nil {
			t.Errorf("%v: got nil error, want a clear refusal", args)
		}
	}
}

// TestBenchStalledServer: a server that stops answering ends the run with a
// report, not a hang.
func TestBenchStalledServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // accepts and never answers
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	start := time.Now()
	rep, err := runBench(context.Background(), BenchConfig{Target: "http://" + ln.Addr().String(), Token: "x",
		Mix: map[string]int{"card": 1}, Clients: 2, Duration: time.Minute, Timeout: 300 * time.Millisecond, StallAfter: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Stalled || time.Since(start) > 20*time.Second {
		t.Errorf("got stalled %v after %v, want an early end", rep.Stalled, time.Since(start))
	}
	if !strings.Contains(rep.Text(), "stopped answering") {
		t.Errorf("got %q, want the report to say so", rep.Text())
	}
}

// TestBenchSandboxLatency: with --sandbox-latency every sandbox call waits,
// the server says how long in Server-Timing, and the report takes that
// time out of what the gateway added. A card payment makes two calls
// (3-D Secure's authentication, then the authorization).
func TestBenchSandboxLatency(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.json")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"bench", "--duration", "1s", "--clients", "4", "--mix", "card,inquiry",
		"--baseline=false", "--sandbox-latency", "30ms", "--json", out}, func(string) string { return "" }, &stdout, &stderr)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var results []benchResult
	if err := json.Unmarshal(b, &results); err != nil || len(results) != 1 {
		t.Fatalf("report: %v\n%s", err, b)
	}
	card := results[0].Paygate.Ops["card"]
	if card == nil || card.Errors != 0 || card.P50 < 60 {
		t.Fatalf("card: got %+v, want answers of at least 60 ms (two calls of 30 ms)", card)
	}
	if card.GatewayP50 <= 0 || card.GatewayP50 > card.P50-60 {
		t.Errorf("card: gateway-added p50 %.2f ms of %.2f ms, want the 60 ms of connector time taken out", card.GatewayP50, card.P50)
	}
	if inq := results[0].Paygate.Ops["inquiry"]; inq != nil && inq.GatewayP99 != 0 {
		t.Errorf("inquiry: got gateway-added p99 %.2f, want none: an inquiry calls no connector", inq.GatewayP99)
	}
	if !strings.Contains(stdout.String(), "added by the gateway") {
		t.Errorf("got %q, want the gateway-added line in the text report", stdout.String())
	}
}
