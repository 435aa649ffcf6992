ALTER TABLE `users` ADD `notifications_read_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `home_read_id` text;--> statement-breakpoint
ALTER TABLE `users` ADD `home_read_at` integer;