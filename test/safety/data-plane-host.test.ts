// Data-plane requests (and the Key Vault token the vault's challenge asks for) go only to
// https://<vault name>.<the cloud's vault suffix> on the default port: a vaultUri from ARM that points elsewhere,
// or a vault host on another port, gets no connection at all. A listener that records every TCP connection
// proves it, and the same listener is reached when its port is the allowed one (so it can fail).
// Suffixes: https://learn.microsoft.com/azure/key-vault/about-keys-secrets-and-certificates#object-identifiers
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import type { TokenCredential } from '@azure/core-auth';
import { createClients } from '../../src/azure/clients.ts';
import { AZURE_CHINA_CLOUD, AZURE_PUBLIC_CLOUD, sandboxCloud } from '../../src/azure/cloud.ts';
import { vaultUriProblem } from '../../src/azure/data-plane-host.ts';
import { probeDataPlane } from '../../src/azure/gather.ts';
import { connectToSandbox } from '../../src/azure/sandbox-connection.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { figure } from './figures.ts';

let sandbox: Sandbox;
let listener: Server;
let listenerPort = 0;
let connections = 0;

before(async () => {
  sandbox = await startSandbox({ world: 'healthy' });
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  listenerPort = (listener.address() as { port: number }).port;
});
after(async () => {
  await sandbox.close();
  await new Promise((resolve) => listener.close(resolve));
});

/** Clients on the sandbox's agent (it resolves every *.localhost to 127.0.0.1) whose credential counts token requests. */
function rig(endpoint = sandbox.endpoint) {
  const link = connectToSandbox(sandbox, sandbox.world().subscriptions[0]!.subscriptionId);
  const scopes: string[] = [];
  const credential: TokenCredential = {
    getToken: (scope, options) => {
      scopes.push(...[scope].flat());
      return link.credential.getToken(scope, options);
    },
  };
  const clients = createClients({ ...link, profile: sandboxCloud(endpoint), credential, retry: { maxRetries: 0 } });
  return { clients, scopes };
}

test('the allow-list: only https://<vault name>.<suffix>/ on the default port', () => {
  const refused = [
    'https://kv1.vault.azure.net:8443/',
    'https://kv1.vault.azure.net.attacker.example/',
    'https://attacker.example/',
    'http://kv1.vault.azure.net/',
    'https://a.kv1.vault.azure.net/',
    'https://user:pw@kv1.vault.azure.net/',
    'https://kv1.vault.azure.cn/',
    'https://kv1.vault.azure.net/secrets/',
    'https://-x.vault.azure.net/',
    'not a url',
  ];
  for (const uri of refused) assert.ok(vaultUriProblem(AZURE_PUBLIC_CLOUD, uri), uri);
  for (const uri of ['https://kv1.vault.azure.net/', 'https://KV-Contoso-1.Vault.Azure.Net:443/', 'https://kv1.vault.azure.net'])
    assert.equal(vaultUriProblem(AZURE_PUBLIC_CLOUD, uri), undefined, uri);
  assert.equal(vaultUriProblem(AZURE_CHINA_CLOUD, 'https://kv1.vault.azure.cn/'), undefined);
  // The sandbox: its own suffix, on its own port only.
  const sb = sandboxCloud('https://127.0.0.1:41234');
  assert.equal(vaultUriProblem(sb, 'https://kv1.vault.localhost:41234/'), undefined);
  assert.match(vaultUriProblem(sb, 'https://kv1.vault.localhost:41235/')!, /not on port 41234/);
  assert.match(vaultUriProblem(sb, 'https://kv1.vault.localhost/')!, /not on port 41234/);
});

test('a vaultUri pointing elsewhere, or a vault host on another port: no connection, no token, an error naming the URI', async () => {
  const { clients, scopes } = rig();
  for (const uri of [`https://kv-contoso-certs.vault.localhost:${listenerPort}/`, `https://attacker.localhost:${listenerPort}/`]) {
    const probe = await probeDataPlane(clients, uri);
    assert.equal(probe.ok, false, uri);
    assert.ok(!probe.ok && probe.message.includes(JSON.stringify(uri)), !probe.ok ? probe.message : uri);
    assert.match(!probe.ok ? probe.message : '', /sent it no request and no token/);
    assert.throws(() => clients.secretClient(uri), /sent it no request and no token/);
  }
  figure('connections to refused vault hosts', connections);
  assert.equal(connections, 0, 'the listener was never connected to');
  assert.deepEqual(scopes, [], 'no token was asked for');
});

test('controls: the same listener is reached when its port is the allowed one, and a real vault gets its token', async () => {
  const before = connections;
  const atListener = rig(`https://127.0.0.1:${listenerPort}`);
  const probe = await probeDataPlane(atListener.clients, `https://kv-contoso-certs.vault.localhost:${listenerPort}/`);
  assert.ok(probe.ok ? probe.value.status === 'unreachable' : true);
  assert.ok(connections > before, 'the recording listener saw the allowed host');

  const real = rig();
  const vaultUri = `https://kv-contoso-certs.vault.localhost:${new URL(sandbox.endpoint).port}/`;
  const ok = await probeDataPlane(real.clients, vaultUri);
  assert.ok(ok.ok && ok.value.status === 'ok', JSON.stringify(ok));
  assert.ok(
    real.scopes.some((s) => /vault\.localhost/.test(s)),
    `a vault token was asked for: ${real.scopes.join(', ')}`,
  );
});
