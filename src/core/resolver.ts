/**
 * What core needs from the network (implemented by federation, given at start): turning a
 * handle or a URL typed into search into an account or a post stored here.
 */
export interface Resolver {
  /**
   * `@user@domain` or a profile URL → a stored account id, fetching it if needed; `fresh` skips
   * every cache (an account move checks aliases that may have changed a minute ago); `posts:
   * false` skips fetching its recent posts (done for a profile someone is about to look at).
   */
  resolveAccount(query: string, options?: { fresh?: boolean; posts?: boolean }): Promise<string | null>;
  /** A post's URL → a stored post id, fetching it (and its author) if needed. */
  resolvePost(url: string): Promise<string | null>;
  /** Fetches the replies a remote post's server lists (once per post, bounded). */
  fetchReplies(postUri: string): Promise<void>;
  /** Fetches a remote post we have again, as its server has it now (an open poll's counts); once a minute at most. */
  refreshPost(postUri: string): Promise<void>;
  /** Reads a remote account's featured hashtags from its server again; every few hours at most. */
  refreshFeaturedTags(accountId: string): Promise<void>;
}
