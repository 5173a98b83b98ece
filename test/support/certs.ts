// Test certificates made with the openssl command line: a CA, a broker
// certificate it signs (for localhost and 127.0.0.1), a client certificate it
// signs, and a second CA that signs nothing of these (the "wrong CA").

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TestCerts {
  dir: string;
  /** PEM file paths. */
  caFile: string;
  wrongCaFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** The same, read. */
  ca: Buffer;
  serverCert: Buffer;
  serverKey: Buffer;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.pem`], dir);
}

function signed(dir: string, ca: string, name: string, ext: string): void {
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`,
    '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
  writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
}

/** Makes the certificates in `dir` (about 0.1 s of openssl). */
export function makeTestCerts(dir: string): TestCerts {
  makeCa(dir, 'test-ca');
  makeCa(dir, 'wrong-ca');
  signed(dir, 'test-ca', 'broker', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  signed(dir, 'test-ca', 'client', 'extendedKeyUsage=clientAuth\n');
  const f = (n: string) => path.join(dir, n);
  return {
    dir, caFile: f('test-ca.pem'), wrongCaFile: f('wrong-ca.pem'),
    serverCertFile: f('broker.pem'), serverKeyFile: f('broker.key'), clientCertFile: f('client.pem'), clientKeyFile: f('client.key'),
    ca: readFileSync(f('test-ca.pem')), serverCert: readFileSync(f('broker.pem')), serverKey: readFileSync(f('broker.key')),
  };
}
