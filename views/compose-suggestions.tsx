/** @jsxImportSource @kitajs/html */
import type { EmojiView } from "../src/core/custom-emojis.ts";
import type { AccountView } from "../src/core/views.ts";
import { Avatar } from "./avatar.tsx";
import { WithEmojis } from "./emoji.tsx";

/**
 * What the compose box offers for the word being typed (app.js shows it under the box and writes
 * the chosen option's `data-insert` in place of the word): people, hashtags or custom emoji.
 */
export function Suggestions({
  accounts = [],
  tags = [],
  emojis = [],
}: {
  accounts?: AccountView[];
  tags?: string[];
  emojis?: EmojiView[];
}) {
  if (accounts.length + tags.length + emojis.length === 0) return "";
  // The options only: app.js keeps the list they go in, named for screen readers.
  return (
    <>
      {accounts.map((a) => (
        <li role="option" aria-selected="false" data-insert={`@${a.acct}`}>
          <Avatar account={a} size={28} />
          <span class="suggestion-name">
            <WithEmojis text={a.displayName || a.username} emojis={a.emojis} />
          </span>
          <span class="handle" safe>{`@${a.acct}`}</span>
        </li>
      ))}
      {tags.map((name) => (
        <li role="option" aria-selected="false" data-insert={`#${name}`} safe>
          {`#${name}`}
        </li>
      ))}
      {emojis.map((e) => (
        <li role="option" aria-selected="false" data-insert={`:${e.shortcode}:`}>
          <img class="emoji" src={e.url} alt="" width="24" height="24" />
          <span safe>{`:${e.shortcode}:`}</span>
        </li>
      ))}
    </>
  );
}
