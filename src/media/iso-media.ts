// MP4, QuickTime and M4A files (ISO base media): what Skein reads of an uploaded one, and what it
// blanks before storing it. Nothing is re-encoded (there is no codec in the binary), so the file
// keeps its layout: a box not needed to play it is overwritten in place by a "free" box of the
// same size full of zeros, which players skip, and no offset into the media data moves.

/** What a video or audio container says of itself (this file's and matroska.ts's). */
export interface ContainerInfo {
  /** The codecs of the picture and sound tracks: MP4 sample entry codes ("avc1", "mp4a"), WebM codec IDs ("V_VP9"). */
  codecs: string[];
  hasVideo: boolean;
  hasAudio: boolean;
  /** The picture as shown: a track turned a quarter (a phone held upright) has its sides swapped. */
  width: number | null;
  height: number | null;
  /** Seconds, when the file says. */
  duration: number | null;
}

interface Box {
  type: string;
  /** Where the box starts, where its content starts, and where it ends. */
  start: number;
  body: number;
  end: number;
}

/**
 * The boxes kept, by parent ("" for the top level): the picture and sound and what players need to
 * read them. Any other box (udta and meta with titles, the device and the place, XMP in uuid, a
 * dashcam's "gps " box, whatever a camera adds) is blanked. Free space is blanked too: it may hold
 * what an editor removed. Of the kept ones, the containers named in WALKED are looked into.
 */
const KEPT: Record<string, Set<string>> = {
  "": new Set(["ftyp", "moov", "mdat", "moof", "mfra", "sidx", "styp", "pdin"]),
  moov: new Set(["mvhd", "trak", "mvex", "iods"]),
  trak: new Set(["tkhd", "mdia", "edts", "tref", "tapt"]),
  mdia: new Set(["mdhd", "hdlr", "minf", "elng"]),
  minf: new Set(["vmhd", "smhd", "nmhd", "gmhd", "hdlr", "dinf", "stbl"]),
  stbl: new Set(["stsd", "stts", "ctts", "cslg", "stss", "stps", "stsh", "sdtp", "stsc", "stsz", "stco", "co64"]),
};
const WALKED = new Set(["moov", "trak", "mdia", "minf", "stbl"]);
/** Headers whose creation and modification times (when it was recorded) are zeroed. */
const DATED = new Set(["mvhd", "tkhd", "mdhd"]);
/** Boxes read in all, re-reads included: bounds the work a hostile file can ask for. */
const MAX_BOXES = 200_000;
/**
 * Chunks of the kept tracks, in all: an hour of 60 frames a second with its sound has some 400,000
 * at one sample each. More is refused, which bounds the memory of the span list.
 */
const MAX_CHUNKS = 1_000_000;

export class IsoMediaError extends Error {}
/** A layout whose leftovers cannot be found to blank: refused rather than stored with them. */
export class IsoLayoutError extends IsoMediaError {}

/**
 * Reads the layout of an ISO media file and blanks in `bytes` (changed in place) everything not
 * needed to play it: boxes other than the picture's and sound's, the recording times, tracks that
 * are neither picture nor sound or whose codec browsers do not play (a camera's GPS track, an
 * iPhone's spatial audio beside its AAC), and every byte of the media data that no kept track
 * points to (so dropped tracks' samples, and whatever else a device wrote there). `playable`
 * says which codecs to keep. Throws IsoMediaError when the boxes do not fit together or no movie
 * header is found, IsoLayoutError when what to blank cannot be told (fragments beside dropped
 * tracks, compact sample tables).
 */
