import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { AuthenticationError } from '@azure/identity';
import { SignInError } from '../../src/azure/credential.ts';
import {
  AzureCallError,
  parseAuthorizationFailed,
  parseClientAddress,
  retryAfterMsFrom,
  roleForAction,
  toAzureError,
} from '../../src/azure/errors.ts';
import { describeError } from '../../src/screens/describe-error.ts';

const URL_ = 'https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv?api-version=2026-02-01';

function rest(status: number | undefined, body?: unknown, headers: Record<string, string> = {}, code?: string): RestError {
  const request = createPipelineRequest({ url: URL_, method: 'PATCH', body: '{"secret":"do-not-leak"}' });
  const text = body === undefined ? undefined : JSON.stringify(body);
  const parsed = body as { error?: { code?: string; message?: string } } | undefined;
  return new RestError(parsed?.error?.message ?? 'failed', {
    statusCode: status,
    code: code ?? parsed?.error?.code,
    request,
    response: status === undefined ? undefined : { status, headers: createHttpHeaders(headers), request, bodyAsText: text },
  });
}

const AUTH_FAILED =
  "The client 'sre@contoso.com' with object id '11111111-1111-1111-1111-111111111111' does not have authorization to perform action 'Microsoft.KeyVault/vaults/write' over scope '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv' or the scope is invalid. If access was recently granted, please refresh your credentials.";

test('mapping table: status and code -> kind, code, missing action, hint', () => {
  const rows: [RestError, Partial<ReturnType<typeof toAzureError>>][] = [
    [
      rest(404, { error: { code: 'ResourceNotFound', message: 'The Resource was not found.' } }),
      { kind: 'NotFound', status: 404, code: 'ResourceNotFound' },
    ],
    [
      rest(403, { error: { code: 'AuthorizationFailed', message: AUTH_FAILED } }),
      { kind: 'Forbidden', status: 403, code: 'AuthorizationFailed', missingAction: 'Microsoft.KeyVault/vaults/write' },
    ],
    [
      rest(429, { error: { code: 'TooManyRequests', message: 'slow down' } }, { 'x-ms-retry-after-ms': '20', 'retry-after': '30' }),
      { kind: 'Throttled', status: 429, retryAfterMs: 20 },
    ],
    [
      rest(409, { error: { code: 'RoleAssignmentExists', message: 'The role assignment already exists.' } }),
      { kind: 'Conflict', code: 'RoleAssignmentExists', hint: 'An equal role assignment exists already.' },
    ],
    [rest(412, { error: { code: 'PreconditionFailed', message: 'etag mismatch' } }), { kind: 'PreconditionFailed', status: 412 }],
    [rest(500, { error: { code: 'InternalServerError', message: 'oops' } }), { kind: 'Transient', status: 500 }],
    [rest(503, { error: { code: 'ServiceUnavailable', message: 'later' } }), { kind: 'Transient', status: 503 }],
    [rest(408, undefined), { kind: 'Transient', status: 408 }],
    [
      rest(400, { error: { code: 'InvalidIdentityValues', message: 'bad identity' } }),
      { kind: 'BadRequest', code: 'InvalidIdentityValues', message: 'bad identity' },
    ],
    [
      rest(undefined, undefined, {}, 'ECONNREFUSED'),
      { kind: 'Network', code: 'ECONNREFUSED', message: 'Could not reach management.azure.com (ECONNREFUSED).' },
    ],
    [rest(undefined, undefined, {}, 'ENOTFOUND'), { kind: 'Network', code: 'ENOTFOUND' }],
    [rest(undefined, undefined, {}, 'ECONNRESET'), { kind: 'Network', code: 'ECONNRESET' }],
    [
      rest(undefined, undefined, {}, 'ETIMEDOUT'),
      { kind: 'Network', code: 'ETIMEDOUT', message: 'No answer from management.azure.com in time.' },
    ],
  ];
  for (const [error, expected] of rows) {
    const info = toAzureError(error);
    for (const [k, v] of Object.entries(expected))
      assert.deepEqual(info[k as keyof typeof info], v, `${error.statusCode ?? error.code} ${k}`);
    assert.equal(typeof info.hint, 'string', `${error.statusCode ?? error.code} has a hint`);
  }
});

test('AuthorizationFailed hint names the role and the scope', () => {
  const info = toAzureError(rest(403, { error: { code: 'AuthorizationFailed', message: AUTH_FAILED } }));
  assert.equal(
    info.hint,
    'Ask for Key Vault Contributor on /subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv (needs Microsoft.KeyVault/vaults/write); if it was just granted, wait a few minutes and sign in again.',
  );
});

test('Key Vault firewall 403 (innererror ForbiddenByFirewall) maps to Forbidden with the client address in the hint', () => {
  const message =
    'Client address is not authorized and caller is not a trusted service.\r\nClient address: 203.0.113.50\r\nCaller: appid=x\r\nVault: kv;location=westeurope';
  const info = toAzureError(rest(403, { error: { code: 'Forbidden', message, innererror: { code: 'ForbiddenByFirewall' } } }));
  assert.equal(info.kind, 'Forbidden');
  assert.equal(info.code, 'ForbiddenByFirewall');
  assert.equal(
    info.hint,
    'The key vault firewall blocks your address 203.0.113.50: add a temporary IP rule in the Key Vault firewall step, or type the certificate identifier instead of picking it.',
  );
  assert.equal(parseClientAddress(message), '203.0.113.50');
});

