import type { StaffNoteView } from "../../../views/admin/staff-notes.tsx";
import type { Db } from "../../db/open.ts";
import { loadAccountViews } from "../../core/views.ts";

/** Notes (a report's, an account's) with their authors' handles; `deleteAction` for those the viewer may delete. */
export function staffNoteViews<Note extends { text: string; authorId: string | null; createdAt: Date }>(
  db: Db,
  baseUrl: URL,
  notes: Note[],
  deleteAction: (note: Note) => string | undefined = () => undefined,
): StaffNoteView[] {
  const authors = loadAccountViews(
    db,
    baseUrl,
    notes.flatMap((n) => (n.authorId ? [n.authorId] : [])),
  );
  return notes.map((n) => {
    const author = n.authorId ? authors.get(n.authorId) : undefined;
    return {
      text: n.text,
      author: author ? `@${author.acct}` : "a deleted account",
      createdAt: n.createdAt,
      deleteAction: deleteAction(n),
    };
  });
}
