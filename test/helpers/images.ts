import { encodeJpeg, type Pixels } from "../../src/media/wasm.ts";

/** A noisy gradient, so codecs have something like a photo to work on. */
export function photo(width: number, height: number): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const noise = ((x * 7919 + y * 104729) % 31) - 15;
      data.set([(255 * x) / width + noise, (255 * y) / height + noise, 128 + noise, 255], (y * width + x) * 4);
    }
  }
  return { data, width, height };
}

export async function testJpeg(width = 1200, height = 800): Promise<Uint8Array> {
  return encodeJpeg(photo(width, height), 85);
}
