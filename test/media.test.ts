import { photo } from "./helpers/images.ts";
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { isBlurhashValid } from "blurhash";
import { applyPalette, GIFEncoder, quantize } from "gifenc";
import { GifReader } from "omggif";
import { detectImageType, ImageError, type ImageErrorCode, processImage } from "../src/media/images.ts";
import { processImageInWorker } from "../src/media/worker.ts";
import { decodeJpeg, decodePng, encodeJpeg, encodePng, encodeWebp, type Pixels } from "../src/media/wasm.ts";

// Real servers, a browser and argon2 hashing: more than bun's default 5 s (set per file).
setDefaultTimeout(60_000);

// ---- Images made here, with the same codecs ----

const RED = [230, 20, 20] as const;
const BLUE = [20, 20, 230] as const;

/** Left half red, right half blue: easy to tell which way an image was turned. */
function halves(width: number, height: number): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data.set([...(i % width < width / 2 ? RED : BLUE), 255], i * 4);
  }
  return { data, width, height };
}

/** A smooth gradient with some noise, like a photo rather than a flat test card. */

const text = (s: string) => new TextEncoder().encode(s);

function concat(...parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const be16 = (n: number) => [n >> 8, n & 0xff];
const be32 = (n: number) => [n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];

/** A big-endian TIFF block as found in EXIF: camera make, orientation and a GPS position. */
function exifTiff(orientation: number): Uint8Array {
  const entry = (tag: number, type: number, count: number, value: number[]) => [
    ...be16(tag),
    ...be16(type),
    ...be32(count),
    ...value,
  ];
  const ifd0 = 8; // after the 8-byte TIFF header
  const gpsIfd = ifd0 + 2 + 3 * 12 + 4;
  const make = gpsIfd + 2 + 2 * 12 + 4;
  const latitude = make + 14;
  // prettier-ignore
  return new Uint8Array([
    ...text("MM"),
    0,
    42,
    ...be32(ifd0),
    ...be16(3),
    ...entry(0x010f, 2, 14, be32(make)), // Make
    ...entry(0x0112, 3, 1, [...be16(orientation), 0, 0]), // Orientation
    ...entry(0x8825, 4, 1, be32(gpsIfd)), // GPS IFD pointer
    ...be32(0),
    ...be16(2),
    ...entry(0x0001, 2, 2, [...text("N"), 0, 0, 0]), // GPSLatitudeRef
    ...entry(0x0002, 5, 3, be32(latitude)), // GPSLatitude
    ...be32(0),
    ...text("SkeinTestCam"),
    0,
    0,
    ...be32(52),
    ...be32(1),
    ...be32(22),
    ...be32(1),
    ...be32(1234),
    ...be32(100), // 52°22'12.34"
  ]);
}

/** `jpeg` with an EXIF APP1 segment spliced in right after the SOI marker, as cameras write it. */
function withExif(jpeg: Uint8Array, orientation: number): Uint8Array {
  const body = concat(text("Exif\0\0"), exifTiff(orientation));
  return concat(jpeg.subarray(0, 2), [0xff, 0xe1, ...be16(body.length + 2)], body, jpeg.subarray(2));
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const typed = concat(text(type), data);
  return concat(be32(data.length), typed, be32(Bun.hash.crc32(typed)));
}

/** `png` with text and EXIF chunks spliced in after IHDR (8-byte signature + 25-byte IHDR). */
function withPngMetadata(png: Uint8Array): Uint8Array {
  const comment = pngChunk("tEXt", text("Comment\0GPS 52.37N 4.89E SkeinSecret"));
  return concat(png.subarray(0, 33), comment, pngChunk("eXIf", exifTiff(1)), png.subarray(33));
}

function gif(frames: Pixels[], delayMs = 100): Uint8Array {
  const encoder = GIFEncoder();
  for (const frame of frames) {
    const palette = quantize(frame.data, 256);
    const index = applyPalette(frame.data, palette);
    encoder.writeFrame(index, frame.width, frame.height, { palette, delay: delayMs, repeat: 0 });
  }
  encoder.finish();
  return encoder.bytes();
}

/** `gifBytes` with a comment and an XMP application extension before the trailer. */
function withGifMetadata(gifBytes: Uint8Array): Uint8Array {
  const secret = text("GPS 52.37N SkeinSecret");
  const comment = [0x21, 0xfe, secret.length, ...secret, 0];
  const xmp = [0x21, 0xff, 11, ...text("XMP DataXMP"), secret.length, ...secret, 0];
  return concat(gifBytes.subarray(0, -1), comment, xmp, [0x3b]);
}

function contains(haystack: Uint8Array, needle: Uint8Array | string): boolean {
  return Buffer.from(haystack).indexOf(typeof needle === "string" ? text(needle) : needle) !== -1;
}

/** The RGB of one pixel, for colour checks that tolerate JPEG's small shifts. */
function rgbAt(image: Pixels, x: number, y: number): number[] {
  const at = (y * image.width + x) * 4;
  return [...image.data.subarray(at, at + 3)];
}

function near(actual: number[], expected: readonly number[]): boolean {
  return actual.every((value, i) => Math.abs(value - (expected[i] ?? 0)) < 40);
}

/** The ImageError code a processImage call ends with, or "accepted". */
async function imageError(promise: Promise<unknown>): Promise<ImageErrorCode | "accepted"> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    if (error instanceof ImageError) return error.code;
    throw error;
  }
}

