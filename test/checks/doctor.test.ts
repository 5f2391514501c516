// The doctor's verdicts as a pure function of machine facts: the cases a machine in this test run cannot show
// (an old Node, a Cloud Shell login, half a service principal, a state directory that is not writable).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { doctorLines, type MachineFacts } from '../../src/checks/doctor.ts';

const machine = (edit: (f: MachineFacts) => void = () => {}): MachineFacts => {
  const f: MachineFacts = {
    node: { version: 'v24.21.0' },
    az: {
      found: true,
      version: '2.67.0',
      account: { user: 'sre@contoso.com', userType: 'user', tenantId: 't-1', subscriptionId: 's-1', cloudName: 'AzureCloud' },
    },
    credentialVariables: [],
    proxies: [],
    cloud: { name: 'AzureCloud', source: 'the default' },
    hosts: [{ role: 'ARM', host: 'management.azure.com', addresses: ['20.0.0.1'] }],
    stateDir: { path: '/home/sre/.local/state/apimkv', exists: true, mode: 0o40700, ownedByMe: true, writable: true, openTemporary: [] },
    terminal: {
      stdoutTTY: true,
      columns: 120,
      rows: 40,
      colorDepth: 8,
      noColor: false,
      term: 'xterm-256color',
      utf8: true,
      locale: 'en_GB.UTF-8',
    },
  };
  edit(f);
  return f;
};
const line = (f: MachineFacts, id: string) => doctorLines(f).find((l) => l.id === id);

test('a healthy machine: every line ok', () => {
  assert.deepEqual(
    doctorLines(machine()).filter((l) => l.status !== 'ok'),
    [],
  );
  assert.equal(line(machine(), 'terminal')?.detail, '120x40 (TERM=xterm-256color), colours 256 colours');
});

test('Node below 22 fails and points at the single file', () => {
  const l = line(
    machine((f) => (f.node.version = 'v20.20.2')),
    'node',
  )!;
  assert.equal(l.status, 'fail');
  assert.match(l.fix!, /single-file apimkv/);
});

test('a Cloud Shell login: said to reach only its own tenant, with the way to another', () => {
  const l = line(
    machine((f) => (f.az.account!.ownTenantOnly = 'Cloud Shell')),
    'az-tenant',
  )!;
  assert.match(l.detail, /a Cloud Shell login gets tokens only for its own tenant \(t-1\)/);
  assert.match(l.fix!, /az login --tenant <id>.*--device-code --tenant <id>/);
});

test('half a service principal in the environment is a warning naming what is missing', () => {
  const l = line(
    machine((f) => (f.credentialVariables = ['AZURE_CLIENT_SECRET'])),
    'env-credentials',
  )!;
  assert.equal(l.status, 'warn');
  assert.match(l.detail, /needs AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET/);
});

test('a state directory you cannot write fails: no write could be journalled', () => {
  const l = line(
    machine((f) => (f.stateDir.writable = false)),
    'state-dir',
  )!;
  assert.equal(l.status, 'fail');
  assert.match(l.detail, /mode 700: not writable by you/);
});

test('a cloud registered in az (not one apimkv knows) is a warning, its hosts unchecked', () => {
  const l = line(
    machine((f) => {
      f.cloud = { name: 'AzureStackHub', source: "the Azure CLI's active cloud", unknown: true };
      f.hosts = [];
    }),
    'cloud',
  )!;
  assert.equal(l.status, 'warn');
  assert.match(l.fix!, /--arm-endpoint/);
});
