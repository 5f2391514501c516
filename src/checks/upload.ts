// Step 5b: upload a .pfx instead of referencing Key Vault. The file was inspected locally (src/runbook/pfx.ts)
// before anything is sent; the bytes and the password travel only inside the operation, as Secrets.
import type { CertificateIntent, Facts } from './facts.ts';
import { daysUntil, EXPIRY_WARNING_DAYS } from './dates.ts';
import { finding, unknownFinding } from './finding.ts';
import { makePlan } from './plan.ts';
import { DOCS } from './steps.ts';
import type { Finding } from './types.ts';

const STEP = 'certificate' as const;
const CHOOSE = 'Choose what to add in step 5: a certificate from Key Vault, or a .pfx file to upload.';

type PfxIntent = Extract<CertificateIntent, { kind: 'pfx' }>;

function pfxIntent(facts: Facts): PfxIntent | undefined {
  return facts.intent?.kind === 'pfx' ? facts.intent : undefined;
}

function notPfx(checkId: string, title: string, facts: Facts): Finding {
  return facts.intent
    ? finding(checkId, STEP, 'skipped', title, 'You chose a certificate from Key Vault: upload checks do not apply.')
    : finding(checkId, STEP, 'info', title, CHOOSE);
}

export function checkFile(facts: Facts): Finding {
  const title = 'The .pfx file opens';
  const intent = pfxIntent(facts);
  if (!intent) return notPfx('UPL-FILE', title, facts);
  const i = intent.inspection;
  if (!i.ok) return finding('UPL-FILE', STEP, 'fail', title, i.message, { evidence: [`file: ${intent.path}`, `problem: ${i.reason}`] });
  if (i.encryption === 'aes') {
    // configure-custom-domain: a .pfx for API Management must be encrypted with triple DES.
    return finding(
      'UPL-FILE',
      STEP,
      'fail',
      title,
      `The file is encrypted with AES-256 (PBES2, OpenSSL 3's default), but Microsoft requires triple-DES encryption for API Management. Re-export it: openssl pkcs12 -export -legacy -in cert.pem -inkey key.pem -out cert.pfx (or openssl pkcs12 -in old.pfx -nodes | openssl pkcs12 -export -legacy -out cert.pfx).`,
      {
        evidence: [`file: ${intent.path} (${i.sizeBytes} bytes)`, 'encryption: PBES2 (AES)'],
        docLink: DOCS.customDomain,
      },
    );
  }
  return finding(
    'UPL-FILE',
    STEP,
    'pass',
    title,
    `A PKCS#12 file with ${i.chainLength} certificate${i.chainLength === 1 ? '' : 's'}; the password opens it.`,
    {
      evidence: [
        `file: ${intent.path} (${i.sizeBytes} bytes)`,
        `subject: ${i.subject}`,
        `issuer: ${i.issuer}`,
        `thumbprint: ${i.thumbprint}`,
      ],
    },
  );
}

export function checkKey(facts: Facts): Finding {
  const title = 'Private key, key size, chain and validity';
  const intent = pfxIntent(facts);
  if (!intent) return notPfx('UPL-KEY', title, facts);
  const i = intent.inspection;
  if (!i.ok) return finding('UPL-KEY', STEP, 'skipped', title, 'The file could not be opened (UPL-FILE).');
  const evidence = [
    `key: ${i.keyType}${i.keyBits ? ` ${i.keyBits} bits` : ''}${i.hasPrivateKey ? '' : ' (no private key)'}`,
    `valid: ${i.notBefore} to ${i.notAfter}`,
    `chain: ${i.chainLength} certificate${i.chainLength === 1 ? '' : 's'}${i.selfSigned ? ', self-signed' : ''}`,
  ];
  if (!i.hasPrivateKey)
    return finding(
      'UPL-KEY',
      STEP,
      'fail',
      title,
      'The file has no private key: API Management cannot present the certificate. Export it again with the private key.',
      { evidence },
    );
  const days = daysUntil(i.notAfter, facts.context.now);
  if (days !== undefined && days < 0)
    return finding('UPL-KEY', STEP, 'fail', title, `The certificate expired on ${i.notAfter}: use a current one.`, { evidence });
  const warnings: string[] = [];
  if (i.keyType.toUpperCase() === 'RSA' && i.keyBits !== undefined && i.keyBits < 2048)
    warnings.push(`the ${i.keyBits}-bit key is below the 2048 bits custom domains require`);
  if (days !== undefined && days < EXPIRY_WARNING_DAYS) warnings.push(`it expires in ${days} days`);
  if (Date.parse(i.notBefore) > Date.parse(facts.context.now)) warnings.push(`it is not valid before ${i.notBefore}`);
  if (i.chainLength === 1 && !i.selfSigned)
    warnings.push('the file holds only the leaf certificate; custom domains need the full chain (intermediates) in the file');
  if (warnings.length)
    return finding('UPL-KEY', STEP, 'warn', title, `Usable, but ${warnings.join('; ')}.`, { evidence, docLink: DOCS.customDomain });
  return finding(
    'UPL-KEY',
    STEP,
    'pass',
    title,
    `Private key present${i.keyBits ? ` (${i.keyType} ${i.keyBits} bits)` : ''}, valid until ${i.notAfter}.${i.selfSigned ? ' Self-signed: backends must trust it.' : ''}`,
    { evidence },
  );
}