export function scrubIsoMedia(bytes: Uint8Array, playable: (codec: string) => boolean): ContainerInfo {
  const reader = new BoxReader(bytes);
  const info: ContainerInfo = { codecs: [], hasVideo: false, hasAudio: false, width: null, height: null, duration: null };
  const keptTables: Box[] = [];
  const unplayable: { vide: string[]; soun: string[] } = { vide: [], soun: [] };
  const mediaData: Box[] = [];
  let seenMovie = false;
  let fragmented = false;
  let dropped = false;
  const walk = (parent: string, from: number, to: number) => {
    for (const box of reader.boxes(from, to)) {
      if (!KEPT[parent]?.has(box.type)) {
        blank(bytes, box);
        continue;
      }
      if (box.type === "mdat") mediaData.push(box);
      if (box.type === "moof") fragmented = true;
      if (box.type === "trak") {
        const track = readTrack(reader, box);
        if (!track.kind || !playable(track.codec)) {
          if (track.kind) unplayable[track.kind].push(track.codec);
          dropped = true;
          blank(bytes, box);
          continue;
        }
        info.codecs.push(track.codec);
        if (track.kind === "soun") info.hasAudio = true;
        else {
          info.hasVideo = true;
          if (info.width === null && track.size) Object.assign(info, track.size);
        }
        if (track.tables) keptTables.push(track.tables);
      }
      if (DATED.has(box.type)) undate(reader.view, box);
      if (box.type === "mvhd") {
        seenMovie = true;
        info.duration = movieDuration(reader.view, box);
      }
      if (WALKED.has(box.type)) walk(box.type, box.body, box.end);
    }
  };
  walk("", 0, bytes.length);
  if (!seenMovie) throw new IsoMediaError("no movie header");
  // A kind with no track left to play: the file is refused for those codecs.
  if (!info.hasVideo) info.codecs.push(...unplayable.vide);
  if (!info.hasAudio) info.codecs.push(...unplayable.soun);
  if (fragmented) {
    // Fragments point at their samples from moof boxes, which are not read: only a file with
    // nothing dropped is taken as it is.
    if (dropped) throw new IsoLayoutError("fragments beside dropped tracks");
  } else {
    const spans = keptTables.flatMap((tables) => [...chunkSpans(reader, tables)]);
    if (spans.length > MAX_CHUNKS) throw new IsoMediaError("too many chunks");
    blankUnreferenced(bytes, mediaData, spans);
  }
  return info;
}

/** A track's kind ("vide", "soun" or null for any other), its first sample entry's codec, its size and its sample tables. */
function readTrack(reader: BoxReader, trak: Box) {
  const handler = reader.find(trak, ["mdia", "hdlr"]);
  const type = handler && handler.end - handler.body >= 12 ? fourCC(reader.view, handler.body + 8) : null;
  const kind: "vide" | "soun" | null = type === "vide" || type === "soun" ? type : null;
  const tables = reader.find(trak, ["mdia", "minf", "stbl"]);
  const stsd = tables ? reader.find(tables, ["stsd"]) : null;
  const codec = stsd && stsd.end - stsd.body >= 16 ? fourCC(reader.view, stsd.body + 12) : "";
  const tkhd = kind === "vide" ? reader.find(trak, ["tkhd"]) : null;
  return { kind, codec, tables, size: tkhd ? trackSize(reader.view, tkhd) : null };
}

/**
 * Zeroes the media data no kept track points to. The spans are sorted and merged first, so the
 * work is one pass over the media data whatever the tables claim.
 */
function blankUnreferenced(bytes: Uint8Array, mediaData: Box[], spans: [number, number][]): void {
  spans.sort((a, b) => a[0] - b[0]);
  for (const box of mediaData) {
    let at = box.body;
    for (const [start, end] of spans) {
      if (end <= at || start >= box.end) continue;
      if (start > at) bytes.fill(0, at, start);
      at = Math.max(at, end);
    }
    if (at < box.end) bytes.fill(0, at, box.end);
  }
}

/**
 * Where a track's samples are, chunk by chunk, as [start, end): at the offsets of stco (or co64),
 * holding the numbers of samples stsc gives (its runs in order of first chunk), each of the size
 * stsz gives. The work is bounded by the tables' sizes, whatever counts they claim; a track with
 * samples but no tables to find them by (or only the compact stz2) is refused.
 */
function* chunkSpans(reader: BoxReader, stbl: Box): Generator<[number, number]> {
  const view = reader.view;
  const table = (type: string) => reader.find(stbl, [type]);
  const stsz = table("stsz");
  const stsc = table("stsc");
  const co64 = table("co64");
  const chunkTable = table("stco") ?? co64;
  if (!stsz || !stsc || !chunkTable) throw new IsoLayoutError("a kept track without sample tables");
  const wide = chunkTable === co64;
  /** A table's entry count, checked to fit in its box: `skip` bytes after version and flags, then the count. */
  const counted = (box: Box, width: number, skip = 0) => {
    const n = view.getUint32(box.body + 4 + skip);
    if (box.body + 8 + skip + n * width > box.end) throw new IsoMediaError(`${box.type} past its box`);
    return n;
  };
  const fixedSize = view.getUint32(stsz.body + 4);
  const samples = counted(stsz, fixedSize ? 0 : 4, 4);
  const chunks = counted(chunkTable, wide ? 8 : 4);
  if (chunks > MAX_CHUNKS) throw new IsoMediaError("too many chunks");
  const runs = counted(stsc, 12);
  const chunkAt = (chunk: number) =>
    wide
      ? Number(view.getBigUint64(chunkTable.body + 8 + (chunk - 1) * 8))
      : view.getUint32(chunkTable.body + 8 + (chunk - 1) * 4);
  let sample = 0;
  let previous = 0;
  for (let run = 0; run < runs && sample < samples; run++) {
    const at = stsc.body + 8 + run * 12;
    const first = view.getUint32(at);
    if (first <= previous || first > chunks) throw new IsoMediaError("stsc runs out of order");
    previous = first;
    const next = run + 1 < runs ? Math.min(view.getUint32(at + 12), chunks + 1) : chunks + 1;
    const perChunk = view.getUint32(at + 4);
    for (let chunk = first; chunk < next && sample < samples; chunk++) {
      const n = Math.min(perChunk, samples - sample);
      let length = fixedSize * n;
      if (!fixedSize) for (let i = 0; i < n; i++) length += view.getUint32(stsz.body + 12 + (sample + i) * 4);
      sample += n;
      yield [chunkAt(chunk), chunkAt(chunk) + length];
    }
  }
}

