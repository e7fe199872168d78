package driver

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Member is a long-lived consumer-group member of one client library.
type Member interface {
	// Poll returns what arrived within timeout (nothing is not an error).
	Poll(ctx context.Context, timeout time.Duration) ([]Message, error)
	// Assignment is the member's current partitions of the topic, sorted.
	Assignment() []int32
	// Commit stores offsets (partition → next offset to read) for the group.
	Commit(ctx context.Context, offsets map[int32]int64) error
	// Close leaves the group cleanly.
	Close(ctx context.Context) error
}

const (
	pollInterval   = 200 * time.Millisecond
	errorPause     = 500 * time.Millisecond
	commandTimeout = 15 * time.Second
)

// Emit writes one JSON event line on stdout.
func Emit(event map[string]any) {
	line, err := json.Marshal(event)
	if err != nil {
		Fail("encoding event %v: %v", event, err)
	}
	os.Stdout.Write(append(line, '\n'))
}

type memberCommand struct {
	Cmd string `json:"cmd"`
}

// readCommands forwards stdin's command lines; EOF (the test closed stdin or died) is a close.
func readCommands(commands chan<- memberCommand) {
	for {
		line, err := stdin.ReadBytes('\n')
		if text := strings.TrimSpace(string(line)); text != "" {
			var command memberCommand
			if jsonErr := json.Unmarshal([]byte(text), &command); jsonErr != nil {
				Fail("member command %q: %v", text, jsonErr)
			}
			commands <- command
		}
		if err != nil {
			commands <- memberCommand{Cmd: "close"}
			return
		}
	}
}

// RunMember runs `member` until it is told to close, with the protocol of run_member in
// driver_common.py: stdin lines {"cmd": "commit"} (commit the position after the last
// message consumed from each partition) and {"cmd": "close"}; stdout events started,
// assignment (whole current assignment whenever it changes), message, committed, error,
// closed. A failed commit is reported as an error event of type "commit".
func RunMember(ctx context.Context, member Member) (any, error) {
	commands := make(chan memberCommand, 16)
	go readCommands(commands)
	Emit(map[string]any{"event": "started"})
	positions := map[int32]int64{}
	var last []int32 // nil until the first assignment event
	for {
		select {
		case command := <-commands:
			done, err := runCommand(ctx, member, command, positions)
			if done || err != nil {
				return OK, err
			}
		default:
		}
		poll(ctx, member, positions)
		if now := append([]int32{}, member.Assignment()...); last == nil || !slices.Equal(now, last) {
			Emit(map[string]any{"event": "assignment", "partitions": now})
			last = now
		}
	}
}

// Drain returns what arrives on messages within timeout (converted by convert); an error
// that arrives first ends it early: Member.Poll for members fed by channels.
func Drain[T any](ctx context.Context, timeout time.Duration, messages <-chan T, errs <-chan error, convert func(T) Message) ([]Message, error) {
	wait := time.NewTimer(timeout)
	defer wait.Stop()
	polled := []Message{}
	for {
		select {
		case message := <-messages:
			polled = append(polled, convert(message))
		case err := <-errs:
			return polled, err
		case <-wait.C:
			return polled, nil
		case <-ctx.Done():
			return polled, ctx.Err()
		}
	}
}

func runCommand(ctx context.Context, member Member, command memberCommand, positions map[int32]int64) (bool, error) {
	cctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	switch command.Cmd {
	case "commit":
		offsets := make(map[int32]int64, len(positions))
		wire := make(map[string]int64, len(positions))
		for p, o := range positions {
			offsets[p] = o
			wire[strconv.Itoa(int(p))] = o
		}
		if err := member.Commit(cctx, offsets); err != nil {
			Emit(map[string]any{"event": "error", "type": "commit", "message": err.Error()})
			return false, nil
		}
		Emit(map[string]any{"event": "committed", "offsets": wire})
		return false, nil
	case "close":
		if err := member.Close(cctx); err != nil {
			return true, fmt.Errorf("close: %w", err)
		}
		Emit(map[string]any{"event": "closed"})
		return true, nil
	}
	return true, fmt.Errorf("unknown member command %q", command.Cmd)
}

func poll(ctx context.Context, member Member, positions map[int32]int64) {
	messages, err := member.Poll(ctx, pollInterval)
	if err != nil {
		Emit(map[string]any{"event": "error", "message": err.Error()})
		time.Sleep(errorPause)
	}
	for _, m := range messages {
		event := map[string]any{"event": "message", "partition": m.Partition, "offset": m.Offset,
			"key": m.Key, "value": m.Value, "headers": m.Headers}
		Emit(event)
		positions[m.Partition] = m.Offset + 1
	}
}
