// Codec .wasm files embedded into the executable with `with { type: "file" }` (see src/media/wasm.ts):
// the import gives a path that Bun.file() reads, inside the binary or from node_modules.
declare module "*.wasm" {
  const path: string;
  export default path;
}
// These two ship a .wasm.d.ts describing the wasm exports, which would shadow the pattern above.
declare module "@jsquash/png/codec/pkg/squoosh_png_bg.wasm" {
  const path: string;
  export default path;
}
declare module "@jsquash/resize/lib/resize/pkg/squoosh_resize_bg.wasm" {
  const path: string;
  export default path;
}

// gifenc ships no types; this covers the part src/media/images.ts uses.
declare module "gifenc" {
  export type Palette = number[][];
  export type ColorFormat = "rgb565" | "rgb444" | "rgba4444";
  export function quantize(
    rgba: Uint8Array | Uint8ClampedArray,
    maxColors: number,
    options?: { format?: ColorFormat; oneBitAlpha?: boolean | number },
  ): Palette;
  export function applyPalette(rgba: Uint8Array | Uint8ClampedArray, palette: Palette, format?: ColorFormat): Uint8Array;
  export interface GifStream {
    writeFrame(
      index: Uint8Array,
      width: number,
      height: number,
      options?: {
        palette?: Palette;
        delay?: number;
        repeat?: number;
        transparent?: boolean;
        transparentIndex?: number;
      },
    ): void;
    finish(): void;
    bytes(): Uint8Array;
  }
  export function GIFEncoder(): GifStream;
}
