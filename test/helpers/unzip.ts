import { unzipSync } from "fflate";

/** A ZIP archive's files by path. */
export function unzip(zip: Uint8Array): Map<string, Uint8Array> {
  return new Map(Object.entries(unzipSync(zip)));
}
