/** @jsxImportSource @kitajs/html */
import { ValidationError as SchemaError } from "elysia";
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

/**
 * A value the API's schema refused, named for the app's developer: Mastodon answers such a
 * value with 422 and "Validation failed: …" (a page's form cannot send one, so pages keep 400).
 */
function schemaProblem(error: SchemaError): string {
  const problem = error.valueError;
  if (!problem) return "Validation failed: a field is not valid";
  const field = problem.path.replace(/^\//, "").replaceAll("/", ".") || "the request body";
  const options: unknown[] = Array.isArray(problem.schema.anyOf) ? problem.schema.anyOf : [];
  const choices = options.flatMap((s) =>
    s && typeof s === "object" && "const" in s && typeof s.const === "string" ? [s.const] : [],
  );
  if (choices.length > 0) return `Validation failed: ${field} must be one of ${choices.join(", ")}`;
  // A union's own message ("Expected union value") says nothing of the field.
  return options.length > 0 ? `Validation failed: ${field} is not valid` : `Validation failed: ${field}: ${problem.message}`;
}

/** Errors as a page for browsers and as {"error": …} for API clients and servers. */
export function errorResponse(
  code: string | number,
  error: unknown,
  request: Request,
  headers: Record<string, string | number>,
  context: () => PageContext,
): Response {
  const storage = storageFault(error);
  const path = new URL(request.url).pathname;
  const [status, title, message] = storage
    ? [storage.status, "Cannot save now", storage.message]
    : error instanceof CoreError
      ? [error.status, titles[error.status] ?? "Not possible", error.message]
      : error instanceof ValidationError
        ? [422, "Not possible", `Validation failed: ${error.message}`]
        : error instanceof SchemaError && path.startsWith("/api/")
          ? [422, "Not possible", schemaProblem(error)]
          : (statuses[String(code)] ?? internal);
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
