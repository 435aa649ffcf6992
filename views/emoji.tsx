/** @jsxImportSource @kitajs/html */
import { type EmojiView, withEmojis } from "../src/core/custom-emojis.ts";

/** A name as text, with its server's custom emoji drawn where it names them. */
export function WithEmojis({ text, emojis }: { text: string; emojis?: EmojiView[] }) {
  // Escaped first; withEmojis only adds <img> for known shortcodes.
  const safeText = withEmojis(Bun.escapeHTML(text), emojis ?? []);
  return <>{safeText}</>;
}
