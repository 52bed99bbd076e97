package device

import (
	"context"
	"errors"
	"sync"
)

// Source is a reader that delivers Events until ctx ends.
type Source interface {
	Run(ctx context.Context, out chan<- Event) error
}

// RunAll runs every source on the one stream out and returns when all have
// returned, normally once ctx ends. Sources are independent: one failing
// does not stop the others. Cancellation is not reported as an error.
func RunAll(ctx context.Context, out chan<- Event, sources ...Source) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, src := range sources {
		wg.Go(func() {
			err := src.Run(ctx, out)
			if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
