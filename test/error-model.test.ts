// One error model: the kind decides the exit code and the hint; what was not raised on purpose is a bug.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignInError } from '../src/azure/credential.ts';
import { AzureCallError } from '../src/azure/errors.ts';
import { ApimkvError, ConnectError, EXIT_CODES, InputError, kindOf, reportError, UsageError } from '../src/error-model.ts';
import { PasswordError } from '../src/runbook/password.ts';
import { WorldError } from '../src/sandbox/world.ts';

test('each error class has its kind, and the kind its exit code', () => {
  const cases: [unknown, string][] = [
    [new UsageError('--plan and --yes'), 'usage'],
    [new InputError('No check named X'), 'input'],
    [new PasswordError('not set'), 'input'],
    [new WorldError('bad world'), 'input'],
    [new ConnectError('not found'), 'connection'],
    [new SignInError('Azure CLI', 'Please run az login', 'Run "az login".'), 'sign-in'],
    [new AzureCallError({ kind: 'Forbidden', status: 403, message: 'denied' }), 'azure'],
    [Object.assign(new Error('Conflict'), { name: 'RestError', statusCode: 409 }), 'azure'],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'connection'],
    [new TypeError("Cannot read properties of undefined (reading 'id')"), 'bug'],
    ['a string', 'bug'],
  ];
  for (const [e, kind] of cases) assert.equal(kindOf(e), kind, String(e));
  assert.equal(new UsageError('x').exitCode, 2);
  assert.deepEqual(EXIT_CODES, { usage: 2, 'sign-in': 2, connection: 2, azure: 2, input: 2, bug: 70 });
});

test('a bug says it is one, with the stack only under --verbose', () => {
  const e = new TypeError("Cannot read properties of undefined (reading 'id')");
  const plain = reportError(e, false);
  assert.equal(plain.exitCode, 70);
  assert.match(plain.text, /^apimkv: unexpected error \(a bug in apimkv\): Cannot read properties of undefined/);
  assert.match(plain.text, /Run again with --verbose and report what it prints/);
  assert.doesNotMatch(plain.text, /at .*error-model\.test\.ts/);
  assert.match(reportError(e, true).text, /TypeError: Cannot read properties[\s\S]*at .*error-model\.test\.ts/);
});

test('errors raised on purpose print their message and hint, never "bug"', () => {
  const signIn = reportError(new SignInError('Azure CLI', 'Please run az login', 'Run "az login --tenant t".'), true);
  assert.equal(signIn.exitCode, 2);
  assert.match(signIn.text, /^apimkv: Sign-in failed \(Azure CLI\): Please run az login\napimkv: Run "az login --tenant t"\.\n/);
  assert.doesNotMatch(reportError(new ApimkvError('input', 'no such file'), false).text, /bug/);
});
