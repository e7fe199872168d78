"""confluent-kafka-python driver for the e2e tests, run by two interpreters: Debian's
(python3-confluent-kafka 1.7.0, librdkafka 2.0.2) and the venv of
tools/test-deps/python.sh (confluent-kafka 2.x from PyPI, bundled librdkafka 2.16).

Ops: metadata, create_topic, delete_topic, produce, produce_for (a producer that stays a
while: client telemetry), consume, list_offsets,
group_member, list_groups, describe_group, committed_offsets; with 2.x also
delete_groups and commit_offsets (see driver_common.py for the JSON protocol); the
transactional ops txn_* (confluent_txn.py).

Group members subscribe() with the librdkafka assignors named in the command
(partition.assignment.strategy: "range", "roundrobin", "cooperative-sticky"), never
auto-commit, and commit explicit offsets when told to; "group_protocol": "consumer"
selects KIP-848 (2.x only). Committed offsets are read with Consumer.committed().
Groups are administered where the two versions differ: 1.7.0's AdminClient can list and
describe groups (list_groups) but not delete them; 2.x deprecates list_groups and has
list/describe/delete_consumer_groups and alter_consumer_group_offsets.

confluent-kafka 1.7.0 refuses a Consumer without group.id, even for assign(); the driver
sets a throw-away group.id, assigns explicit offsets and never commits, so no group
membership (JoinGroup) is involved.
"""
import time
import uuid

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from confluent_txn import TXN_OPS, poll_message
from driver_common import (consumed, decode_consumer_assignment, decode_headers, main, ranges_done,
                           run_member, unb64)

REQUEST_TIMEOUT_S = 15
# confluent-kafka >= 2.0 (the only place the two versions' APIs differ for this driver).
GROUP_ADMIN_API = hasattr(AdminClient, 'list_consumer_groups')


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
        # Batches leave when full or at the flush() below (which ignores linger.ms), never on a
        # timer: how the messages are grouped into batches depends on the messages alone.
        'linger.ms': 10000,
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


def op_produce_for(command):
    """A long-lived producer: one small message every every_ms for duration_ms (librdkafka
    pushes client telemetry on its own meanwhile when the broker subscribes it)."""
    producer = Producer({**base_config(command), 'client.id': command['client_id'], 'linger.ms': 5})
    deadline = time.monotonic() + command['duration_ms'] / 1000
    sent = 0
    while time.monotonic() < deadline:
        producer.produce(command['topic'], value=b'telemetry %d' % sent)
        sent += 1
        producer.poll(command.get('every_ms', 100) / 1000)
    remaining = producer.flush(REQUEST_TIMEOUT_S)
    return {'sent': sent, 'undelivered': remaining}


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
            message = poll_message(client, 0.5)
            if message is None:
                continue
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


def group_protocol_config(command):
    """KIP-848 ("consumer") needs librdkafka >= 2.4; the broker then assigns partitions."""
    protocol = command.get('group_protocol', 'classic')
    if protocol == 'classic':
        return {}
    if not GROUP_ADMIN_API:
        raise RuntimeError('group.protocol=%s needs confluent-kafka 2.x' % protocol)
    return {'group.protocol': protocol}


class GroupMember:
    """A subscribe()d Consumer in a group (see driver_common.run_member)."""

    def __init__(self, command):
        self.topic = command['topic']
        # KIP-848 members take the assignor and timeouts from the broker.
        classic = command.get('group_protocol', 'classic') == 'classic'
        self.consumer = Consumer({
            **base_config(command),
            'client.id': command['client_id'],
            'group.id': command['group'],
            **({
                'partition.assignment.strategy': ','.join(command['assignors']),
                'session.timeout.ms': command['session_timeout_ms'],
                'heartbeat.interval.ms': command['heartbeat_interval_ms'],
            } if classic else {}),
            'max.poll.interval.ms': command['rebalance_timeout_ms'],
            'enable.auto.commit': False,
            'auto.offset.reset': 'earliest',
            **group_protocol_config(command),
        })
        self.consumer.subscribe([self.topic])

    def poll(self, timeout_s):
        message = self.consumer.poll(timeout_s)
        if message is None:
            return []
        if message.error() is not None:
            raise RuntimeError('consumer error: %s' % message.error())
        return [(message.partition(), message.offset(), message.key(), message.value(), message.headers())]

    def assignment(self):
        return sorted(tp.partition for tp in self.consumer.assignment() if tp.topic == self.topic)

    def commit(self, offsets):
        if not offsets:
            return
        result = self.consumer.commit(
            offsets=[TopicPartition(self.topic, p, o) for p, o in offsets.items()], asynchronous=False)
        failed = [tp for tp in result if tp.error is not None]
        if failed:
            raise RuntimeError('commit failed: %r' % (failed,))

    def close(self):
        self.consumer.close()


def op_group_member(command):
    return run_member(GroupMember(command))


def group_error(group):
    return None if group.error is None else str(group.error)


def op_list_groups(command):
    client = admin(command)
    if GROUP_ADMIN_API:
        return list_consumer_groups(client)
    groups = client.list_groups(timeout=REQUEST_TIMEOUT_S)
    return {'groups': [{'group_id': g.id, 'protocol_type': g.protocol_type, 'state': g.state,
                        'error': group_error(g)} for g in groups]}


