CREATE TABLE `severance_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`target_name` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `severed_relationships` (
	`event_id` text NOT NULL,
	`account_id` text NOT NULL,
	`remote_acct` text NOT NULL,
	`direction` text NOT NULL,
	`show_reblogs` integer DEFAULT true NOT NULL,
	`notify` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`event_id`, `account_id`, `direction`, `remote_acct`),
	FOREIGN KEY (`event_id`) REFERENCES `severance_events`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `severed_relationships_account_idx` ON `severed_relationships` (`account_id`,`event_id`);--> statement-breakpoint
DROP INDEX `notifications_once`;--> statement-breakpoint
ALTER TABLE `notifications` ADD `severance_event_id` text REFERENCES severance_events(id) ON DELETE cascade;--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_once_severance` ON `notifications` (`severance_event_id`,`account_id`) WHERE "notifications"."severance_event_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_once` ON `notifications` (`account_id`,`type`,`from_account_id`) WHERE "notifications"."post_id" IS NULL AND "notifications"."report_id" IS NULL AND "notifications"."warning_id" IS NULL AND "notifications"."severance_event_id" IS NULL;