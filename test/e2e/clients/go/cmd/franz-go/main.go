// Command franz-go is the e2e driver for franz-go (kgo for producing and consuming, kadm
// for administration). Ops: metadata, create_topic, delete_topic, produce, consume,
// list_offsets, list_groups, describe_group, delete_groups, committed_offsets,
// commit_offsets, group_member (see internal/driver for the JSON protocol), and the
// transaction ops txn_* (txn.go).
//
// franz-go negotiates every request version from the broker's ApiVersions. Its producer
// is idempotent by default; without "idempotent" the driver disables that and retries
// nothing, so a batch written twice would show. Consuming without a group uses
// ConsumePartitions at explicit offsets.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"blink.e2e/goclients/internal/driver"
)

const fetchMaxWait = 500 * time.Millisecond

var codecs = map[string]kgo.CompressionCodec{
	"none":   kgo.NoCompression(),
	"gzip":   kgo.GzipCompression(),
	"snappy": kgo.SnappyCompression(),
	"lz4":    kgo.Lz4Compression(),
	"zstd":   kgo.ZstdCompression(),
}

func baseOptions(cmd *driver.Command, clientID string) []kgo.Opt {
	return append([]kgo.Opt{
		kgo.SeedBrokers(cmd.Bootstrap),
		kgo.ClientID(clientID),
		kgo.DialTimeout(5 * time.Second),
		kgo.RequestRetries(2),
		kgo.WithLogger(kgo.BasicLogger(os.Stderr, kgo.LogLevelWarn, nil)),
	}, securityOptions(cmd.Security)...)
}

// securityOptions are TLS (trusting the given CA; kgo checks the broker's host against the
// certificate) and a SASL login, as a franz-go user configures a secured listener.
func securityOptions(security *driver.Security) []kgo.Opt {
	if security == nil {
		return nil
	}
	opts := []kgo.Opt{}
	if strings.HasSuffix(security.Protocol, "SSL") {
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM([]byte(security.CaPem))
		opts = append(opts, kgo.DialTLSConfig(&tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}))
	}
	if strings.HasPrefix(security.Protocol, "SASL") {
		opts = append(opts, kgo.SASL(saslMechanism(security)))
	}
	return opts
}

func saslMechanism(security *driver.Security) sasl.Mechanism {
	login := scram.Auth{User: security.Username, Pass: security.Password}
	switch security.Mechanism {
	case "SCRAM-SHA-256":
		return login.AsSha256Mechanism()
	case "SCRAM-SHA-512":
		return login.AsSha512Mechanism()
	default:
		return plain.Auth{User: security.Username, Pass: security.Password}.AsMechanism()
	}
}

func newClient(cmd *driver.Command, role string, opts ...kgo.Opt) (*kgo.Client, error) {
	return kgo.NewClient(append(baseOptions(cmd, "e2e-franz-go-"+role), opts...)...)
}

// withAdmin runs work with a kadm client and closes it afterwards.
func withAdmin[T any](cmd *driver.Command, work func(*kadm.Client) (T, error)) (T, error) {
	client, err := newClient(cmd, "admin")
	if err != nil {
		var zero T
		return zero, err
	}
	defer client.Close()
	return work(kadm.NewClient(client))
}

func opMetadata(ctx context.Context, cmd *driver.Command) (any, error) {
	return withAdmin(cmd, func(adm *kadm.Client) (any, error) {
		metadata, err := adm.Metadata(ctx)
		if err != nil {
			return nil, err
		}
		brokers := []string{}
		for _, b := range metadata.Brokers {
			brokers = append(brokers, fmt.Sprintf("%s:%d", b.Host, b.Port))
		}
		topics := map[string]int{}
		for name, t := range metadata.Topics {
			if t.Err == nil {
				topics[name] = len(t.Partitions)
			}
		}
		return map[string]any{"brokers": brokers, "topics": topics}, nil
	})
}

func opCreateTopic(ctx context.Context, cmd *driver.Command) (any, error) {
	return withAdmin(cmd, func(adm *kadm.Client) (any, error) {
		created, err := adm.CreateTopic(ctx, cmd.Partitions, 1, nil, cmd.Topic)
		if err == nil {
			err = created.Err
		}
		return driver.OK, err
	})
}

func opDeleteTopic(ctx context.Context, cmd *driver.Command) (any, error) {
	return withAdmin(cmd, func(adm *kadm.Client) (any, error) {
		deleted, err := adm.DeleteTopic(ctx, cmd.Topic)
		if err == nil {
			err = deleted.Err
		}
		return driver.OK, err
	})
}

