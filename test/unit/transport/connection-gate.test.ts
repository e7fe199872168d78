/**
 * Unit tests of connection admission: max_connections over every address,
 * max_connections_per_ip with its per-address overrides, IPv4-mapped addresses named as
 * IPv4, and slots given back when connections close.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientAddress, ConnectionGate } from '../../../src/kafka/transport/connection-gate.js';

describe('ConnectionGate', () => {
  it('refuses an address at max_connections_per_ip and admits it again once one of its connections closed', () => {
    const gate = new ConnectionGate({ maxConnections: 100, maxConnectionsPerIp: 2, maxConnectionsPerIpOverrides: {} });
    assert.deepEqual(['10.0.0.1', '10.0.0.1', '10.0.0.1', '10.0.0.2'].map((a) => gate.admit(a)), [null, null, 'max_connections_per_ip', null]);
    gate.leave('10.0.0.1');
    assert.equal(gate.admit('10.0.0.1'), null);
  });

  it('gives an overridden address its own limit, 0 included', () => {
    const gate = new ConnectionGate({ maxConnections: 100, maxConnectionsPerIp: 1, maxConnectionsPerIpOverrides: { '10.0.0.9': 3, '::1': 0 } });
    assert.deepEqual([1, 2, 3, 4].map(() => gate.admit('10.0.0.9')), [null, null, null, 'max_connections_per_ip']);
    assert.equal(gate.admit('::1'), 'max_connections_per_ip');
  });

  it('refuses every address at max_connections, counted over all of them', () => {
    const gate = new ConnectionGate({ maxConnections: 3, maxConnectionsPerIp: 10, maxConnectionsPerIpOverrides: {} });
    assert.deepEqual(['a', 'b', 'c', 'd'].map((a) => gate.admit(a)), [null, null, null, 'max_connections']);
    gate.leave('b');
    assert.equal(gate.admit('d'), null);
  });

  it('names an IPv4 client of a dual-stack listener by its IPv4 address', () => {
    assert.equal(clientAddress('::ffff:192.168.1.7'), '192.168.1.7');
    assert.equal(clientAddress('fe80::1'), 'fe80::1');
  });
});
