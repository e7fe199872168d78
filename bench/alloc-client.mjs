// The round-trip driver of bench/alloc.mjs (--mode trips): two connections speaking Kafka with
// the codecs of this checkout's build (dist/wire), no client library between. One round trip: a
// Fetch (v12, max_wait 500 ms, min_bytes 1, from the next offset) sent on one connection, which
// parks, then a Produce (v9, acks=1, one record of `size` bytes in its own batch) on the other,
// whose append wakes the Fetch; the trip ends once both answers are in. Exactly one Produce and
// one parked Fetch per trip, so the broker's heap allocation per trip does not depend on timing.
import net from 'node:net';
import path from 'node:path';
import { setImmediate as immediate } from 'node:timers/promises';
import { requestFrame } from './lib.mjs';

export async function roundTrips(root, bootstrap, topic, size) {
  const dist = (p) => import(path.join(root, 'dist', p));
  const { KafkaWriter } = await dist('wire/writer.js');
  const { KafkaReader } = await dist('wire/reader.js');
  const { ProduceApi } = await dist('wire/messages/00-produce.js');
  const { FetchApi } = await dist('wire/messages/01-fetch.js');
  const { CreateTopicsApi } = await dist('wire/messages/19-create-topics.js');
  const { encodeRecordBatch } = await dist('record-format/record-batch-encoder.js');
  const [host, port] = bootstrap.split(':');

  const connect = async () => {
    const socket = net.connect({ host, port: Number(port), noDelay: true });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const waiting = [];
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const frame = buffered.subarray(4, 4 + buffered.readInt32BE(0));
        buffered = buffered.subarray(4 + frame.length);
        waiting.shift()(frame);
      }
    });
    let correlationId = 0;
    return {
      socket,
      /** Sends a request; resolves with the decoded response. */
      send(codec, version, body) {
        const flexible = codec.flexibleFrom !== null && version >= codec.flexibleFrom;
        socket.write(requestFrame(KafkaWriter, codec, version, ++correlationId, 'alloc-bench', body));
        return new Promise((resolve) => {
          waiting.push((frame) => {
            const r = new KafkaReader(frame, 4);
            if (flexible) r.skipTaggedFields();
            resolve(codec.decodeResponse(r, version));
          });
        });
      },
    };
  };

  const producer = await connect();
  const consumer = await connect();
  await producer.send(CreateTopicsApi, 5, { topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
  const value = Buffer.alloc(size, 'x');
  let offset = 0;
  const fetchBody = (fetchOffset) => ({
    clusterId: null, replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, topicId: '00000000-0000-0000-0000-000000000000', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [], rackId: '',
  });
  /** One trip; throws when an answer carries an error or the fetch came back empty. */
  return async function trip() {
    const fetched = consumer.send(FetchApi, 12, fetchBody(offset));
    await immediate();
    const records = encodeRecordBatch([{ key: null, value, headers: [], timestampMs: Date.now() }]);
    const produced = await producer.send(ProduceApi, 9, { transactionalId: null, acks: 1, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
    const p = produced.responses[0].partitionResponses[0];
    if (p.errorCode !== 0) throw new Error(`produce error ${p.errorCode}`);
    const f = (await fetched).responses[0].partitions[0];
    if (f.errorCode !== 0 || f.records === null || f.records.length === 0) throw new Error(`fetch error ${f.errorCode}, ${f.records?.length ?? 0} bytes`);
    offset = p.baseOffset + 1;
  };
}
