package serve

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestJSONLogDurations: the JSON log writes durations in seconds.
func TestJSONLogDurations(t *testing.T) {
	var b bytes.Buffer
	log, err := newLogger(&b, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("request", "duration", 1500*time.Millisecond)
	var line struct {
		Duration float64 `json:"duration"`
	}
	if err := json.Unmarshal(b.Bytes(), &line); err != nil || line.Duration != 1.5 {
		t.Errorf("log line %s: duration %v, %v; want 1.5", b.Bytes(), line.Duration, err)
	}
}
