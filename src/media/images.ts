// Turns an uploaded image into what Skein stores and serves: the picture re-encoded without any
// metadata (EXIF, GPS, XMP, comments), scaled down to a maximum size, a small WebP thumbnail and a
// blurhash placeholder. Everything runs in wasm or plain JS so that it works inside the compiled
// executable (see src/media/wasm.ts).
import { encode as encodeBlurhash } from "blurhash";
import { applyPalette, GIFEncoder, quantize } from "gifenc";
import { GifReader } from "omggif";
import { decodeJpeg, decodePng, decodeWebp, encodeJpeg, encodePng, encodeWebp, type Pixels, resizePixels } from "./wasm.ts";
import { ascii, startsWith } from "./magic.ts";

export type ImageErrorCode = "unsupported_type" | "too_large" | "too_many_pixels" | "corrupt";

export class ImageError extends Error {
  constructor(
    message: string,
    readonly code: ImageErrorCode,
  ) {
    super(message);
    this.name = "ImageError";
  }
}

export interface ProcessedImage {
  mime: "image/jpeg" | "image/png" | "image/webp" | "image/gif";
  /** The stored original, re-encoded (so without metadata), long side at most maxSide. */
  bytes: Uint8Array;
  width: number;
  height: number;
  /** Long side at most 400. */
  thumbnail: {
    mime: "image/webp" | "image/jpeg";
    bytes: Uint8Array;
    width: number;
    height: number;
  };
  blurhash: string;
}

export interface ProcessOptions {
  /** Largest upload accepted, in bytes. Default 10 MiB. */
  maxBytes?: number;
  /** Longest side of the stored image; larger ones are scaled down. Default 1920. */
  maxSide?: number;
  /** Decompression-bomb cap, checked from the header before decoding. Default 50 million. */
  maxPixels?: number;
}

export type Mime = ProcessedImage["mime"];
type StillMime = Exclude<Mime, "image/gif">;
interface Size {
  width: number;
  height: number;
}

export const THUMBNAIL_SIDE = 400;
const JPEG_QUALITY = 85;
const WEBP_QUALITY = 85;
const THUMBNAIL_QUALITY = 80;
// Blurhash keeps only a few cosine components, so 32 pixels a side carry all it can show while
// the encoder (plain JS, a cosine per pixel per component) stays well under a millisecond.
const BLURHASH_SIDE = 32;
const BLURHASH_COMPONENTS = 4;
const JPEG_END = new Uint8Array([0xff, 0xd9]);

const decoders: Record<StillMime, (bytes: Uint8Array) => Promise<Pixels>> = {
  "image/jpeg": decodeJpeg,
  "image/png": decodePng,
  "image/webp": decodeWebp,
};
const encoders: Record<StillMime, (image: Pixels) => Promise<Uint8Array>> = {
  "image/jpeg": (image) => encodeJpeg(image, JPEG_QUALITY),
  "image/png": encodePng,
  "image/webp": (image) => encodeWebp(image, WEBP_QUALITY),
};

/** The image type from the file's magic bytes; never from its name or a client's claim. */
export function detectImageType(bytes: Uint8Array): Mime | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(bytes, ascii("GIF87a")) || startsWith(bytes, ascii("GIF89a"))) return "image/gif";
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return "image/webp";
  return null;
}

export async function processImage(bytes: Uint8Array, options: ProcessOptions = {}): Promise<ProcessedImage> {
  const { maxBytes = 10 * 1024 * 1024, maxSide = 1920, maxPixels = 50e6 } = options;
  if (bytes.length > maxBytes) {
    throw new ImageError(`image is larger than ${maxBytes} bytes`, "too_large");
  }
  const mime = detectImageType(bytes);
  if (!mime) throw new ImageError("not a JPEG, PNG, WebP or GIF image", "unsupported_type");
  const size = headerSize(bytes, mime);
  if (!size || size.width === 0 || size.height === 0) {
    throw new ImageError("image header is missing or invalid", "corrupt");
  }
  checkPixels(size.width * size.height, maxPixels);
  if (mime === "image/gif") return processGif(bytes, maxSide, maxPixels);
  if (mime === "image/webp" && isAnimatedWebp(bytes)) {
    throw new ImageError("animated WebP images are not supported", "unsupported_type");
  }
  return processStill(bytes, mime, maxSide);
}

function checkPixels(pixels: number, maxPixels: number): void {
  if (pixels > maxPixels) {
    throw new ImageError(`image has more than ${maxPixels} pixels`, "too_many_pixels");
  }
}

// ---- Dimensions from headers, read before anything is decoded ----

function u16be(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
}

