// The transaction ops of the franz-go driver, for the transaction e2e tests
// (test/e2e/clients/transactional.ts has the contract); values are UTF-8 text.
//
//	txn_run      one transactional client runs transactions in order (ProduceSync, then
//	             EndTransaction TryCommit or TryAbort)
//	txn_consume  ConsumePartitions from the start at FetchIsolationLevel, up to a count
//	txn_copy     consume-transform-produce with a GroupTransactSession (the consumed
//	             offsets are committed in the transaction by End)
//	txn_zombie   two clients of one transactional id: the first's commit after the second
//	             began; answers the error
//	txn_abandon  begins, writes, prints its answer and exits without ending the transaction
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"blink.e2e/goclients/internal/driver"
)

// drainFor is how long a read goes on after the expected count, so that an extra record would show.
const drainFor = 500 * time.Millisecond

func txnClient(cmd *driver.Command, role string, extra ...kgo.Opt) (*kgo.Client, error) {
	opts := []kgo.Opt{
		kgo.TransactionalID(cmd.TransactionalID),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(5 * time.Millisecond),
	}
	if cmd.TransactionTimeoutMs > 0 {
		opts = append(opts, kgo.TransactionTimeout(driver.Ms(cmd.TransactionTimeoutMs)))
	}
	return newClient(cmd, role, append(opts, extra...)...)
}

func txnRecords(topic string, records []driver.TxnRecord) []*kgo.Record {
	out := make([]*kgo.Record, 0, len(records))
	for _, r := range records {
		out = append(out, &kgo.Record{Topic: topic, Partition: r.Partition, Value: []byte(r.Value)})
	}
	return out
}

// produceInTransaction begins a transaction and writes the records (acknowledged before it returns).
func produceInTransaction(ctx context.Context, cl *kgo.Client, topic string, records []driver.TxnRecord) error {
	if err := cl.BeginTransaction(); err != nil {
		return err
	}
	return cl.ProduceSync(ctx, txnRecords(topic, records)...).FirstErr()
}

func opTxnRun(ctx context.Context, cmd *driver.Command) (any, error) {
	cl, err := txnClient(cmd, "txn-producer")
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	for _, txn := range cmd.Transactions {
		if err := produceInTransaction(ctx, cl, cmd.Topic, txn.Messages); err != nil {
			return nil, err
		}
		end := kgo.TryAbort
		if txn.Commit {
			end = kgo.TryCommit
		}
		if err := cl.EndTransaction(ctx, end); err != nil {
			return nil, err
		}
	}
	return driver.OK, nil
}

func opTxnConsume(ctx context.Context, cmd *driver.Command) (any, error) {
	isolation := kgo.ReadUncommitted()
	if cmd.Isolation == "read_committed" {
		isolation = kgo.ReadCommitted()
	}
	partitions := map[int32]kgo.Offset{}
	for p := range cmd.Partitions {
		partitions[p] = kgo.NewOffset().AtStart()
	}
	cl, err := newClient(cmd, "txn-consumer",
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{cmd.Topic: partitions}),
		kgo.FetchIsolationLevel(isolation),
		kgo.FetchMaxWait(fetchMaxWait),
	)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	records := []driver.TxnRecord{}
	stopAt := time.Now().Add(driver.Ms(cmd.WaitMs))
	for time.Now().Before(stopAt) {
		pollCtx, cancel := context.WithDeadline(ctx, stopAt)
		fetches := cl.PollFetches(pollCtx)
		cancel()
		for _, fetchErr := range fetches.Errors() {
			if !errors.Is(fetchErr.Err, context.DeadlineExceeded) && !errors.Is(fetchErr.Err, context.Canceled) {
				return nil, fetchErr.Err
			}
		}
		before := len(records)
		fetches.EachRecord(func(r *kgo.Record) {
			records = append(records, driver.TxnRecord{Partition: r.Partition, Offset: r.Offset, Value: string(r.Value)})
		})
		if before < cmd.Count && len(records) >= cmd.Count {
			stopAt = time.Now().Add(drainFor)
		}
	}
	return map[string]any{"records": records}, nil
}

func opTxnCopy(ctx context.Context, cmd *driver.Command) (any, error) {
	session, err := kgo.NewGroupTransactSession(append(baseOptions(cmd, "e2e-franz-go-txn-copy"),
		kgo.TransactionalID(cmd.TransactionalID),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ConsumerGroup(cmd.Group),
		kgo.ConsumeTopics(cmd.Input),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.RequireStableFetchOffsets(),
		kgo.FetchMaxWait(fetchMaxWait),
	)...)
	if err != nil {
		return nil, err
	}
	defer session.Close()
	if err := session.Begin(); err != nil {
		return nil, err
	}
	copied := 0
	deadline := cmd.Deadline(0.8)
	for copied < cmd.Count {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("copy: %d of %d records", copied, cmd.Count)
		}
		fetches := session.PollFetches(ctx)
		if err := fetches.Err(); err != nil {
			return nil, err
		}
		var out []*kgo.Record
		fetches.EachRecord(func(r *kgo.Record) {
			out = append(out, &kgo.Record{Topic: cmd.Output, Partition: r.Partition, Value: append([]byte(string(r.Value)), '!')})
		})
		if err := session.ProduceSync(ctx, out...).FirstErr(); err != nil {
			return nil, err
		}
		copied += len(out)
	}
	committed, err := session.End(ctx, kgo.TryCommit)
	if err != nil {
		return nil, err
	}
	if !committed {
		return nil, errors.New("copy: the session aborted instead of committing (a rebalance?)")
	}
	return map[string]any{"copied": copied}, nil
}

func opTxnZombie(ctx context.Context, cmd *driver.Command) (any, error) {
	zombie, err := txnClient(cmd, "txn-zombie")
	if err != nil {
		return nil, err
	}
	defer zombie.Close()
	if err := produceInTransaction(ctx, zombie, cmd.Topic, []driver.TxnRecord{{Partition: 0, Value: "zombie"}}); err != nil {
		return nil, err
	}
	fresh, err := txnClient(cmd, "txn-fresh")
	if err != nil {
		return nil, err
	}
	defer fresh.Close()
	if err := produceInTransaction(ctx, fresh, cmd.Topic, []driver.TxnRecord{{Partition: 0, Value: "fresh"}}); err != nil {
		return nil, err
	}
	if err := fresh.EndTransaction(ctx, kgo.TryCommit); err != nil {
		return nil, err
	}
	if err := zombie.EndTransaction(ctx, kgo.TryCommit); err != nil {
		return map[string]any{"error": err.Error()}, nil
	}
	return map[string]any{"error": nil}, nil
}

func opTxnAbandon(ctx context.Context, cmd *driver.Command) (any, error) {
	cl, err := txnClient(cmd, "txn-abandon")
	if err != nil {
		return nil, err
	}
	if err := produceInTransaction(ctx, cl, cmd.Topic, cmd.Records); err != nil {
		return nil, err
	}
	out, err := json.Marshal(driver.OK)
	if err != nil {
		return nil, err
	}
	fmt.Println(string(out))
	// No EndTransaction, no Close: the process is gone as a crashed producer would be.
	os.Exit(0)
	return nil, nil
}
