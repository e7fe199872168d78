// Command sarama is the e2e driver for IBM/sarama. Ops: metadata, create_topic,
// delete_topic, produce, consume, list_offsets, list_groups, describe_group,
// delete_groups, committed_offsets, group_member (see internal/driver for the JSON
// protocol).
//
// "version" (a Kafka version string, default 3.6.0) is sarama's Config.Version, which
// decides the request versions and the message format: from 2.4 on sarama sends
// ApiVersions and lowers each request to the broker's range; below it, it sends fixed
// versions (0.8.2: Metadata v0, Produce v0 with magic-0 messages, Fetch v0; 0.10.0:
// Produce v2 with magic 1, Fetch v2). sarama refuses client-side what the version lacks:
// admin requests need 0.10.1+, headers and the idempotent producer 0.11+, zstd 2.1+,
// consumer groups 0.10.2+.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/IBM/sarama"

	"blink.e2e/goclients/internal/driver"
)

const defaultVersion = "3.6.0"

var codecs = map[string]sarama.CompressionCodec{
	"none":   sarama.CompressionNone,
	"gzip":   sarama.CompressionGZIP,
	"snappy": sarama.CompressionSnappy,
	"lz4":    sarama.CompressionLZ4,
	"zstd":   sarama.CompressionZSTD,
}

func config(cmd *driver.Command, clientID string) (*sarama.Config, error) {
	name := cmd.Version
	if name == "" {
		name = defaultVersion
	}
	version, err := sarama.ParseKafkaVersion(name)
	if err != nil {
		return nil, err
	}
	cfg := sarama.NewConfig()
	cfg.Version = version
	cfg.ClientID = clientID
	cfg.Net.DialTimeout = 5 * time.Second
	cfg.Net.ReadTimeout = 15 * time.Second
	cfg.Net.WriteTimeout = 15 * time.Second
	cfg.Metadata.Retry.Max = 2
	cfg.Metadata.Retry.Backoff = 200 * time.Millisecond
	cfg.Admin.Timeout = 15 * time.Second
	return cfg, nil
}

func newClient(cmd *driver.Command, role string, adjust func(*sarama.Config)) (sarama.Client, error) {
	cfg, err := config(cmd, "e2e-sarama-"+role)
	if err != nil {
		return nil, err
	}
	if adjust != nil {
		adjust(cfg)
	}
	return sarama.NewClient([]string{cmd.Bootstrap}, cfg)
}

// withAdmin runs work with a cluster admin and closes it afterwards.
func withAdmin[T any](cmd *driver.Command, work func(sarama.ClusterAdmin) (T, error)) (T, error) {
	var zero T
	client, err := newClient(cmd, "admin", nil)
	if err != nil {
		return zero, err
	}
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		client.Close()
		return zero, err
	}
	defer admin.Close()
	return work(admin)
}

func opMetadata(_ context.Context, cmd *driver.Command) (any, error) {
	client, err := newClient(cmd, "metadata", nil)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	if err := client.RefreshMetadata(); err != nil {
		return nil, err
	}
	brokers := []string{}
	for _, b := range client.Brokers() {
		brokers = append(brokers, b.Addr())
	}
	names, err := client.Topics()
	if err != nil {
		return nil, err
	}
	topics := map[string]int{}
	for _, name := range names {
		partitions, err := client.Partitions(name)
		if err != nil {
			return nil, fmt.Errorf("partitions of %s: %w", name, err)
		}
		topics[name] = len(partitions)
	}
	return map[string]any{"brokers": brokers, "topics": topics}, nil
}

func opCreateTopic(_ context.Context, cmd *driver.Command) (any, error) {
	return withAdmin(cmd, func(admin sarama.ClusterAdmin) (any, error) {
		detail := &sarama.TopicDetail{NumPartitions: cmd.Partitions, ReplicationFactor: 1}
		return driver.OK, admin.CreateTopic(cmd.Topic, detail, false)
	})
}

func opDeleteTopic(_ context.Context, cmd *driver.Command) (any, error) {
	return withAdmin(cmd, func(admin sarama.ClusterAdmin) (any, error) {
		return driver.OK, admin.DeleteTopic(cmd.Topic)
	})
}

