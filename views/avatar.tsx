/** @jsxImportSource @kitajs/html */
import type { AccountView } from "../src/core/views.ts";

/** An avatar, or the first letter of the name on a colour picked from the handle. */
export function Avatar({
  account,
  size = 48,
}: {
  account: Pick<AccountView, "avatarUrl" | "displayName" | "acct">;
  size?: number;
}) {
  if (account.avatarUrl) {
    return <img class="avatar" src={account.avatarUrl} alt="" width={String(size)} height={String(size)} loading="lazy" />;
  }
  const hue = [...account.acct].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 7);
  const letter = [...(account.displayName || account.acct)][0]?.toUpperCase() ?? "?";
  return (
    <span
      class={`avatar placeholder hue-${Math.floor(hue / 30)}`}
      style={undefined}
      aria-hidden="true"
      data-size={String(size)}
      safe
    >
      {letter}
    </span>
  );
}
