CREATE TABLE `analysis_evidence` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`rollout_id` integer NOT NULL,
	`at` integer NOT NULL,
	`rules` text NOT NULL,
	FOREIGN KEY (`rollout_id`) REFERENCES `rollouts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `analysis_evidence_rollout` ON `analysis_evidence` (`rollout_id`,`at`);