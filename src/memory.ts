import { heapSize } from "bun:jsc";

/** The least growth past the last collection's heap that starts a collection. */
const BUDGET_BYTES = 24 * 1024 * 1024;
const EVERY_MS = 250;

let servers = 0;
let timer: ReturnType<typeof setInterval> | undefined;
let floor = 0;
let collections = 0;

/**
 * Collects the JavaScript heap once it has grown 24 MB, or half its size, past what the last
 * collection left. JavaScriptCore lets a heap double before collecting, and every page rendered
 * and activity received leaves garbage (HTML strings, JSON-LD documents): in the load run the
 * heap went from 40 MB live to 115 MB between collections, and its memory goes back to the
 * system only after one. A full collection of Skein's ~40 MB heap takes ~45 ms: about one a
 * second under that load, none when idle. The first check frees what starting allocated.
 * One pacer per process, however many servers run in it (tests run several); returns its stop.
 */
export function paceHeap(): () => void {
  servers++;
  timer ??= setInterval(() => {
    if (heapSize() <= floor + Math.max(BUDGET_BYTES, floor / 2)) return;
    Bun.gc(true);
    collections++;
    floor = heapSize();
  }, EVERY_MS);
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
}

/** Collections the pacer asked for since the process started. */
export function pacedCollections(): number {
  return collections;
}
