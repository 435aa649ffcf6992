ALTER TABLE `posts` ADD `quote_manual` integer DEFAULT false NOT NULL;
--> statement-breakpoint
-- Other servers' posts stored before their quote policy was read: quoting them asks, as before.
UPDATE `posts` SET `quote_manual` = 1 WHERE `uri` IS NOT NULL;
