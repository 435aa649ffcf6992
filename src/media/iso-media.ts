// MP4, QuickTime and M4A files (ISO base media): what Skein reads of an uploaded one, and the
// metadata it blanks before storing it. Nothing is re-encoded (there is no codec in the binary),
// so the file keeps its layout: a metadata box is overwritten in place by a "free" box of the
// same size full of zeros, which players skip, and no offset into the media data moves.

export interface IsoMediaInfo {
  /** Sample entry codes of the tracks, e.g. "avc1", "hvc1", "mp4a". */
  codecs: string[];
  hasVideo: boolean;
  hasAudio: boolean;
  /** The picture as shown: a track turned a quarter (a phone held upright) has its sides swapped. */
  width: number | null;
  height: number | null;
  /** Seconds. */
  duration: number | null;
}

interface Box {
  type: string;
  /** Where the box starts, where its content starts, and where it ends. */
  start: number;
  body: number;
  end: number;
}

/** Boxes whose content is more boxes, among those we read. */
const CONTAINERS = new Set(["moov", "mdia", "minf", "stbl"]);
/**
 * Boxes holding only descriptive metadata: titles, the recording device, the place it was made
 * ("©xyz", Apple's "com.apple.quicktime.location.ISO6709"), XMP ("uuid"). Anywhere we walk.
 */
const METADATA = new Set(["udta", "meta", "uuid"]);
const MAX_BOXES = 10_000;

export class IsoMediaError extends Error {}

/**
 * Reads the layout of an ISO media file, blanking its metadata in `bytes` (changed in place) and
 * every track that carries timed metadata rather than picture or sound. Throws IsoMediaError when
 * the boxes do not fit together or no movie header is found.
 */
export function scrubIsoMedia(bytes: Uint8Array): IsoMediaInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const info: IsoMediaInfo = { codecs: [], hasVideo: false, hasAudio: false, width: null, height: null, duration: null };
  let seenMovie = false;
  let count = 0;
  const walk = (from: number, to: number) => {
    for (const box of boxes(view, from, to)) {
      if (++count > MAX_BOXES) throw new IsoMediaError("too many boxes");
      if (METADATA.has(box.type)) blank(bytes, box);
      else if (box.type === "mvhd") {
        seenMovie = true;
        info.duration = movieDuration(view, box);
      } else if (box.type === "trak") readTrack(view, bytes, box, info, walk);
      else if (CONTAINERS.has(box.type)) walk(box.body, box.end);
    }
  };
  walk(0, bytes.length);
  if (!seenMovie) throw new IsoMediaError("no movie header");
  return info;
}

/** A track: its handler says picture, sound or other; other tracks (timed metadata, hints) are blanked. */
function readTrack(
  view: DataView,
  bytes: Uint8Array,
  trak: Box,
  info: IsoMediaInfo,
  walk: (from: number, to: number) => void,
): void {
  const handler = find(view, trak, ["mdia", "hdlr"]);
  const kind = handler && handler.end - handler.body >= 12 ? fourCC(view, handler.body + 8) : null;
  if (kind !== "vide" && kind !== "soun") {
    blank(bytes, trak);
    return;
  }
  walk(trak.body, trak.end);
  const stsd = find(view, trak, ["mdia", "minf", "stbl", "stsd"]);
  if (stsd && stsd.end - stsd.body >= 16) info.codecs.push(fourCC(view, stsd.body + 12));
  if (kind === "soun") {
    info.hasAudio = true;
    return;
  }
  info.hasVideo = true;
  const tkhd = find(view, trak, ["tkhd"]);
  if (tkhd && info.width === null) Object.assign(info, trackSize(view, tkhd));
}

/** The movie's length: a duration in units of its timescale (version 1 has 64-bit times). */
function movieDuration(view: DataView, box: Box): number | null {
  const version = view.getUint8(box.body);
  const need = version === 1 ? 32 : 20;
  if (box.end - box.body < need) throw new IsoMediaError("short mvhd");
  const scale = view.getUint32(box.body + (version === 1 ? 20 : 12));
  const units = version === 1 ? Number(view.getBigUint64(box.body + 24)) : view.getUint32(box.body + 16);
  return scale > 0 && units > 0 && units < 2 ** 53 ? Math.round((units / scale) * 1000) / 1000 : null;
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

/** The box at a path below `parent` (the first of each type). */
function find(view: DataView, parent: Box, path: string[]): Box | null {
  let current: Box | null = parent;
  for (const type of path) {
    current = current ? (boxes(view, current.body, current.end).find((b) => b.type === type) ?? null) : null;
  }
  return current;
}

/** The boxes between two offsets, each checked to fit inside them. */
function boxes(view: DataView, from: number, to: number): Box[] {
  const found: Box[] = [];
  let at = from;
  while (at + 8 <= to) {
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
    if (found.length > MAX_BOXES) throw new IsoMediaError("too many boxes");
  }
  return found;
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
