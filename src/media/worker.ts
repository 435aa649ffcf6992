import { ImageError, type ImageErrorCode, type ProcessedImage, type ProcessOptions } from "./images.ts";

type Reply =
  | { id: number; ok: true; result: ProcessedImage }
  | { id: number; ok: false; code: ImageErrorCode | null; message: string };

const IDLE_MS = 20_000;

let worker: Worker | null = null;
let idleTimer: Timer | null = null;
let nextId = 1;
const pending = new Map<number, { resolve(image: ProcessedImage): void; reject(error: Error): void }>();

function start(): Worker {
  const w = new Worker(workerEntry());
  w.onmessage = (event: MessageEvent<Reply>) => {
    const reply = event.data;
    const job = pending.get(reply.id);
    pending.delete(reply.id);
    if (!job) return;
    if (reply.ok) job.resolve(reply.result);
    else job.reject(reply.code ? new ImageError(reply.message, reply.code) : new Error(reply.message));
    if (pending.size === 0) scheduleStop();
  };
  w.onerror = (event) => {
    for (const job of pending.values()) job.reject(new Error(`image worker failed: ${event.message}`));
    pending.clear();
    stop();
  };
  return w;
}

/**
 * `bun run build` compiles image-worker.ts into the executable as a second entry point, found
 * there by its path under src/; from source it is the file beside this one.
 */
function workerEntry(): string {
  const compiled = import.meta.url.startsWith("file:///$bunfs/");
  return compiled ? "./media/image-worker.ts" : new URL("./image-worker.ts", import.meta.url).href;
}

function scheduleStop(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(stop, IDLE_MS);
}

function stop(): void {
  worker?.terminate();
  worker = null;
}

/**
 * processImage in a worker thread: a large photo takes about half a second of CPU and grows the
 * codecs' memory by hundreds of MB; here it neither blocks requests nor keeps that memory once
 * uploads stop for a while.
 */
export function processImageInWorker(bytes: Uint8Array, options: ProcessOptions = {}): Promise<ProcessedImage> {
  if (idleTimer) clearTimeout(idleTimer);
  worker ??= start();
  const id = nextId++;
  const promise = new Promise<ProcessedImage>((resolve, reject) => pending.set(id, { resolve, reject }));
  worker.postMessage({ id, bytes, options });
  return promise;
}
