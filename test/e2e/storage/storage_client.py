"""confluent-kafka (librdkafka) driver for the storage e2e tests.

Usage: storage_client.py OP JSON-ARGS
  produce_mixed   produce a deterministic mix of message sizes (or all of args.size) and codecs;
                  write one line "partition offset sha256(key|value)" per acknowledged message
                  to args.out
  consume_digest  read partitions from the given offsets up to the given end offsets; write
                  the same lines for every message consumed to args.out (args.config: more
                  consumer settings, over the op's own)
  produce_stream  produce messages i = 0..count-1 (value "msg-<i>-" + filler; with args.keys,
                  key "u-<i>" when i % 3 == 0, else "k-<i % keys>"; else no key) to partition
                  i % partitions with acks=all and idempotence, printing "ack P O I" or
                  "fail I ERROR" per delivery report as it arrives (flushed), "done" at the end
  produce_small   produce messages i = 0..count-1 (value "msg-<i>-" + filler) to partition
                  i % partitions, one record per batch (linger.ms=0, batch.size=1, idempotent,
                  acks=all); returns how many were acknowledged and the first failures

Every op has a watchdog (args.timeout_s); exit status 0 only if the op completed.
"""
import hashlib
import json
import random
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition


def watchdog(seconds):
    def expire():
        sys.stderr.write('storage_client: timed out after %s s\n' % seconds)
        sys.stderr.flush()
        import os
        os._exit(3)
    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()


def digest(key, value):
    h = hashlib.sha256()
    h.update(len(key or b'').to_bytes(4, 'big'))
    h.update(key or b'')
    h.update(value or b'')
    return h.hexdigest()


def message_size(rng):
    roll = rng.random()
    if roll < 0.6:
        return rng.randint(50, 2000)
    if roll < 0.9:
        return rng.randint(10_000, 60_000)
    return rng.randint(100_000, 400_000)


