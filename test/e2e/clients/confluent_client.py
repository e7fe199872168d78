"""confluent-kafka-python (Debian python3-confluent-kafka 1.7.0, librdkafka 2.0.2) driver
for the e2e tests.

Ops: metadata, create_topic, delete_topic, produce, consume, list_offsets
(see driver_common.py for the JSON protocol).

confluent-kafka 1.7.0 refuses a Consumer without group.id, even for assign(); the driver
sets a throw-away group.id, assigns explicit offsets and never commits, so no group
membership (JoinGroup) is involved.
"""
import time
import uuid

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from driver_common import consumed, decode_headers, main, ranges_done, unb64

REQUEST_TIMEOUT_S = 15


def base_config(command):
    return {
        'bootstrap.servers': command['bootstrap'],
        'socket.timeout.ms': REQUEST_TIMEOUT_S * 1000,
        'log_level': 4,
    }


def admin(command):
    return AdminClient({**base_config(command), 'client.id': 'e2e-confluent-admin'})


def consumer(command):
    return Consumer({
        **base_config(command),
        'client.id': 'e2e-confluent-consumer',
        'group.id': 'e2e-unused-' + uuid.uuid4().hex,
        'enable.auto.commit': False,
        'enable.auto.offset.store': False,
        'max.partition.fetch.bytes': command.get('max_fetch_bytes', 1048576),
    })


def op_metadata(command):
    client = admin(command)
    metadata = client.list_topics(timeout=REQUEST_TIMEOUT_S)
    return {
        'brokers': ['%s:%d' % (b.host, b.port) for b in metadata.brokers.values()],
        'topics': {name: len(t.partitions) for name, t in metadata.topics.items() if t.error is None},
    }


def wait_all(futures):
    for future in futures.values():
        future.result(timeout=REQUEST_TIMEOUT_S)


def op_create_topic(command):
    topic = NewTopic(command['topic'], num_partitions=command['partitions'], replication_factor=1)
    # Held in a variable: a garbage-collected AdminClient fails its pending futures (_DESTROY).
    client = admin(command)
    wait_all(client.create_topics([topic], request_timeout=REQUEST_TIMEOUT_S))
    return {'ok': True}


def op_delete_topic(command):
    client = admin(command)
    wait_all(client.delete_topics([command['topic']], request_timeout=REQUEST_TIMEOUT_S))
    return {'ok': True}


def op_produce(command):
    config = {
        **base_config(command),
        'client.id': 'e2e-confluent-producer',
        'acks': 'all',
        'compression.codec': command.get('compression') or 'none',
        'message.max.bytes': command.get('max_message_bytes', 1000000),
        'linger.ms': 5,
        'message.timeout.ms': REQUEST_TIMEOUT_S * 1000,
        'enable.idempotence': bool(command.get('idempotent')),
    }
    if not command.get('idempotent'):
        # Without idempotence a retried batch could be written twice: the test must see that.
        config['retries'] = 0
    producer = Producer(config)
    acks = [None] * len(command['messages'])
    errors = []

    def on_delivery(index):
        def report(error, message):
            if error is not None:
                errors.append('message %d: %s' % (index, error))
            else:
                acks[index] = {'partition': message.partition(), 'offset': message.offset()}
        return report

    for index, m in enumerate(command['messages']):
        producer.produce(
            command['topic'],
            key=unb64(m['key']),
            value=unb64(m['value']),
            headers=decode_headers(m['headers']),
            partition=m['partition'],
            on_delivery=on_delivery(index),
        )
        producer.poll(0)
    remaining = producer.flush(REQUEST_TIMEOUT_S)
    if remaining or errors or None in acks:
        raise RuntimeError('produce: %d undelivered, errors %r' % (remaining, errors[:10]))
    return {'acks': acks}


def op_consume(command):
    ranges = command['ranges']
    client = consumer(command)
    deadline = time.monotonic() + command['timeout_ms'] * 0.8 / 1000
    messages = []
    positions = {r['partition']: r['start'] for r in ranges}
    try:
        client.assign([TopicPartition(command['topic'], r['partition'], r['start']) for r in ranges])
        while not ranges_done(ranges, positions):
            if time.monotonic() > deadline:
                raise RuntimeError('consume: positions %r short of ranges %r' % (positions, ranges))
            message = client.poll(0.5)
            if message is None:
                continue
            if message.error() is not None:
                if message.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise RuntimeError('consume: %s' % message.error())
            messages.append(consumed(message.partition(), message.offset(), message.key(),
                                     message.value(), message.headers()))
            positions[message.partition()] = message.offset() + 1
    finally:
        client.close()
    return {'messages': messages}


def op_list_offsets(command):
    client = consumer(command)
    try:
        watermarks = [
            client.get_watermark_offsets(TopicPartition(command['topic'], p),
                                         timeout=REQUEST_TIMEOUT_S, cached=False)
            for p in range(command['partitions'])
        ]
    finally:
        client.close()
    if None in watermarks:
        raise RuntimeError('list_offsets: no answer for some partitions: %r' % (watermarks,))
    return {'earliest': [low for low, _ in watermarks], 'latest': [high for _, high in watermarks]}


if __name__ == '__main__':
    main({
        'metadata': op_metadata,
        'create_topic': op_create_topic,
        'delete_topic': op_delete_topic,
        'produce': op_produce,
        'consume': op_consume,
        'list_offsets': op_list_offsets,
    })