export function checkUploadCreate(facts: Facts): Finding {
  const title = 'Upload the certificate';
  const intent = pfxIntent(facts);
  if (!intent) return notPfx('UPL-CREATE', title, facts);
  const i = intent.inspection;
  if (!i.ok) return finding('UPL-CREATE', STEP, 'fail', title, 'Not ready: the file could not be opened (UPL-FILE).');
  if (i.encryption === 'aes')
    return finding('UPL-CREATE', STEP, 'fail', title, 'Not ready: the file is AES-encrypted; re-export it with triple DES (UPL-FILE).');
  if (!i.hasPrivateKey) return finding('UPL-CREATE', STEP, 'fail', title, 'Not ready: the file has no private key (UPL-KEY).');
  const days = daysUntil(i.notAfter, facts.context.now);
  if (days !== undefined && days < 0)
    return finding('UPL-CREATE', STEP, 'fail', title, 'Not ready: the certificate has expired (UPL-KEY).');
  if (!facts.apim.ok) return unknownFinding('UPL-CREATE', STEP, title, 'the API Management instance', facts.apim);
  if (!facts.apimCertificates.ok) return unknownFinding('UPL-CREATE', STEP, title, "API Management's certificates", facts.apimCertificates);
  const existing = facts.apimCertificates.value.find((c) => c.name.toLowerCase() === intent.certificateId.toLowerCase());
  if (existing && !existing.keyVault && existing.thumbprint && existing.thumbprint.toUpperCase() === i.thumbprint.toUpperCase()) {
    return finding('UPL-CREATE', STEP, 'pass', title, `"${existing.name}" already holds this certificate (thumbprint ${i.thumbprint}).`);
  }
  const fix = makePlan('UPL-CREATE', facts, {
    title: `${existing ? 'Replace' : 'Upload'} certificate "${intent.certificateId}" (${i.subject})`,
    operations: [
      {
        kind: 'apim.uploadCertificate',
        apimId: facts.apim.value.id,
        certificateId: intent.certificateId,
        pfx: intent.pfx,
        password: intent.password,
        ...(existing?.etag ? { ifMatch: existing.etag } : {}),
      },
    ],
    disruption: existing
      ? `Policies that use "${existing.name}" switch to the uploaded certificate at once.`
      : 'None: a new certificate entity is added.',
  });
  return finding(
    'UPL-CREATE',
    STEP,
    'warn',
    title,
    `Not uploaded yet: apply to ${existing ? 'replace' : 'add'} "${intent.certificateId}" (thumbprint ${i.thumbprint}).`,
    { evidence: [`file: ${intent.path}`, `thumbprint: ${i.thumbprint}`], fix },
  );
}

export function checkRotate(facts: Facts): Finding {
  const title = 'Uploaded certificates do not rotate';
  if (!pfxIntent(facts)) return notPfx('UPL-ROTATE', title, facts);
  return finding(
    'UPL-ROTATE',
    STEP,
    'info',
    title,
    'An uploaded certificate never renews itself: you must upload the next one before this expires. A Key Vault reference without a version follows renewals within four hours.',
  );
}

export function uploadChecks(facts: Facts): Finding[] {
  return [checkFile(facts), checkKey(facts), checkUploadCreate(facts), checkRotate(facts)];
}
