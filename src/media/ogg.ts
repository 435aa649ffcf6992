// Ogg files (Opus and Vorbis sound): checked to start a stream we know, and their comments
// (title, artist, an embedded cover picture, which may carry a photo's GPS) overwritten with
// filler of the same length. The comments sit in a packet spread over checksummed pages: the
// bytes are changed where they are and each page's checksum computed again, so nothing moves.

import { AudioFileError, type AudioFileInfo } from "./audio-files.ts";

interface Page {
  start: number;
  /** Where the page's data starts and ends. */
  body: number;
  end: number;
  /** Its data's segment lengths: a packet ends at a segment shorter than 255. */
  segments: number[];
  serial: number;
}

/** Where a packet's bytes are in the file, piece by piece (a packet may run over pages). */
type Pieces = { at: number; length: number; page: Page }[];

const MAX_PAGES = 200_000;
const text = (bytes: Uint8Array, at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));

/**
 * Checks the first packet is an Opus or Vorbis identification header (FLAC and Speex in Ogg are
 * taken as they are) and blanks the comments of the second packet, the comment header.
 */
export function scrubOgg(bytes: Uint8Array): AudioFileInfo {
  const pages = readPages(bytes);
  const first = pages[0];
  if (!first) throw new AudioFileError("no Ogg page");
  const packets = packetsOf(
    pages.filter((p) => p.serial === first.serial),
    2,
  );
  const head = packets[0] ? new Cursor(bytes, packets[0]).text(8) : "";
  const magic = head === "OpusHead" ? "OpusTags" : head.startsWith("\x01vorbis") ? "\x03vorbis" : null;
  if (!magic) {
    if (head.startsWith("\x7fFLAC") || head === "Speex   ") return { bytes, duration: null };
    throw new AudioFileError("not an audio stream");
  }
  const comments = packets[1];
  const cursor = comments ? new Cursor(bytes, comments) : null;
  if (!comments || !cursor || cursor.text(magic.length) !== magic) throw new AudioFileError("no comment header");
  blankComments(cursor);
  for (const page of new Set(comments.map((p) => p.page))) writeChecksum(bytes, page);
  return { bytes, duration: null };
}

/** Every page: "OggS", version 0, its segment table, its data within the file. */
function readPages(bytes: Uint8Array): Page[] {
  const pages: Page[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 27 <= bytes.length; ) {
    if (text(bytes, at, 4) !== "OggS" || bytes[at + 4] !== 0) throw new AudioFileError("not an Ogg page");
    const count = bytes[at + 26] ?? 0;
    const segments = [...bytes.subarray(at + 27, at + 27 + count)];
    const body = at + 27 + count;
    const end = body + segments.reduce((a, b) => a + b, 0);
    if (segments.length < count || end > bytes.length) throw new AudioFileError("page past the end");
    pages.push({ start: at, body, end, segments, serial: view.getUint32(at + 14, true) });
    if (pages.length > MAX_PAGES) throw new AudioFileError("too many pages");
    at = end;
  }
  return pages;
}

/** The first `wanted` packets of a stream, as pieces of the file. */
function packetsOf(pages: Page[], wanted: number): Pieces[] {
  const packets: Pieces[] = [];
  let current: Pieces = [];
  for (const page of pages) {
    let at = page.body;
    for (const length of page.segments) {
      if (length > 0) current.push({ at, length, page });
      at += length;
      if (length < 255) {
        packets.push(current);
        current = [];
        if (packets.length === wanted) return packets;
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

  /** Overwrites the next bytes with "x=" and spaces: still a comment, saying nothing. */
  blank(length: number): void {
    for (let i = 0; i < length; i++) this.bytes[this.next()] = i === 0 ? 0x78 : i === 1 ? 0x3d : 0x20;
  }
}

/**
 * The comment header: the vendor's name (kept: the encoder), a count, then each comment as a
 * length and "KEY=value", blanked.
 */
function blankComments(cursor: Cursor): void {
  cursor.skip(cursor.uint32());
  const count = cursor.uint32();
  for (let i = 0; i < count; i++) cursor.blank(cursor.uint32());
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
