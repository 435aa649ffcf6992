import { and, asc, eq, gt, isNull } from "drizzle-orm";
import { posts } from "../db/schema.ts";
import { MEDIA_PATH, type MediaStore } from "../media/store.ts";
import type { CoreDeps } from "./deps.ts";
import { type CsvExport, csvExports, exportCsv } from "./exports.ts";
import { loadPostViews, type PostView } from "./views.ts";
import { MAX_ZIP_BYTES, MAX_ZIP_ENTRIES, type ZipEntry } from "./zip.ts";

/**
 * A member's archive, laid out as Mastodon's "Request your archive" lays it out: actor.json (the
 * Person), outbox.json (an OrderedCollection of the member's posts as Create activities, the
 * same documents the outbox serves), the media those name, under the relative paths the JSON
 * gives them, and the CSV files of Import and export. Built entry by entry as the download is
 * read (core/zip.ts): only one entry is in memory at a time.
 */

/** The ActivityStreams documents, built by federation exactly as it serves them (given at start). */
export interface ArchiveDocuments {
  actor(username: string): Promise<Record<string, unknown>>;
  creates(posts: PostView[]): Promise<Record<string, unknown>[]>;
}

type Json = Record<string, unknown>;

const PAGE = 200;
const encoder = new TextEncoder();

/** `https://host/media/ab/….jpg` → `media/ab/….jpg` for our own media; null for anything else. */
function archivePath(baseUrl: URL, url: unknown): string | null {
  if (typeof url !== "string" || !url.startsWith(`${baseUrl.origin}/media/`)) return null;
  const path = url.slice(baseUrl.origin.length + "/media/".length);
  return MEDIA_PATH.test(path) ? path : null;
}

/** Points an Image/Document's `url` at its file in the archive, and notes the file. */
function relink(baseUrl: URL, object: unknown, files: Set<string>): void {
  const o = object as Json | null;
  if (!o || typeof o !== "object") return;
  const path = archivePath(baseUrl, o.url);
  if (!path) return;
  o.url = `media/${path}`;
  files.add(path);
}

/** The member's own posts (boosts aside), oldest first, a page at a time. */
function* postPages(deps: CoreDeps, accountId: string): Generator<PostView[]> {
  let after = "";
  for (;;) {
    const ids = deps.db
      .select({ id: posts.id })
      .from(posts)
      .where(and(eq(posts.accountId, accountId), isNull(posts.reblogOfId), gt(posts.id, after)))
      .orderBy(asc(posts.id))
      .limit(PAGE)
      .all()
      .map((r) => r.id);
    if (ids.length === 0) return;
    yield loadPostViews(deps.db, deps.baseUrl, ids, accountId);
    after = ids.at(-1) as string;
  }
}

/** outbox.json: the Create activities under one @context, their media relinked. */
async function outbox(deps: CoreDeps, member: { id: string }, docs: ArchiveDocuments, files: Set<string>): Promise<string> {
  const items: string[] = [];
  let context: unknown = "https://www.w3.org/ns/activitystreams";
  for (const page of postPages(deps, member.id)) {
    for (const create of await docs.creates(page)) {
      if (create["@context"]) context = create["@context"];
      delete create["@context"];
      const object = create.object as Json | undefined;
      const attachments = object?.attachment;
      for (const a of Array.isArray(attachments) ? attachments : [attachments]) relink(deps.baseUrl, a, files);
      items.push(JSON.stringify(create));
    }
  }
  const head = JSON.stringify({ "@context": context, id: "outbox.json", type: "OrderedCollection", totalItems: items.length });
  // The items are joined as text: one post at a time was turned into JSON, never the whole list.
  return `${head.slice(0, -1)},"orderedItems":[\n${items.join(",\n")}\n]}`;
}

/** The entries of a member's archive, made as they are asked for. */
export async function* archiveEntries(
  deps: CoreDeps,
  member: { id: string; username: string },
  docs: ArchiveDocuments,
  media: MediaStore,
): AsyncGenerator<ZipEntry> {
  const modified = new Date();
  const text = (name: string, body: string): ZipEntry => ({ name, data: encoder.encode(body), deflate: true, modified });
  const files = new Set<string>();
  const actor = await docs.actor(member.username);
  relink(deps.baseUrl, actor.icon, files);
  relink(deps.baseUrl, actor.image, files);
  yield text("actor.json", JSON.stringify(actor, null, 2));
  yield text("outbox.json", await outbox(deps, member, docs, files));
  for (const name of csvExports) yield text(`${name}.csv`, exportCsv(deps, member.id, name as CsvExport));
  // Media last, each file read when its turn comes; what would pass the size bound is listed instead.
  let size = 0;
  let entries = 2 + csvExports.length;
  const left: string[] = [];
  for (const path of files) {
    const file = media.file(path);
    if (!file || !(await file.exists())) {
      left.push(`${path} (the file is missing)`);
      continue;
    }
    if (size + file.size > MAX_ZIP_BYTES || entries >= MAX_ZIP_ENTRIES) {
      left.push(`${path} (the archive reached its size limit)`);
      continue;
    }
    size += file.size;
    entries++;
    yield { name: `media/${path}`, data: new Uint8Array(await file.arrayBuffer()), modified };
  }
  if (left.length > 0) yield text("missing_media.txt", `Media not in this archive:\n${left.join("\n")}\n`);
}
