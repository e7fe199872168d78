// Package driver is the plumbing shared by the Go client drivers of the e2e tests: the
// same JSON protocol as test/e2e/clients/driver_common.py.
//
// One JSON command on the first line of stdin, one JSON result on stdout, exit code 0.
// Any failure: a message on stderr and exit code 1. Byte fields (keys, values, header
// values) travel as base64 text (encoding/json does that for []byte; nil stays null).
// "timeout_ms" is a watchdog: after that long the driver prints every goroutine's stack
// on stderr and exits 1. The "group_member" op then streams events and reads commands
// (see RunMember).
package driver

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"time"
)

// Range is a partition's offsets [Start, End) to read.
type Range struct {
	Partition int32 `json:"partition"`
	Start     int64 `json:"start"`
	End       int64 `json:"end"`
}

// Header is one record header; on the wire a [key, base64 value] pair.
type Header struct {
	Key   string
	Value []byte
}

func (h Header) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{h.Key, h.Value})
}

func (h *Header) UnmarshalJSON(data []byte) error {
	var pair []json.RawMessage
	if err := json.Unmarshal(data, &pair); err != nil {
		return err
	}
	if len(pair) != 2 {
		return fmt.Errorf("header %s: want [key, value]", data)
	}
	if err := json.Unmarshal(pair[0], &h.Key); err != nil {
		return err
	}
	return json.Unmarshal(pair[1], &h.Value)
}

// Message is a message to produce (Offset and Timestamp unused) or one consumed.
type Message struct {
	Partition int32    `json:"partition"`
	Offset    int64    `json:"offset"`
	Key       []byte   `json:"key"`
	Value     []byte   `json:"value"`
	Headers   []Header `json:"headers"`
	// Timestamp in milliseconds (-1: none), for drivers that report it (franz-go).
	Timestamp *int64 `json:"timestamp,omitempty"`
}

// Ack is what the broker acknowledged for one produced message.
type Ack struct {
	Partition int32 `json:"partition"`
	Offset    int64 `json:"offset"`
}

// TxnRecord is a record of the transaction ops (txn_*): UTF-8 text, an offset when consumed.
type TxnRecord struct {
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Value     string `json:"value"`
}

// PlannedTransaction is one transaction of txn_run: its records, then commit or abort.
type PlannedTransaction struct {
	Commit   bool        `json:"commit"`
	Messages []TxnRecord `json:"messages"`
}

// Command is every field any op reads; each op uses its own subset.
type Command struct {
	Op        string `json:"op"`
	Bootstrap string `json:"bootstrap"`
	TimeoutMs int    `json:"timeout_ms"`

	Topic           string    `json:"topic"`
	Partitions      int32     `json:"partitions"`
	Messages        []Message `json:"messages"`
	Compression     *string   `json:"compression"`
	Idempotent      bool      `json:"idempotent"`
	MaxMessageBytes int32     `json:"max_message_bytes"`
	MaxFetchBytes   int32     `json:"max_fetch_bytes"`
	Ranges          []Range   `json:"ranges"`

	Group   string   `json:"group"`
	Groups  []string `json:"groups"`
	Offsets []int64  `json:"offsets"`

	// group_member
	ClientID            string   `json:"client_id"`
	Assignors           []string `json:"assignors"`
	SessionTimeoutMs    int      `json:"session_timeout_ms"`
	HeartbeatIntervalMs int      `json:"heartbeat_interval_ms"`
	RebalanceTimeoutMs  int      `json:"rebalance_timeout_ms"`

	// Transaction ops (txn_*, see test/e2e/clients/transactional.ts)
	TransactionalID      string               `json:"transactional_id"`
	Transactions         []PlannedTransaction `json:"transactions"`
	Records              []TxnRecord          `json:"records"`
	TransactionTimeoutMs int                  `json:"transaction_timeout_ms"`
	Count                int                  `json:"count"`
	Isolation            string               `json:"isolation"`
	WaitMs               int                  `json:"wait_ms"`
	Input                string               `json:"input"`
	Output               string               `json:"output"`

	// Driver options, sent with every command by the TypeScript wrapper.
	Version       string    `json:"version"`        // sarama: the Kafka version it speaks
	GroupProtocol string    `json:"group_protocol"` // franz-go: "classic" or "consumer" (KIP-848)
	Security      *Security `json:"security"`       // franz-go: a secured listener (nil: PLAINTEXT)
}