function u16le(b: Uint8Array, at: number): number {
  return (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
}

function u24le(b: Uint8Array, at: number): number {
  return u16le(b, at) | ((b[at + 2] ?? 0) << 16);
}

function u32be(b: Uint8Array, at: number): number {
  return u16be(b, at) * 0x10000 + u16be(b, at + 2);
}

export function headerSize(bytes: Uint8Array, mime: Mime): Size | null {
  switch (mime) {
    case "image/jpeg":
      return jpegSize(bytes);
    case "image/png":
      // The IHDR chunk must come first: length, "IHDR", width, height.
      if (bytes.length < 24 || !startsWith(bytes, ascii("IHDR"), 12)) return null;
      return { width: u32be(bytes, 16), height: u32be(bytes, 20) };
    case "image/gif":
      // The logical screen; processGif also bounds each frame by it.
      if (bytes.length < 10) return null;
      return { width: u16le(bytes, 6), height: u16le(bytes, 8) };
    case "image/webp":
      return webpSize(bytes);
  }
}

/** The marker segments before the entropy-coded data, with their offsets; ends at SOS. */
function* jpegMarkers(bytes: Uint8Array): Generator<{ marker: number; at: number }> {
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1] ?? 0;
    if (marker === 0xff) {
      at += 1; // fill byte before a marker
      continue;
    }
    yield { marker, at };
    if (marker === 0xda) return;
    at += 2 + u16be(bytes, at + 2);
  }
}

/** The size in the frame header (SOFn), which must come before the first scan. */
function jpegSize(bytes: Uint8Array): Size | null {
  for (const { marker, at } of jpegMarkers(bytes)) {
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range.
    const isFrame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    if (isFrame && at + 9 <= bytes.length) {
      return { height: u16be(bytes, at + 5), width: u16be(bytes, at + 7) };
    }
  }
  return null;
}

/**
 * Whether the end-of-image marker follows the first scan. mozjpeg decodes a truncated file
 * without failing, filling the missing part with grey. An EXIF thumbnail carries its own
 * end marker, but it sits in APP1, before the scan.
 */
function jpegIsComplete(bytes: Uint8Array): boolean {
  const scan = [...jpegMarkers(bytes)].find(({ marker }) => marker === 0xda);
  if (!scan) return false;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).indexOf(JPEG_END, scan.at) !== -1;
}

