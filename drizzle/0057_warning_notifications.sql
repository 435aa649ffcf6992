DROP INDEX `notifications_once`;--> statement-breakpoint
ALTER TABLE `notifications` ADD `warning_id` text REFERENCES account_warnings(id) ON DELETE cascade;--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_once_warning` ON `notifications` (`warning_id`) WHERE "notifications"."warning_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_once` ON `notifications` (`account_id`,`type`,`from_account_id`) WHERE "notifications"."post_id" IS NULL AND "notifications"."report_id" IS NULL AND "notifications"."warning_id" IS NULL;