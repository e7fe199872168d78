/**
 * Runs operations one after another per key (a file name, a topic): each starts once the
 * previous one for its key has settled, whether it succeeded or failed, so the last write
 * asked for is the last one done. Keys with nothing pending hold no entry.
 */
export class KeyedOrder {
  private readonly chains = new Map<string, Promise<void>>();

  /** `operation` after every earlier one for `key`; settles as it does. */
  run<T>(key: string, operation: () => Promise<T>): Promise<T> {
    const result = (this.chains.get(key) ?? Promise.resolve()).then(operation, operation);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(key, settled);
    void settled.then(() => {
      if (this.chains.get(key) === settled) this.chains.delete(key);
    });
    return result;
  }

  /** How many keys have an operation pending (tests, gauges). */
  get pendingKeys(): number {
    return this.chains.size;
  }
}
