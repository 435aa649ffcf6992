// Ogg files (Opus and Vorbis sound): checked to be one stream we know, and their comments
// (title, artist, an embedded cover picture, which may carry a photo's GPS) overwritten with
// filler of the same length. The comments sit in a packet spread over checksummed pages: the
// bytes are changed where they are and each page's checksum computed again, so nothing moves.

import { AudioFileError, type AudioFileInfo } from "./audio-files.ts";

interface Page {
  start: number;
  /** Where the page's data starts and ends. */
  body: number;
  end: number;
  /** Its data's segment lengths (a view of its segment table): a packet ends at one under 255. */
  segments: Uint8Array;
  serial: number;
  sequence: number;
  /** Header flags: 1 continues a packet, 2 begins a stream, 4 ends one. */
  flags: number;
}

/** Where a packet's bytes are in the file, piece by piece (a packet may run over pages). */
type Pieces = { at: number; length: number; page: Page }[];

const text = (bytes: Uint8Array, at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));

/** A layout whose comments could not all be blanked (more than one stream): refused. */
export class OggLayoutError extends AudioFileError {}
/** A codec in Ogg that is not Opus or Vorbis: refused. */
export class OggCodecError extends AudioFileError {}

/**
 * Checks the file is one Opus or Vorbis stream, its pages in order, and blanks its comment header
 * (the second packet) but for the encoder's name. A file with more than one stream (chained, or
 * several at once), or FLAC or Speex in Ogg, is refused rather than left with comments.
 */
export function scrubOgg(bytes: Uint8Array): AudioFileInfo {
  const packets = headerPackets(pages(bytes));
  const head = packets[0] ? new Cursor(bytes, packets[0]).text(8) : "";
  const vorbis = head.startsWith("\x01vorbis");
  if (head !== "OpusHead" && !vorbis) {
    if (head.startsWith("\x7fFLAC") || head === "Speex   ") throw new OggCodecError("FLAC or Speex in Ogg");
    throw new AudioFileError("not an audio stream");
  }
  const comments = packets[1];
  if (!comments) throw new AudioFileError("no comment header");
  const cursor = new Cursor(bytes, comments);
  if (cursor.text(vorbis ? 7 : 8) !== (vorbis ? "\x03vorbis" : "OpusTags")) throw new AudioFileError("no comment header");
  blankComments(cursor, vorbis);
  for (const page of new Set(comments.map((p) => p.page))) writeChecksum(bytes, page);
  checkNoOtherStream(bytes, comments.at(-1)?.page.end ?? bytes.length);
  return { bytes, duration: null };
}

/** The pages one by one: "OggS", version 0, the segment table, the data within the file. */
function* pages(bytes: Uint8Array): Generator<Page> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 27 <= bytes.length; ) {
    if (text(bytes, at, 4) !== "OggS" || bytes[at + 4] !== 0) throw new AudioFileError("not an Ogg page");
    const count = bytes[at + 26] ?? 0;
    const segments = bytes.subarray(at + 27, at + 27 + count);
    const body = at + 27 + count;
    let end = body;
    for (const length of segments) end += length;
    if (segments.length < count || end > bytes.length) throw new AudioFileError("page past the end");
    yield {
      start: at,
      body,
      end,
      segments,
      serial: view.getUint32(at + 14, true),
      sequence: view.getUint32(at + 18, true),
      flags: bytes[at + 5] ?? 0,
    };
    at = end;
  }
}

/**
 * The pages after the headers, only looked at (without a page object each: there may be a
 * hundred thousand): none may begin another stream, whose comments would be left.
 */
