"""kafka-python (Debian python3-kafka 2.0.2) driver for the e2e tests.

Ops: metadata, create_topic, delete_topic, produce, consume, list_offsets,
group_member, list_groups, describe_group, delete_groups, committed_offsets,
commit_offsets
(see driver_common.py for the JSON protocol).

kafka-python has no idempotent producer (no InitProducerId) and consumes without a group
through KafkaConsumer(group_id=None) + assign().

"api_version" (e.g. [0, 10]) skips kafka-python's broker-version probe and pins the
request versions it implies: [0, 10] produces magic-1 message sets (Produce v2) and
fetches with Fetch v2 (v3 from [0, 10, 1]); [0, 9] produces magic 0 (Produce v1) and
fetches with Fetch v1. Headers need [0, 11] or later. Group members subscribe() with the
assignor named in the command ("range", "roundrobin" or "sticky"), never auto-commit,
and commit explicit offsets when told to.
"""
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.admin import NewTopic
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from kafka.coordinator.assignors.sticky.sticky_assignor import StickyPartitionAssignor

from driver_common import consumed, decode_headers, main, ranges_done, run_member, unb64

ASSIGNORS = {
    'range': RangePartitionAssignor,
    'roundrobin': RoundRobinPartitionAssignor,
    'sticky': StickyPartitionAssignor,
}

REQUEST_TIMEOUT_MS = 15000
# kafka-python probes the broker version (ApiVersions v0 + Metadata v0) on connect.
API_VERSION_PROBE_MS = 10000


def version_config(command):
    """The version settings of every KafkaAdminClient, KafkaConsumer and KafkaProducer."""
    config = {'api_version_auto_timeout_ms': API_VERSION_PROBE_MS}
    if command.get('api_version'):
        config['api_version'] = tuple(command['api_version'])
    return config


def admin(command):
    return KafkaAdminClient(
        bootstrap_servers=command['bootstrap'],
        client_id='e2e-kafka-python-admin',
        request_timeout_ms=REQUEST_TIMEOUT_MS,
        **version_config(command),
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
        **version_config(command),
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
        # Batches leave when full or at the flush() below, never on a timer: how the messages
        # are grouped into batches depends on the messages alone, so a test can rely on it.
        linger_ms=10000,
        # No retries: a retried batch could be written twice and the test must see that.
        retries=0,
        request_timeout_ms=REQUEST_TIMEOUT_MS,
        **version_config(command),
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


class GroupMember:
    """A subscribe()d KafkaConsumer in a group (see driver_common.run_member)."""

    def __init__(self, command):
        self.topic = command['topic']
        self.consumer = KafkaConsumer(
            bootstrap_servers=command['bootstrap'],
            client_id=command['client_id'],
            group_id=command['group'],
            partition_assignment_strategy=[ASSIGNORS[name] for name in command['assignors']],
            session_timeout_ms=command['session_timeout_ms'],
            heartbeat_interval_ms=command['heartbeat_interval_ms'],
            max_poll_interval_ms=command['rebalance_timeout_ms'],
            enable_auto_commit=False,
            auto_offset_reset='earliest',
            request_timeout_ms=max(REQUEST_TIMEOUT_MS, command['session_timeout_ms'] + 5000),
            **version_config(command),
        )
        self.consumer.subscribe([self.topic])

    def poll(self, timeout_s):
        records = []
        for tp, batch in self.consumer.poll(timeout_ms=int(timeout_s * 1000)).items():
            for record in batch:
                records.append((tp.partition, record.offset, record.key, record.value, record.headers))
        return records

    def assignment(self):
        return sorted(tp.partition for tp in self.consumer.assignment() if tp.topic == self.topic)

    def commit(self, offsets):
        if offsets:
            self.consumer.commit({TopicPartition(self.topic, p): OffsetAndMetadata(o, '') for p, o in offsets.items()})

    def close(self):
        self.consumer.close(autocommit=False)


def op_group_member(command):
    return run_member(GroupMember(command))


def op_list_groups(command):
    client = admin(command)
    try:
        groups = client.list_consumer_groups()
    finally:
        client.close()
    return {'groups': [{'group_id': group_id, 'protocol_type': protocol_type} for group_id, protocol_type in groups]}


def op_describe_group(command):
    client = admin(command)
    try:
        [group] = client.describe_consumer_groups([command['group']])
    finally:
        client.close()
    members = []
    for member in group.members:
        # kafka-python decodes a "consumer" group's member assignment
        # (ConsumerProtocolMemberAssignment: version, [(topic, [partitions])], user data).
        assignment = member.member_assignment
        members.append({
            'member_id': member.member_id,
            'client_id': member.client_id,
            'client_host': member.client_host,
            'assignment': {topic: sorted(partitions) for topic, partitions in assignment.assignment} if assignment else {},
        })
    return {
        'group_id': group.group,
        'error_code': group.error_code,
        'state': group.state,
        'protocol_type': group.protocol_type,
        'protocol': group.protocol,
        'members': members,
    }


def op_delete_groups(command):
    client = admin(command)
    try:
        results = client.delete_consumer_groups(command['groups'])
    finally:
        client.close()
    return {'results': {group_id: error.errno for group_id, error in results}}


def op_commit_offsets(command):
    """Commits offsets for a group without joining it: assign() + commit (a simple commit,
    generation -1, as consumers that assign partitions themselves send)."""
    client = KafkaConsumer(
        bootstrap_servers=command['bootstrap'],
        client_id='e2e-kafka-python-committer',
        group_id=command['group'],
        enable_auto_commit=False,
        request_timeout_ms=REQUEST_TIMEOUT_MS,
        **version_config(command),
    )
    try:
        offsets = {TopicPartition(command['topic'], p): OffsetAndMetadata(o, '') for p, o in enumerate(command['offsets'])}
        client.assign(list(offsets))
        client.commit(offsets)
    finally:
        client.close(autocommit=False)
    return {'ok': True}


def op_committed_offsets(command):
    client = admin(command)
    try:
        tps = [TopicPartition(command['topic'], p) for p in range(command['partitions'])]
        offsets = client.list_consumer_group_offsets(command['group'], partitions=tps)
    finally:
        client.close()
    return {'offsets': [offsets[tp].offset if tp in offsets else -1 for tp in tps]}


if __name__ == '__main__':
    main({
        'group_member': op_group_member,
        'list_groups': op_list_groups,
        'describe_group': op_describe_group,
        'delete_groups': op_delete_groups,
        'committed_offsets': op_committed_offsets,
        'commit_offsets': op_commit_offsets,
        'metadata': op_metadata,
        'create_topic': op_create_topic,
        'delete_topic': op_delete_topic,
        'produce': op_produce,
        'consume': op_consume,
        'list_offsets': op_list_offsets,
    })