func producerConfig(cmd *driver.Command) func(*sarama.Config) {
	return func(cfg *sarama.Config) {
		cfg.Producer.Partitioner = sarama.NewManualPartitioner
		cfg.Producer.RequiredAcks = sarama.WaitForAll
		cfg.Producer.Return.Successes = true
		cfg.Producer.Compression = codecs[cmd.CompressionName()]
		cfg.Producer.MaxMessageBytes = int(driver.MaxInt32(cmd.MaxMessageBytes, 1_000_000))
		cfg.Producer.Flush.Frequency = 5 * time.Millisecond
		cfg.Producer.Idempotent = cmd.Idempotent
		if cmd.Idempotent {
			cfg.Net.MaxOpenRequests = 1
		} else {
			// Without idempotence a retried batch could be written twice: the test must see that.
			cfg.Producer.Retry.Max = 0
		}
	}
}

func opProduce(_ context.Context, cmd *driver.Command) (any, error) {
	if _, ok := codecs[cmd.CompressionName()]; !ok {
		return nil, fmt.Errorf("unknown codec %q", cmd.CompressionName())
	}
	client, err := newClient(cmd, "producer", producerConfig(cmd))
	if err != nil {
		return nil, err
	}
	producer, err := sarama.NewSyncProducerFromClient(client)
	if err != nil {
		client.Close()
		return nil, err
	}
	defer client.Close()
	defer producer.Close()
	messages := make([]*sarama.ProducerMessage, len(cmd.Messages))
	for i, m := range cmd.Messages {
		messages[i] = &sarama.ProducerMessage{Topic: cmd.Topic, Partition: m.Partition, Value: sarama.ByteEncoder(m.Value)}
		if m.Key != nil {
			messages[i].Key = sarama.ByteEncoder(m.Key)
		}
		for _, h := range m.Headers {
			messages[i].Headers = append(messages[i].Headers, sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value})
		}
	}
	if err := producer.SendMessages(messages); err != nil {
		return nil, producerErrors(err)
	}
	acks := make([]driver.Ack, len(messages))
	for i, m := range messages {
		acks[i] = driver.Ack{Partition: m.Partition, Offset: m.Offset}
	}
	return map[string]any{"acks": acks}, nil
}

// producerErrors spells out each failed message (sarama's summary only counts them).
func producerErrors(err error) error {
	var failed sarama.ProducerErrors
	if !errors.As(err, &failed) {
		return err
	}
	details := []error{err}
	for _, f := range failed[:min(len(failed), 5)] {
		details = append(details, fmt.Errorf("%s[%d]: %w", f.Msg.Topic, f.Msg.Partition, f.Err))
	}
	return errors.Join(details...)
}

func fromSarama(m *sarama.ConsumerMessage) driver.Message {
	message := driver.Message{Partition: m.Partition, Offset: m.Offset, Key: m.Key, Value: m.Value, Headers: []driver.Header{}}
	for _, h := range m.Headers {
		message.Headers = append(message.Headers, driver.Header{Key: string(h.Key), Value: h.Value})
	}
	return message
}

func consumerConfig(cmd *driver.Command) func(*sarama.Config) {
	return func(cfg *sarama.Config) {
		maxFetch := driver.MaxInt32(cmd.MaxFetchBytes, 1<<20)
		cfg.Consumer.Fetch.Default = maxFetch
		cfg.Consumer.Fetch.Max = maxFetch
		cfg.Consumer.MaxWaitTime = 500 * time.Millisecond
		cfg.Consumer.Return.Errors = true
	}
}

// forward copies one partition consumer's messages and errors to the shared channels.
func forward(ctx context.Context, pc sarama.PartitionConsumer, messages chan<- *sarama.ConsumerMessage, errs chan<- error) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-pc.Messages():
			select {
			case messages <- m:
			case <-ctx.Done():
				return
			}
		case e := <-pc.Errors():
			if e != nil {
				errs <- e
			}
		}
	}
}

func opConsume(ctx context.Context, cmd *driver.Command) (any, error) {
	client, err := newClient(cmd, "consumer", consumerConfig(cmd))
	if err != nil {
		return nil, err
	}
	defer client.Close()
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		return nil, err
	}
	defer consumer.Close()
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	arrived := make(chan *sarama.ConsumerMessage)
	errs := make(chan error, 16)
	for _, r := range cmd.Ranges {
		pc, err := consumer.ConsumePartition(cmd.Topic, r.Partition, r.Start)
		if err != nil {
			return nil, fmt.Errorf("partition %d: %w", r.Partition, err)
		}
		go forward(fctx, pc, arrived, errs)
	}
	return driver.Collect(fctx, cmd, arrived, errs, fromSarama)
}

