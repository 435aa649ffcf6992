/** @jsxImportSource @kitajs/html */
import { LoadMore } from "./load-more.tsx";
import type { ConversationView } from "../src/core/conversations.ts";
import { Compose } from "./compose.tsx";
import type { PageContext } from "./context.ts";
import { Layout } from "./layout.tsx";
import { PostCard } from "./post.tsx";

/** Direct messages, one conversation per thread with its newest message; a new one is written at the top. */
export function MessagesPage(props: { ctx: PageContext; threads: ConversationView[]; limit: number; more?: string }) {
  const { ctx, threads } = props;
  return (
    <Layout title="Messages" ctx={ctx}>
      <h1>Messages</h1>
      <p class="lead">Posts for mentioned people only: nobody else sees them. Mention whom you write to.</p>
      <Compose ctx={ctx} limit={props.limit} messages />
      <div class="feed" id="feed">
        {threads.length === 0 ? <p class="empty">No messages yet.</p> : ""}
        {threads.map((thread) => (
          <section class={thread.unread ? "conversation unread" : "conversation"}>
            <h2 class="conversation-with">
              <span safe>{`With ${thread.people.map((p) => `@${p.acct}`).join(", ") || "yourself"}`}</span>
              {thread.unread ? <span class="badge">new</span> : ""}
            </h2>
            <PostCard ctx={ctx} post={thread.last} />
          </section>
        ))}
        <LoadMore href={props.more} label="Older messages" />
      </div>
    </Layout>
  );
}
