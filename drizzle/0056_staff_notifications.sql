DROP INDEX `notifications_once`;--> statement-breakpoint
ALTER TABLE `notifications` ADD `report_id` text REFERENCES reports(id) ON DELETE cascade;--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_once_report` ON `notifications` (`report_id`,`account_id`) WHERE "notifications"."report_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_once` ON `notifications` (`account_id`,`type`,`from_account_id`) WHERE "notifications"."post_id" IS NULL AND "notifications"."report_id" IS NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `mail_reports` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `mail_signups` integer DEFAULT true NOT NULL;