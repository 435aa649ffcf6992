// MP3, FLAC and WAV files: checked to be what they claim, and stripped of their tags (title,
// artist, comments, cover pictures, which may carry a photo's GPS) without re-encoding. Ogg's
// are blanked in ogg.ts.

export class AudioFileError extends Error {}

export interface AudioFileInfo {
  /** The file to store: the same bytes, or fewer (an MP3's tags cut off). */
  bytes: Uint8Array;
  /** Seconds, where the file says. */
  duration: number | null;
}

const text = (bytes: Uint8Array, at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));

/** The length of the ID3v2 tag at `at` (header, syncsafe size, footer when flag bit 4 says so), 0 if none. */
function id3Length(bytes: Uint8Array, at: number): number {
  if (text(bytes, at, 3) !== "ID3" || at + 10 > bytes.length) return 0;
  const size = [6, 7, 8, 9].reduce((n, i) => n * 128 + ((bytes[at + i] ?? 0) & 0x7f), 0);
  return 10 + size + ((bytes[at + 5] ?? 0) & 0x10 ? 10 : 0);
}

/** How many bytes the ID3v2 tags at the start of a file take (taggers may write several), 0 if none. */
export function leadingTags(bytes: Uint8Array): number {
  let length = 0;
  for (let tag = id3Length(bytes, 0); tag > 0; tag = id3Length(bytes, length)) length += tag;
  return length;
}

/** MPEG audio (layer bits not 00, which is AAC in ADTS framing): 11 bits of sync. */
const isFrame = (bytes: Uint8Array, at: number) =>
  bytes[at] === 0xff && ((bytes[at + 1] ?? 0) & 0xe0) === 0xe0 && ((bytes[at + 1] ?? 0) & 0x06) !== 0;

/** How far padding may run between the tags and the first frame. */
const MAX_GAP = 8192;

/**
 * An MP3: tags at the start (ID3v2) and at the end (ID3v1, APE, Lyrics3, an appended ID3v2.4 with
 * its footer) are cut off; an MPEG audio frame must come within a few KB of the start.
 */
export function scrubMp3(bytes: Uint8Array): AudioFileInfo {
  let start = leadingTags(bytes);
  const first = bytes.subarray(start, start + MAX_GAP).findIndex((_, i) => isFrame(bytes, start + i));
  if (first < 0) throw new AudioFileError("no MPEG audio frame");
  start += first;
  let end = bytes.length;
  for (let cut = trailingTag(bytes, start, end); cut > 0; cut = trailingTag(bytes, start, end)) end -= cut;
  return { bytes: bytes.subarray(start, end), duration: null };
}

/** The length of a tag ending at `end`, 0 if none. */
function trailingTag(bytes: Uint8Array, start: number, end: number): number {
  const room = end - start;
  const le32 = (at: number) =>
    ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24)) >>> 0;
  let length = 0;
  if (room >= 128 && text(bytes, end - 128, 3) === "TAG") length = 128;
  else if (room >= 32 && text(bytes, end - 32, 8) === "APETAGEX") {
    // The footer's size counts the items and the footer; a header (flag bit 31) adds 32.
    length = le32(end - 20) + ((bytes[end - 9] ?? 0) & 0x80 ? 32 : 0);
  } else if (room >= 10 && text(bytes, end - 10, 3) === "3DI") {
    const size = [6, 7, 8, 9].reduce((n, i) => n * 128 + ((bytes[end - 10 + i] ?? 0) & 0x7f), 0);
    length = 20 + size;
  } else if (room >= 15 && text(bytes, end - 9, 9) === "LYRICS200") {
    length = Number(text(bytes, end - 15, 6)) + 15;
  }
  return Number.isInteger(length) && length > 0 && length <= room ? length : 0;
}

/**
 * A FLAC file: its comment, picture and application blocks become padding (zeros, same length);
 * its length is read from the stream information, which must come first.
 */
export function scrubFlac(bytes: Uint8Array): AudioFileInfo {
  let at = 4;
  let duration: number | null = null;
  for (let last = false, first = true; !last; first = false) {
    if (at + 4 > bytes.length) throw new AudioFileError("metadata past the end");
    const header = bytes[at] ?? 0;
    const type = header & 0x7f;
    const length = ((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0);
    const body = at + 4;
    if (body + length > bytes.length || (first && (type !== 0 || length < 34))) throw new AudioFileError("bad metadata block");
    last = (header & 0x80) !== 0;
    if (type === 0) duration = flacDuration(bytes, body);
    else if (type === 2 || type === 4 || type === 6) {
      bytes[at] = (header & 0x80) | 1; // padding
      bytes.fill(0, body, body + length);
    }
    at = body + length;
  }
  if (bytes[at] !== 0xff || ((bytes[at + 1] ?? 0) & 0xfe) !== 0xf8) throw new AudioFileError("no FLAC frame");
  return { bytes, duration };
}

/** Samples over sample rate, from STREAMINFO: a 20-bit rate at bit 80, a 36-bit count at bit 108. */
function flacDuration(bytes: Uint8Array, body: number): number | null {
  const b = (i: number) => bytes[body + i] ?? 0;
  const rate = (b(10) << 12) | (b(11) << 4) | (b(12) >> 4);
  const samples = (b(13) & 0x0f) * 2 ** 32 + ((b(14) << 24) >>> 0) + (b(15) << 16) + (b(16) << 8) + b(17);
  return rate > 0 && samples > 0 ? Math.round((samples / rate) * 1000) / 1000 : null;
}

/** A WAV file: chunks other than the format and the sound (LIST/INFO, id3, bext…) become JUNK of zeros. */
export function scrubWav(bytes: Uint8Array): AudioFileInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 12;
  let byteRate = 0;
  let dataBytes = -1;
  while (at + 8 <= bytes.length) {
    const id = text(bytes, at, 4);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (body + size > bytes.length || (id === "data" && size === 0)) {
      if (id !== "data") throw new AudioFileError("chunk past the end");
      dataBytes = bytes.length - body; // a recording cut short, or never finished: its sound up to the end
      break;
    }
    if (id === "fmt " && size >= 16) byteRate = view.getUint32(body + 8, true);
    else if (id === "data") dataBytes = size;
    else if (id !== "fact") {
      bytes.set([0x4a, 0x55, 0x4e, 0x4b], at); // "JUNK"
      bytes.fill(0, body, body + size);
    }
    at = body + size + (size % 2);
  }
  if (byteRate === 0 || dataBytes < 0) throw new AudioFileError("no format or no sound");
  return { bytes, duration: Math.round((dataBytes / byteRate) * 1000) / 1000 };
}
