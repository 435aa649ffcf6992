// WebM files (Matroska's subset for the web): what Skein reads of an uploaded one, and the
// metadata it blanks before storing it. As with MP4 (iso-media.ts) nothing is re-encoded: a
// metadata element is overwritten by a Void element of the same length, so nothing moves.

import type { ContainerInfo } from "./iso-media.ts";

/** The duration is absent from files written while recording (a browser's MediaRecorder). */
export interface MatroskaInfo extends ContainerInfo {
  docType: string;
}

interface Element {
  id: number;
  start: number;
  body: number;
  /** Null for an element of unknown size (a live recording's segment and clusters). */
  end: number | null;
}

const ID = {
  ebml: 0x1a45dfa3,
  docType: 0x4282,
  segment: 0x18538067,
  info: 0x1549a966,
  timestampScale: 0x2ad7b1,
  duration: 0x4489,
  title: 0x7ba9,
  tracks: 0x1654ae6b,
  trackEntry: 0xae,
  trackType: 0x83,
  codecId: 0x86,
  trackName: 0x536e,
  video: 0xe0,
  pixelWidth: 0xb0,
  pixelHeight: 0xba,
  displayWidth: 0x54b0,
  displayHeight: 0x54ba,
  tags: 0x1254c367,
  attachments: 0x1941a469,
  chapters: 0x1043a770,
  cluster: 0x1f43b675,
  void: 0xec,
  dateUtc: 0x4461,
  segmentFilename: 0x7384,
  prevFilename: 0x3c83bb,
  nextFilename: 0x3e83bb,
  codecName: 0x258688,
} as const;
/**
 * Free text a person may have put in, and when it was recorded: titles and names, tags (place,
 * comment, author), chapters, attached files, the date.
 */
const METADATA = new Set<number>([
  ...[ID.title, ID.trackName, ID.tags, ID.attachments, ID.chapters, ID.dateUtc, ID.codecName],
  ...[ID.segmentFilename, ID.prevFilename, ID.nextFilename],
  ID.void, // free space: it may hold what an editor removed
]);
/** What a segment holds: where a cluster of unknown size ends, at the next of these. */
const SEGMENT_CHILDREN = new Set<number>([
  0x114d9b74, // SeekHead
  ID.info,
  ID.tracks,
  ID.cluster,
  0x1c53bb6b, // Cues
  ID.tags,
  ID.attachments,
  ID.chapters,
]);
// Each element takes two bytes at least: this bounds the walk well above any real 40 MB file.
const MAX_ELEMENTS = 5_000_000;

export class MatroskaError extends Error {}
/** A layout whose leftovers cannot be blanked: refused rather than stored with them. */
export class MatroskaLayoutError extends MatroskaError {}

/**
 * Reads an EBML file's header, segment information and tracks, blanking titles, tags, chapters,
 * attachments and the date in `bytes` (changed in place), and zeroing anything after the segment.
 * Clusters of unknown size (a recording written as it went) are stepped through block by block.
 */
export function scrubMatroska(bytes: Uint8Array): MatroskaInfo {
  const reader = new Reader(bytes);
  const info: MatroskaInfo = {
    docType: "",
    codecs: [],
    hasVideo: false,
    hasAudio: false,
    width: null,
    height: null,
    duration: null,
  };
  const top = reader.children(0, bytes.length);
  const header = top.next().value;
  if (!header || header.id !== ID.ebml || header.end === null) throw new MatroskaError("no EBML header");
  for (const el of reader.children(header.body, header.end)) if (el.id === ID.docType) info.docType = reader.text(el);
  const segment = top.next().value;
  if (!segment || segment.id !== ID.segment) throw new MatroskaError("no segment");
  let scale = 1_000_000; // nanoseconds per timestamp unit
  let units: number | null = null;
  for (const el of segmentChildren(reader, segment, bytes.length)) {
    if (METADATA.has(el.id)) reader.blank(el);
    else if (el.id === ID.info) {
      for (const field of reader.children(el.body, el.end)) {
        if (field.id === ID.timestampScale) scale = reader.uint(field);
        else if (field.id === ID.duration) units = reader.float(field);
        else if (METADATA.has(field.id)) reader.blank(field);
      }
    } else if (el.id === ID.tracks) {
      for (const entry of reader.children(el.body, el.end)) if (entry.id === ID.trackEntry) readTrack(reader, entry, info);
    }
  }
  const seconds = units !== null ? units * scale * 1e-9 : null;
  if (seconds !== null && Number.isFinite(seconds) && seconds > 0 && seconds < 1e7)
    info.duration = Math.round(seconds * 1000) / 1000;
  if (segment.end !== null) bytes.fill(0, segment.end);
  return info;
}

/**
 * The segment's elements, each of known size (a cluster of unknown size is passed over up to
 * the next segment-level element; anything else of unknown size is refused).
 */
