ALTER TABLE `posts` ADD `quote_state` text;
--> statement-breakpoint
-- Whatever deletes a post (its author, a moderator, retention, an account's deletion), the posts
-- quoting it remember that it was deleted; the foreign key then clears their quote_of_id.
CREATE TRIGGER `posts_quoted_deleted` BEFORE DELETE ON `posts`
BEGIN
  UPDATE `posts` SET `quote_state` = 'deleted' WHERE `quote_of_id` = OLD.`id`;
END;
