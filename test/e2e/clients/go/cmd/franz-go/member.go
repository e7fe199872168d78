package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"blink.e2e/goclients/internal/driver"
)

var balancers = map[string]func() kgo.GroupBalancer{
	"range":              kgo.RangeBalancer,
	"roundrobin":         kgo.RoundRobinBalancer,
	"sticky":             kgo.StickyBalancer,
	"cooperative-sticky": kgo.CooperativeStickyBalancer,
}

// groupMember is a kgo consumer-group client subscribed to one topic that never
// auto-commits; it starts at the earliest offset where the group has none committed.
type groupMember struct {
	client *kgo.Client
	topic  string

	mu       sync.Mutex
	assigned map[int32]bool
}

func (m *groupMember) update(partitions map[string][]int32, assigned bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range partitions[m.topic] {
		if assigned {
			m.assigned[p] = true
		} else {
			delete(m.assigned, p)
		}
	}
}

func groupOptions(cmd *driver.Command, m *groupMember) ([]kgo.Opt, error) {
	chosen := []kgo.GroupBalancer{}
	for _, name := range cmd.Assignors {
		balancer, ok := balancers[name]
		if !ok {
			return nil, fmt.Errorf("unknown assignor %q", name)
		}
		chosen = append(chosen, balancer())
	}
	opts := []kgo.Opt{
		kgo.ConsumerGroup(cmd.Group),
		kgo.ConsumeTopics(cmd.Topic),
		kgo.Balancers(chosen...),
		kgo.SessionTimeout(driver.Ms(cmd.SessionTimeoutMs)),
		kgo.HeartbeatInterval(driver.Ms(cmd.HeartbeatIntervalMs)),
		kgo.RebalanceTimeout(driver.Ms(cmd.RebalanceTimeoutMs)),
		kgo.DisableAutoCommit(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, p map[string][]int32) { m.update(p, true) }),
		kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, p map[string][]int32) { m.update(p, false) }),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, p map[string][]int32) { m.update(p, false) }),
	}
	switch cmd.GroupProtocol {
	case "", "classic":
	case "consumer":
		// KIP-848: the broker assigns (ConsumerGroupHeartbeat); needs the range or sticky balancer.
		opts = append(opts, kgo.ServerSideBalancer())
	default:
		return nil, fmt.Errorf("unknown group_protocol %q", cmd.GroupProtocol)
	}
	return append(consumerOptions(cmd), opts...), nil
}

func opGroupMember(ctx context.Context, cmd *driver.Command) (any, error) {
	member := &groupMember{topic: cmd.Topic, assigned: map[int32]bool{}}
	opts, err := groupOptions(cmd, member)
	if err != nil {
		return nil, err
	}
	client, err := kgo.NewClient(append(baseOptions(cmd, cmd.ClientID), opts...)...)
	if err != nil {
		return nil, err
	}
	member.client = client
	return driver.RunMember(ctx, member)
}

func (m *groupMember) Poll(ctx context.Context, timeout time.Duration) ([]driver.Message, error) {
	return poll(ctx, m.client, timeout)
}

func (m *groupMember) Assignment() []int32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Sorted(maps.Keys(m.assigned))
}

func (m *groupMember) Commit(ctx context.Context, offsets map[int32]int64) error {
	if len(offsets) == 0 {
		return nil
	}
	uncommitted := map[int32]kgo.EpochOffset{}
	for p, o := range offsets {
		uncommitted[p] = kgo.EpochOffset{Epoch: -1, Offset: o}
	}
	var commitErr error
	m.client.CommitOffsetsSync(ctx, map[string]map[int32]kgo.EpochOffset{m.topic: uncommitted},
		func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
			commitErr = err
			if resp == nil {
				return
			}
			for _, t := range resp.Topics {
				for _, p := range t.Partitions {
					if pErr := kerr.ErrorForCode(p.ErrorCode); pErr != nil && commitErr == nil {
						commitErr = fmt.Errorf("%s[%d]: %w", t.Topic, p.Partition, pErr)
					}
				}
			}
		})
	return commitErr
}

// Close leaves the group (LeaveGroup, or the final heartbeat for KIP-848) and closes.
func (m *groupMember) Close(ctx context.Context) error {
	err := m.client.LeaveGroupContext(ctx)
	m.client.Close()
	return err
}
