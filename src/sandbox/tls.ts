// The emulator's TLS certificate, generated in memory at start: the only trust anchor clients are given.
import { generate } from 'selfsigned';

/** A PEM certificate and its key for 127.0.0.1, localhost, *.vault.localhost and any extra DNS names. */
export async function generateCertificate(now: Date, hostnames: string[] = []): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: 'apimkv-sandbox' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 86_400_000),
    notAfterDate: new Date(now.getTime() + 825 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 2, value: '*.vault.localhost' },
          ...hostnames.map((value) => ({ type: 2, value })),
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  } as Parameters<typeof generate>[1]);
  return { cert: pems.cert, key: pems.private };
}
