// Package ratelimit is a set of token buckets, one per key (a bench, an
// address, an API key's hash). Idle buckets are swept, so a stream of
// strangers cannot grow it for ever.
package ratelimit

import (
	"math"
	"sync"
	"time"
)

// Limiter allows each key Rate requests per second on average and Burst
// at once. A nil Limiter, or one with a rate of zero, allows everything.
type Limiter struct {
	rate  float64 // tokens per second
	burst float64

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// sweepAfter is how long a bucket stays idle before it is forgotten. It is
// at least the time a bucket takes to fill, so forgetting one never hands a
// client more than the burst it would have had anyway.
func (l *Limiter) sweepAfter() time.Duration {
	return max(time.Minute, time.Duration(l.burst/l.rate*float64(time.Second)))
}

// PerSecond makes a limiter of perSecond requests per second, burst at once.
func PerSecond(perSecond float64, burst int) *Limiter {
	return &Limiter{rate: perSecond, burst: float64(max(burst, 1)), buckets: map[string]*bucket{}}
}

// PerMinute makes a limiter of perMinute requests per minute, burst at once.
func PerMinute(perMinute, burst int) *Limiter { return PerSecond(float64(perMinute)/60, burst) }

// Allow takes a token from key's bucket at now, or says how long until one
// is there.
func (l *Limiter) Allow(key string, now time.Time) (ok bool, wait time.Duration) {
	return l.AllowN(key, 1, now)
}

// AllowN takes n tokens at once from key's bucket at now, or takes none
// and says how long until n are there: a quota of bytes rather than of
// requests. n over the burst is never allowed; the caller keeps the burst
// at least the largest n it asks for.
func (l *Limiter) AllowN(key string, n int64, now time.Time) (ok bool, wait time.Duration) {
	if l == nil || l.rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	idle := l.sweepAfter()
	if now.Sub(l.lastSweep) > idle {
		for k, b := range l.buckets {
			if now.Sub(b.at) > idle {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b, found := l.buckets[key]
	if !found {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed.Seconds()*l.rate)
		b.at = now
	}
	need := float64(n)
	if b.tokens >= need {
		b.tokens -= need
		return true, 0
	}
	return false, time.Duration((need - b.tokens) / l.rate * float64(time.Second))
}
