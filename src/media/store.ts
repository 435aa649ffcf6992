import { mkdirSync, rmSync } from "node:fs";
import { readdir, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { playableExtensions } from "./playable.ts";

const extensions: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "image/gif": "gif",
  ...playableExtensions,
};

/** A stored file's path as it appears in URLs: two hex characters, a random name, an extension. */
export const MEDIA_PATH = new RegExp(`^[0-9a-f]{2}/[0-9a-f-]{36}(?:-small)?\\.(?:${Object.values(extensions).join("|")})$`);

export const mediaTypes: Record<string, string> = Object.fromEntries(
  Object.entries(extensions).map(([mime, ext]) => [ext, mime]),
);

/**
 * Media files under the data folder's media/ directory. Names are random (never the uploader's
 * file name) and spread over 256 subfolders.
 */
export class MediaStore {
  constructor(readonly root: string) {}

  /** Writes a file and returns its relative path. */
  async save(bytes: Uint8Array, mime: string, options: { name?: string; suffix?: string } = {}): Promise<string> {
    const ext = extensions[mime];
    if (!ext) throw new Error(`no extension for ${mime}`);
    const name = options.name ?? crypto.randomUUID();
    const path = `${name.slice(0, 2)}/${name}${options.suffix ?? ""}.${ext}`;
    const full = join(this.root, path);
    mkdirSync(dirname(full), { recursive: true });
    await Bun.write(full, bytes);
    return path;
  }

  file(path: string) {
    if (!MEDIA_PATH.test(path)) return null;
    return Bun.file(join(this.root, path));
  }

  async remove(path: string | null): Promise<void> {
    if (path && MEDIA_PATH.test(path)) await rm(join(this.root, path), { force: true });
  }

  /** Removes a file before returning (a deleted post's photo must not be served a moment longer). */
  removeNow(path: string | null): void {
    if (path && MEDIA_PATH.test(path)) rmSync(join(this.root, path), { force: true });
  }

  /** Every stored file (up to `maxFiles`) with its size and last change, for the orphan sweep. */
  async files(maxFiles = 1_000_000): Promise<{ path: string; bytes: number; changedMs: number }[]> {
    const found: { path: string; bytes: number; changedMs: number }[] = [];
    for (const dir of await readdir(this.root).catch(() => [])) {
      for (const name of await readdir(join(this.root, dir)).catch(() => [])) {
        const path = `${dir}/${name}`;
        if (!MEDIA_PATH.test(path)) continue;
        const info = await stat(join(this.root, path)).catch(() => null);
        if (info?.isFile()) found.push({ path, bytes: info.size, changedMs: info.mtimeMs });
        if (found.length >= maxFiles) return found;
      }
    }
    return found;
  }

  /**
   * The bytes the folder holds, for the admin overview. It walks the folder, so it stops after
   * `maxFiles` files (`complete` false: the figure is a lower bound).
   */
  async usage(maxFiles = 100_000): Promise<{ bytes: number; files: number; complete: boolean }> {
    let bytes = 0;
    let files = 0;
    // Depth first; the files of one folder are measured together (a few hundred at most).
    const walk = async (dir: string): Promise<boolean> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      const names = entries.filter((e) => e.isFile()).map((e) => join(dir, e.name));
      const measured = names.slice(0, maxFiles - files);
      const sizes = await Promise.all(
        measured.map((f) =>
          stat(f).then(
            (s) => s.size,
            () => 0,
          ),
        ),
      );
      bytes += sizes.reduce((a, b) => a + b, 0);
      files += measured.length;
      if (measured.length < names.length) return false;
      for (const entry of entries) if (entry.isDirectory() && !(await walk(join(dir, entry.name)))) return false;
      return true;
    };
    const complete = await walk(this.root);
    return { bytes, files, complete };
  }
}
