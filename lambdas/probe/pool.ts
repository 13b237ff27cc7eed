/** Told what a pool is doing, e.g. to draw progress on a terminal. */
export interface ProgressObserver {
  /** How many items the run will go through. */
  planned(total: number): void;
  started(id: number, label: string): void;
  finished(id: number): void;
}

/** An observer of one {@link mapWithLimit} run and how it names each item. */
export interface PoolProgress<T> {
  observer: ProgressObserver;
  label(item: T): string;
}

/**
 * Maps items through an async function with at most `limit` calls in flight, keeping input order.
 * `fn` must not throw (probes return their failures as data); a throw still rejects the whole map.
 */
export async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
  progress?: PoolProgress<T>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  progress?.observer.planned(items.length);
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      progress?.observer.started(index, progress.label(items[index]));
      try {
        results[index] = await fn(items[index]);
      } finally {
        progress?.observer.finished(index);
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}
