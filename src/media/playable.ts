import { ascii, startsWith } from "./magic.ts";

/**
 * Video and audio from remote posts, recognised from their first bytes (never from the remote
 * server's word) so the cache serves them only as what they are. Skein does not take such
 * uploads itself; it shows those of other servers.
 */
export const playableExtensions = {
  "video/mp4": "mp4",
  "video/quicktime": "mov",
  "video/webm": "webm",
  "audio/mp4": "m4a",
  "audio/mpeg": "mp3",
  "audio/ogg": "ogg",
  "audio/wav": "wav",
  "audio/flac": "flac",
} as const;

export type PlayableMime = keyof typeof playableExtensions;

const at = (bytes: Uint8Array, text: string, offset = 0) => startsWith(bytes, ascii(text), offset);

export function detectPlayableType(bytes: Uint8Array): PlayableMime | null {
  // ISO media: a box of type "ftyp" first, its brand saying audio or QuickTime.
  if (at(bytes, "ftyp", 4)) {
    if (at(bytes, "M4A ", 8) || at(bytes, "M4B ", 8)) return "audio/mp4";
    return at(bytes, "qt  ", 8) ? "video/quicktime" : "video/mp4";
  }
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return "video/webm";
  if (at(bytes, "OggS")) return "audio/ogg";
  if (at(bytes, "fLaC")) return "audio/flac";
  if (at(bytes, "RIFF") && at(bytes, "WAVE", 8)) return "audio/wav";
  // MP3: an ID3 tag, or straight into an MPEG audio frame (11 bits of sync).
  if (at(bytes, "ID3") || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0)) return "audio/mpeg";
  return null;
}