/** The canvas size from the first chunk: extended (VP8X), lossy (VP8) or lossless (VP8L). */
function webpSize(bytes: Uint8Array): Size | null {
  if (bytes.length < 30) return null;
  if (startsWith(bytes, ascii("VP8X"), 12)) {
    return { width: u24le(bytes, 24) + 1, height: u24le(bytes, 27) + 1 };
  }
  if (startsWith(bytes, ascii("VP8 "), 12)) {
    return { width: u16le(bytes, 26) & 0x3fff, height: u16le(bytes, 28) & 0x3fff };
  }
  if (startsWith(bytes, ascii("VP8L"), 12)) {
    const bits = u16le(bytes, 21) + u16le(bytes, 23) * 0x10000;
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  return null;
}

// The VP8X animation flag. The WebP decoder only handles still images.
function isAnimatedWebp(bytes: Uint8Array): boolean {
  return startsWith(bytes, ascii("VP8X"), 12) && ((bytes[20] ?? 0) & 0x02) !== 0;
}

// ---- JPEG, PNG, WebP: decode, scale, re-encode from pixels ----

async function processStill(bytes: Uint8Array, mime: StillMime, maxSide: number): Promise<ProcessedImage> {
  if (mime === "image/jpeg" && !jpegIsComplete(bytes)) {
    throw new ImageError("JPEG data is truncated", "corrupt");
  }
  const decoded = await decodeOrCorrupt(() => decoders[mime](bytes));
  const stored = await fitWithin(decoded, maxSide);
  return {
    mime,
    bytes: await encoders[mime](stored),
    width: stored.width,
    height: stored.height,
    ...(await previews(stored)),
  };
}

async function decodeOrCorrupt<T>(decode: () => T | Promise<T>): Promise<T> {
  try {
    return await decode();
  } catch (error) {
    // The emscripten codecs throw bare numbers or objects, not Errors.
    const reason = error instanceof Error ? `: ${error.message}` : "";
    throw new ImageError(`image data is truncated or invalid${reason}`, "corrupt");
  }
}

/** The size that fits `size` within `maxSide` keeping its aspect ratio; never larger. */
function fitSize(size: Size, maxSide: number): Size {
  const scale = maxSide / Math.max(size.width, size.height);
  // A new object: `size` may be a GifReader, whose methods cannot go back from the image worker.
  if (scale >= 1) return { width: size.width, height: size.height };
  return {
    width: Math.max(1, Math.round(size.width * scale)),
    height: Math.max(1, Math.round(size.height * scale)),
  };
}

async function fitWithin(image: Pixels, maxSide: number): Promise<Pixels> {
  const { width, height } = fitSize(image, maxSide);
  if (width === image.width && height === image.height) return image;
  // Shrinking by a whole factor first (like libvips) leaves Lanczos a small step on a small
  // image: for a 4000×3000 photo, 30 ms here saves ~80 ms and ~80 MB of wasm memory there,
  // memory that a wasm instance never gives back.
  const factor = Math.floor(Math.min(image.width / width, image.height / height));
  return resizePixels(factor >= 2 ? shrink(image, factor) : image, width, height);
}

/**
 * Averages each factor×factor block into one pixel, weighting colours by alpha so that
 * transparent pixels do not darken the edges. The last width % factor columns and
 * height % factor rows are dropped: less than a pixel of the final image.
 */
function shrink(image: Pixels, factor: number): Pixels {
  const width = Math.floor(image.width / factor);
  const height = Math.floor(image.height / factor);
  const data = new Uint8ClampedArray(width * height * 4);
  const sums = new Float64Array(width * 4); // alpha-weighted R, G, B and alpha, per column
  const source = image.data;
  for (let y = 0; y < height; y++) {
    sums.fill(0);
    for (let row = y * factor; row < (y + 1) * factor; row++) {
      let at = row * image.width * 4;
      for (let x = 0; x < width * 4; x += 4) {
        for (let i = 0; i < factor; i++, at += 4) {
          const alpha = source[at + 3] ?? 0;
          sums[x] = (sums[x] ?? 0) + (source[at] ?? 0) * alpha;
          sums[x + 1] = (sums[x + 1] ?? 0) + (source[at + 1] ?? 0) * alpha;
          sums[x + 2] = (sums[x + 2] ?? 0) + (source[at + 2] ?? 0) * alpha;
          sums[x + 3] = (sums[x + 3] ?? 0) + alpha;
        }
      }
    }
    for (let x = 0, out = y * width * 4; x < width * 4; x += 4, out += 4) {
      const alpha = sums[x + 3] ?? 0;
      if (alpha === 0) continue; // fully transparent: stays 0, 0, 0, 0
      data[out] = (sums[x] ?? 0) / alpha;
      data[out + 1] = (sums[x + 1] ?? 0) / alpha;
      data[out + 2] = (sums[x + 2] ?? 0) / alpha;
      data[out + 3] = alpha / (factor * factor);
    }
  }
  return { data, width, height };
}

async function previews(image: Pixels): Promise<Pick<ProcessedImage, "thumbnail" | "blurhash">> {
  const thumbnail = await fitWithin(image, THUMBNAIL_SIDE);
  const small = await fitWithin(thumbnail, BLURHASH_SIDE);
  return {
    thumbnail: {
      mime: "image/webp",
      bytes: await encodeWebp(thumbnail, THUMBNAIL_QUALITY),
      width: thumbnail.width,
      height: thumbnail.height,
    },
    blurhash: encodeBlurhash(small.data, small.width, small.height, BLURHASH_COMPONENTS, BLURHASH_COMPONENTS),
  };
}

// ---- GIF: keep the frames, drop everything else ----
//
// A GIF that already fits is rebuilt block by block from its frames (graphic control, image
// descriptor, colour table, LZW data) and its loop count: comments, XMP/ICC application blocks
// and plain-text blocks are left behind, and animation and palette survive losslessly. A GIF
// that is too large is decoded frame by frame, scaled and re-encoded with a new palette per frame.

async function processGif(bytes: Uint8Array, maxSide: number, maxPixels: number): Promise<ProcessedImage> {
  const gif = await decodeOrCorrupt(() => readGif(bytes));
  // Every frame is drawn on a full-screen canvas when re-encoding, so count them all.
  checkPixels(gif.width * gif.height * gif.numFrames(), maxPixels);
  const size = fitSize(gif, maxSide);
  const fits = size.width === gif.width && size.height === gif.height;
  return {
    mime: "image/gif",
    bytes: fits ? rebuildGif(bytes, gif) : await reencodeGif(gif, size),
    ...size,
    ...(await previews(firstFrame(gif))),
  };
}

/** Parses the block structure (no LZW decoding yet) and rejects frames outside the screen. */
function readGif(bytes: Uint8Array): GifReader {
  const gif = new GifReader(bytes);
  if (gif.numFrames() === 0) throw new Error("no frames");
  for (let i = 0; i < gif.numFrames(); i++) {
    const frame = gif.frameInfo(i);
    if (frame.x + frame.width > gif.width || frame.y + frame.height > gif.height) {
      throw new Error(`frame ${i} lies outside the logical screen`);
    }
  }
  return gif;
}

function rebuildGif(bytes: Uint8Array, gif: GifReader): Uint8Array {
  const globalTable = ((bytes[10] ?? 0) & 0x80) !== 0 ? 3 << (((bytes[10] ?? 0) & 0x07) + 1) : 0;
  const parts: Uint8Array[] = [
    new Uint8Array(ascii("GIF89a")),
    bytes.subarray(6, 13 + globalTable), // logical screen descriptor and global colour table
  ];
  const loops = gif.loopCount() as number | null; // null without a NETSCAPE2.0 block
  if (loops !== null) {
    parts.push(new Uint8Array([0x21, 0xff, 11, ...ascii("NETSCAPE2.0"), 3, 1, loops & 0xff, loops >> 8, 0]));
  }
  for (let i = 0; i < gif.numFrames(); i++) parts.push(...frameBlocks(bytes, gif.frameInfo(i)));
  parts.push(new Uint8Array([0x3b]));
  return concat(parts);
}

function frameBlocks(bytes: Uint8Array, frame: ReturnType<GifReader["frameInfo"]>): Uint8Array[] {
  const transparent = frame.transparent_index !== null;
  const control = [0x21, 0xf9, 4, (frame.disposal << 2) | (transparent ? 1 : 0)];
  control.push(frame.delay & 0xff, frame.delay >> 8, frame.transparent_index ?? 0, 0);
  const tableBits = frame.has_local_palette ? 0x80 | (Math.log2(frame.palette_size ?? 2) - 1) : 0;
  const descriptor = [0x2c, ...le16(frame.x), ...le16(frame.y), ...le16(frame.width), ...le16(frame.height)];
  descriptor.push(tableBits | (frame.interlaced ? 0x40 : 0));
  const localTable =
    frame.has_local_palette && frame.palette_offset !== null
      ? bytes.subarray(frame.palette_offset, frame.palette_offset + 3 * (frame.palette_size ?? 0))
      : new Uint8Array();
  const data = bytes.subarray(frame.data_offset, frame.data_offset + frame.data_length);
  return [new Uint8Array(control), new Uint8Array(descriptor), localTable, data];
}

function le16(value: number): number[] {
  return [value & 0xff, value >> 8];
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function firstFrame(gif: GifReader): Pixels {
  const data = new Uint8ClampedArray(gif.width * gif.height * 4);
  gif.decodeAndBlitFrameRGBA(0, data);
  return { data, width: gif.width, height: gif.height };
}

/**
 * The frames as they appear on screen: each drawn over the previous, honouring disposal.
 * omggif does not throw on bad LZW data: it logs a warning and leaves the rest of the frame blank.
 */
function* gifFrames(gif: GifReader): Generator<{ image: Pixels; delayMs: number }> {
  const { width, height } = gif;
  const canvas = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < gif.numFrames(); i++) {
    const frame = gif.frameInfo(i);
    const previous = frame.disposal === 3 ? canvas.slice() : null;
    gif.decodeAndBlitFrameRGBA(i, canvas);
    yield { image: { data: canvas.slice(), width, height }, delayMs: frame.delay * 10 };
    if (frame.disposal === 2) clearRect(canvas, width, frame);
    else if (previous) canvas.set(previous);
  }
}

function clearRect(canvas: Uint8ClampedArray, width: number, rect: Size & { x: number; y: number }): void {
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    canvas.fill(0, (y * width + rect.x) * 4, (y * width + rect.x + rect.width) * 4);
  }
}

async function reencodeGif(gif: GifReader, size: Size): Promise<Uint8Array> {
  const encoder = GIFEncoder();
  const loops = gif.loopCount() as number | null;
  for (const frame of gifFrames(gif)) {
    const image = await resizePixels(frame.image, size.width, size.height);
    const palette = quantize(image.data, 256, { format: "rgba4444", oneBitAlpha: true });
    const transparentIndex = palette.findIndex((color) => color[3] === 0);
    encoder.writeFrame(applyPalette(image.data, palette, "rgba4444"), size.width, size.height, {
      palette,
      delay: frame.delayMs,
      repeat: loops ?? -1, // gifenc: -1 plays once, 0 loops forever, like the NETSCAPE count
      transparent: transparentIndex >= 0,
      transparentIndex: Math.max(0, transparentIndex),
    });
  }
  encoder.finish();
  return encoder.bytes();
}
