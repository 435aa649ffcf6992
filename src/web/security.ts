import { Elysia } from "elysia";

/**
 * Headers on every response. The CSP allows no inline script or style: pages load only our
 * own files, so injected markup cannot run.
 */
export const securityHeaders: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; " +
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
};

/**
 * The policy of a page whose form leads, through our redirect, to another address: browsers hold
 * the redirect after a form to `form-action` too (Chrome, Safari), so the OAuth consent page names
 * the app's checked redirect URI: its origin, or its scheme alone for an app's own (tusky:).
 */
export function policyWithFormTarget(target: string): string {
  const url = new URL(target);
  const source = url.protocol === "http:" || url.protocol === "https:" ? url.origin : url.protocol;
  const policy = securityHeaders["content-security-policy"] as string;
  return policy.replace("form-action 'self'", `form-action 'self' ${source}`);
}

export const securityPlugin = new Elysia({ name: "security-headers" }).onRequest(({ set }) => {
  Object.assign(set.headers, securityHeaders);
});

/** Adds the security headers to a response built outside Elysia's handlers (Fedify's). */
export function withSecurityHeaders(response: Response): Response {
  for (const [name, value] of Object.entries(securityHeaders)) {
    if (!response.headers.has(name)) response.headers.set(name, value);
  }
  return response;
}
