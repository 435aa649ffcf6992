/** @jsxImportSource @kitajs/html */
import { ErrorCard, ErrorPage } from "../../views/errors.tsx";
import { CoreError, ValidationError } from "../core/errors.ts";
import { storageFault } from "../db/storage-errors.ts";
import type { PageContext } from "../../views/context.ts";
import { isHtmx } from "./context.ts";
import { CsrfError } from "./session.ts";

const statuses: Record<string, [number, string, string]> = {
  NOT_FOUND: [404, "Page not found", "There is nothing at this address. It may have been moved or deleted."],
  VALIDATION: [400, "Request not understood", "Some fields of the request were missing or not valid."],
  PARSE: [400, "Request not understood", "The request body could not be read."],
  INVALID_COOKIE_SIGNATURE: [400, "Request not understood", "A cookie was not valid; sign in again."],
};
const titles: Record<number, string> = { 403: "Not allowed", 404: "Not found", 410: "Gone", 429: "Slow down" };
const internal: [number, string, string] = [500, "Something went wrong", "The server failed to answer. Try again in a moment."];

/** Errors as a page for browsers and as {"error": …} for API clients and servers. */
export function errorResponse(
  code: string | number,
  error: unknown,
  request: Request,
  headers: Record<string, string | number>,
  context: () => PageContext,
): Response {
  const storage = storageFault(error);
  const [status, title, message] = storage
    ? [storage.status, "Cannot save now", storage.message]
    : error instanceof CoreError
      ? [error.status, titles[error.status] ?? "Not possible", error.message]
      : error instanceof ValidationError
        ? [422, "Not possible", `Validation failed: ${error.message}`]
        : (statuses[String(code)] ?? internal);
  const path = new URL(request.url).pathname;
  const wantsJson =
    path.startsWith("/api/") ||
    (path.startsWith("/oauth/") && path !== "/oauth/authorize") ||
    path.startsWith("/.well-known/") ||
    !(request.headers.get("accept") ?? "text/html").includes("text/html");
  const init = { status, headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])) };
  if (wantsJson) return Response.json({ error: message }, init);
  const props = { status, title, message, kept: error instanceof CsrfError ? error.keptText : undefined };
  // Only a whole page has the frame (and its session lookups); a card for htmx has none.
  const page = isHtmx(request) ? <ErrorCard {...props} /> : <ErrorPage {...props} ctx={context()} />;
  return new Response(String(page), { ...init, headers: { ...init.headers, "content-type": "text/html; charset=utf-8" } });
}
