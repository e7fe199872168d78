// Command kafka-go is the e2e driver for segmentio/kafka-go. Ops: metadata, create_topic,
// delete_topic, produce, consume, list_offsets, list_groups, delete_groups,
// committed_offsets, commit_offsets, group_member (see internal/driver for the JSON
// protocol).
//
// Admin ops use kafka.Client (versions negotiated from ApiVersions), produce uses
// kafka.Writer (one attempt, acks all, offsets from its Completion callback), consume
// uses one kafka.Reader per partition at an explicit offset (Conn: Fetch v2, v5 or v10
// after ApiVersions), group members use kafka.ConsumerGroup (JoinGroup v1, SyncGroup v0,
// OffsetCommit v2, OffsetFetch v1). kafka-go has no idempotent producer, and its
// DescribeGroups answer carries no protocol type or name, so describe_group is absent.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"blink.e2e/goclients/internal/driver"
)

const fetchMaxWait = 500 * time.Millisecond

var codecs = map[string]kafka.Compression{
	"none":   0,
	"gzip":   kafka.Gzip,
	"snappy": kafka.Snappy,
	"lz4":    kafka.Lz4,
	"zstd":   kafka.Zstd,
}

func client(cmd *driver.Command) *kafka.Client {
	return &kafka.Client{Addr: kafka.TCP(cmd.Bootstrap), Timeout: 15 * time.Second}
}

func addr(cmd *driver.Command) net.Addr { return kafka.TCP(cmd.Bootstrap) }

// errorCode is the Kafka error code of err (0 for nil), false when it is no Kafka error.
func errorCode(err error) (int16, bool) {
	if err == nil {
		return 0, true
	}
	var kafkaErr kafka.Error
	if errors.As(err, &kafkaErr) {
		return int16(kafkaErr), true
	}
	return 0, false
}

func opMetadata(ctx context.Context, cmd *driver.Command) (any, error) {
	metadata, err := client(cmd).Metadata(ctx, &kafka.MetadataRequest{Addr: addr(cmd)})
	if err != nil {
		return nil, err
	}
	brokers := []string{}
	for _, b := range metadata.Brokers {
		brokers = append(brokers, fmt.Sprintf("%s:%d", b.Host, b.Port))
	}
	topics := map[string]int{}
	for _, t := range metadata.Topics {
		if t.Error == nil {
			topics[t.Name] = len(t.Partitions)
		}
	}
	return map[string]any{"brokers": brokers, "topics": topics}, nil
}

func opCreateTopic(ctx context.Context, cmd *driver.Command) (any, error) {
	topic := kafka.TopicConfig{Topic: cmd.Topic, NumPartitions: int(cmd.Partitions), ReplicationFactor: 1}
	answer, err := client(cmd).CreateTopics(ctx, &kafka.CreateTopicsRequest{Addr: addr(cmd), Topics: []kafka.TopicConfig{topic}})
	if err == nil {
		err = answer.Errors[cmd.Topic]
	}
	return driver.OK, err
}

func opDeleteTopic(ctx context.Context, cmd *driver.Command) (any, error) {
	answer, err := client(cmd).DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Addr: addr(cmd), Topics: []string{cmd.Topic}})
	if err == nil {
		err = answer.Errors[cmd.Topic]
	}
	return driver.OK, err
}

// byPartitionField sends each message to the partition it names.
type byPartitionField struct{}

func (byPartitionField) Balance(m kafka.Message, _ ...int) int { return m.Partition }

// acknowledger collects the Writer's per-batch completions into acks by message index.
type acknowledger struct {
	mu   sync.Mutex
	acks []driver.Ack
	errs []error
}

func (a *acknowledger) complete(messages []kafka.Message, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		a.errs = append(a.errs, err)
		return
	}
	for _, m := range messages {
		a.acks[m.WriterData.(int)] = driver.Ack{Partition: int32(m.Partition), Offset: m.Offset}
	}
}

