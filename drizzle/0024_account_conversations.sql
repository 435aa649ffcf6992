CREATE TABLE `account_conversations` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`root_id` text NOT NULL,
	`last_post_id` text NOT NULL,
	`participant_ids` text NOT NULL,
	`unread` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`last_post_id`) REFERENCES `posts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `account_conversations_root` ON `account_conversations` (`account_id`,`root_id`);--> statement-breakpoint
CREATE INDEX `account_conversations_last` ON `account_conversations` (`account_id`,`last_post_id`);