def op_describe_group(command):
    client = admin(command)
    if GROUP_ADMIN_API:
        return describe_consumer_group(client, command['group'])
    groups = client.list_groups(group=command['group'], timeout=REQUEST_TIMEOUT_S)
    if len(groups) != 1:
        raise RuntimeError('list_groups(%r) answered %d groups' % (command['group'], len(groups)))
    group = groups[0]
    return {
        'group_id': group.id,
        'error': group_error(group),
        'state': group.state,
        'protocol_type': group.protocol_type,
        'protocol': group.protocol,
        'members': [{
            'member_id': m.id,
            'client_id': m.client_id,
            'client_host': m.client_host,
            'assignment': decode_consumer_assignment(m.assignment),
        } for m in group.members],
    }


# --- confluent-kafka 2.x group administration (GROUP_ADMIN_API) ---

# Kafka's group state names, from librdkafka's ConsumerGroupState.
STATE_NAMES = {
    'UNKNOWN': 'Unknown',
    'PREPARING_REBALANCING': 'PreparingRebalance',
    'COMPLETING_REBALANCING': 'CompletingRebalance',
    'STABLE': 'Stable',
    'DEAD': 'Dead',
    'EMPTY': 'Empty',
}


def protocol_type(group):
    """The 2.x API reports only whether the protocol type is empty ("simple" groups)."""
    return '' if group.is_simple_consumer_group else 'consumer'


def list_consumer_groups(client):
    result = client.list_consumer_groups(request_timeout=REQUEST_TIMEOUT_S).result(timeout=REQUEST_TIMEOUT_S)
    if result.errors:
        raise RuntimeError('list_consumer_groups: %r' % (result.errors,))
    return {'groups': [{'group_id': g.group_id, 'protocol_type': protocol_type(g), 'state': STATE_NAMES[g.state.name],
                        'error': None} for g in result.valid]}


def describe_consumer_group(client, group_id):
    futures = client.describe_consumer_groups([group_id], request_timeout=REQUEST_TIMEOUT_S)
    group = futures[group_id].result(timeout=REQUEST_TIMEOUT_S)
    members = []
    for m in group.members:
        assignment = {}
        for tp in m.assignment.topic_partitions:
            assignment.setdefault(tp.topic, []).append(tp.partition)
        members.append({'member_id': m.member_id, 'client_id': m.client_id, 'client_host': m.host,
                        'assignment': {t: sorted(ps) for t, ps in assignment.items()}})
    return {
        'group_id': group.group_id,
        'error': None,
        'state': STATE_NAMES[group.state.name],
        'protocol_type': protocol_type(group),
        'protocol': group.partition_assignor,
        'members': members,
    }


def op_delete_groups(command):
    client = admin(command)
    results = {}
    for group_id, future in client.delete_consumer_groups(command['groups'], request_timeout=REQUEST_TIMEOUT_S).items():
        try:
            future.result(timeout=REQUEST_TIMEOUT_S)
            results[group_id] = 0
        except KafkaException as error:
            results[group_id] = error.args[0].code()
    return {'results': results}


def op_commit_offsets(command):
    """Commits offsets for a group without joining it (AlterConsumerGroupOffsets: an
    OffsetCommit with generation -1)."""
    from confluent_kafka import ConsumerGroupTopicPartitions
    client = admin(command)
    partitions = [TopicPartition(command['topic'], p, o) for p, o in enumerate(command['offsets'])]
    futures = client.alter_consumer_group_offsets([ConsumerGroupTopicPartitions(command['group'], partitions)],
                                                  request_timeout=REQUEST_TIMEOUT_S)
    result = futures[command['group']].result(timeout=REQUEST_TIMEOUT_S)
    failed = [tp for tp in result.topic_partitions if tp.error is not None]
    if failed:
        raise RuntimeError('alter_consumer_group_offsets: %r' % (failed,))
    return {'ok': True}


def op_committed_offsets(command):
    client = Consumer({
        **base_config(command),
        'client.id': 'e2e-confluent-offsets',
        'group.id': command['group'],
        'enable.auto.commit': False,
    })
    try:
        tps = client.committed([TopicPartition(command['topic'], p) for p in range(command['partitions'])],
                               timeout=REQUEST_TIMEOUT_S)
    finally:
        client.close()
    failed = [tp for tp in tps if tp.error is not None]
    if failed:
        raise RuntimeError('committed: %r' % (failed,))
    # librdkafka reports "no committed offset" as OFFSET_INVALID (-1001): -1 like the others.
    return {'offsets': [tp.offset if tp.offset >= 0 else -1 for tp in sorted(tps, key=lambda t: t.partition)]}


if __name__ == '__main__':
    main({
        **TXN_OPS,
        **({'delete_groups': op_delete_groups, 'commit_offsets': op_commit_offsets} if GROUP_ADMIN_API else {}),
        'group_member': op_group_member,
        'list_groups': op_list_groups,
        'describe_group': op_describe_group,
        'committed_offsets': op_committed_offsets,
        'metadata': op_metadata,
        'create_topic': op_create_topic,
        'delete_topic': op_delete_topic,
        'produce': op_produce,
        'produce_for': op_produce_for,
        'consume': op_consume,
        'list_offsets': op_list_offsets,
    })
