/** @jsxImportSource @kitajs/html */
import { MAX_NOTE_LENGTH } from "../../src/core/moderation-notes.ts";
import type { PageContext } from "../context.ts";
import { CsrfField, Field, PostButton } from "../form.tsx";
import { WithTimes } from "../time.tsx";

export interface StaffNoteView {
  text: string;
  /** "@mona", or "a deleted account". */
  author: string;
  createdAt: Date;
  /** Where its Delete button posts, for those who may delete it. */
  deleteAction?: string;
}

/** What the moderators wrote to each other about a report or an account, and the form to add one. */
export function StaffNotes({
  ctx,
  notes,
  action,
  hint,
  value,
  error,
}: {
  ctx: PageContext;
  notes: StaffNoteView[];
  /** Where a new note is posted. */
  action: string;
  hint: string;
  value?: string;
  error?: string;
}) {
  return (
    <section class="card" aria-labelledby="notes-title">
      <h2 id="notes-title">Moderators' notes</h2>
      {notes.length === 0 ? <p class="muted">No notes yet.</p> : ""}
      <ul class="sessions">
        {notes.map((n) => (
          <li>
            <div>
              <p safe>{n.text}</p>
              <p class="muted">
                <WithTimes parts={[`${n.author} · `, n.createdAt]} />
              </p>
            </div>
            {n.deleteAction ? (
              <PostButton
                ctx={ctx}
                action={n.deleteAction}
                label="Delete"
                kind="secondary"
                fullLabel={`Delete the note by ${n.author}`}
                confirm="Delete this note? It cannot be brought back."
              />
            ) : (
              ""
            )}
          </li>
        ))}
      </ul>
      <form method="post" action={action} novalidate>
        <CsrfField ctx={ctx} />
        <Field
          name="note"
          label="Add a note"
          hint={hint}
          multiline
          rows={2}
          maxlength={MAX_NOTE_LENGTH}
          value={value}
          error={error}
        />
        <button type="submit" class="secondary">
          Add note
        </button>
      </form>
    </section>
  );
}
