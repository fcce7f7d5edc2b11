CREATE TABLE `audit_checks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`checked` integer NOT NULL,
	`last_id` integer NOT NULL,
	`last_hash` text NOT NULL,
	`intact` integer NOT NULL,
	`broken_id` integer,
	`reason` text,
	`millis` integer NOT NULL
);
