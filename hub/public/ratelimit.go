package public

import (
	"sync"
	"time"
)

// limiter is a token bucket per API key. Buckets are created only for keys
// that verified, so the map is bounded by the number of issued keys, not by
// what strangers send. It is keyed by the key's hash so no key sits in memory.
type limiter struct {
	mu      sync.Mutex
	every   time.Duration // one token per every
	burst   float64
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(perMinute, burst int) *limiter {
	return &limiter{every: time.Minute / time.Duration(perMinute), burst: float64(max(burst, 1)), buckets: map[string]*bucket{}}
}

// allow takes a token for key at now, or reports how long until one is free.
func (l *limiter) allow(key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+float64(elapsed)/float64(l.every))
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) * float64(l.every)), false
}
