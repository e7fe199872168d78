package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"blink.e2e/goclients/internal/driver"
)

var balancers = map[string]kafka.GroupBalancer{
	"range":      kafka.RangeGroupBalancer{},
	"roundrobin": kafka.RoundRobinGroupBalancer{},
}

// groupMember follows kafka.ConsumerGroup's generations: each generation's assignment
// is read by one kafka.Reader per partition, from the committed offset (or the earliest).
type groupMember struct {
	cmd      *driver.Command
	group    *kafka.ConsumerGroup
	messages chan kafka.Message
	errs     chan error
	stopped  chan struct{}

	mu         sync.Mutex
	generation *kafka.Generation
	assigned   []int32
}

func opGroupMember(ctx context.Context, cmd *driver.Command) (any, error) {
	chosen := []kafka.GroupBalancer{}
	for _, name := range cmd.Assignors {
		balancer, ok := balancers[name]
		if !ok {
			return nil, fmt.Errorf("unknown assignor %q", name)
		}
		chosen = append(chosen, balancer)
	}
	group, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                cmd.Group,
		Brokers:           []string{cmd.Bootstrap},
		Topics:            []string{cmd.Topic},
		GroupBalancers:    chosen,
		SessionTimeout:    driver.Ms(cmd.SessionTimeoutMs),
		HeartbeatInterval: driver.Ms(cmd.HeartbeatIntervalMs),
		RebalanceTimeout:  driver.Ms(cmd.RebalanceTimeoutMs),
		JoinGroupBackoff:  500 * time.Millisecond,
		StartOffset:       kafka.FirstOffset,
	})
	if err != nil {
		return nil, err
	}
	member := &groupMember{cmd: cmd, group: group, messages: make(chan kafka.Message),
		errs: make(chan error, 64), stopped: make(chan struct{}), assigned: []int32{}}
	go member.follow(ctx)
	return driver.RunMember(ctx, member)
}

// follow takes each new generation until the group is closed.
func (m *groupMember) follow(ctx context.Context) {
	defer close(m.stopped)
	for {
		generation, err := m.group.Next(ctx)
		if errors.Is(err, kafka.ErrGroupClosed) || ctx.Err() != nil {
			return
		}
		if err != nil {
			m.errs <- err
			continue
		}
		m.start(generation)
	}
}

func (m *groupMember) start(generation *kafka.Generation) {
	assigned := []int32{}
	for _, a := range generation.Assignments[m.cmd.Topic] {
		assigned = append(assigned, int32(a.ID))
		r, err := reader(m.cmd, int32(a.ID), a.Offset)
		if err != nil {
			m.errs <- err
			continue
		}
		generation.Start(func(ctx context.Context) {
			defer r.Close()
			readInto(ctx, r, m.messages, m.errs)
			<-ctx.Done() // a function that returns would end the generation
		})
	}
	m.mu.Lock()
	m.generation, m.assigned = generation, slices.Sorted(slices.Values(assigned))
	m.mu.Unlock()
	generation.Start(func(ctx context.Context) {
		<-ctx.Done()
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.generation == generation {
			m.generation, m.assigned = nil, []int32{}
		}
	})
}

func (m *groupMember) Poll(ctx context.Context, timeout time.Duration) ([]driver.Message, error) {
	return driver.Drain(ctx, timeout, m.messages, m.errs, fromKafkaGo)
}

func (m *groupMember) Assignment() []int32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.assigned)
}

func (m *groupMember) Commit(_ context.Context, offsets map[int32]int64) error {
	m.mu.Lock()
	generation := m.generation
	m.mu.Unlock()
	if generation == nil {
		return fmt.Errorf("no generation to commit %v in", offsets)
	}
	commits := map[int]int64{}
	for p, o := range offsets {
		commits[int(p)] = o
	}
	return generation.CommitOffsets(map[string]map[int]int64{m.cmd.Topic: commits})
}

// Close ends the generation and leaves the group (LeaveGroup).
func (m *groupMember) Close(ctx context.Context) error {
	err := m.group.Close()
	select {
	case <-m.stopped:
	case <-ctx.Done():
		return fmt.Errorf("the group loop did not stop: %w", ctx.Err())
	}
	return err
}
