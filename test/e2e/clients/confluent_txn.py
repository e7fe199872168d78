"""Transactional ops of the confluent-kafka driver (confluent_client.py), for the
transaction e2e tests (test/e2e/clients/transactional.ts has the op contract):

txn_run      one producer runs transactions in order, committing or aborting each;
txn_consume  reads a topic from the beginning at an isolation level, up to a count;
txn_copy     consume-transform-produce: a group consumer's records copied to another
             topic in one transaction, with the consumed offsets (send_offsets_to_transaction);
txn_zombie   two producers of one transactional id: the second fences the first, whose
             commit then fails; answers that error;
txn_abandon  begins a transaction, writes, answers, and exits at once without ending it
             (the broker must abort it at transaction.timeout.ms).

Values are UTF-8 text. Transactional producers leave socket.timeout.ms and
message.timeout.ms to librdkafka, which derives them from transaction.timeout.ms.
"""
import json
import os
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

REQUEST_TIMEOUT_S = 15
# After the expected count, how long a consumer keeps polling so that an extra record shows.
DRAIN_S = 0.5


def poll_message(client, timeout_s):
    """The next message of a consumer within timeout_s; None when none came or at a partition's
    end (EOF). Raises on any other consumer error. confluent_client.py's consume uses it too."""
    message = client.poll(timeout_s)
    if message is None:
        return None
    if message.error() is not None:
        if message.error().code() == KafkaError._PARTITION_EOF:
            return None
        raise RuntimeError('consume: %s' % message.error())
    return message


def producer(command, transactional_id, transaction_timeout_ms=None):
    config = {
        'bootstrap.servers': command['bootstrap'],
        'client.id': 'e2e-confluent-txn',
        'transactional.id': transactional_id,
        'linger.ms': 5,
        'log_level': 4,
    }
    if transaction_timeout_ms is not None:
        config['transaction.timeout.ms'] = transaction_timeout_ms
    client = Producer(config)
    client.init_transactions(REQUEST_TIMEOUT_S)
    return client


def produce_all(client, topic, messages):
    for m in messages:
        client.produce(topic, value=m['value'].encode('utf-8'), partition=m['partition'])
        client.poll(0)
    # abort_transaction() drops what is still queued: flush first, so aborted records reach the log.
    if client.flush(REQUEST_TIMEOUT_S) != 0:
        raise RuntimeError('flush: messages left undelivered')


def op_txn_run(command):
    client = producer(command, command['transactional_id'])
    for txn in command['transactions']:
        client.begin_transaction()
        produce_all(client, command['topic'], txn['messages'])
        if txn['commit']:
            client.commit_transaction(REQUEST_TIMEOUT_S)
        else:
            client.abort_transaction(REQUEST_TIMEOUT_S)
    return {'ok': True}


def op_txn_consume(command):
    client = Consumer({
        'bootstrap.servers': command['bootstrap'],
        'client.id': 'e2e-confluent-txn-consumer',
        'group.id': 'e2e-unused-' + uuid.uuid4().hex,
        'enable.auto.commit': False,
        'isolation.level': command['isolation'],
        'log_level': 4,
    })
    records = []
    deadline = time.monotonic() + command['wait_ms'] / 1000
    drain_until = None
    try:
        client.assign([TopicPartition(command['topic'], p, 0) for p in range(command['partitions'])])
        while True:
            now = time.monotonic()
            if drain_until is None and len(records) >= command['count']:
                drain_until = now + DRAIN_S
            if now > deadline or (drain_until is not None and now > drain_until):
                break
            message = poll_message(client, 0.2)
            if message is None:
                continue
            records.append({'partition': message.partition(), 'offset': message.offset(), 'value': message.value().decode('utf-8')})
    finally:
        client.close()
    return {'records': records}


def op_txn_copy(command):
    consumer = Consumer({
        'bootstrap.servers': command['bootstrap'],
        'client.id': 'e2e-confluent-txn-copy',
        'group.id': command['group'],
        'enable.auto.commit': False,
        'isolation.level': 'read_committed',
        'auto.offset.reset': 'earliest',
        'log_level': 4,
    })
    client = producer(command, command['transactional_id'])
    deadline = time.monotonic() + command['timeout_ms'] * 0.8 / 1000
    copied = 0
    try:
        consumer.subscribe([command['input']])
        client.begin_transaction()
        while copied < command['count']:
            if time.monotonic() > deadline:
                raise RuntimeError('copy: %d of %d records' % (copied, command['count']))
            message = consumer.poll(0.5)
            if message is None or message.error() is not None:
                continue
            client.produce(command['output'], value=message.value() + b'!', partition=message.partition())
            copied += 1
        client.send_offsets_to_transaction(consumer.position(consumer.assignment()), consumer.consumer_group_metadata(), REQUEST_TIMEOUT_S)
        client.commit_transaction(REQUEST_TIMEOUT_S)
    finally:
        consumer.close()
    return {'copied': copied}


def op_txn_zombie(command):
    topic = command['topic']
    zombie = producer(command, command['transactional_id'])
    zombie.begin_transaction()
    produce_all(zombie, topic, [{'partition': 0, 'value': 'zombie'}])
    fresh = producer(command, command['transactional_id'])
    fresh.begin_transaction()
    produce_all(fresh, topic, [{'partition': 0, 'value': 'fresh'}])
    fresh.commit_transaction(REQUEST_TIMEOUT_S)
    try:
        zombie.commit_transaction(REQUEST_TIMEOUT_S)
    except KafkaException as error:
        kafka_error = error.args[0]
        return {'error': '%s: %s' % (kafka_error.name(), kafka_error.str())}
    return {'error': None}


def op_txn_abandon(command):
    client = producer(command, command['transactional_id'], command['transaction_timeout_ms'])
    client.begin_transaction()
    produce_all(client, command['topic'], command['records'])
    json.dump({'ok': True}, sys.stdout)
    sys.stdout.write('\n')
    sys.stdout.flush()
    # No abort, no close: the process is gone as a crashed producer would be.
    os._exit(0)


TXN_OPS = {
    'txn_run': op_txn_run,
    'txn_consume': op_txn_consume,
    'txn_copy': op_txn_copy,
    'txn_zombie': op_txn_zombie,
    'txn_abandon': op_txn_abandon,
}
