CREATE TABLE `release_time_facts` (
	`release_id` integer PRIMARY KEY NOT NULL,
	`spent` text NOT NULL,
	`total_ms` integer NOT NULL,
	`computed_at` integer NOT NULL,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `rollout_time_facts` (
	`rollout_id` integer PRIMARY KEY NOT NULL,
	`restoration` integer NOT NULL,
	`aborted_at` integer,
	`intervals` text NOT NULL,
	`computed_at` integer NOT NULL,
	FOREIGN KEY (`rollout_id`) REFERENCES `rollouts`(`id`) ON UPDATE no action ON DELETE no action
);
