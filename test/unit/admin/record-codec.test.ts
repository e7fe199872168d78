import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRecord, textToBytes, type StoredRecord } from '../../../src/admin/services/record-codec.js';

const record = (value: Uint8Array | null, headerValue: Uint8Array | null = null): StoredRecord => ({
  offset: 7,
  timestamp: 1_000,
  timestampType: 'CreateTime',
  key: Buffer.from('key'),
  value,
  headers: [{ key: Buffer.from('h'), value: headerValue }],
});

describe('REST record encoding', () => {
  it('reads base64 strictly: padded standard alphabet only', () => {
    assert.deepEqual([...textToBytes('AAEC/w==', 'base64', 'value')], [0, 1, 2, 255]);
    for (const bad of ['AAEC/w', 'AA EC', 'AAE-', 'hello!']) {
      assert.throws(() => textToBytes(bad, 'base64', 'value'), /value is not valid base64/, bad);
    }
    assert.deepEqual([...textToBytes('é', 'utf8', 'value')], [0xc3, 0xa9]);
  });

  it('writes UTF-8 text when asked and valid, else the whole record in base64', () => {
    assert.deepEqual(formatRecord(record(Buffer.from('hi'), Buffer.from('v')), 'utf8'), {
      offset: 7, timestamp: 1_000, timestampType: 'CreateTime', key: 'key', value: 'hi', headers: [{ key: 'h', value: 'v' }], encoding: 'utf8',
    });
    const binary = formatRecord(record(Buffer.from([0xff, 0xfe]), Buffer.from('v')), 'utf8');
    assert.equal(binary.encoding, 'base64');
    assert.deepEqual([binary.key, binary.value, binary.headers[0].value], ['a2V5', '//4=', 'dg==']);
    const invalidHeader = formatRecord(record(Buffer.from('hi'), Buffer.from([0xc3])), 'utf8');
    assert.equal(invalidHeader.encoding, 'base64', 'a header value that is not UTF-8 switches the record to base64');
    assert.equal(formatRecord(record(Buffer.from('hi')), 'base64').value, 'aGk=');
    assert.equal(formatRecord(record(null), 'utf8').value, null);
  });
});
