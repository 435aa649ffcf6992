ALTER TABLE `users` ADD `mail_notifications` text DEFAULT '["mention","follow","follow_request","quote"]' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `notifications_mailed_id` text;--> statement-breakpoint
ALTER TABLE `users` ADD `notifications_mailed_at` integer;--> statement-breakpoint
-- E-mails start with what comes after the upgrade, not with every notification left unread.
UPDATE `users` SET `notifications_mailed_id` = (SELECT max(`id`) FROM `notifications` WHERE `notifications`.`account_id` = `users`.`account_id`);
