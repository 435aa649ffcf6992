import { mkdirSync } from "node:fs";
import { readdir, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { asc, eq, lt, sql } from "drizzle-orm";
import type { Db } from "../db/open.ts";
import { remoteMedia } from "../db/schema.ts";
import { readLimited } from "../federation/guarded-fetch.ts";
import { detectImageType, headerSize } from "./images.ts";
import { detectPlayableType, playableExtensions } from "./playable.ts";
import { mediaTypes } from "./store.ts";

/**
 * Largest remote picture kept (after decompression of the transfer): 10 MB, the limit on every
 * response the process reads (federation/outgoing.ts), read into memory to be checked.
 */
export const REMOTE_MEDIA_MAX_BYTES = 10 * 1024 * 1024;
/**
 * Largest remote video or audio file kept, written to disk as it arrives (the size members may
 * upload here; Mastodon's re-encoded videos run about 10 MB a minute). Longer ones do not play here.
 */
export const REMOTE_PLAYABLE_MAX_BYTES = 40 * 1024 * 1024;
const MAX_PLAYABLE_DOWNLOADS = 3;
const MAX_PLAYABLE_WAITING = 30;
/** The cache's size cap: past it, the oldest files go first. */
export const REMOTE_MEDIA_CACHE_MAX_BYTES = 1024 * 1024 * 1024;
const MAX_PIXELS = 50e6;
/** A URL that failed is not tried again for a while: a page view must not become a fetch each time. */
const RETRY_AFTER_MS = 10 * 60_000;
const DAY = 86_400_000;
const EXTENSIONS = Object.keys(mediaTypes);
const PATH = new RegExp(`^[0-9a-f]{2}/[0-9a-f-]{36}\\.(?:${EXTENSIONS.join("|")})$`);

/**
 * Gets a remote file (the guarded fetch): answered 200, its body still to read; throws when it
 * cannot. `large` for video and audio: a later deadline, and no limit on the body (counted here).
 */
export type FetchFile = (url: string, large: boolean) => Promise<Response>;

export interface CachedImage {
  mime: string;
  path: string;
  file: ReturnType<typeof Bun.file>;
}

export interface PruneResult {
  files: number;
  bytes: number;
  before: number;
  after: number;
}

/**
 * Remote media kept in the data folder (media-cache/) so that pages never hotlink other
 * servers: fetched on first view through the guarded fetch, checked from its bytes (never the
 * remote server's word) to be a JPEG, PNG, WebP or GIF image or, where a post's attachment is
 * video or audio, one of playable.ts's types; stored under a random name.
 */
export class RemoteMediaCache {
  private inFlight = new Map<string, Promise<CachedImage | null>>();
  private failedUntil = new Map<string, number>();
  /** Video and audio downloads under way, and those waiting for one to end. */
  private downloading = 0;
  private waiting: (() => void)[] = [];

  constructor(
    readonly db: Db,
    readonly root: string,
    private readonly fetchFile: FetchFile,
    readonly maxTotalBytes = REMOTE_MEDIA_CACHE_MAX_BYTES,
  ) {}

  /** The cached copy, fetched when missing; null when the URL gives no acceptable file. */
  async get(url: string, playable = false): Promise<CachedImage | null> {
    const row = this.db.select().from(remoteMedia).where(eq(remoteMedia.url, url)).get();
    if (row && PATH.test(row.path)) {
      const file = Bun.file(join(this.root, row.path));
      if (await file.exists()) return { mime: row.mime, path: row.path, file };
    }
    if ((this.failedUntil.get(url) ?? 0) > Date.now()) return null;
    let pending = this.inFlight.get(url);
    if (!pending) {
      pending = (playable ? this.fetchPlayable(url) : this.fetchImage(url)).finally(() => this.inFlight.delete(url));
      this.inFlight.set(url, pending);
    }
    return pending;
  }

  private async fetchImage(url: string): Promise<CachedImage | null> {
    const bytes = await this.fetchFile(url, false)
      .then((response) => readLimited(response, REMOTE_MEDIA_MAX_BYTES))
      .catch(() => null);
    const mime = bytes ? detectImageType(bytes) : null;
    const size = bytes && mime ? headerSize(bytes, mime) : null;
    if (!bytes || !mime || !size || size.width * size.height > MAX_PIXELS) return this.failed(url);
    const path = this.newPath(Object.entries(mediaTypes).find(([, type]) => type === mime)?.[0] ?? "bin");
    const full = join(this.root, path);
    mkdirSync(dirname(full), { recursive: true });
    await Bun.write(full, bytes);
    return this.record(url, path, mime, bytes.length);
  }

  private async fetchPlayable(url: string): Promise<CachedImage | null> {
    if (!(await this.downloadSlot())) return null;
    try {
      const saved = await this.fetchFile(url, true)
        .then((response) => this.saveStream(response))
        .catch(() => null);
      return saved ? await this.record(url, saved.path, saved.mime, saved.bytes) : this.failed(url);
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.downloading--;
    }
  }

  /**
   * A turn to download a video or audio file (up to 40 MB each, to disk): a few at once, the
   * next ones waiting; false when too many wait already (the player gets nothing this time).
   */
  private downloadSlot(): Promise<boolean> {
    if (this.downloading < MAX_PLAYABLE_DOWNLOADS) {
      this.downloading++;
      return Promise.resolve(true);
    }
    if (this.waiting.length >= MAX_PLAYABLE_WAITING) return Promise.resolve(false);
    return new Promise((resolve) => this.waiting.push(() => resolve(true)));
  }

  /**
   * Writes a video or audio body into the cache as it arrives (never whole in memory), once its
   * first bytes show a playable type; past the limit the file goes.
   */
  private async saveStream(response: Response): Promise<{ path: string; mime: string; bytes: number } | null> {
    const reader = response.body?.getReader();
    if (!reader) return null;
    let head = new Uint8Array(0);
    let saved: { path: string; mime: string; bytes: number; writer: import("bun").FileSink } | undefined;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (saved) {
          saved.bytes += value.length;
          if (saved.bytes > REMOTE_PLAYABLE_MAX_BYTES) throw new Error("too large");
          saved.writer.write(value);
          continue;
        }
        head = Buffer.concat([head, value]);
        if (head.length < 16) continue;
        const mime = detectPlayableType(head);
        if (!mime || head.length > REMOTE_PLAYABLE_MAX_BYTES) throw new Error("not video or audio");
        const path = this.newPath(playableExtensions[mime]);
        mkdirSync(dirname(join(this.root, path)), { recursive: true });
        saved = { path, mime, bytes: head.length, writer: Bun.file(join(this.root, path)).writer() };
        saved.writer.write(head);
      }
      if (!saved) return null;
      await saved.writer.end();
      return { path: saved.path, mime: saved.mime, bytes: saved.bytes };
    } catch {
      await reader.cancel().catch(() => {});
      if (saved) {
        await saved.writer.end();
        await this.removeFile(saved.path);
      }
      return null;
    }
  }

  private failed(url: string): null {
    if (this.failedUntil.size > 10_000) this.failedUntil.clear();
    this.failedUntil.set(url, Date.now() + RETRY_AFTER_MS);
    return null;
  }

  private newPath(ext: string): string {
    const name = crypto.randomUUID();
    return `${name.slice(0, 2)}/${name}.${ext}`;
  }

  /** Notes a written file in the table (replacing an older copy of the same URL) and keeps the cap. */
  private async record(url: string, path: string, mime: string, bytes: number): Promise<CachedImage> {
    const values = { url, path, mime, bytes, fetchedAt: new Date() };
    const previous = this.db.select().from(remoteMedia).where(eq(remoteMedia.url, url)).get();
    this.db.insert(remoteMedia).values(values).onConflictDoUpdate({ target: remoteMedia.url, set: values }).run();
    if (previous) await this.removeFile(previous.path);
    await this.shrinkTo(this.maxTotalBytes);
    return { mime, path, file: Bun.file(join(this.root, path)) };
  }

  totalBytes(): number {
    return (
      this.db
        .select({ n: sql<number>`coalesce(sum(${remoteMedia.bytes}), 0)` })
        .from(remoteMedia)
        .get()?.n ?? 0
    );
  }

  /** Removes files fetched more than `days` ago, then the oldest while the cache is over its cap. */
  async prune(now: Date, days: number): Promise<PruneResult> {
    const before = this.totalBytes();
    const old = this.db
      .select()
      .from(remoteMedia)
      .where(lt(remoteMedia.fetchedAt, new Date(now.getTime() - days * DAY)))
      .all();
    const aged = await this.remove(old);
    const capped = await this.shrinkTo(this.maxTotalBytes);
    const strays = await this.removeStrays(now);
    const files = aged.files + capped.files + strays.files;
    return { files, bytes: aged.bytes + capped.bytes + strays.bytes, before, after: this.totalBytes() };
  }

  /** Files no row names (a stop between writing a file and recording it), once an hour old. */
  private async removeStrays(now: Date): Promise<{ files: number; bytes: number }> {
    const known = new Set(
      this.db
        .select({ path: remoteMedia.path })
        .from(remoteMedia)
        .all()
        .map((r) => r.path),
    );
    const removed = { files: 0, bytes: 0 };
    for (const dir of await readdir(this.root).catch(() => [])) {
      for (const name of await readdir(join(this.root, dir)).catch(() => [])) {
        const path = `${dir}/${name}`;
        if (known.has(path) || !PATH.test(path)) continue;
        const info = await stat(join(this.root, path)).catch(() => null);
        if (!info || now.getTime() - info.mtimeMs < 3600_000) continue;
        await this.removeFile(path);
        removed.files++;
        removed.bytes += info.size;
      }
    }
    return removed;
  }

  private async shrinkTo(maxBytes: number): Promise<{ files: number; bytes: number }> {
    let excess = this.totalBytes() - maxBytes;
    const removed = { files: 0, bytes: 0 };
    while (excess > 0) {
      const oldest = this.db.select().from(remoteMedia).orderBy(asc(remoteMedia.fetchedAt)).limit(100).all();
      const batch: (typeof oldest)[number][] = [];
      for (const row of oldest) {
        if (excess <= 0) break;
        batch.push(row);
        excess -= row.bytes;
      }
      if (batch.length === 0) break;
      const done = await this.remove(batch);
      removed.files += done.files;
      removed.bytes += done.bytes;
    }
    return removed;
  }

  /** Rows first: a row whose file is gone is fetched again, a file without a row is only lost space. */
  private async remove(rows: (typeof remoteMedia.$inferSelect)[]): Promise<{ files: number; bytes: number }> {
    for (const row of rows) this.db.delete(remoteMedia).where(eq(remoteMedia.url, row.url)).run();
    for (const row of rows) await this.removeFile(row.path);
    return { files: rows.length, bytes: rows.reduce((n, r) => n + r.bytes, 0) };
  }

  private async removeFile(path: string) {
    if (PATH.test(path)) await rm(join(this.root, path), { force: true });
  }
}

/** The job's line for the log and the admin overview. */
export function describePrune(result: PruneResult): string {
  return `${result.files} cached remote files removed (${size(result.bytes)}); cache ${size(result.before)} before, ${size(result.after)} after`;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