func opListOffsets(_ context.Context, cmd *driver.Command) (any, error) {
	client, err := newClient(cmd, "offsets", nil)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	earliest := make([]int64, cmd.Partitions)
	latest := make([]int64, cmd.Partitions)
	for p := range cmd.Partitions {
		if earliest[p], err = client.GetOffset(cmd.Topic, p, sarama.OffsetOldest); err != nil {
			return nil, fmt.Errorf("earliest %s[%d]: %w", cmd.Topic, p, err)
		}
		if latest[p], err = client.GetOffset(cmd.Topic, p, sarama.OffsetNewest); err != nil {
			return nil, fmt.Errorf("latest %s[%d]: %w", cmd.Topic, p, err)
		}
	}
	return map[string]any{"earliest": earliest, "latest": latest}, nil
}

func opListGroups(_ context.Context, cmd *driver.Command) (any, error) {
	return withAdmin(cmd, func(admin sarama.ClusterAdmin) (any, error) {
		groups, err := admin.ListConsumerGroups()
		if err != nil {
			return nil, err
		}
		listed := []map[string]any{}
		for _, id := range slices.Sorted(maps.Keys(groups)) {
			listed = append(listed, map[string]any{"group_id": id, "protocol_type": groups[id]})
		}
		return map[string]any{"groups": listed}, nil
	})
}

func opDescribeGroup(_ context.Context, cmd *driver.Command) (any, error) {
	return withAdmin(cmd, func(admin sarama.ClusterAdmin) (any, error) {
		groups, err := admin.DescribeConsumerGroups([]string{cmd.Group})
		if err != nil {
			return nil, err
		}
		if len(groups) != 1 || groups[0].GroupId != cmd.Group {
			return nil, fmt.Errorf("describe %s answered %d groups", cmd.Group, len(groups))
		}
		return describedGroup(groups[0])
	})
}

func describedGroup(group *sarama.GroupDescription) (any, error) {
	var groupErr any
	if group.Err != sarama.ErrNoError {
		groupErr = group.Err.Error()
	}
	members := []map[string]any{}
	for _, id := range slices.Sorted(maps.Keys(group.Members)) {
		m := group.Members[id]
		assignment := map[string][]int32{}
		decoded, err := m.GetMemberAssignment()
		if err != nil {
			return nil, fmt.Errorf("member %s: %w", id, err)
		}
		if decoded != nil {
			for topic, partitions := range decoded.Topics {
				assignment[topic] = slices.Sorted(slices.Values(partitions))
			}
		}
		members = append(members, map[string]any{"member_id": m.MemberId, "client_id": m.ClientId,
			"client_host": m.ClientHost, "assignment": assignment})
	}
	return map[string]any{"group_id": group.GroupId, "error": groupErr, "state": group.State,
		"protocol_type": group.ProtocolType, "protocol": group.Protocol, "members": members}, nil
}

func opDeleteGroups(_ context.Context, cmd *driver.Command) (any, error) {
	return withAdmin(cmd, func(admin sarama.ClusterAdmin) (any, error) {
		results := map[string]int16{}
		for _, group := range cmd.Groups {
			err := admin.DeleteConsumerGroup(group)
			var kafkaErr sarama.KError
			switch {
			case err == nil:
				results[group] = 0
			case errors.As(err, &kafkaErr):
				results[group] = int16(kafkaErr)
			default:
				return nil, fmt.Errorf("group %s: %w", group, err)
			}
		}
		return map[string]any{"results": results}, nil
	})
}

func opCommittedOffsets(_ context.Context, cmd *driver.Command) (any, error) {
	return withAdmin(cmd, func(admin sarama.ClusterAdmin) (any, error) {
		partitions := make([]int32, cmd.Partitions)
		for p := range cmd.Partitions {
			partitions[p] = p
		}
		answer, err := admin.ListConsumerGroupOffsets(cmd.Group, map[string][]int32{cmd.Topic: partitions})
		if err != nil {
			return nil, err
		}
		offsets := make([]int64, cmd.Partitions)
		for p := range cmd.Partitions {
			offsets[p] = -1
			if block := answer.GetBlock(cmd.Topic, p); block != nil {
				if block.Err != sarama.ErrNoError {
					return nil, fmt.Errorf("%s[%d]: %w", cmd.Topic, p, block.Err)
				}
				offsets[p] = block.Offset
			}
		}
		return map[string]any{"offsets": offsets}, nil
	})
}

func main() {
	// sarama's log goes to stderr, which the tests show when an op fails.
	sarama.Logger = log.New(os.Stderr, "[sarama] ", log.LstdFlags|log.Lmicroseconds)
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
		"group_member":      opGroupMember,
	})
}
