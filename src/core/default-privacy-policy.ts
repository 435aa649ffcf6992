/**
 * The privacy policy shown until the owner writes their own: what a Skein instance really keeps
 * and sends, in plain words. Keep it true when the software changes (sessions, cookies, federation).
 */
export const defaultPrivacyPolicy = `This is the privacy policy that comes with Skein, the software this server runs. The people who run this server have not written their own; if anything here is unclear, ask them (see the contact on the about page).

What this server stores
Your account: your username, email address, a hash of your password (never the password itself), your profile and your settings. What you do here: your posts and their images, likes, boosts, bookmarks, follows, notifications, and the reports you send. For each browser you are logged in on: its IP address and browser name, so that you can see and end your sessions in your settings. The IP address you signed up from, which the moderators see beside your latest one, to tell a wave of spam accounts from a network. Recent IP addresses are also held in memory for a short while to slow down password guessing and mass sign-ups.
If you ask to join and a moderator turns the request down, your username, email address, password hash and their message are kept for 30 days, so that you can read why when you try to log in.

Who can see what
Your profile and your public and unlisted posts can be seen by anyone, here and on other servers. Followers-only posts go to your followers, direct posts to the people you mention, including people on other servers. Nothing here is end-to-end encrypted: the people who run this server, and the people who run the servers of those you write to, can read everything, direct posts included. Do not share anything here that you would not want them to read.
Your email address is seen only by the staff of this server.

Other servers
This server is part of the fediverse. When you post, copies go to the servers of your followers and of the people you mention, and they keep them under their own rules. When you delete a post, this server asks them to delete their copies, but it cannot make them.

What this server does not do
No ads, no tracking, no analytics, and your data is not sold or given to anyone. The only cookies are the one that keeps you logged in and one that protects forms from forgery.

Moderation
Moderators read reports and the posts they point at, and can act on accounts. Their actions are recorded in a log that the staff can read.

Keeping and deleting
What you post stays until you delete it. Deleting your account, in your settings, removes it and your posts from this server at once; copies that other servers already received may remain there, and backups made by the people running this server may keep a copy for a while.`;