function* segmentChildren(reader: Reader, segment: Element, fileEnd: number): Generator<Element & { end: number }> {
  const end = segment.end ?? fileEnd;
  let at = segment.body;
  while (at < end) {
    const el = reader.children(at, end).next().value;
    if (!el) return;
    if (el.end !== null) {
      yield { ...el, end: el.end };
      at = el.end;
      continue;
    }
    if (el.id !== ID.cluster) throw new MatroskaError("element of unknown size");
    at = el.body;
    for (const block of reader.children(el.body, end)) {
      if (SEGMENT_CHILDREN.has(block.id)) break;
      if (block.end === null) throw new MatroskaError("element of unknown size in a cluster");
      at = block.end;
    }
  }
}

function readTrack(reader: Reader, entry: Element, info: MatroskaInfo): void {
  let type = 0;
  let size: { width: number | null; height: number | null } = { width: null, height: null };
  let codec = "";
  for (const field of reader.children(entry.body, entry.end ?? entry.body)) {
    if (field.id === ID.trackType) type = reader.uint(field);
    else if (field.id === ID.codecId) codec = reader.text(field);
    else if (field.id === ID.video) size = videoSize(reader, field);
    else if (METADATA.has(field.id)) reader.blank(field);
  }
  // Subtitles and other tracks' blocks sit among the picture's in the clusters: rather than
  // left there, such a file is refused.
  if (type !== 1 && type !== 2) throw new MatroskaLayoutError("a track other than picture and sound");
  info.codecs.push(codec);
  if (type === 1) {
    info.hasVideo = true;
    if (info.width === null) Object.assign(info, size);
  } else if (type === 2) info.hasAudio = true;
}

/** The size to show: the display size when given, else the pixels'. */
function videoSize(reader: Reader, video: Element) {
  const read: Record<number, number> = {};
  for (const field of reader.children(video.body, video.end ?? video.body)) read[field.id] = reader.uint(field);
  const width = read[ID.displayWidth] || read[ID.pixelWidth] || null;
  const height = read[ID.displayHeight] || read[ID.pixelHeight] || null;
  return { width, height };
}

class Reader {
  private count = 0;
  constructor(private readonly bytes: Uint8Array) {}

  *children(from: number, to: number): Generator<Element> {
    let at = from;
    while (at < to) {
      if (++this.count > MAX_ELEMENTS) throw new MatroskaError("too many elements");
      const id = this.vint(at, to, true);
      const size = this.vint(at + id.length, to, false);
      const body = at + id.length + size.length;
      const end = size.value === null ? null : body + size.value;
      if (end !== null && end > to) throw new MatroskaError("element past the end");
      yield { id: id.value ?? 0, start: at, body, end };
      if (end === null) return;
      at = end;
    }
  }

  /** A variable-length integer: the leading zeros of its first byte say how many bytes follow. IDs keep their marker bit. */
  private vint(at: number, to: number, keepMarker: boolean): { value: number | null; length: number } {
    const first = this.bytes[at] ?? 0;
    const length = first === 0 ? 9 : Math.clz32(first) - 23;
    if (length > (keepMarker ? 4 : 8) || at + length > to) throw new MatroskaError("bad variable-length integer");
    let value = keepMarker ? first : first & (0xff >> length);
    let allOnes = value === 0xff >> length;
    for (let i = 1; i < length; i++) {
      const byte = this.bytes[at + i] ?? 0;
      value = value * 256 + byte;
      allOnes &&= byte === 0xff;
    }
    return { value: !keepMarker && allOnes ? null : value, length };
  }

  uint(el: Element): number {
    let value = 0;
    for (let i = el.body; i < (el.end ?? el.body) && i < el.body + 8; i++) value = value * 256 + (this.bytes[i] ?? 0);
    return value;
  }

  float(el: Element): number | null {
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + el.body);
    const length = (el.end ?? el.body) - el.body;
    return length === 4 ? view.getFloat32(0) : length === 8 ? view.getFloat64(0) : null;
  }

  text(el: Element): string {
    return new TextDecoder().decode(this.bytes.subarray(el.body, Math.min(el.end ?? el.body, el.body + 64))).replace(/\0+$/, "");
  }

  /**
   * Overwrites an element with a Void element (ID 0xEC) of the same total length: a one-byte ID,
   * then the size in as many bytes as the old ID and size took less one (at most 8), then zeros.
   */
  blank(el: Element): void {
    if (el.end === null) throw new MatroskaError("metadata of unknown size");
    const width = Math.min(8, el.body - el.start - 1);
    const size = el.end - el.start - 1 - width;
    this.bytes.fill(0, el.start, el.end);
    this.bytes[el.start] = 0xec;
    let rest = size;
    for (let i = width; i >= 1; i--) {
      this.bytes[el.start + i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
    this.bytes[el.start + 1] = (this.bytes[el.start + 1] ?? 0) | (0x80 >> (width - 1));
  }
}
