import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import { and, eq } from "drizzle-orm";
import { getLogger } from "@logtape/logtape";
import type { CoreDeps } from "../core/deps.ts";
import { covers, findToken } from "../core/oauth.ts";
import { findVisiblePost } from "../core/posts.ts";
import { loadPostViews, type PostView } from "../core/views.ts";
import { follows, notifications } from "../db/schema.ts";
import { accountEntities, statusEntities } from "./entities.ts";

const logger = getLogger(["skein", "streaming"]);

/** The streams Mastodon clients subscribe to (lists and direct messages are not streamed yet). */
const streamNames = ["user", "user:notification", "public", "public:local", "public:remote", "hashtag", "hashtag:local"] as const;
type StreamName = (typeof streamNames)[number];
const isStream = (name: string): name is StreamName => (streamNames as readonly string[]).includes(name);

interface Subscription {
  name: StreamName;
  tag?: string;
}

export interface Connection {
  /** The member behind the token, if any (public streams need none). */
  accountId: string | null;
  scopes: string[];
  subscriptions: Subscription[];
}

const PATH = /^\/api\/v1\/streaming(?:\/([a-z:]+))?\/?$/;
const MAX_SUBSCRIPTIONS = 20;

/**
 * GET /api/v1/streaming as a WebSocket (Mastodon's protocol): a client subscribes to streams and
 * receives `update`, `notification`, `delete` and `status.update` events, each a JSON message
 * `{stream, event, payload}` with the payload itself JSON-encoded. Events come from core's domain
 * events, so a post made on a page, through the API or arriving from another server streams alike.
 */
