import { AsyncLocalStorage } from "node:async_hooks";
import type { MessageQueue, MessageQueueEnqueueOptions, MessageQueueListenOptions } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { SqliteMessageQueue } from "./queue.ts";

const logger = getLogger(["skein", "federation", "delivery"]);

/** The outbox message a queue worker is handling; `settled` once it is known not delivered. */
interface Attempt {
  inbox: string;
  settled: boolean;
}

const attempt = new AsyncLocalStorage<Attempt>();

function outboxInbox(message: unknown): string | undefined {
  const m = message as { type?: unknown; inbox?: unknown } | null;
  return m?.type === "outbox" && typeof m.inbox === "string" ? m.inbox : undefined;
}

/**
 * Fedify 2.3 has no "delivered" callback, so we infer it. Fedify sends one outbox message (one
 * activity to one inbox) inside the handler our queue calls, and when the send does not succeed
 * it either calls onOutboxError / the permanent-failure handler (which call `notDelivered`), or
 * queues the message again (a retry, or a hold while the host's circuit breaker is open). An
 * outbox message whose handler returns with none of that happening was delivered.
 */
export function observeDeliveries(queue: SqliteMessageQueue, onDelivered: (inbox: string) => void): MessageQueue {
  return {
    nativeRetrial: queue.nativeRetrial,
    enqueue: (message: unknown, options?: MessageQueueEnqueueOptions) => {
      notDelivered();
      return queue.enqueue(message, options);
    },
    enqueueMany: (messages: readonly unknown[], options?: MessageQueueEnqueueOptions) => {
      notDelivered();
      return queue.enqueueMany(messages, options);
    },
    getDepth: () => queue.getDepth(),
    listen: (handler, options?: MessageQueueListenOptions) =>
      queue.listen(async (message) => {
        const inbox = outboxInbox(message);
        if (!inbox) return handler(message);
        const current: Attempt = { inbox, settled: false };
        await attempt.run(current, () => handler(message));
        if (current.settled) return;
        // Only bookkeeping: an error here must not make the queue send the activity again.
        try {
          onDelivered(inbox);
        } catch (error) {
          logger.error("Could not record the delivery to {inbox}: {error}", { inbox, error });
        }
      }, options),
  };
}

/** Fedify reported a failed delivery: returns the inbox of the message being handled, if any. */
export function notDelivered(): string | undefined {
  const current = attempt.getStore();
  if (current) current.settled = true;
  return current?.inbox;
}