// ---- Tests ----

describe("detectImageType", () => {
  const table: [string, ArrayLike<number>, string | null][] = [
    ["JPEG", [0xff, 0xd8, 0xff, 0xe0, 0, 0x10], "image/jpeg"],
    ["PNG", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0], "image/png"],
    ["GIF87a", text("GIF87a\x01\x00"), "image/gif"],
    ["GIF89a", text("GIF89a\x01\x00"), "image/gif"],
    ["WebP", concat(text("RIFF"), [1, 2, 3, 4], text("WEBPVP8 ")), "image/webp"],
    ["RIFF that is not WebP (WAV)", concat(text("RIFF"), [1, 2, 3, 4], text("WAVEfmt ")), null],
    ["text", text("hello, this is not an image"), null],
    ["SVG", text('<svg xmlns="http://www.w3.org/2000/svg"/>'), null],
    ["BMP", text("BM6\0\0\0"), null],
    ["empty", [], null],
    ["a PNG signature cut short", [0x89, 0x50, 0x4e, 0x47], null],
  ];
  for (const [name, bytes, expected] of table) {
    test(`${name} → ${expected}`, () => {
      expect(detectImageType(new Uint8Array(bytes))).toBe(expected as never);
    });
  }
});

describe("processImage", () => {
  test("a JPEG loses its EXIF and GPS data and is turned upright", async () => {
    const upload = withExif(await encodeJpeg(halves(20, 10), 95), 6);
    expect(contains(upload, "Exif")).toBe(true);
    expect(contains(upload, "SkeinTestCam")).toBe(true);

    const image = await processImage(upload);
    expect(image.mime).toBe("image/jpeg");
    expect(detectImageType(image.bytes)).toBe("image/jpeg");
    expect(contains(image.bytes, "Exif")).toBe(false);
    expect(contains(image.bytes, "SkeinTestCam")).toBe(false);
    expect(contains(image.bytes, new Uint8Array([0xff, 0xe1]))).toBe(false); // no APP1 at all
    expect(contains(image.bytes, new Uint8Array(be32(1234)))).toBe(false); // GPS seconds

    // Orientation 6 is "turn 90° clockwise to view": the left (red) half ends up on top.
    expect([image.width, image.height]).toEqual([10, 20]);
    const upright = await decodeJpeg(image.bytes);
    expect([upright.width, upright.height]).toEqual([10, 20]);
    expect(near(rgbAt(upright, 5, 3), RED)).toBe(true);
    expect(near(rgbAt(upright, 5, 16), BLUE)).toBe(true);
  });

  test("orientation 8 turns the other way, 3 upside down, 1 leaves it", async () => {
    const jpeg = await encodeJpeg(halves(20, 10), 95);
    const eight = await decodeJpeg((await processImage(withExif(jpeg, 8))).bytes);
    expect([eight.width, eight.height]).toEqual([10, 20]);
    expect(near(rgbAt(eight, 5, 3), BLUE)).toBe(true);
    const three = await decodeJpeg((await processImage(withExif(jpeg, 3))).bytes);
    expect([three.width, three.height]).toEqual([20, 10]);
    expect(near(rgbAt(three, 3, 5), BLUE)).toBe(true);
    const one = await decodeJpeg((await processImage(withExif(jpeg, 1))).bytes);
    expect(near(rgbAt(one, 3, 5), RED)).toBe(true);
  });

  test("a PNG loses its text and EXIF chunks and stays a PNG with its size", async () => {
    const upload = withPngMetadata(await encodePng(photo(64, 48)));
    expect(contains(upload, "SkeinSecret")).toBe(true);
    await decodePng(upload); // the spliced chunks are valid

    const image = await processImage(upload);
    expect(image.mime).toBe("image/png");
    expect([image.width, image.height]).toEqual([64, 48]);
    for (const marker of ["SkeinSecret", "tEXt", "eXIf", "SkeinTestCam"]) {
      expect(contains(image.bytes, marker)).toBe(false);
    }
    const decoded = await decodePng(image.bytes);
    expect(decoded.data).toEqual(photo(64, 48).data); // lossless round trip
  });

  test("a WebP is re-encoded as WebP", async () => {
    const image = await processImage(await encodeWebp(photo(120, 80), 90));
    expect(image.mime).toBe("image/webp");
    expect(detectImageType(image.bytes)).toBe("image/webp");
    expect([image.width, image.height]).toEqual([120, 80]);
  });

  test("a 3000×2000 photo is scaled to 1920×1280 with a thumbnail of 400×267", async () => {
    const image = await processImage(await encodeJpeg(photo(3000, 2000), 85));
    expect([image.width, image.height]).toEqual([1920, 1280]);
    const stored = await decodeJpeg(image.bytes);
    expect([stored.width, stored.height]).toEqual([1920, 1280]);
    expect(image.thumbnail.mime).toBe("image/webp");
    expect(detectImageType(image.thumbnail.bytes)).toBe("image/webp");
    expect([image.thumbnail.width, image.thumbnail.height]).toEqual([400, 267]);
  });

  test("maxSide is honoured for tall images, and small images are never enlarged", async () => {
    const tall = await processImage(await encodePng(photo(150, 600)), { maxSide: 300 });
    expect([tall.width, tall.height]).toEqual([75, 300]);
    expect([tall.thumbnail.width, tall.thumbnail.height]).toEqual([75, 300]);

    const small = await processImage(await encodePng(photo(50, 30)));
    expect([small.width, small.height]).toEqual([50, 30]);
    expect([small.thumbnail.width, small.thumbnail.height]).toEqual([50, 30]);
  });

  test("scaling down keeps transparent areas transparent, without dark edges", async () => {
    // Transparent black up to x = 402, then red: column 100 of the 4× smaller image is half-half.
    const data = new Uint8ClampedArray(800 * 400 * 4);
    for (let i = 0; i < 800 * 400; i++) if (i % 800 >= 402) data.set([...RED, 255], i * 4);
    const upload = await encodePng({ data, width: 800, height: 400 });
    const stored = await decodePng((await processImage(upload, { maxSide: 200 })).bytes);
    expect([stored.width, stored.height]).toEqual([200, 100]);
    const alphaAt = (x: number) => stored.data[(50 * 200 + x) * 4 + 3] ?? -1;
    expect(alphaAt(50)).toBe(0);
    expect(alphaAt(150)).toBe(255);
    expect(near(rgbAt(stored, 150, 50), RED)).toBe(true);
    expect(alphaAt(100)).toBeWithin(96, 160);
    expect(near(rgbAt(stored, 100, 50), RED)).toBe(true); // red, not darkened towards black
  });

  test("the thumbnail's long side is at most 400", async () => {
    const image = await processImage(await encodeJpeg(photo(900, 1200), 85));
    expect([image.width, image.height]).toEqual([900, 1200]);
    expect([image.thumbnail.width, image.thumbnail.height]).toEqual([300, 400]);
  });

  test("the blurhash is a valid 4×4-component hash", async () => {
    const image = await processImage(await encodeJpeg(photo(300, 200), 85));
    expect(image.blurhash).toMatch(/^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{36}$/);
    expect(isBlurhashValid(image.blurhash).result).toBe(true);
  });

  test("several images can be processed at the same time", async () => {
    const [jpeg, png] = await Promise.all([encodeJpeg(photo(40, 30), 85), encodePng(photo(30, 40))]);
    const results = await Promise.all([jpeg, png, jpeg, png].map((bytes) => processImage(bytes)));
    expect(results.map((r) => r.mime)).toEqual(["image/jpeg", "image/png", "image/jpeg", "image/png"]);
  });
});