func opProduce(ctx context.Context, cmd *driver.Command) (any, error) {
	if cmd.Idempotent {
		return nil, errors.New("kafka-go has no idempotent producer")
	}
	codec, ok := codecs[cmd.CompressionName()]
	if !ok {
		return nil, fmt.Errorf("unknown codec %q", cmd.CompressionName())
	}
	acks := &acknowledger{acks: make([]driver.Ack, len(cmd.Messages))}
	writer := &kafka.Writer{
		Addr:         addr(cmd),
		Topic:        cmd.Topic,
		Balancer:     byPartitionField{},
		RequiredAcks: kafka.RequireAll,
		Compression:  codec,
		BatchSize:    len(cmd.Messages),
		BatchBytes:   int64(driver.MaxInt32(cmd.MaxMessageBytes, 1_000_000)),
		BatchTimeout: 5 * time.Millisecond,
		// One attempt: without idempotence a retried batch could be written twice.
		MaxAttempts: 1,
		Completion:  acks.complete,
	}
	defer writer.Close()
	messages := make([]kafka.Message, len(cmd.Messages))
	for i, m := range cmd.Messages {
		messages[i] = kafka.Message{Partition: int(m.Partition), Key: m.Key, Value: m.Value, WriterData: i}
		for _, h := range m.Headers {
			messages[i].Headers = append(messages[i].Headers, kafka.Header{Key: h.Key, Value: h.Value})
		}
	}
	if err := writer.WriteMessages(ctx, messages...); err != nil {
		return nil, err
	}
	if len(acks.errs) > 0 {
		return nil, errors.Join(acks.errs...)
	}
	return map[string]any{"acks": acks.acks}, nil
}

func reader(cmd *driver.Command, partition int32, offset int64) (*kafka.Reader, error) {
	maxFetch := int(driver.MaxInt32(cmd.MaxFetchBytes, 1<<20))
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:   []string{cmd.Bootstrap},
		Topic:     cmd.Topic,
		Partition: int(partition),
		MinBytes:  1,
		MaxBytes:  maxFetch,
		MaxWait:   fetchMaxWait,
		// Report errors instead of retrying them for ever.
		MaxAttempts: 3,
	})
	return r, r.SetOffset(offset)
}

func fromKafkaGo(m kafka.Message) driver.Message {
	message := driver.Message{Partition: int32(m.Partition), Offset: m.Offset, Key: m.Key, Value: m.Value, Headers: []driver.Header{}}
	for _, h := range m.Headers {
		message.Headers = append(message.Headers, driver.Header{Key: h.Key, Value: h.Value})
	}
	return message
}

// readInto reads r until ctx ends, sending each message (or the first error) on.
func readInto(ctx context.Context, r *kafka.Reader, messages chan<- kafka.Message, errs chan<- error) {
	for {
		m, err := r.ReadMessage(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			errs <- fmt.Errorf("partition %d: %w", r.Config().Partition, err)
			return
		}
		select {
		case messages <- m:
		case <-ctx.Done():
			return
		}
	}
}

func opConsume(ctx context.Context, cmd *driver.Command) (any, error) {
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	arrived := make(chan kafka.Message)
	errs := make(chan error, len(cmd.Ranges))
	for _, rng := range cmd.Ranges {
		r, err := reader(cmd, rng.Partition, rng.Start)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		go readInto(rctx, r, arrived, errs)
	}
	return driver.Collect(rctx, cmd, arrived, errs, fromKafkaGo)
}

func opListOffsets(ctx context.Context, cmd *driver.Command) (any, error) {
	requests := []kafka.OffsetRequest{}
	for p := range int(cmd.Partitions) {
		requests = append(requests, kafka.FirstOffsetOf(p), kafka.LastOffsetOf(p))
	}
	answer, err := client(cmd).ListOffsets(ctx, &kafka.ListOffsetsRequest{Addr: addr(cmd), Topics: map[string][]kafka.OffsetRequest{cmd.Topic: requests}})
	if err != nil {
		return nil, err
	}
	earliest := make([]int64, cmd.Partitions)
	latest := make([]int64, cmd.Partitions)
	seen := 0
	for _, p := range answer.Topics[cmd.Topic] {
		if p.Error != nil {
			return nil, fmt.Errorf("%s[%d]: %w", cmd.Topic, p.Partition, p.Error)
		}
		earliest[p.Partition], latest[p.Partition] = p.FirstOffset, p.LastOffset
		seen++
	}
	if seen != int(cmd.Partitions) {
		return nil, fmt.Errorf("answers for %d of %d partitions: %+v", seen, cmd.Partitions, answer.Topics)
	}
	return map[string]any{"earliest": earliest, "latest": latest}, nil
}

