CREATE TABLE `notification_permissions` (
	`account_id` text NOT NULL,
	`from_account_id` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`account_id`, `from_account_id`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`from_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `notification_policies` (
	`account_id` text PRIMARY KEY NOT NULL,
	`for_not_following` text DEFAULT 'accept' NOT NULL,
	`for_not_followers` text DEFAULT 'accept' NOT NULL,
	`for_new_accounts` text DEFAULT 'accept' NOT NULL,
	`for_private_mentions` text DEFAULT 'filter' NOT NULL,
	`for_limited_accounts` text DEFAULT 'filter' NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `notification_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`from_account_id` text NOT NULL,
	`last_post_id` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`from_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`last_post_id`) REFERENCES `posts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notification_requests_pair` ON `notification_requests` (`account_id`,`from_account_id`);--> statement-breakpoint
ALTER TABLE `notifications` ADD `filtered` integer DEFAULT false NOT NULL;