describe("processImage with GIFs", () => {
  const frames = [halves(30, 20), photo(30, 20), halves(30, 20)];

  test("an animated GIF keeps its frames, delays and loop but loses comments and XMP", async () => {
    const upload = withGifMetadata(gif(frames, 120));
    expect(contains(upload, "SkeinSecret")).toBe(true);

    const image = await processImage(upload);
    expect(image.mime).toBe("image/gif");
    expect([image.width, image.height]).toEqual([30, 20]);
    expect(contains(image.bytes, "SkeinSecret")).toBe(false);
    expect(contains(image.bytes, "XMP")).toBe(false);

    const out = new GifReader(image.bytes);
    const original = new GifReader(upload);
    expect(out.numFrames()).toBe(3);
    expect(out.loopCount()).toBe(0);
    expect(out.frameInfo(1).delay).toBe(12);
    // The pixels are untouched: the LZW data is copied, not re-encoded.
    for (let i = 0; i < 3; i++) {
      const a = new Uint8Array(30 * 20 * 4);
      const b = new Uint8Array(30 * 20 * 4);
      original.decodeAndBlitFrameRGBA(i, a);
      out.decodeAndBlitFrameRGBA(i, b);
      expect(b).toEqual(a);
    }
    expect([image.thumbnail.width, image.thumbnail.height]).toEqual([30, 20]);
    expect(isBlurhashValid(image.blurhash).result).toBe(true);
  });

  test("a GIF comes back from the image worker that uploads use (its size is a plain object)", async () => {
    const image = await processImageInWorker(gif(frames));
    expect([image.mime, image.width, image.height]).toEqual(["image/gif", 30, 20]);
    expect(new GifReader(image.bytes).numFrames()).toBe(3);
  });

  test("a GIF wider than maxSide is scaled frame by frame and stays animated", async () => {
    const wide = [halves(240, 20), photo(240, 20)];
    const image = await processImage(withGifMetadata(gif(wide)), { maxSide: 120 });
    expect([image.width, image.height]).toEqual([120, 10]);
    expect(contains(image.bytes, "SkeinSecret")).toBe(false);
    const out = new GifReader(image.bytes);
    expect([out.width, out.height, out.numFrames(), out.loopCount()]).toEqual([120, 10, 2, 0]);
    expect(out.frameInfo(0).delay).toBe(10);
    const first = new Uint8ClampedArray(120 * 10 * 4);
    out.decodeAndBlitFrameRGBA(0, first);
    const firstFrame = { data: first, width: 120, height: 10 };
    expect(near(rgbAt(firstFrame, 10, 5), RED)).toBe(true);
    expect(near(rgbAt(firstFrame, 110, 5), BLUE)).toBe(true);
  });

  test("transparency survives both the rebuilt and the re-encoded GIF", async () => {
    // Left half fully transparent, right half red.
    const data = new Uint8ClampedArray(200 * 20 * 4);
    for (let i = 0; i < 200 * 20; i++) if (i % 200 >= 100) data.set([...RED, 255], i * 4);
    const palette = quantize(data, 16, { format: "rgba4444", oneBitAlpha: true });
    const transparentIndex = palette.findIndex((color) => color[3] === 0);
    const encoder = GIFEncoder();
    encoder.writeFrame(applyPalette(data, palette, "rgba4444"), 200, 20, {
      palette,
      transparent: true,
      transparentIndex,
    });
    encoder.finish();
    for (const maxSide of [1920, 100]) {
      const image = await processImage(encoder.bytes(), { maxSide });
      const out = new GifReader(image.bytes);
      const frame = new Uint8ClampedArray(out.width * out.height * 4);
      out.decodeAndBlitFrameRGBA(0, frame);
      const pixels = { data: frame, width: out.width, height: out.height };
      expect(frame[((out.height >> 1) * out.width + 5) * 4 + 3]).toBe(0);
      expect(near(rgbAt(pixels, out.width - 5, out.height >> 1), RED)).toBe(true);
    }
  });

  test("all frames count towards maxPixels", async () => {
    const upload = gif(frames); // 3 frames of 600 pixels
    expect(await imageError(processImage(upload, { maxPixels: 1000 }))).toBe("too_many_pixels");
    expect((await processImage(upload, { maxPixels: 1800 })).mime).toBe("image/gif");
  });
});

