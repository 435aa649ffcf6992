import { expect, test } from "bun:test";
import { heapPacer } from "../src/memory.ts";

const MB = 1024 * 1024;

/** A heap whose size the test sets; a collection leaves what is live. */
function fakeHeap() {
  const heap = { used: 0, live: 0, collected: 0 };
  return {
    heap,
    probe: {
      size: () => heap.used,
      collect: () => {
        heap.collected++;
        heap.used = heap.live;
      },
    },
  };
}

async function until(check: () => boolean) {
  while (!check()) await Bun.sleep(5);
}

test("the pacer collects once the heap grows 24 MB (or half) past the last collection's, and stops with the last server", async () => {
  const { heap, probe } = fakeHeap();
  const pacer = heapPacer(probe, 5);
  const stopFirst = pacer.start();
  const stopSecond = pacer.start(); // a second server in the process shares the one pacer

  // The first check frees what starting allocated.
  Object.assign(heap, { used: 60 * MB, live: 40 * MB });
  await until(() => heap.collected === 1);
  heap.used = 60 * MB; // 20 MB of garbage: under the budget
  await Bun.sleep(30);
  expect(heap.collected).toBe(1);
  heap.used = 65 * MB; // 25 MB past the 40 MB left
  await until(() => heap.collected === 2);

  // A large heap: half its size is the budget.
  Object.assign(heap, { used: 200 * MB, live: 200 * MB });
  await until(() => heap.collected === 3);
  heap.used = 290 * MB;
  await Bun.sleep(30);
  expect(heap.collected).toBe(3);
  heap.used = 301 * MB;
  await until(() => heap.collected === 4);

  stopFirst();
  stopFirst(); // stopping twice counts once
  heap.used = 500 * MB;
  await until(() => heap.collected === 5); // the second server still runs it
  stopSecond();
  heap.used = 900 * MB;
  await Bun.sleep(30);
  expect(heap.collected).toBe(5);
  expect(pacer.collections()).toBe(5);
});
