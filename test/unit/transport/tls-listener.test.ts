/**
 * The TLS listener's pieces: the mTLS principal's DN (Node's subject lines, in RFC 2253 order,
 * CN first, with its escapes, as Kafka prints it), one principal per mapped name, and the bound
 * on what one write hands TLS.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import type { KafkaPrincipal } from '../../../src/common/kafka-principal.js';
import { boundTlsWrites, rfc2253, TlsCertificates, TLS_WRITE_PIECE_BYTES } from '../../../src/kafka/transport/tls-listener.js';
import { TestCertificates } from '../../e2e/support/certificates.js';

describe('rfc2253', () => {
  it('reverses the certificate order so that CN comes first, without spaces', () => {
    assert.equal(rfc2253('C=DE\nO=Blink\nOU=Platform\nCN=e2e-client'), 'CN=e2e-client,OU=Platform,O=Blink,C=DE');
  });

  it('escapes the characters RFC 2253 reserves, and leading and trailing spaces', () => {
    assert.equal(rfc2253('O=Acme, Inc.\nCN=a+b;c<d>"e"\\'), 'CN=a\\+b\\;c\\<d\\>\\"e\\"\\\\,O=Acme\\, Inc.');
    assert.equal(rfc2253('CN= padded '), 'CN=\\ padded\\ ');
  });
});

describe('TlsCertificates: client certificate principals', () => {
  it('gives every connection of a certificate name one shared principal, another name its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blink-mtls-principals-'));
    const certs = new TestCertificates(dir);
    certs.issue('alice', '/O=Blink/CN=alice');
    certs.issue('alice-again', '/O=Blink/CN=alice');
    certs.issue('bob', '/O=Blink/CN=bob');
    const tls = new TlsCertificates(
      { certFile: certs.pem('server'), keyFile: certs.key('server'), caFile: certs.caFile, clientAuth: 'required', principalMappingRules: 'RULE:^CN=([^,]*),.*$/$1/,DEFAULT' },
      new Logger('test'),
    );
    const principals: (KafkaPrincipal | null)[] = [];
    const server = tls.createServer((socket, principal) => {
      principals.push(principal);
      socket.end();
    });
    try {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      for (const name of ['alice', 'alice-again', 'bob', 'alice']) {
        const client = connect({ host: '127.0.0.1', port, ca: readFileSync(certs.caFile), cert: readFileSync(certs.pem(name)), key: readFileSync(certs.key(name)), servername: 'localhost' });
        await new Promise((resolve, reject) => client.once('close', resolve).once('error', reject).resume());
      }
      assert.deepEqual(principals, ['alice', 'alice', 'bob', 'alice'].map((name) => ({ principalType: 'User', name })));
      assert.equal(principals[1], principals[0], 'another certificate with the same mapped name: the same object');
      assert.equal(principals[3], principals[0]);
      assert.notEqual(principals[2], principals[0]);
    } finally {
      server.close();
      tls.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Each write the socket's TLS handle got, in bytes (Node's stream writes reach it as writeBuffer or writev). */
function recordHandleWrites(socket: TLSSocket): number[] {
  const handle = (socket as unknown as { _handle: Record<string, (...args: unknown[]) => unknown> })._handle;
  const sizes: number[] = [];
  const writeBuffer = handle.writeBuffer!;
  const writev = handle.writev!;
  handle.writeBuffer = function (this: unknown, ...args: unknown[]) {
    sizes.push((args[1] as Buffer).length);
    return writeBuffer.apply(this, args);
  };
  handle.writev = function (this: unknown, ...args: unknown[]) {
    sizes.push((args[1] as unknown[]).reduce<number>((sum, chunk) => sum + (Buffer.isBuffer(chunk) ? chunk.length : 0), 0));
    return writev.apply(this, args);
  };
  return sizes;
}

describe('boundTlsWrites', () => {
  let dir: string;
  let server: Server;
  let serverSide: Promise<TLSSocket>;
  let client: TLSSocket;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'blink-tls-writes-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=localhost'], { cwd: dir, stdio: 'pipe' });
    const cert = readFileSync(join(dir, 'cert.pem'));
    serverSide = new Promise((resolve) => {
      server = createServer({ cert, key: readFileSync(join(dir, 'key.pem')) }, (socket) => {
        boundTlsWrites(socket);
        resolve(socket);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ca: cert, servername: 'localhost' });
    await new Promise((resolve) => client.once('secureConnect', resolve));
  });

  after(() => {
    client.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes `chunks` corked (as a connection writes an answer of several chunks); resolves with what the client got and the handle's write sizes. */
  async function corkedAnswer(chunks: Buffer[]): Promise<{ received: Buffer; sizes: number[]; callbacks: number }> {
    const socket = await serverSide;
    const sizes = recordHandleWrites(socket);
    const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const parts: Buffer[] = [];
    let got = 0;
    const received = new Promise<Buffer>((resolve) => {
      const onData = (data: Buffer) => {
        parts.push(data);
        got += data.length;
        if (got < total) return;
        client.off('data', onData);
        resolve(Buffer.concat(parts));
      };
      client.on('data', onData);
    });
    let callbacks = 0;
    // Corked by the caller: the chunks reach the stream's _writev together, as a connection's answer does.
    const written = chunks.map((chunk) => new Promise<void>((resolve) => void socket.write(chunk, () => resolve(void callbacks++))));
    socket.uncork();
    return { received: await received, sizes: (await Promise.all(written), sizes), callbacks };
  }

  it('hands TLS a large corked answer a bounded piece at a time, every byte in order, every callback called', async () => {
    const chunks = [Buffer.alloc(9, 1), ...Array.from({ length: 20 }, (_, i) => Buffer.alloc(50_000, i)), Buffer.alloc(300_000, 0xee), Buffer.alloc(5, 2)];
    const socket = await serverSide;
    socket.cork();
    const { received, sizes, callbacks } = await corkedAnswer(chunks);
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    assert.equal(digest(received), digest(Buffer.concat(chunks)));
    assert.equal(callbacks, chunks.length);
    assert.ok(sizes.length > 1, `one write of ${sizes[0]} bytes`);
    assert.ok(Math.max(...sizes) <= TLS_WRITE_PIECE_BYTES, `writes of ${sizes.join(', ')} bytes`);
    assert.equal(sizes.reduce((a, b) => a + b, 0), received.length);
  });

  it('leaves an answer that fits in one piece as one write', async () => {
    const chunks = [Buffer.alloc(9, 1), Buffer.alloc(20_000, 3), Buffer.alloc(7, 4)];
    const socket = await serverSide;
    socket.cork();
    const { received, sizes } = await corkedAnswer(chunks);
    assert.deepEqual(received, Buffer.concat(chunks));
    assert.deepEqual(sizes, [20_016]);
  });
});
