package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/IBM/sarama"

	"blink.e2e/goclients/internal/driver"
)

var strategies = map[string]func() sarama.BalanceStrategy{
	"range":              sarama.NewBalanceStrategyRange,
	"roundrobin":         sarama.NewBalanceStrategyRoundRobin,
	"sticky":             sarama.NewBalanceStrategySticky,
	"cooperative-sticky": sarama.NewBalanceStrategyCooperativeSticky,
}

// groupMember runs sarama's ConsumerGroup.Consume loop in the background; the handler
// passes messages on through a channel and keeps the current session for commits.
type groupMember struct {
	group    sarama.ConsumerGroup
	topic    string
	messages chan *sarama.ConsumerMessage
	errs     chan error
	stop     context.CancelFunc
	stopped  chan struct{}

	mu      sync.Mutex
	session sarama.ConsumerGroupSession
}

func (m *groupMember) Setup(session sarama.ConsumerGroupSession) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.session = session
	return nil
}

func (m *groupMember) Cleanup(sarama.ConsumerGroupSession) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.session = nil
	return nil
}

func (m *groupMember) ConsumeClaim(session sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for {
		select {
		case message, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			select {
			case m.messages <- message:
			case <-session.Context().Done():
				return nil
			}
		case <-session.Context().Done():
			return nil
		}
	}
}

func memberConfig(cmd *driver.Command) (*sarama.Config, error) {
	cfg, err := config(cmd, cmd.ClientID)
	if err != nil {
		return nil, err
	}
	consumerConfig(cmd)(cfg)
	chosen := []sarama.BalanceStrategy{}
	for _, name := range cmd.Assignors {
		strategy, ok := strategies[name]
		if !ok {
			return nil, fmt.Errorf("unknown assignor %q", name)
		}
		chosen = append(chosen, strategy())
	}
	if len(chosen) > 0 {
		cfg.Consumer.Group.Rebalance.GroupStrategies = chosen
	}
	cfg.Consumer.Group.Session.Timeout = driver.Ms(cmd.SessionTimeoutMs)
	cfg.Consumer.Group.Heartbeat.Interval = driver.Ms(cmd.HeartbeatIntervalMs)
	cfg.Consumer.Group.Rebalance.Timeout = driver.Ms(cmd.RebalanceTimeoutMs)
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.AutoCommit.Enable = false
	return cfg, nil
}

func opGroupMember(ctx context.Context, cmd *driver.Command) (any, error) {
	cfg, err := memberConfig(cmd)
	if err != nil {
		return nil, err
	}
	group, err := sarama.NewConsumerGroup([]string{cmd.Bootstrap}, cmd.Group, cfg)
	if err != nil {
		return nil, err
	}
	gctx, stop := context.WithCancel(ctx)
	member := &groupMember{group: group, topic: cmd.Topic, messages: make(chan *sarama.ConsumerMessage),
		errs: make(chan error, 64), stop: stop, stopped: make(chan struct{})}
	go member.consume(gctx)
	go member.forwardErrors()
	return driver.RunMember(ctx, member)
}

// consume joins (and rejoins after each rebalance) until the member is closed.
func (m *groupMember) consume(ctx context.Context) {
	defer close(m.stopped)
	for ctx.Err() == nil {
		if err := m.group.Consume(ctx, []string{m.topic}, m); err != nil && ctx.Err() == nil {
			m.errs <- err
			time.Sleep(500 * time.Millisecond)
		}
	}
}

func (m *groupMember) forwardErrors() {
	for err := range m.group.Errors() {
		m.errs <- err
	}
}

func (m *groupMember) Poll(ctx context.Context, timeout time.Duration) ([]driver.Message, error) {
	return driver.Drain(ctx, timeout, m.messages, m.errs, fromSarama)
}

func (m *groupMember) Assignment() []int32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.session == nil {
		return []int32{}
	}
	return slices.Sorted(slices.Values(m.session.Claims()[m.topic]))
}

// Commit marks the offsets in the current session and commits synchronously; sarama
// reports commit failures on the group's Errors channel (forwarded as error events).
func (m *groupMember) Commit(_ context.Context, offsets map[int32]int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.session == nil {
		return fmt.Errorf("no group session to commit %v in", offsets)
	}
	for p, o := range offsets {
		m.session.MarkOffset(m.topic, p, o, "")
	}
	m.session.Commit()
	return nil
}

// Close stops consuming and closes the group (LeaveGroup).
func (m *groupMember) Close(ctx context.Context) error {
	m.stop()
	err := m.group.Close()
	select {
	case <-m.stopped:
	case <-ctx.Done():
		return fmt.Errorf("the consume loop did not stop: %w", ctx.Err())
	}
	return err
}