export function createStreaming(deps: CoreDeps) {
  const { db, baseUrl, events } = deps;
  const sockets = new Set<ServerWebSocket<Connection>>();

  const send = (ws: ServerWebSocket<Connection>, sub: Subscription, event: string, payload: unknown) =>
    ws.send(
      JSON.stringify({
        stream: sub.tag ? [sub.name, sub.tag] : [sub.name],
        event,
        payload: typeof payload === "string" ? payload : JSON.stringify(payload),
      }),
    );

  /** Whether a post belongs on this subscription's timeline, for this connection's member. */
  const belongs = (post: PostView, sub: Subscription, conn: Connection): boolean => {
    const listed = post.visibility === "public" && !post.reblog;
    switch (sub.name) {
      case "user":
        return conn.accountId !== null && (post.account.id === conn.accountId || follower(conn.accountId, post.account.id));
      case "public":
        return listed;
      case "public:local":
        return listed && post.account.domain === null;
      case "public:remote":
        return listed && post.account.domain !== null;
      case "hashtag":
        return listed && post.tags.includes(sub.tag ?? "");
      case "hashtag:local":
        return listed && post.account.domain === null && post.tags.includes(sub.tag ?? "");
      default:
        return false;
    }
  };
  const follower = (accountId: string, authorId: string) =>
    db
      .select({ id: follows.id })
      .from(follows)
      .where(and(eq(follows.followerId, accountId), eq(follows.followingId, authorId), eq(follows.state, "accepted")))
      .get() !== undefined;

  /** A post created or edited: to every subscription whose timeline holds it, as its member sees it. */
  const streamPost = (postId: string, event: "update" | "status.update") => {
    for (const ws of sockets) {
      const conn = ws.data;
      if (!conn.subscriptions.some((s) => s.name !== "user:notification")) continue;
      if (!findVisiblePost(db, postId, conn.accountId)) continue;
      const view = loadPostViews(db, baseUrl, [postId], conn.accountId)[0];
      if (!view) continue;
      const status = statusEntities(db, baseUrl, [view])[0];
      for (const sub of conn.subscriptions) if (belongs(view, sub, conn)) send(ws, sub, event, status);
    }
  };

  events.on("post.created", ({ postId }) => streamPost(postId, "update"));
  events.on("post.updated", ({ postId }) => streamPost(postId, "status.update"));
  events.on("post.reblogged", ({ reblogId }) => streamPost(reblogId, "update"));
  events.on("post.deleted", ({ postId }) => {
    for (const ws of sockets)
      for (const sub of ws.data.subscriptions) if (sub.name !== "user:notification") send(ws, sub, "delete", postId);
  });
  events.on("notification.created", ({ notificationId, accountId }) => {
    const targets = [...sockets].filter((ws) => ws.data.accountId === accountId);
    if (targets.length === 0) return;
    const row = db.select().from(notifications).where(eq(notifications.id, notificationId)).get();
    const account = row ? accountEntities(db, baseUrl, [row.fromAccountId]).get(row.fromAccountId) : undefined;
    if (!row || !account) return;
    const status = row.postId ? statusEntities(db, baseUrl, loadPostViews(db, baseUrl, [row.postId], accountId))[0] : undefined;
    const entity = {
      id: row.id,
      type: row.type === "reply" ? "mention" : row.type,
      created_at: row.createdAt.toISOString(),
      group_key: `ungrouped-${row.id}`,
      account,
      ...(row.postId ? { status: status ?? null } : {}),
    };
    for (const ws of targets)
      for (const sub of ws.data.subscriptions)
        if ((sub.name === "user" || sub.name === "user:notification") && covers(ws.data.scopes, "read:notifications"))
          send(ws, sub, "notification", entity);
  });

  /** Subscribes a connection, refusing streams its token does not allow. Returns an error message or null. */
  const subscribe = (conn: Connection, name: string, tag: string | undefined): string | null => {
    if (!isStream(name)) return "Unknown stream type";
    if ((name === "user" || name === "user:notification") && (!conn.accountId || !covers(conn.scopes, "read:statuses")))
      return "Missing access token";
    if (name.startsWith("hashtag") && !tag) return "No tag given";
    const sub = { name, tag: tag?.toLowerCase().replace(/^#/, "") };
    if (conn.subscriptions.some((s) => s.name === sub.name && s.tag === sub.tag)) return null;
    if (conn.subscriptions.length >= MAX_SUBSCRIPTIONS) return "Too many subscriptions";
    conn.subscriptions.push(sub);
    return null;
  };

  const websocket: WebSocketHandler<Connection> = {
    open(ws) {
      sockets.add(ws);
    },
    close(ws) {
      sockets.delete(ws);
    },
    message(ws, message) {
      let parsed: { type?: unknown; stream?: unknown; tag?: unknown };
      try {
        parsed = JSON.parse(String(message).slice(0, 2000));
      } catch {
        ws.send(JSON.stringify({ error: "Could not parse the message as JSON" }));
        return;
      }
      const name = typeof parsed.stream === "string" ? parsed.stream : "";
      const tag = typeof parsed.tag === "string" ? parsed.tag : undefined;
      if (parsed.type === "subscribe") {
        const error = subscribe(ws.data, name, tag);
        if (error) ws.send(JSON.stringify({ error, status: 400 }));
      } else if (parsed.type === "unsubscribe") {
        ws.data.subscriptions = ws.data.subscriptions.filter((s) => !(s.name === name && (!tag || s.tag === tag.toLowerCase())));
      }
    },
    // Bun pings idle sockets; a client that never answers is closed after two minutes.
    idleTimeout: 120,
    maxPayloadLength: 16 * 1024,
  };

  return {
    websocket,
    /**
     * Upgrades a streaming request: the token comes from Sec-WebSocket-Protocol (echoed back, as
     * browsers require), an `access_token` parameter or the Authorization header. Returns a
     * Response to send when the request is not upgraded, or null once it is.
     */
    upgrade(request: Request, server: Server<Connection>): Response | null | undefined {
      const url = new URL(request.url);
      const match = PATH.exec(url.pathname);
      if (!match) return undefined;
      if (match[1] === "health") return new Response("OK", { headers: { "access-control-allow-origin": "*" } });
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
        return Response.json({ error: "This is a WebSocket endpoint" }, { status: 400 });
      const protocol = request.headers.get("sec-websocket-protocol")?.split(",")[0]?.trim();
      const bearer =
        protocol ||
        url.searchParams.get("access_token") ||
        /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
      const token = bearer ? findToken(db, bearer) : undefined;
      if (bearer && !token) return Response.json({ error: "The access token is invalid" }, { status: 401 });
      const conn: Connection = { accountId: token?.account?.id ?? null, scopes: token?.scopes ?? [], subscriptions: [] };
      const name = url.searchParams.get("stream") ?? match[1]?.replace(/:/g, ":");
      if (name) {
        const error = subscribe(conn, name, url.searchParams.get("tag") ?? undefined);
        if (error) return Response.json({ error }, { status: error === "Missing access token" ? 401 : 400 });
      }
      const upgraded = server.upgrade(request, {
        data: conn,
        headers: protocol ? { "sec-websocket-protocol": protocol } : undefined,
      });
      if (!upgraded) {
        logger.info("A streaming upgrade failed");
        return Response.json({ error: "Could not open the WebSocket" }, { status: 400 });
      }
      return null;
    },
    close() {
      for (const ws of sockets) ws.close(1001, "The server is stopping");
    },
  };
}

export type Streaming = ReturnType<typeof createStreaming>;
