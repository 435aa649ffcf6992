CREATE INDEX `bookmarks_post_idx` ON `bookmarks` (`post_id`);--> statement-breakpoint
CREATE INDEX `notifications_post_idx` ON `notifications` (`post_id`);