// The jSquash codecs (mozjpeg, libwebp, Rust png/resize) as plain functions over RGBA pixels.
//
// Left alone, each codec fetches its .wasm from beside its own JS file, which does not exist
// inside a `bun build --compile` executable. Importing the .wasm files `with { type: "file" }`
// embeds them; Bun.file() reads them back (from the binary, or from node_modules when run from
// source) and the compiled module is handed to the codec's init(). Each codec is set up on first
// use only, once, so a server that never receives an image never pays for it.
import jpegDecodeWasm from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm" with { type: "file" };
import jpegEncodeWasm from "@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm" with { type: "file" };
import pngWasm from "@jsquash/png/codec/pkg/squoosh_png_bg.wasm" with { type: "file" };
import resizeWasm from "@jsquash/resize/lib/resize/pkg/squoosh_resize_bg.wasm" with { type: "file" };
import webpDecodeWasm from "@jsquash/webp/codec/dec/webp_dec.wasm" with { type: "file" };
import webpEncodeWasm from "@jsquash/webp/codec/enc/webp_enc.wasm" with { type: "file" };
import webpEncodeSimdWasm from "@jsquash/webp/codec/enc/webp_enc_simd.wasm" with { type: "file" };
import jpegDecode, { init as initJpegDecode } from "@jsquash/jpeg/decode";
import jpegEncode, { init as initJpegEncode } from "@jsquash/jpeg/encode";
import pngDecode, { init as initPngDecode } from "@jsquash/png/decode";
import pngEncode, { init as initPngEncode } from "@jsquash/png/encode";
// Called directly rather than through @jsquash/resize's default export, which builds results
// with a global ImageData that Bun lacks unless another codec happened to polyfill it first.
import initResize, { resize as wasmResize } from "@jsquash/resize/lib/resize/pkg/squoosh_resize.js";
import webpDecode, { init as initWebpDecode } from "@jsquash/webp/decode";
import webpEncode, { init as initWebpEncode } from "@jsquash/webp/encode";
import { simd } from "wasm-feature-detect";

/** Straight (not premultiplied) RGBA, 4 bytes a pixel, row by row; the decoders' ImageData fits. */
export interface Pixels {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

// The emscripten codecs' init() also takes a compiled module first, although their .d.ts (1.6.0 /
// 1.5.0) only declare the options argument.
type EmscriptenInit = (
  module: WebAssembly.Module,
  options: { print(text: string): void; printErr(text: string): void },
) => Promise<unknown>;

// Per-image warnings such as "Premature end of JPEG file" would go to stderr; the failure itself
// reaches the caller as a rejected decode.
const quiet = { print: () => {}, printErr: () => {} };

async function compile(path: string): Promise<WebAssembly.Module> {
  return WebAssembly.compile(await Bun.file(path).arrayBuffer());
}

/** Runs `setup` on the first call only; a failed setup is retried by the next call. */
function once(setup: () => Promise<unknown>): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () =>
    (ready ??= setup().then(
      () => undefined,
      (error: unknown) => {
        ready = undefined;
        throw error;
      },
    ));
}

function emscripten(init: unknown, wasmPath: string): () => Promise<void> {
  return once(async () => (init as EmscriptenInit)(await compile(wasmPath), quiet));
}

const jpegDecodeReady = emscripten(initJpegDecode, jpegDecodeWasm);
const jpegEncodeReady = emscripten(initJpegEncode, jpegEncodeWasm);
const webpDecodeReady = emscripten(initWebpDecode, webpDecodeWasm);
// @jsquash/webp picks its SIMD or plain encoder glue with this same simd() check, so the
// embedded .wasm handed over must be the matching one.
const webpEncodeReady = once(async () =>
  (initWebpEncode as unknown as EmscriptenInit)(await compile((await simd()) ? webpEncodeSimdWasm : webpEncodeWasm), quiet),
);
// The PNG decoder and encoder share one wasm-bindgen instance.
const pngReady = once(async () => {
  const module = await compile(pngWasm);
  await initPngDecode(module);
  await initPngEncode(module);
});
const resizeReady = once(async () => initResize(await compile(resizeWasm)));

/** A fresh ArrayBuffer holding exactly `bytes`, as the decoders take whole buffers. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

/** Decodes a JPEG, applying its EXIF orientation so that the pixels come out upright. */
export async function decodeJpeg(bytes: Uint8Array): Promise<Pixels> {
  await jpegDecodeReady();
  return jpegDecode(ownBuffer(bytes), { preserveOrientation: true });
}

export async function decodePng(bytes: Uint8Array): Promise<Pixels> {
  await pngReady();
  return pngDecode(ownBuffer(bytes));
}

export async function decodeWebp(bytes: Uint8Array): Promise<Pixels> {
  await webpDecodeReady();
  return webpDecode(ownBuffer(bytes));
}

export async function encodeJpeg(image: Pixels, quality: number): Promise<Uint8Array> {
  await jpegEncodeReady();
  return new Uint8Array(await jpegEncode(image, { quality }));
}

export async function encodePng(image: Pixels): Promise<Uint8Array> {
  await pngReady();
  return new Uint8Array(await pngEncode(image));
}

export async function encodeWebp(image: Pixels, quality: number): Promise<Uint8Array> {
  await webpEncodeReady();
  return new Uint8Array(await webpEncode(image, { quality }));
}

/**
 * Lanczos3 in sRGB space: resizing in linear light costs ~270 ms more for a 2000×1500 photo, for
 * a difference hard to see. Alpha is premultiplied (no dark fringes around transparent areas)
 * only when some pixel is translucent, as that more than doubles the resizer's memory, which a
 * wasm instance keeps for good (163 MB instead of 70 MB for 2000×1500 → 1920×1440).
 */
export async function resizePixels(image: Pixels, width: number, height: number): Promise<Pixels> {
  await resizeReady();
  const data = wasmResize(
    new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength),
    image.width,
    image.height,
    width,
    height,
    3, // lanczos3 in squoosh_resize's method table
    hasTranslucentPixels(image), // premultiply
    false, // linear RGB
  );
  return { data, width, height };
}

function hasTranslucentPixels(image: Pixels): boolean {
  for (let alpha = 3; alpha < image.data.length; alpha += 4) {
    if (image.data[alpha] !== 255) return true;
  }
  return false;
}
