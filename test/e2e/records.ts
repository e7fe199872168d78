/**
 * Test data and the exact round-trip check shared by the client tests.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

import type { Ack, ClientDriver, ConsumedMessage, Header, OffsetsView, PartitionRange, TestMessage } from './clients/driver.js';

export interface MessageSpec {
  /** Distinguishes the data of one test from another's. */
  tag: string;
  count: number;
  partitions: number;
  /** Value size in bytes (approximately, for text); small by default. */
  valueBytes?: number;
}

const FILLER = 'the quick brown fox jumps over the lazy dog; ';

function textValue(tag: string, i: number, valueBytes: number): string {
  const head = `${tag}-value-${i}-`;
  return (head + FILLER.repeat(Math.ceil(Math.max(0, valueBytes - head.length) / FILLER.length))).slice(0, Math.max(head.length, valueBytes));
}

/** Deterministic incompressible-looking bytes: SHA-256 in counter mode. */
export function pseudoRandomBytes(seed: string, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 0; blocks.length * 32 < length; i++) blocks.push(createHash('sha256').update(`${seed}:${i}`).digest());
  return Buffer.concat(blocks).subarray(0, length);
}

/**
 * Messages shaped for what `driver` can carry: binary keys (with NUL and 0xff bytes),
 * UTF-8 values with non-ASCII text and binary header values for most clients; line-safe
 * text and the same headers on every message for kcat. Message i goes to partition
 * i % partitions.
 */
export function makeMessages(driver: Pick<ClientDriver, 'payloads' | 'perMessageHeaders'>, spec: MessageSpec): TestMessage[] {
  const valueBytes = spec.valueBytes ?? 40;
  return Array.from({ length: spec.count }, (_, i): TestMessage => {
    const partition = i % spec.partitions;
    if (driver.payloads === 'text') {
      const headers: Header[] = driver.perMessageHeaders
        ? [['trace-id', Buffer.from(`${spec.tag}-${i}`)], ['source', Buffer.from(spec.tag)]]
        : [['source', Buffer.from(spec.tag)], ['kind', Buffer.from('e2e')]];
      return { key: Buffer.from(`${spec.tag}-key-${i}`), value: Buffer.from(textValue(spec.tag, i, valueBytes)), headers, partition };
    }
    const key = Buffer.concat([Buffer.from([0x00, 0xff, i & 0xff, (i >> 8) & 0xff]), Buffer.from(`${spec.tag}-ключ-${i}`)]);
    const headers: Header[] = driver.perMessageHeaders
      ? [['trace-id', Buffer.from(`${spec.tag}-${i}`)], ['bytes', Buffer.from([0x00, 0x01, 0xfe, 0xff, i & 0xff])]]
      : [['source', Buffer.from(spec.tag)], ['bytes', Buffer.from([0x00, 0x01, 0xfe, 0xff])]];
    return { key, value: Buffer.from(textValue(`${spec.tag}-värde✓`, i, valueBytes)), headers, partition };
  });
}

/** Messages of each partition, in the order given. */
export function byPartition<T extends { partition: number }>(items: readonly T[]): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const group = groups.get(item.partition) ?? [];
    group.push(item);
    groups.set(item.partition, group);
  }
  return groups;
}

/** Count of messages per partition 0..partitions-1. */
export function countsPerPartition(messages: readonly TestMessage[], partitions: number): number[] {
  const counts = new Array<number>(partitions).fill(0);
  for (const message of messages) counts[message.partition]! += 1;
  return counts;
}

/** Ranges [0, count) of each partition holding messages (for a topic written only by this test). */
export function rangesFromStart(messages: readonly TestMessage[], partitions: number): PartitionRange[] {
  return countsPerPartition(messages, partitions)
    .map((count, partition) => ({ partition, start: 0, end: count }))
    .filter((range) => range.end > 0);
}

/** The producer's acks of a fresh topic: offsets 0, 1, 2, … per partition, in send order. */
export function assertAcksContiguousFromZero(messages: readonly TestMessage[], acks: readonly Ack[]): void {
  assert.equal(acks.length, messages.length, 'one acknowledgement per message');
  const next = new Map<number, number>();
  messages.forEach((message, i) => {
    const expected = next.get(message.partition) ?? 0;
    next.set(message.partition, expected + 1);
    assert.deepEqual(acks[i], { partition: message.partition, offset: expected }, `ack of message ${i}`);
  });
}

const show = (data: Buffer | null): string =>
  data === null ? 'null' : data.length > 64 ? `<${data.length} bytes ${data.subarray(0, 24).toString('hex')}…>` : data.toString('hex');

interface Comparable {
  offset: number;
  key: string;
  value: string;
  valueLength: number;
  valueSha256: string;
  headers: Array<[string, string]>;
}

function comparable(offset: number, key: Buffer | null, value: Buffer | null, headers: readonly Header[]): Comparable {
  return {
    offset,
    key: show(key),
    value: show(value),
    valueLength: value?.length ?? -1,
    valueSha256: value === null ? '' : createHash('sha256').update(value).digest('hex'),
    headers: headers.map(([k, v]) => [k, show(v)]),
  };
}

/**
 * The consumer saw exactly what was produced: per partition the same messages (key,
 * value, headers) in the same order, at the offsets the producer was acknowledged with,
 * and nothing else.
 */
export function assertConsumedExactly(
  produced: readonly TestMessage[],
  acks: readonly Ack[],
  consumed: readonly ConsumedMessage[],
): void {
  assert.equal(acks.length, produced.length, 'one acknowledgement per produced message');
  const expected = byPartition(produced.map((message, i) => ({ ...message, offset: acks[i]!.offset })));
  const actual = byPartition(consumed);
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), 'partitions consumed');
  for (const [partition, wanted] of expected) {
    const got = actual.get(partition) ?? [];
    assert.equal(got.length, wanted.length, `number of messages consumed from partition ${partition}`);
    for (let i = 0; i < wanted.length; i++) {
      const w = wanted[i]!;
      const g = got[i]!;
      assert.deepEqual(
        comparable(g.offset, g.key, g.value, g.headers),
        comparable(w.offset, w.key, w.value, w.headers),
        `partition ${partition}, message #${i}`,
      );
    }
  }
}

/** Earliest offset 0 and latest = number of messages, for every partition. */
export function assertOffsets(view: OffsetsView, counts: readonly number[]): void {
  assert.deepEqual(
    { earliest: view.earliest, latest: view.latest },
    { earliest: counts.map(() => 0), latest: [...counts] },
    'earliest / latest offsets per partition',
  );
}
