import { AsyncLocalStorage } from "node:async_hooks";
import { configure, getConsoleSink, getTextFormatter, jsonLinesFormatter, type LogRecord, reset } from "@logtape/logtape";
import type { Config } from "./config.ts";

const plainText = getTextFormatter({ value: "bare" });

/** Text lines carry the request id of the request they were logged in, when there is one. */
function textWithRequestId(record: LogRecord): string {
  const line = plainText(record);
  const id = record.properties.requestId;
  return typeof id === "string" ? line.replace(/\n?$/, ` [req ${id}]\n`) : line;
}

/**
 * Structured logs through LogTape, the logger Fedify writes to as well. The request id is
 * put in the implicit context (withContext) by the HTTP layer, so every line logged while
 * serving a request, Fedify's included, carries it.
 */
export async function configureLogging(config: Pick<Config, "logLevel" | "logFormat">): Promise<void> {
  await reset();
  await configure({
    contextLocalStorage: new AsyncLocalStorage(),
    sinks: {
      console: getConsoleSink({ formatter: config.logFormat === "json" ? jsonLinesFormatter : textWithRequestId }),
    },
    loggers: [
      { category: ["skein"], sinks: ["console"], lowestLevel: config.logLevel },
      // Fedify is chatty at info; its warnings and errors are what an operator needs.
      { category: ["fedify"], sinks: ["console"], lowestLevel: config.logLevel === "debug" ? "debug" : "warning" },
      // Our access log covers every request; Fedify's own would log each page we serve after it.
      { category: ["fedify", "federation", "http"], sinks: [], parentSinks: "override" },
      { category: ["logtape", "meta"], sinks: ["console"], lowestLevel: "warning" },
    ],
  });
}

/**
 * A path as logs may keep it: the token of a link sent by e-mail is a credential while it works
 * (mail scanners open it first), and an invite's code lets anyone with it sign up.
 */
export const withoutSecrets = (path: string) =>
  path.replace(/^\/(password\/reset|settings\/email\/confirm|invite)\/[^/]+/, "/$1/…");
