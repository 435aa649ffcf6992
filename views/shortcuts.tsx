/** @jsxImportSource @kitajs/html */

type Row = readonly [keys: string, what: string];

/** Keys on a post (the one j and k moved to), as on Mastodon. */
const postKeys: Row[] = [
  ["j", "Next post"],
  ["k", "Previous post"],
  ["o", "Open the post (also Enter)"],
  ["r", "Reply"],
  ["f", "Like or unlike"],
  ["b", "Boost or unboost"],
  ["d", "Bookmark or remove the bookmark"],
  ["p", "Open its author's profile"],
  ["x", "Show or hide the text behind a content warning"],
  ["h", "Show or hide its folded pictures"],
];

const writingKeys: Row[] = [
  ["n", "Write a new post"],
  ["Ctrl+Enter", "Send the post (⌘+Enter on a Mac)"],
  ["Esc", "Leave the text box, so these keys work again"],
];

/** Where "g" then a key leads (Mastodon's). */
function places(username: string): (readonly [keys: string, what: string, href: string])[] {
  return [
    ["g h", "Home", "/"],
    ["g n", "Notifications", "/notifications"],
    ["g l", "Posts on this instance", "/public/local"],
    ["g t", "Posts from everywhere", "/public"],
    ["g d", "Messages", "/messages"],
    ["g f", "Likes", "/favourites"],
    ["g u", "Your profile", `/@${username}`],
    ["g r", "Follow requests", "/follow_requests"],
    ["g m", "Muted accounts", "/settings/mutes"],
    ["g b", "Blocked accounts", "/settings/blocks"],
    ["g s", "Settings", "/settings"],
  ];
}

/** "g h" is a sequence (g, then h); "Ctrl+Enter" one chord. */
const Keys = ({ keys }: { keys: string }) => (
  <>
    {keys.split(" ").map((k, i) => (
      <>
        {i > 0 ? " then " : ""}
        <kbd safe>{k}</kbd>
      </>
    ))}
  </>
);

function Table({ caption, rows }: { caption: string; rows: Row[] }) {
  return (
    <table>
      <caption safe>{caption}</caption>
      <tbody>
        {rows.map(([keys, what]) => (
          <tr>
            <th scope="row">
              <Keys keys={keys} />
            </th>
            <td safe>{what}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The list of keyboard shortcuts, a dialog that "?" (or the footer's button) opens. app.js reads
 * the places "g" leads to from it, so they are written once.
 */
export function ShortcutsDialog({ username }: { username: string }) {
  return (
    <dialog id="shortcuts" class="shortcuts" aria-labelledby="shortcuts-title">
      <div class="dialog-head">
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <form method="dialog">
          <button type="submit" class="secondary">
            Close
          </button>
        </form>
      </div>
      <p class="muted">They work anywhere but in a text box. Turn them off in Settings → Preferences.</p>
      <div class="shortcut-tables">
        <Table caption="On a post" rows={postKeys} />
        <div>
          <Table caption="Writing" rows={writingKeys} />
          <table>
            <caption>Going places</caption>
            <tbody>
              <tr>
                <th scope="row">
                  <kbd>/</kbd>
                </th>
                <td>Search</td>
              </tr>
              {places(username).map(([keys, what, href]) => (
                <tr data-go={keys} data-href={href}>
                  <th scope="row">
                    <Keys keys={keys} />
                  </th>
                  <td safe>{what}</td>
                </tr>
              ))}
              <tr>
                <th scope="row">
                  <kbd>?</kbd>
                </th>
                <td>This list</td>
              </tr>
            </tbody>
          </table>
        </div>
      </div>
    </dialog>
  );
}
