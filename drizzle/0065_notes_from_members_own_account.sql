-- Notes from the moderators come from the member's own account (as on Mastodon): no moderator is named.
UPDATE `notifications` SET `from_account_id` = `account_id` WHERE `type` = 'moderation_warning';