describe("processImage rejects", () => {
  test("uploads over maxBytes as too_large", async () => {
    const jpeg = await encodeJpeg(photo(64, 64), 85);
    expect(await imageError(processImage(jpeg, { maxBytes: jpeg.length - 1 }))).toBe("too_large");
    expect(await imageError(processImage(new Uint8Array(10 * 1024 * 1024 + 1)))).toBe("too_large");
  });

  test("headers claiming too many pixels as too_many_pixels, without decoding", async () => {
    // Only a signature and an IHDR claiming 100000×100000: no pixel data to decode at all.
    const ihdr = pngChunk("IHDR", new Uint8Array([...be32(100_000), ...be32(100_000), 8, 6, 0, 0, 0]));
    const png = concat([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], ihdr);
    expect(await imageError(processImage(png))).toBe("too_many_pixels");

    const sof = [0xff, 0xc0, ...be16(17), 8, ...be16(60_000), ...be16(60_000), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
    const jpeg = concat([0xff, 0xd8, 0xff, 0xe0, ...be16(16)], text("JFIF\0"), new Uint8Array(9), sof);
    expect(await imageError(processImage(jpeg))).toBe("too_many_pixels");

    const gifHeader = concat(text("GIF89a"), [0xff, 0xff, 0xff, 0xff, 0, 0, 0], [0x3b]);
    expect(await imageError(processImage(gifHeader))).toBe("too_many_pixels");

    const webp = concat(text("RIFF"), [0, 0, 0, 0], text("WEBPVP8X"), [10, 0, 0, 0, 0, 0, 0, 0]);
    const webpBig = concat(webp, [0xff, 0xff, 0, 0xff, 0xff, 0]); // 65536×65536 canvas
    expect(await imageError(processImage(webpBig))).toBe("too_many_pixels");

    const small = await encodePng(photo(100, 100));
    expect(await imageError(processImage(small, { maxPixels: 9_999 }))).toBe("too_many_pixels");
  });

  test("truncated or garbage images as corrupt", async () => {
    const jpeg = await encodeJpeg(photo(200, 150), 85);
    const png = await encodePng(photo(200, 150));
    const webp = await encodeWebp(photo(200, 150), 85);
    const animated = gif([photo(60, 40), photo(60, 40)]);
    const uploads = {
      "truncated JPEG": jpeg.subarray(0, Math.floor(jpeg.length * 0.6)),
      "JPEG header only": jpeg.subarray(0, 200),
      "JPEG magic then garbage": concat([0xff, 0xd8, 0xff], text("garbage garbage garbage")),
      "truncated PNG": png.subarray(0, Math.floor(png.length * 0.6)),
      "PNG signature then garbage": concat(png.subarray(0, 8), new Uint8Array(100).fill(7)),
      "truncated WebP": webp.subarray(0, Math.floor(webp.length * 0.6)),
      "truncated GIF": animated.subarray(0, Math.floor(animated.length * 0.6)),
      "GIF of zero size": concat(text("GIF89a"), [0, 0, 0, 0, 0, 0, 0], [0x3b]),
      "GIF without frames": concat(text("GIF89a"), [1, 0, 1, 0, 0, 0, 0], [0x3b]),
    };
    for (const [name, bytes] of Object.entries(uploads)) {
      expect(`${name}: ${await imageError(processImage(bytes))}`).toBe(`${name}: corrupt`);
    }
  });

  test("anything that is not a JPEG, PNG, WebP or GIF as unsupported_type", async () => {
    const uploads = {
      text: text("Just a text file named photo.jpg\n"),
      empty: new Uint8Array(0),
      svg: text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
      "animated WebP": concat(text("RIFF"), [0, 0, 0, 0], text("WEBPVP8X"), [10, 0, 0, 0, 0x02, 0, 0, 0, 9, 0, 0, 9, 0, 0]),
    };
    for (const [name, bytes] of Object.entries(uploads)) {
      expect(`${name}: ${await imageError(processImage(bytes))}`).toBe(`${name}: unsupported_type`);
    }
  });
});
