// The full-screen modules are loaded with the global fetch hidden. Ink's layout engine (yoga) gets its
// WebAssembly with fetch() of a data: URL whenever fetch is a function, and Node's first fetch loads its whole
// HTTP client (undici) before the first frame can be drawn; without fetch yoga decodes the same embedded bytes
// synchronously (yoga-layout's Emscripten loader: `typeof fetch != "function"`).

/** Run `load` (a dynamic import) with globalThis.fetch undefined; fetch is back as it was once it settles. */
export async function withoutFetch<T>(load: () => Promise<T>): Promise<T> {
  const fetch = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (!fetch?.configurable) return load();
  Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await load();
  } finally {
    Object.defineProperty(globalThis, 'fetch', fetch);
  }
}