def payload(rng, size, i):
    if i % 2 == 0:
        return rng.randbytes(size)
    word = ('blink-%d-' % rng.randint(0, 99)).encode()
    return (word * (size // len(word) + 1))[:size]


def produce(producer, topic, value, partition, report, key=None):
    """Hands one message to librdkafka, serving delivery reports while its queue is full."""
    while True:
        try:
            producer.produce(topic, value=value, key=key, partition=partition, on_delivery=report)
            break
        except BufferError:
            producer.poll(0.05)
    producer.poll(0)


def op_produce_mixed(args):
    rng = random.Random(args['seed'])
    codecs = args['codecs']
    per_codec = args['total_bytes'] // len(codecs)
    lines = []
    failures = []
    i = 0
    for codec in codecs:
        producer = Producer({
            'bootstrap.servers': args['bootstrap'],
            'compression.type': codec,
            'linger.ms': 5,
            'acks': 'all',
            'message.max.bytes': args.get('message_max_bytes', 1_000_000),
            'batch.size': 1_000_000,
            'log_level': 3,
        })
        sent = 0
        while sent < per_codec:
            size = args.get('size') or message_size(rng)
            key = b'k-%d' % i
            value = payload(rng, size, i)
            partition = i % args['partitions']
            entry = digest(key, value)

            def report(err, msg, entry=entry):
                if err is not None:
                    failures.append(str(err))
                else:
                    lines.append('%d %d %s\n' % (msg.partition(), msg.offset(), entry))

            produce(producer, args['topic'], value, partition, report, key=key)
            sent += size
            i += 1
        if producer.flush(60) != 0:
            failures.append('flush left messages undelivered')
    with open(args['out'], 'w') as out:
        out.writelines(lines)
    if failures:
        raise SystemExit('produce failures: %s' % failures[:5])
    return {'messages': i, 'acked': len(lines)}


def op_consume_digest(args):
    consumer = Consumer({
        'bootstrap.servers': args['bootstrap'],
        'group.id': 'storage-e2e-unused',
        'enable.auto.commit': False,
        'enable.auto.offset.store': False,
        'max.partition.fetch.bytes': 1_048_576,
        'fetch.max.bytes': 8_388_608,
        'log_level': 3,
        **args.get('config', {}),
    })
    ends = {int(p): end for p, end in args['ends'].items()}
    starts = {int(p): start for p, start in args.get('starts', {}).items()}
    consumer.assign([TopicPartition(args['topic'], p, starts.get(p, 0)) for p in ends])
    positions = {p: starts.get(p, 0) for p in ends}
    lines = []
    while any(positions[p] < ends[p] for p in ends):
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error() is not None:
            if msg.error().code() == KafkaError._PARTITION_EOF:
                continue
            raise SystemExit('consume error: %s' % msg.error())
        lines.append('%d %d %s\n' % (msg.partition(), msg.offset(), digest(msg.key(), msg.value())))
        positions[msg.partition()] = msg.offset() + 1
    consumer.close()
    with open(args['out'], 'w') as out:
        out.writelines(lines)
    return {'consumed': len(lines)}


def op_produce_stream(args):
    producer = Producer({
        'bootstrap.servers': args['bootstrap'],
        'acks': 'all',
        'enable.idempotence': True,
        'linger.ms': 2,
        'message.timeout.ms': args.get('message_timeout_ms', 60_000),
        'reconnect.backoff.ms': 50,
        'reconnect.backoff.max.ms': 500,
        'log_level': 3,
    })
    filler = b'x' * args.get('filler_bytes', 200)
    state = {'reported': 0}

    def report(err, msg):
        i = int(msg.value().split(b'-')[1])
        if err is None:
            sys.stdout.write('ack %d %d %d\n' % (msg.partition(), msg.offset(), i))
        else:
            sys.stdout.write('fail %d %s\n' % (i, str(err).replace('\n', ' ')))
        sys.stdout.flush()
        state['reported'] += 1

    keys = args.get('keys')
    for i in range(args['count']):
        key = None if not keys else b'u-%d' % i if i % 3 == 0 else b'k-%d' % (i % keys)
        produce(producer, args['topic'], b'msg-%08d-' % i + filler, i % args['partitions'], report, key)
        # Pacing shapes the load (a stream that is still running when the test acts on it,
        # which the test sees through the acks); it is not a wait for a state.
        if args.get('pace_every') and i % args['pace_every'] == 0:
            time.sleep(args.get('pace_sleep_s', 0.01))
    while state['reported'] < args['count']:
        producer.poll(0.1)
    sys.stdout.write('done\n')
    sys.stdout.flush()
    return None


def op_produce_small(args):
    producer = Producer({
        'bootstrap.servers': args['bootstrap'],
        'acks': 'all',
        'enable.idempotence': True,
        'linger.ms': 0,
        'batch.size': 1,
        'queue.buffering.max.messages': 100_000,
        'log_level': 3,
    })
    filler = b'x' * args.get('filler_bytes', 0)
    state = {'acked': 0, 'failures': []}

    def report(err, msg):
        if err is None:
            state['acked'] += 1
        elif len(state['failures']) < 5:
            state['failures'].append(str(err))

    for i in range(args['count']):
        produce(producer, args['topic'], b'msg-%08d-' % i + filler, i % args['partitions'], report)
    if producer.flush(args.get('timeout_s', 120)) != 0:
        state['failures'].append('flush left messages undelivered')
    return {'acked': state['acked'], 'failures': state['failures']}


OPS = {'produce_mixed': op_produce_mixed, 'consume_digest': op_consume_digest, 'produce_stream': op_produce_stream, 'produce_small': op_produce_small}

if __name__ == '__main__':
    arguments = json.loads(sys.argv[2])
    watchdog(arguments.get('timeout_s', 120))
    result = OPS[sys.argv[1]](arguments)
    if result is not None:
        sys.stdout.write(json.dumps(result) + '\n')
