ALTER TABLE `posts` ADD `search_rowid` integer;--> statement-breakpoint
-- Posts already indexed learn their row (one pass over the index, each post found by its key).
UPDATE `posts` SET `search_rowid` = s.rowid FROM `posts_search` AS s WHERE s.post_id = `posts`.`id`;
