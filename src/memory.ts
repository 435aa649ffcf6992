/** What the pacer reads and does: the JavaScript heap's size, and a full collection. */
export interface Heap {
  size(): number;
  collect(): void;
}

/** The least growth past the last collection's heap that starts a collection. */
const BUDGET_BYTES = 24 * 1024 * 1024;
const SETTLE_MS = 2_000;

/**
 * Collects the heap once it has grown 24 MB, or half its size, past what the last collection
 * left. JavaScriptCore lets a heap double before collecting, and every page rendered and
 * activity received leaves garbage (HTML strings, JSON-LD documents): in the load run the heap
 * went from 40 MB live to 115 MB between collections, and its memory goes back to the system
 * only after one. A full collection of Skein's ~40 MB heap takes ~45 ms: about one a second
 * under that load, none when idle (one 2 s after start). One pacer
 * per process, however many servers run in it (tests run several): `start` returns its stop.
 */
export function heapPacer(heap: Heap, everyMs: number) {
  let servers = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  let floor = 0;
  let collections = 0;
  const collect = () => {
    heap.collect();
    collections++;
    floor = heap.size();
  };
  const check = () => {
    if (heap.size() > floor + Math.max(BUDGET_BYTES, floor / 2)) collect();
  };
  return {
    start(): () => void {
      servers++;
      if (!timer) {
        timer = setInterval(check, everyMs);
        // Starting and the first requests allocate a lot once: gone before the instance idles.
        setTimeout(() => timer && collect(), SETTLE_MS).unref();
      }
      timer.unref();
      let stopped = false;
      return () => {
        if (stopped) return;
        stopped = true;
        if (--servers > 0) return;
        clearInterval(timer);
        timer = undefined;
        floor = 0;
      };
    },
    /** Collections asked for so far. */
    collections: () => collections,
  };
}

// The heap's blocks (heapTotal) grow as it allocates; its size (heapUsed, bun:jsc heapSize) only
// moves when JavaScriptCore collects, so pacing on it waited for JavaScriptCore's own collections.
const processPacer = heapPacer({ size: () => process.memoryUsage().heapTotal, collect: () => Bun.gc(true) }, 250);

/** Starts pacing this process's heap (once, however many servers); returns the stop. */
export const paceHeap = processPacer.start;
