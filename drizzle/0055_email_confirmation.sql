ALTER TABLE `users` ADD `email_confirmed_at` integer;--> statement-breakpoint
-- Members from before sign-ups were confirmed keep their access: their addresses count as confirmed.
UPDATE `users` SET `email_confirmed_at` = `created_at`;
