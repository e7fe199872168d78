/**
 * The generated error answers (tools/codegen/error-response.mjs): every error field of the
 * response carries the code, items mirror the request's, and the answer encodes in the
 * versions that shape applies to (decoded back here as a client would read it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiCodec } from '../../../src/wire/api-codec.js';
import { DeleteTopicsApi } from '../../../src/wire/messages/20-delete-topics.js';
import { DescribeConfigsApi } from '../../../src/wire/messages/32-describe-configs.js';
import { FetchApi, type FetchRequest } from '../../../src/wire/messages/01-fetch.js';
import { FindCoordinatorApi } from '../../../src/wire/messages/10-find-coordinator.js';
import { ALL_APIS } from '../../../src/wire/messages/index.js';
import { OffsetFetchApi } from '../../../src/wire/messages/09-offset-fetch.js';
import { KafkaReader } from '../../../src/wire/reader.js';
import { KafkaWriter } from '../../../src/wire/writer.js';

const FAILED = -1;
const NO_TOPIC_ID = '00000000-0000-0000-0000-000000000000';

/** The error answer to `request`, encoded at `version` and decoded back. */
function answered<Request, Response>(codec: ApiCodec<Request, Response>, version: number, request: Request): Response {
  const writer = new KafkaWriter();
  codec.encodeResponse(writer, version, codec.errorResponse(request, FAILED));
  return codec.decodeResponse(new KafkaReader(writer.toBuffer()), version);
}

describe('generated error answers', () => {
  it('every API has one', () => {
    for (const codec of ALL_APIS) assert.equal(typeof codec.errorResponse, 'function', codec.name);
  });

  it('Fetch v4 (no top-level error code): every partition asked for, its index taken from Partition', () => {
    const partition = (index: number) => ({ partition: index, currentLeaderEpoch: 3, fetchOffset: 100, lastFetchedEpoch: -1, logStartOffset: 7, partitionMaxBytes: 1024 });
    const request: FetchRequest = {
      replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, rackId: '', forgottenTopicsData: [],
      topics: [{ topic: 'orders', topicId: NO_TOPIC_ID, partitions: [partition(0), partition(4)] }],
    };
    const response = answered(FetchApi, 4, request);
    const partitions = response.responses?.[0].partitions ?? [];
    assert.equal(response.responses?.[0].topic, 'orders');
    assert.deepEqual(partitions.map((p) => [p.partitionIndex, p.errorCode]), [[0, FAILED], [4, FAILED]]);
    assert.equal(partitions[0].logStartOffset, -1, 'what the request asked about is not echoed');
    assert.equal(answered(FetchApi, 7, request).errorCode, FAILED, 'v7+: the top-level error code too');
  });

  it('DeleteTopics: names (v0-5) and topic ids (v6+) are both mirrored', () => {
    const v5 = answered(DeleteTopicsApi, 5, { topics: [], topicNames: ['a', 'b'], timeoutMs: 1000 });
    assert.deepEqual(v5.responses?.map((r) => [r.name, r.errorCode]), [['a', FAILED], ['b', FAILED]]);
    const id = '6f1c3c7e-0000-4000-8000-000000000001';
    const v6 = answered(DeleteTopicsApi, 6, { topics: [{ name: null, topicId: id }], topicNames: [], timeoutMs: 1000 });
    assert.deepEqual(v6.responses?.map((r) => [r.topicId, r.errorCode]), [[id, FAILED]]);
  });

  it('OffsetFetch v1: a list of partition indexes becomes one answer per partition', () => {
    const response = answered(OffsetFetchApi, 1, { groupId: 'g', topics: [{ name: 't', partitionIndexes: [2, 5] }], groups: [], requireStable: false });
    assert.deepEqual(response.topics?.[0].partitions?.map((p) => [p.partitionIndex, p.errorCode]), [[2, FAILED], [5, FAILED]]);
  });

  it('FindCoordinator v4: one answer per coordinator key', () => {
    const response = answered(FindCoordinatorApi, 4, { key: '', keyType: 0, coordinatorKeys: ['g1', 'g2'] });
    assert.deepEqual(response.coordinators?.map((c) => [c.key, c.errorCode]), [['g1', FAILED], ['g2', FAILED]]);
  });

  it('DescribeConfigs: each resource answered by type and name', () => {
    const response = answered(DescribeConfigsApi, 1, {
      resources: [{ resourceType: 2, resourceName: 'orders', configurationKeys: null }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    assert.deepEqual(response.results?.map((r) => [r.resourceType, r.resourceName, r.errorCode]), [[2, 'orders', FAILED]]);
  });
});
