CREATE TABLE `push_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`token_id` text NOT NULL,
	`account_id` text NOT NULL,
	`access_token` text NOT NULL,
	`endpoint` text NOT NULL,
	`p256dh` text NOT NULL,
	`auth` text NOT NULL,
	`standard` integer DEFAULT false NOT NULL,
	`alerts` text NOT NULL,
	`policy` text DEFAULT 'all' NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`token_id`) REFERENCES `oauth_tokens`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `push_subscriptions_token_id_unique` ON `push_subscriptions` (`token_id`);--> statement-breakpoint
CREATE INDEX `push_subscriptions_account_idx` ON `push_subscriptions` (`account_id`);