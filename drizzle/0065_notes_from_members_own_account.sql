-- Notes from the moderators, and the follows their actions cut, come from the member's own
-- account (as on Mastodon): no moderator is named. Notes older than their warning ids could then
-- be twice the same row: those are left out of the update, and dropped.
UPDATE OR IGNORE `notifications` SET `from_account_id` = `account_id` WHERE `type` IN ('moderation_warning', 'severed_relationships');--> statement-breakpoint
DELETE FROM `notifications` WHERE `type` IN ('moderation_warning', 'severed_relationships') AND `from_account_id` <> `account_id`;
