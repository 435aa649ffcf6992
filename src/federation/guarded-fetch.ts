import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { isBlockedAddress } from "./addresses.ts";

export interface GuardOptions {
  /** Testing only (--allow-private-addresses). */
  allowPrivate: boolean;
  maxBytes?: number;
  timeoutMs?: number;
  accept?: string;
}

export class FetchRefused extends Error {}

async function checkHost(url: URL, allowPrivate: boolean): Promise<void> {
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new FetchRefused(`${url.protocol} is not fetched`);
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  if (addresses.length === 0 || addresses.some(isBlockedAddress)) throw new FetchRefused(`${host} is not a public address`);
}

/** Whether a URL is http(s) on a public address (resolved now; DNS may answer otherwise later). */
export async function isPublicUrl(url: URL, allowPrivate: boolean): Promise<boolean> {
  try {
    await checkHost(url, allowPrivate);
    return true;
  } catch {
    return false; // refused, or a name that does not resolve
  }
}

/**
 * A GET that Skein makes on its own (profile link checks, later remote media): http(s) only,
 * public addresses only (every redirect re-checked, at most 3), a deadline, and a byte limit.
 */
export async function guardedFetch(
  target: string,
  options: GuardOptions,
): Promise<{ url: string; status: number; text: string }> {
  const { maxBytes = 1024 * 1024, timeoutMs = 10_000 } = options;
  const signal = AbortSignal.timeout(timeoutMs);
  let url = new URL(target);
  for (let hop = 0; hop <= 3; hop++) {
    await checkHost(url, options.allowPrivate);
    const response = await fetch(url, {
      redirect: "manual",
      signal,
      headers: { accept: options.accept ?? "text/html", "user-agent": "Skein (link verification)" },
    });
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      continue;
    }
    return { url: url.href, status: response.status, text: await readLimited(response, maxBytes) };
  }
  throw new FetchRefused("too many redirects");
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.length;
    if (size > maxBytes) break;
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
