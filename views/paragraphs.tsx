/** @jsxImportSource @kitajs/html */
import { paragraphsHtml } from "../src/core/text.ts";

/** Plain text as HTML paragraphs (core/text.ts paragraphsHtml): escaped there. */
export function Paragraphs({ text }: { text: string }) {
  const safeParagraphs = paragraphsHtml(text);
  return <>{safeParagraphs}</>;
}