// Azure Policy: a deny effect refuses the request with RequestDisallowedByPolicy naming the assignment; a role cannot lift it.
// https://learn.microsoft.com/azure/governance/policy/troubleshoot/general#scenario-requestdisallowedbypolicy
test('RequestDisallowedByPolicy is a policy denial with the assignment named, never "you lack a permission"', () => {
  const message =
    "Resource 'kv-contoso' was disallowed by policy. Reasons: 'Key vaults must deny public access'. See error details for policy resource IDs. (Policy assignment 'deny-kv-public' /subscriptions/s/providers/Microsoft.Authorization/policyAssignments/deny-kv-public)";
  const info = toAzureError(rest(403, { error: { code: 'RequestDisallowedByPolicy', message } }));
  assert.equal(info.kind, 'Forbidden');
  assert.equal(info.code, 'RequestDisallowedByPolicy');
  assert.match(info.hint ?? '', /^Azure Policy denies this change \(assignment deny-kv-public\): a role does not help/);
  assert.doesNotMatch(info.hint ?? '', /lack a permission/);
  assert.match(describeError(info).what, /^Denied by Azure Policy \(403\)/);
});

// https://learn.microsoft.com/azure/key-vault/general/private-link-diagnostics: with public network access disabled only
// private endpoints and trusted services get in.
test('public network access disabled (ForbiddenByConnection) says the network refused, not a permission', () => {
  const message =
    'Public network access is disabled and request is not from a trusted service nor via an approved private link.\r\nCaller: appid=x\r\nVault: kv;location=westeurope';
  const info = toAzureError(rest(403, { error: { code: 'Forbidden', message, innererror: { code: 'ForbiddenByConnection' } } }));
  assert.equal(info.code, 'ForbiddenByConnection');
  assert.match(info.hint ?? '', /no role or IP rule changes that/);
  assert.match(describeError(info).what, /^Blocked by the key vault's network settings \(403\)/);
});

test('abort, sign-in and identity errors', () => {
  const abort = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
  assert.deepEqual(toAzureError(abort), { kind: 'Aborted', message: 'The request was cancelled.' });
  const signIn = toAzureError(
    new SignInError('Azure CLI: az account get-access-token', 'Please run az login', 'Run "az login --tenant t".'),
  );
  assert.deepEqual(signIn, {
    kind: 'Unknown',
    code: 'SignInFailed',
    message: 'Sign-in failed (Azure CLI: az account get-access-token): Please run az login',
    hint: 'Run "az login --tenant t".',
  });
  const auth = toAzureError(new AuthenticationError(400, { error: 'invalid_grant', error_description: 'AADSTS50076: MFA required' }));
  assert.equal(auth.kind, 'Unknown');
  assert.equal(auth.code, 'SignInFailed');
});

test('messages never carry tokens or request bodies', () => {
  const e = rest(401, {
    error: { code: 'InvalidAuthenticationToken', message: 'Bad token Bearer eyJhbGciOiJIUzI1NiJ9.eyJvaWQiOiJ4In0.c2ln was rejected' },
  });
  const info = toAzureError(e);
  assert.equal(info.message, 'Bad token Bearer [redacted] was rejected');
  assert.equal(JSON.stringify(info).includes('do-not-leak'), false);
  assert.equal(JSON.stringify(info).includes('eyJ'), false);
});

test('AzureCallError carries the info through', () => {
  const info = { kind: 'Conflict' as const, message: 'x', hint: 'y' };
  assert.equal(toAzureError(new AzureCallError(info)), info);
});

test('parsers and helpers', () => {
  assert.deepEqual(parseAuthorizationFailed(AUTH_FAILED), {
    action: 'Microsoft.KeyVault/vaults/write',
    scope: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv',
  });
  assert.deepEqual(parseAuthorizationFailed('nope'), { action: undefined, scope: undefined });
  assert.equal(roleForAction('Microsoft.Network/virtualNetworks/subnets/write'), 'Network Contributor');
  assert.equal(roleForAction('Microsoft.ApiManagement/service/write'), 'API Management Service Contributor');
  assert.equal(roleForAction('Microsoft.Network/networkSecurityGroups/read'), 'Reader');
  assert.match(roleForAction('Microsoft.Authorization/roleAssignments/write'), /^Owner, User Access Administrator/);
  const h = (m: Record<string, string>) => (n: string) => m[n];
  assert.equal(retryAfterMsFrom(h({ 'retry-after-ms': '5', 'x-ms-retry-after-ms': '20' })), 5);
  assert.equal(retryAfterMsFrom(h({ 'retry-after': '3' })), 3000);
  assert.equal(
    retryAfterMsFrom(h({ 'retry-after': 'Thu, 01 Jan 2026 00:00:10 GMT' }), Date.parse('Thu, 01 Jan 2026 00:00:00 GMT')),
    10_000,
  );
  assert.equal(retryAfterMsFrom(h({})), undefined);
});

// Every vault has a DNS name; one that does not resolve does not exist, was deleted, or is missing from private DNS
// (https://learn.microsoft.com/azure/key-vault/general/private-link-diagnostics).
test('ENOTFOUND on a vault host names the vault and what it means; on ARM it stays a plain network error', () => {
  const onVault = new RestError('getaddrinfo ENOTFOUND kv-gone.vault.azure.net', {
    code: 'ENOTFOUND',
    request: createPipelineRequest({ url: 'https://kv-gone.vault.azure.net/secrets?api-version=2025-07-01', method: 'GET' }),
  });
  const info = toAzureError(onVault);
  assert.equal(info.kind, 'Network');
  assert.equal(info.code, 'ENOTFOUND');
  assert.equal(
    info.message,
    'The vault kv-gone does not resolve (kv-gone.vault.azure.net: ENOTFOUND): it does not exist or was deleted, or your DNS has no record for it.',
  );
  assert.match(info.hint ?? '', /az keyvault list-deleted/);
  assert.equal(toAzureError(rest(undefined, undefined, {}, 'ENOTFOUND')).message, 'Could not reach management.azure.com (ENOTFOUND).');
});
