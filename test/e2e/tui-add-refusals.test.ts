// The TUI's add flow refuses before any preview what API Management's fetch would refuse, with the same rules as
// add-cert and the checks (CERT-CREATE): a PEM secret (configure-custom-domain: PKCS#12 only), an expired version
// (api-management-howto-mutual-certificates), and a user-assigned identity behind the vault firewall
// (api-management-howto-use-managed-service-identity: only the system identity gets the trusted-services exception).
// A real pseudo-terminal driving the built CLI against a sandbox world.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEY, start, type Session } from './harness.ts';
import { flat, SUMMARY } from './tui-support.ts';

/** From the checklist: open the picker, choose the certificate by name, the identity (0 = first), keep the id, plan. */
async function choose(s: Session, certificate: string, identityDowns: number, stop = 'Not ready to add it'): Promise<string> {
  await s.press('a');
  await s.waitFor(/\d+ of \d+ certificates/);
  await s.press('/', ...certificate, KEY.enter);
  await s.waitFor(new RegExp(`1 of \\d+ certificates matching "${certificate}"`));
  await s.press(KEY.enter);
  await s.waitFor('Which identity');
  for (let i = 0; i < identityDowns; i++) await s.press(KEY.down);
  await s.press(KEY.enter);
  await s.waitFor('Certificate id in API Management');
  s.type(KEY.backspace.repeat(30));
  await s.press(...`new-${certificate}`, KEY.enter);
  await s.waitFor('About to plan');
  await s.press(KEY.enter);
  return flat(await s.waitFor(stop));
}

/** Esc through the add screens (plan, id, identity, picker) until the checklist is back. */
async function backToChecklist(s: Session): Promise<void> {
  for (let i = 0; i < 5 && !SUMMARY.test(await s.screen()); i++) await s.press(KEY.esc);
  await s.waitFor(SUMMARY);
}

test(
  'add flow in the TUI: PEM, expired and user-assigned-behind-firewall choices are refused before any preview',
  { timeout: 180_000 },
  async () => {
    const s = start(['--sandbox', '--world', 'custom-domain-uai-behind-firewall']);
    try {
      await s.waitFor(SUMMARY, 60_000);
      const pem = await choose(s, 'legacy-pem', 0);
      assert.match(pem, /content type is application\/x-pem-file, not application\/x-pkcs12/);
      assert.doesNotMatch(pem, /Fix CERT-CREATE/);
      await backToChecklist(s);

      const expired = await choose(s, 'expired-client', 0);
      assert.match(expired, /expired on 2026-05-01/);
      assert.doesNotMatch(expired, /Fix CERT-CREATE/);
      await backToChecklist(s);

      // The user-assigned identity is refused on the identity screen itself, before the id or any plan.
      await s.press('a');
      await s.waitFor(/\d+ of \d+ certificates/);
      await s.press('/', ...'contoso-api-client', KEY.enter);
      await s.waitFor(/1 of \d+ certificates matching "contoso-api-client"/);
      await s.press(KEY.enter);
      await s.waitFor('Which identity');
      await s.press(KEY.down, KEY.enter);
      const uai = flat(await s.waitFor('Refused'));
      assert.match(uai, /User-assigned id-apim-kv .*✖/);
      assert.match(uai, /behind it API Management must use its system-assigned identity/);
      assert.doesNotMatch(uai, /Certificate id in API Management|Fix CERT-CREATE/);
      await backToChecklist(s);
      await s.press('q');
      assert.equal(await s.exited, 0);
    } finally {
      s.kill('SIGKILL');
    }
  },
);

// The chosen identity lacks access (no role on the RBAC vault): the add flow warns before the preview, names the
// failing check, and offers its fix (key-vault/general/rbac-guide: Key Vault Secrets User); Enter again previews anyway.
test(
  'add flow in the TUI: an identity without access is warned about before the preview, with the check and its fix',
  { timeout: 180_000 },
  async () => {
    const s = start(['--sandbox', '--world', 'named-value-access-lost']);
    try {
      await s.waitFor(SUMMARY, 60_000);
      const warned = await choose(s, 'contoso-api-client', 0, 'Warning: ');
      assert.match(warned, /Warning: ACC-RBAC fails for this identity/);
      assert.match(
        warned,
        /f fixes ACC-RBAC first \(Grant Key Vault Secrets User on kv-contoso-certs to apim-contoso-dev \(system identity\)\)/,
      );
      assert.doesNotMatch(warned, /Fix CERT-CREATE/);
      await s.press('f');
      const grant = flat(await s.waitFor(/Fix ACC-RBAC/));
      assert.match(grant, /Grant Key Vault Secrets User/);
      // Back without writing: the add flow starts over; chosen again, Enter on the warning previews the certificate.
      await s.press(KEY.esc);
      await backToChecklist(s);
      await choose(s, 'contoso-api-client', 0, 'Warning: ');
      await s.press(KEY.enter);
      assert.match(flat(await s.waitFor(/Fix CERT-CREATE/)), /keyVault\.secretIdentifier/);
      s.kill('SIGKILL');
    } finally {
      s.kill('SIGKILL');
    }
  },
);
