/** @jsxImportSource @kitajs/html */

/** Plain text as HTML paragraphs: a blank line starts a paragraph, a single line break stays one. Escaped. */
export function Paragraphs({ text }: { text: string }) {
  const paragraphs = text
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t]*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  return (
    <>
      {paragraphs.map((p) => {
        const safeLines = p
          .split("\n")
          .map((line) => Bun.escapeHTML(line))
          .join("<br />");
        return <p>{safeLines}</p>;
      })}
    </>
  );
}
