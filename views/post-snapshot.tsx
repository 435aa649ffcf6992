/** @jsxImportSource @kitajs/html */
import type { PropsWithChildren } from "@kitajs/html";
import type { PostSnapshot } from "../src/db/schema.ts";
import { LongTime } from "./time.tsx";

/** A post as it was when reported or removed (its HTML was sanitized when stored), with what may follow it. */
export function SnapshotPost({ post, children }: PropsWithChildren<{ post: PostSnapshot }>) {
  const safeContent = post.html;
  return (
    <article class="post">
      {post.spoilerText ? (
        <p class="cw" safe>
          {`CW: ${post.spoilerText}`}
        </p>
      ) : (
        ""
      )}
      <div class="content">{safeContent}</div>
      <p class="muted">
        <LongTime date={new Date(post.createdAt)} />
      </p>
      {children ?? ""}
    </article>
  );
}
