// A minimal typed event emitter (browser-safe: no node:events). A listener
// that throws is reported to `onListenerError` and does not stop the others.
export class Emitter<E extends { [K in keyof E]: (arg: never) => void }> {
  readonly #listeners = new Map<keyof E, Set<E[keyof E]>>();
  readonly #onListenerError: (e: unknown) => void;

  constructor(onListenerError: (e: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  on<K extends keyof E>(name: K, fn: E[K]): void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(fn);
  }

  off<K extends keyof E>(name: K, fn: E[K]): void {
    this.#listeners.get(name)?.delete(fn);
  }

  emit<K extends keyof E>(name: K, arg: Parameters<E[K]>[0]): void {
    for (const fn of [...(this.#listeners.get(name) ?? [])]) {
      try { (fn as unknown as (a: unknown) => void)(arg); } catch (e) { this.#onListenerError(e); }
    }
  }
}
