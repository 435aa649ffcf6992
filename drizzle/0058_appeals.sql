CREATE TABLE `appeals` (
	`id` text PRIMARY KEY NOT NULL,
	`warning_id` text NOT NULL,
	`account_id` text NOT NULL,
	`text` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`decided_at` integer,
	`decided_by_id` text,
	`approved` integer,
	FOREIGN KEY (`warning_id`) REFERENCES `account_warnings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`decided_by_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `appeals_warning_id_unique` ON `appeals` (`warning_id`);--> statement-breakpoint
CREATE INDEX `appeals_waiting_idx` ON `appeals` (`decided_at`,`id`);--> statement-breakpoint
ALTER TABLE `account_warnings` ADD `overruled_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `mail_appeals` integer DEFAULT true NOT NULL;