/** Zeroes a header's creation and modification times (32-bit each in version 0, 64-bit in 1). */
function undate(view: DataView, box: Box): void {
  const width = view.getUint8(box.body) === 1 ? 16 : 8;
  if (box.end - box.body < 4 + width) throw new IsoMediaError(`short ${box.type}`);
  for (let i = 0; i < width; i++) view.setUint8(box.body + 4 + i, 0);
}

/** The movie's length: a duration in units of its timescale (version 1 has 64-bit times). */
function movieDuration(view: DataView, box: Box): number | null {
  const version = view.getUint8(box.body);
  const need = version === 1 ? 32 : 20;
  if (box.end - box.body < need) throw new IsoMediaError("short mvhd");
  const scale = view.getUint32(box.body + (version === 1 ? 20 : 12));
  const units = version === 1 ? Number(view.getBigUint64(box.body + 24)) : view.getUint32(box.body + 16);
  const seconds = scale > 0 ? units / scale : 0;
  return seconds > 0 && seconds < 1e7 ? Math.round(seconds * 1000) / 1000 : null;
}

/** A video track's width and height (16.16 fixed point) turned by its display matrix. */
function trackSize(view: DataView, box: Box): { width: number; height: number } | null {
  const matrixAt = box.body + (view.getUint8(box.body) === 1 ? 52 : 40);
  if (box.end < matrixAt + 44) return null;
  const width = Math.round(view.getUint32(matrixAt + 36) / 65536);
  const height = Math.round(view.getUint32(matrixAt + 40) / 65536);
  if (width === 0 || height === 0) return null;
  // The matrix's a and d are 0 when the picture is turned 90° or 270°.
  const quarterTurn = view.getInt32(matrixAt) === 0 && view.getInt32(matrixAt + 16) === 0;
  return quarterTurn ? { width: height, height: width } : { width, height };
}

/** Reads boxes, counting every box read against MAX_BOXES. */
class BoxReader {
  readonly view: DataView;
  private read = 0;

  constructor(bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The box at a path below `parent` (the first of each type). */
  find(parent: Box, path: string[]): Box | null {
    let current: Box | null = parent;
    for (const type of path)
      current = current ? (this.boxes(current.body, current.end).find((b) => b.type === type) ?? null) : null;
    return current;
  }

  /** The boxes between two offsets, each checked to fit inside them. */
  boxes(from: number, to: number): Box[] {
    const view = this.view;
    const found: Box[] = [];
    let at = from;
    while (at + 8 <= to) {
      if (++this.read > MAX_BOXES) throw new IsoMediaError("too many boxes");
      let size = view.getUint32(at);
      let body = at + 8;
      if (size === 1) {
        if (at + 16 > to) throw new IsoMediaError("short box header");
        const large = view.getBigUint64(at + 8);
        if (large > BigInt(to - at)) throw new IsoMediaError("box past the end");
        size = Number(large);
        body = at + 16;
      } else if (size === 0) size = to - at; // the last box runs to the end
      if (size < body - at || at + size > to) throw new IsoMediaError("box past the end");
      found.push({ type: fourCC(view, at + 4), start: at, body, end: at + size });
      at += size;
    }
    return found;
  }
}

/** Overwrites a box with a "free" box of the same size, its content zeros. */
function blank(bytes: Uint8Array, box: Box): void {
  bytes.set([0x66, 0x72, 0x65, 0x65], box.start + 4); // "free"
  bytes.fill(0, box.start + 8, box.end);
  // A 64-bit size stays as written (the zeros above cleared it): write it back.
  if (box.body - box.start === 16) {
    new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(box.start + 8, BigInt(box.end - box.start));
  }
}

function fourCC(view: DataView, at: number): string {
  return String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));
}
