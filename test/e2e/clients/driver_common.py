"""Shared plumbing for the Python client drivers used by the e2e tests.

Protocol: one JSON command on stdin, one JSON result on stdout, exit code 0.
Any failure: a traceback on stderr and exit code 1. Every byte field (keys, values,
header values) travels as base64 text (None stays null), so binary data round-trips.

Command fields shared by all ops: "op", "bootstrap", "timeout_ms" (a watchdog: the
driver aborts with a TimeoutError after that long). The command is one line of JSON;
the "group_member" op then streams events and reads commands (see run_member).
"""
import base64
import json
import queue
import signal
import sys
import threading
import time
import traceback


def b64(data):
    return None if data is None else base64.b64encode(bytes(data)).decode('ascii')


def unb64(text):
    return None if text is None else base64.b64decode(text)


def encode_headers(headers):
    return [[key, b64(value)] for key, value in (headers or [])]


def decode_headers(headers):
    return [(key, unb64(value)) for key, value in headers]


def consumed(partition, offset, key, value, headers):
    return {
        'partition': partition,
        'offset': offset,
        'key': b64(key),
        'value': b64(value),
        'headers': encode_headers(headers),
    }


def ranges_done(ranges, positions):
    return all(positions[r['partition']] >= r['end'] for r in ranges)


def emit(event):
    """One JSON event line on stdout (group members stream events while they run)."""
    sys.stdout.write(json.dumps(event) + '\n')
    sys.stdout.flush()


def _stdin_commands(commands):
    for line in sys.stdin:
        line = line.strip()
        if line:
            commands.put(json.loads(line))
    # The test closed our stdin (or died): leave the group cleanly.
    commands.put({'cmd': 'close'})


def run_member(member):
    """Runs a long-lived group member until it is told to close (or is killed).

    After the first command line, stdin carries one JSON command per line:
    {"cmd": "commit"} commits the position after the last message consumed from each
    partition (synchronously; a refused commit is an error event of type "commit" and the
    member goes on), {"cmd": "close"} closes the consumer cleanly (LeaveGroup).
    stdout carries one JSON event per line: started, assignment (the member's whole
    current assignment, sorted, whenever it changes), message, committed, error, closed.

    `member` has poll(timeout_s) -> [(partition, offset, key, value, headers)],
    assignment() -> sorted partitions, commit({partition: offset}) and close().
    """
    commands = queue.Queue()
    threading.Thread(target=_stdin_commands, args=(commands,), daemon=True).start()
    emit({'event': 'started'})
    positions = {}
    last_assignment = None
    while True:
        try:
            command = commands.get_nowait()
        except queue.Empty:
            command = None
        if command is not None:
            if command['cmd'] == 'commit':
                offsets = dict(positions)
                try:
                    member.commit(offsets)
                except Exception as error:  # a refused commit (e.g. UNKNOWN_MEMBER_ID while rejoining) is the test's to judge
                    emit({'event': 'error', 'type': 'commit', 'message': str(error)})
                    continue
                emit({'event': 'committed', 'offsets': {str(p): o for p, o in offsets.items()}})
            elif command['cmd'] == 'close':
                member.close()
                emit({'event': 'closed'})
                return {'ok': True}
            else:
                raise ValueError('unknown member command %r' % (command,))
        try:
            records = member.poll(0.2)
        except Exception as error:  # reported to the test, which decides whether it is fatal
            emit({'event': 'error', 'message': '%s: %s' % (type(error).__name__, error)})
            # Back off before polling again so that a member whose client keeps failing
            # reports the error a few times a second instead of spinning; not a wait for a state.
            time.sleep(0.5)
            records = []
        # The assignment the poll left, before its records: a test that has seen a message has
        # seen the assignment it came under.
        assignment = member.assignment()
        if assignment != last_assignment:
            emit({'event': 'assignment', 'partitions': assignment})
            last_assignment = assignment
        for partition, offset, key, value, headers in records:
            event = consumed(partition, offset, key, value, headers)
            event['event'] = 'message'
            emit(event)
            positions[partition] = offset + 1


def decode_consumer_assignment(data):
    """ConsumerProtocolAssignment (any version): {topic: [partitions]} (user data ignored)."""
    import struct
    if not data:
        return {}
    pos = 2  # int16 version
    (topic_count,) = struct.unpack_from('>i', data, pos)
    pos += 4
    result = {}
    for _ in range(max(0, topic_count)):
        (name_length,) = struct.unpack_from('>h', data, pos)
        pos += 2
        name = data[pos:pos + name_length].decode('utf-8')
        pos += name_length
        (partition_count,) = struct.unpack_from('>i', data, pos)
        pos += 4
        partitions = list(struct.unpack_from('>%di' % max(0, partition_count), data, pos))
        pos += 4 * max(0, partition_count)
        result[name] = sorted(partitions)
    return result


def _on_alarm(_signum, _frame):
    raise TimeoutError('driver watchdog expired')


def main(ops):
    # The command is the first line: a group member keeps reading further lines (commands).
    command = json.loads(sys.stdin.readline())
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(max(1, int(command.get('timeout_ms', 30000) / 1000)))
    try:
        handler = ops[command['op']]
        result = handler(command)
    except BaseException:
        traceback.print_exc(file=sys.stderr)
        sys.stderr.flush()
        sys.exit(1)
    signal.alarm(0)
    json.dump(result, sys.stdout)
    sys.stdout.write('\n')
    sys.stdout.flush()
