import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateFlow, freePriorityBelow, portMatches, regionalTag, type NsgFlow } from '../../src/checks/nsg.ts';
import { rule } from './builders.ts';

const KV: NsgFlow = {
  destinationTags: ['AzureKeyVault', 'AzureKeyVault.westeurope'],
  port: 443,
  protocol: 'Tcp',
  sourcePrefixes: ['10.0.1.0/24'],
};

describe('NSG port ranges', () => {
  const table: [string, boolean][] = [
    ['443', true],
    ['400-500', true],
    ['*', true],
    ['80,443', true],
    ['80, 8443', false],
    ['444-500', false],
    ['4430', false],
    ['Any', true],
  ];
  for (const [spec, expected] of table)
    it(`"${spec}" ${expected ? 'includes' : 'excludes'} 443`, () => assert.equal(portMatches(spec, 443), expected));
});

describe('evaluateFlow', () => {
  const cases: { name: string; rules: ReturnType<typeof rule>[]; access: 'Allow' | 'Deny'; by: string }[] = [
    { name: 'no custom rules: AllowInternetOutBound (default) decides', rules: [], access: 'Allow', by: 'AllowInternetOutBound' },
    {
      name: 'deny on AzureKeyVault wins over a later allow',
      rules: [
        rule({ name: 'deny-kv', priority: 100, access: 'Deny', destinationAddressPrefixes: ['AzureKeyVault'] }),
        rule({ name: 'allow-kv', priority: 200, destinationAddressPrefixes: ['AzureKeyVault'] }),
      ],
      access: 'Deny',
      by: 'deny-kv',
    },
    {
      name: 'lower priority number first regardless of list order',
      rules: [
        rule({ name: 'deny-all', priority: 300, access: 'Deny', destinationAddressPrefixes: ['*'], destinationPortRanges: ['*'] }),
        rule({ name: 'allow-kv', priority: 200, destinationAddressPrefixes: ['AzureKeyVault'] }),
      ],
      access: 'Allow',
      by: 'allow-kv',
    },
    {
      name: 'regional tag matches',
      rules: [rule({ name: 'deny-regional', priority: 100, access: 'Deny', destinationAddressPrefixes: ['AzureKeyVault.WestEurope'] })],
      access: 'Deny',
      by: 'deny-regional',
    },
    {
      name: 'Internet tag covers Key Vault',
      rules: [
        rule({
          name: 'deny-internet',
          priority: 100,
          access: 'Deny',
          destinationAddressPrefixes: ['Internet'],
          destinationPortRanges: ['*'],
        }),
      ],
      access: 'Deny',
      by: 'deny-internet',
    },
    {
      name: 'port range 400-500 matches',
      rules: [
        rule({ name: 'deny-range', priority: 100, access: 'Deny', destinationAddressPrefixes: ['*'], destinationPortRanges: ['400-500'] }),
      ],
      access: 'Deny',
      by: 'deny-range',
    },
    {
      name: 'other port does not match',
      rules: [rule({ name: 'deny-80', priority: 100, access: 'Deny', destinationAddressPrefixes: ['*'], destinationPortRanges: ['80'] })],
      access: 'Allow',
      by: 'AllowInternetOutBound',
    },
    {
      name: 'UDP rule does not match TCP',
      rules: [rule({ name: 'deny-udp', priority: 100, access: 'Deny', protocol: 'Udp', destinationAddressPrefixes: ['*'] })],
      access: 'Allow',
      by: 'AllowInternetOutBound',
    },
    {
      name: 'other destination tag does not match',
      rules: [rule({ name: 'deny-storage', priority: 100, access: 'Deny', destinationAddressPrefixes: ['Storage'] })],
      access: 'Allow',
      by: 'AllowInternetOutBound',
    },
    {
      name: 'source prefix outside the subnet does not match',
      rules: [
        rule({
          name: 'deny-other-src',
          priority: 100,
          access: 'Deny',
          sourceAddressPrefixes: ['10.9.0.0/16'],
          destinationAddressPrefixes: ['*'],
        }),
      ],
      access: 'Allow',
      by: 'AllowInternetOutBound',
    },
    {
      name: 'source prefix containing the subnet matches',
      rules: [
        rule({
          name: 'deny-vnet-src',
          priority: 100,
          access: 'Deny',
          sourceAddressPrefixes: ['10.0.0.0/16'],
          destinationAddressPrefixes: ['*'],
        }),
      ],
      access: 'Deny',
      by: 'deny-vnet-src',
    },
    {
      name: 'inbound rules are ignored',
      rules: [rule({ name: 'deny-in', priority: 100, direction: 'Inbound', access: 'Deny', destinationAddressPrefixes: ['*'] })],
      access: 'Allow',
      by: 'AllowInternetOutBound',
    },
    {
      name: 'default rules from the facts are used as given',
      rules: [
        rule({
          name: 'DenyAllOutBound',
          priority: 65500,
          access: 'Deny',
          protocol: '*',
          sourceAddressPrefixes: ['*'],
          destinationAddressPrefixes: ['*'],
          destinationPortRanges: ['*'],
          isDefault: true,
        }),
      ],
      access: 'Deny',
      by: 'DenyAllOutBound',
    },
    {
      name: 'port lists match',
      rules: [
        rule({
          name: 'deny-list',
          priority: 100,
          access: 'Deny',
          destinationAddressPrefixes: ['AzureKeyVault'],
          destinationPortRanges: ['80', '443'],
        }),
      ],
      access: 'Deny',
      by: 'deny-list',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const verdict = evaluateFlow(c.rules, KV);
      assert.deepEqual([verdict.access, verdict.rule.name], [c.access, c.by]);
    });
  }

  it('AzureActiveDirectory flow is not matched by an AzureKeyVault rule', () => {
    const verdict = evaluateFlow(
      [rule({ name: 'deny-kv', priority: 100, access: 'Deny', destinationAddressPrefixes: ['AzureKeyVault'] })],
      { ...KV, destinationTags: ['AzureActiveDirectory'] },
    );
    assert.equal(verdict.rule.name, 'AllowInternetOutBound');
  });
});

describe('freePriorityBelow', () => {
  it('takes the highest free priority below the blocking rule', () => {
    const deny = rule({ name: 'deny', priority: 300, access: 'Deny' });
    assert.equal(
      freePriorityBelow([deny, rule({ name: 'a', priority: 299 }), rule({ name: 'b', priority: 298, direction: 'Inbound' })], deny),
      298,
    );
  });
  it('caps at 4096 below a default rule', () => {
    const deny = rule({ name: 'DenyAllOutBound', priority: 65500, access: 'Deny', isDefault: true });
    assert.equal(freePriorityBelow([deny, rule({ name: 'x', priority: 4096 })], deny), 4095);
  });
  it('gives up when every priority down to 100 is taken', () => {
    const deny = rule({ name: 'deny', priority: 101, access: 'Deny' });
    assert.equal(freePriorityBelow([deny, rule({ name: 'x', priority: 100 })], deny), undefined);
  });
  it('builds regional tags', () => assert.equal(regionalTag('AzureKeyVault', 'West Europe'), 'AzureKeyVault.westeurope'));
});
