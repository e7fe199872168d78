/**
 * Certificates an e2e test makes for itself with openssl (P-256 keys, valid two days): its
 * own CA, a server certificate with 127.0.0.1 and localhost in its SAN, and client
 * certificates signed by the CA (or self-signed, for a client the broker must refuse).
 * Each certificate is `<name>.pem` + `<name>.key` in the directory, and `<name>-keystore.pem`
 * (key then certificate) for a Java client's `ssl.keystore.type=PEM`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export class TestCertificates {
  constructor(readonly dir: string) {
    this.openssl('req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Blink e2e CA');
    writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    this.issue('server', '/CN=localhost', 'ca', 'server.ext');
  }

  get caFile(): string {
    return join(this.dir, 'ca.pem');
  }

  pem(name: string): string {
    return join(this.dir, `${name}.pem`);
  }

  key(name: string): string {
    return join(this.dir, `${name}.key`);
  }

  keystore(name: string): string {
    return join(this.dir, `${name}-keystore.pem`);
  }

  /** A certificate for `subject` (openssl -subj form, certificate order: "/O=Acme/CN=app"). */
  issue(name: string, subject: string, signer: 'ca' | 'self' = 'ca', extfile?: string): void {
    if (signer === 'self') {
      this.openssl('req', '-x509', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', subject);
    } else {
      this.openssl('req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
      const extensions = extfile === undefined ? [] : ['-extfile', extfile];
      this.openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', ...extensions);
    }
    writeFileSync(this.keystore(name), readFileSync(this.key(name), 'utf8') + readFileSync(this.pem(name), 'utf8'));
  }

  private openssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
  }
}
