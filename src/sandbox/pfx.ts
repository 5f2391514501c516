// Reading an uploaded PKCS#12 the way APIM does: the password must open it and it must hold a certificate.
// Only subject, thumbprint and expiry are kept; the bytes and the password are never stored or echoed.
import { X509Certificate, createHash } from 'node:crypto';
import forge from 'node-forge';

/** What the sandbox keeps of an uploaded certificate. */
export interface PfxSummary {
  subject: string;
  thumbprint: string;
  expirationDate: string;
}

/** Parse base64 PKCS#12 bytes; throws an Error with a message safe to show (no secret in it). */
export function readPfx(base64: string, password: string): PfxSummary {
  let p12: forge.pkcs12.Pkcs12Pfx;
  let asn1: forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(forge.util.decode64(base64));
  } catch {
    throw new Error(
      'The certificate data is not a PKCS#12 (.pfx) file. Export the certificate with its private key as .pfx and upload that.',
    );
  }
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (e) {
    const text = String((e as Error).message ?? '');
    if (/mac could not be verified|invalid password|decrypt/i.test(text)) {
      throw new Error('The password does not open the certificate file (PKCS#12 MAC could not be verified). Check the .pfx password.');
    }
    throw new Error(
      'The certificate data is not a PKCS#12 (.pfx) file. Export the certificate with its private key as .pfx and upload that.',
    );
  }
  const bags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
  const bag = bags[0] as { cert?: forge.pki.Certificate | null; asn1?: forge.asn1.Asn1 } | undefined;
  const certAsn1 = bag?.cert ? forge.pki.certificateToAsn1(bag.cert) : bag?.asn1;
  if (!certAsn1) throw new Error('The certificate file holds no certificate.');
  const der = Buffer.from(forge.asn1.toDer(certAsn1).getBytes(), 'binary');
  const x509 = new X509Certificate(der);
  return {
    subject: x509.subject.split('\n').filter(Boolean).join(', '),
    thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(),
    expirationDate: new Date(x509.validTo).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}
