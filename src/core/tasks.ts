import { attachCard, type FetchPage } from "./cards.ts";
import type { CoreDeps } from "./deps.ts";
import { runImportStep } from "./imports.ts";
import { type PushSender, sendPush } from "./push.ts";

/**
 * Work that core hands to the durable queue to be done later, one small step at a time: the
 * rows of a member's CSV import, a Web Push of a notification, a link's preview. The queue
 * (federation/queue.ts) stores a task beside Fedify's deliveries, so it survives a restart, and
 * calls the handler given at start (app.ts).
 */
export type Task =
  | { type: "import"; importId: string }
  | { type: "push"; subscriptionId: string; notificationId: string; target: string }
  | { type: "card"; postId: string; target: string };
// `target`: the URL the task reaches out to. The queue holds at most a few workers per server
// (as for deliveries), so a push service or a linked site that hangs cannot take them all.

export interface TaskQueue {
  /** Tasks with the same ordering key run one at a time, in the order queued. */
  enqueueTask(task: Task, orderingKey?: string): Promise<void>;
}

/** What running tasks needs beyond core's usual deps: the ways out to other servers. */
export type TaskDeps = CoreDeps & { tasks: TaskQueue; push: PushSender; fetchPage: FetchPage };

/** Runs one queued task (called by the queue worker). */
export async function runTask(deps: TaskDeps, task: Task): Promise<void> {
  switch (task.type) {
    case "import":
      return runImportStep(deps, task.importId);
    case "push":
      return sendPush(deps, task);
    case "card":
      return attachCard(deps, task.postId);
  }
}
