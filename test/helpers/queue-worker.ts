// A worker process for the crash test: it takes a message, says so, and hangs in its handler
// until it is killed.
import { openDatabase } from "../../src/db/open.ts";
import { SqliteMessageQueue } from "../../src/federation/queue.ts";

const [dbPath, marker] = process.argv.slice(2) as [string, string];
const queue = new SqliteMessageQueue(openDatabase(dbPath).db);
await queue.listen(async () => {
  await Bun.write(marker, "started");
  await new Promise(() => {});
});
