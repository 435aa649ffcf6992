CREATE TABLE `remote_media` (
	`url` text PRIMARY KEY NOT NULL,
	`path` text NOT NULL,
	`mime` text NOT NULL,
	`bytes` integer NOT NULL,
	`fetched_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `remote_media_fetched_idx` ON `remote_media` (`fetched_at`);