import type { Db } from "../db/open.ts";
import type { DomainEvents } from "./events.ts";
import type { Resolver } from "./resolver.ts";

/** What core functions need, passed explicitly so tests build it from a real database. */
export interface CoreDeps {
  db: Db;
  events: DomainEvents;
  /** The instance's public URL: local accounts' links and `@name@host` mentions use it. */
  baseUrl: URL;
  /** Looks up accounts and posts on other servers (absent where there is no network, as in the CLI). */
  resolver?: Resolver;
}