func producerOptions(cmd *driver.Command) ([]kgo.Opt, error) {
	codec, ok := codecs[cmd.CompressionName()]
	if !ok {
		return nil, fmt.Errorf("unknown codec %q", cmd.CompressionName())
	}
	opts := []kgo.Opt{
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchCompression(codec),
		kgo.ProducerBatchMaxBytes(driver.MaxInt32(cmd.MaxMessageBytes, 1_000_000)),
		kgo.ProducerLinger(5 * time.Millisecond),
		kgo.AllowAutoTopicCreation(),
	}
	if !cmd.Idempotent {
		// No retries either: without idempotence a retried batch could be written twice.
		opts = append(opts, kgo.DisableIdempotentWrite(), kgo.RecordRetries(0))
	}
	return opts, nil
}

func opProduce(ctx context.Context, cmd *driver.Command) (any, error) {
	opts, err := producerOptions(cmd)
	if err != nil {
		return nil, err
	}
	client, err := newClient(cmd, "producer", opts...)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	records := make([]*kgo.Record, len(cmd.Messages))
	for i, m := range cmd.Messages {
		records[i] = &kgo.Record{Topic: cmd.Topic, Partition: m.Partition, Key: m.Key, Value: m.Value}
		for _, h := range m.Headers {
			records[i].Headers = append(records[i].Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
		}
	}
	// Results come in completion order; each record has its partition and offset set.
	if err := client.ProduceSync(ctx, records...).FirstErr(); err != nil {
		return nil, err
	}
	acks := make([]driver.Ack, len(records))
	for i, r := range records {
		acks[i] = driver.Ack{Partition: r.Partition, Offset: r.Offset}
	}
	return map[string]any{"acks": acks}, nil
}

func consumerOptions(cmd *driver.Command) []kgo.Opt {
	maxFetch := driver.MaxInt32(cmd.MaxFetchBytes, 1<<20)
	return []kgo.Opt{
		kgo.FetchMaxPartitionBytes(maxFetch),
		kgo.FetchMaxBytes(driver.MaxInt32(maxFetch, 50<<20)),
		kgo.FetchMaxWait(fetchMaxWait),
	}
}

func opConsume(ctx context.Context, cmd *driver.Command) (any, error) {
	start := map[int32]kgo.Offset{}
	for _, r := range cmd.Ranges {
		start[r.Partition] = kgo.NewOffset().At(r.Start)
	}
	opts := append(consumerOptions(cmd), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{cmd.Topic: start}))
	client, err := newClient(cmd, "consumer", opts...)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	positions := driver.StartPositions(cmd.Ranges)
	messages := []driver.Message{}
	deadline := cmd.Deadline(0.8)
	for !driver.RangesDone(cmd.Ranges, positions) {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("positions %v short of ranges %v", positions, cmd.Ranges)
		}
		polled, err := poll(ctx, client, time.Second)
		if err != nil {
			return nil, err
		}
		for _, m := range polled {
			messages = append(messages, m)
			positions[m.Partition] = m.Offset + 1
		}
	}
	return map[string]any{"messages": messages}, nil
}

// poll returns the records fetched within timeout; a fetch error is returned.
func poll(ctx context.Context, client *kgo.Client, timeout time.Duration) ([]driver.Message, error) {
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fetches := client.PollFetches(pctx)
	for _, fetchErr := range fetches.Errors() {
		if !errors.Is(fetchErr.Err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("fetch %s[%d]: %w", fetchErr.Topic, fetchErr.Partition, fetchErr.Err)
		}
	}
	messages := []driver.Message{}
	fetches.EachRecord(func(r *kgo.Record) {
		timestamp := r.Timestamp.UnixMilli()
		m := driver.Message{Partition: r.Partition, Offset: r.Offset, Key: r.Key, Value: r.Value, Headers: []driver.Header{}, Timestamp: &timestamp}
		for _, h := range r.Headers {
			m.Headers = append(m.Headers, driver.Header{Key: h.Key, Value: h.Value})
		}
		messages = append(messages, m)
	})
	return messages, nil
}

func opListOffsets(ctx context.Context, cmd *driver.Command) (any, error) {
	return withAdmin(cmd, func(adm *kadm.Client) (any, error) {
		starts, err := adm.ListStartOffsets(ctx, cmd.Topic)
		earliest, err := perPartition(cmd, starts, err)
		if err != nil {
			return nil, err
		}
		ends, err := adm.ListEndOffsets(ctx, cmd.Topic)
		latest, err := perPartition(cmd, ends, err)
		if err != nil {
			return nil, err
		}
		return map[string]any{"earliest": earliest, "latest": latest}, nil
	})
}

// perPartition turns a ListOffsets answer (or its error) into one offset per partition.
func perPartition(cmd *driver.Command, offsets kadm.ListedOffsets, err error) ([]int64, error) {
	if err != nil {
		return nil, err
	}
	result := make([]int64, cmd.Partitions)
	for p := range cmd.Partitions {
		o, ok := offsets.Lookup(cmd.Topic, p)
		if !ok || o.Err != nil {
			return nil, fmt.Errorf("list offsets %s[%d]: found %v, error %v", cmd.Topic, p, ok, o.Err)
		}
		result[p] = o.Offset
	}
	return result, nil
}

