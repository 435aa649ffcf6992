import { and, asc, count, eq, gt, isNull } from "drizzle-orm";
import { bookmarks, favourites, posts } from "../db/schema.ts";
import { MEDIA_PATH, type MediaStore } from "../media/store.ts";
import type { CoreDeps } from "./deps.ts";
import { type CsvExport, csvExports, exportCsv, exportedBookmarks } from "./exports.ts";
import { loadPostViews, type PostView } from "./views.ts";
import { MAX_ZIP_BYTES, MAX_ZIP_ENTRIES, type ZipEntry } from "./zip.ts";

/**
 * A member's archive, laid out as Mastodon's "Request your archive" lays it out: actor.json (the
 * Person), outbox.json (an OrderedCollection of the member's posts as Create activities, the
 * same documents the outbox serves), likes.json and bookmarks.json (post URIs), the media those
 * name, under the relative paths the JSON gives them, and the CSV files of Import and export. Built entry by entry as the download is
 * read (core/zip.ts): only one entry is in memory at a time.
 */

/** The ActivityStreams documents, built by federation exactly as it serves them (given at start). */
export interface ArchiveDocuments {
  actor(username: string): Promise<Record<string, unknown>>;
  creates(posts: PostView[]): Promise<Record<string, unknown>[]>;
}

type Json = Record<string, unknown>;

const PAGE = 200;
const AS = "https://www.w3.org/ns/activitystreams";
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

/** The member's own posts (boosts aside), counted for outbox.json's totalItems. */
function countPosts(deps: CoreDeps, accountId: string): number {
  return (
    deps.db
      .select({ n: count() })
      .from(posts)
      .where(and(eq(posts.accountId, accountId), isNull(posts.reblogOfId)))
      .get()?.n ?? 0
  );
}

/**
 * outbox.json as a stream of text, a page of posts at a time: the Create activities under one
 * @context (the first one's: they all have the same), their media relinked into the archive.
 */
async function* outbox(
  deps: CoreDeps,
  member: { id: string },
  docs: ArchiveDocuments,
  files: Set<string>,
): AsyncGenerator<Uint8Array> {
  let first = true;
  for (const page of postPages(deps, member.id)) {
    const creates = await docs.creates(page);
    const items = creates.map((create) => {
      if (first) {
        const head = {
          "@context": create["@context"],
          id: "outbox.json",
          type: "OrderedCollection",
          totalItems: countPosts(deps, member.id),
        };
        first = false;
        return `${JSON.stringify(head).slice(0, -1)},"orderedItems":[\n${itemJson(deps.baseUrl, create, files)}`;
      }
      return `,\n${itemJson(deps.baseUrl, create, files)}`;
    });
    yield encoder.encode(items.join(""));
  }
  const empty = {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: "outbox.json",
    type: "OrderedCollection",
    totalItems: 0,
  };
  yield encoder.encode(first ? `${JSON.stringify(empty).slice(0, -1)},"orderedItems":[]}` : "\n]}");
}

function itemJson(baseUrl: URL, create: Json, files: Set<string>): string {
  delete create["@context"];
  const attachments = (create.object as Json | undefined)?.attachment;
  for (const a of Array.isArray(attachments) ? attachments : [attachments]) relink(baseUrl, a, files);
  return JSON.stringify(create);
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
  // Streamed and deflated as it is made; `files` is complete once it has been read.
  yield { name: "outbox.json", data: outbox(deps, member, docs, files), modified };
  // likes.json and bookmarks.json as Mastodon's archive has them: collections of post URIs.
  for (const [name, table] of [
    ["likes", favourites],
    ["bookmarks", bookmarks],
  ] as const) {
    const uris = exportedBookmarks(deps, member.id, table).map((p) => p.uri);
    const collection = { "@context": AS, id: `${name}.json`, type: "OrderedCollection", orderedItems: uris };
    yield text(`${name}.json`, JSON.stringify(collection));
  }
  for (const name of csvExports) yield text(`${name}.csv`, exportCsv(deps, member.id, name as CsvExport));
  // Media last, each file read when its turn comes; what would pass the size bound is listed instead.
  let size = 0;
  let entries = 4 + csvExports.length;
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
