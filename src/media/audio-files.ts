// MP3, FLAC, WAV and Ogg files: checked to be what they claim, and stripped of their tags (title,
// artist, comments, cover pictures, which may carry a photo's GPS) where that is possible without
// re-encoding. Ogg keeps its tags: they sit in checksummed pages that would have to be rewritten.

export class AudioFileError extends Error {}

export interface AudioFileInfo {
  /** The file to store: the same bytes, or fewer (an MP3's tags cut off). */
  bytes: Uint8Array;
  /** Seconds, where the file says. */
  duration: number | null;
}

const text = (bytes: Uint8Array, at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));

/** An MP3: ID3v2 tags at the start and an ID3v1 tag at the end are cut off; an MPEG audio frame must follow. */
export function scrubMp3(bytes: Uint8Array): AudioFileInfo {
  let start = 0;
  while (text(bytes, start, 3) === "ID3" && start + 10 <= bytes.length) {
    // A syncsafe size (7 bits a byte), plus a footer when flag bit 4 says so.
    const size = [6, 7, 8, 9].reduce((n, i) => n * 128 + ((bytes[start + i] ?? 0) & 0x7f), 0);
    start += 10 + size + ((bytes[start + 5] ?? 0) & 0x10 ? 10 : 0);
  }
  let end = bytes.length;
  if (end - start >= 128 && text(bytes, end - 128, 3) === "TAG") end -= 128;
  if (start + 4 > end || bytes[start] !== 0xff || ((bytes[start + 1] ?? 0) & 0xe0) !== 0xe0)
    throw new AudioFileError("no MPEG audio frame");
  return { bytes: bytes.subarray(start, end), duration: null };
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
    if (body + size > bytes.length) {
      if (id !== "data") throw new AudioFileError("chunk past the end");
      dataBytes = bytes.length - body; // a recording cut short: its sound up to the end
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

/** An Ogg file: its first page must start an Opus, Vorbis, FLAC or Speex stream. */
export function checkOgg(bytes: Uint8Array): AudioFileInfo {
  const segments = bytes[26] ?? 0;
  const packet = 27 + segments;
  const head = text(bytes, packet, 8);
  const known = head === "OpusHead" || head.startsWith("\x01vorbis") || head.startsWith("\x7fFLAC") || head === "Speex   ";
  if (bytes[4] !== 0 || packet + 8 > bytes.length || !known) throw new AudioFileError("not an audio stream");
  return { bytes, duration: null };
}