func opListGroups(ctx context.Context, cmd *driver.Command) (any, error) {
	return withAdmin(cmd, func(adm *kadm.Client) (any, error) {
		groups, err := adm.ListGroups(ctx)
		if err != nil {
			return nil, err
		}
		listed := []map[string]any{}
		for _, g := range groups.Sorted() {
			listed = append(listed, map[string]any{"group_id": g.Group, "protocol_type": g.ProtocolType, "state": g.State})
		}
		return map[string]any{"groups": listed}, nil
	})
}

func opDescribeGroup(ctx context.Context, cmd *driver.Command) (any, error) {
	return withAdmin(cmd, func(adm *kadm.Client) (any, error) {
		groups, err := adm.DescribeGroups(ctx, cmd.Group)
		if err != nil {
			return nil, err
		}
		group, ok := groups[cmd.Group]
		if !ok || len(groups) != 1 {
			return nil, fmt.Errorf("describe %s answered groups %v", cmd.Group, groups.Names())
		}
		return describedGroup(group), nil
	})
}

func describedGroup(group kadm.DescribedGroup) map[string]any {
	var groupErr any
	if group.Err != nil {
		groupErr = group.Err.Error()
	}
	members := []map[string]any{}
	for _, m := range group.Members {
		assignment := map[string][]int32{}
		if consumer, ok := m.Assigned.AsConsumer(); ok {
			for _, t := range consumer.Topics {
				assignment[t.Topic] = slices.Sorted(slices.Values(t.Partitions))
			}
		}
		members = append(members, map[string]any{"member_id": m.MemberID, "client_id": m.ClientID,
			"client_host": m.ClientHost, "assignment": assignment})
	}
	return map[string]any{"group_id": group.Group, "error": groupErr, "state": group.State,
		"protocol_type": group.ProtocolType, "protocol": group.Protocol, "members": members}
}

// errorCode is the Kafka error code of err (0 for nil); -1 when it is no Kafka error.
func errorCode(err error) int16 {
	if err == nil {
		return 0
	}
	var kafkaErr *kerr.Error
	if errors.As(err, &kafkaErr) {
		return kafkaErr.Code
	}
	return -1
}

func opDeleteGroups(ctx context.Context, cmd *driver.Command) (any, error) {
	return withAdmin(cmd, func(adm *kadm.Client) (any, error) {
		deleted, err := adm.DeleteGroups(ctx, cmd.Groups...)
		if err != nil {
			return nil, err
		}
		results := map[string]int16{}
		for _, group := range cmd.Groups {
			answer, ok := deleted[group]
			if !ok {
				return nil, fmt.Errorf("no answer for group %s", group)
			}
			if results[group] = errorCode(answer.Err); results[group] < 0 {
				return nil, fmt.Errorf("group %s: %w", group, answer.Err)
			}
		}
		return map[string]any{"results": results}, nil
	})
}

func opCommittedOffsets(ctx context.Context, cmd *driver.Command) (any, error) {
	return withAdmin(cmd, func(adm *kadm.Client) (any, error) {
		fetched, err := adm.FetchOffsets(ctx, cmd.Group)
		if err != nil {
			return nil, err
		}
		offsets := make([]int64, cmd.Partitions)
		for p := range cmd.Partitions {
			offsets[p] = -1
			if o, ok := fetched.Lookup(cmd.Topic, p); ok {
				if o.Err != nil {
					return nil, fmt.Errorf("%s[%d]: %w", cmd.Topic, p, o.Err)
				}
				offsets[p] = o.At
			}
		}
		return map[string]any{"offsets": offsets}, nil
	})
}

// opCommitOffsets commits for a group without joining it (generation -1, a simple commit).
func opCommitOffsets(ctx context.Context, cmd *driver.Command) (any, error) {
	return withAdmin(cmd, func(adm *kadm.Client) (any, error) {
		offsets := kadm.Offsets{}
		for p, at := range cmd.Offsets {
			offsets.Add(kadm.Offset{Topic: cmd.Topic, Partition: int32(p), At: at, LeaderEpoch: -1})
		}
		committed, err := adm.CommitOffsets(ctx, cmd.Group, offsets)
		if err == nil {
			err = committed.Error()
		}
		return driver.OK, err
	})
}

func main() {
	driver.Main(map[string]driver.Op{
		"metadata":          opMetadata,
		"create_topic":      opCreateTopic,
		"delete_topic":      opDeleteTopic,
		"produce":           opProduce,
		"consume":           opConsume,
		"list_offsets":      opListOffsets,
		"list_groups":       opListGroups,
		"describe_group":    opDescribeGroup,
		"delete_groups":     opDeleteGroups,
		"committed_offsets": opCommittedOffsets,
		"commit_offsets":    opCommitOffsets,
		"group_member":      opGroupMember,
		"txn_run":           opTxnRun,
		"txn_consume":       opTxnConsume,
		"txn_copy":          opTxnCopy,
		"txn_zombie":        opTxnZombie,
		"txn_abandon":       opTxnAbandon,
	})
}
