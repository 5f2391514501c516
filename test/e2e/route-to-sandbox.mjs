// Test-only preload (NODE_OPTIONS=--import=<this file>) for the CLI under test: TLS connections to the hostnames
// in APIMKV_TEST_ROUTE ("host,*.suffix=>127.0.0.1:PORT") go to the sandbox instead of Azure, so the product runs
// unchanged with a real cloud's endpoints. servername stays the real name: the certificate is still verified
// for it. Any other name (except loopback) is refused, so a stray request fails instead of reaching the
// internet. APIMKV_TEST_CONNECT_LOG, when set, gets every hostname a connection was asked for.
import { appendFileSync } from 'node:fs';
import tls from 'node:tls';

const [names = '', target = ''] = (process.env.APIMKV_TEST_ROUTE ?? '').split('=>');
const [toHost, toPort] = target.split(':');
const routed = names
  .split(',')
  .filter(Boolean)
  .map((n) => (n.startsWith('*.') ? (h) => h.endsWith(n.slice(1)) && !h.slice(0, -n.length + 1).includes('.') : (h) => h === n));
const connect = tls.connect;

// https.Agent#createConnection calls tls.connect(options) through the module object, so replacing it here
// reaches every Azure SDK client (they use https.request with an agent).
tls.connect = function (options, ...rest) {
  if (!options || typeof options !== 'object') return connect.call(this, options, ...rest);
  const host = String(options.host ?? '').toLowerCase();
  if (process.env.APIMKV_TEST_CONNECT_LOG) appendFileSync(process.env.APIMKV_TEST_CONNECT_LOG, `${host}\n`);
  const loopback = host === '127.0.0.1' || host === 'localhost' || host.endsWith('.localhost');
  if (loopback) return connect.call(this, options, ...rest);
  // Port 1 on loopback refuses at once: the client sees ECONNREFUSED for a name this test did not route.
  const to = routed.some((match) => match(host)) ? { host: toHost, port: Number(toPort) } : { host: '127.0.0.1', port: 1 };
  return connect.call(this, { ...options, ...to, servername: options.servername || host }, ...rest);
};
