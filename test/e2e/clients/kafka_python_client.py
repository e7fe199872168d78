"""kafka-python (Debian python3-kafka 2.0.2) driver for the e2e tests.

Ops: metadata, create_topic, delete_topic, produce, consume, list_offsets
(see driver_common.py for the JSON protocol).

kafka-python has no idempotent producer (no InitProducerId) and consumes without a group
through KafkaConsumer(group_id=None) + assign().
"""
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

from driver_common import consumed, decode_headers, main, ranges_done, unb64

REQUEST_TIMEOUT_MS = 15000
# kafka-python probes the broker version (ApiVersions v0 + Metadata v0) on connect.
API_VERSION_PROBE_MS = 10000


def admin(command):
    return KafkaAdminClient(
        bootstrap_servers=command['bootstrap'],
        client_id='e2e-kafka-python-admin',
        request_timeout_ms=REQUEST_TIMEOUT_MS,
        api_version_auto_timeout_ms=API_VERSION_PROBE_MS,
    )


def consumer(command):
    return KafkaConsumer(
        bootstrap_servers=command['bootstrap'],
        client_id='e2e-kafka-python-consumer',
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset='earliest',
        max_partition_fetch_bytes=command.get('max_fetch_bytes', 1048576),
        fetch_max_bytes=max(52428800, command.get('max_fetch_bytes', 0)),
        request_timeout_ms=REQUEST_TIMEOUT_MS,
        api_version_auto_timeout_ms=API_VERSION_PROBE_MS,
    )


def op_metadata(command):
    client = admin(command)
    try:
        cluster = client.describe_cluster()
        topics = client.describe_topics()
    finally:
        client.close()
    return {
        'brokers': ['%s:%d' % (b['host'], b['port']) for b in cluster['brokers']],
        'topics': {t['topic']: len(t['partitions']) for t in topics if t['error_code'] == 0},
    }


def check_topic_errors(pairs):
    """CreateTopics/DeleteTopics responses are returned as is by kafka-python: check them."""
    failures = [pair for pair in pairs if pair[1] != 0]
    if failures:
        raise RuntimeError('topic errors: %r' % (failures,))


def op_create_topic(command):
    client = admin(command)
    try:
        response = client.create_topics(
            [NewTopic(command['topic'], num_partitions=command['partitions'], replication_factor=1)],
            timeout_ms=REQUEST_TIMEOUT_MS)
    finally:
        client.close()
    check_topic_errors([(e[0], e[1]) for e in response.topic_errors])
    return {'ok': True}


def op_delete_topic(command):
    client = admin(command)
    try:
        response = client.delete_topics([command['topic']], timeout_ms=REQUEST_TIMEOUT_MS)
    finally:
        client.close()
    check_topic_errors([(e[0], e[1]) for e in response.topic_error_codes])
    return {'ok': True}


def op_produce(command):
    if command.get('idempotent'):
        raise RuntimeError('kafka-python 2.0.2 has no idempotent producer')
    producer = KafkaProducer(
        bootstrap_servers=command['bootstrap'],
        client_id='e2e-kafka-python-producer',
        acks='all',
        compression_type=command.get('compression'),
        max_request_size=command.get('max_message_bytes', 1048576),
        linger_ms=5,
        # No retries: a retried batch could be written twice and the test must see that.
        retries=0,
        request_timeout_ms=REQUEST_TIMEOUT_MS,
        api_version_auto_timeout_ms=API_VERSION_PROBE_MS,
    )
    try:
        futures = [
            producer.send(
                command['topic'],
                key=unb64(m['key']),
                value=unb64(m['value']),
                headers=decode_headers(m['headers']),
                partition=m['partition'],
            )
            for m in command['messages']
        ]
        producer.flush(timeout=REQUEST_TIMEOUT_MS / 1000)
        acks = []
        for future in futures:
            metadata = future.get(timeout=REQUEST_TIMEOUT_MS / 1000)
            acks.append({'partition': metadata.partition, 'offset': metadata.offset})
    finally:
        producer.close(timeout=5)
    return {'acks': acks}


def op_consume(command):
    ranges = command['ranges']
    client = consumer(command)
    deadline = time.monotonic() + command['timeout_ms'] * 0.8 / 1000
    messages = []
    try:
        partitions = {r['partition']: TopicPartition(command['topic'], r['partition']) for r in ranges}
        client.assign(list(partitions.values()))
        positions = {}
        for r in ranges:
            client.seek(partitions[r['partition']], r['start'])
            positions[r['partition']] = r['start']
        while not ranges_done(ranges, positions):
            if time.monotonic() > deadline:
                raise RuntimeError('consume: positions %r short of ranges %r' % (positions, ranges))
            for tp, records in client.poll(timeout_ms=500).items():
                for record in records:
                    messages.append(consumed(tp.partition, record.offset, record.key, record.value,
                                             record.headers))
                    positions[tp.partition] = record.offset + 1
    finally:
        client.close(autocommit=False)
    return {'messages': messages}


def op_list_offsets(command):
    client = consumer(command)
    try:
        tps = [TopicPartition(command['topic'], p) for p in range(command['partitions'])]
        earliest = client.beginning_offsets(tps)
        latest = client.end_offsets(tps)
    finally:
        client.close(autocommit=False)
    return {
        'earliest': [earliest[tp] for tp in tps],
        'latest': [latest[tp] for tp in tps],
    }


if __name__ == '__main__':
    main({
        'metadata': op_metadata,
        'create_topic': op_create_topic,
        'delete_topic': op_delete_topic,
        'produce': op_produce,
        'consume': op_consume,
        'list_offsets': op_list_offsets,
    })
