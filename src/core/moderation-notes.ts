import { and, eq } from "drizzle-orm";
import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { accounts, moderationNotes, type Role, roleRank } from "../db/schema.ts";
import { audit } from "./audit.ts";
import { CoreError, ValidationError } from "./errors.ts";

export const MAX_NOTE_LENGTH = 5000;

/** A staff note's text (an account's or a report's) trimmed, or refused empty or too long. */
export function checkedNote(text: string): string {
  const body = text.trim();
  if (!body) throw new ValidationError({ note: "Write the note first." });
  if (body.length > MAX_NOTE_LENGTH) throw new ValidationError({ note: `Use at most ${MAX_NOTE_LENGTH} characters.` });
  return body;
}

/** A note as the account's admin page lists it, oldest first. */
export interface ModerationNote {
  id: string;
  text: string;
  authorId: string | null;
  createdAt: Date;
}

/** The staff's notes on an account, in the order they were written. */
export function moderationNotesOf(db: Db, accountId: string): ModerationNote[] {
  return db
    .select({
      id: moderationNotes.id,
      text: moderationNotes.text,
      authorId: moderationNotes.authorId,
      createdAt: moderationNotes.createdAt,
    })
    .from(moderationNotes)
    .where(eq(moderationNotes.accountId, accountId))
    .orderBy(moderationNotes.id)
    .all();
}

/**
 * A moderator writes a note on any account (their own and their seniors' too: a note acts on
 * nothing). The account never sees it.
 */
export function addModerationNote(db: Db, staffId: string, accountId: string, text: string): void {
  const body = checkedNote(text);
  if (!db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, accountId)).get())
    throw new CoreError("This account does not exist.", 404);
  db.insert(moderationNotes).values({ id: newId(), accountId, authorId: staffId, text: body }).run();
  audit(db, { actorId: staffId, action: "account.note", targetType: "account", targetId: accountId });
}

/** Whether this member of staff may delete the note: its author, or an admin (as on Mastodon). */
export const mayDeleteNote = (staff: { id: string; role: Role }, note: Pick<ModerationNote, "authorId">) =>
  note.authorId === staff.id || roleRank[staff.role] >= roleRank.admin;

export function deleteModerationNote(db: Db, staff: { id: string; role: Role }, accountId: string, noteId: string): void {
  const mine = and(eq(moderationNotes.id, noteId), eq(moderationNotes.accountId, accountId));
  const note = db.select({ authorId: moderationNotes.authorId }).from(moderationNotes).where(mine).get();
  if (!note) throw new CoreError("This note does not exist.", 404);
  if (!mayDeleteNote(staff, note)) throw new CoreError("Only the note's author or an admin may delete it.", 403);
  db.delete(moderationNotes).where(mine).run();
  audit(db, { actorId: staff.id, action: "account.note_delete", targetType: "account", targetId: accountId });
}
