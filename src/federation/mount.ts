import type { Federation } from "@fedify/fedify";
import { Elysia } from "elysia";

const MAX_ACTIVITY_BYTES = 1024 * 1024;

/**
 * Lets Fedify answer the requests it owns (WebFinger, NodeInfo, actors, inboxes, collections)
 * before Elysia routes anything; everything else, and a browser asking for an actor's HTML
 * profile, falls through to our routes. The small equivalent of @fedify/hono's middleware.
 */
export function federationPlugin(federation: Federation<void>, baseUrl: URL, decorate: (r: Response) => Response) {
  return new Elysia({ name: "federation" }).onRequest(async ({ request }) => {
    // An activity is small: a body over 1 MB posted to an inbox is refused before it is read.
    if (
      request.method === "POST" &&
      new URL(request.url).pathname.endsWith("/inbox") &&
      Number(request.headers.get("content-length") ?? 0) > MAX_ACTIVITY_BYTES
    ) {
      return decorate(Response.json({ error: "The activity is larger than 1 MB." }, { status: 413 }));
    }
    const pass = new Response(null, { status: 599 });
    const response = await federation.fetch(canonical(request, baseUrl), {
      contextData: undefined,
      onNotFound: () => pass,
      onNotAcceptable: () => pass,
    });
    return response === pass ? undefined : decorate(response);
  });
}

/**
 * Behind a reverse proxy the request arrives for http://127.0.0.1:3000/…; Fedify must see the
 * public URL so that signatures covering the target URI verify and links come out right.
 */
function canonical(request: Request, baseUrl: URL): Request {
  const url = new URL(request.url);
  if (url.origin === baseUrl.origin) return request;
  return new Request(new URL(url.pathname + url.search, baseUrl).href, request);
}
