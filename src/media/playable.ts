import { AudioFileError, leadingTags, scrubFlac, scrubMp3, scrubWav } from "./audio-files.ts";
import { type ContainerInfo, IsoLayoutError, IsoMediaError, scrubIsoMedia } from "./iso-media.ts";
import { ascii, startsWith } from "./magic.ts";
import { MatroskaError, MatroskaLayoutError, scrubMatroska } from "./matroska.ts";
import { OggCodecError, OggLayoutError, scrubOgg } from "./ogg.ts";

/**
 * Video and audio, recognised from their first bytes (never from a name or a remote server's
 * word) so that they are stored and served only as what they are: members' uploads, and other
 * servers' files in the cache.
 */
export const playableExtensions = {
  "video/mp4": "mp4",
  "video/quicktime": "mov",
  "video/webm": "webm",
  "audio/webm": "weba",
  "audio/mp4": "m4a",
  "audio/mpeg": "mp3",
  "audio/ogg": "ogg",
  "audio/wav": "wav",
  "audio/flac": "flac",
} as const;

export type PlayableMime = keyof typeof playableExtensions;

const at = (bytes: Uint8Array, text: string, offset = 0) => startsWith(bytes, ascii(text), offset);

/** Brands of still pictures in the same boxes (HEIC, AVIF): images, not video. */
const IMAGE_BRANDS = new Set(["heic", "heix", "heim", "heis", "hevc", "mif1", "msf1", "avif", "avis"]);

export function detectPlayableType(bytes: Uint8Array): PlayableMime | null {
  // ISO media: a box of type "ftyp" first, its brand saying audio or QuickTime.
  if (at(bytes, "ftyp", 4)) {
    if (IMAGE_BRANDS.has(String.fromCharCode(...bytes.subarray(8, 12)))) return null;
    if (at(bytes, "M4A ", 8) || at(bytes, "M4B ", 8)) return "audio/mp4";
    return at(bytes, "qt  ", 8) ? "video/quicktime" : "video/mp4";
  }
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return "video/webm";
  if (at(bytes, "OggS")) return "audio/ogg";
  if (at(bytes, "fLaC")) return "audio/flac";
  if (at(bytes, "RIFF") && at(bytes, "WAVE", 8)) return "audio/wav";
  // MP3: an ID3 tag, or straight into an MPEG audio frame (11 bits of sync).
  // (Layer bits 00 are AAC in ADTS framing, which is not taken.)
  if (at(bytes, "ID3") || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0 && ((bytes[1] ?? 0) & 0x06) !== 0))
    return "audio/mpeg";
  return null;
}

export type PlayableErrorCode =
  | "unsupported_type"
  | "unsupported_codec"
  | "unsupported_layout"
  | "too_large"
  | "too_many_pixels"
  | "corrupt";

export class PlayableError extends Error {
  constructor(readonly code: PlayableErrorCode) {
    super(code);
    this.name = "PlayableError";
  }
}

export interface PreparedPlayable {
  mime: PlayableMime;
  /** What to store: the upload, changed in place, or a part of it (an MP3 without its tags). */
  bytes: Uint8Array;
  width: number | null;
  height: number | null;
  duration: number | null;
}

/** The picture of a video taken: 4K (3840×2160, upright or not), as Mastodon's limit. */
export const MAX_VIDEO_PIXELS = 3840 * 2160;
/** Encodings web browsers play, in MP4 (sample entry codes) and WebM (codec IDs). */
const PLAYABLE_CODECS = new Set([
  ...["avc1", "avc3", "hvc1", "hev1", "av01", "vp08", "vp09", "mp4a", "Opus", "fLaC", ".mp3"],
  ...["V_VP8", "V_VP9", "V_AV1", "A_OPUS", "A_VORBIS"],
]);

/**
 * An uploaded video or audio file made ready to store, in place: its type read from the bytes,
 * its descriptive metadata (place, device, titles) blanked in MP4, QuickTime and WebM files, its
 * size and length read. Nothing is re-encoded, so files must already be in a form browsers play:
 * QuickTime files are stored as the MP4 they nearly are (Firefox plays no "video/quicktime"),
 * Matroska files other than WebM are refused. Null when the bytes are no video or audio at all.
 */
export function preparePlayable(bytes: Uint8Array, maxBytes: number): PreparedPlayable | null {
  const type = detectPlayableType(bytes);
  if (!type) return null;
  if (bytes.length > maxBytes) throw new PlayableError("too_large");
  if (type === "video/webm") return checked(webm(bytes), bytes);
  if (type === "video/mp4" || type === "video/quicktime" || type === "audio/mp4") return checked(isoMedia(bytes), bytes);
  // Some taggers put an ID3 tag in front of a FLAC file: cut off, it is FLAC.
  const tags = leadingTags(bytes);
  const [mime, file] = tags > 0 && at(bytes, "fLaC", tags) ? (["audio/flac", bytes.subarray(tags)] as const) : [type, bytes];
  try {
    // (WebM is read above: "audio/webm" is never what the bytes are first taken for.)
    const audio = audioScrubbers[mime as keyof typeof audioScrubbers](file);
    return { mime, bytes: audio.bytes, width: null, height: null, duration: audio.duration };
  } catch (error) {
    if (error instanceof OggLayoutError) throw new PlayableError("unsupported_layout");
    if (error instanceof OggCodecError) throw new PlayableError("unsupported_codec");
    if (error instanceof AudioFileError || error instanceof RangeError) throw new PlayableError("corrupt");
    throw error;
  }
}

const audioScrubbers = { "audio/mpeg": scrubMp3, "audio/flac": scrubFlac, "audio/wav": scrubWav, "audio/ogg": scrubOgg };

function isoMedia(bytes: Uint8Array) {
  try {
    const info = scrubIsoMedia(bytes, (codec) => PLAYABLE_CODECS.has(codec));
    return { ...info, mime: info.hasVideo ? ("video/mp4" as const) : ("audio/mp4" as const) };
  } catch (error) {
    if (error instanceof IsoLayoutError) throw new PlayableError("unsupported_layout");
    if (error instanceof IsoMediaError || error instanceof RangeError) throw new PlayableError("corrupt");
    throw error;
  }
}

function webm(bytes: Uint8Array) {
  try {
    const info = scrubMatroska(bytes);
    if (info.docType !== "webm") throw new PlayableError("unsupported_type");
    return { ...info, mime: info.hasVideo ? ("video/webm" as const) : ("audio/webm" as const) };
  } catch (error) {
    if (error instanceof MatroskaLayoutError) throw new PlayableError("unsupported_layout");
    if (error instanceof MatroskaError || error instanceof RangeError) throw new PlayableError("corrupt");
    throw error;
  }
}

type Probed = ContainerInfo & { mime: PlayableMime };

function checked(info: Probed, bytes: Uint8Array): PreparedPlayable {
  if (info.codecs.some((codec) => !PLAYABLE_CODECS.has(codec))) throw new PlayableError("unsupported_codec");
  if (!info.hasVideo && !info.hasAudio) throw new PlayableError("corrupt");
  if (info.width && info.height && info.width * info.height > MAX_VIDEO_PIXELS) throw new PlayableError("too_many_pixels");
  return { mime: info.mime, bytes, width: info.width, height: info.height, duration: info.duration };
}
