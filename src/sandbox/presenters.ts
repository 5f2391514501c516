// How GET shows a stored resource, per resource type. The generic ARM layer (providers/arm.ts, lro.ts) asks
// this registry instead of knowing the providers; each provider exports its own entries and the dispatch stage
// hands the assembled registry to every request, so no generic module imports a specific one.
import type { Presenter, Presenters } from './http.ts';

export type { Presenter, Presenters } from './http.ts';

/** A provider's presenters, keyed by lower-case resource type. */
export type PresenterEntries = Readonly<Record<string, Presenter>>;

/** One registry from every provider's entries; a type claimed twice is a wiring mistake. */
export function presenterRegistry(...families: PresenterEntries[]): Presenters {
  const registry = new Map<string, Presenter>();
  for (const family of families) {
    for (const [type, presenter] of Object.entries(family)) {
      const key = type.toLowerCase();
      if (registry.has(key)) throw new Error(`two presenters for ${key}`);
      registry.set(key, presenter);
    }
  }
  return registry;
}
