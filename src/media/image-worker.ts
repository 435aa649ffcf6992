// Runs the image pipeline off the main thread. The wasm codecs never give memory back, so the
// worker is ended when idle (see worker.ts) and its memory goes with it.
import { ImageError, type ProcessOptions, processImage } from "./images.ts";

declare const self: Worker;

export interface ImageJob {
  id: number;
  bytes: Uint8Array;
  options: ProcessOptions;
}

self.onmessage = async (event: MessageEvent<ImageJob>) => {
  const { id, bytes, options } = event.data;
  try {
    const result = await processImage(bytes, options);
    self.postMessage({ id, ok: true, result }, [
      result.bytes.buffer as ArrayBuffer,
      result.thumbnail.bytes.buffer as ArrayBuffer,
    ]);
  } catch (error) {
    const code = error instanceof ImageError ? error.code : null;
    self.postMessage({ id, ok: false, code, message: error instanceof Error ? error.message : String(error) });
  }
};
