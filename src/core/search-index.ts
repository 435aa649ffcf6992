import { sql } from "drizzle-orm";
import type { DbOrTx } from "../db/open.ts";

/*
 * The full-text index of posts (posts_search, an FTS5 table). FTS5 cannot index its post_id
 * column, so finding a post's row by it read the whole index: 19 ms per incoming post at 200,000
 * posts. Each post keeps the rowid of its row instead (posts.search_rowid).
 */

/** Indexes a post's text, replacing what was indexed for it before. */
export function indexPost(tx: DbOrTx, postId: string, body: string): void {
  unindexPost(tx, postId);
  tx.run(sql`INSERT INTO posts_search (post_id, body) VALUES (${postId}, ${body})`);
  tx.run(sql`UPDATE posts SET search_rowid = last_insert_rowid() WHERE id = ${postId}`);
}

/** Removes a post from the index (before the post itself goes). */
export function unindexPost(tx: DbOrTx, postId: string): void {
  tx.run(sql`DELETE FROM posts_search WHERE rowid = (SELECT search_rowid FROM posts WHERE id = ${postId})`);
}

/** Removes all of an account's posts from the index (before the account goes). */
export function unindexAccountPosts(tx: DbOrTx, accountId: string): void {
  tx.run(sql`DELETE FROM posts_search WHERE rowid IN
    (SELECT search_rowid FROM posts WHERE account_id = ${accountId} AND search_rowid IS NOT NULL)`);
}
