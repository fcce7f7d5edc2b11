CREATE TABLE `postmortem_action_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`postmortem_id` integer NOT NULL,
	`text` text NOT NULL,
	`kind` text NOT NULL,
	`owner_id` integer NOT NULL,
	`due_on` text NOT NULL,
	`done_at` integer,
	`done_by` integer,
	`created_by` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`postmortem_id`) REFERENCES `postmortems`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`done_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `postmortem_action_items_postmortem` ON `postmortem_action_items` (`postmortem_id`,`id`);--> statement-breakpoint
CREATE TABLE `postmortem_overdue` (
	`incident_id` integer PRIMARY KEY NOT NULL,
	`announced_at` integer NOT NULL,
	`audit_event_id` integer NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `postmortems` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer NOT NULL,
	`summary` text DEFAULT '' NOT NULL,
	`impact` text DEFAULT '' NOT NULL,
	`root_causes` text DEFAULT '' NOT NULL,
	`trigger` text DEFAULT '' NOT NULL,
	`resolution` text DEFAULT '' NOT NULL,
	`detection` text DEFAULT '' NOT NULL,
	`went_well` text DEFAULT '' NOT NULL,
	`went_wrong` text DEFAULT '' NOT NULL,
	`got_lucky` text DEFAULT '' NOT NULL,
	`status` text NOT NULL,
	`published_at` integer,
	`published_by` integer,
	`author_id` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`row_version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`published_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`author_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `postmortems_incident` ON `postmortems` (`incident_id`);