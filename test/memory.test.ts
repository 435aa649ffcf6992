import { heapSize } from "bun:jsc";
import { expect, test } from "bun:test";
import { pacedCollections, paceHeap } from "../src/memory.ts";

/**
 * Strings past the pacer's budget (24 MB or half the heap: other test files share this
 * process and its heap), held by the caller until it lets them go.
 */
function grow(): string[] {
  const mb = Math.max(24, heapSize() / 2 / 1024 / 1024) + 16;
  return Array.from({ length: Math.ceil(mb * 16) }, (_, i) => `${i}`.padEnd(64 * 1024, "x"));
}

async function until(check: () => boolean) {
  while (!check()) await Bun.sleep(50);
}

test("the pacer collects once the heap has grown past its budget, and stops with the last server", async () => {
  const stopFirst = paceHeap();
  const stopSecond = paceHeap(); // a second server in the process shares the one pacer
  let held = grow();
  const before = pacedCollections();
  await until(() => pacedCollections() > before);
  held = grow(); // past the budget again, counted from the heap the last collection left
  const after = pacedCollections();
  await until(() => pacedCollections() > after);

  stopFirst();
  stopFirst(); // stopping twice counts once
  held = grow();
  const running = pacedCollections();
  await until(() => pacedCollections() > running); // the second server still runs it

  stopSecond();
  const stopped = pacedCollections();
  held = grow();
  await Bun.sleep(600);
  expect(pacedCollections()).toBe(stopped);
  expect(held.length).toBeGreaterThan(0);
}, 60_000);
