import { newId } from "../db/ids.ts";
import type { Db } from "../db/open.ts";
import { reportCategories, reports } from "../db/schema.ts";

export type ReportCategory = (typeof reportCategories)[number];

/** Stores a report for the moderators (from a member, or a Flag from another server). */
export function fileReport(
  db: Db,
  input: {
    reporterId: string | null;
    reporterDomain?: string | null;
    targetAccountId: string;
    postIds?: string[];
    category?: ReportCategory;
    comment?: string;
    uri?: string | null;
    forward?: boolean;
  },
) {
  return db
    .insert(reports)
    .values({
      id: newId(),
      reporterId: input.reporterId,
      reporterDomain: input.reporterDomain ?? null,
      targetAccountId: input.targetAccountId,
      postIds: (input.postIds ?? []).slice(0, 50),
      category: input.category && reportCategories.includes(input.category) ? input.category : "other",
      comment: (input.comment ?? "").slice(0, 5000),
      uri: input.uri ?? null,
      forward: input.forward ?? false,
    })
    .returning()
    .get();
}
