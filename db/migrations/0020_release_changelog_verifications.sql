CREATE TABLE `release_changelog` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` integer NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`text` text NOT NULL,
	`environment_id` integer NOT NULL,
	`rollout_id` integer NOT NULL,
	`original_rollout_id` integer,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`environment_id`) REFERENCES `environments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`rollout_id`) REFERENCES `rollouts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`original_rollout_id`) REFERENCES `rollouts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `release_changelog_release` ON `release_changelog` (`release_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `release_changelog_rollout_kind` ON `release_changelog` (`rollout_id`,`kind`,`release_id`);--> statement-breakpoint
CREATE TABLE `rollout_verifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`rollout_id` integer NOT NULL,
	`status` text NOT NULL,
	`restored_version` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer NOT NULL,
	`probes` text DEFAULT '[]' NOT NULL,
	`summary` text,
	`queued_at` integer NOT NULL,
	`finished_at` integer,
	`row_version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`rollout_id`) REFERENCES `rollouts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rollout_verifications_rollout` ON `rollout_verifications` (`rollout_id`);