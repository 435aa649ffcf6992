CREATE TABLE `scheduled_posts` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`scheduled_at` integer NOT NULL,
	`params` text NOT NULL,
	`error` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `scheduled_posts_account_idx` ON `scheduled_posts` (`account_id`,`scheduled_at`);--> statement-breakpoint
CREATE INDEX `scheduled_posts_due_idx` ON `scheduled_posts` (`scheduled_at`);--> statement-breakpoint
-- drizzle-kit leaves out ON DELETE here: an unscheduled post's images become plain uploads again.
ALTER TABLE `media_attachments` ADD `scheduled_post_id` text REFERENCES scheduled_posts(id) ON DELETE SET NULL;