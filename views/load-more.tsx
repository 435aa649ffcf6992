/** @jsxImportSource @kitajs/html */

/** The link to a list's next page, when it has one (a plain link: it works without JavaScript). */
export function LoadMore({ href, label = "Load more" }: { href: string | undefined; label?: string }) {
  if (!href) return "";
  return (
    <a class="load-more" href={href} safe>
      {label}
    </a>
  );
}
