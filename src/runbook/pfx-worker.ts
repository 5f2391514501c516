// The .pfx parse, off the main thread (see pfx.ts): key derivation is CPU-bound, and the screen must keep
// answering Esc, q and Ctrl-C meanwhile.
import { parentPort, workerData } from 'node:worker_threads';
import { Secret } from '../checks/secret.ts';
import { inspectBytes } from './pfx.ts';

const data = workerData as { bytes: Uint8Array; path: string; password: string };
parentPort!.postMessage(inspectBytes(Buffer.from(data.bytes), data.path, new Secret(data.password, 'pfx password')));