func opListGroups(ctx context.Context, cmd *driver.Command) (any, error) {
	answer, err := client(cmd).ListGroups(ctx, &kafka.ListGroupsRequest{Addr: addr(cmd)})
	if err == nil {
		err = answer.Error
	}
	if err != nil {
		return nil, err
	}
	listed := []map[string]any{}
	for _, g := range answer.Groups {
		listed = append(listed, map[string]any{"group_id": g.GroupID, "protocol_type": g.ProtocolType})
	}
	sort.Slice(listed, func(i, j int) bool { return listed[i]["group_id"].(string) < listed[j]["group_id"].(string) })
	return map[string]any{"groups": listed}, nil
}

func opDeleteGroups(ctx context.Context, cmd *driver.Command) (any, error) {
	answer, err := client(cmd).DeleteGroups(ctx, &kafka.DeleteGroupsRequest{Addr: addr(cmd), GroupIDs: cmd.Groups})
	if err != nil {
		return nil, err
	}
	results := map[string]int16{}
	for _, group := range cmd.Groups {
		groupErr, answered := answer.Errors[group]
		if !answered {
			return nil, fmt.Errorf("no answer for group %s", group)
		}
		code, isKafka := errorCode(groupErr)
		if !isKafka {
			return nil, fmt.Errorf("group %s: %w", group, groupErr)
		}
		results[group] = code
	}
	return map[string]any{"results": results}, nil
}

func partitionList(cmd *driver.Command) []int {
	partitions := make([]int, cmd.Partitions)
	for p := range partitions {
		partitions[p] = p
	}
	return partitions
}

func opCommittedOffsets(ctx context.Context, cmd *driver.Command) (any, error) {
	answer, err := client(cmd).OffsetFetch(ctx, &kafka.OffsetFetchRequest{Addr: addr(cmd), GroupID: cmd.Group,
		Topics: map[string][]int{cmd.Topic: partitionList(cmd)}})
	if err == nil {
		err = answer.Error
	}
	if err != nil {
		return nil, err
	}
	offsets := make([]int64, cmd.Partitions)
	for p := range offsets {
		offsets[p] = -1
	}
	for _, p := range answer.Topics[cmd.Topic] {
		if p.Error != nil {
			return nil, fmt.Errorf("%s[%d]: %w", cmd.Topic, p.Partition, p.Error)
		}
		offsets[p.Partition] = p.CommittedOffset
	}
	return map[string]any{"offsets": offsets}, nil
}

// opCommitOffsets commits for a group without joining it (generation -1, a simple commit).
func opCommitOffsets(ctx context.Context, cmd *driver.Command) (any, error) {
	commits := []kafka.OffsetCommit{}
	for p, o := range cmd.Offsets {
		commits = append(commits, kafka.OffsetCommit{Partition: p, Offset: o})
	}
	answer, err := client(cmd).OffsetCommit(ctx, &kafka.OffsetCommitRequest{Addr: addr(cmd), GroupID: cmd.Group,
		GenerationID: -1, Topics: map[string][]kafka.OffsetCommit{cmd.Topic: commits}})
	if err != nil {
		return nil, err
	}
	for _, p := range answer.Topics[cmd.Topic] {
		if p.Error != nil {
			return nil, fmt.Errorf("%s[%d]: %w", cmd.Topic, p.Partition, p.Error)
		}
	}
	return driver.OK, nil
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
		"delete_groups":     opDeleteGroups,
		"committed_offsets": opCommittedOffsets,
		"commit_offsets":    opCommitOffsets,
		"group_member":      opGroupMember,
	})
}
