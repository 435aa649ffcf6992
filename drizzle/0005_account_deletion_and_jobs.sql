CREATE TABLE `deleted_accounts` (
	`username` text PRIMARY KEY NOT NULL,
	`deleted_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`recipients` text DEFAULT '[]' NOT NULL,
	`keys` text
);
--> statement-breakpoint
CREATE TABLE `job_runs` (
	`name` text PRIMARY KEY NOT NULL,
	`last_started_at` integer,
	`last_finished_at` integer,
	`last_result` text,
	`last_error` text,
	`runs` integer DEFAULT 0 NOT NULL
);
