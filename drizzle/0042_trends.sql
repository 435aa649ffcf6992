CREATE TABLE `hidden_trends` (
	`kind` text NOT NULL,
	`target_id` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`kind`, `target_id`)
);
--> statement-breakpoint
CREATE TABLE `trends` (
	`kind` text NOT NULL,
	`target_id` text NOT NULL,
	`rank` integer NOT NULL,
	`accounts` integer NOT NULL,
	`computed_at` integer NOT NULL,
	PRIMARY KEY(`kind`, `target_id`)
);
--> statement-breakpoint
CREATE INDEX `trends_rank_idx` ON `trends` (`kind`,`rank`);