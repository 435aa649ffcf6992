CREATE TABLE `poll_votes` (
	`id` text PRIMARY KEY NOT NULL,
	`post_id` text NOT NULL,
	`account_id` text NOT NULL,
	`choice` integer NOT NULL,
	`uri` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`post_id`) REFERENCES `posts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `poll_votes_once` ON `poll_votes` (`post_id`,`account_id`,`choice`);--> statement-breakpoint
CREATE INDEX `poll_votes_account_idx` ON `poll_votes` (`account_id`);--> statement-breakpoint
CREATE TABLE `polls` (
	`post_id` text PRIMARY KEY NOT NULL,
	`options` text NOT NULL,
	`multiple` integer DEFAULT false NOT NULL,
	`hide_totals` integer DEFAULT false NOT NULL,
	`expires_at` integer,
	`voters_count` integer DEFAULT 0 NOT NULL,
	`ended_at` integer,
	FOREIGN KEY (`post_id`) REFERENCES `posts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `polls_open_idx` ON `polls` (`expires_at`) WHERE "polls"."ended_at" IS NULL;