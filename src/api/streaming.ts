import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import { eq } from "drizzle-orm";
import { getLogger } from "@logtape/logtape";
import type { CoreDeps } from "../core/deps.ts";
import { covers, findToken } from "../core/oauth.ts";
import { isLiveStream, type LiveEvent, type LiveHub, type LiveStream } from "../core/live.ts";
import { accountConversations, notifications } from "../db/schema.ts";
import { activeAnnouncement, reactionCount } from "../core/announcements.ts";
import { CoreError } from "../core/errors.ts";
import { ownList } from "../core/lists.ts";
import { announcementEntity } from "./announcements.ts";
import { conversationEntities } from "./conversations.ts";
import { notificationEntities, statusEntities } from "./entities.ts";

const logger = getLogger(["skein", "streaming"]);

export interface Connection {
  /** The member behind the token, if any (public streams need none). */
  accountId: string | null;
  scopes: string[];
  streams: LiveStream[];
  stop?: () => void;
}

const PATH = /^\/api\/v1\/streaming(?:\/([a-z:]+))?\/?$/;
const MAX_SUBSCRIPTIONS = 20;

/**
 * GET /api/v1/streaming as a WebSocket (Mastodon's protocol): a client subscribes to streams and
 * receives `update`, `notification`, `delete`, `status.update`, `announcement…` and (on `direct`) `conversation` events, each a JSON message
 * `{stream, event, payload}` with the payload itself JSON-encoded. What reaches whom is decided by
 * core's live hub; this module speaks the protocol and renders the entities.
 */
export function createStreaming(deps: CoreDeps, hub: LiveHub) {
  const { db, baseUrl } = deps;
  const sockets = new Set<ServerWebSocket<Connection>>();

  const send = (ws: ServerWebSocket<Connection>, stream: LiveStream, event: string, payload: unknown) =>
    ws.send(
      JSON.stringify({
        stream: stream.tag || stream.list ? [stream.name, stream.tag ?? stream.list] : [stream.name],
        event,
        payload: typeof payload === "string" ? payload : JSON.stringify(payload),
      }),
    );

  /** Events from the hub, as this socket's protocol messages. */
  const deliver = (ws: ServerWebSocket<Connection>) => (event: LiveEvent) => {
    if (event.type === "delete") send(ws, event.stream, "delete", event.postId);
    else if (event.type === "conversation") {
      if (!ws.data.accountId) return;
      const row = db.select().from(accountConversations).where(eq(accountConversations.id, event.conversationId)).get();
      const [entity] = row ? conversationEntities(db, baseUrl, ws.data.accountId, [row]) : [];
      if (entity) send(ws, event.stream, "conversation", entity);
    } else if (event.type === "notification") {
      if (!covers(ws.data.scopes, "read:notifications") || !ws.data.accountId) return;
      const row = db.select().from(notifications).where(eq(notifications.id, event.notificationId)).get();
      const [entity] = row ? notificationEntities(db, baseUrl, [row], ws.data.accountId) : [];
      if (entity) send(ws, event.stream, "notification", entity);
    } else if (event.type === "announcement") {
      if (!ws.data.accountId) return;
      try {
        send(
          ws,
          event.stream,
          "announcement",
          announcementEntity(activeAnnouncement(db, baseUrl, ws.data.accountId, event.announcementId), baseUrl),
        );
      } catch (error) {
        if (!(error instanceof CoreError)) throw error; // unpublished again meanwhile
      }
    } else if (event.type === "announcement.reaction") {
      const count = reactionCount(db, event.announcementId, event.name);
      send(ws, event.stream, "announcement.reaction", { name: event.name, count, announcement_id: event.announcementId });
    } else if (event.type === "announcement.delete") send(ws, event.stream, "announcement.delete", event.announcementId);
    else send(ws, event.stream, event.type, statusEntities(db, baseUrl, [event.post])[0]);
  };

  /** Subscribes a connection, refusing streams its token does not allow. Returns an error message or null. */
  const subscribe = (conn: Connection, name: string, tag: string | undefined, list?: string): string | null => {
    if (!isLiveStream(name)) return "Unknown stream type";
    if (
      (name === "user" || name === "user:notification" || name === "direct" || name === "list") &&
      (!conn.accountId || !covers(conn.scopes, "read:statuses"))
    )
      return "Missing access token";
    if (name.startsWith("hashtag") && !tag) return "No tag given";
    // Only one's own list, as Mastodon answers for another's.
    if (name === "list" && !(list && conn.accountId && ownList(db, conn.accountId, list))) return "No such list";
    const sub = { name, tag: tag?.toLowerCase().replace(/^#/, ""), list: name === "list" ? list : undefined };
    if (conn.streams.some((s) => s.name === sub.name && s.tag === sub.tag && s.list === sub.list)) return null;
    if (conn.streams.length >= MAX_SUBSCRIPTIONS) return "Too many subscriptions";
    conn.streams.push(sub);
    return null;
  };

  const websocket: WebSocketHandler<Connection> = {
    open(ws) {
      sockets.add(ws);
      // The hub reads `streams` at each event, so later subscriptions apply at once.
      ws.data.stop = hub.add({
        accountId: ws.data.accountId,
        streams: ws.data.streams,
        showsNotifications: true,
        push: deliver(ws),
      });
    },
    close(ws) {
      sockets.delete(ws);
      ws.data.stop?.();
    },
    message(ws, message) {
      let parsed: { type?: unknown; stream?: unknown; tag?: unknown; list?: unknown };
      try {
        parsed = JSON.parse(String(message).slice(0, 2000));
      } catch {
        ws.send(JSON.stringify({ error: "Could not parse the message as JSON" }));
        return;
      }
      const name = typeof parsed.stream === "string" ? parsed.stream : "";
      const tag = typeof parsed.tag === "string" ? parsed.tag : undefined;
      const list = typeof parsed.list === "string" ? parsed.list : undefined;
      if (parsed.type === "subscribe") {
        const error = subscribe(ws.data, name, tag, list);
        if (error) ws.send(JSON.stringify({ error, status: 400 }));
      } else if (parsed.type === "unsubscribe") {
        const keep = ws.data.streams.filter(
          (s) => !(s.name === name && (!tag || s.tag === tag.toLowerCase()) && (!list || s.list === list)),
        );
        ws.data.streams.splice(0, ws.data.streams.length, ...keep);
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
      const conn: Connection = { accountId: token?.account?.id ?? null, scopes: token?.scopes ?? [], streams: [] };
      const name = url.searchParams.get("stream") ?? match[1];
      if (name) {
        const error = subscribe(conn, name, url.searchParams.get("tag") ?? undefined, url.searchParams.get("list") ?? undefined);
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
