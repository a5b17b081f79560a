package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// run is the publisher's one delivery goroutine: collect a batch from the spool, deliver it,
// ack it, until ctx ends. A batch is acked only after the target took it (or refused it for
// good and it is in the dead-letter file), so stopping at any point loses nothing.
func (p *Publisher) run(ctx context.Context) {
	defer close(p.done)
	for {
		recs, err := p.collect(ctx)
		if err != nil {
			return
		}
		if !p.deliver(ctx, recs) {
			return
		}
	}
}

// collect returns the next batch: Batch.Size records, or fewer once the first of them has
// waited Batch.Linger. It blocks while the spool is empty.
func (p *Publisher) collect(ctx context.Context) ([]record, error) {
	size, linger := p.opts.Batch.Size, p.opts.Batch.Linger.D()
	var recs []record
	var timer *time.Timer
	var expired <-chan time.Time
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		got, err := p.spool.read(size - len(recs))
		if err != nil {
			p.log.Error("spool read", "error", err)
			p.noteErr(err)
			if !sleep(ctx, p.opts.Retry.Max.D()) {
				return nil, ctx.Err()
			}
			continue
		}
		recs = append(recs, got...)
		if len(recs) >= size || (len(recs) > 0 && linger == 0) {
			return recs, nil
		}
		if len(recs) > 0 && timer == nil {
			timer = time.NewTimer(linger)
			expired = timer.C
		}
		select {
		case <-p.spool.ready:
		case <-expired:
			got, err := p.spool.read(size - len(recs))
			if err == nil {
				recs = append(recs, got...)
			}
			return recs, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// deliver sends recs until the target takes them, a permanent error dead-letters them, or ctx
// ends (false). Each round makes up to Retry.MaxAttempts attempts with backoff; between
// rounds it waits out the open breaker. The batch is never dropped for being retried too
// often: an outage only grows the spool.
func (p *Publisher) deliver(ctx context.Context, recs []record) bool {
	msgs := make([]Message, len(recs))
	var size int64
	for i, r := range recs {
		msgs[i] = r.msg
		size += int64(r.size)
	}
	sends := 0
	for {
		err := p.attempts(ctx, msgs, &sends)
		switch {
		case err == nil: // delivered: ack it even if we are being stopped
			p.m.sent.Add(float64(len(msgs)))
			p.m.batches.Inc()
		case ctx.Err() != nil:
			return false
		case IsPermanent(err):
			if derr := p.deadLetter(msgs, err); derr != nil {
				// Not acked: better to retry a refused batch than to lose it.
				p.log.Error("dead-letter write failed; keeping the batch", "error", derr)
				p.noteErr(derr)
				if !sleep(ctx, p.opts.Retry.Max.D()) {
					return false
				}
				continue
			}
			p.m.failed.Add(float64(len(msgs)))
			p.log.Error("target refused a batch; moved to the dead-letter file",
				"messages", len(msgs), "first_key", msgs[0].Key, "error", err)
		default:
			wait := p.br.untilHalfOpen()
			if wait == 0 {
				wait = p.opts.Retry.Max.D()
			}
			if !sleep(ctx, wait) {
				return false
			}
			continue
		}
		if err := p.spool.ack(recs[len(recs)-1].seq, len(recs), size); err != nil {
			p.log.Error("spool ack", "error", err) // the batch may be re-delivered after a restart
			p.noteErr(err)
		}
		p.updateDepth()
		return true
	}
}

// attempts makes up to Retry.MaxAttempts sends of msgs through the breaker, with backoff
// between them; sends counts the calls to the sink across rounds (for the retries metric).
func (p *Publisher) attempts(ctx context.Context, msgs []Message, sends *int) error {
	bo := newBackoff(p.opts.Retry)
	var err error
	for a := 1; a <= p.opts.Retry.MaxAttempts; a++ {
		err = p.br.do(func() error {
			if *sends++; *sends > 1 {
				p.m.retries.Inc()
			}
			return p.sink.Send(ctx, msgs)
		})
		if err == nil || ctx.Err() != nil {
			return err
		}
		if errors.Is(err, ErrBreakerOpen) {
			return err
		}
		p.m.sendErrors.Inc()
		p.noteErr(err)
		if IsPermanent(err) {
			return err
		}
		p.log.Warn("send failed", "attempt", a, "of", p.opts.Retry.MaxAttempts, "messages", len(msgs), "error", err)
		if a == p.opts.Retry.MaxAttempts {
			break
		}
		d := max(bo.NextBackOff(), retryAfter(err))
		if !sleep(ctx, d) {
			return ctx.Err()
		}
	}
	return err
}

// deadLetter appends msgs with the reason to dead-letter.jsonl in the spool directory and
// fsyncs it: a refused message is taken out of the delivery path but kept for an operator.
func (p *Publisher) deadLetter(msgs []Message, reason error) error {
	f, err := os.OpenFile(filepath.Join(p.spool.dir, "dead-letter.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	var buf []byte
	now := time.Now().UTC()
	for _, m := range msgs {
		line, err := json.Marshal(struct {
			Message
			Publisher string    `json:"publisher"`
			Error     string    `json:"error"`
			DeadAt    time.Time `json:"dead_at"`
		}{m, p.name, reason.Error(), now})
		if err != nil {
			f.Close()
			return fmt.Errorf("dead letter %q: %w", m.Key, err)
		}
		buf = append(append(buf, line...), '\n')
	}
	_, werr := f.Write(buf)
	return errors.Join(werr, f.Sync(), f.Close())
}
