// The reference implementation of HTTP encrypted content encoding (RFC 8188, Web Push's
// encryption), used by tests to open what Skein sends the way a browser or phone would.
declare module "http_ece" {
  import type { ECDH } from "node:crypto";
  export function decrypt(
    buffer: Uint8Array,
    params: { version: "aesgcm" | "aes128gcm"; privateKey: ECDH; authSecret: string; dh?: string; salt?: string },
  ): Buffer;
}