function checkNoOtherStream(bytes: Uint8Array, from: number): void {
  for (let at = from; at + 27 <= bytes.length; ) {
    if (bytes[at] !== 0x4f || bytes[at + 1] !== 0x67 || bytes[at + 2] !== 0x67 || bytes[at + 3] !== 0x53)
      throw new AudioFileError("not an Ogg page");
    if ((bytes[at + 5] ?? 0) & 2) throw new OggLayoutError("a second stream");
    const count = bytes[at + 26] ?? 0;
    let end = at + 27 + count;
    for (let i = 0; i < count; i++) end += bytes[at + 27 + i] ?? 0;
    if (end > bytes.length) throw new AudioFileError("page past the end");
    at = end;
  }
}

/**
 * The stream's first two packets (its identification and comment headers), read as any player
 * would: the first page begins the stream, each page follows the one before in sequence, says
 * whether it continues a packet exactly when one is unfinished, and belongs to the same stream.
 */
function headerPackets(walk: Generator<Page>): Pieces[] {
  const packets: Pieces[] = [];
  let current: Pieces = [];
  let previous: Page | undefined;
  for (const page of walk) {
    const continues = (page.flags & 1) !== 0;
    if (previous ? page.serial !== previous.serial || page.sequence !== previous.sequence + 1 : !(page.flags & 2))
      throw new OggLayoutError("pages out of order, or another stream among the headers");
    if (continues !== current.length > 0) throw new AudioFileError("a continued packet that is not, or the other way");
    previous = page;
    let at = page.body;
    for (const length of page.segments) {
      if (length > 0) current.push({ at, length, page });
      at += length;
      if (length < 255) {
        packets.push(current);
        current = [];
        if (packets.length === 2) return packets;
      }
    }
  }
  return packets;
}

/** Reads and writes a packet's bytes in order, across its pieces. */
class Cursor {
  private piece = 0;
  private offset = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly packet: Pieces,
  ) {}

  /** The file offset of the next byte, moving past it. */
  private next(): number {
    for (;;) {
      const piece = this.packet[this.piece];
      if (!piece) throw new AudioFileError("packet shorter than it says");
      if (this.offset < piece.length) return piece.at + this.offset++;
      this.piece++;
      this.offset = 0;
    }
  }

  text(length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) out += String.fromCharCode(this.bytes[this.next()] ?? 0);
    return out;
  }

  uint32(): number {
    let n = 0;
    for (let i = 0; i < 4; i++) n += (this.bytes[this.next()] ?? 0) * 256 ** i;
    return n;
  }

  skip(length: number): void {
    for (let i = 0; i < length; i++) this.next();
  }

  /** Zeroes the packet's remaining bytes. */
  zeroRest(): void {
    for (let piece = this.packet[this.piece]; piece; piece = this.packet[++this.piece]) {
      this.bytes.fill(0, piece.at + this.offset, piece.at + piece.length);
      this.offset = 0;
    }
  }

  /** Overwrites the next bytes with "x=" and spaces: still a comment, saying nothing. */
  blank(length: number): void {
    for (let i = 0; i < length; i++) this.bytes[this.next()] = i === 0 ? 0x78 : i === 1 ? 0x3d : 0x20;
  }
}

/**
 * The comment header: the vendor's name (kept: the encoder), a count, then each comment as a
 * length and "KEY=value", blanked; then anything after them (Opus allows binary data there) but
 * Vorbis's closing framing bit.
 */
function blankComments(cursor: Cursor, vorbis: boolean): void {
  cursor.skip(cursor.uint32());
  const count = cursor.uint32();
  for (let i = 0; i < count; i++) cursor.blank(cursor.uint32());
  if (vorbis) cursor.skip(1);
  cursor.zeroRest();
}

/** Ogg's CRC-32: polynomial 0x04c11db7, nothing reflected, over the page with its checksum field zero. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let r = n << 24;
  for (let i = 0; i < 8; i++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
  return r >>> 0;
});

function writeChecksum(bytes: Uint8Array, page: Page): void {
  bytes.fill(0, page.start + 22, page.start + 26);
  let crc = 0;
  for (let i = page.start; i < page.end; i++)
    crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ (bytes[i] ?? 0)) & 0xff] ?? 0)) >>> 0;
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(page.start + 22, crc, true);
}