// Security is how a client reaches a secured listener: Kafka's security.protocol, and
// the SASL login and the CA certificates (PEM text) the protocol needs.
type Security struct {
	Protocol  string `json:"protocol"` // SSL, SASL_PLAINTEXT or SASL_SSL
	Mechanism string `json:"mechanism"`
	Username  string `json:"username"`
	Password  string `json:"password"`
	CaPem     string `json:"ca_pem"`
}

// CompressionName is the codec asked for, "none" when absent.
func (c *Command) CompressionName() string {
	if c.Compression == nil || *c.Compression == "" {
		return "none"
	}
	return *c.Compression
}

// Deadline is a share of the command's timeout, for loops that must fail with their own
// message before the watchdog fires.
func (c *Command) Deadline(share float64) time.Time {
	return time.Now().Add(time.Duration(float64(c.TimeoutMs)*share) * time.Millisecond)
}

// Ms converts milliseconds from the command to a Duration.
func Ms(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }

// Op runs one command and returns what is printed as its JSON result.
type Op func(ctx context.Context, cmd *Command) (any, error)

// OK is the result of ops that return nothing else.
var OK = map[string]bool{"ok": true}

var stdin = bufio.NewReader(os.Stdin)

// Fail prints the error and exits 1.
func Fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func watchdog(timeout time.Duration) {
	time.AfterFunc(timeout, func() {
		stacks := make([]byte, 1<<20)
		stacks = stacks[:runtime.Stack(stacks, true)]
		Fail("driver watchdog expired after %s\n%s", timeout, stacks)
	})
}

// Main reads the command, runs its op under the watchdog and prints the result.
func Main(ops map[string]Op) {
	line, err := stdin.ReadBytes('\n')
	if err != nil && len(line) == 0 {
		Fail("reading the command: %v", err)
	}
	var cmd Command
	if err := json.Unmarshal(line, &cmd); err != nil {
		Fail("parsing the command %q: %v", line, err)
	}
	if cmd.TimeoutMs <= 0 {
		cmd.TimeoutMs = 30_000
	}
	op, ok := ops[cmd.Op]
	if !ok {
		Fail("unknown op %q", cmd.Op)
	}
	watchdog(Ms(cmd.TimeoutMs))
	ctx, cancel := context.WithTimeout(context.Background(), Ms(cmd.TimeoutMs))
	defer cancel()
	result, err := op(ctx, &cmd)
	if err != nil {
		Fail("%s: %v", cmd.Op, err)
	}
	out, err := json.Marshal(result)
	if err != nil {
		Fail("%s: encoding the result: %v", cmd.Op, err)
	}
	fmt.Println(string(out))
}

// RangesDone tells whether every range's position reached its end.
func RangesDone(ranges []Range, positions map[int32]int64) bool {
	for _, r := range ranges {
		if positions[r.Partition] < r.End {
			return false
		}
	}
	return true
}

// Collect gathers the messages that arrive (converted by convert) until every range is read,
// the first error that arrives, or 0.8 of the command's timeout: the consume op of drivers
// that read each partition on a goroutine of its own.
func Collect[T any](ctx context.Context, cmd *Command, arrived <-chan T, errs <-chan error, convert func(T) Message) (any, error) {
	positions := StartPositions(cmd.Ranges)
	messages := []Message{}
	timeout := time.NewTimer(time.Until(cmd.Deadline(0.8)))
	defer timeout.Stop()
	for !RangesDone(cmd.Ranges, positions) {
		select {
		case arrival := <-arrived:
			m := convert(arrival)
			messages = append(messages, m)
			positions[m.Partition] = m.Offset + 1
		case err := <-errs:
			return nil, err
		case <-timeout.C:
			return nil, fmt.Errorf("positions %v short of ranges %v", positions, cmd.Ranges)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return map[string]any{"messages": messages}, nil
}

// StartPositions maps each range's partition to its start offset.
func StartPositions(ranges []Range) map[int32]int64 {
	positions := make(map[int32]int64, len(ranges))
	for _, r := range ranges {
		positions[r.Partition] = r.Start
	}
	return positions
}

// MaxInt32 is the larger of a and b.
func MaxInt32(a, b int32) int32 {
	if a > b {
		return a
	}
	return b
}
