"""Shared plumbing for the Python client drivers used by the e2e tests.

Protocol: one JSON command on stdin, one JSON result on stdout, exit code 0.
Any failure: a traceback on stderr and exit code 1. Every byte field (keys, values,
header values) travels as base64 text (None stays null), so binary data round-trips.

Command fields shared by all ops: "op", "bootstrap", "timeout_ms" (a watchdog: the
driver aborts with a TimeoutError after that long).
"""
import base64
import json
import signal
import sys
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


def _on_alarm(_signum, _frame):
    raise TimeoutError('driver watchdog expired')


def main(ops):
    command = json.load(sys.stdin)
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
